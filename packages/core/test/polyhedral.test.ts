/**
 * The row form of a space (`Polyhedral`): which rows each kind stands for, that they agree with the
 * canonical form and with `contains`, and the decisions read off them.
 */
import { describe, expect, it } from "vitest"
import { DimensionMismatch, InvalidArgument } from "../src/Errors.js"
import * as Lp from "../src/Lp.js"
import * as Polyhedral from "../src/Polyhedral.js"
import * as Space from "../src/Space.js"

const plain = (r: Polyhedral.Row) => ({ ...r, idx: Array.from(r.idx), val: Array.from(r.val) })

const spaces: ReadonlyArray<readonly [string, Space.Space]> = [
  ["reals", Space.reals(3)],
  ["pinned", Space.pinned(4, { index: 2, value: 1.5 })],
  ["zeroSum", Space.zeroSum(3)],
  ["box", Space.box([-1, 0, -Infinity], [1, Infinity, 2])],
  ["affine", Space.affine({ C: [[1, -1, 0], [0, 2, 0]], e: [0, 1] })],
  ["polyhedron", Space.polyhedron({ A: [[1, 1, 0], [-1, 0, 0]], b: [1, 0], C: [[0, 1, -1]], e: [0] })],
  ["equations only", Space.polyhedron({ A: [], b: [], C: [[1, -1, 0]], e: [0] })],
  ["pinned ∩ box", Space.intersect(Space.pinned(3), Space.box(-5, 5, 3))],
  ["zeroSum ∩ box", Space.intersect(Space.zeroSum(3), Space.box(-1, 1, 3))],
  ["affine ∩ polyhedron", Space.intersect(Space.affine({ C: [[1, 1, 1]], e: [1] }), Space.polyhedron({ A: [[-1, 0, 0], [0, -1, 0]], b: [0, 0] }))]
]

describe("rows", () => {
  it("says what each kind stands for, with the constructor's words", () => {
    expect(Polyhedral.rows(Space.reals(3))).toEqual([])
    expect(Polyhedral.rows(Space.pinned(3)).map(plain)).toEqual([
      { idx: [0], val: [1], rhs: 0, eq: true, bound: true, sum: 1, label: "pinned θ[0] = 0" }
    ])
    expect(Polyhedral.rows(Space.zeroSum(3)).map(plain)).toEqual([
      { idx: [0, 1, 2], val: [1, 1, 1], rhs: 0, eq: true, bound: false, sum: 3, label: "zero-sum Σθ = 0" }
    ])
    expect(Polyhedral.rows(Space.box([-1, 0], [1, Infinity])).map(plain)).toEqual([
      { idx: [0], val: [1], rhs: 1, eq: false, bound: true, sum: 1, label: "box θ[0] ≤ 1" },
      { idx: [0], val: [-1], rhs: 1, eq: false, bound: true, sum: -1, label: "box θ[0] ≥ -1" },
      { idx: [1], val: [-1], rhs: -0, eq: false, bound: true, sum: -1, label: "box θ[1] ≥ 0" }
    ])
    expect(Polyhedral.rows(Space.polyhedron({ A: [[1, -1, 0]], b: [2], C: [[0, 3, 0]], e: [1] })).map(plain)).toEqual([
      { idx: [0, 1], val: [1, -1], rhs: 2, eq: false, bound: false, sum: 0, label: "polyhedron A[0]·θ ≤ 2" },
      { idx: [1], val: [3], rhs: 1, eq: true, bound: false, sum: 3, label: "polyhedron C[0]·θ = 1" }
    ])
  })

  it("lists an intersection's left part first and keeps affine singletons as rows, not bounds", () => {
    const space = Space.intersect(Space.affine({ C: [[0, 1, 0]], e: [2] }), Space.pinned(3))
    expect(Polyhedral.rows(space).map((r) => [r.label, r.bound])).toEqual([
      ["affine C[0]·θ = 2", false],
      ["pinned θ[0] = 0", true]
    ])
  })

  it("zeroes g·𝟙 below rounding level", () => {
    const [row] = Polyhedral.rows(Space.polyhedron({ A: [[0.1, 0.2, -0.3]], b: [1] }))
    expect(row!.sum).toBe(0)
  })

  it.each(spaces)("%s: equations are canonical's C, e and inequalities its A, b, in order", (_, space) => {
    const rows = Polyhedral.rows(space)
    const dense = (r: Polyhedral.Row) => {
      const out = new Array<number>(space.dim).fill(0)
      r.idx.forEach((j, t) => (out[j] = r.val[t]!))
      return out
    }
    const c = Space.canonical(space)
    expect(rows.filter((r) => r.eq).map(dense)).toEqual(c.C)
    expect(rows.filter((r) => r.eq).map((r) => r.rhs + 0)).toEqual(c.e)
    expect(rows.filter((r) => !r.eq).map(dense)).toEqual(c.A)
    expect(rows.filter((r) => !r.eq).map((r) => r.rhs + 0)).toEqual(c.b)
  })

  it("stays O(d) for the structured kinds", () => {
    const d = 100_000
    expect(Polyhedral.rows(Space.reals(d))).toHaveLength(0)
    expect(Polyhedral.rows(Space.pinned(d))).toHaveLength(1)
    expect(Polyhedral.rows(Space.zeroSum(d))).toHaveLength(1)
    expect(Polyhedral.rows(Space.box(0, 1, d))).toHaveLength(2 * d)
  })

  it("are built afresh: changing them changes nothing else", () => {
    const space = Space.box(-1, 1, 2)
    Polyhedral.rows(space)[0]!.val[0] = 5
    expect(Polyhedral.rows(space)[0]!.val[0]).toBe(1)
    expect(Space.contains(space, [1, 1])).toBe(true)
  })

  it("refuses what is not a space", () => {
    expect(() => Polyhedral.rows({ _tag: "Reals", dim: 3 } as never)).toThrow(InvalidArgument)
    expect(() => Polyhedral.feasiblePoint(null as never)).toThrow(InvalidArgument)
  })
})

