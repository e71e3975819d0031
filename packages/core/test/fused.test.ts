/**
 * The fused WebAssembly sampler (internal/fused.ts, wasm/perturb.c): the committed binary matches
 * its source; uniforms are bit-identical to Random.uniform32; each law's transform agrees with the
 * float64 one (tails included); `compile(model).sample` / `sampleStraightThrough` equal the
 * composed tfjs ops in values and gradients on the cpu and wasm backends; determinism by key;
 * tensor hygiene; extreme inputs; and the typed error for work too large for tfjs-wasm's heap.
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { Key, type Law, Noise, type NoiseLike, Random } from "@perturb/noise"
import { noiseTensor } from "@perturb/noise/tfjs"
import { beforeAll, describe, expect, it } from "vitest"
import { compile, InvalidArgument, Model, Space } from "../src/index.js"
import { fusedLaw, noiseValues, RAW_UNIFORM, transformWords } from "../src/testing.js"
import { sourceSha256 } from "../src/internal/wasm/module.js"
import { read, worst } from "./helpers.js"

const here = dirname(fileURLToPath(import.meta.url))

const LAWS: Array<[string, Law]> = [
  ["gumbel", Noise.gumbel()],
  ["gumbel(0.3, 2)", Noise.gumbel({ loc: 0.3, scale: 2 })],
  ["normal", Noise.normal()],
  ["normal(1, 0.5)", Noise.normal({ mean: 1, sd: 0.5 })],
  ["logistic", Noise.logistic()],
  ["laplace", Noise.laplace()],
  ["cauchy", Noise.cauchy()],
  ["uniform(-1, 3)", Noise.uniform({ a: -1, b: 3 })],
  ["exponential(2)", Noise.exponential({ rate: 2 })]
]

describe("the committed WebAssembly module", () => {
  it("was built from the current perturb.c (else run scripts/build-wasm.sh)", () => {
    const source = readFileSync(join(here, "../wasm/perturb.c"))
    expect(createHash("sha256").update(source).digest("hex")).toBe(sourceSha256)
  })
})

describe("fused noise", () => {
  it("uniforms are bit-identical to Random.uniform32, at any offset (block carries included)", () => {
    const raw = { id: RAW_UNIFORM, p0: 0, p1: 0 }
    for (const [seed, n, offset] of [[1, 10_007, 0], [2, 5000, 3], [3, 4099, 2 ** 34 - 7], [4, 33, 2 ** 40 + 1], [5, 1, 5]] as const) {
      const key = Key.make(seed)
      expect(Array.from(noiseValues(key, n, raw, offset))).toEqual(Array.from(Random.uniform32(key, n, offset)))
    }
  })

  it.each(LAWS)("%s agrees with Noise.sample32 (float64 rounded once) to a few float32 ulps", (_, law) => {
    const key = Key.make(11)
    const n = 50_000
    const got = noiseValues(key, n, fusedLaw(law, 1)!, 5)
    expect(worst(got, Noise.sample32(law, key, n, 5), 6e-7, 6e-7)).toBeLessThanOrEqual(1)
  })

  it.each(LAWS)("%s is accurate in both tails: every uniform within 2^16 steps of 0 and of 1", (_, law) => {
    const m = 2 ** 16
    const words = new Uint32Array(2 * m)
    for (let k = 0; k < m; k++) {
      words[k] = k << 9
      words[m + k] = (2 ** 23 - m + k) * 512
    }
    const got = transformWords(words, fusedLaw(law, 1)!)
    const want = Array.from(words, (w) => law.quantile(((w >>> 9) + 0.5) / 2 ** 23))
    expect(worst(got, want, 6e-7, 6e-7)).toBeLessThanOrEqual(1)
  })

  it("the Normal quantile stays finite and symmetric at the extreme uniforms 2^-24 and 1 − 2^-24", () => {
    const z = transformWords(Uint32Array.from([0, (2 ** 23 - 1) * 512]), fusedLaw(Noise.normal(), 1)!)
    const want = Noise.normal().quantile(2 ** -24)
    expect(Math.abs(z[0]! - want)).toBeLessThan(4e-7 * -want)
    expect(z[1]).toBe(-z[0]!)
  })

  it("applies to i.i.d. and same-law independent noise of the kernel's laws only", () => {
    expect(fusedLaw(Noise.iid(Noise.gumbel(), 3), 3)).toEqual({ id: 0, p0: 0, p1: 1 })
    expect(fusedLaw(Noise.independent([Noise.normal(), Noise.normal(), Noise.normal()]), 3)).toEqual({ id: 1, p0: 0, p1: 1 })
    expect(fusedLaw(Noise.independent([Noise.normal(), Noise.normal({ sd: 2 }), Noise.normal()]), 3)).toBeUndefined()
    expect(fusedLaw(Noise.studentT({ df: 3 }), 3)).toBeUndefined()
    expect(fusedLaw(Noise.gaussian({ mean: [0, 0], covariance: [[1, 0.5], [0.5, 1]] }), 2)).toBeUndefined()
  })
})

/** What the composed path computes: noise from @perturb/noise, then tfjs ops. */
const composed = (noise: NoiseLike, theta: tf.Tensor, samples: number, key: Key.Key, tau: number): tf.Tensor => {
  const d = theta.shape[theta.rank - 1]!
  const rows = theta.rank === 1 ? 1 : theta.shape[0]!
  const g = noiseTensor(noise, key, [samples * rows, d]).reshape(theta.rank === 1 ? [samples, d] : [samples, rows, d])
  return tf.softmax(tf.div(tf.add(theta, g), tau))
}

