/**
 * Fused Perturb-Softmax / Perturb-Argmax sampling on the webgpu backend: noise, perturbation,
 * tempered softmax (or argmax) and the backward pass each run as one WGSL dispatch, with the
 * noise drawn in the shader from the key's Philox stream — the same numbers as the CPU path.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu"
import { Key, Noise, type NoiseLike } from "@perturb/noise"
import { DimensionMismatch, InvalidArgument } from "../Errors.js"
import { type KernelLaw, kernelLaw, LAW_IDS } from "../internal/kernelLaw.js"
import { requireWebGPU } from "../internal/kernels.js"
import { checkTemperature } from "../internal/temperature.js"
import {
  ArgmaxProgram,
  blocksPerThread,
  MAX_BLOCKS_PER_THREAD,
  SoftmaxGradProgram,
  SoftmaxProgram,
  StreamProgram
} from "./kernels.js"

/**
 * The sample kind: `relaxed` = softmax((θ + γ)/τ); `hard` = one-hot argmax(θ + γ) (no gradient);
 * `straightThrough` = the hard sample forward, the relaxed sample's gradient backward.
 *
 * @example
 * import type { FusedMode } from "@perturb/core/gpu"
 * const mode: FusedMode = "straightThrough" // one-hot forward, relaxed backward
 * @since 0.1.0
 * @category models
 */
export type FusedMode = "relaxed" | "hard" | "straightThrough"

/**
 * @example
 * import { Key, Noise } from "@perturb/noise"
 * import type { FusedSampleOptions } from "@perturb/core/gpu"
 * const options: FusedSampleOptions = { noise: Noise.gumbel(), key: Key.make(1), temperature: 0.5, mode: "hard" }
 * @since 0.1.0
 * @category models
 */
export interface FusedSampleOptions {
  /** I.i.d. noise with a closed-form quantile: Gumbel, Normal, Logistic, Laplace, Cauchy, Uniform, Exponential. */
  readonly noise: NoiseLike
  /** The key: the same key draws the same noise as the CPU samplers. */
  readonly key: Key.Key
  /** A positive number, or per-row temperatures (`[rows]` or `[rows, 1]`) for θ of shape `[rows, d]`. Default 1. */
  readonly temperature?: number | tf.Tensor
  /** Relaxed softmax (default), hard one-hot, or one-hot forward with a relaxed backward. */
  readonly mode?: FusedMode
  /** Draws per row of θ; when given the output is `[samples, ...θ.shape]` (as `compile(model).sample`). */
  readonly samples?: number
}

type LawParams = KernelLaw

/**
 * The kernel's law and parameters for i.i.d. noise in d coordinates, or a typed error naming why
 * the noise has no fused kernel.
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * import { gpuLaw } from "@perturb/core/gpu"
 * gpuLaw(Noise.gumbel(), 10) // the WGSL kernel's law id and parameters; no GPU needed
 * @since 0.1.0
 * @category gpu
 */
export const gpuLaw = (noise: NoiseLike, d: number): LawParams => {
  if (!Noise.isNoise(noise)) throw new InvalidArgument({ argument: "noise", value: noise, reason: "Expected a noise law" })
  const law = kernelLaw(noise, d)
  if (typeof law === "string") {
    throw new InvalidArgument({
      argument: "noise",
      value: noise._tag,
      reason: `${law}; the fused GPU kernels take i.i.d. ${Object.keys(LAW_IDS).join(", ")} noise (use compile(model).sample for others)`
    })
  }
  return law
}

type Uniform = { type: "int32" | "uint32" | "float32"; data: Array<number> }

const uniformsFor = (d: number, rows: number, thetaRows: number, key: Key.Key, law: LawParams): Array<Uniform> => [
  { type: "int32", data: [d] },
  { type: "int32", data: [rows] },
  { type: "int32", data: [thetaRows] },
  { type: "uint32", data: [key.k0] },
  { type: "uint32", data: [key.k1] },
  { type: "float32", data: [law.p0] },
  { type: "float32", data: [law.p1] }
]

const run = (
  program: Parameters<WebGPUBackend["runWebGPUProgram"]>[0],
  inputs: Array<tf.Tensor>,
  uniforms: Array<Uniform>
): tf.Tensor => {
  const info = requireWebGPU("gpuSample").runWebGPUProgram(program, inputs, "float32", uniforms)
  return tf.engine().makeTensorFromTensorInfo(info)
}

