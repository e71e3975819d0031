/**
 * The `probs` and `potential` kernels of a compiled model: the method its capabilities admit (which
 * `methods/registry.ts` decides) run on θ — the exact method's custom ops, or an estimator's points
 * (`methods/softmax/`). θ of any rank `[..., d]` runs as `[rows, d]` (internal/batch.ts).
 */
import * as tf from "@tensorflow/tfjs"
import { InvalidArgument } from "../Errors.js"
import type { Model } from "../Model.js"
import type { ExactMethod, Method, MethodCapability, Run } from "../methods/method.js"
import { controlVariateProbs } from "../methods/softmax/controlVariate.js"
import { controlVariateWeights, type Estimator, estimators, EXACT_WEIGHTS } from "../methods/softmax/estimators.js"
import { argmaxFrequencies } from "../methods/softmax/frequencies.js"
import { averageOverPoints } from "../methods/softmax/sampling.js"
import { checkKey, checkSamples, DEFAULT_KEY, DEFAULT_LATTICE_POINTS, type EstimateOptions, estimateOptions, squeezeRows } from "./estimate.js"
import { exactPotential, exactProbsWithError } from "./exact.js"
import { checkEstimatorWork } from "./limits.js"
import type { Points } from "./points.js"
import { onRows } from "./batch.js"
import { checkTensor, temperedLogSumExp, temperedSoftmax } from "./tensors.js"
import { relaxedTemperature } from "./validate.js"

/**
 * @example
 * import { compile, Model, type ProbsResult, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * import * as tf from "@tensorflow/tfjs"
 * const k = compile(Model.perturbSoftmax({ space: Space.pinned(3), noise: Noise.gumbel(), temperature: 0.5 }))
 * const r: ProbsResult = k.probs(tf.zeros([3])) // quasi-Monte Carlo: r.stdError is set
 * @since 0.1.0
 * @category models
 */
export interface ProbsResult {
  /** P(θ), with θ's shape: each row on the simplex. */
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
  /** The standard error of each entry of `jacobian`. */
  readonly jacobianStdError?: tf.Tensor
  /** The method that ran (the one asked for, or the model's default). */
  readonly method: Method
}

/**
 * The potential M(θ) (Perturb-Argmax, E max(θ + γ)) or F(θ) (Perturb-Softmax, E τ logsumexp((θ + γ)/τ))
 * of each row, with how far it may be off, by the conventions of `ProbsResult`.
 *
 * @example
 * import { compile, Model, type PotentialResult, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * import * as tf from "@tensorflow/tfjs"
 * const k = compile(Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.gumbel() }))
 * const r: PotentialResult = k.potential(tf.zeros([2, 3])) // r.potential: [2]; exact, so no stdError
 * @since 0.2.0
 * @category models
 */
export interface PotentialResult {
  /** θ's shape without its last axis (`[]` for θ `[d]`, `[rows]` for `[rows, d]`); differentiable, ∇potential = probs on the same points. */
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
  /** The method that ran (the one asked for, or the model's default). */
  readonly method: Method
}

/** What the kernels of one compiled model read: the model and the registry's decisions for it. */
interface Context {
  readonly model: Model
  readonly d: number
  readonly softmax: boolean
  /** The capability of a method, or its refusal thrown. */
  readonly runs: (kernel: "probs" | "potential", method: Method) => MethodCapability
  /** The registry's exact method for the noise, or why it has none. */
  readonly exactOf: () => ExactMethod | InvalidArgument
}

const rowsOf = (theta: tf.Tensor) => (theta.rank === 1 ? 1 : theta.shape[0]!)
const squeeze = (x: tf.Tensor | undefined, theta: tf.Tensor) => (x === undefined ? undefined : squeezeRows(x, theta))
const optional = <K extends string>(name: K, x: tf.Tensor | undefined) => (x === undefined ? {} : { [name]: x }) as { [P in K]?: tf.Tensor }

