/**
 * Perturb-Argmax probabilities by sampling (`qmc`, `mc`, `quadrature`): the argmax frequencies,
 * differentiated by the score-function estimator.
 */
import * as tf from "@tensorflow/tfjs"
import type { Model } from "../../Model.js"
import { checkEstimatorWork } from "../../internal/limits.js"
import type { Points } from "../../internal/points.js"
import { scoreAt } from "../../internal/score.js"
import { customOp } from "../../internal/tensors.js"
import type { MethodCapability } from "../method.js"
import { averageOverPoints } from "./sampling.js"

/**
 * Perturb-Argmax probabilities by sampling: the frequencies of the argmax, with the score-function
 * (perturbed-optimizer) gradient of Berthet et al. 2020 as their custom gradient:
 * ∂P_i/∂θ_k = −E[1{argmax(θ + γ) = i} · s_k(γ)], s = ∇ log g (for N(0, σ²I), s = −γ/σ²), on the
 * same points, so a vector-Jacobian product is −E[dy_{argmax} · s(γ)]. Noise without a score
 * (density jumps or atoms) makes the gradient a typed error, never zeros. With `jacobian`, the
 * whole estimated Jacobian and its standard error (replicate spread or per-point variance).
 */
export const argmaxFrequencies = (
  model: Model,
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
