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
import { Key } from "@perturb/noise"
import { noiseTensor } from "@perturb/noise/tfjs"
import { InvalidArgument, NotUnique } from "./Errors.js"
import type { Model } from "./Model.js"
import { affineHull, isAffine } from "./Space.js"
import { classify, type NoiseClass } from "./internal/classify.js"
import { controlVariateProbs } from "./internal/controlVariate.js"
import { logDensity as densityOf } from "./internal/density.js"
import { exactPotential, exactProbs, exactProbsRows64, exactProbsWithError, exactRow } from "./internal/exact.js"
import { checkEstimatorWork, checkSampleSize, defaultSamples } from "./internal/limits.js"
import { scoreAt, scoreRefusal } from "./internal/score.js"
import { argmaxHessianDiagonal, argmaxJvp } from "./internal/argmax.js"
import { fusedSample } from "./internal/fused.js"
import { newtonIdentify, type Oracle } from "./internal/newton.js"
import { normalFamily, normalOracle } from "./internal/normalArgmax.js"
import { freeDim, toTheta } from "./internal/param.js"
import { mcPoints, type Points, qmcPoints, quadraturePoints } from "./internal/points.js"
import { stratifiedProbs } from "./internal/stratified.js"
import { checkTemperatureTensor, checkTensor, customOp } from "./internal/tensors.js"

/**
 * How `probs` and `potential` are computed.
 * - `exact`: Perturb-Argmax only — closed form (Gumbel), 1-D quadrature (independent continuous
 *   noise), enumeration (discrete noise): exact to float64 rounding; Genz's randomised lattice rule
 *   (correlated Gaussian, d ≥ 3): an estimate, so it carries its standard error;
 * - `qmc` (Perturb-Softmax default): scrambled Sobol + antithetic, with standard errors;
 * - `mc`: plain Monte Carlo, with standard errors;
 * - `quadrature`: tensor Gauss–Legendre, d ≤ 4, with an error bound (`errorBound`);
 * - `stratified`: Perturb-Softmax `probs` with i.i.d. Gumbel or independent continuous noise —
 *   scrambled Sobol stratified on the argmax, weighted by the exact argmax probabilities, with a
 *   linear control variate: the lowest error per sample at every τ (12–26× below `mc` at d = 10),
 *   but each point costs more (the maximum's quantile by Newton's method, in float64, row by row):
 *   measured 3× the time of `qmc` per call at d = 10 with Gumbel noise, 10× with Normal noise.
 *
 * Gradients: `exact` is differentiated analytically; `qmc`/`mc`/`quadrature` of Perturb-Softmax
 * through the estimate; of Perturb-Argmax (one-hot frequencies, whose own derivative is zero) by
 * the score-function estimator of Berthet et al. 2020 on the same points (see `jacobian`). Noise
 * whose density jumps or that has none (uniform, exponential, discrete, custom laws) has no such
 * estimator: there `probs` succeeds and its gradient throws `InvalidArgument` (argument `method`);
 * use `exact`. The `potential` of an argmax model by `qmc`/`mc` has the frequencies as gradient.
 *
 * @since 0.1.0
 * @category models
 */
export type Method = "exact" | "qmc" | "mc" | "quadrature" | "stratified"

/**
 * @since 0.1.0
 * @category models
 */
export interface EstimateOptions {
  readonly method?: Method
  /**
   * Noise points for `qmc`/`mc`/`stratified`, Gauss–Legendre nodes per axis for `quadrature`,
   * lattice points for the correlated Gaussian's `exact` (ignored by the other exact methods).
   * Defaults: 4096 points, or fewer where d > 4096 or rows · d > 2^18: at most 2^24 / d and
   * 2^30 / (rows · d) (a multiple of 16, at least 16; e.g. 160 at d = 10⁵, with correspondingly
   * larger standard errors); 512/96/32 nodes at d ≤ 2/3/4; 65536 lattice points.
   *
   * Work limits, checked before anything is allocated (a typed `InvalidArgument` naming `samples`,
   * or `theta` when the default does not fit): at most 2^24 points per call; points × d ≤ 2^25
   * noise values (held in float64); points × rows × d ≤ 2^30 evaluated values (× d again for the
   * lattice and for `jacobian`). Quadrature counts nodes^d points.
   */
  readonly samples?: number
  readonly key?: Key.Key
  /**
   * Perturb-Softmax with `qmc` or `mc`: use the noise's exact Perturb-Argmax probabilities as a
   * control variate (i.i.d. Gumbel or independent continuous noise). Lowers the error most at small
   * τ; the gradient stays that of the plain estimate. Off by default, so that `∇potential = probs`
   * holds exactly for the same points.
   */
  readonly controlVariate?: boolean
  /**
   * Perturb-Argmax with `mc`, `qmc` or `quadrature`: also return the estimated Jacobian ∂P/∂θ
   * (the score-function estimator that is these methods' gradient) with its standard error.
   *
   * @since 0.2.0
   */
  readonly jacobian?: boolean
}

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
 * @since 0.1.0
 * @category models
 */
