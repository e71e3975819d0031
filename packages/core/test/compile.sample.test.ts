/**
 * Sampling kernels: shapes, the simplex, determinism by key, unbiasedness against probs,
 * gradients (to θ, through theta(u), straight-through), per-row temperatures and extreme inputs.
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { Key, Noise, type NoiseLike } from "@perturb/noise"
import { beforeAll, describe, expect, it } from "vitest"
import { compile, Model, Space } from "../src/index.js"
import { maxAbsDiff, read } from "./helpers.js"

const rowsOnSimplex = (y: Float32Array, d: number, tol = 1e-5) => {
  for (let r = 0; r < y.length / d; r++) {
    let s = 0
    for (let j = 0; j < d; j++) {
      const v = y[r * d + j]!
      expect(Number.isFinite(v)).toBe(true)
      expect(v).toBeGreaterThanOrEqual(0)
      s += v
    }
    expect(Math.abs(s - 1)).toBeLessThanOrEqual(tol)
  }
}

const softmaxModel = (d: number, noise: NoiseLike = Noise.gumbel(), temperature = 0.5, space: Space.Space = Space.reals(d)) =>
  compile(Model.perturbSoftmax({ space, noise, temperature }))

describe.each(["cpu", "wasm"])("samples on %s", (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend)
    await tf.ready()
  })

  it("shapes [samples, d] and [samples, n, d]; rows on the simplex", () => {
    for (const noise of [Noise.gumbel(), Noise.normal()]) {
      const k = softmaxModel(4, noise)
      const y1 = k.sample(tf.tensor1d([0.3, -1.2, 2, 0]), { samples: 7, key: Key.make(1) })
      expect(y1.shape).toEqual([7, 4])
      rowsOnSimplex(read(y1), 4)
      const y2 = k.sample(tf.tensor2d([[0.3, -1.2, 2, 0], [0, 0, 0, 0], [1, 2, 3, 4]]), { samples: 5, key: Key.make(1) })
      expect(y2.shape).toEqual([5, 3, 4])
      rowsOnSimplex(read(y2), 4)
      const a = compile(Model.perturbArgmax({ space: Space.reals(4), noise }))
      const o = a.sample(tf.tensor2d([[0.3, -1.2, 2, 0], [0, 0, 0, 0]]), { samples: 6, key: Key.make(2) })
      expect(o.shape).toEqual([6, 2, 4])
      const ov = read(o)
      rowsOnSimplex(ov, 4, 0)
      ov.forEach((v) => expect(v === 0 || v === 1).toBe(true))
    }
  })

  it("same key → identical, different key → different", () => {
    const k = softmaxModel(3, Noise.normal())
    const theta = tf.tensor1d([0.1, 0.2, 0.3])
    const a = read(k.sample(theta, { samples: 16, key: Key.make(9) }))
    const b = read(k.sample(theta, { samples: 16, key: Key.make(9) }))
    const c = read(k.sample(theta, { samples: 16, key: Key.make(10) }))
    expect(Array.from(a)).toEqual(Array.from(b))
    expect(maxAbsDiff(a, c)).toBeGreaterThan(1e-3)
    theta.dispose()
  })

  it("the mean of many relaxed samples approaches probs (within 5 SE)", () => {
    for (const noise of [Noise.gumbel(), Noise.normal()]) {
      const d = 3
      const k = softmaxModel(d, noise, 0.7)
      const theta = tf.tensor1d([0.3, -1.2, 0.8])
      const S = 20000
      const y = read(k.sample(theta, { samples: S, key: Key.make(4) }))
      const p = read(k.probs(theta, { method: "quadrature", samples: 64 }).probs)
      for (let j = 0; j < d; j++) {
        let m = 0
        let m2 = 0
        for (let s = 0; s < S; s++) {
          m += y[s * d + j]!
          m2 += y[s * d + j]! ** 2
        }
        m /= S
        const se = Math.sqrt((m2 / S - m * m) / S)
        expect(Math.abs(m - p[j]!)).toBeLessThan(5 * se + 1e-5)
      }
      theta.dispose()
    }
  })

  it("argmax samples are one-hot with frequencies matching exact probs (within 5 SE)", () => {
    for (const noise of [Noise.gumbel(), Noise.normal({ sd: 0.8 })]) {
      const d = 4
      const k = compile(Model.perturbArgmax({ space: Space.reals(d), noise }))
      const theta = tf.tensor1d([0.3, -1.2, 0.8, 0])
      const S = 20000
      const y = read(k.sample(theta, { samples: S, key: Key.make(5) }))
      const p = read(k.probs(theta).probs)
      const counts = new Array<number>(d).fill(0)
      for (let s = 0; s < S; s++) {
        let ones = 0
        for (let j = 0; j < d; j++) {
          const v = y[s * d + j]!
          expect(v === 0 || v === 1).toBe(true)
          ones += v
          counts[j]! += v
        }
        expect(ones).toBe(1)
      }
      for (let j = 0; j < d; j++) {
        const se = Math.sqrt((p[j]! * (1 - p[j]!)) / S)
        expect(Math.abs(counts[j]! / S - p[j]!)).toBeLessThan(5 * se)
      }
      theta.dispose()
    }
  })

  it("gradients reach θ, and u through theta(u)", () => {
    for (const space of [Space.pinned(4), Space.zeroSum(4)]) {
      const k = softmaxModel(4, Noise.normal(), 0.5, space)
      const w = tf.tensor1d([1, -2, 0.5, 3])
      const f = (t: tf.Tensor) => tf.sum(tf.mul(k.sample(t, { samples: 8, key: Key.make(6) }), w))
      const g = read(tf.grad(f)(tf.tensor1d([0.3, -1.2, 2, 0])))
      g.forEach((x) => expect(Number.isFinite(x)).toBe(true))
      expect(Math.max(...g.map(Math.abs))).toBeGreaterThan(1e-4)
      expect(k.freeDim).toBe(3)
      const gu = tf.grad((u: tf.Tensor) => f(k.theta(u)))(tf.tensor1d([0.2, -0.1, 0.4]))
      expect(gu.shape).toEqual([3])
      const guv = read(gu)
      guv.forEach((x) => expect(Number.isFinite(x)).toBe(true))
      expect(Math.max(...guv.map(Math.abs))).toBeGreaterThan(1e-4)
      // batched u [n, k] → θ [n, d]
      expect(k.theta(tf.zeros([5, 3])).shape).toEqual([5, 4])
      w.dispose()
    }
  })

  it("straight-through: one-hot forward, the relaxed sample's gradient backward", () => {
    const k = softmaxModel(4, Noise.gumbel(), 0.7)
    const theta = tf.tensor2d([[0.3, -1.2, 2, 0], [1, 1, 0, -1]])
    const opts = { samples: 6, key: Key.make(7) }
    const hard = k.sampleStraightThrough(theta, opts)
    expect(hard.shape).toEqual([6, 2, 4])
    const hv = read(hard)
    rowsOnSimplex(hv, 4, 0)
    hv.forEach((v) => expect(v === 0 || v === 1).toBe(true))
    // the one-hot is the argmax of the relaxed sample drawn with the same key
    const soft = read(k.sample(theta, opts))
    for (let r = 0; r < 12; r++) {
      const row = Array.from(soft.slice(r * 4, r * 4 + 4))
      expect(hv[r * 4 + row.indexOf(Math.max(...row))]).toBe(1)
    }
    const w = tf.randomNormal([6, 2, 4], 0, 1, "float32", 3)
    const gHard = read(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(k.sampleStraightThrough(t, opts), w)))(theta))
    const gSoft = read(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(k.sample(t, opts), w)))(theta))
    expect(Math.max(...gHard.map(Math.abs))).toBeGreaterThan(1e-3)
    expect(maxAbsDiff(gHard, gSoft)).toBeLessThan(1e-6)
    theta.dispose()
    w.dispose()
  })

  it("a per-row temperature tensor [n] broadcasts: row i uses τ_i", () => {
    const k = softmaxModel(3, Noise.normal(), 1)
    const theta = tf.tensor2d([[0.3, -1.2, 0.8], [0, 0, 0], [2, 1, 0]])
    const taus = [0.2, 1, 5]
    const opts = { samples: 4, key: Key.make(8) }
    const together = read(k.sample(theta, { ...opts, temperature: tf.tensor1d(taus) }))
    taus.forEach((tau, i) => {
      const alone = read(k.sample(theta, { ...opts, temperature: tau }))
      for (let s = 0; s < 4; s++) {
        const at = (x: Float32Array) => x.slice((s * 3 + i) * 3, (s * 3 + i) * 3 + 3)
        expect(maxAbsDiff(at(together), at(alone))).toBeLessThan(1e-6)
      }
    })
    // [n, 1] is accepted too
    const col = read(k.sample(theta, { ...opts, temperature: tf.tensor2d(taus, [3, 1]) }))
    expect(maxAbsDiff(col, together)).toBeLessThan(1e-6)
    theta.dispose()
  })

  describe("edge cases", () => {
    it("logits ±1e4: finite, at the right vertex", () => {
      for (const noise of [Noise.gumbel(), Noise.normal()]) {
        const k = softmaxModel(3, noise, 0.5)
        const theta = tf.tensor1d([-1e4, 1e4, 0])
        const y = read(k.sample(theta, { samples: 8, key: Key.make(1) }))
        rowsOnSimplex(y, 3)
        for (let s = 0; s < 8; s++) expect(y[s * 3 + 1]).toBeCloseTo(1, 6)
        const p = read(k.probs(theta, { samples: 64 }).probs)
        expect(p[1]).toBeCloseTo(1, 6)
        expect(read(k.potential(theta, { samples: 64 }).potential)[0]).toBeGreaterThan(9999)
        const a = compile(Model.perturbArgmax({ space: Space.reals(3), noise }))
        const pa = read(a.probs(theta).probs)
        expect(Array.from(pa)).toEqual([0, 1, 0])
        const grad = read(tf.grad((t: tf.Tensor) => a.potential(t).potential)(theta))
        expect(Array.from(grad)).toEqual([0, 1, 0])
        theta.dispose()
      }
    })

    it("τ = 1e-4 and τ = 1e4: finite; τ = 1e4 ≈ uniform", () => {
      const k = softmaxModel(3, Noise.gumbel(), 1)
      const theta = tf.tensor1d([0.3, -1.2, 0.8])
      const cold = read(k.sample(theta, { samples: 8, key: Key.make(2), temperature: 1e-4 }))
      rowsOnSimplex(cold, 3)
      cold.forEach((v) => expect(v < 1e-6 || v > 1 - 1e-6).toBe(true))
      const hot = read(k.sample(theta, { samples: 8, key: Key.make(2), temperature: 1e4 }))
      rowsOnSimplex(hot, 3)
      hot.forEach((v) => expect(Math.abs(v - 1 / 3)).toBeLessThan(1e-2))
      for (const tau of [1e-4, 1e4]) {
        const m = softmaxModel(3, Noise.normal(), tau)
        const p = read(m.probs(theta, { samples: 256 }).probs)
        p.forEach((v) => expect(Number.isFinite(v)).toBe(true))
        expect(Math.abs(p.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-5)
        if (tau === 1e4) p.forEach((v) => expect(Math.abs(v - 1 / 3)).toBeLessThan(1e-3))
        const g = read(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(m.sample(t, { samples: 4, key: Key.make(3) }), tf.tensor1d([1, 2, 3]))))(theta))
        g.forEach((v) => expect(Number.isFinite(v)).toBe(true))
        const ld = read(m.logDensity(tf.tensor1d([0.2, 0.3, 0.5]), theta))
        expect(Number.isFinite(ld[0]!)).toBe(true)
      }
      theta.dispose()
    })

    it("d = 2", () => {
      const k = softmaxModel(2, Noise.normal(), 0.5)
      const y = read(k.sample(tf.tensor1d([0.5, -0.5]), { samples: 10, key: Key.make(4) }))
      rowsOnSimplex(y, 2)
      const a = compile(Model.perturbArgmax({ space: Space.pinned(2), noise: Noise.normal() }))
      const p = read(a.probs(tf.tensor1d([0, 1])).probs)
      expect(p[0]! + p[1]!).toBeCloseTo(1, 6)
      expect(p[1]).toBeGreaterThan(0.5)
    })

    it("d = 100,000: samples, exact Gumbel-Argmax probs and an mc estimate are finite and sum to 1", () => {
      const d = 100_000
      const theta = tf.tidy(() => tf.mul(tf.sin(tf.range(0, d, 1, "float32")), 3))
      const k = softmaxModel(d, Noise.gumbel(), 0.5)
      const y = k.sample(theta, { samples: 2, key: Key.make(5) })
      expect(y.shape).toEqual([2, d])
      const yv = read(y)
      for (let s = 0; s < 2; s++) {
        let sum = 0
        for (let j = 0; j < d; j++) {
          const v = yv[s * d + j]!
          expect(Number.isFinite(v) && v >= 0).toBe(true)
          sum += v
        }
        expect(Math.abs(sum - 1)).toBeLessThan(1e-4)
      }
      const a = compile(Model.perturbArgmax({ space: Space.zeroSum(d), noise: Noise.gumbel() }))
      const p = read(a.probs(theta).probs)
      expect(Math.abs(p.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-4)
      const pm = read(k.probs(theta, { method: "mc", samples: 8, key: Key.make(6) }).probs)
      expect(pm.length).toBe(d)
      expect(Math.abs(pm.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-4)
      theta.dispose()
    })
  })
})
