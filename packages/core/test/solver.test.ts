import { describe, expect, it } from "vitest"
import { InvalidArgument, Lp, Solver } from "../src/index.js"

const key = (y: Float64Array): string => Array.from(y).join(",")
const dot = (a: Float64Array, b: Float64Array): number => a.reduce((s, v, i) => s + v * b[i]!, 0)

/** y*(θ) must be a vertex attaining max ⟨θ, y⟩ over the enumerated vertex set. */
const checkMaximiser = (s: Solver.Solver, trials: number): void => {
  const Y = s.vertices(10_000)!
  let seed = 7
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 4 - 2
  for (let t = 0; t < trials; t++) {
    const theta = Float64Array.from({ length: s.d }, rand)
    const y = s.apply(theta)
    expect(Y.map(key)).toContain(key(y))
    const best = Math.max(...Y.map((v) => dot(theta, v)))
    expect(dot(theta, y)).toBeCloseTo(best, 12)
  }
}

/** Two orthonormal bases span the same space when each projects fully onto the other. */
const sameSpan = (a: ReadonlyArray<Float64Array>, b: ReadonlyArray<Float64Array>): void => {
  expect(a.length).toBe(b.length)
  for (const u of a) {
    const proj = b.reduce((s, q) => s + dot(u, q) ** 2, 0)
    expect(proj).toBeCloseTo(1, 10)
  }
}

describe("Solver", () => {
  it("enumerates vertex sets of the right size, without repeats", () => {
    expect(new Set(Solver.ranks(5).vertices(1000)!.map(key)).size).toBe(120)
    expect(new Set(Solver.topK(6, 3).vertices(1000)!.map(key)).size).toBe(20)
    expect(new Set(Solver.argmax(4).vertices(1000)!.map(key)).size).toBe(4)
    expect(new Set(Solver.shortestPath(3, 4).vertices(1000)!.map(key)).size).toBe(10)
    expect(Solver.ranks(9).vertices(1000)).toBeUndefined()
  })

  it("each linear solver maximises ⟨θ, y⟩ over its vertices", () => {
    for (const s of [Solver.argmax(4), Solver.topK(5, 2), Solver.ranks(4), Solver.shortestPath(3, 3), Solver.shortestPath(1, 4)]) {
      checkMaximiser(s, 200)
    }
  })

  it("lineality equals the complement of the vertex differences", () => {
    for (const s of [Solver.argmax(4), Solver.topK(5, 2), Solver.ranks(4), Solver.shortestPath(3, 4), Solver.shortestPath(2, 2)]) {
      sameSpan(s.lineality()!, Solver.linealityOf(s.vertices(10_000)!))
    }
    expect(Solver.shortestPath(3, 4).lineality()!.length).toBe(6)
    expect(Solver.sort(3).lineality()).toBeUndefined()
  })

  it("gives a large grid's lineality (its anti-diagonals, normalised) without spreading d values into arguments", () => {
    const L = Solver.shortestPath(400, 400).lineality()!
    expect(L.length).toBe(799)
    expect(L[0]![0]).toBe(1)
    expect(L[399]!.reduce((s, v) => s + v * v, 0)).toBeCloseTo(1, 12)
    expect(dot(L[10]!, L[11]!)).toBe(0)
  })

  it("sorts descending and breaks ties by index", () => {
    expect(Array.from(Solver.sort(4).apply(Float64Array.of(1, 3, -2, 3)))).toEqual([3, 3, 1, -2])
    expect(Array.from(Solver.topK(4, 2).apply(Float64Array.of(1, 1, 1, 1)))).toEqual([1, 1, 0, 0])
    expect(Array.from(Solver.ranks(3).apply(Float64Array.of(0, 0, 0)))).toEqual([3, 2, 1])
  })

  it("solves LP polytopes with HiGHS and finds their implicit equalities", async () => {
    await Lp.ready()
    // the probability simplex in ℝ³ written with inequalities: x ≥ 0, Σx ≤ 1, −Σx ≤ −1
    const simplex = Solver.lp({ A: [[-1, 0, 0], [0, -1, 0], [0, 0, -1], [1, 1, 1], [-1, -1, -1]], b: [0, 0, 0, 1, -1] })
    expect(Array.from(simplex.apply(Float64Array.of(0.1, 2, -1)))).toEqual([0, 1, 0])
    sameSpan(simplex.lineality()!, Solver.argmax(3).lineality()!)
    const square = Solver.lp({ A: [[1, 0], [-1, 0], [0, 1], [0, -1]], b: [1, 0, 1, 0] })
    expect(square.lineality()).toEqual([])
    expect(() => Solver.lp({ A: [[1, 0]], b: [1] })).toThrow(InvalidArgument)
    expect(Solver.fromJSON(square.toJSON()).apply(Float64Array.of(-1, 1))).toEqual(Float64Array.of(0, 1))
  })

  it("round-trips JSON and custom solvers", () => {
    for (const s of [Solver.argmax(3), Solver.topK(5, 2), Solver.ranks(4), Solver.sort(3), Solver.shortestPath(2, 3)]) {
      const back = Solver.fromJSON(JSON.parse(JSON.stringify(s.toJSON())))
      expect(back.toJSON()).toEqual(s.toJSON())
    }
    const pairs = Solver.custom({ d: 2, outDim: 2, solve: (t) => (t[0]! >= t[1]! ? [1, 0] : [0, 1]), vertices: [[1, 0], [0, 1]] })
    expect(pairs.linear).toBe(true)
    sameSpan(pairs.lineality()!, Solver.argmax(2).lineality()!)
    expect(pairs.toJSON()).toBeUndefined()
  })

  it("refuses bad input, naming the argument", () => {
    expect(() => Solver.topK(4, 4)).toThrow(/Invalid k = 4/)
    expect(() => Solver.ranks(1)).toThrow(/Invalid d = 1/)
    expect(() => Solver.shortestPath(1, 1)).toThrow(InvalidArgument)
    expect(() => Solver.argmax(3).apply(Float64Array.of(1, 2))).toThrow(/Invalid theta/)
    expect(() => Solver.custom({ d: 2, outDim: 1, solve: () => [Number.NaN] }).apply(Float64Array.of(0, 0))).toThrow(/solve\(theta\)\[0\]/)
    expect(() => Solver.fromJSON({ kind: "matching" })).toThrow(/json.kind/)
  })
})
