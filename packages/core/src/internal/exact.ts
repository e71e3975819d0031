/**
 * Exact Perturb-Argmax probabilities and potentials as tfjs ops: the float64 numerics of the exact
 * method record (`methods/registry.ts` picks it) run row by row, wrapped in `tf.customGrad` so the
 * backward pass is analytic: ∂M/∂θ = P, and the Jacobian of P is the symmetric Hessian of M, so a
 * vector-Jacobian product is a Jacobian-vector product.
 */
import * as tf from "@tensorflow/tfjs"
import { Key } from "@perturb/noise"
import { InvalidArgument } from "../Errors.js"
import { type ExactMethod, exactMethod, type ExactRow, type Run } from "../methods/registry.js"
import type { NoiseClass } from "./classify.js"
import { customOp, rowsOf } from "./tensors.js"

export type { ExactRow } from "../methods/registry.js"

/** P and M of one row by the noise class's exact method (throws where it has none). */
export const exactRow = (cls: NoiseClass, theta: Float64Array, options: Run): ExactRow => {
  const method = exactMethod(cls, theta.length)
  if (method instanceof InvalidArgument) throw method
  return method.row(theta, options)
}

/** The rows of x as float64 with each row's exact result: what every custom op below starts from. */
const runRows = (method: ExactMethod, x: tf.Tensor, d: number, options: Run) => {
  const rows = rowsOf(x, d)
  return { rows, results: rows.map((r) => method.row(r, options)) }
}

/** The shape of the ops below: an exact method applied to θ ([d] or [n, d]) under the run's options. */
type TensorOp<R> = (method: ExactMethod, theta: tf.Tensor, d: number, options: Run) => R

/** P(θ) for θ of shape [d] or [n, d], differentiable. Gumbel stays in tf ops (softmax). */
export const exactProbs: TensorOp<tf.Tensor> = (method, theta, d, options) => {
  if (method.ops !== undefined) return method.ops.probs(theta)
  const op = customOp(([input]) => {
    const x = input!
    const { rows, results } = runRows(method, x, d, options)
    const value = tf.tensor(concat(results.map((r) => r.probs)), x.shape, "float32")
    const gradFunc = (dy: tf.Tensor) => {
      const dys = rowsOf(dy, d)
      return tf.tensor(concat(rows.map((r, i) => method.jvp(r, dys[i]!, options))), x.shape, "float32")
    }
    return { value, gradFunc }
  })
  return op(theta)
}

/**
 * P(θ) with its standard error where the "exact" method is a randomised rule: the correlated
 * Gaussian's lattice at d ≥ 3 (the spread of its shifts). Elsewhere no standard error: exact.
 */
export const exactProbsWithError: TensorOp<{ probs: tf.Tensor; stdError?: tf.Tensor }> = (method, theta, d, options) => {
  if (method.exactness === "exact") return { probs: exactProbs(method, theta, d, options) }
  // One op returns [probs, stdError] stacked, so one lattice run gives both; the gradient is the
  // lattice Jacobian's, applied to the probabilities' half of dy.
  const op = customOp(([input]) => {
    const x = input!
    const { rows, results } = runRows(method, x, d, options)
    const shape = [2, ...x.shape]
    const value = tf.tensor(concat([...results.map((r) => r.probs), ...results.map((r) => r.stdError!)]), shape, "float32")
    const gradFunc = (dy: tf.Tensor) => {
      const dys = rowsOf(dy.slice([0], [1]), d)
      return tf.tensor(concat(rows.map((r, i) => method.jvp(r, dys[i]!, options))), x.shape, "float32")
    }
    return { value, gradFunc }
  })
  const [probs, stdError] = tf.unstack(op(theta))
  return { probs: probs!, stdError: stdError! }
}

/**
 * Float64 Perturb-Argmax probabilities and potentials M(θ) of each row (`theta` row-major,
 * `rows × d`; one `exactRow` gives both), with standard errors where the method is a randomised
 * rule (correlated Gaussian, d ≥ 3).
 */
export const exactRows64 = (
  method: ExactMethod,
  theta: Float64Array,
  d: number,
  options: Run
): {
  probs: Float64Array
  potential: Float64Array
  errors?: { probs: Float64Array; potential: Float64Array }
} => {
  const rows = theta.length / d
  const probs = new Float64Array(theta.length)
  const potential = new Float64Array(rows)
  const errors = method.exactness === "estimate-with-se" ? { probs: new Float64Array(theta.length), potential: new Float64Array(rows) } : undefined
  for (let r = 0; r < rows; r++) {
    const row = method.row(theta.subarray(r * d, (r + 1) * d), options)
    probs.set(row.probs, r * d)
    potential[r] = row.potential
    if (errors !== undefined) {
      errors.probs.set(row.stdError!, r * d)
      errors.potential[r] = row.potentialStdError!
    }
  }
  return errors === undefined ? { probs, potential } : { probs, potential, errors }
}

