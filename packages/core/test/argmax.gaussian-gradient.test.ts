/**
 * The correlated-Gaussian argmax probabilities are differentiable: their Jacobian (conditioned
 * orthant probabilities) equals central differences of the probabilities, is symmetric with zero
 * row sums, and is what tf.grad returns through `compile(...).probs`.
 */
import * as tf from "@tensorflow/tfjs"
import { Key, Noise } from "@perturb/noise"
import { beforeAll, describe, expect, it } from "vitest"
import { compile, Model, Space } from "../src/index.js"
import { argmaxGaussian, argmaxGaussianJacobian } from "../src/methods/gaussian.js"

beforeAll(async () => {
  await tf.setBackend("cpu")
})

const cases = [
  { name: "d = 3 (conditioned problems are 1-D: exact)", cov: [[1, 0.5, 0.2], [0.5, 2, 0.3], [0.2, 0.3, 1.5]], tol: 3e-6 },
  { name: "d = 4 (2-D lattice)", cov: [[1, 0.5, 0.2, 0.1], [0.5, 2, 0.3, 0], [0.2, 0.3, 1.5, 0.4], [0.1, 0, 0.4, 1]], tol: 3e-5 }
]

// d = 3 still has QMC error in the finite differences (P itself needs a 2-D lattice).
describe.each(cases)("correlated Gaussian, $name", ({ cov, tol }) => {
  const g = Noise.gaussian({ covariance: cov })
  const d = cov.length
  const theta = Float64Array.from({ length: d }, (_, i) => 0.3 * i - 0.2)

  it("Jacobian = central differences of P, symmetric, rows sum to 0", () => {
    const J = argmaxGaussianJacobian(theta, g)
    for (let k = 0; k < d; k++) {
      const h = 1e-4
      const up = Float64Array.from(theta)
      const down = Float64Array.from(theta)
      up[k]! += h
      down[k]! -= h
      const pu = argmaxGaussian(up, g, { samples: 1 << 18 }).probs
      const pd = argmaxGaussian(down, g, { samples: 1 << 18 }).probs
      for (let i = 0; i < d; i++) expect(Math.abs((pu[i]! - pd[i]!) / (2 * h) - J[i * d + k]!)).toBeLessThan(tol)
    }
    for (let i = 0; i < d; i++) {
      let row = 0
      for (let k = 0; k < d; k++) {
        row += J[i * d + k]!
        expect(J[i * d + k]).toBe(J[k * d + i])
      }
      expect(Math.abs(row)).toBeLessThan(1e-12)
      expect(J[i * d + i]!).toBeGreaterThan(0)
    }
  })

  it("tf.grad through compile(...).probs is Jᵀw", () => {
    const k = compile(Model.perturbArgmax({ space: Space.reals(d), noise: g }))
    const w = tf.range(0, d)
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(k.probs(t).probs, w)))(tf.tensor1d(Float32Array.from(theta))).dataSync()
    // compile's defaults: 65536 lattice points (4096 before issue #11), Key.make(0).
    const J = argmaxGaussianJacobian(Float64Array.from(Float32Array.from(theta)), g, { samples: 65536, key: Key.make(0) })
    for (let i = 0; i < d; i++) {
      let expected = 0
      for (let r = 0; r < d; r++) expected += r * J[r * d + i]!
      expect(Math.abs(grad[i]! - expected)).toBeLessThan(1e-5)
    }
  })
})