/**
 * The float64 reference from the same float32 noise: y = softmax((θ + γ)/τ) and the gradient of
 * Σ w ⊙ y, Σ_s y ⊙ (w − ⟨w, y⟩)/τ; `bound` = samples · max|w|/τ bounds the terms of each entry.
 */
const reference = (noise: NoiseLike, theta: tf.Tensor, samples: number, key: Key.Key, tau: number, w: tf.Tensor) => {
  const d = theta.shape[theta.rank - 1]!
  const rows = theta.rank === 1 ? 1 : theta.shape[0]!
  const gamma = Noise.sampleVector32(noise, key, samples * rows, d)
  const th = theta.dataSync()
  const wv = w.dataSync()
  const y = new Float64Array(samples * rows * d)
  const grad = new Float64Array(rows * d)
  for (let r = 0; r < samples * rows; r++) {
    const t = r % rows
    let m = -Infinity
    for (let j = 0; j < d; j++) m = Math.max(m, (th[t * d + j]! + gamma[r * d + j]!) / tau)
    let s = 0
    for (let j = 0; j < d; j++) s += y[r * d + j] = Math.exp((th[t * d + j]! + gamma[r * d + j]!) / tau - m)
    let dot = 0
    for (let j = 0; j < d; j++) dot += (y[r * d + j]! /= s) * wv[r * d + j]!
    for (let j = 0; j < d; j++) grad[t * d + j]! += (y[r * d + j]! * (wv[r * d + j]! - dot)) / tau
  }
  const bound = (samples * Math.max(...Array.from(wv, Math.abs))) / tau
  return { y, grad, bound }
}

const thetaOf = (shape: Array<number>, seed: number, scale = 1): tf.Tensor =>
  tf.tensor(Noise.sample32(Noise.normal({ sd: scale }), Key.make(seed), shape.reduce((a, b) => a * b, 1)), shape)

