/**
 * Temperatures (issue #11, "Refuse cleanly"): every accepted τ ∈ [1e-30, 1e30] gives finite,
 * correct output — softmax((θ + γ)/τ) against a float64 reference built from the same noise, the
 * argmax limit at small τ, the uniform limit at large τ — on the fused WebAssembly path (i.i.d.
 * Gumbel / Normal, number τ) and the composed tfjs path (Student-t noise, tensor τ), for sample,
 * its gradient, sampleStraightThrough, probs, potential and logDensity; every other τ is a typed
 * InvalidArgument naming the temperature. Before: τ ≤ 1e-39 or ≥ 3.5e38 gave all-NaN samples.
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { Key, Noise, type NoiseLike } from "@perturb/noise"
import { beforeAll, describe, expect, it } from "vitest"
import { compile, InvalidArgument, Model, Space } from "../src/index.js"
import { caught, read } from "./helpers.js"

const TAUS = [1e-30, 1e-4, 1e-2, 1, 1e2, 1e4, 1e30]
const REFUSED = [1e-300, 1e-45, 1e-39, 9e-31, 1.1e30, 3.5e38, 1e300]
const d = 4
// Rows with large entries too: θ/τ overflowed float32 (then NaN) once |θ + γ|/τ > 3.4e38, e.g. at
// |θ| = 1e9 and τ = 1e-30, until the maximum was subtracted before the division.
const THETA = [[0.3, -1.2, 0.8, 0.1], [2e4, -3, 0, 1], [1e9, -3, 0, 1]]
const ROWS = THETA.length
const SAMPLES = 16

/** softmax((θ + γ)/τ) in float64 from the same float32 noise the kernels draw (Noise.sampleVector32). */
const reference = (noise: NoiseLike, key: Key.Key, tau: number) => {
  const rows = THETA.length
  const gamma = Noise.sampleVector32(noise as Noise.Noise, key, SAMPLES * rows, d)
  const out: Array<{ y: Array<number>; gap: number; top: number }> = []
  for (let r = 0; r < SAMPLES * rows; r++) {
    const u = THETA[r % rows]!.map((t, j) => Math.fround(Math.fround(t) + gamma[r * d + j]!))
    const m = Math.max(...u)
    const e = u.map((x) => Math.exp((x - m) / tau))
    const z = e.reduce((s, x) => s + x, 0)
    const sorted = [...u].sort((a, b) => b - a)
    out.push({ y: e.map((x) => x / z), gap: sorted[0]! - sorted[1]!, top: u.indexOf(m) })
  }
  return out
}

