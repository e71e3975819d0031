/**
 * `compile(model)` turns a model (plain data) into kernels on the active tfjs backend.
 *
 * Shapes: θ is `[..., d]` (float32, any rank ≥ 1; `[d]` and `[n, d]` are the common cases).
 * Samples are `[samples, ..., d]`; `probs` keeps θ's shape, `potential` and `klToUniform` drop its
 * last axis, and `logDensity(y, θ)` broadcasts y `[S, ..., d]` against θ `[..., d]` (NumPy's rule).
 * Every kernel runs on `[rows, d]` underneath; the reshape happens once, at this boundary.
 * Randomness is explicit: every sampling kernel takes a `Key`, and the noise is drawn from that
 * key's counter stream, so the same key gives the same samples on every run and backend.
 *
 * Laws (tested as properties): `P(θ) ∈ Δ`; `P(θ + c𝟙) = P(θ)`; `∇ potential = probs`;
 * Gumbel-Argmax probabilities are `softmax(θ)`; `identify(probs(θ)) = θ` on complete, minimal spaces.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs"
import { Equal, Hash } from "effect"
import type { Key } from "@perturb/noise"
import { noiseTensor } from "@perturb/noise/tfjs"
import { InvalidArgument } from "./Errors.js"
import type { Model } from "./Model.js"

export type {
  ArgmaxMethodCapabilities,
  Availability,
  Capabilities,
  Method,
  MethodCapabilities,
  MethodCapability,
  Refusal,
  SoftmaxMethodCapabilities
} from "./internal/capabilities.js"
export type { EstimateOptions } from "./internal/estimate.js"
export type { PotentialResult, ProbsResult } from "./internal/estimateKernels.js"
export type { IdentifyOptions, IdentifyResult } from "./internal/identify.js"
import { type Capabilities, capabilities as capabilitiesOf, type Method, type MethodCapability, type Refusal } from "./internal/capabilities.js"
import { classify, type NoiseClass } from "./internal/classify.js"
import { leadShape, onRows, rowTemperatures } from "./internal/batch.js"
import { checkSimplex, logDensity as densityOf } from "./internal/density.js"
import { checkKey, checkSamples, DEFAULT_KEY, DEFAULT_SAMPLES, type EstimateOptions, estimateOptions, tidyResult } from "./internal/estimate.js"
import { estimateKernels, type PotentialResult, type ProbsResult } from "./internal/estimateKernels.js"
import { exactProbs } from "./internal/exact.js"
import { checkSampleSize } from "./internal/limits.js"
import { wasmFusedSample } from "./internal/fused.js"
import { type IdentifyOptions, type IdentifyResult, makeIdentify } from "./internal/identify.js"
import { freeDim, toTheta } from "./internal/param.js"
import { checkLive, checkTemperatureTensor, checkTensor, customOp, temperedSoftmax } from "./internal/tensors.js"
import { checkModel, checkOptions, relaxedTemperature } from "./internal/validate.js"
import type { ExactMethod } from "./methods/registry.js"

/**
 * The kernels `compile` returns for one model: sampling, probabilities, the potential, densities
 * and the inverse map, each a tfjs function of θ `[..., d]` (see the module comment for shapes).
 * They hold no tensors of their own; every tensor they return is the caller's to dispose.
 *
 * @example
 * import { compile, Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const k = compile(Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.gumbel() }))
 * k.dim // 3
 * k.capabilities.identify // { available: true }
 * @since 0.1.0
 * @category kernels
 */
