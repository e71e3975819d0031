/**
 * Perturbed optimizers and Fenchel–Young losses (Berthet et al. 2020) as differentiable tfjs ops.
 *
 * For a `Solver` y*(θ) and independent noise γ with scale σ, `perturbed(solver, options)(θ)` is
 * P_σ(θ) = E[y*(θ + σγ)], estimated by plain or antithetic Monte Carlo (`mc`), scrambled Sobol
 * replicates (`qmc`, the default) or a closed form (`exact`: argmax today), every estimate with
 * its standard error. Its gradient is the perturbed-optimizer (score-function) Jacobian
 * J = −E[y*(θ + σγ) ∇log g(γ)ᵀ]/σ (Gaussian: E[y* γᵀ]/σ) with a control variate, applied row by
 * row as a vector–Jacobian product; noise without a differentiable density (atoms, jumps) has no
 * such Jacobian, and its gradient is refused with a typed error, never zeros.
 *
 * `fenchelYoungLoss(solver, options)(θ, y)` is M_σ(θ) − ⟨θ, y⟩ per row with M_σ(θ) =
 * E[max_{y′} ⟨θ + σγ, y′⟩]: the Fenchel–Young loss without its constant Ω_σ(y) = M_σ*(y), which
 * depends on y alone (so the value can be negative; the full loss is ≥ 0, zero at y = P_σ(θ)). Its
 * gradient is P_σ(θ) − y, from the same draws as the value, so it is the exact gradient of the
 * estimate. Linear solvers only.
 *
 * Keys: each call of an op folds its key with the call's number, then with the row's index, so
 * repeated calls (training steps) draw fresh noise and the same key replays the same sequence; the
 * backward pass scores the forward's draws (kept, or drawn again from their key past 64 MiB). The float64
 * entries (`estimate64`) use the key as given.
 *
 * @since 0.3.0
 */
import * as tf from "@tensorflow/tfjs"
import type { Key } from "@perturb/noise"
import { DimensionMismatch, InvalidArgument } from "./Errors.js"
import type { Solver } from "./Solver.js"
import { checkEstimatorWork } from "./internal/limits.js"
import { checkTensor, customOp, rowsOf } from "./internal/tensors.js"
import {
  checkSolver,
  checkTheta,
  estimateRow,
  perturbedConfig,
  rowKey
} from "./methods/perturbed/engine.js"
import type { Solved } from "./methods/perturbed/sampled.js"
import type { PerturbedConfig, PerturbedEstimate, PerturbedOptions } from "./methods/perturbed/types.js"

export type { PerturbedEstimate, PerturbedOptions } from "./methods/perturbed/types.js"

/**
 * A perturbed optimizer: call it on θ `[..., d]` for P_σ(θ) `[..., outDim]`, differentiable.
 *
 * @example
 * import { perturbed, type PerturbedOp, Solver } from "@perturb/core"
 * import * as tf from "@tensorflow/tfjs"
 * const op: PerturbedOp = perturbed(Solver.topK(4, 2), { sigma: 0.5 })
 * const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(op(t), tf.tensor1d([1, 0, 0, 0]))))(tf.tensor1d([1, 2, 3, 4]))
 * @since 0.3.0
 * @category kernels
 */
export interface PerturbedOp {
  (theta: tf.Tensor): tf.Tensor
  /** The solver it perturbs. */
  readonly solver: Solver
  /** One θ in float64, with the standard errors (and the Jacobian with `{ jacobian: true }`). */
  readonly estimate64: (theta: Float64Array, options?: { readonly jacobian?: boolean }) => PerturbedEstimate
}

/** θ's rows as float64 with the work limit checked: draws × rows × d solves' worth of values. */
const rowsChecked = (x: tf.Tensor, config: PerturbedConfig, d: number): Array<Float64Array> => {
  const rows = x.size / d
  checkEstimatorWork("samples", config.samples, config.samples, rows, d)
  return rowsOf(x, d)
}

