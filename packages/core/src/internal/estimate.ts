/**
 * The estimators behind `probs` / `potential` (`mc`, `qmc`, `quadrature`) and the checks of their
 * options: points sized against the work limits, averages over points with standard errors from
 * replicates or per-point variance, the quadrature's error bound, and the score-function gradient of
 * sampled Perturb-Argmax. Defaults shared by every entry point (key, sample counts) live here so the
 * kernels, the inverse map and the float64 API read the same ones.
 */
import * as tf from "@tensorflow/tfjs"
import { Key } from "@perturb/noise"
import { InvalidArgument } from "../Errors.js"
import type { Model } from "../Model.js"
import type { Method, MethodCapability } from "./capabilities.js"
import { checkEstimatorWork, defaultSamples } from "./limits.js"
import { mcPoints, type Points, qmcPoints, quadraturePoints } from "./points.js"
import { scoreAt } from "./score.js"
import { customOp } from "./tensors.js"
import { checkBoolean, checkMethod, checkOptions } from "./validate.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface EstimateOptions {
  readonly method?: Method
  /**
   * Noise points for `qmc`/`mc`/`stratified`, Gauss–Legendre nodes per axis for `quadrature`,
   * lattice points for the correlated Gaussian's `exact` (ignored by the other exact methods).
   * Defaults: 4096 points, or fewer where d > 4096 or rows · d > 2^18: at most 2^24 / d and
   * 2^30 / (rows · d) (a multiple of 16, at least 16; e.g. 160 at d = 10⁵, with correspondingly
   * larger standard errors); 512/96/32 nodes at d ≤ 2/3/4; 65536 lattice points.
   *
   * Work limits, checked before anything is allocated (a typed `InvalidArgument` naming `samples`,
   * or `theta` when the default does not fit): at most 2^24 points per call; points × d ≤ 2^25
   * noise values (held in float64); points × rows × d ≤ 2^30 evaluated values (× d again for the
   * lattice and for `jacobian`). Quadrature counts nodes^d points.
   */
  readonly samples?: number
  readonly key?: Key.Key
  /**
   * Perturb-Softmax with `qmc` or `mc`: use the noise's exact Perturb-Argmax probabilities as a
   * control variate (i.i.d. Gumbel or independent continuous noise). Lowers the error most at small
   * τ; the gradient stays that of the plain estimate. Off by default, so that `∇potential = probs`
   * holds exactly for the same points.
   */
  readonly controlVariate?: boolean
  /**
   * Perturb-Argmax with `mc`, `qmc` or `quadrature`: also return the estimated Jacobian ∂P/∂θ
   * (the score-function estimator that is these methods' gradient) with its standard error.
   *
   * @since 0.2.0
   */
  readonly jacobian?: boolean
}

export const DEFAULT_KEY = Key.make(0)
const METHODS: ReadonlyArray<Method> = ["exact", "qmc", "mc", "quadrature", "stratified"]

/** The options of `probs` / `potential`, checked as a whole at the entry so no field is read from a non-object. */
export const estimateOptions = (options: EstimateOptions | undefined): EstimateOptions => {
  const o = checkOptions("options", options)
  checkMethod("method", o.method, METHODS)
  checkBoolean("controlVariate", o.controlVariate)
  // null is not "absent": `?? default` would silently read it as the default count.
  if (o.samples !== undefined) checkSamples("samples", o.samples)
  return o
}
export const DEFAULT_SAMPLES = 4096
/** The correlated Gaussian's randomised lattice: 65536 points (standard error 3.4e-6 at d = 3; 1.2e-5 at 4096). */
export const DEFAULT_LATTICE_POINTS = 65536

export const checkSamples = (argument: string, n: unknown): number => {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
    throw new InvalidArgument({ argument, value: n, reason: "Expected a positive integer" })
  }
  return n
}

export const checkKey = (key: unknown): Key.Key => {
  if (!Key.isKey(key)) throw new InvalidArgument({ argument: "key", value: key, reason: "Expected a Key (Key.make(seed))" })
  return key
}

/** Gauss–Legendre nodes per axis for `quadrature` when `samples` is not given. */
export const defaultNodes = (d: number): number => (d <= 2 ? 512 : d === 3 ? 96 : 32)

/**
 * Estimator points (`mc`, `qmc`, `quadrature`), sized and checked against the work limits before
 * anything is allocated. The default point count adapts to d and the rows (`defaultSamples`).
 */
export const softmaxPoints = (model: Model, method: Method, options: EstimateOptions, rows: number): Points => {
  const d = model.space.dim
  const key = options.key === undefined ? DEFAULT_KEY : checkKey(options.key)
  const given = options.samples === undefined ? undefined : checkSamples("samples", options.samples)
  switch (method) {
    case "mc":
    case "qmc": {
      const samples = given ?? defaultSamples(rows, d)
      checkEstimatorWork(given === undefined ? "theta" : "samples", given ?? [rows, d], samples, rows, d)
      return method === "mc" ? mcPoints(model.noise, d, samples, key) : qmcPoints(model.noise, d, samples, key)
    }
    case "quadrature": {
      // d ≤ 4 is the capability's decision (methodCapability), read before any points are asked for.
      const nodes = given ?? defaultNodes(d)
      checkEstimatorWork("samples", nodes, nodes ** d, rows, d)
      return quadraturePoints(model.noise, d, nodes)
    }
    default:
      // Not a decision: the callers ran methodCapability first, which refuses exact/stratified here.
      throw new InvalidArgument({ argument: "method", value: method, reason: "Estimator points are for qmc, mc and quadrature" })
  }
}

