import { describe, expect, it } from "vitest"
import * as Numeric from "../src/Numeric.js"

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-14) => {
  expect(a.length).toBe(b.length)
  for (let i = 0; i < b.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[i]!)))
}

describe("softmax and logSumExp", () => {
  it("match hand values and stay finite far from 0", () => {
    const out = new Float64Array(2)
    expect(Numeric.softmaxInto([0, Math.log(3)], out)).toBeCloseTo(Math.log(4), 15)
    close(out, [0.25, 0.75])
    expect(Numeric.logSumExp([1000, 1000])).toBe(1000 + Math.log(2))
    close(Numeric.softmax([-1000, -1000, -1000]), [1 / 3, 1 / 3, 1 / 3])
  })

  it("scale divides the inputs; softmax is shift-invariant and logSumExp moves with the shift", () => {
    const x = [0.3, -1.2, 2.5, 0]
    close(Numeric.softmax(x, 2), Numeric.softmax(x.map((v) => v / 2)))
    close(Numeric.softmax(x.map((v) => v + 7)), Numeric.softmax(x))
    expect(Numeric.logSumExp(x.map((v) => v + 7))).toBeCloseTo(Numeric.logSumExp(x) + 7, 13)
    const direct = Math.log(x.reduce((s, v) => s + Math.exp(v), 0))
    expect(Numeric.logSumExp(x)).toBeCloseTo(direct, 14)
    const out = new Float64Array(4)
    expect(Numeric.softmaxInto(x, out)).toBe(Numeric.logSumExp(x))
    expect(out.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 15)
  })
})

describe("replicate standard errors", () => {
  it("mean ± sqrt(Σ(x − mean)² / (R − 1) / R)", () => {
    expect(Numeric.meanStdError([1, 3])).toEqual({ mean: 2, stdError: 1 })
    const { mean, stdError } = Numeric.meanStdError([2, 4, 4, 4, 5, 5, 7, 9])
    expect(mean).toBe(5)
    // Sample variance 32/7 over 8 replicates.
    expect(stdError).toBeCloseTo(Math.sqrt(32 / 7 / 8), 15)
  })

  it("replicateMeans works per column and agrees with meanStdError and stdErrorAbout", () => {
    const rows = Float64Array.of(1, 10, 3, 20, 5, 60)
    const r = Numeric.replicateMeans(rows, 3, 2)
    const c0 = Numeric.meanStdError([1, 3, 5])
    const c1 = Numeric.meanStdError([10, 20, 60])
    close(r.mean, [c0.mean, c1.mean])
    close(r.stdError, [c0.stdError, c1.stdError])
    close(Numeric.stdErrorAbout([[1, 10], [3, 20], [5, 60]], r.mean), r.stdError)
  })
})

