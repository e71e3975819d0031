/**
 * `compile(model)` turns a model (plain data) into kernels on the active tfjs backend.
 *
 * Shapes: θ is `[d]` or `[n, d]` (float32). Samples are `[samples, d]` or `[samples, n, d]`.
 * Randomness is explicit: every sampling kernel takes a `Key`, and the noise is drawn from that
 * key's counter stream, so the same key gives the same samples on every run and backend.
 *
 * Laws (tested as properties): `P(θ) ∈ Δ`; `P(θ + c𝟙) = P(θ)`; `∇ potential = probs`;
 * Gumbel-Argmax probabilities are `softmax(θ)`; `identify(probs(θ)) = θ` on complete, minimal spaces.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs"
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
export type { IdentifyOptions, IdentifyResult } from "./internal/identify.js"
import {
  type Capabilities,
  capabilities as capabilitiesOf,
  type Method,
  type MethodCapability,
  NEEDS_EXACT_ARGMAX,
  type Refusal,
  weightsFromExactArgmax
} from "./internal/capabilities.js"
import { classify, type NoiseClass } from "./internal/classify.js"
import { controlVariateProbs } from "./internal/controlVariate.js"
import { checkSimplex, logDensity as densityOf } from "./internal/density.js"
import {
  argmaxFrequencies,
  averageOverPoints,
  checkKey,
  checkSamples,
  DEFAULT_KEY,
  DEFAULT_LATTICE_POINTS,
  DEFAULT_SAMPLES,
  defaultNodes,
  type EstimateOptions,
  estimateOptions,
  quadratureErrorBound,
  softmaxPoints,
  squeezeRows,
  tidyResult
} from "./internal/estimate.js"
import { exactPotential, exactProbs, exactProbsWithError, exactRow } from "./internal/exact.js"
import { checkEstimatorWork, checkSampleSize, defaultSamples } from "./internal/limits.js"
import { wasmFusedSample } from "./internal/fused.js"
import { type IdentifyOptions, type IdentifyResult, makeIdentify } from "./internal/identify.js"
import { freeDim, toTheta } from "./internal/param.js"
import { stratifiedProbs } from "./internal/stratified.js"
import { checkLive, checkTemperatureTensor, checkTensor, customOp, temperedLogSumExp, temperedSoftmax } from "./internal/tensors.js"
import { checkModel, checkOptions } from "./internal/validate.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface ProbsResult {
  readonly probs: tf.Tensor
  /**
   * Standard error of each probability for sampled estimates (`mc`, `qmc`, `stratified`) and for
   * the correlated Gaussian's `exact` (a randomised lattice: the spread of its shifts). A result
   * with neither `stdError` nor `errorBound` is exact to float64 rounding (then float32).
   */
  readonly stdError?: tf.Tensor
  /**
   * `quadrature` only: max_i |Q_n − Q_⌈n/2⌉| over each row (the same for every entry of the row),
   * the change from halving the nodes per axis, a bound on the error of Q_n (the rule converges
   * algebraically, so the coarser error dominates).
   *
   * @since 0.2.0
   */
  readonly errorBound?: tf.Tensor
  /**
   * With `jacobian: true` (Perturb-Argmax, sampled): ∂P/∂θ as `[d, d]` (`[rows, d, d]`),
   * `jacobian[i][k] = ∂P_i/∂θ_k`, by the score-function estimator −E[onehot_i(θ + γ) ∂_k log g(γ)],
   * and its standard error. tf.grad through `probs` uses the same estimator.
   *
   * @since 0.2.0
   */
  readonly jacobian?: tf.Tensor
  readonly jacobianStdError?: tf.Tensor
  readonly method: Method
}

/**
 * The potential M(θ) (Perturb-Argmax, E max(θ + γ)) or F(θ) (Perturb-Softmax, E τ logsumexp((θ + γ)/τ))
 * of each row, with how far it may be off, by the conventions of `ProbsResult`.
 *
 * @since 0.2.0
 * @category models
 */