export interface Kernels<M extends Model = Model> {
  /**
   * The model these kernels were compiled from (the cache key: an equal model gets these kernels).
   *
   * @example
   * import { compile, Model, Space } from "@perturb/core"
   * import { Noise } from "@perturb/noise"
   * const model = Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.normal() })
   * compile(model).model === model // true
   * @since 0.1.0
   */
  readonly model: M
  /**
   * What these kernels can do for this model and noise, decided by the same functions the kernels
   * read: which `probs`/`potential` methods run (and, for each, whether it has a gradient and
   * whether its result is exact or carries `stdError`/`errorBound`), and whether `identify`,
   * `logDensity` and `klToUniform` apply — each refusal holds the typed error the call would throw.
   * Methods a model kind never runs are refusals in the type too (`exact` for Perturb-Softmax).
   *
   * @example
   * import { compile, Model, Space } from "@perturb/core"
   * import { Noise } from "@perturb/noise"
   * const k = compile(Model.perturbSoftmax({ space: Space.pinned(3), noise: Noise.gumbel(), temperature: 0.5 }))
   * k.capabilities.logDensity.available // true: the Concrete density
   * @since 0.2.0
   */
  readonly capabilities: Capabilities<M>
  /**
   * d, the number of outcomes: the last axis of θ, of samples and of `probs`.
   *
   * @example
   * import { compile, Model, Space } from "@perturb/core"
   * import { Noise } from "@perturb/noise"
   * compile(Model.perturbArgmax({ space: Space.pinned(4), noise: Noise.gumbel() })).dim // 4
   * @since 0.1.0
   */
  readonly dim: number
  /**
   * k, the number of free parameters u that `theta` maps onto Θ (d − 1 for `Space.pinned(d)`).
   *
   * @example
   * import { compile, Model, Space } from "@perturb/core"
   * import { Noise } from "@perturb/noise"
   * compile(Model.perturbArgmax({ space: Space.pinned(4), noise: Noise.gumbel() })).freeDim // 3
   * @since 0.1.0
   */
  readonly freeDim: number
  /**
   * Free parameters u (`[k]` or `[n, k]`) → θ ∈ Θ, differentiable: optimise u, never θ directly,
   * and every step stays in the space.
   *
   * @example
   * import { compile, Model, Space } from "@perturb/core"
   * import { Noise } from "@perturb/noise"
   * import * as tf from "@tensorflow/tfjs"
   * const k = compile(Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.gumbel() }))
   * k.theta(tf.tensor1d([1, 2])).print() // [0, 1, 2]: pinned spaces fix θ₀ = 0
   * @since 0.1.0
   */
  theta(u: tf.Tensor): tf.Tensor
  /**
   * `samples` draws `[samples, ..., d]` for θ `[..., d]`: relaxed samples softmax((θ+γ)/τ)
   * (Perturb-Softmax, reparameterised, so gradients reach θ and a tensor `temperature`) or one-hot
   * argmax(θ+γ) (Perturb-Argmax, no gradient). The noise γ comes from `key`'s counter stream, so
   * the same key gives the same samples on every run and backend.
   *
   * @example
   * import { compile, Model, Space } from "@perturb/core"
   * import { Key, Noise } from "@perturb/noise"
   * import * as tf from "@tensorflow/tfjs"
   * const k = compile(Model.perturbSoftmax({ space: Space.pinned(3), noise: Noise.gumbel(), temperature: 0.5 }))
   * const y = k.sample(tf.tensor1d([0, 1, 2]), { samples: 4, key: Key.make(0) })
   * y.shape // [4, 3], each row on the simplex
   * @since 0.1.0
   */
  sample(theta: tf.Tensor, options: { readonly samples: number; readonly key: Key.Key; readonly temperature?: number | tf.Tensor }): tf.Tensor
  /**
   * One-hot forward, relaxed softmax((θ+γ)/τ) backward (τ = the model's, or 1 for argmax models):
   * the straight-through estimator, for training through discrete choices. Same shapes and key
   * semantics as `sample`.
   *
   * @example
   * import { compile, Model, Space } from "@perturb/core"
   * import { Key, Noise } from "@perturb/noise"
   * import * as tf from "@tensorflow/tfjs"
   * const k = compile(Model.perturbSoftmax({ space: Space.pinned(3), noise: Noise.gumbel(), temperature: 0.5 }))
   * const grad = tf.grad((t: tf.Tensor) => k.sampleStraightThrough(t, { samples: 8, key: Key.make(1) }).mul(tf.tensor1d([0, 0, 1])).sum())
   * grad(tf.tensor1d([0, 1, 2])).print() // non-zero: the relaxed backward pass
   * @since 0.2.0
   */
  sampleStraightThrough(theta: tf.Tensor, options: { readonly samples: number; readonly key: Key.Key; readonly temperature?: number | tf.Tensor }): tf.Tensor
  /**
   * P(θ), the outcome probabilities, with θ's shape. The default method is the best the model has
   * (`capabilities.probs` lists them): exact and differentiable where a closed form or 1-D
   * quadrature exists (Perturb-Argmax with independent noise), else a quasi-Monte Carlo estimate
   * carrying `stdError`. `options` picks the method, the number of points and the key.
   *
   * @example
   * import { compile, Model, Space } from "@perturb/core"
   * import { Noise } from "@perturb/noise"
   * import * as tf from "@tensorflow/tfjs"
   * const k = compile(Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.gumbel() }))
   * k.probs(tf.tensor1d([0, 1, 2])).probs.print() // softmax([0, 1, 2]) = [0.090, 0.245, 0.665]
   * @since 0.1.0
   */
  probs(theta: tf.Tensor, options?: EstimateOptions): ProbsResult
  /**
   * The potential (M for Perturb-Argmax, F for Perturb-Softmax), whose gradient is `probs` on the
   * same points. Exact where `probs` is; a sampled or randomised potential carries `stdError`, a
   * `quadrature` one `errorBound` (see `PotentialResult`). θ `[..., d]` gives `[...]`.
   *
   * @example
   * import { compile, Model, Space } from "@perturb/core"
   * import { Noise } from "@perturb/noise"
   * import * as tf from "@tensorflow/tfjs"
   * const k = compile(Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.gumbel() }))
   * k.potential(tf.tensor1d([0, 1, 2])).potential.print() // logsumexp + Euler's γ: 2.985
   * @since 0.1.0
   */
  potential(theta: tf.Tensor, options?: EstimateOptions): PotentialResult
  /**
   * log p(y), w.r.t. Lebesgue measure on the first d − 1 coordinates. y must lie on the simplex:
   * entries ≥ 0 summing to 1 within float32 rounding (else `InvalidArgument` naming `y`). An entry
   * that is exactly 0 (a float32 underflow at small τ) is read as 2^-149, the smallest positive
   * float32, so the model's own samples get a finite value at every τ (see internal/density.ts).
   * y `[S, ..., d]` broadcasts against θ `[..., d]`; the result drops the last axis.
   *
   * @example
   * import { compile, Model, Space } from "@perturb/core"
   * import { Key, Noise } from "@perturb/noise"
   * import * as tf from "@tensorflow/tfjs"
   * const k = compile(Model.perturbSoftmax({ space: Space.pinned(3), noise: Noise.gumbel(), temperature: 0.5 }))
   * const theta = tf.tensor1d([0, 1, 2])
   * k.logDensity(k.sample(theta, { samples: 5, key: Key.make(0) }), theta).shape // [5]
   * @since 0.1.0
   */
  logDensity(y: tf.Tensor, theta: tf.Tensor): tf.Tensor
  /**
   * KL(P_argmax(θ) ‖ uniform) with the model noise's exact argmax probabilities, exact to float64
   * rounding (then float32) and differentiable: a bare tensor, meant as a training loss. Correlated
   * Gaussian noise at d ≥ 3 has no exact argmax probabilities (Genz's lattice only estimates them),
   * so there it throws `NoClosedForm` rather than return an estimate without its error: use
   * `probs(θ, { method: "exact" })`, which carries its `stdError`, and `klCategorical`.
   *
   * @example
   * import { compile, Model, Space } from "@perturb/core"
   * import { Noise } from "@perturb/noise"
   * import * as tf from "@tensorflow/tfjs"
   * const k = compile(Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.gumbel() }))
   * k.klToUniform(tf.zeros([3])).print() // 0: P(0) is uniform
   * @since 0.1.0
   */
  klToUniform(theta: tf.Tensor): tf.Tensor
  /**
   * The inverse map θ = P⁻¹(p) on a complete, minimal space (an affine hyperplane transversal to 𝟙).
   * Throws `NotUnique` where P is not one-to-one there (see `analyze`), `InvalidArgument` for bad
   * input, and `NotConverged` (with the best θ and its residual attached) when `tol` is not met
   * within `maxIterations` or no step improves: never a quiet θ. Perturb-Argmax with non-Gumbel
   * continuous noise refuses p_i < 1e-20, below which the exact probabilities are not certified to
   * a relative 1e-10.
   *
   * @example
   * import { compile, Model, Space } from "@perturb/core"
   * import { Noise } from "@perturb/noise"
   * const k = compile(Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.gumbel() }))
   * k.identify([0.2, 0.3, 0.5]).theta // [0, log 1.5, log 2.5]: Gumbel inverts softmax
   * @since 0.1.0
   */
  identify(p: ArrayLike<number>, options?: IdentifyOptions): IdentifyResult
}

