/**
 * Sampled Perturb-Argmax probabilities (`mc`, `qmc`) have a real gradient: the score-function
 * estimator ∂P_i/∂θ_k = −E[onehot_i(θ + γ) ∂_k log g(γ)] (Berthet et al. 2020), calibrated here
 * against the exact Jacobian within five of its own standard errors, and equal to what tf.grad
 * returns through `probs`. Noise without a score refuses the gradient with a typed error.
 * (Before: the frequencies' gradient was exactly zero.)
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { Key, Noise } from "@perturb/noise"
import { beforeAll, describe, expect, it } from "vitest"
import { compile, InvalidArgument, Model, Space } from "../src/index.js"
import { argmaxJacobian } from "../src/methods/independent.js"
import { caught } from "./helpers.js"

const theta = [0.2, 0.7, -0.4]
const d = theta.length

/** The exact Jacobian J[i][k] = ∂P_i/∂θ_k, row-major. */
const exactJacobian = (law: Noise.Law): Float64Array => {
  if (law._tag === "Gumbel") {
    const e = theta.map(Math.exp)
    const z = e.reduce((a, b) => a + b, 0)
    const p = e.map((x) => x / z)
    return Float64Array.from({ length: d * d }, (_, ik) => {
      const i = Math.floor(ik / d)
      const k = ik % d
      return (i === k ? p[i]! : 0) - p[i]! * p[k]!
    })
  }
  return argmaxJacobian(Float64Array.from(theta), Array.from({ length: d }, () => law))
}

const laws = [Noise.normal(), Noise.gumbel(), Noise.logistic(), Noise.normal({ sd: 2 })]

