/**
 * Float64 numerics shared by `@perturb/core` and `@perturb/analysis`: softmax and log-sum-exp,
 * means with replicate standard errors, small dense linear algebra, and quadrature rules. Each
 * function keeps the exact arithmetic order of the copies it replaces, so callers that switch to it
 * get bit-identical results.
 *
 * Conventions: matrices are row-major `Float64Array`s with their size passed alongside; nothing
 * here validates its inputs (these are kernels for code that already has).
 *
 * @since 0.2.0
 */
import { K15, K21 } from "./internal/kronrod.js"

// ---------------------------------------------------------------------------------------------
// Softmax and log-sum-exp
// ---------------------------------------------------------------------------------------------

/**
 * Writes softmax(x / scale) into `out` and returns logsumexp(x / scale) = max + log Σ exp(x_i/scale − max),
 * shifted by the maximum so that no exponential overflows.
 *
 * @example
 * import { Numeric } from "@perturb/noise"
 * const out = new Float64Array(2)
 * Numeric.softmaxInto([0, Math.log(3)], out) // log 4; out = [0.25, 0.75]
 * @since 0.2.0
 * @category kernels
 */
export const softmaxInto = (x: ArrayLike<number>, out: Float64Array, scale: number = 1): number => {
  const d = x.length
  let mx = -Infinity
  for (let i = 0; i < d; i++) mx = Math.max(mx, x[i]! / scale)
  let z = 0
  for (let i = 0; i < d; i++) {
    const e = Math.exp(x[i]! / scale - mx)
    out[i] = e
    z += e
  }
  for (let i = 0; i < d; i++) out[i] = out[i]! / z
  return mx + Math.log(z)
}

/**
 * softmax(x / scale) as a new array.
 *
 * @example
 * import { Numeric } from "@perturb/noise"
 * Numeric.softmax([1, 1]) // Float64Array [0.5, 0.5]
 * @since 0.2.0
 * @category kernels
 */
export const softmax = (x: ArrayLike<number>, scale: number = 1): Float64Array => {
  const out = new Float64Array(x.length)
  softmaxInto(x, out, scale)
  return out
}

/**
 * logsumexp(x / scale) = log Σ exp(x_i / scale), without overflow.
 *
 * @example
 * import { Numeric } from "@perturb/noise"
 * Numeric.logSumExp([1000, 1000]) // 1000 + log 2
 * @since 0.2.0
 * @category kernels
 */
export const logSumExp = (x: ArrayLike<number>, scale: number = 1): number => {
  const d = x.length
  let mx = -Infinity
  for (let i = 0; i < d; i++) mx = Math.max(mx, x[i]! / scale)
  let z = 0
  for (let i = 0; i < d; i++) z += Math.exp(x[i]! / scale - mx)
  return mx + Math.log(z)
}

// ---------------------------------------------------------------------------------------------
// Replicate standard errors
// ---------------------------------------------------------------------------------------------

/*
 * A randomised estimator run as R independent replicates reports their mean and the standard error
 * of that mean, sqrt(Σ_r (x_r − mean)² / (R − 1) / R). R ≥ 2; with R = 1 the error is NaN (0/0).
 */

/**
 * The mean of `values` and its replicate standard error.
 *
 * @example
 * import { Numeric } from "@perturb/noise"
 * Numeric.meanStdError([1, 3]) // { mean: 2, stdError: 1 }
 * @since 0.2.0
 * @category kernels
 */
export const meanStdError = (values: ArrayLike<number>): {
  /** The mean of `values`. */
  readonly mean: number
  /** The standard error of that mean over the values as replicates (NaN for a single value). */
  readonly stdError: number
} => {
  const k = values.length
  let mean = 0
  for (let s = 0; s < k; s++) mean += values[s]!
  mean /= k
  let v = 0
  for (let s = 0; s < k; s++) v += (values[s]! - mean) ** 2
  return { mean, stdError: Math.sqrt(v / (k - 1) / k) }
}