export interface IdentifyResult {
  readonly theta: Float64Array
  /** ‖P(θ) − p‖₁ at the returned θ. */
  readonly residual: number
  readonly iterations: number
}

/**
 * @since 0.1.0
 * @category kernels
 */
export interface Kernels {
  readonly model: Model
  readonly dim: number
  readonly freeDim: number
  /** Free parameters u (`[k]` or `[n, k]`) → θ ∈ Θ, differentiable. */
  theta(u: tf.Tensor): tf.Tensor
  /** Relaxed samples (Perturb-Softmax) or one-hot samples (Perturb-Argmax). */
  sample(theta: tf.Tensor, options: { readonly samples: number; readonly key: Key.Key; readonly temperature?: number | tf.Tensor }): tf.Tensor
  /** One-hot forward, relaxed softmax((θ+γ)/τ) backward (τ = the model's, or 1 for argmax models). */
  sampleStraightThrough(theta: tf.Tensor, options: { readonly samples: number; readonly key: Key.Key; readonly temperature?: number | tf.Tensor }): tf.Tensor
  probs(theta: tf.Tensor, options?: EstimateOptions): ProbsResult
  potential(theta: tf.Tensor, options?: EstimateOptions): tf.Tensor
  logDensity(y: tf.Tensor, theta: tf.Tensor): tf.Tensor
  /** KL(P_argmax(θ) ‖ uniform) with the model noise's exact argmax probabilities. */
  klToUniform(theta: tf.Tensor): tf.Tensor
  identify(p: ArrayLike<number>, options?: { readonly tol?: number; readonly maxIterations?: number; readonly samples?: number; readonly key?: Key.Key }): IdentifyResult
}

const DEFAULT_KEY = Key.make(0)
const DEFAULT_SAMPLES = 4096
/** The correlated Gaussian's randomised lattice: 65536 points (standard error 3.4e-6 at d = 3; 1.2e-5 at 4096). */
const DEFAULT_LATTICE_POINTS = 65536

const checkSamples = (argument: string, n: unknown): number => {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
    throw new InvalidArgument({ argument, value: n, reason: "Expected a positive integer" })
  }
  return n
}

const checkKey = (key: unknown): Key.Key => {
  if (!Key.isKey(key)) throw new InvalidArgument({ argument: "key", value: key, reason: "Expected a Key (Key.make(seed))" })
  return key
}

/** Gauss–Legendre nodes per axis for `quadrature` when `samples` is not given. */
const defaultNodes = (d: number): number => (d <= 2 ? 512 : d === 3 ? 96 : 32)

/**
 * Estimator points (`mc`, `qmc`, `quadrature`), sized and checked against the work limits before
 * anything is allocated. The default point count adapts to d and the rows (`defaultSamples`).
 */
const softmaxPoints = (model: Model, method: Method, options: EstimateOptions, rows: number): Points => {
  const d = model.space.dim
  const key = options.key === undefined ? DEFAULT_KEY : checkKey(options.key)
  const given = options.samples === undefined ? undefined : checkSamples("samples", options.samples)
  switch (method) {
    case "mc":
    case "qmc": {
      const samples = given ?? defaultSamples(rows, d)
      checkEstimatorWork(given === undefined ? "theta" : "samples", given ?? [rows, d], samples, rows, d)
      return method === "mc" ? mcPoints(model.noise, d, samples, key) : qmcPoints(model.noise, d, samples, key)
    }
    case "quadrature": {
      if (d > 4) {
        throw new InvalidArgument({ argument: "method", value: "quadrature", reason: `Tensor quadrature needs d ≤ 4, got d = ${d}` })
      }
      const nodes = given ?? defaultNodes(d)
      checkEstimatorWork("samples", nodes, nodes ** d, rows, d)
      return quadraturePoints(model.noise, d, nodes)
    }
    case "stratified":
      throw new InvalidArgument({ argument: "method", value: method, reason: "The stratified method applies to Perturb-Softmax probs only" })
    case "exact":
      throw new InvalidArgument({
        argument: "method",
        value: method,
        reason: "Perturb-Softmax has no closed form for d ≥ 2; use qmc, mc or quadrature"
      })
    default:
      throw new InvalidArgument({ argument: "method", value: method, reason: "Expected exact, qmc, mc, quadrature or stratified" })
  }
}