export interface PotentialResult {
  /** `[]` for θ `[d]`, `[rows]` for θ `[rows, d]`; differentiable, ∇potential = probs on the same points. */
  readonly potential: tf.Tensor
  /**
   * Standard error of each row's potential for sampled estimates (`mc`: per-point variance; `qmc`:
   * the spread of independent replicates) and for the correlated Gaussian's `exact` at d ≥ 3 (a
   * randomised lattice: the spread of its shifts). A result with neither `stdError` nor
   * `errorBound` is exact to float64 rounding (then float32).
   */
  readonly stdError?: tf.Tensor
  /**
   * `quadrature` only: |Q_n − Q_⌈n/2⌉| for each row, the change from halving the nodes per axis, a
   * bound on the error of Q_n (as for `ProbsResult.errorBound`).
   */
  readonly errorBound?: tf.Tensor
  readonly method: Method
}

/**
 * @since 0.1.0
 * @category kernels
 */
export interface Kernels<M extends Model = Model> {
  readonly model: M
  /**
   * What these kernels can do for this model and noise, decided by the same functions the kernels
   * read: which `probs`/`potential` methods run (and, for each, whether it has a gradient and
   * whether its result is exact or carries `stdError`/`errorBound`), and whether `identify`,
   * `logDensity` and `klToUniform` apply — each refusal holds the typed error the call would throw.
   * Methods a model kind never runs are refusals in the type too (`exact` for Perturb-Softmax).
   *
   * @since 0.2.0
   */
  readonly capabilities: Capabilities<M>
  readonly dim: number
  readonly freeDim: number
  /** Free parameters u (`[k]` or `[n, k]`) → θ ∈ Θ, differentiable. */
  theta(u: tf.Tensor): tf.Tensor
  /** Relaxed samples (Perturb-Softmax) or one-hot samples (Perturb-Argmax). */
  sample(theta: tf.Tensor, options: { readonly samples: number; readonly key: Key.Key; readonly temperature?: number | tf.Tensor }): tf.Tensor
  /** One-hot forward, relaxed softmax((θ+γ)/τ) backward (τ = the model's, or 1 for argmax models). */
  sampleStraightThrough(theta: tf.Tensor, options: { readonly samples: number; readonly key: Key.Key; readonly temperature?: number | tf.Tensor }): tf.Tensor
  probs(theta: tf.Tensor, options?: EstimateOptions): ProbsResult
  /**
   * The potential (M for Perturb-Argmax, F for Perturb-Softmax), whose gradient is `probs` on the
   * same points. Exact where `probs` is; a sampled or randomised potential carries `stdError`, a
   * `quadrature` one `errorBound` (see `PotentialResult`).
   */
  potential(theta: tf.Tensor, options?: EstimateOptions): PotentialResult
  /**
   * log p(y), w.r.t. Lebesgue measure on the first d − 1 coordinates. y must lie on the simplex:
   * entries ≥ 0 summing to 1 within float32 rounding (else `InvalidArgument` naming `y`). An entry
   * that is exactly 0 (a float32 underflow at small τ) is read as 2^-149, the smallest positive
   * float32, so the model's own samples get a finite value at every τ (see internal/density.ts).
   */
  logDensity(y: tf.Tensor, theta: tf.Tensor): tf.Tensor
  /**
   * KL(P_argmax(θ) ‖ uniform) with the model noise's exact argmax probabilities, exact to float64
   * rounding (then float32) and differentiable: a bare tensor, meant as a training loss. Correlated
   * Gaussian noise at d ≥ 3 has no exact argmax probabilities (Genz's lattice only estimates them),
   * so there it throws `NoClosedForm` rather than return an estimate without its error: use
   * `probs(θ, { method: "exact" })`, which carries its `stdError`, and `klCategorical`.
   */
  klToUniform(theta: tf.Tensor): tf.Tensor
  /**
   * The inverse map θ = P⁻¹(p) on a complete, minimal space (an affine hyperplane transversal to 𝟙).
   * Throws `NotUnique` where P is not one-to-one there (see `analyze`), `InvalidArgument` for bad
   * input, and `NotConverged` (with the best θ and its residual attached) when `tol` is not met
   * within `maxIterations` or no step improves: never a quiet θ. Perturb-Argmax with non-Gumbel
   * continuous noise refuses p_i < 1e-20, below which the exact probabilities are not certified to
   * a relative 1e-10.
   */
  identify(p: ArrayLike<number>, options?: IdentifyOptions): IdentifyResult
}

type SampleOptions = { readonly samples: number; readonly key: Key.Key; readonly temperature?: number | tf.Tensor }