type SampleOptions = { readonly samples: number; readonly key: Key.Key; readonly temperature?: number | tf.Tensor }

/** `sample`'s options are required: `samples` and `key` have no defaults. */
const sampleOptions = (options: SampleOptions): SampleOptions => checkOptions("options", options, true) as SampleOptions

/** How many compiled models `compile` keeps; beyond it the least recently used is dropped. */
const CACHE_SIZE = 64
// Most recently used last. Models are values (`Equal`/`Hash`), so equal specs share one set of
// kernels: validation, classification and the capability plan (identify's affine hull, O(d³) for a
// general affine space) run once per model, not once per call site.
// Each entry keeps its model's hash: a hit costs one hash of the asked model, not one per entry
// (gumbelSoftmax and the layer compile on every call).
const compiled: Array<{ readonly hash: number; readonly kernels: Kernels }> = []

/**
 * Kernels for `model`, from a cache keyed by the model's value (`Equal.equals`): compiling an equal
 * model again returns the same kernels object. Kernels hold no tensors, so a cached entry stays
 * valid across backends and `tf.disposeVariables()`.
 *
 * @example
 * import { compile, Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * compile(Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.normal() })).dim // 3
 * @since 0.1.0
 * @category kernels
 */
export const compile = <M extends Model>(model: M): Kernels<M> => {
  checkModel(model)
  const hash = Hash.hash(model)
  const at = compiled.findIndex((e) => e.hash === hash && Equal.equals(e.kernels.model, model))
  if (at >= 0) {
    const [hit] = compiled.splice(at, 1)
    compiled.push(hit!)
    // Equal models have the same kind, so the kernels built for one serve the other's type.
    return hit!.kernels as Kernels<M>
  }
  const kernels = build(model)
  compiled.push({ hash, kernels })
  if (compiled.length > CACHE_SIZE) compiled.shift()
  return kernels
}