describe.each(["cpu", "wasm"])("fused sampling on %s", (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend)
    await tf.ready()
  })

  const cases: Array<[string, NoiseLike]> = [...LAWS, ["independent normal", Noise.independent(Array.from({ length: 7 }, () => Noise.normal()))]]

  it.each(cases)("%s: sample and its gradient equal the composed ops (θ [d] and [rows, d], several τ)", (_, noise) => {
    const d = 7
    const k = compile(Model.perturbSoftmax({ space: Space.reals(d), noise, temperature: 0.5 }))
    for (const [shape, samples] of [[[d], 5], [[3, d], 4], [[2, d], 1]] as Array<[Array<number>, number]>) {
      for (const tau of [0.25, 1, 3]) {
        const theta = thetaOf(shape, 3)
        const key = Key.make(17)
        const w = tf.tensor(Noise.sample32(Noise.uniform(), Key.make(5), samples * theta.size), [samples, ...shape])
        const y = read(k.sample(theta, { samples, key, temperature: tau }))
        const ref = read(composed(noise, theta, samples, key, tau))
        expect(worst(y, ref, 1e-5, 1e-7)).toBeLessThanOrEqual(1)
        const f = (t: tf.Tensor) => tf.sum(tf.mul(k.sample(t, { samples, key, temperature: tau }), w))
        const fr = (t: tf.Tensor) => tf.sum(tf.mul(composed(noise, t, samples, key, tau), w))
        const g = read(tf.grad(f)(theta))
        const gr = read(tf.grad(fr)(theta))
        // Gradients are sums of terms of either sign that cancel: absolute tolerances scale with
        // the terms (the composed float32 gradient itself is off by up to ~1e-8 · bound).
        const exact = reference(noise, theta, samples, key, tau, w)
        expect(worst(y, exact.y, 1e-5, 1e-7)).toBeLessThanOrEqual(1)
        expect(worst(g, gr, 1e-5, 3e-7 * exact.bound)).toBeLessThanOrEqual(1)
        expect(worst(g, exact.grad, 1e-5, 2e-7 * exact.bound)).toBeLessThanOrEqual(1)
        tf.dispose([theta, w])
      }
    }
  })

  it("many samples: the float64 accumulation of dθ over 4096 draws matches the composed gradient", () => {
    const d = 10
    const k = compile(Model.perturbSoftmax({ space: Space.reals(d), noise: Noise.gumbel(), temperature: 0.7 }))
    const theta = thetaOf([d], 8)
    const w = tf.tensor(Noise.sample32(Noise.uniform(), Key.make(6), 4096 * d), [4096, d])
    const key = Key.make(3)
    const g = read(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(k.sample(t, { samples: 4096, key }), w)))(theta))
    const gr = read(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(composed(Noise.gumbel(), t, 4096, key, 0.7), w)))(theta))
    const exact = reference(Noise.gumbel(), theta, 4096, key, 0.7, w)
    expect(worst(g, exact.grad, 1e-5, 1e-9 * exact.bound)).toBeLessThanOrEqual(1)
    expect(worst(g, gr, 1e-4, 1e-7 * exact.bound)).toBeLessThanOrEqual(1)
    tf.dispose([theta, w])
  })

  it("same key → identical samples; different keys → different samples", () => {
    const k = compile(Model.perturbSoftmax({ space: Space.reals(5), noise: Noise.normal(), temperature: 0.5 }))
    const theta = thetaOf([2, 5], 1)
    const a = read(k.sample(theta, { samples: 8, key: Key.make(9) }))
    const b = read(k.sample(theta, { samples: 8, key: Key.make(9) }))
    const c = read(k.sample(theta, { samples: 8, key: Key.make(10) }))
    expect(Array.from(a)).toEqual(Array.from(b))
    let differ = 0
    for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - c[i]!) > 1e-3) differ++
    expect(differ).toBeGreaterThan(a.length / 2)
    theta.dispose()
  })

  it("straight-through: one-hot of the relaxed sample's argmax forward, the relaxed gradient backward", () => {
    for (const model of [
      Model.perturbSoftmax({ space: Space.reals(6), noise: Noise.gumbel(), temperature: 0.4 }),
      Model.perturbArgmax({ space: Space.reals(6), noise: Noise.logistic() })
    ]) {
      const k = compile(model)
      const theta = thetaOf([3, 6], 2)
      const key = Key.make(21)
      const opts = { samples: 5, key }
      const hard = read(k.sampleStraightThrough(theta, opts))
      const tau = model._tag === "PerturbSoftmax" ? model.temperature : 1
      const soft = read(composed(model.noise, theta, 5, key, tau))
      for (let r = 0; r < hard.length / 6; r++) {
        const row = Array.from(soft.subarray(r * 6, r * 6 + 6))
        const at = row.indexOf(Math.max(...row))
        expect(Array.from(hard.subarray(r * 6, r * 6 + 6))).toEqual(row.map((_, j) => (j === at ? 1 : 0)))
      }
      const w = thetaOf([5, 3, 6], 4)
      const g = read(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(k.sampleStraightThrough(t, opts), w)))(theta))
      const gr = read(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(composed(model.noise, t, 5, key, tau), w)))(theta))
      const exact = reference(model.noise, theta, 5, key, tau, w)
      expect(worst(g, gr, 1e-5, 3e-7 * exact.bound)).toBeLessThanOrEqual(1)
      expect(worst(g, exact.grad, 1e-5, 2e-7 * exact.bound)).toBeLessThanOrEqual(1)
      tf.dispose([theta, w])
    }
  })

  it("Perturb-Argmax sample: the one-hot argmax of the same noise, with a zero gradient", () => {
    for (const noise of [Noise.gumbel(), Noise.normal({ mean: 1, sd: 2 }), Noise.cauchy()]) {
      const k = compile(Model.perturbArgmax({ space: Space.reals(7), noise }))
      const theta = thetaOf([4, 7], 3)
      const opts = { samples: 6, key: Key.make(8) }
      const hard = read(k.sample(theta, opts))
      const soft = read(composed(noise, theta, 6, opts.key, 1))
      for (let r = 0; r < hard.length / 7; r++) {
        const row = Array.from(soft.subarray(r * 7, r * 7 + 7))
        const at = row.indexOf(Math.max(...row))
        expect(Array.from(hard.subarray(r * 7, r * 7 + 7))).toEqual(row.map((_, j) => (j === at ? 1 : 0)))
      }
      const g = read(tf.grad((t: tf.Tensor) => tf.sum(k.sample(t, opts)))(theta))
      expect(Array.from(g).every((x) => x === 0)).toBe(true)
      theta.dispose()
    }
  })

  it("20 sample-and-gradient calls (relaxed and straight-through) leave numTensors unchanged", () => {
    const k = compile(Model.perturbSoftmax({ space: Space.reals(12), noise: Noise.gumbel(), temperature: 0.5 }))
    const theta = thetaOf([4, 12], 1)
    const w = thetaOf([3, 4, 12], 2)
    const step = (i: number) => {
      const opts = { samples: 3, key: Key.make(i) }
      const f = (t: tf.Tensor) => tf.sum(tf.mul(i % 2 === 0 ? k.sample(t, opts) : k.sampleStraightThrough(t, opts), w))
      const { value, grad } = tf.valueAndGrad(f)(theta)
      value.dataSync()
      grad.dataSync()
      tf.dispose([value, grad])
    }
    step(0)
    const before = tf.memory().numTensors
    for (let i = 1; i <= 20; i++) step(i)
    expect(tf.memory().numTensors).toBe(before)
    tf.dispose([theta, w])
  })

  it("extreme inputs give finite, correct samples: logits ±1e4, τ from 1e-4 to 1e4, d = 1e5, one dominant logit", () => {
    // Logits ±1e4 with τ = 1e-4: each row is one-hot at its largest perturbed logit.
    const d = 6
    const k = compile(Model.perturbSoftmax({ space: Space.reals(d), noise: Noise.gumbel(), temperature: 1 }))
    const theta = tf.tensor2d([[1e4, -1e4, 0, 5, -5, 1e4 - 30], [-1e4, -1e4, -1e4, -1e4, -1e4, -1e4 + 0.5]])
    const key = Key.make(2)
    for (const tau of [1e-4, 1e-2, 1, 1e2, 1e4]) {
      const y = read(k.sample(theta, { samples: 3, key, temperature: tau }))
      const ref = read(composed(Noise.gumbel(), theta, 3, key, tau))
      for (let r = 0; r < y.length / d; r++) {
        let s = 0
        for (let j = 0; j < d; j++) {
          expect(Number.isFinite(y[r * d + j]!)).toBe(true)
          s += y[r * d + j]!
        }
        expect(Math.abs(s - 1)).toBeLessThan(1e-5)
      }
      // Where the composed float32 ops are exact enough to compare (|z| ≤ 1e4 · ulp), they agree.
      expect(worst(y, ref, 1e-4, 1e-6)).toBeLessThanOrEqual(1)
      const g = read(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(k.sample(t, { samples: 3, key, temperature: tau }), tf.range(0, d))))(theta))
      g.forEach((v) => expect(Number.isFinite(v)).toBe(true))
    }
    // One dominant logit: all the mass there, exactly.
    const dom = tf.tensor1d([0, 0, 80, 0, 0, 0])
    const yd = read(k.sample(dom, { samples: 4, key, temperature: 0.5 }))
    for (let r = 0; r < 4; r++) expect(yd[r * d + 2]).toBe(1)
    // d = 1e5: a long row (several noise batches, two-level sums) still matches.
    const D = 100_000
    const kb = compile(Model.perturbSoftmax({ space: Space.reals(D), noise: Noise.normal(), temperature: 0.3 }))
    const big = thetaOf([D], 5, 2)
    const yb = read(kb.sample(big, { samples: 2, key }))
    const rb = read(composed(Noise.normal(), big, 2, key, 0.3))
    expect(worst(yb, rb, 1e-4, 1e-9)).toBeLessThanOrEqual(1)
    expect(Math.abs(yb.subarray(0, D).reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5)
    tf.dispose([theta, dom, big])
  })

  it("a non-finite θ is the same typed error as on the composed path, naming the entry", () => {
    const k = compile(Model.perturbSoftmax({ space: Space.reals(3), noise: Noise.gumbel(), temperature: 0.5 }))
    for (const [bad, at] of [[NaN, 4], [Infinity, 0], [-Infinity, 5]] as const) {
      const values = [0, 1, 2, 3, 4, 5]
      values[at] = bad
      const theta = tf.tensor2d(values, [2, 3])
      for (const f of [() => k.sample(theta, { samples: 2, key: Key.make(1) }), () => k.sampleStraightThrough(theta, { samples: 2, key: Key.make(1) })]) {
        expect(f).toThrow(InvalidArgument)
        expect(f).toThrow(`Invalid theta[${at}] = ${bad}`)
      }
      theta.dispose()
    }
  })

  it("tensor temperatures and laws without a kernel take the composed path with the same numbers", () => {
    const d = 4
    const theta = thetaOf([2, d], 7)
    const key = Key.make(4)
    const k = compile(Model.perturbSoftmax({ space: Space.reals(d), noise: Noise.gumbel(), temperature: 0.5 }))
    const viaTensor = read(k.sample(theta, { samples: 3, key, temperature: tf.tensor1d([0.5, 0.5]) }))
    const fused = read(k.sample(theta, { samples: 3, key }))
    expect(worst(fused, viaTensor, 1e-5, 1e-7)).toBeLessThanOrEqual(1)
    const kt = compile(Model.perturbSoftmax({ space: Space.reals(d), noise: Noise.studentT({ df: 4 }), temperature: 0.5 }))
    const yt = read(kt.sample(theta, { samples: 3, key }))
    expect(worst(yt, read(composed(Noise.studentT({ df: 4 }), theta, 3, key, 0.5)), 1e-6, 1e-8)).toBeLessThanOrEqual(1)
    theta.dispose()
  })
})

