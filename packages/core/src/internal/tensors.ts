/**
 * Boundary checks for tensors handed to kernels: rank, last dimension, dtype and finiteness,
 * each failure a typed error naming the argument.
 */
import * as tf from "@tensorflow/tfjs"
import { DimensionMismatch, InvalidArgument } from "../Errors.js"
import { indexPath } from "./batch.js"
import { readsBackSync } from "./kernels.js"
import { checkTemperature, isTemperature32, TEMPERATURE_REASON } from "./temperature.js"

/**
 * A live tf.Tensor. A disposed one is refused here: tfjs would otherwise fail deep inside an op with
 * "Cannot read properties of undefined (reading 'backend')". Its shape is the value shown.
 */
export const checkLive = (argument: string, x: unknown, expected: string): tf.Tensor => {
  if (!(x instanceof tf.Tensor)) throw new InvalidArgument({ argument, value: x, reason: `Expected ${expected}` })
  if (x.isDisposed) {
    throw new InvalidArgument({ argument, value: x.shape, reason: `Expected ${expected}; this one (of that shape) is disposed` })
  }
  return x
}

/**
 * A float32 tensor of rank 1 or 2 whose last axis is d, every value finite. `anyRank` admits any
 * rank ≥ 1 (`[..., d]`): the kernels' public boundary, which reshapes to 2-D (internal/batch.ts).
 */
export const checkTensor = (argument: string, value: unknown, d: number, options?: { finite?: boolean; anyRank?: boolean }): tf.Tensor => {
  const anyRank = options?.anyRank === true
  const x = checkLive(argument, value, anyRank ? "a tf.Tensor of shape [..., d]" : "a tf.Tensor of rank 1 or 2")
  if (x.dtype !== "float32") {
    throw new InvalidArgument({ argument, value: x.dtype, reason: "Expected dtype float32" })
  }
  if (anyRank ? x.rank < 1 : x.rank !== 1 && x.rank !== 2) {
    throw new InvalidArgument({ argument, value: x.shape, reason: anyRank ? "Expected rank ≥ 1 ([..., d])" : "Expected rank 1 ([d]) or 2 ([rows, d])" })
  }
  const last = x.shape[x.rank - 1]!
  if (last !== d) throw new DimensionMismatch({ argument, expected: d, received: last })
  // Skipped where tfjs cannot read back synchronously (webgpu in Node; see readsBackSync).
  // An empty tensor (the free parameters of a single-point space) has nothing to check, and tfjs's
  // tf.all of no elements reads false.
  if (options?.finite !== false && x.size > 0 && readsBackSync()) {
    // One scalar read-back: cheap next to the kernels, and it turns a silent NaN into an error.
    const bad = tf.tidy(() => tf.logicalNot(tf.all(tf.isFinite(x))).dataSync()[0])
    if (bad) {
      const values = x.dataSync()
      const index = values.findIndex((v) => !Number.isFinite(v))
      const at = x.rank <= 2 ? `[${index}]` : indexPath(x.shape, index)
      throw new InvalidArgument({ argument: `${argument}${at}`, value: values[index], reason: "Expected a finite number" })
    }
  }
  return x
}

/** A temperature: a number in the accepted range, or a tensor of per-row temperatures ([rows] or [rows, 1]). */
export const checkTemperatureTensor = (argument: string, t: unknown, rows: number): number | tf.Tensor => {
  if (typeof t === "number") return checkTemperature(argument, t)
  if (!(t instanceof tf.Tensor)) throw new InvalidArgument({ argument, value: t, reason: "Expected a number or a tf.Tensor" })
  if (!(t.rank === 1 || (t.rank === 2 && t.shape[1] === 1)) || t.shape[0] !== rows) {
    throw new DimensionMismatch({ argument: `${argument}.shape`, expected: rows, received: t.shape[0] ?? 0 })
  }
  const values = t.dataSync()
  const index = values.findIndex((v) => !isTemperature32(v))
  if (index >= 0) throw new InvalidArgument({ argument: `${argument}[${index}]`, value: values[index], reason: TEMPERATURE_REASON })
  return t
}

/**
 * softmax(z/τ) along the last axis, with the maximum subtracted before the division: (z − max)/τ
 * is ≤ 0, so it can only underflow (to the argmax limit), where z/τ overflowed to ±∞ and gave NaN
 * for small τ or large z. `tau` is a number or a tensor broadcasting against z.
 */
export const temperedSoftmax = (z: tf.Tensor, tau: number | tf.Tensor): tf.Tensor =>
  tf.softmax(tf.div(tf.sub(z, tf.max(z, -1, true)), tau))

/** τ·logsumexp(z/τ) along the last axis, as max z + τ·logsumexp((z − max z)/τ) (see `temperedSoftmax`). */
export const temperedLogSumExp = (z: tf.Tensor, tau: number): tf.Tensor => {
  const m = tf.max(z, -1, true)
  return tf.add(tf.squeeze(m, [-1]), tf.mul(tf.logSumExp(tf.div(tf.sub(z, m), tau), -1), tau))
}

/** Rows of a [d] or [n, d] tensor as float64 arrays. */
export const rowsOf = (x: tf.Tensor, d: number): Array<Float64Array> => {
  const data = x.dataSync()
  const n = data.length / d
  return Array.from({ length: n }, (_, i) => Float64Array.from(data.subarray(i * d, (i + 1) * d)))
}

/**
 * `tf.customGrad` with typed inputs: tfjs passes the inputs, then a save function, through one
 * untyped rest parameter; this splits them once so callers stay cast-free.
 */
export const customOp = (
  f: (
    inputs: Array<tf.Tensor>,
    save: tf.GradSaveFunc
  ) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: Array<tf.Tensor>) => tf.Tensor | Array<tf.Tensor> }
) =>
  tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc
    return f(args.slice(0, -1) as Array<tf.Tensor>, save)
  })
