/**
 * A result without a standard error is exact to its stated tolerance; anything else carries its
 * standard error or an error bound.
 * - The correlated Gaussian's "exact" probabilities are a randomised lattice: they now carry the
 *   spread of its shifts as `stdError` (before: none, and an error up to 3e-4 at 4096 points).
 * - `quadrature` at d = 4 with its default nodes returns `errorBound`, which covers the distance to
 *   high-accuracy SciPy references (fixtures/quadrature_d4.json; before: no bound, off by ~1e-4).
 * - `exactProbs64` gives the float64 numbers (Gumbel = softmax to 1e-15, normal = SciPy to 1e-12).
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { Key, Noise } from "@perturb/noise"
import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { compile, exactProbs64, InvalidArgument, Model, Space } from "../src/index.js"

const read = (name: string) => JSON.parse(readFileSync(resolve(import.meta.dirname, "../fixtures", name), "utf8"))
const argmaxFixtures = read("argmax.json") as {
  cases: Array<{ name: string; kind: string; theta: Array<number>; probs: Array<number>; covariance?: Array<Array<number>>; mean?: Array<number> }>
}
const quadFixtures = read("quadrature_d4.json") as {
  cases: Array<{ noise: { type: string; sd?: number }; tau: number; theta: Array<number>; probs: Array<number> }>
}
const gaussianCases = argmaxFixtures.cases.filter((c) => c.kind === "gaussian")

describe.each(["cpu", "wasm"])("exactness on %s", (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend)
    await tf.ready()
  })

  describe("correlated Gaussian argmax: the lattice carries its standard error", () => {
    it.each(gaussianCases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
      const d = c.theta.length
      const k = compile(Model.perturbArgmax({ space: Space.reals(d), noise: Noise.gaussian({ covariance: c.covariance!, mean: c.mean! }) }))
      const t = tf.tensor1d(c.theta)
      for (const samples of [undefined, 4096]) {
        const r = k.probs(t, { method: "exact", ...(samples === undefined ? {} : { samples }) })
        const p = r.probs.dataSync()
        if (d <= 2) {
          expect(r.stdError).toBeUndefined()
          c.probs.forEach((q, i) => expect(Math.abs(p[i]! - q)).toBeLessThan(2e-7))
        } else {
          const se = r.stdError!.dataSync()
          c.probs.forEach((q, i) => expect(Math.abs(p[i]! - q)).toBeLessThan(5 * se[i]! + 2e-7))
          // The default lattice is 16× the old 4096 points: its error is below 1e-5.
          if (samples === undefined) expect(Math.max(...se)).toBeLessThan(1e-5)
        }
        tf.dispose([r.probs, ...(r.stdError === undefined ? [] : [r.stdError])])
      }
      t.dispose()
    })

    it("the gradient through the probabilities still flows (the lattice Jacobian)", () => {
      const c = gaussianCases.find((x) => x.theta.length === 3)!
      const k = compile(Model.perturbArgmax({ space: Space.reals(3), noise: Noise.gaussian({ covariance: c.covariance!, mean: c.mean! }) }))
      const t = tf.tensor1d(c.theta)
      const g = tf.grad((x: tf.Tensor) => k.probs(x).probs.slice([0], [1]).sum())(t).dataSync()
      // Row 0 of the Jacobian: positive on the diagonal, rows sum to zero.
      expect(g[0]!).toBeGreaterThan(0)
      expect(Math.abs(g[0]! + g[1]! + g[2]!)).toBeLessThan(1e-5)
      t.dispose()
    })
  })

  describe("quadrature at d = 4: errorBound covers the error", () => {
    const cases = backend === "cpu" ? quadFixtures.cases : quadFixtures.cases.slice(0, 2)
    it.each(cases.map((c, i) => [`${c.noise.type} τ=${c.tau} #${i}`, c] as const))("%s", (_name, c) => {
      const noise = c.noise.type === "normal" ? Noise.normal({ sd: c.noise.sd ?? 1 }) : Noise.gumbel()
      const k = compile(Model.perturbSoftmax({ space: Space.reals(4), noise, temperature: c.tau }))
      const t = tf.tensor1d(c.theta)
      const r = k.probs(t, { method: "quadrature" })
      const p = r.probs.dataSync()
      const bound = r.errorBound!.dataSync()
      c.probs.forEach((q, i) => expect(Math.abs(p[i]! - q)).toBeLessThanOrEqual(bound[i]! + 2e-7))
      // The bound is informative, not a blanket 1.
      expect(Math.max(...bound)).toBeLessThan(1e-2)
      tf.dispose([t, r.probs, r.errorBound!])
    })
  })
})

describe("exactProbs64", () => {
  it("Gumbel-Argmax is softmax in float64 to 1e-15", () => {
    const m = Model.perturbArgmax({ space: Space.reals(3), noise: Noise.gumbel() })
    const r = exactProbs64(m, Float64Array.of(0, 1, 2))
    const z = 1 + Math.E + Math.E ** 2
    ;[1 / z, Math.E / z, Math.E ** 2 / z].forEach((q, i) => expect(Math.abs(r.probs[i]! - q)).toBeLessThan(1e-15))
    expect(r.stdError).toBeUndefined()
  })

  it.each(["normal_iid_d3", "normal_iid_d5", "normal_iid_d10", "logistic_iid_d4", "normal_scales_d4"])("%s matches SciPy to 1e-12", (name) => {
    const c = argmaxFixtures.cases.find((x) => x.name === name)!
    const laws = (c as unknown as { laws: Array<{ ctor: string; params: Record<string, number> }> }).laws
    const noise = Noise.independent(laws.map((l) => (l.ctor === "normal" ? Noise.normal(l.params) : Noise.logistic(l.params))))
    const r = exactProbs64(Model.perturbArgmax({ space: Space.reals(c.theta.length), noise }), Float64Array.from(c.theta))
    c.probs.forEach((q, i) => expect(Math.abs(r.probs[i]! - q)).toBeLessThan(1e-12))
  })

  it("rows, the correlated Gaussian's standard error, and typed refusals", () => {
    const c = gaussianCases.find((x) => x.theta.length === 4)!
    const m = Model.perturbArgmax({ space: Space.reals(4), noise: Noise.gaussian({ covariance: c.covariance!, mean: c.mean! }) })
    const r = exactProbs64(m, Float64Array.from([...c.theta, ...c.theta]), { key: Key.make(4) })
    expect(r.probs.length).toBe(8)
    c.probs.forEach((q, i) => expect(Math.abs(r.probs[4 + i]! - q)).toBeLessThan(5 * r.stdError![4 + i]! + 1e-12))
    const soft = Model.perturbSoftmax({ space: Space.reals(3), noise: Noise.gumbel(), temperature: 1 })
    expect(() => exactProbs64(soft, Float64Array.of(0, 1, 2))).toThrow(InvalidArgument)
    const arg = Model.perturbArgmax({ space: Space.reals(3), noise: Noise.gumbel() })
    expect(() => exactProbs64(arg, Float64Array.of(0, 1))).toThrow(InvalidArgument)
    expect(() => exactProbs64(arg, Float64Array.of(0, NaN, 1))).toThrow(InvalidArgument)
    expect(() => exactProbs64(arg, [0, 1, 2] as unknown as Float64Array)).toThrow(InvalidArgument)
  })
})