const checkKey = (key: unknown): Key.Key => {
  if (!Key.isKey(key)) throw new InvalidArgument({ argument: "key", value: key, reason: "Expected a Key (Key.make(seed))" })
  return key
}

const checkCount = (argument: string, n: unknown): number => {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) throw new InvalidArgument({ argument, value: n, reason: "Expected a positive integer" })
  return n
}

// Flat indices are i32 in the shaders.
const MAX_ELEMENTS = 2 ** 31 - 1

/**
 * Fused Perturb-Softmax / Perturb-Argmax samples of θ (`[d]` or `[rows, d]`, float32) on the
 * webgpu backend. Draw s of row i uses the noise row `s·rows + i` of the key's stream, so the
 * result equals `compile(model).sample(θ, { samples, key })` (relaxed; `sampleStraightThrough`
 * for `straightThrough`; the argmax model's `sample` for `hard`) up to float32 rounding, and the
 * uniforms are bit-identical to `Random.uniform32`.
 *
 * Gradients: `relaxed` and `straightThrough` give dθ = Σ_s y∘(dy − ⟨dy, y⟩)/τ, computed by one
 * fused kernel (from the saved y, or for `straightThrough` by re-deriving y from the key); `hard`
 * has zero gradient. Temperatures get no gradient.
 *
 * @example
 * ```ts webgpu
 * import * as tf from "@tensorflow/tfjs-core"
 * import { Key, Noise } from "@perturb/noise"
 * import { enableWebGPU, webgpuFusedSample } from "@perturb/core/gpu"
 * await enableWebGPU()
 * const y = webgpuFusedSample(tf.zeros([4, 10]), { noise: Noise.gumbel(), key: Key.make(1), temperature: 0.5 }) // [4, 10]
 * ```
 * @since 0.2.0
 * @category kernels
 */
export const webgpuFusedSample = (theta: tf.Tensor, options: FusedSampleOptions): tf.Tensor =>
  tf.tidy(() => {
    if (!(theta instanceof tf.Tensor)) throw new InvalidArgument({ argument: "theta", value: theta, reason: "Expected a tf.Tensor of rank 1 or 2" })
    if (theta.dtype !== "float32") throw new InvalidArgument({ argument: "theta", value: theta.dtype, reason: "Expected dtype float32" })
    if (theta.rank !== 1 && theta.rank !== 2) throw new InvalidArgument({ argument: "theta", value: theta.shape, reason: "Expected rank 1 ([d]) or 2 ([rows, d])" })
    const d = theta.shape[theta.rank - 1]!
    const R = theta.rank === 1 ? 1 : theta.shape[0]!
    if (blocksPerThread(d) > MAX_BLOCKS_PER_THREAD) {
      throw new InvalidArgument({ argument: "theta", value: theta.shape, reason: `rows longer than ${256 * (4 * MAX_BLOCKS_PER_THREAD - 2)} values are not supported by the fused kernels` })
    }
    const key = checkKey(options.key)
    const mode = options.mode ?? "relaxed"
    if (!["relaxed", "hard", "straightThrough"].includes(mode)) {
      throw new InvalidArgument({ argument: "mode", value: mode, reason: 'Expected "relaxed", "hard" or "straightThrough"' })
    }
    const S = options.samples === undefined ? 1 : checkCount("samples", options.samples)
    const rows = S * R
    if (rows * d > MAX_ELEMENTS) throw new InvalidArgument({ argument: "samples", value: S, reason: `the output would exceed 2^31 − 1 elements` })
    const law = gpuLaw(options.noise, d)
    const t = options.temperature ?? 1
    let tau: tf.Tensor
    if (typeof t === "number") {
      tau = tf.fill([R], checkTemperature("temperature", t), "float32")
    } else {
      if (!(t instanceof tf.Tensor)) throw new InvalidArgument({ argument: "temperature", value: t, reason: "Expected a number or a tf.Tensor" })
      if (!(t.rank === 1 || (t.rank === 2 && t.shape[1] === 1)) || t.shape[0] !== R) {
        throw new DimensionMismatch({ argument: "temperature.shape", expected: R, received: t.shape[0] ?? 0 })
      }
      tau = tf.cast(t, "float32").reshape([R])
    }
    const uniforms = uniformsFor(d, rows, R, key, law)
    const outShape: [number, number] = [rows, d]
    const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [x, temp] = args as [tf.Tensor2D, tf.Tensor1D]
      const save = args[2] as tf.GradSaveFunc
      if (mode === "hard") {
        const value = run(new ArgmaxProgram(outShape, law.id), [x], uniforms)
        return { value, gradFunc: () => [tf.zerosLike(x), tf.zerosLike(temp)] }
      }
      const value = mode === "relaxed"
        ? run(new SoftmaxProgram(outShape, law.id, false), [x, temp], uniforms)
        : run(new ArgmaxProgram(outShape, law.id), [x], uniforms)
      save(mode === "relaxed" ? [value, temp] : [x, temp])
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: Array<tf.Tensor>) => {
          const dyc = tf.cast(dy, "float32")
          const perDraw = mode === "relaxed"
            ? run(new SoftmaxGradProgram(outShape), [saved[0]!, dyc, saved[1]!], uniforms)
            : run(new SoftmaxProgram(outShape, law.id, true), [saved[0]!, saved[1]!, dyc], uniforms)
          const dtheta = S === 1 ? perDraw : tf.sum(perDraw.reshape([S, R, d]), 0)
          return [dtheta, tf.zerosLike(temp)]
        }
      }
    })
    const y = op(theta.reshape([R, d]), tau)
    return options.samples === undefined ? y.reshape(theta.shape) : y.reshape([S, ...theta.shape])
  })

