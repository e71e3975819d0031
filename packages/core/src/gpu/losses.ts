/**
 * Two reductions of a categorical VAE's loss as single WGSL dispatches on the webgpu backend (and
 * one dispatch each backward), where tfjs composes about twenty kernels forward and backward:
 *
 * - `gpuBernoulliNll(o, x)` = scale · Σ (softplus(o) − x·o), the negative log-likelihood of
 *   binary x under Bernoulli logits o, computed as max(o, 0) − x·o + log1p(e^−|o|);
 *   ∂/∂o = scale · (σ(o) − x). x is data: it gets no gradient.
 * - `gpuCategoricalKl(θ)` = scale · Σ_rows KL(softmax(θ_row) ‖ uniform)
 *   = scale · Σ_rows (Σ_j q_j log q_j + log K), with log q from a max-shifted log-sum-exp;
 *   ∂/∂θ_j = scale · q_j (log q_j − Σ_i q_i log q_i).
 *
 * The forward pass is one workgroup of 256 threads striding over the input, then a tree sum: a
 * deterministic order, fine for the 10⁴–10⁵ values of a training batch (not meant for 10⁸).
 *
 * @since 0.2.0
 */
import * as tf from "@tensorflow/tfjs-core"
import type { WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu"
import { DimensionMismatch, InvalidArgument } from "../Errors.js"
import { requireWebGPU } from "../internal/kernels.js"
import { FlatProgram } from "./program.js"

const THREADS = 256

/**
 * @example
 * import type { GpuLossOptions } from "@perturb/core/gpu"
 * const mean: GpuLossOptions = { scale: 1 / 32 } // a mean over a batch of 32
 * @since 0.2.0
 * @category models
 */
export interface GpuLossOptions {
  /** A finite factor applied to the sum (e.g. 1/batch for a mean over the batch). Default 1. */
  readonly scale?: number
}

type Kind = "bernoulli" | "kl"

const sumWgsl = `
var<workgroup> red : array<f32, ${THREADS}>;
fn workgroupSum(tid : i32, v : f32) -> f32 {
  red[tid] = v;
  workgroupBarrier();
  for (var s = ${THREADS / 2}; s > 0; s = s >> 1u) {
    if (tid < s) { red[tid] = red[tid] + red[tid + s]; }
    workgroupBarrier();
  }
  return red[0];
}`

/** Per-row log-softmax pieces of θ [rows, K]: max and log Σ e^(θ − max). */
const rowWgsl = `
fn rowShift(r : i32, K : i32) -> vec2<f32> {
  var m = -3.4e38;
  for (var j = 0; j < K; j++) { m = max(m, f32(theta[r * K + j])); }
  var s = 0.0;
  for (var j = 0; j < K; j++) { s = s + exp(f32(theta[r * K + j]) - m); }
  return vec2<f32>(m, log(s));
}
// Σ_j q_j log q_j for row r.
fn rowNegEntropy(r : i32, K : i32) -> f32 {
  let ms = rowShift(r, K);
  var h = 0.0;
  for (var j = 0; j < K; j++) {
    let lq = f32(theta[r * K + j]) - ms.x - ms.y;
    h = h + exp(lq) * lq;
  }
  return h;
}`

/**
 * The forward reduction: uniforms n (elements or rows), K (categories), scale. One workgroup.
 *
 * @since 0.2.0
 * @category gpu
 */
export class LossProgram implements WebGPUProgram {
  variableNames: Array<string>
  outputShape = [1]
  shaderKey: string
  dispatchLayout = { x: [0] }
  dispatch: [number, number, number] = [1, 1, 1]
  workgroupSize: [number, number, number] = [THREADS, 1, 1]
  uniforms = "n : i32, K : i32, scale : f32,"
  readonly kind: Kind

  constructor(kind: Kind) {
    this.kind = kind
    this.variableNames = kind === "bernoulli" ? ["o", "x"] : ["theta"]
    this.shaderKey = `perturbLoss_${kind}`
  }

  getUserCode(): string {
    const term = this.kind === "bernoulli"
      ? `let v = f32(o[i]);
      t = t + (max(v, 0.0) - f32(x[i]) * v + log(1.0 + exp(-abs(v))));`
      : `t = t + rowNegEntropy(i, uniforms.K) + log(f32(uniforms.K));`
    return `
${sumWgsl}
${this.kind === "kl" ? rowWgsl : ""}
fn main(index : i32) {
  let tid = i32(localId.x);
  var t = 0.0;
  for (var i = tid; i < uniforms.n; i += ${THREADS}) {
    ${term}
  }
  let total = workgroupSum(tid, t);
  if (tid == 0) { result[0] = total * uniforms.scale; }
}
`
  }
}

/**
 * The backward pass, one thread per output element: uniforms n (elements), K, scale; dy is the
 * scalar upstream gradient.
 *
 * @since 0.2.0
 * @category gpu
 */
export class LossGradProgram extends FlatProgram {
  readonly kind: Kind

  constructor(kind: Kind, n: number) {
    super(n, THREADS, {
      variableNames: kind === "bernoulli" ? ["o", "x", "dy"] : ["theta", "dy"],
      shaderKey: `perturbLossGrad_${kind}`,
      uniforms: "n : i32, K : i32, scale : f32,"
    })
    this.kind = kind
  }

  getUserCode(): string {
    const body = this.kind === "bernoulli"
      ? `let v = f32(o[index]);
    result[index] = g * (1.0 / (1.0 + exp(-v)) - f32(x[index]));`
      : `let K = uniforms.K;
    let r = index / K;
    let ms = rowShift(r, K);
    let lq = f32(theta[index]) - ms.x - ms.y;
    result[index] = g * exp(lq) * (lq - rowNegEntropy(r, K));`
    return `
${this.kind === "kl" ? rowWgsl : ""}
fn main(index : i32) {
  if (index < uniforms.n) {
    let g = f32(dy[0]) * uniforms.scale;
    ${body}
  }
}
`
  }
}

const run = (program: WebGPUProgram, inputs: Array<tf.Tensor>, n: number, K: number, scale: number): tf.Tensor =>
  tf.engine().makeTensorFromTensorInfo(requireWebGPU("gpuLoss").runWebGPUProgram(program, inputs, "float32", [
    { type: "int32", data: [n] },
    { type: "int32", data: [K] },
    { type: "float32", data: [scale] }
  ]))

const checkFloat = (argument: string, t: unknown): tf.Tensor => {
  if (!(t instanceof tf.Tensor)) throw new InvalidArgument({ argument, value: t, reason: "Expected a tf.Tensor" })
  if (t.dtype !== "float32") throw new InvalidArgument({ argument, value: t.dtype, reason: "Expected dtype float32" })
  return t
}

const scaleOf = (options: GpuLossOptions | undefined): number => {
  const s = options?.scale ?? 1
  if (typeof s !== "number" || !Number.isFinite(s)) throw new InvalidArgument({ argument: "options.scale", value: s, reason: "Expected a finite number" })
  return s
}

/**
 * scale · Σ (softplus(o) − x·o): the Bernoulli negative log-likelihood of x (0/1 values, or any
 * reals for the same formula) under logits o of the same shape, as one dispatch forward and one
 * backward; x gets no gradient. Throws `InvalidArgument` (argument named) off webgpu or for non-float32
 * tensors, `DimensionMismatch` when the shapes differ.
 *
 * @example
 * ```ts webgpu
 * import * as tf from "@tensorflow/tfjs-core"
 * import { enableWebGPU, gpuBernoulliNll } from "@perturb/core/gpu"
 * await enableWebGPU()
 * const nll = gpuBernoulliNll(tf.zeros([2, 3]), tf.ones([2, 3]), { scale: 0.5 }) // 3·log 2
 * ```
 * @since 0.2.0
 * @category kernels
 */
export const gpuBernoulliNll = (logits: tf.Tensor, x: tf.Tensor, options?: GpuLossOptions): tf.Scalar => {
  requireWebGPU("gpuLoss")
  checkFloat("logits", logits)
  checkFloat("x", x)
  if (!tf.util.arraysEqual(logits.shape, x.shape)) {
    throw new DimensionMismatch({ argument: "x.shape", expected: `[${logits.shape.join(", ")}]`, received: `[${x.shape.join(", ")}]` })
  }
  const scale = scaleOf(options)
  const n = logits.size
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const o = args[0] as tf.Tensor
    const save = args[1] as tf.GradSaveFunc
    save([o, x])
    const value = run(new LossProgram("bernoulli"), [o, x], n, 1, scale).reshape([]) as tf.Scalar
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: Array<tf.Tensor>) => [run(new LossGradProgram("bernoulli", n), [saved[0]!, saved[1]!, dy], n, 1, scale).reshape(o.shape)]
    }
  })
  return op(logits) as tf.Scalar
}

