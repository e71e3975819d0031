import { Equal, Hash } from "effect"
import { describe, expect, expectTypeOf, it } from "vitest"
import { DimensionMismatch, EmptySpace, InvalidArgument } from "../src/Errors.js"
import * as Space from "../src/Space.js"

const throwsTagged = (f: () => unknown) => {
  try {
    f()
  } catch (e) {
    return e as { _tag: string; message: string } & Record<string, unknown>
  }
  throw new Error("expected a throw")
}

const expectInvalid = (f: () => unknown, argument: string, value?: unknown) => {
  const e = throwsTagged(f)
  expect(e).toBeInstanceOf(InvalidArgument)
  expect(e["argument"]).toBe(argument)
  expect(e.message).toContain(`Invalid ${argument} = `)
  if (value !== undefined) expect(e["value"]).toStrictEqual(value)
}

const expectEmpty = (f: () => unknown, ...names: Array<string>) => {
  const e = throwsTagged(f)
  expect(e).toBeInstanceOf(EmptySpace)
  for (const n of names) {
    expect(e["constraints"]).toContain(n)
    expect(e.message).toContain(n)
  }
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!
  return s
}

const column = (basis: Float64Array, d: number, k: number, c: number) =>
  Float64Array.from({ length: d }, (_, i) => basis[i * k + c]!)

/** Orthonormal columns, each a direction the space can move along from `point` both ways. */
const checkHull = (space: Space.Space, k: number) => {
  const { basis, k: kk, point } = Space.affineHull(space)
  expect(kk).toBe(k)
  const d = space.dim
  expect(point.length).toBe(d)
  expect(basis.length).toBe(d * k)
  expect(Space.contains(space, point)).toBe(true)
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      expect(dot(column(basis, d, k, a), column(basis, d, k, b))).toBeCloseTo(a === b ? 1 : 0, 10)
    }
    // the point is relatively interior: a small step along any hull direction stays inside
    const col = column(basis, d, k, a)
    for (const t of [1e-3, -1e-3]) {
      expect(Space.contains(space, point.map((x, i) => x + t * col[i]!))).toBe(true)
    }
  }
  // directions orthogonal to the hull leave the space
  return { basis, point }
}

