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
import { DimensionMismatch, InvalidArgument, NotConverged, NotUnique } from "./Errors.js"
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
import {
  type Capabilities,
  capabilities as capabilitiesOf,
  type Method,
  type MethodCapability,
  NEEDS_EXACT_ARGMAX,
  type NewtonClass,
  type Refusal,
  weightsFromExactArgmax
} from "./internal/capabilities.js"
import { classify, type NoiseClass } from "./internal/classify.js"
import { controlVariateProbs } from "./internal/controlVariate.js"
import { checkSimplex, logDensity as densityOf } from "./internal/density.js"
import { exactJvpRows64, exactPotential, exactPotentialRows64, exactProbs, exactProbsRows64, exactProbsWithError, exactRefusal, exactRow } from "./internal/exact.js"
import { checkEstimatorWork, checkSampleSize, defaultSamples } from "./internal/limits.js"
import { scoreAt } from "./internal/score.js"
import { argmaxHessianDiagonal, argmaxIndependent, argmaxJvp } from "./internal/argmax.js"
import { fusedSample } from "./internal/fused.js"
import { identifySoftmax } from "./internal/identifySoftmax.js"
import { newtonIdentify, type Oracle } from "./internal/newton.js"
import { normalFamily, normalOracle } from "./internal/normalArgmax.js"
import { freeDim, toTheta } from "./internal/param.js"
import { mcPoints, type Points, qmcPoints, quadraturePoints } from "./internal/points.js"
import { stratifiedProbs } from "./internal/stratified.js"
import { checkLive, checkTemperatureTensor, checkTensor, customOp, temperedLogSumExp, temperedSoftmax } from "./internal/tensors.js"
import { checkBoolean, checkMethod, checkModel, checkOptions } from "./internal/validate.js"

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
 * @category models
 */
export interface IdentifyResult {
  readonly theta: Float64Array
  /**
   * ‖P(θ) − p‖₁ at the returned θ, measured as `measure` says: exactly (Perturb-Argmax), or, for
   * Perturb-Softmax, by an estimate on noise points independent of the ones θ was fitted to (so the
   * fit's own estimation error shows), with standard error `residualStdError`.
   */
  readonly residual: number
  /**
   * Perturb-Softmax only: Σ_i of the standard errors of the independent estimate P̂(θ). The
   * estimate's error ‖P̂ − P‖₁ bounds |residual − ‖P(θ) − p‖₁| and is about 0.8 × this on average,
   * so the true residual is below `residual + 4 · residualStdError` but for rare draws. Absent when
   * `residual` is exact.
   */
  readonly residualStdError?: number
  /**
   * max_i |log P_i(θ) − log p_i| of the probabilities θ was fitted to (exact ones for
   * Perturb-Argmax, the fitted estimate for Perturb-Softmax): the convergence measure, ≤ `tol`.
   */
  readonly logResidual: number
  /**
   * - `exact`: exact probabilities (Perturb-Argmax; relative error ≤ 1e-10 for p_i ≥ 1e-20, measured
   *   for Normal noise against mpmath);
   * - `qmc`: Perturb-Softmax, fitted to plain QMC (scrambled Sobol, antithetic), residual from an
   *   independent QMC estimate's replicates. Measured at d = 3 with the default 65536 points (16
   *   SciPy cases, Gumbel and Normal noise, τ from 0.1 to 2): true ‖P(θ) − p‖₁ from 7e-6 to 4.6e-4
   *   (median 3e-5) in 0.2–0.5 s, always below residual + 4 · residualStdError; the former fit to
   *   one 4096-point estimate gave up to 6.1e-3 while reporting at most 2e-8.
   */
  readonly measure: "exact" | "qmc"
  readonly iterations: number
}

/**
 * Options of `identify`.
 *
 * @since 0.2.0
 * @category models
 */