/**
 * Per-coordinate means and standard errors of R replicates stored as the rows of an `R × d`
 * row-major array.
 *
 * @example
 * import { Numeric } from "@perturb/noise"
 * Numeric.replicateMeans(Float64Array.of(1, 10, 3, 20), 2, 2) // mean [2, 15], stdError [1, 5]
 * @since 0.2.0
 * @category kernels
 */
export const replicateMeans = (
  rows: ArrayLike<number>,
  R: number,
  d: number
): {
  /** Per coordinate, the mean over the R replicates (length d). */
  readonly mean: Float64Array
  /** Per coordinate, the standard error of that mean (length d; NaN when R = 1). */
  readonly stdError: Float64Array
} => {
  const mean = new Float64Array(d)
  const stdError = new Float64Array(d)
  for (let i = 0; i < d; i++) {
    let m = 0
    for (let r = 0; r < R; r++) m += rows[r * d + i]!
    m /= R
    let v = 0
    for (let r = 0; r < R; r++) v += (rows[r * d + i]! - m) ** 2
    mean[i] = m
    stdError[i] = Math.sqrt(v / (R - 1) / R)
  }
  return { mean, stdError }
}

/**
 * Per-coordinate standard errors of the replicates `reps` about a given `mean` (e.g. the estimate
 * over all points, which equals the replicates' mean up to round-off).
 *
 * @example
 * import { Numeric } from "@perturb/noise"
 * Numeric.stdErrorAbout([[1], [3]], [2]) // Float64Array [1]
 * @since 0.2.0
 * @category kernels
 */
