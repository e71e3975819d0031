/**
 * `method: "exact"` through `perturbed` for top-k, ranks and sort (the closed forms of
 * methods/perturbed/exact.ts, tested on their own against SciPy in perturbed.exact.test.ts): here,
 * that the op reaches them, agrees with its own Monte Carlo estimate within standard errors, and refuses a
 * Fenchel–Young loss it has no potential for.
 */
import { Key, Noise } from "@perturb/noise"
import * as tf from "@tensorflow/tfjs"
import { describe, expect, it } from "vitest"
import { fenchelYoungLoss, InvalidArgument, perturbed, Solver } from "../src/index.js"
import { caught } from "./helpers.js"

const theta = Float64Array.of(0.4, -0.3, 1.1, 0.2, -0.8)

describe("perturbed with method exact for top-k, ranks and sort", () => {
  for (const [name, solver] of [["topK", Solver.topK(5, 2)], ["ranks", Solver.ranks(5)], ["sort", Solver.sort(5)]] as const) {
    it(`${name}: exact values and Jacobian agree with Monte Carlo within 5 standard errors`, () => {
      const noise = Noise.gumbel()
      const exact = perturbed(solver, { noise, sigma: 0.7, method: "exact" }).estimate64(theta, { jacobian: true })
      // plain MC: its standard errors come from every draw, not from 8 scramble replicates, so a
      // 5-SE band is a reliable test over 25 Jacobian entries
      const qmc = perturbed(solver, { noise, sigma: 0.7, method: "mc", samples: 20000, key: Key.make(5) }).estimate64(theta, { jacobian: true })
      expect(exact.method).toBe("exact")
      for (let i = 0; i < exact.mean.length; i++) {
        expect(Math.abs(exact.mean[i]! - qmc.mean[i]!)).toBeLessThan(5 * qmc.stdError[i]! + 1e-9)
      }
      for (let i = 0; i < exact.jacobian!.length; i++) {
        expect(Math.abs(exact.jacobian![i]! - qmc.jacobian![i]!)).toBeLessThan(5 * qmc.jacobianStdError![i]! + 1e-9)
      }
    })
  }

  it("the tfjs op's gradient is the exact vector–Jacobian product", () => {
    const op = perturbed(Solver.ranks(5), { noise: Noise.normal(), sigma: 0.5, method: "exact" })
    const J = op.estimate64(theta, { jacobian: true }).jacobian!
    const w = [1, -2, 0.5, 0, 3]
    const g = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(op(t), tf.tensor1d(w))))(tf.tensor1d(Array.from(theta))).arraySync() as Array<number>)
    for (let j = 0; j < 5; j++) {
      const vjp = w.reduce((s, wi, i) => s + wi * J[i * 5 + j]!, 0)
      expect(g[j]!).toBeCloseTo(vjp, 4)
    }
  })

  it("the Jacobian's error bound is in θ's units: θ and σ scaled by c divide J, and its bound, by c", () => {
    // Student t: quadrature, so the bounds are not 0; c = 1/128 keeps (θ_i − θ_j)/σ bit for bit.
    const noise = Noise.studentT({ df: 3 })
    const c = 1 / 128
    for (const solver of [Solver.topK(5, 2), Solver.ranks(5)]) {
      const at = (s: number) => perturbed(solver, { noise, sigma: 0.7 * s, method: "exact" }).estimate64(theta.map((t) => t * s), { jacobian: true })
      const [one, small] = [at(1), at(c)]
      expect(one.jacobianStdError![0]!).toBeGreaterThan(0)
      for (let i = 0; i < one.jacobian!.length; i++) {
        expect(small.jacobian![i]!).toBeCloseTo(one.jacobian![i]! / c, 9)
        expect(small.jacobianStdError![i]! * c).toBeCloseTo(one.jacobianStdError![i]!, 20)
      }
    }
  })

  it("refuses what the closed forms cannot give, naming the argument", () => {
    const err = caught(() => fenchelYoungLoss(Solver.ranks(5), { method: "exact" }).estimate64(theta, Float64Array.of(1, 2, 3, 4, 5)))
    expect(err).toBeInstanceOf(InvalidArgument)
    const atoms = caught(() => perturbed(Solver.ranks(5), { noise: Noise.discrete({ atoms: [0, 1] }), method: "exact" }).estimate64(theta))
    expect(atoms).toBeInstanceOf(InvalidArgument)
  })
})