describe("constructors and validation", () => {
  it("dimensions must be integers ≥ 2", () => {
    expectInvalid(() => Space.reals(1), "reals.d", 1)
    expectInvalid(() => Space.pinned(2.5), "pinned.d", 2.5)
    expectInvalid(() => Space.zeroSum(NaN), "zeroSum.d")
    expectInvalid(() => Space.box(0, 1, 1), "box.d", 1)
  })

  it("pinned validates its index and value", () => {
    expectInvalid(() => Space.pinned(3, { index: 3 }), "pinned.index", 3)
    expectInvalid(() => Space.pinned(3, { index: -1 }), "pinned.index", -1)
    expectInvalid(() => Space.pinned(3, { value: Infinity }), "pinned.value", Infinity)
    const s = Space.pinned(4, { index: 2, value: 1.5 })
    expect(s._tag).toBe("Pinned")
    expect(s.dim).toBe(4)
  })

  it("box validates bounds, naming the coordinate", () => {
    expectInvalid(() => Space.box([0, NaN], 1), "box.lo[1]")
    expectInvalid(() => Space.box(0, NaN, 3), "box.hi")
    expectInvalid(() => Space.box(Infinity, Infinity, 2), "box.lo[0]")
    expectInvalid(() => Space.box(0, 1), "box.d")
    expect(throwsTagged(() => Space.box([0, 0, 0], [1, 1], 3))).toBeInstanceOf(DimensionMismatch)
    expect(throwsTagged(() => Space.box([0, 0], [1, 1, 1]))).toBeInstanceOf(DimensionMismatch)
    expectEmpty(() => Space.box([0, 2], [1, 1]), "box θ[1] ≥ 2", "box θ[1] ≤ 1")
    expectInvalid(() => Space.box(1, 1, 2), "box.hi[0]", 1)
    const b = Space.box([0, -Infinity], Infinity)
    expect(b.dim).toBe(2)
  })

  it("affine validates shapes and consistency", () => {
    expect(throwsTagged(() => Space.affine({ C: [[1, 0, 0], [1, 0]], e: [0, 0] }))).toBeInstanceOf(DimensionMismatch)
    expect(throwsTagged(() => Space.affine({ C: [[1, 0, 0]], e: [0, 0] }))).toBeInstanceOf(DimensionMismatch)
    expectInvalid(() => Space.affine({ C: [[1, NaN, 0]], e: [0] }), "affine.C[0][1]")
    expectInvalid(() => Space.affine({ C: [], e: [] }), "affine.dim")
    expectEmpty(
      () => Space.affine({ C: [[1, 1, 0], [2, 2, 0]], e: [0, 1] }),
      "affine C[0]·θ = 0",
      "affine C[1]·θ = 1"
    )
    expect(Space.affine({ C: [], e: [], dim: 3 }).dim).toBe(3)
    expect(Space.affine({ C: [[1, 1, 0], [2, 2, 0]], e: [1, 2] }).dim).toBe(3)
  })

  it("polyhedron validates shapes and feasibility, naming the conflicting rows", () => {
    expect(throwsTagged(() => Space.polyhedron({ A: [[1, 0]], b: [0, 1] }))).toBeInstanceOf(DimensionMismatch)
    expectInvalid(() => Space.polyhedron({ A: [[1, 0]], b: [Infinity] }), "polyhedron.b[0]")
    expectEmpty(
      () => Space.polyhedron({ A: [[1, 0], [-1, 0], [0, 1]], b: [0, -1, 5] }),
      "polyhedron A[0]·θ ≤ 0",
      "polyhedron A[1]·θ ≤ -1"
    )
    const e = throwsTagged(() => Space.polyhedron({ A: [[1, 0], [-1, 0], [0, 1]], b: [0, -1, 5] }))
    expect(e["constraints"]).not.toContain("polyhedron A[2]·θ ≤ 5")
  })

  it("intersections check dimensions and emptiness", () => {
    const a: Space.Space = Space.reals(3)
    const b: Space.Space = Space.reals(4)
    expect(throwsTagged(() => Space.intersect(a, b))).toBeInstanceOf(DimensionMismatch)
    expectEmpty(
      () => Space.intersect(Space.pinned(3), Space.box([1, -1, -1], 2)),
      "pinned θ[0] = 0",
      "box θ[0] ≥ 1"
    )
    expectEmpty(
      () => Space.intersect(Space.zeroSum(3), Space.box(1, 2, 3)),
      "zero-sum Σθ = 0"
    )
    expectEmpty(
      () => Space.intersect(Space.affine({ C: [[1, -1]], e: [0] }), Space.affine({ C: [[1, -1]], e: [1] })),
      "affine C[0]·θ = 0",
      "affine C[0]·θ = 1"
    )
    expect(Space.intersect(Space.pinned(3), Space.box(-1, 1, 3)).dim).toBe(3)
  })
})

describe("types", () => {
  it("dimensions are typed", () => {
    expectTypeOf(Space.pinned(10)).toEqualTypeOf<Space.Space<10>>()
    expectTypeOf(Space.reals(3)).toEqualTypeOf<Space.Space<3>>()
    expectTypeOf(Space.box(0, 1, 5)).toEqualTypeOf<Space.Space<5>>()
    expectTypeOf(Space.intersect(Space.pinned(3), Space.box(0, 1, 3))).toEqualTypeOf<Space.Space<3>>()
    const n: number = 3
    expectTypeOf(Space.intersect(Space.pinned(3), Space.reals(n))).toEqualTypeOf<Space.Space<3>>()
    // @ts-expect-error Space<3> ∩ Space<4> does not type-check
    expect(() => Space.intersect(Space.reals(3), Space.reals(4))).toThrow(DimensionMismatch)
  })
})

