/**
 * The WebGPU path. These tests run only where a WebGPU adapter exists (a GPU, or Mesa's lavapipe
 * software Vulkan driver); elsewhere one test checks that `enableWebGPU` rejects with the typed
 * error, so CI without Vulkan still covers the error path and never fails for lack of a GPU.
 */
import * as tf from "@tensorflow/tfjs"
import { describe, expect, it } from "vitest"
import { Key, Noise, Random } from "@perturb/noise"
import { compile, Model, Space } from "../src/index.js"
import { enableWebGPU, fusedSample, gpuNoise, gpuUniform32, WebGPUUnavailable } from "../src/gpu/index.js"
import { onCpu } from "./helpers.js"

const attempt = await enableWebGPU().then(
  (context) => ({ available: true as const, context }),
  (error: unknown) => ({ available: false as const, error })
)
const available = attempt.available

describe.runIf(!available)("WebGPU unavailable", () => {
  it("enableWebGPU rejects with WebGPUUnavailable naming what is missing", async () => {
    const error = await enableWebGPU().then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(WebGPUUnavailable)
    const e = error as WebGPUUnavailable
    expect(e._tag).toBe("WebGPUUnavailable")
    expect(["webgpu-package", "libvulkan", "vulkan-driver", "adapter", "device"]).toContain(e.missing)
    expect(e.message).toMatch(/WebGPU unavailable/)
  })
})

/** Max |a − b| / (atol + rtol·|b|) over the arrays: ≤ 1 means within tolerance. */
const worst = (a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol: number): number => {
  let w = 0
  for (let i = 0; i < b.length; i++) {
    const e = Math.abs(a[i]! - b[i]!) / (atol + rtol * Math.abs(b[i]!))
    if (!(e <= w)) w = e
  }
  return w
}