/**
 * The quadrature's error estimate: max_i |Q_n − Q_m| over each row, m = ⌈n/2⌉ nodes per axis.
 * Gauss–Legendre in u-space converges algebraically here (the inverse cdf is singular at 0 and 1),
 * so the coarser rule's error, which this measures, bounds the finer one's; the row maximum, not
 * each entry's own difference, because a single entry's two errors can cross (measured: 4e-7
 * against a true 1.1e-6 at d = 4; checked against SciPy references).
 */
const quadratureErrorBound = (
  model: Model,
  theta: tf.Tensor,
  nodes: number,
  mean: tf.Tensor,
  f: (shifted: tf.Tensor) => tf.Tensor
): tf.Tensor => {
  const d = model.space.dim
  const coarse = averageOverPoints(quadraturePoints(model.noise, d, Math.max(1, Math.ceil(nodes / 2))), theta, d, f)
  return tf.mul(tf.max(tf.abs(tf.sub(mean, coarse.mean)), -1, true), tf.onesLike(mean))
}

/**
 * Sum over axis 0 in two levels (blocks of 64, then the block sums). The wasm backend accumulates
 * in float32, where one running sum over ~10⁵–10⁶ terms loses four digits; two levels keep the
 * error near √S·ε.
 */
const sum0 = (values: tf.Tensor): tf.Tensor => {
  const s = values.shape[0]!
  const block = 64
  const q = Math.floor(s / block) * block
  if (q < 2 * block) return tf.sum(values, 0)
  const rest = values.shape.slice(1)
  const head = tf.sum(tf.sum(values.slice(0, q).reshape([q / block, block, ...rest]), 1), 0)
  return q === s ? head : tf.add(head, tf.sum(values.slice(q), 0))
}

/**
 * Σ_s w_s f(γ_s) over points, chunked so no tensor grows past ~16M elements. The standard error
 * comes from the spread between independent replicates (QMC), or from the per-point variance
 * (plain Monte Carlo, one replicate).
 */
const averageOverPoints = (
  points: Points,
  theta: tf.Tensor,
  d: number,
  f: (shifted: tf.Tensor, start: number, count: number) => tf.Tensor,
  width: number = d
): { mean: tf.Tensor; stdError?: tf.Tensor } => {
  const rows = theta.rank === 1 ? 1 : theta.shape[0]!
  const theta2 = theta.reshape([1, rows, d])
  const perReplicate = points.count / points.replicates
  const chunk = Math.max(1, Math.min(perReplicate, Math.floor(16_000_000 / (rows * width))))
  const plainMc = points.replicates === 1 && points.weights === undefined
  const replicateMeans: Array<tf.Tensor> = []
  let squares: tf.Tensor | undefined
  for (let r = 0; r < points.replicates; r++) {
    let acc: tf.Tensor | undefined
    for (let s0 = 0; s0 < perReplicate; s0 += chunk) {
      const s1 = Math.min(perReplicate, s0 + chunk)
      const start = r * perReplicate + s0
      const gamma = tf.tensor3d(Float32Array.from(points.gamma.subarray(start * d, (start + s1 - s0) * d)), [s1 - s0, 1, d])
      const values = f(tf.add(theta2, gamma), start, s1 - s0)
      const weighted = points.weights === undefined
        ? sum0(values)
        : sum0(tf.mul(values, tf.tensor(Float32Array.from(points.weights.subarray(start, start + s1 - s0)), [s1 - s0, ...values.shape.slice(1).map(() => 1)])))
      acc = acc === undefined ? weighted : tf.add(acc, weighted)
      if (plainMc) {
        const sq = sum0(tf.square(values))
        squares = squares === undefined ? sq : tf.add(squares, sq)
      }
    }
    replicateMeans.push(points.weights === undefined ? tf.div(acc!, perReplicate) : acc!)
  }
  const stacked = tf.stack(replicateMeans)
  const mean = tf.mean(stacked, 0)
  if (points.replicates > 1) {
    const variance = tf.div(tf.sum(tf.square(tf.sub(stacked, mean)), 0), points.replicates - 1)
    return { mean, stdError: tf.sqrt(tf.div(variance, points.replicates)) }
  }
  if (plainMc && points.count > 1) {
    const S = points.count
    const variance = tf.relu(tf.div(tf.sub(squares!, tf.mul(tf.square(mean), S)), S - 1))
    return { mean, stdError: tf.sqrt(tf.div(variance, S)) }
  }
  return { mean }
}