/**
 * The former name of `webgpuFusedSample`.
 *
 * @deprecated Use `webgpuFusedSample` (the same function).
 * @example
 * ```ts webgpu
 * import * as tf from "@tensorflow/tfjs-core"
 * import { Key, Noise } from "@perturb/noise"
 * import { enableWebGPU, fusedSample } from "@perturb/core/gpu"
 * await enableWebGPU()
 * const y = fusedSample(tf.zeros([4, 10]), { noise: Noise.gumbel(), key: Key.make(1), temperature: 0.5 })
 * ```
 * @since 0.1.0
 * @category kernels
 */
export const fusedSample = webgpuFusedSample

/**
 * `Random.uniform32(key, n)` computed on the GPU: bit-identical, as a float32 `[n]` tensor.
 *
 * @example
 * ```ts webgpu
 * import { Key, Random } from "@perturb/noise"
 * import { enableWebGPU, gpuUniform32 } from "@perturb/core/gpu"
 * await enableWebGPU()
 * const u = await gpuUniform32(Key.make(1), 8).data() // equals Random.uniform32(Key.make(1), 8)
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const gpuUniform32 = (key: Key.Key, n: number): tf.Tensor1D => {
  const k = checkKey(key)
  checkCount("n", n)
  if (n > MAX_ELEMENTS) throw new InvalidArgument({ argument: "n", value: n, reason: "Expected at most 2^31 − 1 values" })
  return run(new StreamProgram(n, 0, "uniform"), [], uniformsFor(n, 1, 1, k, { id: 0, p0: 0, p1: 1 })) as tf.Tensor1D
}

/**
 * `Noise.sampleVector32(noise, key, n, d)` computed on the GPU for i.i.d. noise with a closed-form
 * quantile: the same stream words, transforms in float32 (within a few ulps of the CPU).
 *
 * @example
 * ```ts webgpu
 * import { Key, Noise } from "@perturb/noise"
 * import { enableWebGPU, gpuNoise } from "@perturb/core/gpu"
 * await enableWebGPU()
 * gpuNoise(Noise.gumbel(), Key.make(1), 4, 3).print() // Noise.sampleVector32(…, 4, 3), within ulps
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const gpuNoise = (noise: NoiseLike, key: Key.Key, n: number, d: number): tf.Tensor2D => {
  const k = checkKey(key)
  checkCount("n", n)
  checkCount("d", d)
  if (n * d > MAX_ELEMENTS) throw new InvalidArgument({ argument: "n", value: n, reason: "Expected n·d at most 2^31 − 1" })
  const law = gpuLaw(noise, d)
  return run(new StreamProgram(n * d, law.id, "noise"), [], uniformsFor(n * d, 1, 1, k, law)).reshape([n, d]) as tf.Tensor2D
}
