/**
 * A dense layer y = act(x·W + b) on the webgpu backend in one WGSL dispatch forward and two or
 * three backward (dx = dz·Wᵀ, dW = xᵀ·dz, db = Σ_rows dz with dz = dy ⊙ act'), where tfjs runs
 * matMul, add and relu forward and about eight kernels backward. A training step of a small MLP
 * is bound by the number of dispatches, not by arithmetic, so this is what makes it fast.
 *
 * Laws (tested against `tf.matMul` on the cpu backend): `gpuDense(x, W, b)` = x·W + b;
 * `gpuDense(x, W, b, { relu: true })` = relu(x·W + b); the gradients are those of these formulas,
 * with relu'(0) = 0 as in tfjs.
 *
 * @since 0.2.0
 */
import * as tf from "@tensorflow/tfjs-core"
import { DimensionMismatch, InvalidArgument } from "../Errors.js"
import { requireWebGPU } from "../internal/kernels.js"
import { ColumnSumProgram, DenseMatMulProgram, TILE } from "./matmul.js"

/**
 * @example
 * import type { GpuDenseOptions } from "@perturb/core/gpu"
 * const hidden: GpuDenseOptions = { relu: true, inputGradient: false }
 * @since 0.2.0
 * @category models
 */
export interface GpuDenseOptions {
  /** Apply ReLU to x·W + b. Default false. */
  readonly relu?: boolean
  /**
   * Whether x gets a gradient. Default true; `false` for a network's first layer, whose input is
   * data, skips the dx product (one dispatch) and leaves x off the gradient tape.
   */
  readonly inputGradient?: boolean
}

type Uniform = { type: "int32"; data: Array<number> }

const run = (program: DenseMatMulProgram | ColumnSumProgram, inputs: Array<tf.Tensor>, uniforms: Array<Uniform>): tf.Tensor => {
  const info = requireWebGPU("gpuDense").runWebGPUProgram(program, inputs, "float32", uniforms)
  return tf.engine().makeTensorFromTensorInfo(info)
}

const check2d = (argument: string, t: unknown): tf.Tensor2D => {
  if (!(t instanceof tf.Tensor) || t.rank !== 2) {
    throw new InvalidArgument({ argument, value: t instanceof tf.Tensor ? t.shape : t, reason: "Expected a rank-2 tf.Tensor" })
  }
  if (t.dtype !== "float32") throw new InvalidArgument({ argument, value: t.dtype, reason: "Expected dtype float32" })
  return t as tf.Tensor2D
}

// A 2-D dispatch of 32 × 32 tiles: at most 65535 tiles along each side (WebGPU's guaranteed limit).
const MAX_SIDE = 65535 * TILE

/**
 * Fused dense layer on the webgpu backend: x [n, in], W [in, out], b [out] → act(x·W + b) [n, out],
 * as a `tf.customGrad` op, so `tf.grad` and optimizers see it like any tfjs op. Throws
 * `InvalidArgument` (naming the argument) for tensors of the wrong rank or dtype and when the
 * active backend is not webgpu, `DimensionMismatch` when W or b does not fit x.
 *
 * @example
 * ```ts webgpu
 * import * as tf from "@tensorflow/tfjs-core"
 * import { enableWebGPU, gpuDense } from "@perturb/core/gpu"
 * await enableWebGPU()
 * const y = gpuDense(tf.ones([2, 3]), tf.ones([3, 4]), tf.zeros([4]), { relu: true }) // [2, 4] of 3s
 * ```
 * @since 0.2.0
 * @category kernels
 */
export const gpuDense = (x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D, options?: GpuDenseOptions): tf.Tensor2D => {
  requireWebGPU("gpuDense")
  check2d("x", x)
  check2d("W", W)
  if (!(b instanceof tf.Tensor) || b.rank !== 1) {
    throw new InvalidArgument({ argument: "b", value: b instanceof tf.Tensor ? b.shape : b, reason: "Expected a rank-1 tf.Tensor" })
  }
  if (b.dtype !== "float32") throw new InvalidArgument({ argument: "b", value: b.dtype, reason: "Expected dtype float32" })
  const [n, k] = x.shape
  const m = W.shape[1]
  if (W.shape[0] !== k) throw new DimensionMismatch({ argument: "W.shape[0]", expected: k, received: W.shape[0] })
  if (b.shape[0] !== m) throw new DimensionMismatch({ argument: "b.shape[0]", expected: m, received: b.shape[0]! })
  for (const [argument, size] of [["x.shape[0]", n], ["x.shape[1]", k], ["W.shape[1]", m]] as const) {
    if (size > MAX_SIDE) throw new InvalidArgument({ argument, value: size, reason: `Expected at most ${MAX_SIDE} (65535 tiles of ${TILE})` })
  }
  const relu = options?.relu ?? false
  if (typeof relu !== "boolean") throw new InvalidArgument({ argument: "options.relu", value: relu, reason: "Expected a boolean" })
  const inputGradient = options?.inputGradient ?? true
  if (typeof inputGradient !== "boolean") {
    throw new InvalidArgument({ argument: "options.inputGradient", value: inputGradient, reason: "Expected a boolean" })
  }

  const forward = (xi: tf.Tensor, Wi: tf.Tensor, bi: tf.Tensor): tf.Tensor =>
    run(new DenseMatMulProgram("forward", relu, [n, m]), [xi, Wi, bi], [{ type: "int32", data: [n] }, { type: "int32", data: [m] }, { type: "int32", data: [k] }])
  // dz = dy ⊙ [y > 0] is formed inside each product's loads; without ReLU y is not needed.
  const grads = (dy: tf.Tensor, xs: tf.Tensor, Ws: tf.Tensor, y: tf.Tensor | undefined): { dx?: tf.Tensor; dW: tf.Tensor; db: tf.Tensor } => {
    const dyc = dy.dtype === "float32" ? dy : tf.cast(dy, "float32")
    const masked = (first: Array<tf.Tensor>) => (y === undefined ? first : [...first, y])
    const dW = run(new DenseMatMulProgram("dW", relu, [k, m]), masked([xs, dyc]), [{ type: "int32", data: [k] }, { type: "int32", data: [m] }, { type: "int32", data: [n] }])
    const db = run(new ColumnSumProgram(relu, m), masked([dyc]), [{ type: "int32", data: [n] }, { type: "int32", data: [m] }])
    if (!inputGradient) return { dW, db }
    const dxInputs = y === undefined ? [dyc, Ws] : [dyc, y, Ws]
    const dx = run(new DenseMatMulProgram("dx", relu, [n, k]), dxInputs, [{ type: "int32", data: [n] }, { type: "int32", data: [k] }, { type: "int32", data: [m] }])
    return { dx, dW, db }
  }

  // Without inputGradient x is closed over, not an input: the tape never asks for its gradient.
  // It is saved all the same (kept alive for the backward pass).
  const inputs: Array<tf.Tensor> = inputGradient ? [x, W, b] : [W, b]
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, Wi, bi] = (inputGradient ? args : [x, ...args]) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D]
    const save = args[inputs.length] as tf.GradSaveFunc
    const value = forward(xi, Wi, bi)
    save(relu ? [xi, Wi, value] : [xi, Wi])
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: Array<tf.Tensor>) => {
        const g = grads(dy, saved[0]!, saved[1]!, relu ? saved[2]! : undefined)
        return inputGradient ? [g.dx!, g.dW, g.db] : [g.dW, g.db]
      }
    }
  })
  return op(...inputs) as tf.Tensor2D
}