/**
 * The quadrature's error estimate: max_i |Q_n − Q_m| over each row, m = ⌈n/2⌉ nodes per axis.
 * Gauss–Legendre in u-space converges algebraically here (the inverse cdf is singular at 0 and 1),
 * so the coarser rule's error, which this measures, bounds the finer one's; the row maximum, not
 * each entry's own difference, because a single entry's two errors can cross (measured: 4e-7
 * against a true 1.1e-6 at d = 4; checked against SciPy references).
 */
export const quadratureErrorBound = (
  model: Model,
  theta: tf.Tensor,
  nodes: number,
  mean: tf.Tensor,
  f: (shifted: tf.Tensor) => tf.Tensor
): tf.Tensor => {
  const d = model.space.dim
  const coarse = averageOverPoints(quadraturePoints(model.noise, d, Math.max(1, Math.ceil(nodes / 2))), theta, d, f)
  return tf.mul(tf.max(tf.abs(tf.sub(mean, coarse.mean)), -1, true), tf.onesLike(mean))
}

/**
 * Sum over axis 0 in two levels (blocks of 64, then the block sums). The wasm backend accumulates
 * in float32, where one running sum over ~10⁵–10⁶ terms loses four digits; two levels keep the
 * error near √S·ε.
 */
const sum0 = (values: tf.Tensor): tf.Tensor => {
  const s = values.shape[0]!
  const block = 64
  const q = Math.floor(s / block) * block
  if (q < 2 * block) return tf.sum(values, 0)
  const rest = values.shape.slice(1)
  const head = tf.sum(tf.sum(values.slice(0, q).reshape([q / block, block, ...rest]), 1), 0)
  return q === s ? head : tf.add(head, tf.sum(values.slice(q), 0))
}

/**
 * Σ_s w_s f(γ_s) over points, chunked so no tensor grows past ~16M elements. The standard error
 * comes from the spread between independent replicates (QMC), or from the per-point variance
 * (plain Monte Carlo, one replicate).
 */
export const averageOverPoints = (
  points: Points,
  theta: tf.Tensor,
  d: number,
  f: (shifted: tf.Tensor, start: number, count: number) => tf.Tensor,
  width: number = d
): { mean: tf.Tensor; stdError?: tf.Tensor } => {
  const rows = theta.rank === 1 ? 1 : theta.shape[0]!
  const theta2 = theta.reshape([1, rows, d])
  const perReplicate = points.count / points.replicates
  const chunk = Math.max(1, Math.min(perReplicate, Math.floor(16_000_000 / (rows * width))))
  const plainMc = points.replicates === 1 && points.weights === undefined
  const replicateMeans: Array<tf.Tensor> = []
  let squares: tf.Tensor | undefined
  for (let r = 0; r < points.replicates; r++) {
    let acc: tf.Tensor | undefined
    for (let s0 = 0; s0 < perReplicate; s0 += chunk) {
      const s1 = Math.min(perReplicate, s0 + chunk)
      const start = r * perReplicate + s0
      const gamma = tf.tensor3d(Float32Array.from(points.gamma.subarray(start * d, (start + s1 - s0) * d)), [s1 - s0, 1, d])
      const values = f(tf.add(theta2, gamma), start, s1 - s0)
      const weighted = points.weights === undefined
        ? sum0(values)
        : sum0(tf.mul(values, tf.tensor(Float32Array.from(points.weights.subarray(start, start + s1 - s0)), [s1 - s0, ...values.shape.slice(1).map(() => 1)])))
      acc = acc === undefined ? weighted : tf.add(acc, weighted)
      if (plainMc) {
        const sq = sum0(tf.square(values))
        squares = squares === undefined ? sq : tf.add(squares, sq)
      }
    }
    replicateMeans.push(points.weights === undefined ? tf.div(acc!, perReplicate) : acc!)
  }
  const stacked = tf.stack(replicateMeans)
  const mean = tf.mean(stacked, 0)
  if (points.replicates > 1) {
    const variance = tf.div(tf.sum(tf.square(tf.sub(stacked, mean)), 0), points.replicates - 1)
    return { mean, stdError: tf.sqrt(tf.div(variance, points.replicates)) }
  }
  if (plainMc && points.count > 1) {
    const S = points.count
    const variance = tf.relu(tf.div(tf.sub(squares!, tf.mul(tf.square(mean), S)), S - 1))
    return { mean, stdError: tf.sqrt(tf.div(variance, S)) }
  }
  return { mean }
}

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
  method: Method,
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

/**
 * Runs `f` in a tidy that keeps only the tensors of its result; the other fields (`method`) travel
 * beside them.
 */
export const tidyResult = <R extends { readonly method: Method }>(f: () => R): R => {
  let method: Method = "exact"
  let names: Array<string> = []
  const tensors = tf.tidy(() => {
    const r = f()
    method = r.method
    const entries = Object.entries(r as Record<string, unknown>).filter((e): e is [string, tf.Tensor] => e[1] instanceof tf.Tensor)
    names = entries.map(([name]) => name)
    return entries.map(([, t]) => t)
  })
  return { method, ...Object.fromEntries(names.map((name, i) => [name, tensors[i]!])) } as unknown as R
}

export const squeezeRows = (x: tf.Tensor, theta: tf.Tensor): tf.Tensor => (theta.rank === 1 ? x.reshape(x.shape.slice(1)) : x)