export const stdErrorAbout = (reps: ReadonlyArray<ArrayLike<number>>, mean: ArrayLike<number>): Float64Array => {
  const R = reps.length
  const out = new Float64Array(mean.length)
  for (let i = 0; i < mean.length; i++) {
    let v = 0
    for (const rep of reps) v += (rep[i]! - mean[i]!) ** 2
    out[i] = Math.sqrt(v / (R - 1) / R)
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Small dense linear algebra
// ---------------------------------------------------------------------------------------------

/**
 * Solves G X = H in place (G: n × n, H: n × m, both row-major) by Gaussian elimination with partial
 * pivoting: X overwrites H, G is destroyed. A pivot with |pivot| < `tiny` (default: only an exact 0)
 * is skipped and its unknowns set to 0, so a singular system still returns a finite solution on the
 * rest.
 *
 * @example
 * import { Numeric } from "@perturb/noise"
 * const H = Float64Array.of(2, 3)
 * Numeric.solveInPlace(Float64Array.of(2, 0, 0, 3), H, 2, 1) // H = [1, 1]
 * @since 0.2.0
 * @category kernels
 */
export const solveInPlace = (G: Float64Array, H: Float64Array, n: number, m: number, tiny: number = Number.MIN_VALUE): void => {
  for (let c = 0; c < n; c++) {
    let piv = c
    for (let r = c + 1; r < n; r++) if (Math.abs(G[r * n + c]!) > Math.abs(G[piv * n + c]!)) piv = r
    if (piv !== c) {
      for (let k = 0; k < n; k++) [G[c * n + k], G[piv * n + k]] = [G[piv * n + k]!, G[c * n + k]!]
      for (let k = 0; k < m; k++) [H[c * m + k], H[piv * m + k]] = [H[piv * m + k]!, H[c * m + k]!]
    }
    const diag = G[c * n + c]!
    if (Math.abs(diag) < tiny) continue
    for (let r = c + 1; r < n; r++) {
      const f = G[r * n + c]! / diag
      if (f === 0) continue
      for (let k = c; k < n; k++) G[r * n + k]! -= f * G[c * n + k]!
      for (let k = 0; k < m; k++) H[r * m + k]! -= f * H[c * m + k]!
    }
  }
  for (let c = n - 1; c >= 0; c--) {
    const diag = G[c * n + c]!
    for (let k = 0; k < m; k++) {
      let v = H[c * m + k]!
      for (let j = c + 1; j < n; j++) v -= G[c * n + j]! * H[j * m + k]!
      H[c * m + k] = Math.abs(diag) < tiny ? 0 : v / diag
    }
  }
}

/**
 * The solution x of the k × k system A x = b (A and b are left unchanged); see `solveInPlace`.
 *
 * @example
 * import { Numeric } from "@perturb/noise"
 * Numeric.solve(Float64Array.of(0, 1, 1, 0), Float64Array.of(2, 3), 2) // Float64Array [3, 2]
 * @since 0.2.0
 * @category kernels
 */
export const solve = (A: Float64Array, b: Float64Array, k: number, tiny: number = Number.MIN_VALUE): Float64Array => {
  const x = Float64Array.from(b)
  solveInPlace(Float64Array.from(A), x, k, 1, tiny)
  return x
}

/**
 * The lower Cholesky factor L (row-major, L Lᵀ = A) of the symmetric d × d matrix A, or the first
 * row whose pivot is not positive relative to its diagonal entry (below `relTol`·|A_jj|: singular
 * to working precision).
 *
 * @example
 * import { Numeric } from "@perturb/noise"
 * Numeric.cholesky(Float64Array.of(4, 2, 2, 2), 2) // { L: [2, 0, 1, 1] }
 * @since 0.2.0
 * @category kernels
 */
export const cholesky = (
  A: ArrayLike<number>,
  d: number,
  relTol: number = 1e-14
): {
  /** The lower factor, d × d row-major, zero above the diagonal. */
  readonly L: Float64Array
} | {
  /** The first row (0-based) whose pivot failed: A is not positive definite to working precision. */
  readonly row: number
  /** That row's pivot, `A_jj − Σ_k L_jk²`, not above `relTol`·|A_jj|. */
  readonly pivot: number
} => {
  const L = new Float64Array(d * d)
  for (let j = 0; j < d; j++) {
    let s = A[j * d + j]!
    for (let k = 0; k < j; k++) s -= L[j * d + k]! ** 2
    if (!(s > relTol * Math.abs(A[j * d + j]!))) return { row: j, pivot: s }
    const ljj = Math.sqrt(s)
    L[j * d + j] = ljj
    for (let i = j + 1; i < d; i++) {
      let t = A[i * d + j]!
      for (let k = 0; k < j; k++) t -= L[i * d + k]! * L[j * d + k]!
      L[i * d + j] = t / ljj
    }
  }
  return { L }
}

/**
 * out_s = mean + L z_s for every row z_s of the `n × d` row-major `z` (L lower triangular, d × d,
 * row-major): standard normals mixed into a Gaussian's draws. Each sum is formed in float64 (and
 * rounded once into a Float32Array `out`); `out` may not alias `z`.
 *
 * @example
 * import { Numeric } from "@perturb/noise"
 * const out = new Float64Array(2)
 * Numeric.lowerAffine([1, 2], [1, 0, 1, 1], [3, 4], 2, out) // out = [4, 9]
 * @since 0.2.0
 * @category kernels
 */
export const lowerAffine = (
  mean: ArrayLike<number>,
  L: ArrayLike<number>,
  z: ArrayLike<number>,
  d: number,
  out: Float64Array | Float32Array
): void => {
  const n = z.length / d
  for (let s = 0; s < n; s++) {
    const row = s * d
    for (let r = 0; r < d; r++) {
      let acc = mean[r]!
      for (let k = 0; k <= r; k++) acc += L[r * d + k]! * z[row + k]!
      out[row + r] = acc
    }
  }
}

/**
 * Eigenvalues, ascending, of the symmetric k × k matrix S by cyclic Jacobi rotations; for k up to a
 * few dozen.
 *
 * @example
 * import { Numeric } from "@perturb/noise"
 * Numeric.symmetricEigenvalues(Float64Array.of(2, 1, 1, 2), 2) // Float64Array [1, 3] (to round-off)
 * @since 0.2.0
 * @category kernels
 */
export const symmetricEigenvalues = (S: Float64Array, k: number): Float64Array => {
  const A = Float64Array.from(S)
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0
    for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) off += A[i * k + j]! ** 2
    if (off < 1e-30) break
    for (let p = 0; p < k; p++) {
      for (let q = p + 1; q < k; q++) {
        const apq = A[p * k + q]!
        if (Math.abs(apq) < 1e-300) continue
        const theta = (A[q * k + q]! - A[p * k + p]!) / (2 * apq)
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
        const c = 1 / Math.sqrt(t * t + 1)
        const s = t * c
        for (let r = 0; r < k; r++) {
          const arp = A[r * k + p]!
          const arq = A[r * k + q]!
          A[r * k + p] = c * arp - s * arq
          A[r * k + q] = s * arp + c * arq
        }
        for (let r = 0; r < k; r++) {
          const apr = A[p * k + r]!
          const aqr = A[q * k + r]!
          A[p * k + r] = c * apr - s * aqr
          A[q * k + r] = s * apr + c * aqr
        }
      }
    }
  }
  return Float64Array.from({ length: k }, (_, i) => A[i * k + i]!).sort()
}