/**
 * Perturb-Argmax probabilities by sampling: the frequencies of the argmax, with the score-function
 * (perturbed-optimizer) gradient of Berthet et al. 2020 as their custom gradient:
 * ∂P_i/∂θ_k = −E[1{argmax(θ + γ) = i} · s_k(γ)], s = ∇ log g (for N(0, σ²I), s = −γ/σ²), on the
 * same points, so a vector-Jacobian product is −E[dy_{argmax} · s(γ)]. Noise without a score
 * (density jumps or atoms) makes the gradient a typed error, never zeros. With `jacobian`, the
 * whole estimated Jacobian and its standard error (replicate spread or per-point variance).
 */
const argmaxFrequencies = (
  model: Model,
  method: Method,
  points: Points,
  theta: tf.Tensor,
  d: number,
  jacobian: boolean
): { mean: tf.Tensor; stdError?: tf.Tensor; jacobian?: tf.Tensor; jacobianStdError?: tf.Tensor } => {
  const refusal = scoreRefusal(model.noise, d)
  const rows = theta.rank === 1 ? 1 : theta.shape[0]!
  let scores: Float64Array | undefined
  const scoreChunk = (start: number, count: number, shape: Array<number>): tf.Tensor => {
    scores ??= scoreAt(model.noise, d, points.gamma)
    return tf.tensor(Float32Array.from(scores.subarray(start * d, (start + count) * d)), shape)
  }
  const noGradient = () =>
    new InvalidArgument({ argument: "method", value: method, reason: `No gradient for these argmax probabilities: ${refusal}; use method: "exact"` })
  const hot = (z: tf.Tensor) => tf.cast(tf.oneHot(tf.argMax(z, -1), d), "float32")
  const op = customOp(([x]) => {
    const est = averageOverPoints(points, x!, d, hot)
    const value = tf.stack([est.mean, est.stdError ?? tf.zerosLike(est.mean)])
    const gradFunc = (dy: tf.Tensor) => {
      if (refusal !== undefined) throw noGradient()
      const dyFlat = dy.slice([0], [1]).reshape([rows * d])
      const offsets = tf.range(0, rows * d, d, "int32")
      const g = averageOverPoints(points, x!, d, (z, start, count) => {
        const w = tf.gather(dyFlat, tf.add(tf.argMax(z, -1), offsets))
        return tf.mul(w.reshape([count, rows, 1]), scoreChunk(start, count, [count, 1, d]))
      })
      return tf.neg(g.mean).reshape(x!.shape)
    }
    return { value, gradFunc }
  })
  const [mean, se] = tf.unstack(op(theta))
  if (!jacobian) return { mean: mean!, ...(hasStdError(points) ? { stdError: se! } : {}) }
  if (refusal !== undefined) throw noGradient()
  checkEstimatorWork("jacobian", true, points.count, rows, d * d)
  const j = averageOverPoints(points, theta, d, (z, start, count) =>
    tf.mul(hot(z).reshape([count, rows, d, 1]), scoreChunk(start, count, [count, 1, 1, d])).reshape([count, rows, d * d]), d * d)
  return {
    mean: mean!,
    ...(hasStdError(points) ? { stdError: se! } : {}),
    jacobian: tf.neg(j.mean).reshape([rows, d, d]),
    ...(j.stdError === undefined ? {} : { jacobianStdError: j.stdError.reshape([rows, d, d]) })
  }
}