const build = <M extends Model>(model: M): Kernels<M> => {
  const d = model.space.dim
  const cls: NoiseClass = classify(model.noise, d)
  const softmax = model._tag === "PerturbSoftmax"
  // Decided on first use (identify's plan needs the affine hull), then read by every kernel call.
  const decided = capabilitiesOf(model, cls)
  const capabilities = (): Capabilities<M> => decided.capabilities
  /** The method's capability, or its refusal thrown: the kernels' only decision on what runs. */
  const runs = (kernel: "probs" | "potential", method: Method): MethodCapability => {
    const cap: MethodCapability | Refusal = capabilities()[kernel][method]
    if (!cap.available) throw cap.error
    return cap
  }
  /** The registry's exact method, read where a capability already admitted it. */
  const exact = (): ExactMethod => {
    const method = decided.exact()
    if (method instanceof InvalidArgument) throw method
    return method
  }

  const noiseFor = (theta: tf.Tensor, samples: number, key: Key.Key): tf.Tensor => {
    const rows = theta.rank === 1 ? 1 : theta.shape[0]!
    return noiseTensor(model.noise, key, [samples * rows, d]).reshape(theta.rank === 1 ? [samples, d] : [samples, rows, d])
  }
  const temperatureFor = (theta: tf.Tensor, t: number | tf.Tensor): number | tf.Tensor =>
    typeof t === "number" ? t : theta.rank === 1 ? t.reshape([]) : t.reshape([1, theta.shape[0]!, 1])

  const relaxed = (theta: tf.Tensor, options: { samples: number; key: Key.Key; temperature?: number | tf.Tensor }, fallback: number) => {
    const samples = checkSamples("samples", options.samples)
    const key = checkKey(options.key)
    const rows = theta.rank === 1 ? 1 : theta.shape[0]!
    checkSampleSize(samples, rows, d)
    const tau = checkTemperatureTensor("temperature", options.temperature ?? fallback, rows)
    const perturbed = tf.add(theta, noiseFor(theta, samples, key))
    return { perturbed, tau: temperatureFor(theta, tau) }
  }
  const oneHot = (perturbed: tf.Tensor) => tf.cast(tf.oneHot(tf.argMax(perturbed, -1), d), "float32")

  const estimate = estimateKernels(model, runs, decided.exact)

  /**
   * A sampling kernel on θ `[..., d]`: rank 1 and 2 as they are; higher ranks as `[rows, d]`, a
   * per-row temperature tensor shaped like θ's leading axes flattened alike, and the samples
   * `[samples, rows, d]` reshaped to `[samples, ..., d]`.
   */
  const onSampleRows = (theta: tf.Tensor, given: SampleOptions, run: (theta: tf.Tensor, options: SampleOptions) => tf.Tensor): tf.Tensor => {
    const options = sampleOptions(given)
    const x = checkTensor("theta", theta, d, { finite: false, anyRank: true })
    if (x.rank <= 2) return run(x, options)
    const lead = leadShape(x)
    const t = options.temperature
    const rowOptions = t instanceof tf.Tensor ? { ...options, temperature: rowTemperatures(t, lead) } : options
    const out = run(x.reshape([-1, d]), rowOptions)
    return out.reshape([out.shape[0]!, ...lead, d])
  }

  const identify = makeIdentify(model, decided.plan)

  return {
    model,
    get capabilities() {
      return capabilities()
    },
    dim: d,
    freeDim: freeDim(model.space),
    theta: (u) =>
      tf.tidy(() => {
        checkLive("u", u, "a tf.Tensor of rank 1 or 2")
        // The same boundary as θ gets: rank, dtype, k, and a NaN/±∞ turned into an error (not on webgpu).
        checkTensor("u", u, freeDim(model.space))
        const rows = u.rank === 1 ? 1 : u.shape[0]!
        return toTheta(model.space, u.reshape([rows, u.shape[u.rank - 1]!]) as tf.Tensor2D).reshape(u.rank === 1 ? [d] : [rows, d])
      }),
    sample: (theta, options) =>
      tf.tidy(() =>
        onSampleRows(theta, options, (theta, options) => {
          const fused = wasmFusedSample(model, theta, options, softmax ? "relaxed" : "hard")
          if (fused !== undefined) return fused
          checkTensor("theta", theta, d)
          const { perturbed, tau } = relaxed(theta, options, relaxedTemperature(model))
          return softmax ? temperedSoftmax(perturbed, tau) : oneHot(perturbed)
        })
      ),
    sampleStraightThrough: (theta, options) =>
      tf.tidy(() =>
        onSampleRows(theta, options, (theta, options) => {
          const fused = wasmFusedSample(model, theta, options, "straightThrough")
          if (fused !== undefined) return fused
          checkTensor("theta", theta, d)
          const { perturbed, tau } = relaxed(theta, options, relaxedTemperature(model))
          const straight = customOp(([soft]) => ({ value: oneHot(soft!), gradFunc: (dy) => dy }))
          return straight(temperedSoftmax(perturbed, tau))
        })
      ),
    probs: (theta, options) => {
      estimateOptions(options)
      return tidyResult(() => estimate.probs(theta, options))
    },
    potential: (theta, options) => {
      estimateOptions(options)
      return tidyResult(() => estimate.potential(theta, options))
    },
    logDensity: (y, theta) =>
      tf.tidy(() => {
        const ys = checkTensor("y", y, d, { anyRank: true })
        const thetas = checkTensor("theta", theta, d, { anyRank: true })
        checkSimplex("y", ys, d)
        const can = capabilities().logDensity
        if (!can.available) throw can.error
        return densityOf(model.noise, d, ys, thetas, relaxedTemperature(model))
      }),
    klToUniform: (theta) =>
      tf.tidy(() => {
        checkTensor("theta", theta, d, { anyRank: true })
        const can = capabilities().klToUniform
        if (!can.available) throw can.error
        return onRows(theta, (rows) => {
          const p = exactProbs(exact(), rows, d, { samples: DEFAULT_SAMPLES, key: DEFAULT_KEY })
          return tf.add(tf.sum(tf.mul(p, tf.log(tf.maximum(p, 1e-30))), -1), Math.log(d))
        }, (kl, unflatten) => unflatten(kl))
      }),
    identify
  }
}
