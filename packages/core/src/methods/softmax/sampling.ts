/**
 * The sampling and quadrature estimators (`qmc`, `mc`, `quadrature`) of `probs` / `potential`:
 * points sized against the work limits, averages over points with standard errors from replicates
 * or per-point variance, and the quadrature's error bound.
 */
import * as tf from "@tensorflow/tfjs"
import type { Key, NoiseLike } from "@perturb/noise"
import type { Model } from "../../Model.js"
import { checkKey, checkSamples, DEFAULT_KEY, type EstimateOptions } from "../../internal/estimate.js"
import { checkEstimatorWork, defaultSamples } from "../../internal/limits.js"
import { type Points, quadraturePoints } from "../../internal/points.js"

/** Gauss–Legendre nodes per axis for `quadrature` when `samples` is not given. */
export const defaultNodes = (d: number): number => (d <= 2 ? 512 : d === 3 ? 96 : 32)

/** The key and the given point count of the options, checked (the key even where a rule ignores it). */
const pointOptions = (options: EstimateOptions): { key: Key.Key; given: number | undefined } => ({
  key: options.key === undefined ? DEFAULT_KEY : checkKey(options.key),
  given: options.samples === undefined ? undefined : checkSamples("samples", options.samples)
})

/**
 * Estimator points of `mc` / `qmc` (`draw`), sized and checked against the work limits before
 * anything is allocated. The default point count adapts to d and the rows (`defaultSamples`).
 */
export const randomPoints = (draw: (noise: NoiseLike, d: number, samples: number, key: Key.Key) => Points) =>
(model: Model, options: EstimateOptions, rows: number): Points => {
  const d = model.space.dim
  const { key, given } = pointOptions(options)
  const samples = given ?? defaultSamples(rows, d)
  checkEstimatorWork(given === undefined ? "theta" : "samples", given ?? [rows, d], samples, rows, d)
  return draw(model.noise, d, samples, key)
}

/** The `quadrature` points: `samples` Gauss–Legendre nodes per axis, checked against the work limits. */
export const gaussLegendrePoints = (model: Model, options: EstimateOptions, rows: number): Points => {
  const d = model.space.dim
  // d ≤ 4 is the capability's decision (methodCapability), read before any points are asked for.
  const nodes = pointOptions(options).given ?? defaultNodes(d)
  checkEstimatorWork("samples", nodes, nodes ** d, rows, d)
  return quadraturePoints(model.noise, d, nodes)
}

/**
 * The quadrature's error estimate: max_i |Q_n − Q_m| over each row, m = ⌈n/2⌉ nodes per axis.
 * Gauss–Legendre in u-space converges algebraically here (the inverse cdf is singular at 0 and 1),
 * so the coarser rule's error, which this measures, bounds the finer one's; the row maximum, not
 * each entry's own difference, because a single entry's two errors can cross (measured: 4e-7
 * against a true 1.1e-6 at d = 4; checked against SciPy references).
 */
export const quadratureErrorBound = (
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
export const averageOverPoints = (
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
