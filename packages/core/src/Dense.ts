/**
 * A dense layer y = x·W + b for training code, with a hand-written backward pass.
 *
 * Why: tfjs's wasm backend computes the transposed matrix products of the default gradient
 * (`matMul(dy, W, false, true)`, `matMul(x, dy, true, false)`) 12–20× slower than plain ones. The
 * backward pass here transposes explicitly and multiplies untransposed, which cut a categorical-VAE
 * step from ~200 ms to ~33 ms on a 2-core machine (docs/architecture.md).
 *
 * x's gradient is (W·dyᵀ)ᵀ rather than dy·Wᵀ: XNNPACK re-packs a product's right operand whenever
 * it is a new tensor, and W changes every optimizer step, so dy·Wᵀ paid a transpose and a packing
 * of all of W where (W·dyᵀ)ᵀ transposes and packs only batch-sized tensors (13.3 → 9.5 ms over the
 * six layers of the VAE at batch 100, one thread). Each element sums the same products in the same
 * order, so the result is the same to the bit.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs"
import { DimensionMismatch, InvalidArgument } from "./Errors.js"
import { checkLive, customOp } from "./internal/tensors.js"

/**
 * Options of `dense`. `inputGradient: false` (for a first layer fed with data) returns zeros as
 * x's gradient instead of dy·Wᵀ: a custom op's backward computes every input's gradient, where
 * tfjs's own matMul gradient computes only those that are needed, so without it a data layer pays
 * for a product that is thrown away (~5 ms of a 42 ms VAE step).
 *
 * @example
 * import { dense, type DenseOptions } from "@perturb/core"
 * import * as tf from "@tensorflow/tfjs"
 * const firstLayer: DenseOptions = { inputGradient: false } // the input is data: skip its gradient
 * dense(tf.ones([2, 3]), tf.ones([3, 4]), tf.zeros([4]), firstLayer)
 * @since 0.2.0
 * @category kernels
 */
export interface DenseOptions {
  /** Whether x gets a gradient (default true); `false` for a first layer, whose input is data. */
  readonly inputGradient?: boolean
}

/**
 * x: [n, in], W: [in, out], b: [out] → [n, out]; gradients to all three (to x unless
 * `inputGradient: false`).
 *
 * @example
 * import * as tf from "@tensorflow/tfjs"
 * import { dense } from "@perturb/core"
 * const y = dense(tf.ones([2, 3]), tf.ones([3, 4]), tf.zeros([4])) // [2, 4] of 3s
 * @since 0.1.0
 * @category kernels
 */
export const dense = (x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D, options?: DenseOptions): tf.Tensor2D => {
  if (options !== undefined && (typeof options !== "object" || options === null || Array.isArray(options))) {
    throw new InvalidArgument({ argument: "options", value: options, reason: "Expected { inputGradient?: boolean } or undefined" })
  }
  const inputGradient = options?.inputGradient ?? true
  if (typeof inputGradient !== "boolean") {
    throw new InvalidArgument({ argument: "options.inputGradient", value: inputGradient, reason: "Expected a boolean" })
  }
  if (checkLive("x", x, "a rank-2 tensor").rank !== 2) throw new InvalidArgument({ argument: "x", value: x.shape, reason: "Expected a rank-2 tensor" })
  if (checkLive("W", W, "a rank-2 tensor").rank !== 2) throw new InvalidArgument({ argument: "W", value: W.shape, reason: "Expected a rank-2 tensor" })
  if (checkLive("b", b, "a rank-1 tensor").rank !== 1) throw new InvalidArgument({ argument: "b", value: b.shape, reason: "Expected a rank-1 tensor" })
  if (x.shape[1] !== W.shape[0]) throw new DimensionMismatch({ argument: "W.shape[0]", expected: x.shape[1], received: W.shape[0] })
  if (b.shape[0] !== W.shape[1]) throw new DimensionMismatch({ argument: "b.shape[0]", expected: W.shape[1], received: b.shape[0] })
  const op = customOp(([xi, Wi, bi], save) => {
    save([xi!, Wi!])
    const value = tf.add(tf.matMul(xi as tf.Tensor2D, Wi as tf.Tensor2D), bi!)
    const gradFunc = (dy: tf.Tensor, saved: Array<tf.Tensor>) => {
      const [xs, Ws] = saved as [tf.Tensor2D, tf.Tensor2D]
      const dy2 = dy as tf.Tensor2D
      return [
        inputGradient ? tf.transpose(tf.matMul(Ws, tf.transpose(dy2))) : tf.zeros(xs.shape),
        tf.matMul(tf.transpose(xs), dy2),
        tf.sum(dy2, 0)
      ]
    }
    return { value, gradFunc }
  })
  return op(x, W, b) as tf.Tensor2D
}