describe("feasiblePoint", () => {
  it.each(spaces)("%s: lies in the space", (_, space) => {
    const x = Polyhedral.feasiblePoint(space)
    expect(x).toHaveLength(space.dim)
    expect(Space.contains(space, x)).toBe(true)
  })

  it("uses closed forms for coordinate bounds and equations", () => {
    expect(Array.from(Polyhedral.feasiblePoint(Space.box(0, Infinity, 2)))).toEqual([1, 1])
    expect(Array.from(Polyhedral.feasiblePoint(Space.box([-1, -Infinity, -3], [1, 2, Infinity])))).toEqual([0, 1, -2])
    expect(Array.from(Polyhedral.feasiblePoint(Space.pinned(4, { index: 2, value: 1.5 })))).toEqual([0, 0, 1.5, 0])
    expect(Array.from(Polyhedral.feasiblePoint(Space.intersect(Space.reals(3), Space.box(0, Infinity, 3))))).toEqual([1, 1, 1])
    const affine = Space.affine({ C: [[1, 1, 0]], e: [2] })
    expect(Array.from(Polyhedral.feasiblePoint(affine))).toEqual(Array.from(Space.affineHull(affine).point))
    // O(d): no dense hull is built for the structured kinds.
    expect(Polyhedral.feasiblePoint(Space.zeroSum(100_000))).toHaveLength(100_000)
  })
})

describe("coordCentre", () => {
  it("is the midpoint, one unit inside a half-line, 0 on the line, the value of a point", () => {
    expect(Polyhedral.coordCentre(-1, 3)).toBe(1)
    expect(Polyhedral.coordCentre(2, Infinity)).toBe(3)
    expect(Polyhedral.coordCentre(-Infinity, 2)).toBe(1)
    expect(Polyhedral.coordCentre(-Infinity, Infinity)).toBe(0)
    expect(Polyhedral.coordCentre(4, 4)).toBe(4)
  })

  it("gives the hull point of a box", () => {
    const box = Space.box([-1, 0, -Infinity], [1, Infinity, 2])
    expect(Array.from(Space.affineHull(box).point)).toEqual([0, 1, 1])
  })
})