/**
 * M(θ) per row ([] for [d], [n] for [n, d]); its gradient is P. With the standard error where the
 * "exact" method is a randomised rule: the correlated Gaussian's lattice at d ≥ 3 (the spread of
 * its shifts). Elsewhere no standard error: exact.
 */
export const exactPotential: TensorOp<{ potential: tf.Tensor; stdError?: tf.Tensor }> = (method, theta, d, options) => {
  if (method.ops !== undefined) return { potential: method.ops.potential(theta) }
  const randomised = method.exactness === "estimate-with-se"
  // One op returns [potential, stdError] stacked where the rule is randomised, so one lattice run
  // gives both; the gradient is P on the same lattice, applied to the potential's half of dy.
  const op = customOp(([input]) => {
    const x = input!
    const { rows, results } = runRows(method, x, d, options)
    const rowShape = x.rank === 1 ? [] : [rows.length]
    const value = randomised
      ? tf.tensor([...results.map((r) => r.potential), ...results.map((r) => r.potentialStdError!)], [2, ...rowShape], "float32")
      : tf.tensor(results.map((r) => r.potential), rowShape, "float32")
    const gradFunc = (dy: tf.Tensor) => {
      const own = randomised ? dy.slice([0], [1]) : dy
      const scale = own.reshape(x.rank === 1 ? [1] : [rows.length, 1])
      return tf.mul(tf.tensor(concat(results.map((r) => r.probs)), x.shape, "float32"), scale)
    }
    return { value, gradFunc }
  })
  if (!randomised) return { potential: op(theta) }
  const [potential, stdError] = tf.unstack(op(theta))
  return { potential: potential!, stdError: stdError! }
}

/** Independent lattice runs behind the correlated Gaussian's J v, whose spread is its standard error. */
const JVP_REPLICATES = 8

/**
 * Float64 Jacobian-vector products J(θ) v of P for each row (`v` one direction per row). Discrete
 * noise: P is piecewise constant, so J v = 0 where P(θ + εv) does not jump; where it does (a tie
 * between coordinates that v moves apart) there is no derivative, and the row is refused. The
 * correlated Gaussian's J entries are a density times a (d − 2)-dimensional orthant probability:
 * exact up to d = 3 (one dimension is a normal cdf), a lattice estimate from d = 4 on, there the
 * mean of independent lattice runs with their spread as the standard error (each run is unbiased,
 * none reports its own error).
 */
export const exactJvpRows64 = (
  method: ExactMethod,
  theta: Float64Array,
  v: Float64Array,
  d: number,
  options: Run
): { jvp: Float64Array; stdError?: Float64Array } => {
  const rows = theta.length / d
  const jvp = new Float64Array(theta.length)
  const randomised = method.jvpExactness === "estimate-with-se"
  const stdError = randomised ? new Float64Array(theta.length) : undefined
  const keys = randomised ? Key.split(options.key, JVP_REPLICATES) : []
  const perRun = Math.max(1, Math.ceil(options.samples / JVP_REPLICATES))
  for (let r = 0; r < rows; r++) {
    const t = theta.subarray(r * d, (r + 1) * d)
    const u = v.subarray(r * d, (r + 1) * d)
    const refusal = method.jvpRefusal?.(t, u)
    if (refusal !== undefined) throw refusal
    if (!randomised) {
      jvp.set(method.jvp(t, u, options), r * d)
      continue
    }
    const runs = keys.map((key) => method.jvp(t, u, { samples: perRun, key }))
    for (let i = 0; i < d; i++) {
      let mean = 0
      for (const run of runs) mean += run[i]! / runs.length
      let ss = 0
      for (const run of runs) ss += (run[i]! - mean) ** 2
      jvp[r * d + i] = mean
      stdError![r * d + i] = Math.sqrt(ss / (runs.length - 1) / runs.length)
    }
  }
  return stdError === undefined ? { jvp } : { jvp, stdError }
}

export const concat = (rows: ReadonlyArray<Float64Array>): Float32Array => {
  const d = rows[0]?.length ?? 0
  const out = new Float32Array(rows.length * d)
  rows.forEach((r, i) => out.set(r, i * d))
  return out
}