const concat = (parts: ReadonlyArray<Float64Array>, length: number): Float32Array => {
  const out = new Float32Array(parts.length * length)
  parts.forEach((p, i) => out.set(p, i * length))
  return out
}

/**
 * dyᵀJ of one row. Sampled: the Jacobian of the scalar solver ⟨dy, y*⟩, whose score estimate (and
 * control variate) costs d per draw instead of the full Jacobian's outDim × d. It equals dyᵀ times
 * the full estimate on the same draws: the pilot's coefficients are linear in y too.
 */
const vjpRow = (s: Solver, config: PerturbedConfig, theta: Float64Array, dy: Float64Array, key: Key.Key, kept: Solved | undefined): Float64Array => {
  const { d, outDim } = s
  const wants = { jacobian: true, potential: false }
  if (config.method === "exact") {
    const J = estimateRow(s, theta, config, key, wants).jacobian!
    const g = new Float64Array(d)
    for (let a = 0; a < outDim; a++) for (let j = 0; j < d; j++) g[j] = g[j]! + dy[a]! * J[a * d + j]!
    return g
  }
  const y = new Float64Array(outDim)
  const projected: Solver = {
    ...s,
    outDim: 1,
    solve: (x, out) => {
      s.solve(x, y)
      let acc = 0
      for (let a = 0; a < outDim; a++) acc += dy[a]! * y[a]!
      out[0] = acc
    }
  }
  // The forward kept its draws and values: ⟨dy, y⟩ per draw replaces the solves (the pilot still solves).
  const cache = kept === undefined ? {} : { replay: { draws: kept.draws, ys: projectRows(kept.ys, dy) } }
  return estimateRow(projected, theta, config, key, wants, cache).jacobian!
}

/** ⟨dy, y_n⟩ for each row y_n of `ys` (rows of dy.length). */
const projectRows = (ys: Float64Array, dy: Float64Array): Float64Array => {
  const m = dy.length
  const out = new Float64Array(ys.length / m)
  for (let n = 0; n < out.length; n++) {
    let acc = 0
    for (let a = 0; a < m; a++) acc += dy[a]! * ys[n * m + a]!
    out[n] = acc
  }
  return out
}

/**
 * Float64 values the forward pass of `perturbed` may keep for its backward pass (draws and the
 * solver's values, rows × samples × (d + outDim)): 2^23, 64 MiB. Past it the backward pass draws and
 * solves again from the same keys, which gives the same numbers.
 */
const KEEP_VALUES = 2 ** 23

/**
 * A differentiable perturbed optimizer θ ↦ P_σ(θ) = E[y*(θ + σγ)] for a `Solver`: θ `[..., d]`
 * (float32, any rank, rows independent) to `[..., outDim]`. The gradient is the vector–Jacobian
 * product with the estimated Jacobian of each row (the closed form's for `exact`); the noise must
 * then have a score (Gumbel, Normal, Logistic, Laplace, Student t…), else the backward pass throws
 * `InvalidArgument` naming `noise`. Each call draws new noise (its key folded with the call's
 * number and the row's index), the same key replays the same calls; `estimate64` gives one θ in
 * float64 with standard errors. Bad options throw `InvalidArgument` naming the option.
 *
 * @example
 * import { perturbed, Solver } from "@perturb/core"
 * import { Key, Noise } from "@perturb/noise"
 * import * as tf from "@tensorflow/tfjs"
 * const soft = perturbed(Solver.ranks(4), { noise: Noise.normal(), sigma: 0.3, key: Key.make(7) })
 * soft(tf.tensor2d([[0.1, 0.5, 0.2, 0.9]])).print() // [[1.623, 2.745, 1.878, 3.754]] (exact: [1.609, 2.760, 1.882, 3.748])
 * soft.estimate64(Float64Array.of(0.1, 0.5, 0.2, 0.9), { jacobian: true }).jacobianStdError
 * @since 0.3.0
 * @category kernels
 */
