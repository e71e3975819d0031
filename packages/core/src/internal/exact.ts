/**
 * Exact Perturb-Argmax probabilities and potentials as tfjs ops: the float64 numerics of
 * `argmax.ts` run row by row, wrapped in `tf.customGrad` so the backward pass is analytic:
 * ∂M/∂θ = P, and the Jacobian of P is the symmetric Hessian of M, so a vector-Jacobian product is
 * a Jacobian-vector product.
 */
import * as tf from "@tensorflow/tfjs"
import { Key } from "@perturb/noise"
import { InvalidArgument } from "../Errors.js"
import {
  argmaxDiscrete,
  argmaxDiscreteDirectional,
  argmaxGaussian,
  argmaxGaussianJacobian,
  argmaxGumbel,
  argmaxIndependent,
  argmaxJvp
} from "./argmax.js"
import type { NoiseClass } from "./classify.js"
import { normalArgmax, normalFamily } from "./normalArgmax.js"
import { customOp, rowsOf } from "./tensors.js"

const EULER_GAMMA = 0.5772156649015329

/**
 * Why this noise has no exact argmax probabilities, or `undefined`: the one decision that the
 * exact kernels and `Kernels.capabilities` both read.
 */
export const exactRefusal = (cls: NoiseClass): InvalidArgument | undefined =>
  cls._tag === "Mixed"
    ? new InvalidArgument({
      argument: "noise",
      value: cls.laws.map(String),
      reason: "Exact argmax probabilities need all-continuous or all-discrete coordinates"
    })
    : undefined

/**
 * Whether the "exact" method is a randomised rule, whose results carry a standard error: Genz's
 * lattice for the correlated Gaussian at d ≥ 3 (at d = 2 it is one normal cdf).
 */
export const exactIsRandomised = (cls: NoiseClass, d: number): boolean => cls._tag === "Correlated" && d >= 3

export interface ExactRow {
  readonly probs: Float64Array
  readonly potential: number
  readonly stdError?: Float64Array
  /** The potential's standard error where the rule is randomised (correlated Gaussian, d ≥ 3). */
  readonly potentialStdError?: number
}

/** Float64 probabilities and potential of one row. */
export const exactRow = (cls: NoiseClass, theta: Float64Array, options: { samples: number; key: Key.Key }): ExactRow => {
  switch (cls._tag) {
    case "Gumbel":
      return argmaxGumbel(theta, cls.loc, cls.scale)
    case "Continuous": {
      // Independent normal noise: shared nodes with a certified error, else the adaptive path.
      const family = normalFamily(cls.laws)
      return (family === undefined ? undefined : normalArgmax(theta, family)) ?? argmaxIndependent(theta, cls.laws)
    }
    case "Discrete":
      return argmaxDiscrete(theta, cls.laws)
    case "Correlated":
      return argmaxGaussian(theta, cls.gaussian, { samples: options.samples, key: options.key })
    case "Mixed":
      throw exactRefusal(cls)!
  }
}

/** Vector-Jacobian product of P at one row (= J v, J symmetric). */
export const vjpRow = (cls: NoiseClass, theta: Float64Array, v: Float64Array, options: { samples: number; key: Key.Key }): Float64Array => {
  switch (cls._tag) {
    case "Gumbel": {
      const p = argmaxGumbel(theta, cls.loc, cls.scale).probs
      let pv = 0
      for (let i = 0; i < p.length; i++) pv += p[i]! * v[i]!
      return p.map((pi: number, i: number) => (pi * (v[i]! - pv)) / cls.scale)
    }
    case "Continuous": {
      const family = normalFamily(cls.laws)
      return (family === undefined ? undefined : normalArgmax(theta, family, v)?.jvp) ?? argmaxJvp(theta, cls.laws, v)
    }
    case "Discrete":
      // P is piecewise constant in θ: its derivative is 0 almost everywhere.
      return new Float64Array(theta.length)
    case "Correlated": {
      // J is the (symmetric) Hessian of M: conditioned orthant probabilities, same lattice rule.
      const d = theta.length
      const J = argmaxGaussianJacobian(theta, cls.gaussian, { samples: options.samples, key: options.key })
      const out = new Float64Array(d)
      for (let i = 0; i < d; i++) {
        let s = 0
        for (let k = 0; k < d; k++) s += J[i * d + k]! * v[k]!
        out[i] = s
      }
      return out
    }
    case "Mixed":
      throw exactRefusal(cls)!
  }
}