describe("linear algebra", () => {
  it("solve needs pivoting and leaves its inputs alone", () => {
    const A = Float64Array.of(0, 1, 1, 0)
    const b = Float64Array.of(2, 3)
    close(Numeric.solve(A, b, 2), [3, 2])
    close(A, [0, 1, 1, 0])
    close(b, [2, 3])
  })

  it("solveInPlace solves several right-hand sides: A X = B", () => {
    const A = [4, 1, 2, 1, 3, 0, 2, 0, 5]
    const X = [1, -2, 0.5, 3, -1, 4]
    const B = new Float64Array(6)
    for (let i = 0; i < 3; i++) for (let k = 0; k < 2; k++) for (let j = 0; j < 3; j++) B[i * 2 + k]! += A[i * 3 + j]! * X[j * 2 + k]!
    Numeric.solveInPlace(Float64Array.from(A), B, 3, 2)
    close(B, X, 1e-13)
  })

  it("a zero pivot sets its unknown to 0; `tiny` raises that threshold", () => {
    close(Numeric.solve(Float64Array.of(1, 0, 0, 0), Float64Array.of(2, 5), 2), [2, 0])
    close(Numeric.solve(Float64Array.of(1, 0, 0, 1e-301), Float64Array.of(2, 5), 2, 1e-300), [2, 0])
  })

  it("cholesky: L Lᵀ = A, and the first non-positive pivot is named", () => {
    const got = Numeric.cholesky(Float64Array.of(4, 2, 2, 2), 2)
    expect("L" in got && Array.from(got.L)).toEqual([2, 0, 1, 1])
    expect(Numeric.cholesky(Float64Array.of(1, 2, 2, 1), 2)).toEqual({ row: 1, pivot: -3 })
  })

  it("lowerAffine is mean + L z per row", () => {
    const out = new Float64Array(4)
    Numeric.lowerAffine([1, 2], [1, 0, 1, 1], Float64Array.of(3, 4, -1, 0), 2, out)
    close(out, [4, 9, 0, 1])
    const out32 = new Float32Array(2)
    Numeric.lowerAffine([0.1, 0], [1, 0, 0, 1], [0.2, 0], 2, out32)
    expect(out32[0]).toBe(Math.fround(0.1 + 0.2))
  })

  it("symmetricEigenvalues: ascending, trace and determinant preserved", () => {
    close(Numeric.symmetricEigenvalues(Float64Array.of(2, 1, 1, 2), 2), [1, 3])
    const S = Float64Array.of(4, 1, 0.5, 1, 3, 0.25, 0.5, 0.25, 2)
    const e = Numeric.symmetricEigenvalues(S, 3)
    expect(e[0]! <= e[1]! && e[1]! <= e[2]!).toBe(true)
    expect(e[0]! + e[1]! + e[2]!).toBeCloseTo(9, 13)
    const det = 4 * (3 * 2 - 0.25 * 0.25) - 1 * (1 * 2 - 0.25 * 0.5) + 0.5 * (1 * 0.25 - 3 * 0.5)
    expect(e[0]! * e[1]! * e[2]!).toBeCloseTo(det, 12)
  })
})

describe("quadrature rules", () => {
  const integrate = (x: ArrayLike<number>, w: ArrayLike<number>, f: (t: number) => number) => {
    let s = 0
    for (let i = 0; i < x.length; i++) s += w[i]! * f(x[i]!)
    return s
  }

  it("Gauss–Legendre on (0, 1) integrates t^k exactly up to degree 2n − 1", () => {
    const { nodes, weights } = Numeric.gaussLegendre01(6)
    for (let k = 0; k <= 11; k++) expect(integrate(nodes, weights, (t) => t ** k)).toBeCloseTo(1 / (k + 1), 14)
    expect(integrate(nodes, weights, (t) => t ** 12)).not.toBeCloseTo(1 / 13, 12)
    expect(Numeric.gaussLegendre01(6)).toBe(Numeric.gaussLegendre01(6))
    expect(Numeric.gaussLegendre01(1)).toEqual({ nodes: Float64Array.of(0.5), weights: Float64Array.of(1) })
  })

  const moment = (k: number) => (k % 2 === 1 ? 0 : 2 / (k + 1))
  for (const [name, rule, gaussDeg, kronrodDeg] of [
    ["gaussKronrod15", Numeric.gaussKronrod15(), 13, 22],
    ["gaussKronrod21", Numeric.gaussKronrod21(), 19, 31]
  ] as const) {
    it(`${name}: increasing symmetric nodes, Gauss exact to degree ${gaussDeg}, Kronrod to ${kronrodDeg}`, () => {
      const { x, wk, wg } = rule
      for (let i = 1; i < x.length; i++) expect(x[i]!).toBeGreaterThan(x[i - 1]!)
      for (let i = 0; i < x.length; i++) expect(x[i]! + x[x.length - 1 - i]!).toBe(0)
      expect(wg.filter((w) => w > 0).length).toBe((x.length - 1) / 2)
      for (let k = 0; k <= kronrodDeg; k += 2) {
        expect(integrate(x, wk, (t) => t ** k)).toBeCloseTo(moment(k), 14)
        if (k <= gaussDeg) expect(integrate(x, wg, (t) => t ** k)).toBeCloseTo(moment(k), 14)
      }
      expect(integrate(x, wg, (t) => t ** (gaussDeg + 1))).not.toBeCloseTo(moment(gaussDeg + 1), 8)
    })
  }
})