export const perturbed = (solver: Solver, options?: PerturbedOptions): PerturbedOp => {
  const s = checkSolver(solver)
  const config = perturbedConfig(s, options)
  const { d, outDim } = s
  let calls = 0
  const apply = (theta: tf.Tensor): tf.Tensor => {
    const x0 = checkTensor("theta", theta, d, { anyRank: true })
    const call = calls++
    const op = customOp(([x]) => {
      const rows = rowsChecked(x!, config, d)
      const keys = rows.map((_, i) => rowKey(config.key, call, i))
      const keep = config.method !== "exact" && rows.length * config.samples * (d + outDim) <= KEEP_VALUES
      const kept: Array<Solved | undefined> = []
      const means = rows.map((r, i) =>
        estimateRow(s, r, config, keys[i]!, { jacobian: false, potential: false }, keep ? { keep: (k) => (kept[i] = k) } : undefined).mean)
      const value = tf.tensor(concat(means, outDim), [...x!.shape.slice(0, -1), outDim], "float32")
      const gradFunc = (dy: tf.Tensor) => {
        const dys = rowsOf(dy, outDim)
        const grads = rows.map((r, i) => vjpRow(s, config, r, dys[i]!, keys[i]!, kept[i]))
        return tf.tensor(concat(grads, d), x!.shape, "float32")
      }
      return { value, gradFunc }
    })
    return op(x0)
  }
  const estimate64 = (theta: Float64Array, o?: { readonly jacobian?: boolean }): PerturbedEstimate => {
    const jacobian = o?.jacobian ?? false
    if (typeof jacobian !== "boolean") throw new InvalidArgument({ argument: "jacobian", value: jacobian, reason: "Expected a boolean" })
    return estimateRow(s, checkTheta(theta, d), config, config.key, { jacobian, potential: false })
  }
  return Object.assign(apply, { solver: s, estimate64 })
}

/**
 * The float64 Fenchel–Young loss of one θ and target: the estimate, its standard error, and its
 * gradient in θ, P_σ(θ) − y, with P_σ's standard error.
 *
 * @example
 * import { fenchelYoungLoss, type FenchelYoung64, Solver } from "@perturb/core"
 * const r: FenchelYoung64 = fenchelYoungLoss(Solver.argmax(3)).estimate64(Float64Array.of(0, 1, 2), Float64Array.of(0, 0, 1))
 * r.gradient // P_σ(θ) − y
 * @since 0.3.0
 * @category models
 */
export interface FenchelYoung64 {
  /** M_σ(θ) − ⟨θ, y⟩. */
  readonly loss: number
  /** The loss's standard error (that of the potential's estimate). */
  readonly stdError: number
  /** P_σ(θ) − y, from the same draws. */
  readonly gradient: Float64Array
  /** P_σ(θ)'s standard error per coordinate. */
  readonly gradientStdError: Float64Array
}

/**
 * A Fenchel–Young loss: call it on θ and targets y, both `[..., d]`, for `[...]`.
 *
 * @example
 * import { fenchelYoungLoss, type FenchelYoungLoss, Solver } from "@perturb/core"
 * import * as tf from "@tensorflow/tfjs"
 * const loss: FenchelYoungLoss = fenchelYoungLoss(Solver.topK(4, 2))
 * loss(tf.tensor1d([1, 2, 3, 4]), tf.tensor1d([0, 0, 1, 1])).print()
 * @since 0.3.0
 * @category kernels
 */
export interface FenchelYoungLoss {
  (theta: tf.Tensor, yTrue: tf.Tensor): tf.Tensor
  /** The solver whose polytope the loss lives on. */
  readonly solver: Solver
  /** One θ and target in float64. */
  readonly estimate64: (theta: Float64Array, yTrue: Float64Array) => FenchelYoung64
}