describe.each(["cpu", "wasm"])("argmax gradient by the score function on %s", (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend)
    await tf.ready()
  })

  describe.each(laws.map((l) => [String(l), l] as const))("%s", (_name, law) => {
    const k = compile(Model.perturbArgmax({ space: Space.reals(d), noise: law }))
    const exact = exactJacobian(law)

    it.each(["mc", "qmc"] as const)("%s: Jacobian within 5 standard errors of the exact one", (method) => {
      const t = tf.tensor1d(theta)
      const r = k.probs(t, { method, samples: 1 << 15, key: Key.make(7), jacobian: true })
      const J = r.jacobian!.dataSync()
      const se = r.jacobianStdError!.dataSync()
      expect(r.jacobian!.shape).toEqual([d, d])
      let worst = 0
      for (let ik = 0; ik < d * d; ik++) {
        expect(se[ik]!).toBeGreaterThan(0)
        expect(se[ik]!).toBeLessThan(0.05)
        worst = Math.max(worst, Math.abs(J[ik]! - exact[ik]!) / se[ik]!)
      }
      expect(worst).toBeLessThan(5)
      tf.dispose([t, r.probs, r.stdError!, r.jacobian!, r.jacobianStdError!])
    })

    it.each(["mc", "qmc"] as const)("%s: tf.grad through probs is vᵀ Ĵ, not zero", (method) => {
      const t = tf.tensor1d(theta)
      const v = tf.tensor1d([1, -2, 0.5])
      const options = { method, samples: 1 << 14, key: Key.make(3) }
      const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(k.probs(x, options).probs, v)))(t).dataSync()
      const r = k.probs(t, { ...options, jacobian: true })
      const J = r.jacobian!.dataSync()
      const vs = [1, -2, 0.5]
      for (let kk = 0; kk < d; kk++) {
        let want = 0
        let exactWant = 0
        for (let i = 0; i < d; i++) {
          want += vs[i]! * J[i * d + kk]!
          exactWant += vs[i]! * exact[i * d + kk]!
        }
        expect(Math.abs(g[kk]! - want)).toBeLessThan(1e-5)
        expect(Math.abs(g[kk]! - exactWant)).toBeLessThan(0.05)
      }
      expect(Math.max(...Array.from(g, Math.abs))).toBeGreaterThan(0.1)
      tf.dispose([t, v, r.probs, r.stdError!, r.jacobian!, r.jacobianStdError!])
    })
  })

  it("rows: [n, d] θ gives [n, d, d] Jacobians and a per-row gradient", () => {
    const k = compile(Model.perturbArgmax({ space: Space.reals(d), noise: Noise.normal() }))
    const t = tf.tensor2d([theta, [0, 0, 0]])
    const options = { method: "qmc" as const, samples: 4096, key: Key.make(5) }
    const r = k.probs(t, { ...options, jacobian: true })
    expect(r.jacobian!.shape).toEqual([2, d, d])
    const dy = tf.tensor2d([[1, 0, 0], [0, 0, 1]])
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(k.probs(x, options).probs, dy)))(t).dataSync()
    const J = r.jacobian!.dataSync()
    for (let kk = 0; kk < d; kk++) {
      expect(Math.abs(g[kk]! - J[0 * d + kk]!)).toBeLessThan(1e-5)
      expect(Math.abs(g[d + kk]! - J[d * d + 2 * d + kk]!)).toBeLessThan(1e-5)
    }
    tf.dispose([t, dy, r.probs, r.stdError!, r.jacobian!, r.jacobianStdError!])
  })

  it("a correlated Gaussian's score is −Σ⁻¹(γ − μ): matches the exact (lattice) Jacobian", () => {
    const noise = Noise.gaussian({ covariance: [[1, 0.5, 0.2], [0.5, 2, 0.3], [0.2, 0.3, 1.5]] })
    const k = compile(Model.perturbArgmax({ space: Space.reals(d), noise }))
    const t = tf.tensor1d(theta)
    const r = k.probs(t, { method: "mc", samples: 1 << 15, key: Key.make(9), jacobian: true })
    const exact = tf.tidy(() => tf.stack(Array.from({ length: d }, (_, i) => tf.grad((x: tf.Tensor) => k.probs(x).probs.slice([i], [1]).sum())(t))).dataSync())
    const J = r.jacobian!.dataSync()
    const se = r.jacobianStdError!.dataSync()
    for (let ik = 0; ik < d * d; ik++) expect(Math.abs(J[ik]! - exact[ik]!)).toBeLessThan(5 * se[ik]! + 1e-5)
    tf.dispose([t, r.probs, r.stdError!, r.jacobian!, r.jacobianStdError!])
  })

  it.each([
    ["uniform", Noise.uniform()],
    ["exponential", Noise.exponential()],
    ["discrete", Noise.discrete({ atoms: [0, 1, 3] })]
  ] as const)("%s noise: probs succeed, the gradient is a typed error (never zeros)", (_name, law) => {
    const k = compile(Model.perturbArgmax({ space: Space.reals(d), noise: law }))
    const t = tf.tensor1d(theta)
    const r = k.probs(t, { method: "mc", samples: 256 })
    expect(r.probs.shape).toEqual([d])
    const e = caught(() => tf.grad((x: tf.Tensor) => tf.sum(k.probs(x, { method: "mc", samples: 256 }).probs))(t))
    expect(e).toBeInstanceOf(InvalidArgument)
    expect(e.argument).toBe("method")
    expect(e.message).toMatch(/exact/)
    expect(() => k.probs(t, { method: "qmc", samples: 256, jacobian: true })).toThrow(InvalidArgument)
    tf.dispose([t, r.probs, r.stdError!])
  })

  it("potential by mc/qmc keeps its gradient: the frequencies on the same points (∇M̂ = P̂)", () => {
    const k = compile(Model.perturbArgmax({ space: Space.reals(d), noise: Noise.normal() }))
    const t = tf.tensor1d(theta)
    for (const method of ["mc", "qmc"] as const) {
      const options = { method, samples: 2048, key: Key.make(2) }
      const g = tf.grad((x: tf.Tensor) => k.potential(x, options).potential)(t).dataSync()
      const p = k.probs(t, options)
      const pv = p.probs.dataSync()
      for (let i = 0; i < d; i++) expect(Math.abs(g[i]! - pv[i]!)).toBeLessThan(1e-6)
      tf.dispose([p.probs, p.stdError!])
    }
    t.dispose()
  })

  it("jacobian: true is refused where there is nothing to estimate", () => {
    const s = compile(Model.perturbSoftmax({ space: Space.reals(d), noise: Noise.gumbel(), temperature: 1 }))
    const a = compile(Model.perturbArgmax({ space: Space.reals(d), noise: Noise.normal() }))
    const t = tf.tensor1d(theta)
    expect(caught(() => s.probs(t, { jacobian: true })).argument).toBe("jacobian")
    expect(caught(() => a.probs(t, { method: "exact", jacobian: true })).argument).toBe("jacobian")
    t.dispose()
  })
})