/** The estimator's points; only `exact` and the estimators with their own `probs` have none, which capabilities refused here. */
const pointsOf = (model: Model, estimator: Estimator, method: Method, options: EstimateOptions, rows: number): Points => {
  if (estimator.points === undefined) throw new InvalidArgument({ argument: "method", value: method, reason: "Estimator points are for qmc, mc and quadrature" })
  return estimator.points(model, options, rows)
}

/** The exact method, read where a capability already admitted it. */
const exactMethodOf = (ctx: Context): ExactMethod => {
  const method = ctx.exactOf()
  if (method instanceof InvalidArgument) throw method
  return method
}

const exactOptions = (ctx: Context, theta: tf.Tensor, options: EstimateOptions): Run => {
  const { d } = ctx
  const rows = rowsOf(theta)
  const key = options.key === undefined ? DEFAULT_KEY : checkKey(options.key)
  const given = options.samples === undefined ? undefined : checkSamples("samples", options.samples)
  // Only the correlated Gaussian's lattice uses points: about samples · d² work per row.
  const samples = given ?? DEFAULT_LATTICE_POINTS
  if (exactMethodOf(ctx).lattice) checkEstimatorWork(given === undefined ? "theta" : "samples", given ?? [rows, d], samples, rows, d * d)
  else if (given !== undefined) checkEstimatorWork("samples", given, given, 1, 1)
  return { samples, key }
}

const probs = (ctx: Context, theta: tf.Tensor, options: EstimateOptions = {}): ProbsResult => {
  const { d, softmax } = ctx
  checkTensor("theta", theta, d)
  estimateOptions(options)
  const method = options.method ?? (softmax ? "qmc" : "exact")
  if (options.jacobian !== undefined && options.jacobian !== false && (softmax || method === "exact" || options.jacobian !== true)) {
    throw new InvalidArgument({ argument: "jacobian", value: options.jacobian, reason: "The estimated Jacobian is for Perturb-Argmax probs with mc, qmc or quadrature" })
  }
  const cap = ctx.runs("probs", method)
  if (softmax && method !== "exact") return softmaxProbs(ctx, theta, options, method)
  if (method !== "exact") return argmaxFrequencyProbs(ctx, theta, options, method, cap)
  const result = exactProbsWithError(exactMethodOf(ctx), theta, d, exactOptions(ctx, theta, options))
  return { method, probs: result.probs, ...optional("stdError", result.stdError) }
}

/** Perturb-Argmax by sampling or quadrature: the argmax frequencies, with the score as gradient. */
const argmaxFrequencyProbs = (ctx: Context, theta: tf.Tensor, options: EstimateOptions, method: Exclude<Method, "exact">, cap: MethodCapability): ProbsResult => {
  const { model, d } = ctx
  const estimator = estimators[method]
  const oneHot = (perturbed: tf.Tensor) => tf.cast(tf.oneHot(tf.argMax(perturbed, -1), d), "float32")
  const points = pointsOf(model, estimator, method, options, rowsOf(theta))
  const est = argmaxFrequencies(model, cap.gradient, points, theta, d, options.jacobian === true)
  const bound = estimator.errorBound?.(model, theta, options, est.mean, oneHot)
  return {
    method,
    probs: squeezeRows(est.mean, theta),
    ...optional("stdError", squeeze(est.stdError, theta)),
    ...optional("errorBound", squeeze(bound, theta)),
    ...optional("jacobian", squeeze(est.jacobian, theta)),
    ...optional("jacobianStdError", squeeze(est.jacobianStdError, theta))
  }
}