const fenchelYoungRow = (s: Solver, config: PerturbedConfig, theta: Float64Array, y: Float64Array, key: Key.Key): FenchelYoung64 => {
  const r = estimateRow(s, theta, config, key, { jacobian: false, potential: true })
  let inner = 0
  for (let j = 0; j < s.d; j++) inner += theta[j]! * y[j]!
  return { loss: r.potential! - inner, stdError: r.potentialStdError!, gradient: r.mean.map((p, j) => p - y[j]!), gradientStdError: r.stdError }
}

/**
 * The Fenchel–Young loss of a linear solver (Blondel et al. 2020; Berthet et al. 2020):
 * ℓ(θ; y) = M_σ(θ) − ⟨θ, y⟩ per row, M_σ(θ) = E[max_{y′∈Y} ⟨θ + σγ, y′⟩], dropping Ω_σ(y), a
 * constant in θ. Differentiable in θ (P_σ(θ) − y, from the forward's draws: the exact gradient of
 * the estimate) and in y (−θ); θ and y are float32 `[..., d]` of the same shape, the loss `[...]`.
 * For `tf.train.adam` or core's `adam()`. Solvers that are not linear (`sort`, a `custom` solver
 * without vertices) throw `InvalidArgument` naming `solver`.
 *
 * @example
 * import { adam, fenchelYoungLoss, Solver } from "@perturb/core"
 * import * as tf from "@tensorflow/tfjs"
 * const loss = fenchelYoungLoss(Solver.topK(4, 2), { sigma: 0.5 })
 * const theta = tf.variable(tf.zeros([4]))
 * const target = tf.tensor1d([0, 1, 0, 1])
 * const opt = adam(0.1)
 * for (let step = 0; step < 20; step++) opt.minimize(() => loss(theta, target) as tf.Scalar, false, [theta])
 * @since 0.3.0
 * @category kernels
 */
export const fenchelYoungLoss = (solver: Solver, options?: PerturbedOptions): FenchelYoungLoss => {
  const s = checkSolver(solver)
  if (!s.linear) {
    throw new InvalidArgument({ argument: "solver", value: s.kind, reason: "Expected a linear solver (max ⟨θ, y⟩ over a finite set): a Fenchel–Young loss needs the potential M" })
  }
  const config = perturbedConfig(s, options)
  const d = s.d
  let calls = 0
  const apply = (theta: tf.Tensor, yTrue: tf.Tensor): tf.Tensor => {
    const x0 = checkTensor("theta", theta, d, { anyRank: true })
    const y0 = checkTensor("yTrue", yTrue, d, { anyRank: true })
    if (x0.shape.join() !== y0.shape.join()) {
      throw new DimensionMismatch({ argument: "yTrue", expected: `[${x0.shape.join(", ")}]`, received: `[${y0.shape.join(", ")}]` })
    }
    const call = calls++
    const op = customOp(([x, y], save) => {
      // θ itself is needed for ∂/∂y = −θ: saved, as tfjs may dispose an unsaved input first.
      save([x!])
      const rows = rowsChecked(x!, config, d)
      const targets = rowsOf(y!, d)
      const results = rows.map((r, i) => fenchelYoungRow(s, config, r, targets[i]!, rowKey(config.key, call, i)))
      const shape = x!.shape.slice(0, -1)
      const value = tf.tensor(Float32Array.from(results, (r) => r.loss), shape, "float32")
      const gradFunc = (dy: tf.Tensor, saved: Array<tf.Tensor>) =>
        tf.tidy(() => {
          const scale = tf.expandDims(dy, -1)
          const gradient = tf.tensor(concat(results.map((r) => r.gradient), d), saved[0]!.shape, "float32")
          return [tf.mul(scale, gradient), tf.neg(tf.mul(scale, saved[0]!))]
        })
      return { value, gradFunc }
    })
    return op(x0, y0)
  }
  const estimate64 = (theta: Float64Array, yTrue: Float64Array): FenchelYoung64 =>
    fenchelYoungRow(s, config, checkTheta(theta, d), checkTheta(yTrue, d, "yTrue"), config.key)
  return Object.assign(apply, { solver: s, estimate64 })
}
