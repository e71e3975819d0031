/**
 * Kernels that used to answer wrong without saying so (issue #11, items 5, 7, 8):
 * - klCategorical has a gradient in q and in p (0·log 0 = 0, finite at q = 0), checked against
 *   the analytic gradient and finite differences; NaN, ±∞ and negative entries are refused;
 * - theta(u) leaves no tensors behind and refuses a non-finite u naming `u[i]`;
 * - logDensity accepts the model's own samples at every τ (float32 zeros read as 2^-149), matches
 *   the float64 closed form from SciPy there (fixtures/density_tails.json) and refuses points off
 *   the simplex naming `y`.
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { readFileSync } from "node:fs"
import { Key, Noise } from "@perturb/noise"
import { beforeAll, describe, expect, it } from "vitest"
import { compile, InvalidArgument, klCategorical, Model, Space } from "../src/index.js"
import { caught, read } from "./helpers.js"

interface DensityRow {
  readonly noise: "gumbel" | "normal"
  readonly tau: number
  readonly theta: Array<number>
  readonly y: Array<number>
  readonly logDensity: number
}
const tails = JSON.parse(readFileSync(new URL("../fixtures/density_tails.json", import.meta.url), "utf8")) as { rows: Array<DensityRow> }

describe.each(["cpu", "wasm"])("honest kernels on %s", (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend)
    await tf.ready()
  })

  describe("klCategorical", () => {
    const FLOOR = 2 ** -126
    const kl64 = (q: Array<number>, p: Array<number>) =>
      q.reduce((s, qi, i) => s + (qi === 0 ? 0 : qi * (Math.log(Math.max(qi, FLOOR)) - Math.log(Math.max(p[i]!, FLOOR)))), 0)

    it("gradient in q and p: analytic, with q = 0 entries finite", () => {
      const q = [[0.2, 0.3, 0.5, 0], [0, 0, 1, 0], [0.25, 0.25, 0.25, 0.25]]
      const p = [[0.1, 0.6, 0.2, 0.1], [0.3, 0.3, 0.3, 0.1], [0.7, 0.1, 0.1, 0.1]]
      const [gq, gp] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(klCategorical(a, b)))([tf.tensor2d(q), tf.tensor2d(p)])
      const dq = read(gq!)
      const dp = read(gp!)
      q.forEach((row, r) =>
        row.forEach((qi, i) => {
          const pi = p[r]![i]!
          // d/dq [q log max(q, floor)] is log q + 1 for q > 0 and log(floor) at q = 0.
          const wantQ = qi > 0 ? Math.log(qi) + 1 - Math.log(pi) : Math.log(FLOOR) - Math.log(pi)
          expect(Math.abs(dq[r * 4 + i]! - wantQ)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(wantQ)))
          expect(Math.abs(dp[r * 4 + i]! - -qi / pi)).toBeLessThanOrEqual(1e-5 * Math.max(1, qi / pi))
        })
      )
      const value = read(klCategorical(tf.tensor2d(q), tf.tensor2d(p)))
      q.forEach((row, r) => expect(Math.abs(value[r]! - kl64(row, p[r]!))).toBeLessThanOrEqual(1e-6))
    })

    it("gradient against central finite differences of the float64 value", () => {
      const q = [0.15, 0.35, 0.5]
      const p = [0.4, 0.4, 0.2]
      const [gq, gp] = tf.grads((a: tf.Tensor, b: tf.Tensor) => klCategorical(a, b))([tf.tensor1d(q), tf.tensor1d(p)])
      const dq = read(gq!)
      const dp = read(gp!)
      const h = 1e-6
      for (let i = 0; i < 3; i++) {
        const bump = (x: Array<number>, s: number) => x.map((v, j) => (j === i ? v + s : v))
        const fq = (kl64(bump(q, h), p) - kl64(bump(q, -h), p)) / (2 * h)
        const fp = (kl64(q, bump(p, h)) - kl64(q, bump(p, -h))) / (2 * h)
        expect(Math.abs(dq[i]! - fq)).toBeLessThanOrEqual(1e-5)
        expect(Math.abs(dp[i]! - fp)).toBeLessThanOrEqual(1e-5)
      }
    })

    it("a softmax that underflowed: value and gradient finite, through the softmax too", () => {
      const logits = tf.tensor1d([0, -200, 5])
      const p = tf.tensor1d([0.3, 0.3, 0.4])
      const g = read(tf.grad((z: tf.Tensor) => klCategorical(tf.softmax(z), p))(logits))
      g.forEach((v) => expect(Number.isFinite(v)).toBe(true))
      // p with an exact zero where q is positive: the zero is read as 2^-126, so finite
      const v = read(klCategorical(tf.tensor1d([0.5, 0.5]), tf.tensor1d([1, 0])))[0]!
      expect(v).toBeCloseTo(0.5 * Math.log(0.5) + 0.5 * (Math.log(0.5) - Math.log(FLOOR)), 4)
      const gp = read(tf.grad((b: tf.Tensor) => klCategorical(tf.tensor1d([0.5, 0.5]), b))(tf.tensor1d([1, 0])))
      gp.forEach((x) => expect(Number.isFinite(x)).toBe(true))
    })

    it("NaN, ±∞ and negative entries are refused naming q[i] / p[i]", () => {
      const ok = tf.tensor1d([0.5, 0.5])
      for (const [bad, index] of [[[0.5, NaN], 1], [[Infinity, 0.5], 0], [[-0.1, 1.1], 0]] as const) {
        const eq = caught(() => klCategorical(tf.tensor1d(bad as unknown as Array<number>), ok))
        expect(eq).toBeInstanceOf(InvalidArgument)
        expect(eq.argument).toBe(`q[${index}]`)
        const ep = caught(() => klCategorical(ok, tf.tensor1d(bad as unknown as Array<number>)))
        expect(ep).toBeInstanceOf(InvalidArgument)
        expect(ep.argument).toBe(`p[${index}]`)
      }
      const gone = tf.tensor1d([0.5, 0.5])
      gone.dispose()
      expect(caught(() => klCategorical(gone, ok))).toBeInstanceOf(InvalidArgument)
      expect(caught(() => klCategorical([0.5, 0.5] as unknown as tf.Tensor, ok)).argument).toBe("q")
    })
  })

  describe("theta(u)", () => {
    it("leaves numTensors flat over a loop, for [k] and [n, k]", () => {
      for (const space of [Space.pinned(4), Space.box(-1, 1, 4), Space.zeroSum(4)] as Array<Space.Space>) {
        const k = compile(Model.perturbSoftmax({ space, noise: Noise.gumbel(), temperature: 0.5 }))
        const u1 = tf.zeros([k.freeDim])
        const u2 = tf.zeros([5, k.freeDim])
        k.theta(u1).dispose()
        const before = tf.memory().numTensors
        for (let i = 0; i < 50; i++) {
          k.theta(u1).dispose()
          k.theta(u2).dispose()
        }
        expect(tf.memory().numTensors).toBe(before)
        u1.dispose()
        u2.dispose()
      }
    })

    it("a NaN or ±∞ in u is InvalidArgument naming u[i]", () => {
      const k = compile(Model.perturbSoftmax({ space: Space.pinned(3), noise: Noise.gumbel(), temperature: 0.5 }))
      for (const [u, at, shown] of [[[0.1, NaN], 1, "NaN"], [[Infinity, 0], 0, "Infinity"]] as const) {
        const e = caught(() => k.theta(tf.tensor1d(u as unknown as Array<number>)))
        expect(e).toBeInstanceOf(InvalidArgument)
        expect(e.argument).toBe(`u[${at}]`)
        expect(e.message).toContain(shown)
      }
      expect(caught(() => k.theta(tf.tensor2d([[0, 0], [0, -Infinity]])))).toBeInstanceOf(InvalidArgument)
      // still differentiable
      const g = read(tf.grad((u: tf.Tensor) => tf.sum(tf.mul(k.theta(u), tf.tensor1d([1, 2, 3]))))(tf.tensor1d([0.2, -0.3])))
      g.forEach((v) => expect(Number.isFinite(v)).toBe(true))
    })
  })

  describe("logDensity", () => {
    const models = {
      gumbel: (d: number, tau: number) => compile(Model.perturbSoftmax({ space: Space.reals(d), noise: Noise.gumbel(), temperature: tau })),
      normal: (d: number, tau: number) => compile(Model.perturbSoftmax({ space: Space.reals(d), noise: Noise.normal(), temperature: tau }))
    }

    it("matches the float64 closed form (SciPy) on float32 samples with exact zeros, τ = 1 … 0.01", () => {
      let withZeros = 0
      for (const r of tails.rows) {
        if (r.y.includes(0)) withZeros++
        const k = models[r.noise](r.y.length, r.tau)
        const got = read(k.logDensity(tf.tensor1d(r.y), tf.tensor1d(r.theta)))[0]!
        expect(Number.isFinite(got)).toBe(true)
        expect(Math.abs(got - r.logDensity)).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(r.logDensity)) + 1e-4)
      }
      expect(withZeros).toBeGreaterThan(10)
    })

    it("the model's own samples get a finite log density at τ = 1, 0.1, 0.05, 0.01, 1e-4", () => {
      const theta = tf.tensor1d([0.3, -1.2, 0.8, 2.5, -3])
      for (const noise of ["gumbel", "normal"] as const) {
        for (const tau of [1, 0.1, 0.05, 0.01, 1e-4]) {
          const k = models[noise](5, tau)
          const y = k.sample(theta, { samples: 64, key: Key.make(7) })
          const ld = read(k.logDensity(y, theta))
          y.dispose()
          expect(ld.length).toBe(64)
          ld.forEach((v) => expect(Number.isFinite(v)).toBe(true))
        }
      }
      theta.dispose()
    })

    it("own samples at d = 100,000 pass the simplex check (float32 row sums)", () => {
      const d = 100_000
      for (const noise of ["gumbel", "normal"] as const) {
        const k = models[noise](d, 1)
        const theta = tf.tidy(() => tf.mul(tf.sin(tf.range(0, d, 1, "float32")), 3))
        const y = k.sample(theta, { samples: 4, key: Key.make(8) })
        read(k.logDensity(y, theta)).forEach((v) => expect(Number.isFinite(v)).toBe(true))
        y.dispose()
        theta.dispose()
      }
    })

    it("points off the simplex are refused naming y; the closed simplex is accepted", () => {
      const k = models.gumbel(3, 0.5)
      const theta = tf.tensor1d([0, 0, 0])
      const cases: Array<[Array<number> | Array<Array<number>>, string]> = [
        [[0.2, 0.3, 0.6], "y"],
        [[0.2, 0.3, 0.4], "y"],
        [[-0.1, 0.6, 0.5], "y[0]"],
        [[0.5, NaN, 0.5], "y[1]"],
        [[[0.2, 0.3, 0.5], [0.2, 0.3, 0.51]], "y[1]"],
        [[[0.2, 0.3, 0.5], [0.5, -1e-3, 0.501]], "y[1][1]"]
      ]
      for (const [y, argument] of cases) {
        const e = caught(() => k.logDensity(Array.isArray(y[0]) ? tf.tensor2d(y as Array<Array<number>>) : tf.tensor1d(y as Array<number>), theta))
        expect(e).toBeInstanceOf(InvalidArgument)
        expect(e.argument).toBe(argument)
      }
      expect(Number.isFinite(read(k.logDensity(tf.tensor1d([0, 0.5, 0.5]), theta))[0]!)).toBe(true)
      expect(Number.isFinite(read(k.logDensity(tf.tensor1d([1, 0, 0]), theta))[0]!)).toBe(true)
    })
  })
})
