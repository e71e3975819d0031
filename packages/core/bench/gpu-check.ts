/**
 * `pnpm gpu:check`: one short run on a WebGPU machine that checks the GPU path against the CPU and
 * times it. Writes JSON to `$OUT/gpu.json` (or `bench/results/gpu.json`) and prints a summary.
 *
 * 1. Agreement: GPU uniforms vs `Random.uniform32` (bit for bit), GPU noise of every law vs
 *    `Noise.sampleVector32` (max abs / rel error), fused relaxed samples and gradients vs a float64
 *    JavaScript reference built from the same CPU noise.
 * 2. Statistics: mean and variance of large GPU Gumbel and Normal draws against theory, as z-scores.
 * 3. Timing (synchronised by reading one value back, averaged over many iterations): the fused
 *    forward at [ROWS, D], forward + backward, tfjs composed ops on webgpu (noise drawn on the CPU,
 *    and pre-drawn), and a categorical-VAE training step (784-512-256-200 / 200-256-512-784,
 *    batch 100, 20 × 10 Gumbel-Softmax latents, Adam) three times in the same run, from the same
 *    weights: `tfjs` (`dense` layers, `tf.train.adam`, the loss in tfjs ops), `fusedLayers`
 *    (`gpuDense` layers, `gpuAdam`, the loss in tfjs ops) and `fused` (the loss too:
 *    `gpuBernoulliNll` + `gpuCategoricalKl`).
 *    Each also reports the GPU dispatches and queue submits per step (counted at Dawn's
 *    `dispatchWorkgroups` / `submit`, so the fused Adam's own dispatches count too) and the tfjs
 *    kernels per step (`tf.profile`; custom-op kernels and the fused Adam are not tfjs kernels).
 * 4. `denseAgreement`: `gpuDense` forward and gradients at the VAE's layer shapes, and 10
 *    `gpuAdam` steps, against tfjs on the cpu backend (max abs and relative differences).
 *
 * Sizes: GPU_CHECK_ROWS (65536), GPU_CHECK_D (1000), GPU_CHECK_ITERS (50), GPU_CHECK_VAE_STEPS (50),
 * GPU_CHECK_STAT_N (2^24), GPU_CHECK_COMPOSED_ITERS (3) — smaller values for software drivers.
 *
 * @since 0.1.0
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as tf from "@tensorflow/tfjs"
import { Key, type Law, Noise, Random } from "@perturb/noise"
import { noiseTensor } from "@perturb/noise/tfjs"
import { dense } from "../src/Dense.js"
import { enableWebGPU, gpuAdam, gpuBernoulliNll, gpuCategoricalKl, gpuDense, gpuNoise, gpuUniform32, webgpuFusedSample } from "../src/gpu/index.js"
import { compare, denseAgreement } from "./gpu-dense-check.js"
import { countDawnCalls, countStep, sync, time } from "./gpu-timing.js"

const env = (name: string, fallback: number): number => {
  const v = process.env[name]
  return v === undefined || v === "" ? fallback : Number(v)
}
const ROWS = env("GPU_CHECK_ROWS", 65536)
const D = env("GPU_CHECK_D", 1000)
const ITERS = env("GPU_CHECK_ITERS", 50)
const VAE_STEPS = env("GPU_CHECK_VAE_STEPS", 50)
const STAT_N = env("GPU_CHECK_STAT_N", 2 ** 24)
const COMPOSED_ITERS = env("GPU_CHECK_COMPOSED_ITERS", 3)
const TAU = 0.5

const log = (...args: Array<unknown>) => console.log("[gpu-check]", ...args)
const round = (x: number, digits = 4) => Number(x.toPrecision(digits))

const agreement = async () => {
  const key = Key.make(2024)
  const n = 1 << 20
  const u = gpuUniform32(key, n)
  const gpuU = new Uint32Array((await u.data() as Float32Array).slice().buffer)
  u.dispose()
  const cpuU = new Uint32Array(Random.uniform32(key, n).buffer)
  let mismatches = 0
  for (let i = 0; i < n; i++) if (gpuU[i] !== cpuU[i]) mismatches++
  const laws: Record<string, Law> = {
    Gumbel: Noise.gumbel(),
    Normal: Noise.normal(),
    Logistic: Noise.logistic(),
    Laplace: Noise.laplace(),
    Cauchy: Noise.cauchy(),
    Uniform: Noise.uniform({ a: -1, b: 1 }),
    Exponential: Noise.exponential()
  }
  const noise: Record<string, { maxAbs: number; maxRel: number; maxScaled: number; worst: { index: number; u: number; cpu: number; gpu: number } }> = {}
  for (const [name, law] of Object.entries(laws)) {
    const [rows, d] = [1024, 1000]
    const t = gpuNoise(law, key, rows, d)
    const g = await t.data() as Float32Array
    t.dispose()
    const c = Noise.sampleVector32(law, key, rows, d)
    const { maxAbs, maxRel, maxScaled, worstIndex } = compare(g, c)
    // The uniform behind the worst case, so a disagreement can be traced to a formula branch.
    const u = Random.uniform32(key, 1, worstIndex)[0]!
    noise[name] = { maxAbs, maxRel, maxScaled, worst: { index: worstIndex, u, cpu: c[worstIndex]!, gpu: g[worstIndex]! } }
  }
  // Fused relaxed sample and its gradient against float64 JavaScript on the same CPU noise.
  const [rows, d] = [64, 1000]
  const thetaV = Float32Array.from({ length: rows * d }, (_, i) => Math.sin(i * 0.37) * 3)
  const dyV = Float32Array.from({ length: rows * d }, (_, i) => Math.cos(i * 0.91))
  const gamma = Noise.sampleVector32(Noise.gumbel(), key, rows, d)
  const yRef = new Float64Array(rows * d)
  const gRef = new Float64Array(rows * d)
  for (let r = 0; r < rows; r++) {
    let m = -Infinity
    for (let j = 0; j < d; j++) m = Math.max(m, (thetaV[r * d + j]! + gamma[r * d + j]!) / TAU)
    let s = 0
    for (let j = 0; j < d; j++) s += yRef[r * d + j] = Math.exp((thetaV[r * d + j]! + gamma[r * d + j]!) / TAU - m)
    let dot = 0
    for (let j = 0; j < d; j++) {
      yRef[r * d + j]! /= s
      dot += yRef[r * d + j]! * dyV[r * d + j]!
    }
    for (let j = 0; j < d; j++) gRef[r * d + j] = (yRef[r * d + j]! * (dyV[r * d + j]! - dot)) / TAU
  }
  const theta = tf.tensor2d(thetaV, [rows, d])
  const dy = tf.tensor2d(dyV, [rows, d])
  const y = webgpuFusedSample(theta, { noise: Noise.gumbel(), key, temperature: TAU })
  const grad = tf.grad((t: tf.Tensor) => webgpuFusedSample(t, { noise: Noise.gumbel(), key, temperature: TAU }))(theta, dy)
  const gradST = tf.grad((t: tf.Tensor) => webgpuFusedSample(t, { noise: Noise.gumbel(), key, temperature: TAU, mode: "straightThrough" }))(theta, dy)
  const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => compare(a, b).maxAbs
  const result = {
    uniform32: { n, mismatches },
    noise,
    relaxedMaxAbs: maxDiff(await y.data(), yRef),
    gradMaxAbs: maxDiff(await grad.data(), gRef),
    straightThroughGradMaxAbs: maxDiff(await gradST.data(), gRef)
  }
  tf.dispose([theta, dy, y, grad, gradST])
  return result
}

const statistics = async () => {
  const n = STAT_N
  const cols = 1024
  const rows = Math.ceil(n / cols)
  const out: Record<string, unknown> = {}
  const theory = {
    Gumbel: { law: Noise.gumbel(), mean: 0.5772156649015329, variance: (Math.PI * Math.PI) / 6, kurtosisExcess: 2.4 },
    Normal: { law: Noise.normal(), mean: 0, variance: 1, kurtosisExcess: 0 }
  }
  for (const [name, t] of Object.entries(theory)) {
    const x = gpuNoise(t.law, Key.make(99), rows, cols)
    const { mean, variance } = tf.moments(x)
    const [m, v] = [(await mean.data())[0]!, (await variance.data())[0]!]
    const N = rows * cols
    // Standard errors: sd/√N for the mean; σ²·√((κ + 2)/N) for the variance (κ = excess kurtosis).
    const zMean = (m - t.mean) / Math.sqrt(t.variance / N)
    const zVar = (v - t.variance) / (t.variance * Math.sqrt((t.kurtosisExcess + 2) / N))
    out[name] = { n: N, mean: m, variance: v, theoryMean: t.mean, theoryVariance: t.variance, zMean: round(zMean), zVariance: round(zVar), pass: Math.abs(zMean) < 5 && Math.abs(zVar) < 5 }
    tf.dispose([x, mean, variance])
  }
  return out
}

const benchmark = async () => {
  const key = Key.make(1)
  const theta = tf.randomNormal([ROWS, D], 0, 1, "float32", 1)
  const dy = tf.randomNormal([ROWS, D], 0, 1, "float32", 2)
  const noise = Noise.gumbel()
  // The first timed loop on a fresh device also pays for pipeline compilation, buffer-pool growth
  // and clock ramp-up (4.6 ms against 1.2 ms on an H100): run it once untimed.
  await time(ITERS, 3, (i) => webgpuFusedSample(theta, { noise, key: Key.fold(key, i), temperature: TAU }))
  const forward = await time(ITERS, 3, (i) => webgpuFusedSample(theta, { noise, key: Key.fold(key, i), temperature: TAU }))
  const forwardHard = await time(ITERS, 3, (i) => webgpuFusedSample(theta, { noise, key: Key.fold(key, i), mode: "hard" }))
  const forwardNormal = await time(ITERS, 3, (i) => webgpuFusedSample(theta, { noise: Noise.normal(), key: Key.fold(key, i), temperature: TAU }))
  const vjp = tf.grad((t: tf.Tensor) => webgpuFusedSample(t, { noise, key, temperature: TAU }))
  const forwardBackward = await time(ITERS, 3, () => vjp(theta, dy))
  const vjpST = tf.grad((t: tf.Tensor) => webgpuFusedSample(t, { noise, key, temperature: TAU, mode: "straightThrough" }))
  const forwardBackwardST = await time(ITERS, 3, () => vjpST(theta, dy))
  // tfjs composed ops on webgpu: the noise comes from the CPU sampler and is uploaded.
  const composedWithNoise = await time(COMPOSED_ITERS, 1, (i) =>
    tf.tidy(() => tf.softmax(tf.div(tf.add(theta, noiseTensor(noise, Key.fold(key, i), [ROWS, D])), TAU))))
  const preDrawn = noiseTensor(noise, key, [ROWS, D])
  const composedPreDrawn = await time(Math.max(COMPOSED_ITERS, 10), 2, () => tf.tidy(() => tf.softmax(tf.div(tf.add(theta, preDrawn), TAU))))
  // Measured again last: if the first loop still paid a start-up cost, this one shows it.
  const forwardAgain = await time(ITERS, 3, (i) => webgpuFusedSample(theta, { noise, key: Key.fold(key, 1000 + i), temperature: TAU }))
  const forwardFixedKey = await time(ITERS, 3, () => webgpuFusedSample(theta, { noise, key, temperature: TAU }))
  tf.dispose([theta, dy, preDrawn])
  return {
    fusedForwardAgainMs: round(forwardAgain),
    fusedForwardFixedKeyMs: round(forwardFixedKey),
    shape: [ROWS, D],
    iterations: ITERS,
    fusedForwardMs: round(forward),
    fusedForwardHardMs: round(forwardHard),
    fusedForwardNormalMs: round(forwardNormal),
    fusedForwardBackwardMs: round(forwardBackward),
    fusedForwardBackwardStraightThroughMs: round(forwardBackwardST),
    composedWithCpuNoiseMs: round(composedWithNoise),
    composedPreDrawnNoiseMs: round(composedPreDrawn),
    gbPerSecondForward: round((2 * 4 * ROWS * D) / (forward * 1e6))
  }
}

/** The categorical-VAE step with tfjs layers and Adam (`tfjs`) or the fused kernels. */
const vaeStep = async (variant: "tfjs" | "fusedLayers" | "fused") => {
  const [batch, input, latents, categories] = [100, 784, 20, 10]
  const widths = { enc: [input, 512, 256, latents * categories], dec: [latents * categories, 256, 512, input] }
  let seed = 10
  const layer = (i: number, o: number) => ({
    W: tf.variable(tf.randomNormal([i, o], 0, Math.sqrt(2 / i), "float32", seed++)) as tf.Variable<tf.Rank.R2>,
    b: tf.variable(tf.zeros([o])) as tf.Variable<tf.Rank.R1>
  })
  const enc = [0, 1, 2].map((l) => layer(widths.enc[l]!, widths.enc[l + 1]!))
  const dec = [0, 1, 2].map((l) => layer(widths.dec[l]!, widths.dec[l + 1]!))
  const x = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([batch, input], 0, 1, "float32", 5), 0.7), "float32")) as tf.Tensor2D
  const optimizer = variant === "tfjs" ? tf.train.adam(1e-3) : gpuAdam(1e-3)
  const mlp = (h: tf.Tensor2D, layers: typeof enc) =>
    layers.reduce((a, { W, b }, l) => {
      const relu = l < layers.length - 1
      if (variant !== "tfjs") return gpuDense(a, W, b, { relu, inputGradient: !(layers === enc && l === 0) })
      return relu ? tf.relu(dense(a, W, b)) : dense(a, W, b)
    }, h)
  const key = Key.make(7)
  const loss = (step: number) => {
    const logits = mlp(x, enc).reshape([batch * latents, categories])
    const z = webgpuFusedSample(logits, { noise: Noise.gumbel(), key: Key.fold(key, step), temperature: 1 })
    const out = mlp(z.reshape([batch, latents * categories]) as tf.Tensor2D, dec)
    if (variant === "fused") {
      return tf.add(gpuBernoulliNll(out, x, { scale: 1 / batch }), gpuCategoricalKl(logits as tf.Tensor2D, { scale: 1 / batch })) as tf.Scalar
    }
    // Binary cross-entropy with logits, in the stable form relu(o) − o·x + log(1 + e^−|o|).
    const rec = tf.sum(tf.add(tf.sub(tf.relu(out), tf.mul(out, x)), tf.softplus(tf.neg(tf.abs(out)))))
    const q = tf.softmax(logits)
    const kl = tf.sum(tf.mul(q, tf.add(tf.log(tf.add(q, 1e-20)), Math.log(categories))))
    return tf.div(tf.add(rec, kl), batch) as tf.Scalar
  }
  const variables = [...enc, ...dec].flatMap((l) => [l.W, l.b])
  const step = (i: number) => optimizer.minimize(() => loss(i), true, variables)!
  // The first steps' losses, read one by one: the two variants start from the same weights and
  // noise, so these agree to float32 accuracy (a check of the fused path in the timed setting).
  const firstLosses: Array<number> = []
  for (let i = 0; i < 3; i++) {
    const l = step(i)
    firstLosses.push((await l.data())[0]!)
    l.dispose()
  }
  const ms = await time(VAE_STEPS, 5, (i) => step(i + 3))
  const last = step(VAE_STEPS + 8)
  const lastLoss = (await last.data())[0]!
  last.dispose()
  const timeSynced = await time(1, 0, () => step(VAE_STEPS + 9))
  const counts = await countStep(() => step(VAE_STEPS + 10))
  // Host time of a step (JavaScript, tfjs and Dawn encoding up to the return, GPU idle at the
  // start): the floor of the step time however fast the GPU is. On a software driver (lavapipe)
  // the queue runs on the same CPU cores and Dawn's beginComputePass can wait on it, so there
  // this figure is an upper bound, not the host cost.
  const host: Array<number> = []
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now()
    const l = step(VAE_STEPS + 20 + i)
    host.push(performance.now() - t0)
    await sync(l)
    l.dispose()
  }
  host.sort((a, b) => a - b)
  const numTensors = tf.memory().numTensors
  for (let i = 0; i < 3; i++) step(VAE_STEPS + 11 + i).dispose()
  const tensorsGrowth = tf.memory().numTensors - numTensors
  tf.dispose([x, ...variables])
  optimizer.dispose()
  return {
    variant,
    batch,
    layers: "784-512-256-200 / 200-256-512-784",
    steps: VAE_STEPS,
    stepMs: round(ms),
    singleSyncedStepMs: round(timeSynced),
    hostMsPerStepMedian: round(host[2]!),
    firstLoss: round(firstLosses[0]!, 7),
    firstLosses: firstLosses.map((l) => round(l, 7)),
    lastLoss: round(lastLoss),
    tensorsGrowth,
    ...counts
  }
}