/** Each row of y against the reference: on the simplex; within float32 sensitivity; the limits. */
const checkRows = (y: Float32Array, ref: ReturnType<typeof reference>, tau: number) => {
  ref.forEach((r, i) => {
    const row = Array.from(y.subarray(i * d, (i + 1) * d))
    row.forEach((v) => expect(Number.isFinite(v) && v >= 0).toBe(true))
    expect(Math.abs(row.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-5)
    // float32 rounding of θ + γ moves (θ + γ)/τ by ≈ 2^-23·|u|/τ; y moves by at most half that.
    const scale = Math.max(...THETA[i % ROWS]!.map(Math.abs)) + 20
    const tol = 1e-5 + (2 ** -23 * scale) / tau
    if (tol < 0.1) row.forEach((v, j) => expect(Math.abs(v - r.y[j]!)).toBeLessThanOrEqual(tol))
    if (r.gap / tau > 60) expect(row[r.top]).toBe(1) // the argmax limit
    if (tau >= 1e4 * scale) row.forEach((v) => expect(Math.abs(v - 1 / d)).toBeLessThan(1e-6)) // the uniform limit
  })
}

describe.each(["cpu", "wasm"])("temperatures on %s", (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend)
    await tf.ready()
  })

  const noises: Array<[string, NoiseLike]> = [
    ["gumbel (fused)", Noise.gumbel()],
    ["normal (fused)", Noise.normal()],
    ["studentT (composed)", Noise.studentT({ df: 3 })]
  ]

  describe.each(noises)("%s", (_, noise) => {
    it.each(TAUS)("τ = %s: samples, gradients, probs, potential, logDensity", (tau) => {
      const k = compile(Model.perturbSoftmax({ space: Space.reals(d), noise, temperature: tau }))
      const theta = tf.tensor2d(THETA)
      const key = Key.make(11)
      const ref = reference(noise, key, tau)
      checkRows(read(k.sample(theta, { samples: SAMPLES, key })), ref, tau)
      // per-row tensor temperatures take the composed path
      checkRows(read(k.sample(theta, { samples: SAMPLES, key, temperature: tf.fill([ROWS], tau) })), ref, tau)
      const w = tf.tensor1d([1, -2, 3, 0.5])
      for (const f of [
        (t: tf.Tensor) => tf.sum(tf.mul(k.sample(t, { samples: SAMPLES, key }), w)),
        (t: tf.Tensor) => tf.sum(tf.mul(k.sampleStraightThrough(t, { samples: SAMPLES, key }), w)),
        (t: tf.Tensor) => tf.sum(tf.mul(k.sample(t, { samples: SAMPLES, key, temperature: tf.fill([ROWS], tau) }), w))
      ]) {
        read(tf.grad(f)(theta)).forEach((v) => expect(Number.isFinite(v)).toBe(true))
      }
      const p = read(k.probs(theta, { samples: 256 }).probs)
      p.forEach((v) => expect(Number.isFinite(v) && v >= 0).toBe(true))
      for (let r = 0; r < ROWS; r++) expect(Math.abs(p.subarray(r * d, (r + 1) * d).reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-5)
      if (tau === 1e30) p.forEach((v) => expect(Math.abs(v - 1 / d)).toBeLessThan(1e-6))
      // rows 2 and 3 have θ₁ far above the rest: its probability is 1 at every τ ≤ 1e2
      if (tau <= 1e2) [1, 2].forEach((r) => expect(p[r * d]).toBeCloseTo(1, 5))
      const F = read(k.potential(theta, { samples: 256 }).potential)
      F.forEach((v) => expect(Number.isFinite(v)).toBe(true))
      // F(θ) = E τ·lse((θ + γ)/τ) ≥ E max(θ + γ) ≥ max θ − (noise spread)
      expect(F[1]).toBeGreaterThan(2e4 - 100)
      expect(F[2]).toBeGreaterThan(1e9 - 1e4)
      if (!(noise as { _tag?: string })._tag?.startsWith("StudentT")) {
        for (const row of THETA) {
          const th = tf.tensor1d(row)
          const y = k.sample(th, { samples: SAMPLES, key })
          read(k.logDensity(y, th)).forEach((v) => expect(Number.isFinite(v)).toBe(true))
          y.dispose()
          th.dispose()
        }
      }
      theta.dispose()
      w.dispose()
    })
  })

  it.each(REFUSED)("τ = %s is InvalidArgument naming the temperature (model, call, tensor)", (tau) => {
    const e = caught(() => Model.perturbSoftmax({ space: Space.reals(d), noise: Noise.gumbel(), temperature: tau }))
    expect(e).toBeInstanceOf(InvalidArgument)
    expect(e.argument).toBe("temperature")
    expect(e.message).toContain("[1e-30, 1e+30]")
    const theta = tf.tensor2d(THETA)
    for (const noise of [Noise.gumbel(), Noise.studentT({ df: 3 })]) {
      const k = compile(Model.perturbSoftmax({ space: Space.reals(d), noise, temperature: 1 }))
      for (const sample of [k.sample, k.sampleStraightThrough]) {
        expect(caught(() => sample(theta, { samples: 2, key: Key.make(1), temperature: tau })).argument).toBe("temperature")
        const t = tf.tensor1d([1, tau, 1])
        const et = caught(() => sample(theta, { samples: 2, key: Key.make(1), temperature: t }))
        expect(et).toBeInstanceOf(InvalidArgument)
        expect(et.argument).toBe("temperature[1]")
        t.dispose()
      }
    }
    theta.dispose()
  })
})