describe("work too large for tfjs-wasm's heap", () => {
  beforeAll(async () => {
    await tf.setBackend("wasm")
    await tf.ready()
  })

  it("is refused with InvalidArgument naming samples, before anything is allocated, and the backend still works", () => {
    const theta = tf.zeros([1000, 1000])
    const before = tf.memory().numTensors
    const fused = compile(Model.perturbSoftmax({ space: Space.reals(1000), noise: Noise.gumbel(), temperature: 0.5 }))
    const composedOnly = compile(Model.perturbSoftmax({ space: Space.reals(1000), noise: Noise.studentT({ df: 3 }), temperature: 0.5 }))
    const attempts: Array<() => unknown> = [
      () => fused.sample(theta, { samples: 1100, key: Key.make(1) }), // 1.1e9 values: 4.4 GB of output
      () => tf.grad((t: tf.Tensor) => tf.sum(fused.sample(t, { samples: 600, key: Key.make(1) })))(theta),
      () => composedOnly.sample(theta, { samples: 300, key: Key.make(1) }),
      () => tf.grad((t: tf.Tensor) => tf.sum(composedOnly.sample(t, { samples: 80, key: Key.make(1) })))(theta)
    ]
    for (const attempt of attempts) {
      let error: unknown
      try {
        attempt()
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(InvalidArgument)
      expect((error as InvalidArgument).argument).toBe("samples")
      expect((error as InvalidArgument).message).toMatch(/Invalid samples = \d+: .*4 GiB heap/)
    }
    expect(tf.memory().numTensors).toBe(before)
    expect(Array.from(read(tf.add(tf.ones([2]), 1)))).toEqual([2, 2])
    theta.dispose()
  })
})