const vae = async () => {
  const tfjs = await vaeStep("tfjs")
  const attempt = async (variant: "fusedLayers" | "fused"): Promise<Record<string, unknown>> => {
    try {
      const r = await vaeStep(variant)
      // The same weights, data and noise: the first losses agree to float32 accuracy.
      const firstLossesMaxRelDiff = Math.max(...tfjs.firstLosses.map((l, i) => Math.abs(l - r.firstLosses[i]!) / Math.abs(l)))
      return { ...r, firstLossesMaxRelDiff, speedup: round(tfjs.stepMs / r.stepMs) }
    } catch (e) {
      return { error: String((e as Error)?.stack ?? e) }
    }
  }
  const fusedLayers = await attempt("fusedLayers")
  const fused = await attempt("fused")
  const goalMs = 10
  return {
    ...tfjs,
    fusedLayers,
    fused,
    goal: { stepMs: goalMs, met: typeof fused.stepMs === "number" ? fused.stepMs <= goalMs : false }
  }
}

const main = async () => {
  const started = performance.now()
  const gpu = await enableWebGPU()
  log("adapter", gpu.adapter, "backend", tf.getBackend())
  const result: Record<string, unknown> = { adapter: gpu.adapter, limits: gpu.limits, sizes: { ROWS, D, ITERS, VAE_STEPS, STAT_N }, dawnCallsCounted: countDawnCalls() }
  // GPU_CHECK_VAE_FLAGS="A=1,B=2;C=false" reruns the VAE step once per ';'-separated set of tfjs
  // flags (e.g. WEBGPU_CPU_FORWARD, WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE), to find per-op overheads.
  const flagSets = (process.env.GPU_CHECK_VAE_FLAGS ?? "").split(";").filter((x) => x.trim() !== "")
  const vaeVariants = async () => {
    const out: Record<string, unknown> = {}
    for (const set of flagSets) {
      const saved: Record<string, unknown> = {}
      for (const kv of set.split(",")) {
        const [k, v] = kv.split("=") as [string, string]
        saved[k] = tf.env().get(k)
        tf.env().set(k, v === "true" ? true : v === "false" ? false : Number(v))
      }
      try {
        out[set] = await vaeStep("tfjs")
        out[`${set} (fused)`] = await vaeStep("fused").catch((e: unknown) => ({ error: String(e) }))
      } catch (e) {
        out[set] = { error: String(e) }
      }
      for (const [k, v] of Object.entries(saved)) tf.env().set(k, v as number | boolean)
    }
    return out
  }
  const stages: Array<[string, () => Promise<unknown>]> = [["agreement", agreement], ["statistics", statistics], ["benchmark", benchmark], ["vae", vae], ["denseAgreement", denseAgreement], ["vaeVariants", vaeVariants]]
  // GPU_CHECK_ONLY=agreement,benchmark runs a subset (for short diagnostic runs on the device).
  const only = process.env.GPU_CHECK_ONLY?.split(",")
  for (const [name, stage] of stages.filter(([n]) => only === undefined || only.includes(n))) {
    const t0 = performance.now()
    try {
      result[name] = await stage()
    } catch (e) {
      result[name] = { error: String((e as Error)?.stack ?? e) }
    }
    log(name, `${round((performance.now() - t0) / 1000, 3)} s`, JSON.stringify(result[name]))
  }
  result.totalSeconds = round((performance.now() - started) / 1000)
  const dir = process.env.OUT ?? join(process.cwd(), "bench", "results")
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, "gpu.json"), `${JSON.stringify(result, null, 2)}\n`)
  log("wrote", join(dir, "gpu.json"))
  // Dawn keeps the event loop alive; the results are written.
  process.exit(0)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