describe("canonical forms", () => {
  it("structured spaces", () => {
    expect(Space.canonical(Space.reals(2))).toStrictEqual({ A: [], b: [], C: [], e: [] })
    expect(Space.canonical(Space.pinned(3, { index: 1, value: 2 }))).toStrictEqual({ A: [], b: [], C: [[0, 1, 0]], e: [2] })
    expect(Space.canonical(Space.zeroSum(3))).toStrictEqual({ A: [], b: [], C: [[1, 1, 1]], e: [0] })
    expect(Space.canonical(Space.box([0, -Infinity], [1, 2]))).toStrictEqual({
      A: [[1, 0], [-1, 0], [0, 1]],
      b: [1, 0, 2],
      C: [],
      e: []
    })
  })

  it("intersections concatenate", () => {
    const s = Space.intersect(Space.pinned(2), Space.polyhedron({ A: [[0, 1]], b: [3] }))
    expect(Space.canonical(s)).toStrictEqual({ A: [[0, 1]], b: [3], C: [[1, 0]], e: [0] })
  })

  it("structured constructors stay small at d = 100 000", () => {
    // Structured spaces store no matrices: their JSON stays a few bytes (speed is for `pnpm bench`).
    const spaces = [Space.reals(100_000), Space.pinned(100_000), Space.zeroSum(100_000)]
    for (const s of spaces) expect(JSON.stringify(s.toJSON()).length).toBeLessThan(100)
    expect(Space.contains(Space.zeroSum(100_000), new Float64Array(100_000))).toBe(true)
  })
})

describe("affine hull, isAffine, isBounded", () => {
  const cases: Array<[string, Space.Space, { k: number; affine: boolean; bounded: boolean }]> = [
    ["reals", Space.reals(3), { k: 3, affine: true, bounded: false }],
    ["pinned", Space.pinned(3, { index: 1, value: 2 }), { k: 2, affine: true, bounded: false }],
    ["zero-sum", Space.zeroSum(4), { k: 3, affine: true, bounded: false }],
    ["box", Space.box(-1, 2, 3), { k: 3, affine: false, bounded: true }],
    ["half-open box", Space.box([0, -Infinity], [Infinity, 1]), { k: 2, affine: false, bounded: false }],
    ["pinned ∩ box", Space.intersect(Space.pinned(3), Space.box(-1, 1, 3)), { k: 2, affine: false, bounded: true }],
    ["{θ₀ = θ₁}", Space.affine({ C: [[1, -1, 0]], e: [0] }), { k: 2, affine: true, bounded: false }],
    ["half-space", Space.polyhedron({ A: [[1, 1, 1]], b: [1] }), { k: 3, affine: false, bounded: false }],
    ["simplex", Space.polyhedron({ A: [[-1, 0], [0, -1], [1, 1]], b: [0, 0, 1] }), { k: 2, affine: false, bounded: true }],
    [
      "implicit equality θ₀ ≤ 0 ≤ θ₀ with θ₁ ∈ [−1, 1]",
      Space.polyhedron({ A: [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0]], b: [0, 0, 1, 1] }),
      { k: 2, affine: false, bounded: false }
    ],
    [
      "only implicit equalities (θ₀ + θ₁ ≤ 1, θ₀ + θ₁ ≥ 1)",
      Space.polyhedron({ A: [[1, 1], [-1, -1]], b: [1, -1] }),
      { k: 1, affine: true, bounded: false }
    ],
    [
      "zero-sum ∩ box",
      Space.intersect(Space.zeroSum(3), Space.box(-1, 1, 3)),
      { k: 2, affine: false, bounded: true }
    ],
    [
      "reals ∩ zero-sum",
      Space.intersect(Space.reals(3), Space.zeroSum(3)),
      { k: 2, affine: true, bounded: false }
    ],
    [
      "an ordered cone",
      Space.polyhedron({ A: [[1, -1, 0], [0, 1, -1]], b: [0, 0] }),
      { k: 3, affine: false, bounded: false }
    ],
    [
      "box with a redundant row",
      Space.intersect(Space.box(0, 1, 2), Space.polyhedron({ A: [[1, 1]], b: [5] })),
      { k: 2, affine: false, bounded: true }
    ]
  ]

  it.each(cases)("%s", (_name, space, want) => {
    checkHull(space, want.k)
    expect(Space.isAffine(space)).toBe(want.affine)
    expect(Space.isBounded(space)).toBe(want.bounded)
  })

  it("finds the implicit equality θ₀ = 0", () => {
    const s = Space.polyhedron({ A: [[1, 0, 0], [-1, 0, 0]], b: [0, 0] })
    const { basis, k, point } = Space.affineHull(s)
    expect(k).toBe(2)
    expect(point[0]).toBeCloseTo(0, 12)
    for (let c = 0; c < k; c++) expect(basis[c]).toBeCloseTo(0, 12) // row 0: no movement in θ₀
  })

  it("pinned's hull is the pinned point plus the other unit vectors", () => {
    const { basis, k, point } = Space.affineHull(Space.pinned(3, { index: 1, value: 2 }))
    expect(Array.from(point)).toStrictEqual([0, 2, 0])
    expect(k).toBe(2)
    expect(Array.from(basis)).toStrictEqual([1, 0, 0, 0, 0, 1])
  })

  it("zero-sum's basis is orthogonal to 𝟙", () => {
    const { basis, k } = Space.affineHull(Space.zeroSum(5))
    for (let c = 0; c < k; c++) expect(dot(column(basis, 5, k, c), [1, 1, 1, 1, 1])).toBeCloseTo(0, 12)
  })
})