export interface IdentifyOptions {
  /**
   * Relative tolerance: stop when max_i |log P_i(θ) − log p_i| ≤ tol, i.e. every probability is
   * met to a relative error of about tol (an absolute ‖P − p‖₁ would accept p_i = 1e-10 met by
   * P_i = 1e-19). Default 1e-8. A finite number > 0.
   */
  readonly tol?: number
  /** Newton iterations before `NotConverged` (default 100): an integer in [1, 10000]. */
  readonly maxIterations?: number
  /**
   * Perturb-Softmax: noise points of the fitted estimate and of the independent check (default 65536
   * for d ≤ 32, then 2^21/d rounded down to a power of 2, at least 4096). The fitted estimate's
   * error, hence the true residual, falls with more points (see `IdentifyResult.residualStdError`).
   * A positive integer with samples · d ≤ 2^26.
   */
  readonly samples?: number
  /**
   * Perturb-Softmax: the key of the fitted estimate's points, the same points as
   * `probs(θ, { method: "qmc", samples, key })`; the residual is measured on points from a key
   * folded from it, independent of them.
   */
  readonly key?: Key.Key
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

const DEFAULT_KEY = Key.make(0)
const METHODS: ReadonlyArray<Method> = ["exact", "qmc", "mc", "quadrature", "stratified"]

type SampleOptions = { readonly samples: number; readonly key: Key.Key; readonly temperature?: number | tf.Tensor }

/** The options of `probs` / `potential`, checked as a whole at the entry so no field is read from a non-object. */
const estimateOptions = (options: EstimateOptions | undefined): EstimateOptions => {
  const o = checkOptions("options", options)
  checkMethod("method", o.method, METHODS)
  checkBoolean("controlVariate", o.controlVariate)
  // null is not "absent": `?? default` would silently read it as the default count.
  if (o.samples !== undefined) checkSamples("samples", o.samples)
  return o
}

/** `sample`'s options are required: `samples` and `key` have no defaults. */
const sampleOptions = (options: SampleOptions): SampleOptions => checkOptions("options", options, true) as SampleOptions

const checkIdentifyInput = (p: unknown, options: unknown): void => {
  if (!Array.isArray(p) && !(ArrayBuffer.isView(p) && !(p instanceof DataView))) {
    throw new InvalidArgument({ argument: "p", value: p, reason: "Expected an array of probabilities" })
  }
  Array.from(p as ArrayLike<unknown>).forEach((x, i) => {
    if (typeof x !== "number") throw new InvalidArgument({ argument: `p[${i}]`, value: x, reason: "Expected a number" })
  })
  const o = checkOptions("options", options as object | undefined) as { tol?: unknown; maxIterations?: unknown; samples?: unknown; key?: unknown }
  if (o.samples !== undefined) checkSamples("samples", o.samples)
  if (o.tol !== undefined && (typeof o.tol !== "number" || !Number.isFinite(o.tol) || !(o.tol > 0))) {
    throw new InvalidArgument({ argument: "tol", value: o.tol, reason: "Expected a finite number > 0" })
  }
  if (o.maxIterations !== undefined && (typeof o.maxIterations !== "number" || !Number.isInteger(o.maxIterations) || o.maxIterations < 1)) {
    throw new InvalidArgument({ argument: "maxIterations", value: o.maxIterations, reason: "Expected a positive integer" })
  }
  if (o.key !== undefined) checkKey(o.key)
}
const DEFAULT_SAMPLES = 4096
/**
 * identify's default points for Perturb-Softmax (fit and independent check each): 65536 up to d = 32,
 * then fewer (each Newton step costs up to 2d products over all points), never below 4096.
 */
const defaultIdentifySamples = (d: number): number => Math.max(4096, 2 ** Math.floor(Math.log2(Math.min(65536, 2 ** 21 / d))))
const MAX_IDENTIFY_ITERATIONS = 10_000
/** samples · d: the fit holds the points as float64, 512 MB at this bound. */
const MAX_IDENTIFY_POINTS = 1 << 26
/** Smallest p_i identify accepts for non-Gumbel Perturb-Argmax (relative accuracy of the quadrature). */
const MIN_CERTIFIED_PROB = 1e-20
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
      // d ≤ 4 is the capability's decision (methodCapability), read before any points are asked for.
      const nodes = given ?? defaultNodes(d)
      checkEstimatorWork("samples", nodes, nodes ** d, rows, d)
      return quadraturePoints(model.noise, d, nodes)
    }
    default:
      // Not a decision: the callers ran methodCapability first, which refuses exact/stratified here.
      throw new InvalidArgument({ argument: "method", value: method, reason: "Estimator points are for qmc, mc and quadrature" })
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
  gradient: MethodCapability["gradient"],
  points: Points,
  theta: tf.Tensor,
  d: number,
  jacobian: boolean
): { mean: tf.Tensor; stdError?: tf.Tensor; jacobian?: tf.Tensor; jacobianStdError?: tf.Tensor } => {
  const rows = theta.rank === 1 ? 1 : theta.shape[0]!
  let scores: Float64Array | undefined
  const scoreChunk = (start: number, count: number, shape: Array<number>): tf.Tensor => {
    scores ??= scoreAt(model.noise, d, points.gamma)
    return tf.tensor(Float32Array.from(scores.subarray(start * d, (start + count) * d)), shape)
  }
  const hot = (z: tf.Tensor) => tf.cast(tf.oneHot(tf.argMax(z, -1), d), "float32")
  const op = customOp(([x]) => {
    const est = averageOverPoints(points, x!, d, hot)
    const value = tf.stack([est.mean, est.stdError ?? tf.zerosLike(est.mean)])
    const gradFunc = (dy: tf.Tensor) => {
      if (!gradient.available) throw gradient.error
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
  if (!gradient.available) throw gradient.error
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

/**
 * Runs `f` in a tidy that keeps only the tensors of its result; the other fields (`method`) travel
 * beside them.
 */
const tidyResult = <R extends { readonly method: Method }>(f: () => R): R => {
  let method: Method = "exact"
  let names: Array<string> = []
  const tensors = tf.tidy(() => {
    const r = f()
    method = r.method
    const entries = Object.entries(r as Record<string, unknown>).filter((e): e is [string, tf.Tensor] => e[1] instanceof tf.Tensor)
    names = entries.map(([name]) => name)
    return entries.map(([, t]) => t)
  })
  return { method, ...Object.fromEntries(names.map((name, i) => [name, tensors[i]!])) } as unknown as R
}

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

  const identify = (p: ArrayLike<number>, options: IdentifyOptions = {}): IdentifyResult => {
    checkIdentifyInput(p, options)
    const tol = options.tol ?? 1e-8
    if (typeof tol !== "number" || !Number.isFinite(tol) || !(tol > 0)) {
      throw new InvalidArgument({ argument: "tol", value: tol, reason: "Expected a finite number > 0 (a relative tolerance on the probabilities)" })
    }
    const maxIterations = options.maxIterations ?? 100
    if (typeof maxIterations !== "number" || !Number.isInteger(maxIterations) || maxIterations < 1 || maxIterations > MAX_IDENTIFY_ITERATIONS) {
      throw new InvalidArgument({ argument: "maxIterations", value: maxIterations, reason: `Expected an integer in [1, ${MAX_IDENTIFY_ITERATIONS}]` })
    }
    const samples = checkSamples("samples", options.samples ?? defaultIdentifySamples(d))
    if (samples * d > MAX_IDENTIFY_POINTS) {
      throw new InvalidArgument({ argument: "samples", value: samples, reason: `samples · d must be ≤ ${MAX_IDENTIFY_POINTS} (d = ${d}): at most ${Math.floor(MAX_IDENTIFY_POINTS / d)} here` })
    }
    const key = options.key === undefined ? DEFAULT_KEY : checkKey(options.key)
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
    const plane = decided.plan()
    if (plane instanceof NotUnique) throw plane
    const notConverged = (theta: Float64Array, residual: number, iterations: number) =>
      new NotConverged({
        what: "identify",
        theta,
        residual,
        measure: "max_i |log P_i(θ) − log p_i|",
        tol,
        iterations,
        reason: iterations >= maxIterations ? "maxIterations reached" : "no step lowered the residual (the target may be beyond the probabilities' accuracy)"
      })
    if (softmax) {
      const r = identifySoftmax(model.noise, d, (model as { temperature: number }).temperature, plane, target, { tol, maxIterations, samples, key })
      if (!r.converged) throw notConverged(r.theta, r.fitResidual, r.iterations)
      return { theta: r.theta, residual: r.residual, residualStdError: r.residualStdError, logResidual: r.fitResidual, measure: "qmc", iterations: r.iterations }
    }
    if (cls._tag === "Continuous") {
      target.forEach((x, i) => {
        if (x < MIN_CERTIFIED_PROB) {
          throw new InvalidArgument({
            argument: `p[${i}]`,
            value: x,
            reason: `identify meets each probability to a relative tol, and the exact argmax probabilities of this noise are certified to a relative 1e-10 only down to ${MIN_CERTIFIED_PROB}`
          })
        }
      })
    }
    const r = newtonIdentify(oracleFor(model, plane.newton!), plane, target, { tol, maxIterations })
    if (!r.converged) throw notConverged(r.theta, r.residual, r.iterations)
    return { theta: r.theta, residual: r.l1, logResidual: r.residual, measure: "exact", iterations: r.iterations }
  }

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
        const fused = fusedSample(model, theta, sampleOptions(options), softmax ? "relaxed" : "hard")
        if (fused !== undefined) return fused
        checkTensor("theta", theta, d)
        const { perturbed, tau } = relaxed(theta, options, softmax ? (model as { temperature: number }).temperature : 1)
        return softmax ? temperedSoftmax(perturbed, tau) : oneHot(perturbed)
      }),
    sampleStraightThrough: (theta, options) =>
      tf.tidy(() => {
        const fused = fusedSample(model, theta, sampleOptions(options), "straightThrough")
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

// The smallest normal float32. A float32 zero stands for a value below 2^-150, so reading it as this
// floor inside log keeps KL and its gradient finite (q/p ≤ 2^126 cannot overflow; 2^-149 would).
const LOG_FLOOR = 2 ** -126

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
  const { cls, d, run } = exact64Input(model, theta, options, 1)
  return exactProbsRows64(cls, theta, d, run)
}

/**
 * The float64 entry points' shared boundary: a Perturb-Argmax model whose noise has exact argmax
 * probabilities, θ as finite rows of d, and the lattice's points within the work limits (its cost
 * per row is samples · d² for P and M, and d times that for J v: `work`).
 */
const exact64Input = (
  model: Model,
  theta: Float64Array,
  options: { readonly samples?: number; readonly key?: Key.Key } | undefined,
  work: number
): { cls: NoiseClass; d: number; run: { samples: number; key: Key.Key } } => {
  if (typeof model !== "object" || model === null || model._tag !== "PerturbArgmax") {
    throw new InvalidArgument({ argument: "model", value: (model as { _tag?: unknown } | null)?._tag ?? model, reason: "Expected a Perturb-Argmax model: Perturb-Softmax has no closed form" })
  }
  checkModel(model)
  const d = model.space.dim
  checkRows64("theta", theta, d)
  const cls = classify(model.noise, d)
  const refusal = exactRefusal(cls)
  if (refusal !== undefined) throw refusal
  const o = checkOptions("options", options)
  const given = o.samples === undefined ? undefined : checkSamples("samples", o.samples)
  const samples = given ?? DEFAULT_LATTICE_POINTS
  if (cls._tag === "Correlated") checkEstimatorWork(given === undefined ? "theta" : "samples", given ?? theta.length, samples, theta.length / d, d * d * work)
  const key = o.key === undefined ? DEFAULT_KEY : checkKey(o.key)
  return { cls, d, run: { samples, key } }
}

/** A non-empty Float64Array of finite values, d per row. */
const checkRows64 = (argument: string, x: unknown, d: number): Float64Array => {
  if (!(x instanceof Float64Array) || x.length === 0 || x.length % d !== 0) {
    throw new InvalidArgument({ argument, value: x, reason: `Expected a Float64Array of d = ${d} values per row` })
  }
  const bad = x.findIndex((t) => !Number.isFinite(t))
  if (bad >= 0) throw new InvalidArgument({ argument: `${argument}[${bad}]`, value: x[bad], reason: "Expected a finite number" })
  return x
}

/**
 * The exact Perturb-Argmax potential M(θ) = E max(θ + γ) of each row in float64, without tfjs:
 * the numerics of `potential(θ, { method: "exact" })` before its float32 rounding, with the same
 * inputs as `exactProbs64`; its gradient is `exactProbs64`. Exact to float64 rounding for i.i.d.
 * Gumbel, independent continuous and discrete noise; the correlated Gaussian at d ≥ 3 is Genz's
 * randomised lattice, so the result carries `stdError`. (M is NaN where E max does not exist, as
 * for Cauchy noise.)
 *
 * @example
 * import { exactPotential64, Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * exactPotential64(Model.perturbArgmax({ space: Space.reals(3), noise: Noise.gumbel() }), Float64Array.of(0, 1, 2)).potential
 * // Float64Array [logsumexp(0, 1, 2) + γ_Euler]
 * @since 0.2.0
 * @category kernels
 */
export const exactPotential64 = (
  model: Model,
  theta: Float64Array,
  options?: { readonly samples?: number; readonly key?: Key.Key }
): { readonly potential: Float64Array; readonly stdError?: Float64Array } => {
  const { cls, d, run } = exact64Input(model, theta, options, 1)
  return exactPotentialRows64(cls, theta, d, run)
}

/**
 * The Jacobian-vector product J(θ) v = d/dε P(θ + εv) at ε = 0 of the exact Perturb-Argmax
 * probabilities, in float64, without tfjs: `v` holds one direction per row of `theta` (the same
 * length). J is the Hessian of M, symmetric, so this is also vᵀJ. Exact to float64 rounding for
 * i.i.d. Gumbel and independent continuous noise. Discrete noise: 0 where P(θ + εv) is constant
 * near ε = 0, and `InvalidArgument` (naming `theta`) where it jumps — there is no derivative there.
 * The correlated Gaussian: exact up to d = 3 (J needs orthant probabilities of dimension d − 2);
 * from d = 4 the mean of 8 independent lattice runs sharing `samples`, with their spread as
 * `stdError`.
 *
 * @example
 * import { exactJvp64, Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * exactJvp64(Model.perturbArgmax({ space: Space.reals(2), noise: Noise.gumbel() }), Float64Array.of(0, 0), Float64Array.of(1, 0)).jvp
 * // Float64Array [0.25, -0.25]: softmax's Jacobian p_i(δ_ik − p_k)
 * @since 0.2.0
 * @category kernels
 */
export const exactJvp64 = (
  model: Model,
  theta: Float64Array,
  v: Float64Array,
  options?: { readonly samples?: number; readonly key?: Key.Key }
): { readonly jvp: Float64Array; readonly stdError?: Float64Array } => {
  const { cls, d, run } = exact64Input(model, theta, options, model?.space?.dim ?? 1)
  checkRows64("v", v, d)
  if (v.length !== theta.length) throw new InvalidArgument({ argument: "v", value: v.length, reason: `Expected one direction per row of theta: ${theta.length} values` })
  return exactJvpRows64(cls, theta, v, d, run)
}

/**
 * Entries of a probability tensor: finite and ≥ 0, checked with one scalar read-back on the backends
 * that can read back synchronously (not webgpu, as for θ).
 */
const checkProbabilities = (argument: string, x: unknown): tf.Tensor => {
  if (!(x instanceof tf.Tensor)) throw new InvalidArgument({ argument, value: x, reason: "Expected a tf.Tensor" })
  if (x.isDisposed) throw new InvalidArgument({ argument, value: "a disposed tensor", reason: "Expected a live tf.Tensor" })
  if (x.dtype !== "float32") throw new InvalidArgument({ argument, value: x.dtype, reason: "Expected dtype float32" })
  if (tf.getBackend() !== "webgpu") {
    const bad = tf.tidy(() => tf.logicalNot(tf.all(tf.logicalAnd(tf.isFinite(x), tf.greaterEqual(x, 0)))).dataSync()[0])
    if (bad) {
      const values = x.dataSync()
      const index = values.findIndex((v) => !(Number.isFinite(v) && v >= 0))
      throw new InvalidArgument({ argument: `${argument}[${index}]`, value: values[index], reason: "Expected a probability: finite and ≥ 0" })
    }
  }
  return x
}

/**
 * KL(q ‖ p) = Σ q (log q − log p) along the last axis, with 0 · log 0 = 0, differentiable in q and p.
 *
 * Entries below 2^-126 (the smallest normal float32) are read as 2^-126 inside the logarithms:
 * exact for every q, p whose entries are 0 or normal floats, and it keeps the value and the gradient
 * finite where a softmax underflowed to 0 (∂/∂q_i = log q_i − log p_i + 1, which is log 2^-126 −
 * log p_i at q_i = 0; ∂/∂p_i = −q_i / p_i). NaN, ±∞ or a negative entry is refused with
 * `InvalidArgument` naming `q[i]` or `p[i]` (on webgpu, which cannot read back synchronously, it
 * is not checked).
 *
 * @since 0.1.0
 * @category kernels
 */
export const klCategorical = (q: tf.Tensor, p: tf.Tensor): tf.Tensor =>
  tf.tidy(() => {
    checkLive("q", q, "a tf.Tensor")
    checkLive("p", p, "a tf.Tensor")
    // Broadcasting a [k] q against a [d] p would sum k·d terms of nothing in particular.
    if (q.shape[q.rank - 1] !== p.shape[p.rank - 1]) {
      throw new DimensionMismatch({ argument: "the last axis of p (against q)", expected: q.shape[q.rank - 1] ?? 1, received: p.shape[p.rank - 1] ?? 1 })
    }
    checkProbabilities("q", q)
    checkProbabilities("p", p)
    // No tf.where on q > 0: comparisons have no gradient in tfjs, and q · log(max(q, floor)) is
    // already 0 at q = 0.
    return tf.sum(tf.mul(q, tf.sub(tf.log(tf.maximum(q, LOG_FLOOR)), tf.log(tf.maximum(p, LOG_FLOOR)))), -1)
  })

/** The exact float64 potential of a Perturb-Argmax model for the inverse map. */
const oracleFor = (model: Model, cls: NewtonClass): Oracle => {
  const d = model.space.dim
  const logStart = (scale: number) => (p: Float64Array) => p.map((x) => scale * Math.log(x))
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
  // identifyPlan admitted only noise with an exact Newton oracle: here independent continuous laws
  // sharing a tail. A softmax-like start: the laws' spread sets the scale of θ.
  const family = normalFamily(cls.laws)
  if (family !== undefined) return normalOracle(cls.laws, family)
  const spread = Math.sqrt(cls.laws.reduce((s, l) => s + (Number.isFinite(l.variance) ? l.variance : 1), 0) / d)
  return {
    // Not exactRow: that takes shared nodes where they certify 1e-10 absolutely; the adaptive
    // path is accurate relative to each probability, which the log-residual test needs.
    value: (t) => argmaxIndependent(t, cls.laws).potential,
    grad: (t) => argmaxIndependent(t, cls.laws).probs,
    hvp: (t, v) => argmaxJvp(t, cls.laws, v),
    diagonal: (t) => argmaxHessianDiagonal(t, cls.laws),
    start: logStart(spread * 0.6)
  }
}