describe("lpRows and recessionCone", () => {
  it("write equations as lo = hi and inequalities as lo = −∞", () => {
    const rows = Polyhedral.lpRows(Polyhedral.rows(Space.polyhedron({ A: [[1, 1]], b: [1], C: [[1, -1]], e: [0.5] })))
    expect(rows.map((r) => [r.lo, r.hi])).toEqual([[-Infinity, 1], [0.5, 0.5]])
  })

  it("the cone keeps every row with right-hand side 0: a box recedes nowhere, a half-space along its inside", () => {
    const cone = (space: Space.Space, direction: ReadonlyArray<number>) => {
      const d = space.dim
      const res = Lp.solve({
        numCols: d,
        colLower: Float64Array.from(direction, (x) => x),
        colUpper: Float64Array.from(direction, (x) => x),
        rows: Polyhedral.lpRows(Polyhedral.recessionCone(Polyhedral.rows(space)))
      })
      return res.status === "optimal"
    }
    expect(Polyhedral.recessionCone(Polyhedral.rows(Space.box(-1, 1, 2))).every((r) => r.rhs === 0)).toBe(true)
    expect(cone(Space.box(-1, 1, 2), [1, 0])).toBe(false)
    expect(cone(Space.box(-1, 1, 2), [0, 0])).toBe(true)
    const half = Space.polyhedron({ A: [[1, 1]], b: [5] })
    expect(cone(half, [-1, 0])).toBe(true)
    expect(cone(half, [1, 0])).toBe(false)
  })
})

describe("chord", () => {
  it("is the interval of t keeping point + t·direction inside the inequalities", () => {
    const rows = Polyhedral.rows(Space.box(-1, 2, 2))
    expect(Polyhedral.chord(rows, [0, 0], [1, 0])).toEqual({ lo: -1, hi: 2 })
    expect(Polyhedral.chord(rows, [0, 0], [1, 1])).toEqual({ lo: -1, hi: 2 })
    expect(Polyhedral.chord(Polyhedral.rows(Space.polyhedron({ A: [[1, 0]], b: [1] })), [0, 0], [1, 0])).toEqual({ lo: -Infinity, hi: 1 })
  })

  it("ends on the boundary of the space", () => {
    const space = Space.polyhedron({ A: [[1, 2, 0], [-1, 0, 0], [0, -1, 0]], b: [4, 0, 0], C: [[0, 0, 1]], e: [1] })
    const x = Polyhedral.feasiblePoint(space)
    const u = [0.6, -0.8, 0]
    const { lo, hi } = Polyhedral.chord(Polyhedral.rows(space), x, u)
    for (const t of [lo, hi]) expect(Space.contains(space, Array.from(x, (v, i) => v + t * u[i]!), 1e-9)).toBe(true)
    for (const t of [lo - 1e-3, hi + 1e-3]) expect(Space.contains(space, Array.from(x, (v, i) => v + t * u[i]!))).toBe(false)
  })

  it("refuses a direction of another length", () => {
    expect(() => Polyhedral.chord([], [0, 0], [1])).toThrow(DimensionMismatch)
  })
})

describe("equalCoordinates", () => {
  it("groups the coordinates the space forces equal", () => {
    expect(Polyhedral.equalCoordinates(Space.affineHull(Space.affine({ C: [[1, -1, 0]], e: [0] })))).toEqual([[0, 1]])
    expect(Polyhedral.equalCoordinates(Space.affineHull(Space.reals(3)))).toEqual([])
    const implicit = Space.polyhedron({ A: [[1, 0, -1, 0], [-1, 0, 1, 0]], b: [0, 0] })
    expect(Polyhedral.equalCoordinates(Space.affineHull(implicit))).toEqual([[0, 2]])
    // Pinned coordinates 1 and 2 at the same value are equal too.
    const pins = Space.intersect(Space.pinned(3, { index: 1, value: 2 }), Space.pinned(3, { index: 2, value: 2 }))
    expect(Polyhedral.equalCoordinates(Space.affineHull(pins))).toEqual([[1, 2]])
  })

  it("refuses a basis of the wrong size", () => {
    expect(() => Polyhedral.equalCoordinates({ point: new Float64Array(3), basis: new Float64Array(5), k: 2 })).toThrow(DimensionMismatch)
  })
})
