/**
 * The estimators of `probs` / `potential` other than `exact`, as records: where each applies, how
 * its result states its error, and how it is differentiated. `registry.methodFor` reads them; the
 * numerics are `sampling.ts` (points, averages, the quadrature bound), `frequencies.ts` (argmax
 * frequencies and their score-function gradient), `stratified.ts` and `controlVariate.ts`.
 */
import type * as tf from "@tensorflow/tfjs"
import { InvalidArgument } from "../../Errors.js"
import type { Model } from "../../Model.js"
import { checkKey, checkSamples, DEFAULT_KEY, type EstimateOptions } from "../../internal/estimate.js"
import { checkEstimatorWork, defaultSamples } from "../../internal/limits.js"
import { mcPoints, type Points, qmcPoints } from "../../internal/points.js"
import type { ExactMethod, Method, Run } from "../method.js"
import { defaultNodes, gaussLegendrePoints, quadratureErrorBound, randomPoints } from "./sampling.js"
import { stratifiedProbs } from "./stratified.js"

export interface Estimator {
  readonly accuracy: "stdError" | "errorBound"
  /**
   * `estimate`: differentiated through the estimate (Perturb-Softmax), the score (argmax
   * probabilities) or the frequencies (argmax potential); `weights`: the stratified estimate of
   * ∂P/∂θ on its own points, which needs no score.
   */
  readonly gradient: "estimate" | "weights"
  /** Why it does not apply to this model, kernel and exact method, or `undefined`. */
  readonly refusal: (model: Model, kernel: "probs" | "potential", exact: ExactMethod | InvalidArgument) => string | undefined
  /** Why the exact argmax probabilities cannot serve it as a control variate (`controlVariate: true`). */
  readonly controlVariate?: string
  /** The points `probs` / `potential` average over (sized against the work limits); absent where `probs` is its own. */
  readonly points?: (model: Model, options: EstimateOptions, rows: number) => Points
  /** The error bound of the average `mean` of `f` over the points, where the result states one (`accuracy: "errorBound"`). */
  readonly errorBound?: (model: Model, theta: tf.Tensor, options: EstimateOptions, mean: tf.Tensor, f: (shifted: tf.Tensor) => tf.Tensor) => tf.Tensor
  /** Perturb-Softmax probs by the estimator's own rule instead of an average over `points`. */
  readonly probs?: (model: Model, theta: tf.Tensor, options: EstimateOptions, tau: number, exact: ExactMethod | InvalidArgument) => { probs: tf.Tensor; stdError: tf.Tensor }
}

/** The run of the exact argmax probabilities that weight the stratified and control-variate estimators (deterministic: no points). */
export const EXACT_WEIGHTS: Run = { samples: 0, key: DEFAULT_KEY }

export const NEEDS_EXACT_ARGMAX = "It needs exact argmax probabilities: i.i.d. Gumbel or independent continuous noise"

/**
 * The exact argmax probabilities of one row, for the estimators that lean on them (stratified, the
 * control variate): they evaluate them at every row, so only the cheap, deterministic methods;
 * elsewhere the `InvalidArgument` (naming `argument`) the option or method is refused with.
 */
export const argmaxWeights = (
  exact: ExactMethod | InvalidArgument,
  run: Run,
  argument: "method" | "controlVariate",
  value: unknown
): (row: Float64Array) => Float64Array => {
  if (exact instanceof InvalidArgument || !exact.weights) throw new InvalidArgument({ argument, value, reason: NEEDS_EXACT_ARGMAX })
  return (row) => exact.row(row, run).probs
}

/**
 * The weights of `controlVariate: true` for a Perturb-Softmax estimator, or the `InvalidArgument`
 * (naming `controlVariate`) where the estimator or the noise does not take them.
 */
export const controlVariateWeights = (method: Method, exact: ExactMethod | InvalidArgument, run: Run): (row: Float64Array) => Float64Array => {
  const reason = method === "exact" ? undefined : estimators[method].controlVariate
  if (reason !== undefined) throw new InvalidArgument({ argument: "controlVariate", value: true, reason })
  return argmaxWeights(exact, run, "controlVariate", true)
}

const anywhere = (): undefined => undefined

/** Stratified Perturb-Softmax probs on `samples` points, weighted by the exact argmax probabilities. */
const stratified: NonNullable<Estimator["probs"]> = (model, theta, options, tau, exact) => {
  const d = model.space.dim
  const rows = theta.rank === 1 ? 1 : theta.shape[0]!
  // Throws: the stratified estimator weights by the exact argmax probabilities already.
  if (options.controlVariate === true) controlVariateWeights("stratified", exact, EXACT_WEIGHTS)
  const key = options.key === undefined ? DEFAULT_KEY : checkKey(options.key)
  const given = options.samples === undefined ? undefined : checkSamples("samples", options.samples)
  const samples = given ?? defaultSamples(rows, d)
  checkEstimatorWork(given === undefined ? "theta" : "samples", given ?? [rows, d], samples, rows, d)
  return stratifiedProbs(model.noise, theta, d, tau, { samples, key }, argmaxWeights(exact, EXACT_WEIGHTS, "method", "stratified"))
}

export const estimators: { readonly [K in Exclude<Method, "exact">]: Estimator } = {
  /** Scrambled Sobol + antithetic, in replicates whose spread is the standard error. */
  qmc: { accuracy: "stdError", gradient: "estimate", refusal: anywhere, points: randomPoints(qmcPoints) },
  /** Plain Monte Carlo, with the per-point variance as standard error. */
  mc: { accuracy: "stdError", gradient: "estimate", refusal: anywhere, points: randomPoints(mcPoints) },
  /** Tensor Gauss–Legendre in u-space, with the halved rule's change as error bound. */
  quadrature: {
    accuracy: "errorBound",
    gradient: "estimate",
    refusal: (model) => (model.space.dim > 4 ? `Tensor quadrature needs d ≤ 4, got d = ${model.space.dim}` : undefined),
    controlVariate: "A control variate applies to the qmc and mc methods",
    points: gaussLegendrePoints,
    errorBound: (model, theta, options, mean, f) => quadratureErrorBound(model, theta, options.samples ?? defaultNodes(model.space.dim), mean, f)
  },
  /** Perturb-Softmax probs stratified on the argmax, weighted by the exact argmax probabilities. */
  stratified: {
    accuracy: "stdError",
    gradient: "weights",
    refusal: (model, kernel, exact) =>
      model._tag !== "PerturbSoftmax" || kernel === "potential"
        ? "The stratified method applies to Perturb-Softmax probs only"
        : exact instanceof InvalidArgument || !exact.weights
        ? NEEDS_EXACT_ARGMAX
        : undefined,
    controlVariate: "The stratified method already uses the exact argmax probabilities",
    probs: stratified
  }
}