// ---------------------------------------------------------------------------------------------
// Quadrature rules
// ---------------------------------------------------------------------------------------------

const legendreCache = new Map<number, { nodes: Float64Array; weights: Float64Array }>()

/**
 * Gauss–Legendre nodes and weights on (0, 1) (weights sum to 1), by Newton iteration on the
 * Legendre recurrence (exact to float64 for the orders used here); cached per order.
 *
 * @example
 * import { Numeric } from "@perturb/noise"
 * Numeric.gaussLegendre01(1) // { nodes: [0.5], weights: [1] }
 * @since 0.2.0
 * @category constructors
 */
export const gaussLegendre01 = (n: number): {
  /** The `n` nodes in (0, 1), ascending. */
  nodes: Float64Array
  /** The `n` weights, one per node, summing to 1. */
  weights: Float64Array
} => {
  const hit = legendreCache.get(n)
  if (hit !== undefined) return hit
  const nodes = new Float64Array(n)
  const weights = new Float64Array(n)
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5))
    let dp = 0
    for (let it = 0; it < 100; it++) {
      let p0 = 1
      let p1 = x
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k
        p0 = p1
        p1 = p2
      }
      dp = (n * (x * p1 - p0)) / (x * x - 1)
      const dx = p1 / dp
      x -= dx
      if (Math.abs(dx) < 1e-16) break
    }
    const w = 2 / ((1 - x * x) * dp * dp)
    // Map [−1, 1] to (0, 1); nodes come in symmetric pairs.
    nodes[i] = (1 - x) / 2
    nodes[n - 1 - i] = (1 + x) / 2
    weights[i] = w / 2
    weights[n - 1 - i] = w / 2
  }
  const out = { nodes, weights }
  legendreCache.set(n, out)
  return out
}

/**
 * A Gauss–Kronrod pair on [−1, 1]: nodes in increasing order, Kronrod weights, and Gauss weights
 * (0 at the nodes Kronrod adds). Σ wk f(x) is the estimate, |Σ (wk − wg) f(x)| its error estimate.
 *
 * @example
 * import { Numeric } from "@perturb/noise"
 * const rule: Numeric.GaussKronrod = Numeric.gaussKronrod21() // rule.x: 21 nodes; rule.wk, rule.wg
 * @since 0.2.0
 */
export interface GaussKronrod {
  /** The nodes, increasing. */
  readonly x: Float64Array
  /** The Kronrod weights. */
  readonly wk: Float64Array
  /** The Gauss weights (0 at the nodes Kronrod adds). */
  readonly wg: Float64Array
}

/**
 * The Gauss 10 / Kronrod 21 pair (QUADPACK qk21): exact for polynomials of degree ≤ 19 (Gauss) and
 * ≤ 31 (Kronrod).
 *
 * @example
 * import { Numeric } from "@perturb/noise"
 * const { x, wk } = Numeric.gaussKronrod21()
 * wk.reduce((s, w) => s + w, 0) // 2
 * @since 0.2.0
 * @category constructors
 */
export const gaussKronrod21 = (): GaussKronrod => K21

/**
 * The Gauss 7 / Kronrod 15 pair (QUADPACK qk15): exact for polynomials of degree ≤ 13 (Gauss) and
 * ≤ 22 (Kronrod).
 *
 * @example
 * import { Numeric } from "@perturb/noise"
 * Numeric.gaussKronrod15().x.length // 15
 * @since 0.2.0
 * @category constructors
 */
export const gaussKronrod15 = (): GaussKronrod => K15