/** Whether the points give a standard error (replicates, or plain Monte Carlo with more than one point). */
const hasStdError = (points: Points): boolean => points.replicates > 1 || (points.weights === undefined && points.count > 1)

const squeezeRows = (x: tf.Tensor, theta: tf.Tensor): tf.Tensor => (theta.rank === 1 ? x.reshape(x.shape.slice(1)) : x)

/**
 * Compiles a model into kernels.
 *
 * @example
 * import * as tf from "@tensorflow/tfjs"
 * import { compile, Model, Space } from "@perturb/core"
 * import { Key, Noise } from "@perturb/noise"
 * const k = compile(Model.perturbSoftmax({ space: Space.reals(3), noise: Noise.gumbel(), temperature: 0.5 }))
 * const y = k.sample(tf.tensor1d([0, 1, 2]), { samples: 8, key: Key.make(1) }) // [8, 3]
 * @since 0.1.0
 * @category kernels
 */
export const compile = (model: Model): Kernels => {
  const d = model.space.dim
  const cls: NoiseClass = classify(model.noise, d)
  const softmax = model._tag === "PerturbSoftmax"

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
    if (options === null || typeof options !== "object") {
      throw new InvalidArgument({ argument: "options", value: options, reason: "Expected an options object or undefined" })
    }
    const method = options.method ?? (softmax ? "qmc" : "exact")
    if (options.jacobian !== undefined && options.jacobian !== false && (softmax || method === "exact" || options.jacobian !== true)) {
      throw new InvalidArgument({ argument: "jacobian", value: options.jacobian, reason: "The estimated Jacobian is for Perturb-Argmax probs with mc, qmc or quadrature" })
    }
    const rows = rowsOf(theta)
    if (!softmax) {
      if (method !== "exact") {
        const points = softmaxPoints(model, method, options, rows)
        const est = argmaxFrequencies(model, method, points, theta, d, options.jacobian === true)
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
      if (cls._tag !== "Gumbel" && cls._tag !== "Continuous") {
        throw new InvalidArgument({ argument: "method", value: method, reason: "It needs exact argmax probabilities: i.i.d. Gumbel or independent continuous noise" })
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
      if (cls._tag !== "Gumbel" && cls._tag !== "Continuous") {
        throw new InvalidArgument({ argument: "controlVariate", value: true, reason: "It needs exact argmax probabilities: i.i.d. Gumbel or independent continuous noise" })
      }
      const cv = controlVariateProbs(points, theta, d, tau, (row) => exactRow(cls, row, { samples: 0, key: DEFAULT_KEY }).probs)
      return { method, probs: cv.probs, stdError: cv.stdError }
    }
    const relax = (z: tf.Tensor) => tf.softmax(tf.div(z, tau))
    const est = averageOverPoints(points, theta, d, relax)
    const bound = method === "quadrature" ? quadratureErrorBound(model, theta, options.samples ?? defaultNodes(d), est.mean, relax) : undefined
    return {
      method,
      probs: squeezeRows(est.mean, theta),
      ...optional("stdError", squeeze(est.stdError, theta)),
      ...optional("errorBound", squeeze(bound, theta))
    }
  }

  const potential = (theta: tf.Tensor, options: EstimateOptions = {}): tf.Tensor => {
    checkTensor("theta", theta, d)
    if (options === null || typeof options !== "object") {
      throw new InvalidArgument({ argument: "options", value: options, reason: "Expected an options object or undefined" })
    }
    const method = options.method ?? (softmax ? "qmc" : "exact")
    if (!softmax && method === "exact") return exactPotential(cls, theta, d, exactOptions(theta, options))
    const points = softmaxPoints(model, method, options, rowsOf(theta))
    const tau = softmax ? (model as { temperature: number }).temperature : undefined
    // For argmax models the gradient of max is the one-hot argmax, so ∇M̂ = P̂ on the same points.
    const f = (z: tf.Tensor) => (tau === undefined ? tf.max(z, -1) : tf.mul(tf.logSumExp(tf.div(z, tau), -1), tau))
    return squeezeRows(averageOverPoints(points, theta, d, f).mean.reshape([rowsOf(theta)]), theta)
  }

  const identify = (p: ArrayLike<number>, options: { tol?: number; maxIterations?: number; samples?: number; key?: Key.Key } = {}): IdentifyResult => {
    const target = Float64Array.from(p as ArrayLike<number>)
    if (target.length !== d) throw new InvalidArgument({ argument: "p", value: Array.from(target), reason: `Expected ${d} probabilities` })
    const sum = target.reduce((s, x) => s + x, 0)
    target.forEach((x, i) => {
      if (!Number.isFinite(x) || !(x > 0)) {
        throw new InvalidArgument({ argument: `p[${i}]`, value: x, reason: "Expected p in the open simplex (every entry > 0)" })
      }
    })
    // A float32 probability vector sums to 1 only to ~1e-7: accept 1e-6 and renormalise.
    if (Math.abs(sum - 1) > 1e-6) throw new InvalidArgument({ argument: "p", value: Array.from(target), reason: `Expected a sum of 1, got ${sum}` })
    for (let i = 0; i < d; i++) target[i]! /= sum
    if (!isAffine(model.space)) {
      throw new NotUnique({ property: "complete", reason: "identify needs an affine space (a complete and minimal convex space is an affine hyperplane transversal to 𝟙); see analyze(space, noise)" })
    }
    const hull = affineHull(model.space)
    // The component of 𝟙 orthogonal to the direction space V: zero iff 𝟙 ∈ V (not minimal).
    const normal = new Float64Array(d).fill(1)
    for (let j = 0; j < hull.k; j++) {
      let s = 0
      for (let i = 0; i < d; i++) s += hull.basis[i * hull.k + j]!
      for (let i = 0; i < d; i++) normal[i]! -= s * hull.basis[i * hull.k + j]!
    }
    const across = normal.reduce((s, v) => s + v * v, 0)
    if (hull.k !== d - 1 || across < 1e-9 * d) {
      const property = across < 1e-9 * d ? "minimal" : "complete"
      throw new NotUnique({
        property,
        reason: property === "minimal"
          ? "the space contains θ and θ + c𝟙, which have the same probabilities; see analyze(space, noise)"
          : `the space has dimension ${hull.k}, so it cannot reach every p in the (d−1)-simplex; see analyze(space, noise)`
      })
    }
    let offset = 0
    for (let i = 0; i < d; i++) offset += normal[i]! * hull.point[i]!
    const oracle = oracleFor(model, cls, options)
    return newtonIdentify(oracle, { normal, offset }, target, { tol: options.tol ?? (softmax ? 1e-10 : 1e-8), maxIterations: options.maxIterations ?? 100 })
  }

  return {
    model,
    dim: d,
    freeDim: freeDim(model.space),
    theta: (u) => toTheta(model.space, (u.rank === 1 ? u.reshape([1, u.shape[0]!]) : u) as tf.Tensor2D).reshape(u.rank === 1 ? [d] : [u.shape[0]!, d]),
    sample: (theta, options) =>
      tf.tidy(() => {
        const fused = fusedSample(model, theta, options, softmax ? "relaxed" : "hard")
        if (fused !== undefined) return fused
        checkTensor("theta", theta, d)
        const { perturbed, tau } = relaxed(theta, options, softmax ? (model as { temperature: number }).temperature : 1)
        return softmax ? tf.softmax(tf.div(perturbed, tau)) : oneHot(perturbed)
      }),
    sampleStraightThrough: (theta, options) =>
      tf.tidy(() => {
        const fused = fusedSample(model, theta, options, "straightThrough")
        if (fused !== undefined) return fused
        checkTensor("theta", theta, d)
        const { perturbed, tau } = relaxed(theta, options, softmax ? (model as { temperature: number }).temperature : 1)
        const straight = customOp(([soft]) => ({ value: oneHot(soft!), gradFunc: (dy) => dy }))
        return straight(tf.softmax(tf.div(perturbed, tau)))
      }),
    probs: (theta, options) => {
      // The tidy keeps only the tensors it returns; the field names travel beside them.
      let method: Method = "exact"
      let names: Array<string> = []
      const tensors = tf.tidy(() => {
        const r = probs(theta, options)
        method = r.method
        const entries = Object.entries(r).filter((e): e is [string, tf.Tensor] => e[1] instanceof tf.Tensor)
        names = entries.map(([name]) => name)
        return entries.map(([, t]) => t)
      })
      return { method, ...Object.fromEntries(names.map((name, i) => [name, tensors[i]!])) } as unknown as ProbsResult
    },
    potential: (theta, options) => tf.tidy(() => potential(theta, options)),
    logDensity: (y, theta) =>
      tf.tidy(() => {
        checkTensor("y", y, d)
        checkTensor("theta", theta, d)
        const bad = tf.logicalNot(tf.all(tf.greater(y, 0))).dataSync()[0]
        if (bad) throw new InvalidArgument({ argument: "y", value: Array.from(y.dataSync().slice(0, 8)), reason: "Expected points of the open simplex (every entry > 0)" })
        return densityOf(model.noise, d, y, theta, softmax ? (model as { temperature: number }).temperature : 1)
      }),
    klToUniform: (theta) =>
      tf.tidy(() => {
        checkTensor("theta", theta, d)
        const p = exactProbs(cls, theta, d, { samples: DEFAULT_SAMPLES, key: DEFAULT_KEY })
        return tf.add(tf.sum(tf.mul(p, tf.log(tf.maximum(p, 1e-30))), -1), Math.log(d))
      }),
    identify
  }
}

/**
 * Exact Perturb-Argmax probabilities in float64, without tfjs: the same numerics as
 * `probs(θ, { method: "exact" })` before its float32 rounding. `theta` is one row (length d) or
 * rows × d row-major. Exact to float64 rounding for i.i.d. Gumbel (softmax), independent continuous
 * and discrete noise; for a correlated Gaussian at d ≥ 3 it is Genz's randomised lattice (65536
 * points unless `samples` says otherwise), so the result carries `stdError`. A first, small float64
 * entry point (the CLI prints exact results with it); a fuller float64 API is planned.
 *
 * @example
 * import { exactProbs64, Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * exactProbs64(Model.perturbArgmax({ space: Space.reals(3), noise: Noise.gumbel() }), Float64Array.of(0, 1, 2)).probs
 * // softmax([0, 1, 2]) to float64 rounding
 * @since 0.2.0
 * @category kernels
 */
export const exactProbs64 = (
  model: Model,
  theta: Float64Array,
  options?: { readonly samples?: number; readonly key?: Key.Key }
): { readonly probs: Float64Array; readonly stdError?: Float64Array } => {
  if (typeof model !== "object" || model === null || model._tag !== "PerturbArgmax") {
    throw new InvalidArgument({ argument: "model", value: (model as { _tag?: unknown } | null)?._tag ?? model, reason: "Expected a Perturb-Argmax model: Perturb-Softmax has no closed form" })
  }
  const d = model.space.dim
  if (!(theta instanceof Float64Array) || theta.length === 0 || theta.length % d !== 0) {
    throw new InvalidArgument({ argument: "theta", value: theta, reason: `Expected a Float64Array of d = ${d} values per row` })
  }
  const bad = theta.findIndex((x) => !Number.isFinite(x))
  if (bad >= 0) throw new InvalidArgument({ argument: `theta[${bad}]`, value: theta[bad], reason: "Expected a finite number" })
  const cls = classify(model.noise, d)
  const given = options?.samples === undefined ? undefined : checkSamples("samples", options.samples)
  const samples = given ?? DEFAULT_LATTICE_POINTS
  if (cls._tag === "Correlated") checkEstimatorWork(given === undefined ? "theta" : "samples", given ?? theta.length, samples, theta.length / d, d * d)
  const key = options?.key === undefined ? DEFAULT_KEY : checkKey(options.key)
  return exactProbsRows64(cls, theta, d, { samples, key })
}

/**
 * KL(q ‖ p) = Σ q (log q − log p) along the last axis, with 0 · log 0 = 0.
 *
 * @since 0.1.0
 * @category kernels
 */
export const klCategorical = (q: tf.Tensor, p: tf.Tensor): tf.Tensor =>
  tf.tidy(() => {
    if (!(q instanceof tf.Tensor)) throw new InvalidArgument({ argument: "q", value: q, reason: "Expected a tf.Tensor" })
    if (!(p instanceof tf.Tensor)) throw new InvalidArgument({ argument: "p", value: p, reason: "Expected a tf.Tensor" })
    const safeQ = tf.maximum(q, 1e-30)
    const terms = tf.mul(q, tf.sub(tf.log(safeQ), tf.log(tf.maximum(p, 1e-30))))
    return tf.sum(tf.where(tf.greater(q, 0), terms, tf.zerosLike(terms)), -1)
  })

/** A float64 potential for the inverse map: exact for argmax models, fixed-CRN for softmax ones. */
const oracleFor = (model: Model, cls: NoiseClass, options: { samples?: number; key?: Key.Key }): Oracle => {
  const d = model.space.dim
  const logStart = (scale: number) => (p: Float64Array) => p.map((x) => scale * Math.log(x))
  if (model._tag === "PerturbArgmax") {
    if (cls._tag === "Gumbel") {
      const probsOf = (t: Float64Array) => exactRow(cls, t, { samples: 0, key: DEFAULT_KEY }).probs
      return {
        value: (t) => exactRow(cls, t, { samples: 0, key: DEFAULT_KEY }).potential,
        grad: probsOf,
        hvp: (t, v) => {
          const p = probsOf(t)
          let pv = 0
          for (let i = 0; i < d; i++) pv += p[i]! * v[i]!
          return p.map((pi, i) => (pi * (v[i]! - pv)) / cls.scale)
        },
        diagonal: (t) => probsOf(t).map((pi) => (pi * (1 - pi)) / cls.scale),
        start: logStart(cls.scale)
      }
    }
    if (cls._tag === "Continuous") {
      const regular = cls.laws.every((l) => l.traits.densityPositive)
      if (!regular) {
        throw new NotUnique({ property: "minimal", reason: "bounded-support noise saturates (Prop 5.4): many θ share one p; see analyze(space, noise)" })
      }
      // A softmax-like start: the laws' spread sets the scale of θ.
      const family = normalFamily(cls.laws)
      if (family !== undefined) return normalOracle(cls.laws, family)
      const spread = Math.sqrt(cls.laws.reduce((s, l) => s + (Number.isFinite(l.variance) ? l.variance : 1), 0) / d)
      return {
        value: (t) => exactRow(cls, t, { samples: 0, key: DEFAULT_KEY }).potential,
        grad: (t) => exactRow(cls, t, { samples: 0, key: DEFAULT_KEY }).probs,
        hvp: (t, v) => argmaxJvp(t, cls.laws, v),
        diagonal: (t) => argmaxHessianDiagonal(t, cls.laws),
        start: logStart(spread * 0.6)
      }
    }
    throw new NotUnique({
      property: "identifiable",
      reason: cls._tag === "Discrete"
        ? "discrete noise makes ∂M set-valued at kinks (Prop 5.5); see analyze(space, noise)"
        : "the inverse map needs an exact Hessian, which this noise's argmax model lacks; use Perturb-Softmax"
    })
  }
  // Perturb-Softmax: F̂(θ) = mean_s τ·logsumexp((θ + γ_s)/τ) with fixed QMC points.
  const tau = model.temperature
  const points = qmcPoints(model.noise, d, options.samples ?? DEFAULT_SAMPLES, options.key ?? DEFAULT_KEY)
  const S = points.count
  const g = points.gamma
  const soft = (t: Float64Array, s: number, out: Float64Array): number => {
    let max = -Infinity
    for (let i = 0; i < d; i++) max = Math.max(max, (t[i]! + g[s * d + i]!) / tau)
    let z = 0
    for (let i = 0; i < d; i++) z += out[i] = Math.exp((t[i]! + g[s * d + i]!) / tau - max)
    for (let i = 0; i < d; i++) out[i]! /= z
    return tau * (max + Math.log(z))
  }
  const y = new Float64Array(d)
  const average = (t: Float64Array, f: (y: Float64Array, out: Float64Array) => void): Float64Array => {
    const out = new Float64Array(d)
    for (let s = 0; s < S; s++) {
      soft(t, s, y)
      f(y, out)
    }
    return out.map((x) => x / S)
  }
  return {
    value: (t) => {
      let acc = 0
      for (let s = 0; s < S; s++) acc += soft(t, s, y)
      return acc / S
    },
    grad: (t) => average(t, (yy, out) => yy.forEach((v, i) => (out[i]! += v))),
    hvp: (t, v) =>
      average(t, (yy, out) => {
        let yv = 0
        for (let i = 0; i < d; i++) yv += yy[i]! * v[i]!
        for (let i = 0; i < d; i++) out[i]! += (yy[i]! * (v[i]! - yv)) / tau
      }),
    diagonal: (t) => average(t, (yy, out) => yy.forEach((v, i) => (out[i]! += (v * (1 - v)) / tau))),
    start: logStart(Math.min(1, tau))
  }
}
