/**
 * The numeric machinery of `confirm`: a float64 view of a compiled model's kernels (probabilities
 * with standard errors, potentials, the Jacobian of P = Hessian of the potential), evaluated in
 * slices between yield points. The fitter is `confirm/fit.ts`, the linear algebra `confirm/linalg.ts`.
 *
 * Everything here goes through the public kernels of `@perturb/core`: the probabilities a user
 * gets are the ones the evidence is about. Perturb-Softmax estimates use one fixed QMC key
 * (common random numbers), so P̂ is a smooth deterministic function of θ — exactly the gradient of
 * the estimated potential — and finite differences of it are meaningful.
 */
import * as tf from "@tensorflow/tfjs"
import { type Kernels } from "@perturb/core"
import type { Key } from "@perturb/noise"
import { Effect } from "effect"

export interface Estimate {
  readonly p: Array<Float64Array>
  /** Per-coordinate standard errors (Monte Carlo / QMC estimates only). */
  readonly se?: Array<Float64Array>
}

export interface Estimator {
  readonly d: number
  readonly k: number
  /** "exact" (argmax closed forms / quadrature / enumeration) or a Monte Carlo label. */
  readonly label: string
  readonly monteCarlo: boolean
  readonly kernels: Kernels
  probs(rows: ReadonlyArray<ArrayLike<number>>): Estimate
  potential(rows: ReadonlyArray<ArrayLike<number>>): Float64Array
  /**
   * The d × d Jacobian of P at θ (row-major), by autodiff where the kernel has a gradient. One row
   * (one gradient) at a time with `pace` between them: at d = 8 the whole matrix takes ~0.5 s.
   */
  jacobian(theta: ArrayLike<number>, pace: Effect.Effect<void>): Effect.Effect<{ readonly H: Float64Array; readonly how: string }>
  /** Free parameters → θ ∈ Θ (rows). */
  theta(us: ReadonlyArray<ArrayLike<number>>): Array<Float64Array>
}

const rowsOf = (flat: ArrayLike<number>, n: number, d: number): Array<Float64Array> =>
  Array.from({ length: n }, (_, r) => Float64Array.from({ length: d }, (_, i) => flat[r * d + i]!))

const flatten = (rows: ReadonlyArray<ArrayLike<number>>, d: number): Float32Array => {
  const out = new Float32Array(rows.length * d)
  rows.forEach((r, i) => {
    for (let j = 0; j < d; j++) out[i * d + j] = r[j]!
  })
  return out
}

/** What the estimator passes to `probs` and `potential`: the exact method's defaults, or QMC. */
type KernelOptions = { method?: "qmc"; samples?: number; key?: Key.Key }

const probsOf = (kernels: Kernels, options: KernelOptions, rows: ReadonlyArray<ArrayLike<number>>): Estimate => {
  const d = kernels.dim
  const n = rows.length
  if (n === 0) return { p: [] }
  const t = tf.tensor2d(flatten(rows, d), [n, d])
  try {
    const r = kernels.probs(t, options)
    const p = rowsOf(r.probs.dataSync(), n, d)
    const se = r.stdError === undefined ? undefined : rowsOf(r.stdError.dataSync(), n, d)
    r.probs.dispose()
    r.stdError?.dispose()
    return se === undefined ? { p } : { p, se }
  } finally {
    t.dispose()
  }
}

const potentialOf = (kernels: Kernels, options: KernelOptions, rows: ReadonlyArray<ArrayLike<number>>): Float64Array => {
  const d = kernels.dim
  const t = tf.tensor2d(flatten(rows, d), [rows.length, d])
  try {
    const m = kernels.potential(t, options)
    const out = Float64Array.from(m.potential.dataSync())
    m.potential.dispose()
    m.stdError?.dispose()
    m.errorBound?.dispose()
    return out
  } finally {
    t.dispose()
  }
}

const thetaOf = (kernels: Kernels, us: ReadonlyArray<ArrayLike<number>>): Array<Float64Array> => {
  const d = kernels.dim
  const k = kernels.freeDim
  if (us.length === 0) return []
  if (k === 0) {
    const t = kernels.theta(tf.zeros([us.length, 0]))
    const out = rowsOf(t.dataSync(), us.length, d)
    t.dispose()
    return out
  }
  const u = tf.tensor2d(flatten(us, k), [us.length, k])
  const t = kernels.theta(u)
  const out = rowsOf(t.dataSync(), us.length, d)
  u.dispose()
  t.dispose()
  return out
}

const byDifferences = (est: Estimator, theta: ArrayLike<number>, pace: Effect.Effect<void>) =>
  Effect.gen(function*() {
    const d = est.d
    // Central differences of P (float32 output): error ~1e-7/h + h²·|P'''|, h = 1e-2 balances them.
    const h = 1e-2
    const rows: Array<Float64Array> = []
    for (let j = 0; j < d; j++) {
      for (const s of [1, -1]) rows.push(Float64Array.from(theta, (v, i) => (i === j ? v + s * h : v)))
    }
    const { p } = yield* probsSliced(est, rows, pace)
    const H = new Float64Array(d * d)
    for (let j = 0; j < d; j++) for (let i = 0; i < d; i++) H[i * d + j] = (p[2 * j]![i]! - p[2 * j + 1]![i]!) / (2 * h)
    return H
  })

