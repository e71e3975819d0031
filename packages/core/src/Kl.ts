/**
 * KL divergence between categorical distributions on tensors, with the checks that keep it from
 * being silently wrong (shapes that would broadcast, entries that are not probabilities).
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs"
import { DimensionMismatch, InvalidArgument } from "./Errors.js"
import { readsBackSync } from "./internal/kernels.js"
import { checkLive } from "./internal/tensors.js"

// The smallest normal float32. A float32 zero stands for a value below 2^-150, so reading it as this
// floor inside log keeps KL and its gradient finite (q/p ≤ 2^126 cannot overflow; 2^-149 would).
const LOG_FLOOR = 2 ** -126

/**
 * Entries of a probability tensor: finite and ≥ 0, checked with one scalar read-back on the backends
 * that can read back synchronously (not webgpu, as for θ).
 */
const checkProbabilities = (argument: string, x: unknown): tf.Tensor => {
  if (!(x instanceof tf.Tensor)) throw new InvalidArgument({ argument, value: x, reason: "Expected a tf.Tensor" })
  if (x.isDisposed) throw new InvalidArgument({ argument, value: "a disposed tensor", reason: "Expected a live tf.Tensor" })
  if (x.dtype !== "float32") throw new InvalidArgument({ argument, value: x.dtype, reason: "Expected dtype float32" })
  if (readsBackSync()) {
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
 * @example
 * import { klCategorical } from "@perturb/core"
 * import * as tf from "@tensorflow/tfjs"
 * klCategorical(tf.tensor1d([0.5, 0.5]), tf.tensor1d([0.5, 0.5])).print() // 0
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