describe("contains", () => {
  it("checks each kind of constraint", () => {
    expect(Space.contains(Space.pinned(3), [0, 5, -5])).toBe(true)
    expect(Space.contains(Space.pinned(3), [1e-3, 5, -5])).toBe(false)
    expect(Space.contains(Space.zeroSum(3), [1, 2, -3])).toBe(true)
    expect(Space.contains(Space.zeroSum(3), [1, 2, 3])).toBe(false)
    expect(Space.contains(Space.box(0, 1, 2), [0, 1])).toBe(true)
    expect(Space.contains(Space.box(0, 1, 2), [0, 1.1])).toBe(false)
    expect(Space.contains(Space.box(0, 1, 2), [0, NaN])).toBe(false)
    const s = Space.intersect(Space.pinned(2), Space.polyhedron({ A: [[0, 1]], b: [3] }))
    expect(Space.contains(s, [0, 3])).toBe(true)
    expect(Space.contains(s, [0, 3.5])).toBe(false)
    expect(throwsTagged(() => Space.contains(s, [0]))).toBeInstanceOf(DimensionMismatch)
  })
})

describe("equality and JSON", () => {
  const spaces: Array<Space.Space> = [
    Space.reals(3),
    Space.pinned(4, { index: 2, value: -1 }),
    Space.zeroSum(5),
    Space.affine({ C: [[1, -1, 0]], e: [0] }),
    Space.box([0, -Infinity, -2], [Infinity, 3, 2]),
    Space.box(-1, 1, 3),
    Space.polyhedron({ A: [[1, 1, 1]], b: [1], C: [[1, 0, 0]], e: [0] }),
    Space.intersect(Space.pinned(3), Space.box(-1, 1, 3))
  ]

  it.each(spaces.map((s) => [s._tag, s] as const))("%s round-trips through JSON", (_tag, s) => {
    const text = JSON.stringify(s)
    const back = Space.fromJSON(JSON.parse(text))
    expect(Equal.equals(back, s)).toBe(true)
    expect(Hash.hash(back)).toBe(Hash.hash(s))
  })

  it("equality is structural", () => {
    expect(Equal.equals(Space.pinned(3), Space.pinned(3))).toBe(true)
    expect(Equal.equals(Space.pinned(3), Space.pinned(3, { index: 1 }))).toBe(false)
    expect(Equal.equals(Space.pinned(3), Space.reals(3))).toBe(false)
    expect(Equal.equals(Space.box(0, 1, 2), Space.box([0, 0], [1, 1]))).toBe(true)
    expect(Equal.equals(Space.pinned(3, { value: -0 }), Space.pinned(3))).toBe(true)
  })

  it("fromJSON validates shape and content", () => {
    expectInvalid(() => Space.fromJSON({ _tag: "Circle", dim: 3 }), "json")
    expectInvalid(() => Space.fromJSON({ _tag: "Box", dim: 3, lo: "minus one", hi: 1 }), "json")
    expectInvalid(() => Space.fromJSON({ _tag: "Pinned", dim: 1, index: 0, value: 0 }), "pinned.d", 1)
    expectEmpty(
      () => Space.fromJSON({
        _tag: "Intersection",
        dim: 2,
        left: { _tag: "Pinned", dim: 2, index: 0, value: 0 },
        right: { _tag: "Box", dim: 2, lo: 1, hi: "Infinity" }
      }),
      "pinned θ[0] = 0",
      "box θ[0] ≥ 1"
    )
    expect(Equal.equals(
      Space.fromJSON({ _tag: "Box", dim: 2, lo: ["-Infinity", 0], hi: 1 }),
      Space.box([-Infinity, 0], 1)
    )).toBe(true)
  })
})