describe.runIf(available)("WebGPU fused kernels", () => {
  it("runs on the webgpu backend", () => {
    expect(tf.getBackend()).toBe("webgpu")
  })

  it("uniforms are bit-identical to Random.uniform32", async () => {
    for (const [seed, n] of [[0, 1], [1, 7], [42, 100_003], [2 ** 40 + 5, 65_536]] as const) {
      const key = Key.make(seed)
      const t = gpuUniform32(key, n)
      const gpu = new Uint32Array((await t.data() as Float32Array).slice().buffer)
      t.dispose()
      const cpu = new Uint32Array(Random.uniform32(key, n).buffer)
      expect(gpu).toEqual(cpu)
    }
  })

  // Tolerances (f32): every law within 4e-6·(1 + |x|) of the float64-then-rounded CPU value; the
  // polynomials for log, tan and Φ⁻¹ keep this on every driver, not only on accurate ones.
  const laws = [
    ["Gumbel", Noise.gumbel()],
    ["Gumbel(1, 2)", Noise.gumbel({ loc: 1, scale: 2 })],
    ["Normal", Noise.normal()],
    ["Normal(−1, 0.5)", Noise.normal({ mean: -1, sd: 0.5 })],
    ["Logistic", Noise.logistic()],
    ["Laplace", Noise.laplace()],
    ["Cauchy", Noise.cauchy()],
    ["Uniform(−1, 3)", Noise.uniform({ a: -1, b: 3 })],
    ["Exponential(2)", Noise.exponential({ rate: 2 })]
  ] as const
  it.each(laws)("%s noise matches Noise.sampleVector32", async (_name, law) => {
    const key = Key.make(7)
    const [n, d] = [513, 37]
    const t = gpuNoise(law, key, n, d)
    const gpu = await t.data() as Float32Array
    t.dispose()
    const cpu = Noise.sampleVector32(law, key, n, d)
    // Cauchy's tails reach 1e7: its tolerance is relative only where values are large.
    expect(worst(gpu, cpu, 4e-6, 4e-6)).toBeLessThanOrEqual(1)
  })

  const cases = [
    { name: "Gumbel d=37 rows=5 samples=3 per-row τ", noise: Noise.gumbel(), d: 37, rows: 5, samples: 3, perRow: true },
    { name: "Normal d=1000 rows=4", noise: Noise.normal(), d: 1000, rows: 4, samples: 2, perRow: false },
    { name: "Logistic d=10 rank 1", noise: Noise.logistic(), d: 10, rows: 0, samples: 6, perRow: false },
    { name: "Gumbel d=2500 rows=2 (several blocks per thread)", noise: Noise.gumbel(), d: 2500, rows: 2, samples: 1, perRow: false },
    // More than 65535 rows: tfjs folds the dispatch into two dimensions.
    { name: "Exponential d=2 rows=65600 (2-D dispatch)", noise: Noise.exponential(), d: 2, rows: 65_600, samples: 1, perRow: false }
  ]

  const thetaValues = (d: number, rows: number): Float32Array =>
    Float32Array.from({ length: Math.max(rows, 1) * d }, (_, i) => Math.sin(i * 0.7) * 2)
  const shapeOf = (d: number, rows: number): Array<number> => (rows === 0 ? [d] : [rows, d])
  const thetaFor = (d: number, rows: number): tf.Tensor => tf.tensor(thetaValues(d, rows), shapeOf(d, rows))
  const temperatures = (rows: number): Float32Array => Float32Array.from({ length: rows }, (_, i) => 0.3 + 0.2 * i)
  const weightsFor = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.cos(i * 1.3))

  it.each(cases)("relaxed samples and gradients equal compile(model)'s: $name", async ({ noise, d, rows, samples, perRow }) => {
    const key = Key.make(11)
    const k = compile(Model.perturbSoftmax({ space: Space.reals(d), noise, temperature: 0.7 }))
    const tauOf = () => (perRow ? tf.tensor1d(temperatures(rows)) : 0.7)
    const n = samples * Math.max(rows, 1) * d
    const lossOf = (f: (t: tf.Tensor) => tf.Tensor) => (t: tf.Tensor) => tf.sum(tf.mul(f(t), tf.tensor(weightsFor(n), [samples, ...shapeOf(d, rows)])))
    const [expected, expectedGrad] = await onCpu(() => {
      const theta = thetaFor(d, rows)
      const tau = tauOf()
      return [k.sample(theta, { samples, key, temperature: tau }), tf.grad(lossOf((t) => k.sample(t, { samples, key, temperature: tau })))(theta)]
    })
    const theta = thetaFor(d, rows)
    const tau = tauOf()
    const got = fusedSample(theta, { noise, key, temperature: tau, samples })
    expect(got.shape).toEqual([samples, ...shapeOf(d, rows)])
    expect(worst(await got.data(), expected!, 1e-5, 0)).toBeLessThanOrEqual(1)
    const grad = tf.grad(lossOf((t) => fusedSample(t, { noise, key, temperature: tau, samples })))(theta)
    expect(worst(await grad.data(), expectedGrad!, 1e-5, 1e-4)).toBeLessThanOrEqual(1)
    tf.dispose([theta, got, grad, tau as tf.Tensor])
  })

  it.each(cases)("straight-through forward and gradient equal compile's: $name", async ({ noise, d, rows, samples }) => {
    const key = Key.make(13)
    const k = compile(Model.perturbSoftmax({ space: Space.reals(d), noise, temperature: 0.5 }))
    const n = samples * Math.max(rows, 1) * d
    const lossOf = (f: (t: tf.Tensor) => tf.Tensor) => (t: tf.Tensor) => tf.sum(tf.mul(f(t), tf.tensor(weightsFor(n), [samples, ...shapeOf(d, rows)])))
    const [expected, expectedGrad] = await onCpu(() => {
      const theta = thetaFor(d, rows)
      return [
        k.sampleStraightThrough(theta, { samples, key, temperature: 0.5 }),
        tf.grad(lossOf((t) => k.sampleStraightThrough(t, { samples, key, temperature: 0.5 })))(theta)
      ]
    })
    const theta = thetaFor(d, rows)
    const forward = fusedSample(theta, { noise, key, temperature: 0.5, samples, mode: "straightThrough" })
    expect(Array.from(await forward.data())).toEqual(Array.from(expected!))
    const grad = tf.grad(lossOf((t) => fusedSample(t, { noise, key, temperature: 0.5, samples, mode: "straightThrough" })))(theta)
    expect(worst(await grad.data(), expectedGrad!, 1e-5, 1e-4)).toBeLessThanOrEqual(1)
    tf.dispose([theta, forward, grad])
  })

  it.each(cases)("hard samples are one-hot and equal the argmax model's: $name", async ({ noise, d, rows, samples }) => {
    const key = Key.make(14)
    const k = compile(Model.perturbArgmax({ space: Space.reals(d), noise }))
    const [expected] = await onCpu(() => [k.sample(thetaFor(d, rows), { samples, key })])
    const theta = thetaFor(d, rows)
    const hard = fusedSample(theta, { noise, key, samples, mode: "hard" })
    const values = await hard.data()
    for (let r = 0; r < values.length / d; r++) {
      let ones = 0
      for (let j = 0; j < d; j++) {
        const v = values[r * d + j]!
        if (v !== 0 && v !== 1) expect.fail(`value ${v} at row ${r}, column ${j}`)
        ones += v
      }
      expect(ones).toBe(1)
    }
    expect(Array.from(values)).toEqual(Array.from(expected!))
    const g = tf.grad((t: tf.Tensor) => tf.sum(fusedSample(t, { noise, key, samples, mode: "hard" })))(theta)
    expect((await tf.max(tf.abs(g)).data())[0]).toBe(0)
    tf.dispose([theta, hard, g])
  })

  it("does not leak tensors across forward and backward passes", async () => {
    const theta = thetaFor(50, 8)
    const step = () => {
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.square(fusedSample(t, { noise: Noise.gumbel(), key: Key.make(1), temperature: 0.5, samples: 2 }))))(theta)
      g.dispose()
    }
    step()
    const before = tf.memory().numTensors
    for (let i = 0; i < 20; i++) step()
    expect(tf.memory().numTensors).toBe(before)
    theta.dispose()
  })

  it("rejects noise without a fused kernel with a typed error", () => {
    const theta = tf.zeros([2, 3])
    expect(() => fusedSample(theta, { noise: Noise.studentT({ df: 3 }), key: Key.make(0) })).toThrow(/fused GPU kernels/)
    theta.dispose()
  })
})