/** P(θ) for θ of shape [d] or [n, d], differentiable. Gumbel stays in tf ops (softmax). */
export const exactProbs = (cls: NoiseClass, theta: tf.Tensor, d: number, options: { samples: number; key: Key.Key }): tf.Tensor => {
  if (cls._tag === "Gumbel") return tf.softmax(tf.div(theta, cls.scale))
  const op = customOp(([input]) => {
    const x = input!
    const rows = rowsOf(x, d)
    const probs = rows.map((r) => exactRow(cls, r, options).probs)
    const value = tf.tensor(concat(probs), x.shape, "float32")
    const gradFunc = (dy: tf.Tensor) => {
      const dys = rowsOf(dy, d)
      return tf.tensor(concat(rows.map((r, i) => vjpRow(cls, r, dys[i]!, options))), x.shape, "float32")
    }
    return { value, gradFunc }
  })
  return op(theta)
}

/**
 * P(θ) with its standard error where the "exact" method is a randomised rule: the correlated
 * Gaussian's lattice at d ≥ 3 (the spread of its shifts). Elsewhere no standard error: exact.
 */
export const exactProbsWithError = (
  cls: NoiseClass,
  theta: tf.Tensor,
  d: number,
  options: { samples: number; key: Key.Key }
): { probs: tf.Tensor; stdError?: tf.Tensor } => {
  if (!exactIsRandomised(cls, d)) return { probs: exactProbs(cls, theta, d, options) }
  // One op returns [probs, stdError] stacked, so one lattice run gives both; the gradient is the
  // lattice Jacobian's, applied to the probabilities' half of dy.
  const op = customOp(([input]) => {
    const x = input!
    const rows = rowsOf(x, d)
    const results = rows.map((r) => exactRow(cls, r, options))
    const shape = [2, ...x.shape]
    const value = tf.tensor(concat([...results.map((r) => r.probs), ...results.map((r) => r.stdError!)]), shape, "float32")
    const gradFunc = (dy: tf.Tensor) => {
      const dys = rowsOf(dy.slice([0], [1]), d)
      return tf.tensor(concat(rows.map((r, i) => vjpRow(cls, r, dys[i]!, options))), x.shape, "float32")
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
  cls: NoiseClass,
  theta: Float64Array,
  d: number,
  options: { samples: number; key: Key.Key }
): {
  probs: Float64Array
  potential: Float64Array
  errors?: { probs: Float64Array; potential: Float64Array }
} => {
  const rows = theta.length / d
  const probs = new Float64Array(theta.length)
  const potential = new Float64Array(rows)
  const errors = exactIsRandomised(cls, d) ? { probs: new Float64Array(theta.length), potential: new Float64Array(rows) } : undefined
  for (let r = 0; r < rows; r++) {
    const row = exactRow(cls, theta.subarray(r * d, (r + 1) * d), options)
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
export const exactPotential = (
  cls: NoiseClass,
  theta: tf.Tensor,
  d: number,
  options: { samples: number; key: Key.Key }
): { potential: tf.Tensor; stdError?: tf.Tensor } => {
  if (cls._tag === "Gumbel") {
    return { potential: tf.add(tf.mul(tf.logSumExp(tf.div(theta, cls.scale), -1), cls.scale), cls.loc + cls.scale * EULER_GAMMA) }
  }
  const randomised = exactIsRandomised(cls, d)
  // One op returns [potential, stdError] stacked where the rule is randomised, so one lattice run
  // gives both; the gradient is P on the same lattice, applied to the potential's half of dy.
  const op = customOp(([input]) => {
    const x = input!
    const rows = rowsOf(x, d)
    const results = rows.map((r) => exactRow(cls, r, options))
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
  cls: NoiseClass,
  theta: Float64Array,
  v: Float64Array,
  d: number,
  options: { samples: number; key: Key.Key }
): { jvp: Float64Array; stdError?: Float64Array } => {
  const rows = theta.length / d
  const jvp = new Float64Array(theta.length)
  const randomised = cls._tag === "Correlated" && d >= 4
  const stdError = randomised ? new Float64Array(theta.length) : undefined
  const keys = randomised ? Key.split(options.key, JVP_REPLICATES) : []
  const perRun = Math.max(1, Math.ceil(options.samples / JVP_REPLICATES))
  for (let r = 0; r < rows; r++) {
    const t = theta.subarray(r * d, (r + 1) * d)
    const u = v.subarray(r * d, (r + 1) * d)
    if (cls._tag === "Discrete") {
      const { left, right } = argmaxDiscreteDirectional(t, cls.laws, u)
      if (left !== right) {
        throw new InvalidArgument({
          argument: "theta",
          value: Array.from(t),
          reason: "P jumps along v here (θ_i + γ_i ties θ_j + γ_j with v_i ≠ v_j for some atoms), so J v does not exist"
        })
      }
    }
    if (!randomised) {
      jvp.set(vjpRow(cls, t, u, options), r * d)
      continue
    }
    const runs = keys.map((key) => vjpRow(cls, t, u, { samples: perRun, key }))
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