/** Row i of the Jacobian (∇P_i) into H. */
const gradientRow = (kernels: Kernels, options: KernelOptions, x: Float32Array, i: number, H: Float64Array): void =>
  scoped(() => {
    const d = kernels.dim
    const row = tf.grad((th: tf.Tensor) => kernels.probs(th, options).probs.slice([i], [1]).sum())(tf.tensor1d(x)).dataSync()
    for (let j = 0; j < d; j++) H[i * d + j] = row[j]!
  })

/** The Jacobian of P by autodiff, one row per yield, where `autodiff` names how; else by differences. */
const jacobianOf = (est: Estimator, options: KernelOptions, autodiff: string | undefined) =>
(theta: ArrayLike<number>, pace: Effect.Effect<void>) =>
  Effect.gen(function*() {
    const d = est.d
    if (autodiff !== undefined) {
      const x = Float32Array.from(theta)
      const H = new Float64Array(d * d)
      gradientRow(est.kernels, options, x, 0, H)
      for (let i = 1; i < d; i++) {
        yield* pace
        gradientRow(est.kernels, options, x, i, H)
      }
      return { H: symmetrise(H, d), how: autodiff }
    }
    return { H: symmetrise(yield* byDifferences(est, theta, pace), d), how: "central differences of P (h = 0.01)" }
  })

/**
 * A float64 view of the kernels. `samples`/`key` drive Perturb-Softmax (QMC, standard errors from
 * its scrambled replicates) and the Monte Carlo fallback of Perturb-Argmax when the noise has no
 * exact method (`capabilities.probs.exact` refused).
 */
export const estimator = (kernels: Kernels, softmax: boolean, samples: number, key: Key.Key): Estimator => {
  const qmc = { method: "qmc" as const, samples, key }
  // Perturb-Argmax where the kernels state an exact method; without one, argmax frequencies by QMC (no gradient; Jacobians by differences).
  const exact = !softmax && kernels.capabilities.probs.exact.available
  const options: KernelOptions = exact ? { samples, key } : qmc
  const label = softmax
    ? `QMC, ${samples} scrambled Sobol points (fixed key)`
    : exact
    ? "exact"
    : `QMC argmax frequencies, ${samples} points (fixed key)`
  const method = kernels.capabilities.probs[exact ? "exact" : "qmc"]
  // Argmax frequencies are one-hot counts (derivative zero) whose score-function gradient needs a
  // smooth density, which the noise without an exact method lacks: those go by differences. The
  // others by autodiff, where the kernels state that tf.grad through these probabilities works.
  const autodiff = (exact || softmax) && method.available && method.gradient.available
    ? softmax ? "autodiff of the fixed-key QMC estimate" : "autodiff of the exact kernel (analytic Jacobian-vector products)"
    : undefined
  // Every call returns plain arrays: a scope releases whatever tensors the kernels made on the way
  // (one per gradient row for the Jacobian: no scope may stay open across a yield).
  const self: Estimator = {
    d: kernels.dim,
    k: kernels.freeDim,
    label,
    monteCarlo: !exact,
    kernels,
    probs: (rows) => scoped(() => probsOf(kernels, options, rows)),
    potential: (rows) => scoped(() => potentialOf(kernels, options, rows)),
    jacobian: (theta, pace) => jacobianOf(self, options, autodiff)(theta, pace),
    theta: (us) => scoped(() => thetaOf(kernels, us))
  }
  return self
}

/**
 * The longest stretch of synchronous work wanted between two yield points. Work that splits (rows of
 * a probability batch, targets of a Levenberg–Marquardt batch, rows of a Jacobian) is sized to about
 * this from the time the previous piece took, so an interruption is honoured within ~100 ms at d ≥ 8.
 */
export const SLICE_MS = 25

/** The next piece's size: the last size scaled to take about SLICE_MS, at most doubling. */
export const nextSize = (size: number, ms: number, max: number): number =>
  Math.max(1, Math.min(max, 2 * size, Math.floor((size * SLICE_MS) / Math.max(ms, 1e-3))))

/**
 * `est.probs(rows)` in pieces of about SLICE_MS with `pace` before each. Rows are independent (one
 * fixed key for every row), so the pieces give the same numbers as one batched call.
 */
export const probsSliced = (est: Estimator, rows: ReadonlyArray<ArrayLike<number>>, pace: Effect.Effect<void>) =>
  Effect.gen(function*() {
    const p: Array<Float64Array> = []
    const se: Array<Float64Array> = []
    let hasSe = true
    let size = 1
    for (let start = 0; start < rows.length;) {
      yield* pace
      const t0 = performance.now()
      const r = est.probs(rows.slice(start, start + size))
      p.push(...r.p)
      if (r.se === undefined) hasSe = false
      else se.push(...r.se)
      start += size
      size = nextSize(size, performance.now() - t0, rows.length)
    }
    return hasSe && rows.length > 0 ? { p, se } : { p }
  })

/** Runs `f` in a tfjs scope and releases every tensor it made (`f` returns plain numbers). */
export const scoped = <A>(f: () => A): A => {
  tf.engine().startScope()
  try {
    return f()
  } finally {
    tf.engine().endScope()
  }
}

/** P is the gradient of a convex potential, so its Jacobian is symmetric; average out round-off. */
const symmetrise = (H: Float64Array, d: number): Float64Array => {
  const out = new Float64Array(d * d)
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j] = (H[i * d + j]! + H[j * d + i]!) / 2
  return out
}