/** `sample`'s options are required: `samples` and `key` have no defaults. */
const sampleOptions = (options: SampleOptions): SampleOptions => checkOptions("options", options, true) as SampleOptions

export const compile = <M extends Model>(model: M): Kernels<M> => {
  checkModel(model)
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

  const rowsOf = (theta: tf.Tensor) => (theta.rank === 1 ? 1 : theta.shape[0]!)
  const squeeze = (x: tf.Tensor | undefined, theta: tf.Tensor) => (x === undefined ? undefined : squeezeRows(x, theta))
  const optional = <K extends string>(name: K, x: tf.Tensor | undefined) => (x === undefined ? {} : { [name]: x }) as { [P in K]?: tf.Tensor }

  const exactOptions = (theta: tf.Tensor, options: EstimateOptions): { samples: number; key: Key.Key } => {
    const rows = rowsOf(theta)
    const key = options.key === undefined ? DEFAULT_KEY : checkKey(options.key)
    const given = options.samples === undefined ? undefined : checkSamples("samples", options.samples)
    // Only the correlated Gaussian's lattice uses points: about samples · d² work per row.
    const samples = given ?? DEFAULT_LATTICE_POINTS
    if (cls._tag === "Correlated") checkEstimatorWork(given === undefined ? "theta" : "samples", given ?? [rows, d], samples, rows, d * d)
    else if (given !== undefined) checkEstimatorWork("samples", given, given, 1, 1)
    return { samples, key }
  }

  const probs = (theta: tf.Tensor, options: EstimateOptions = {}): ProbsResult => {
    checkTensor("theta", theta, d)
    estimateOptions(options)
    const method = options.method ?? (softmax ? "qmc" : "exact")
    if (options.jacobian !== undefined && options.jacobian !== false && (softmax || method === "exact" || options.jacobian !== true)) {
      throw new InvalidArgument({ argument: "jacobian", value: options.jacobian, reason: "The estimated Jacobian is for Perturb-Argmax probs with mc, qmc or quadrature" })
    }
    const cap = runs("probs", method)
    const rows = rowsOf(theta)
    if (!softmax) {
      if (method !== "exact") {
        const points = softmaxPoints(model, method, options, rows)
        const est = argmaxFrequencies(model, method, cap.gradient, points, theta, d, options.jacobian === true)
        const bound = method === "quadrature" ? quadratureErrorBound(model, theta, options.samples ?? defaultNodes(d), est.mean, oneHot) : undefined
        return {
          method,
          probs: squeezeRows(est.mean, theta),
          ...optional("stdError", squeeze(est.stdError, theta)),
          ...optional("errorBound", squeeze(bound, theta)),
          ...optional("jacobian", squeeze(est.jacobian, theta)),
          ...optional("jacobianStdError", squeeze(est.jacobianStdError, theta))
        }
      }
      const exact = exactProbsWithError(cls, theta, d, exactOptions(theta, options))
      return { method, probs: exact.probs, ...optional("stdError", exact.stdError) }
    }
    const tau = (model as { temperature: number }).temperature
    if (method === "stratified") {
      if (options.controlVariate === true) {
        throw new InvalidArgument({ argument: "controlVariate", value: true, reason: "The stratified method already uses the exact argmax probabilities" })
      }
      const key = options.key === undefined ? DEFAULT_KEY : checkKey(options.key)
      const given = options.samples === undefined ? undefined : checkSamples("samples", options.samples)
      const samples = given ?? defaultSamples(rows, d)
      checkEstimatorWork(given === undefined ? "theta" : "samples", given ?? [rows, d], samples, rows, d)
      const st = stratifiedProbs(model.noise, theta, d, tau, { samples, key }, (row) => exactRow(cls, row, { samples: 0, key: DEFAULT_KEY }).probs)
      return { method, probs: st.probs, stdError: st.stdError }
    }
    const points = softmaxPoints(model, method, options, rows)
    if (options.controlVariate === true) {
      if (method === "quadrature") {
        throw new InvalidArgument({ argument: "controlVariate", value: true, reason: "A control variate applies to the qmc and mc methods" })
      }
      if (!weightsFromExactArgmax(cls)) throw new InvalidArgument({ argument: "controlVariate", value: true, reason: NEEDS_EXACT_ARGMAX })
      const cv = controlVariateProbs(points, theta, d, tau, (row) => exactRow(cls, row, { samples: 0, key: DEFAULT_KEY }).probs)
      return { method, probs: cv.probs, stdError: cv.stdError }
    }
    const relax = (z: tf.Tensor) => temperedSoftmax(z, tau)
    const est = averageOverPoints(points, theta, d, relax)
    const bound = method === "quadrature" ? quadratureErrorBound(model, theta, options.samples ?? defaultNodes(d), est.mean, relax) : undefined
    return {
      method,
      probs: squeezeRows(est.mean, theta),
      ...optional("stdError", squeeze(est.stdError, theta)),
      ...optional("errorBound", squeeze(bound, theta))
    }
  }

  const potential = (theta: tf.Tensor, options: EstimateOptions = {}): PotentialResult => {
    checkTensor("theta", theta, d)
    estimateOptions(options)
    const method = options.method ?? (softmax ? "qmc" : "exact")
    runs("potential", method)
    if (!softmax && method === "exact") {
      const exact = exactPotential(cls, theta, d, exactOptions(theta, options))
      return { method, potential: exact.potential, ...optional("stdError", exact.stdError) }
    }
    const rows = rowsOf(theta)
    const points = softmaxPoints(model, method, options, rows)
    const tau = softmax ? (model as { temperature: number }).temperature : undefined
    // For argmax models the gradient of max is the one-hot argmax, so ∇M̂ = P̂ on the same points.
    // Values [count, rows, 1]: one "entry" per row, so the quadrature's row-wise bound is this row's.
    const f = (z: tf.Tensor) => (tau === undefined ? tf.max(z, -1) : temperedLogSumExp(z, tau)).expandDims(-1)
    const est = averageOverPoints(points, theta, d, f)
    const bound = method === "quadrature" ? quadratureErrorBound(model, theta, options.samples ?? defaultNodes(d), est.mean, f) : undefined
    const perRow = (x: tf.Tensor | undefined) => (x === undefined ? undefined : squeezeRows(x.reshape([rows]), theta))
    return {
      method,
      potential: perRow(est.mean)!,
      ...optional("stdError", perRow(est.stdError)),
      ...optional("errorBound", perRow(bound))
    }
  }

  const identify = makeIdentify(model, cls, decided.plan)

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
      tf.tidy(() => {
        const fused = wasmFusedSample(model, theta, sampleOptions(options), softmax ? "relaxed" : "hard")
        if (fused !== undefined) return fused
        checkTensor("theta", theta, d)
        const { perturbed, tau } = relaxed(theta, options, softmax ? (model as { temperature: number }).temperature : 1)
        return softmax ? temperedSoftmax(perturbed, tau) : oneHot(perturbed)
      }),
    sampleStraightThrough: (theta, options) =>
      tf.tidy(() => {
        const fused = wasmFusedSample(model, theta, sampleOptions(options), "straightThrough")
        if (fused !== undefined) return fused
        checkTensor("theta", theta, d)
        const { perturbed, tau } = relaxed(theta, options, softmax ? (model as { temperature: number }).temperature : 1)
        const straight = customOp(([soft]) => ({ value: oneHot(soft!), gradFunc: (dy) => dy }))
        return straight(temperedSoftmax(perturbed, tau))
      }),
    probs: (theta, options) => {
      estimateOptions(options)
      return tidyResult(() => probs(theta, options))
    },
    potential: (theta, options) => {
      estimateOptions(options)
      return tidyResult(() => potential(theta, options))
    },
    logDensity: (y, theta) =>
      tf.tidy(() => {
        checkTensor("y", y, d)
        checkTensor("theta", theta, d)
        checkSimplex("y", y, d)
        const can = capabilities().logDensity
        if (!can.available) throw can.error
        return densityOf(model.noise, d, y, theta, softmax ? (model as { temperature: number }).temperature : 1)
      }),
    klToUniform: (theta) =>
      tf.tidy(() => {
        checkTensor("theta", theta, d)
        const can = capabilities().klToUniform
        if (!can.available) throw can.error
        const p = exactProbs(cls, theta, d, { samples: DEFAULT_SAMPLES, key: DEFAULT_KEY })
        return tf.add(tf.sum(tf.mul(p, tf.log(tf.maximum(p, 1e-30))), -1), Math.log(d))
      }),
    identify
  }
}
