/**
 * Vector noise: the Gaussian's Cholesky factor, marginals, independence and dimensions.
 */
import { Equal } from "effect"
import { describe, expect, it } from "vitest"
import { InvalidArgument, Noise } from "../src/index.js"

const cov3 = [
  [4, 2, 0.6],
  [2, 2, 0.5],
  [0.6, 0.5, 1]
]

describe("gaussian", () => {
  it.each([
    ["1×1", [[2.5]]],
    ["2×2 correlated", [[1, 0.5], [0.5, 1]]],
    ["3×3", cov3],
    ["badly scaled", [[1e6, 999], [999, 1]]],
    ["diagonal", [[1, 0, 0], [0, 9, 0], [0, 0, 0.25]]]
  ])("%s: L is lower triangular with a positive diagonal and L·Lᵀ = covariance", (_name, cov) => {
    const g = Noise.gaussian({ covariance: cov })
    const d = cov.length
    const L = g.cholesky
    expect(L.length).toBe(d * d)
    for (let i = 0; i < d; i++) {
      expect(L[i * d + i]).toBeGreaterThan(0)
      for (let j = i + 1; j < d; j++) expect(L[i * d + j]).toBe(0)
      for (let j = 0; j < d; j++) {
        let s = 0
        for (let k = 0; k < d; k++) s += L[i * d + k]! * L[j * d + k]!
        const scale = Math.sqrt(cov[i]![i]! * cov[j]![j]!)
        expect(Math.abs(s - cov[i]![j]!), `entry (${i}, ${j})`).toBeLessThanOrEqual(1e-14 * scale)
      }
    }
  })

  it("the documented 2×2 example", () => {
    const L = Noise.gaussian({ covariance: [[1, 0.5], [0.5, 1]] }).cholesky
    expect(Array.from(L)).toEqual([1, 0, 0.5, Math.sqrt(0.75)])
  })

  it("mean defaults to zeros, is kept otherwise, and the value is frozen", () => {
    expect(Noise.gaussian({ covariance: cov3 }).mean).toEqual([0, 0, 0])
    const g = Noise.gaussian({ covariance: cov3, mean: [1, -2, 3] })
    expect(g.mean).toEqual([1, -2, 3])
    expect(g.dim).toBe(3)
    expect(g._tag).toBe("Gaussian")
    expect(Object.isFrozen(g)).toBe(true)
    expect(g.covariance).toEqual(cov3)
  })

  it("copies its inputs: later mutation of the caller's arrays does not leak in", () => {
    const cov = [[1, 0.2], [0.2, 1]]
    const mean = [0, 1]
    const g = Noise.gaussian({ covariance: cov, mean })
    cov[0]![1] = 0.9
    mean[0] = 5
    expect(g.covariance[0]![1]).toBe(0.2)
    expect(g.mean[0]).toBe(0)
  })
})

describe("marginal", () => {
  it("a Gaussian's marginals are normal with the diagonal variance", () => {
    const g = Noise.gaussian({ covariance: cov3, mean: [1, -2, 3] })
    const sds = [2, Math.sqrt(2), 1]
    g.mean.forEach((m, i) => {
      const law = Noise.marginal(g, i)
      expect(law._tag).toBe("Normal")
      expect(Equal.equals(law, Noise.normal({ mean: m, sd: sds[i]! }))).toBe(true)
    })
  })

  it("iid, independent and bare laws", () => {
    const gum = Noise.gumbel()
    expect(Noise.marginal(Noise.iid(gum, 4), 3)).toBe(gum)
    const laws = [Noise.normal(), Noise.laplace({ scale: 2 }), Noise.uniform()]
    const ind = Noise.independent(laws)
    laws.forEach((l, i) => expect(Noise.marginal(ind, i)).toBe(l))
    expect(Noise.marginal(gum, 17)).toBe(gum)
  })

  it.each([-1, 3, 1.5, NaN])("index %s out of range is an InvalidArgument", (i) => {
    expect(() => Noise.marginal(Noise.iid(Noise.gumbel(), 3), i)).toThrow(InvalidArgument)
  })
})

describe("independentMarginals", () => {
  it("is undefined for a correlated Gaussian", () => {
    expect(Noise.independentMarginals(Noise.gaussian({ covariance: cov3 }), 3)).toBeUndefined()
    expect(Noise.independentMarginals(Noise.gaussian({ covariance: [[1, 1e-300], [1e-300, 1]] }), 2)).toBeUndefined()
  })

  it("is the normal marginals for a diagonal Gaussian", () => {
    const ms = Noise.independentMarginals(Noise.gaussian({ covariance: [[4, 0], [0, 9]], mean: [1, 2] }), 2)
    expect(ms).toBeDefined()
    expect(Equal.equals(ms![0], Noise.normal({ mean: 1, sd: 2 }))).toBe(true)
    expect(Equal.equals(ms![1], Noise.normal({ mean: 2, sd: 3 }))).toBe(true)
  })

  it("is d copies for iid and bare laws, the laws for independent", () => {
    const gum = Noise.gumbel()
    expect(Noise.independentMarginals(Noise.iid(gum, 3), 3)).toEqual([gum, gum, gum])
    expect(Noise.independentMarginals(gum, 5)).toHaveLength(5)
    const laws = [Noise.normal(), Noise.cauchy()]
    expect(Noise.independentMarginals(Noise.independent(laws), 2)).toEqual(laws)
  })

  it("rejects a d that contradicts the noise's dimension", () => {
    expect(() => Noise.independentMarginals(Noise.iid(Noise.gumbel(), 3), 4)).toThrow(InvalidArgument)
    expect(() => Noise.independentMarginals(Noise.gaussian({ covariance: cov3 }), 2)).toThrow(InvalidArgument)
  })
})

describe("dims", () => {
  it("dimOf", () => {
    expect(Noise.dimOf(Noise.gumbel())).toBeUndefined()
    expect(Noise.dimOf(Noise.iid(Noise.gumbel(), 7))).toBe(7)
    expect(Noise.dimOf(Noise.independent([Noise.normal(), Noise.normal()]))).toBe(2)
    expect(Noise.dimOf(Noise.gaussian({ covariance: cov3 }))).toBe(3)
  })

  it("iid and independent values", () => {
    const law = Noise.normal()
    const iid = Noise.iid(law, 1)
    expect(iid).toEqual({ _tag: "IID", law, dim: 1 })
    expect(Object.isFrozen(iid)).toBe(true)
    const ind = Noise.independent([Noise.normal()])
    expect(ind._tag).toBe("Independent")
    expect(ind.dim).toBe(1)
  })
})