/**
 * scale · Σ_rows KL(softmax(θ_row) ‖ uniform on K) for θ [rows, K], as one dispatch forward and
 * one backward. Throws `InvalidArgument` off webgpu, for a rank other than 2 or a non-float32 θ.
 *
 * @example
 * ```ts webgpu
 * import * as tf from "@tensorflow/tfjs-core"
 * import { enableWebGPU, gpuCategoricalKl } from "@perturb/core/gpu"
 * await enableWebGPU()
 * const kl = gpuCategoricalKl(tf.zeros([4, 10])) // 0: softmax(0) is uniform
 * ```
 * @since 0.2.0
 * @category kernels
 */
export const gpuCategoricalKl = (theta: tf.Tensor2D, options?: GpuLossOptions): tf.Scalar => {
  requireWebGPU("gpuLoss")
  checkFloat("theta", theta)
  if (theta.rank !== 2) throw new InvalidArgument({ argument: "theta", value: theta.shape, reason: "Expected rank 2 ([rows, K])" })
  const scale = scaleOf(options)
  const [rows, K] = theta.shape
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const t = args[0] as tf.Tensor
    const save = args[1] as tf.GradSaveFunc
    save([t])
    const value = run(new LossProgram("kl"), [t], rows, K, scale).reshape([]) as tf.Scalar
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: Array<tf.Tensor>) => [run(new LossGradProgram("kl", rows * K), [saved[0]!, dy], rows * K, K, scale).reshape([rows, K])]
    }
  })
  return op(theta) as tf.Scalar
}