const softmaxProbs = (ctx: Context, theta: tf.Tensor, options: EstimateOptions, method: Exclude<Method, "exact">): ProbsResult => {
  const { model, d } = ctx
  const estimator = estimators[method]
  const tau = relaxedTemperature(model)
  if (estimator.probs !== undefined) {
    const own = estimator.probs(model, theta, options, tau, ctx.exactOf())
    return { method, probs: own.probs, stdError: own.stdError }
  }
  const points = pointsOf(model, estimator, method, options, rowsOf(theta))
  if (options.controlVariate === true) {
    const cv = controlVariateProbs(points, theta, d, tau, controlVariateWeights(method, ctx.exactOf(), EXACT_WEIGHTS))
    return { method, probs: cv.probs, stdError: cv.stdError }
  }
  const relax = (z: tf.Tensor) => temperedSoftmax(z, tau)
  const est = averageOverPoints(points, theta, d, relax)
  const bound = estimator.errorBound?.(model, theta, options, est.mean, relax)
  return {
    method,
    probs: squeezeRows(est.mean, theta),
    ...optional("stdError", squeeze(est.stdError, theta)),
    ...optional("errorBound", squeeze(bound, theta))
  }
}

const potential = (ctx: Context, theta: tf.Tensor, options: EstimateOptions = {}): PotentialResult => {
  const { model, d, softmax } = ctx
  checkTensor("theta", theta, d)
  estimateOptions(options)
  const method = options.method ?? (softmax ? "qmc" : "exact")
  ctx.runs("potential", method)
  if (method === "exact") {
    const result = exactPotential(exactMethodOf(ctx), theta, d, exactOptions(ctx, theta, options))
    return { method, potential: result.potential, ...optional("stdError", result.stdError) }
  }
  const rows = rowsOf(theta)
  const estimator = estimators[method]
  const points = pointsOf(model, estimator, method, options, rows)
  const tau = softmax ? relaxedTemperature(model) : undefined
  // For argmax models the gradient of max is the one-hot argmax, so ∇M̂ = P̂ on the same points.
  // Values [count, rows, 1]: one "entry" per row, so the quadrature's row-wise bound is this row's.
  const f = (z: tf.Tensor) => (tau === undefined ? tf.max(z, -1) : temperedLogSumExp(z, tau)).expandDims(-1)
  const est = averageOverPoints(points, theta, d, f)
  const bound = estimator.errorBound?.(model, theta, options, est.mean, f)
  const perRow = (x: tf.Tensor | undefined) => (x === undefined ? undefined : squeezeRows(x.reshape([rows]), theta))
  return {
    method,
    potential: perRow(est.mean)!,
    ...optional("stdError", perRow(est.stdError)),
    ...optional("errorBound", perRow(bound))
  }
}

/**
 * `probs` and `potential` for this model; `runs` is the capability of a method or its refusal
 * thrown, `exactOf` the registry's exact method for the noise (or why it has none).
 */
export const estimateKernels = (
  model: Model,
  runs: Context["runs"],
  exactOf: Context["exactOf"]
): {
  readonly probs: (theta: tf.Tensor, options?: EstimateOptions) => ProbsResult
  readonly potential: (theta: tf.Tensor, options?: EstimateOptions) => PotentialResult
} => {
  const ctx: Context = { model, d: model.space.dim, softmax: model._tag === "PerturbSoftmax", runs, exactOf }
  // θ [..., d] of rank ≥ 3 runs as [rows, d]; every result tensor's leading rows axis becomes θ's
  // leading shape again (probs [..., d], jacobian [..., d, d], potential [...]).
  const unflattenAll = <R extends object>(r: R, unflatten: (x: tf.Tensor) => tf.Tensor): R =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof tf.Tensor ? unflatten(v) : v])) as R
  const boundary = (theta: tf.Tensor): tf.Tensor => checkTensor("theta", theta, ctx.d, { finite: false, anyRank: true })
  return {
    probs: (theta, options) => onRows(boundary(theta), (t) => probs(ctx, t, options), unflattenAll),
    potential: (theta, options) => onRows(boundary(theta), (t) => potential(ctx, t, options), unflattenAll)
  }
}
