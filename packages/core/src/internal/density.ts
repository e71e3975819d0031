/**
 * Closed-form densities of a relaxed sample y ∈ ri Δ, w.r.t. Lebesgue measure on its first d − 1
 * coordinates:
 * - Gumbel noise (Concrete, Maddison et al. 2017), with loc/scale folded into θ/scale and τ/scale:
 *   log p(y) = log((d−1)!) + (d−1) log τ + Σ_k (θ_k − (τ+1) log y_k) − d · logsumexp_k(θ_k − τ log y_k);
 * - Gaussian noise (i.i.d., independent or correlated): the logistic-normal law. The log-ratios
 *   x_k = log(y_k / y_d) = (θ_k + γ_k − θ_d − γ_d)/τ are Gaussian with mean (θ_k + m_k − θ_d − m_d)/τ
 *   and covariance D Σ Dᵀ/τ², D = [I, −𝟙], and dx/dy has determinant 1/Π_k y_k.
 * Both are computed from log y, so y near the simplex's edges and small τ stay finite.
 *
 * Exact zeros. At small τ a float32 sample has entries that underflowed to 0 (τ = 0.05 already does
 * it for a gap of 5.2 in θ + γ). Such a sample stands for a point of the open simplex whose entry
 * is below 2^-150, where the density depends on how far below, which float32 cannot say. We
 * evaluate the density at the nearest point of the open simplex that float32 represents: each 0
 * read as 2^-149, the smallest positive float32 (moving the other entries by 2^-149 to keep the sum
 * at 1 is below their rounding). Entries > 0 are used as they are, so every y with positive
 * entries gets the exact closed form. This makes log p of the model's own samples finite and
 * deterministic at every τ, and it is the value a float64 evaluation of the closed form gives at
 * that point (tested against SciPy at τ = 1 … 0.01).
 */
import * as tf from "@tensorflow/tfjs"
import { Noise, type NoiseLike } from "@perturb/noise"
import { InvalidArgument, NoClosedForm } from "../Errors.js"
import { broadcastLead, broadcastRows, indexPath, leadShape } from "./batch.js"
import { readsBackSync } from "./kernels.js"

/** The smallest positive float32: an exact 0 in y is read as this (see above). */
const TINY = 2 ** -149

/**
 * How far a row of y may sum from 1: float32 rounding of a normalised softmax, whose row total is
 * a float32 sum of d terms (a random walk of ≈ √d · 2^-24; measured up to 1.9e-6 at d = 10^5 with
 * tfjs-wasm's softmax), with a margin of ~3.4×. Rejects a sum of 1.001 at every d ≤ 2.5·10^7.
 */
export const simplexTolerance = (d: number): number => 1e-6 + 2e-7 * Math.sqrt(d)

/**
 * y `[..., d]` on the simplex: every entry ≥ 0 and every row summing to 1 within
 * `simplexTolerance(d)`. Reads y back (as checkTensor does for finiteness), so it is skipped on
 * webgpu, which cannot read back synchronously. A bad entry is named by its full index (`y[2][0][1]`).
 */
export const checkSimplex = (argument: string, y: tf.Tensor, d: number): void => {
  if (!readsBackSync()) return
  const values = y.dataSync()
  const tol = simplexTolerance(d)
  const lead = y.shape.slice(0, -1)
  for (let r = 0; r < values.length / d; r++) {
    let sum = 0
    for (let j = r * d; j < (r + 1) * d; j++) {
      const v = values[j]!
      if (!(v >= 0)) {
        throw new InvalidArgument({ argument: `${argument}${indexPath(y.shape, j)}`, value: v, reason: "Expected a point of the simplex (every entry ≥ 0)" })
      }
      sum += v
    }
    if (!(Math.abs(sum - 1) <= tol)) {
      throw new InvalidArgument({
        argument: `${argument}${indexPath(lead, r)}`,
        value: Array.from(values.subarray(r * d, Math.min((r + 1) * d, r * d + 8))),
        reason: `Expected a point of the simplex: the entries sum to ${sum}, not 1 within ${tol.toPrecision(2)}`
      })
    }
  }
}

const logFactorial = (n: number): number => {
  let s = 0
  for (let k = 2; k <= n; k++) s += Math.log(k)
  return s
}

/** Inverse and log-determinant of the log-ratio covariance (without the 1/τ² factor). */
const logRatioCovariance = (noise: NoiseLike, d: number): { inverse: Float64Array; logDet: number; mean: Float64Array } => {
  const m = d - 1
  const cov = new Float64Array(d * d)
  const mean = new Float64Array(d)
  for (let i = 0; i < d; i++) {
    // Gaussian marginals are normal laws, whose mean is their `mean` parameter.
    mean[i] = Noise.marginal(noise, i).mean
  }
  if (!Noise.isLaw(noise) && noise._tag === "Gaussian") {
    noise.covariance.forEach((row, i) => row.forEach((v, j) => (cov[i * d + j] = v)))
  } else {
    for (let i = 0; i < d; i++) cov[i * d + i] = Noise.marginal(noise, i).variance
  }
  // S = D Σ Dᵀ for D = [I, −𝟙]: S_ij = Σ_ij − Σ_id − Σ_dj + Σ_dd.
  const S = new Float64Array(m * m)
  const last = d - 1
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      S[i * m + j] = cov[i * d + j]! - cov[i * d + last]! - cov[last * d + j]! + cov[last * d + last]!
    }
  }
  // Cholesky, then invert through the factor.
  const L = new Float64Array(m * m)
  let logDet = 0
  for (let j = 0; j < m; j++) {
    let s = S[j * m + j]!
    for (let k = 0; k < j; k++) s -= L[j * m + k]! ** 2
    const ljj = Math.sqrt(s)
    L[j * m + j] = ljj
    logDet += 2 * Math.log(ljj)
    for (let i = j + 1; i < m; i++) {
      let t = S[i * m + j]!
      for (let k = 0; k < j; k++) t -= L[i * m + k]! * L[j * m + k]!
      L[i * m + j] = t / ljj
    }
  }
  const inverse = new Float64Array(m * m)
  for (let c = 0; c < m; c++) {
    const col = new Float64Array(m)
    col[c] = 1
    for (let i = 0; i < m; i++) {
      let t = col[i]!
      for (let k = 0; k < i; k++) t -= L[i * m + k]! * col[k]!
      col[i] = t / L[i * m + i]!
    }
    for (let i = m - 1; i >= 0; i--) {
      let t = col[i]!
      for (let k = i + 1; k < m; k++) t -= L[k * m + i]! * col[k]!
      col[i] = t / L[i * m + i]!
    }
    for (let i = 0; i < m; i++) inverse[i * m + c] = col[i]!
  }
  return { inverse, logDet, mean }
}

interface LogRatioForm {
  /** zᵀ S⁻¹ z for each row of z [n, d − 1]. */
  readonly quadForm: (z: tf.Tensor) => tf.Tensor
  readonly logDet: number
  readonly mean: Float64Array
}

/** Correlated Gaussian noise: S from its covariance, inverted densely (O(d²), like the covariance given). */
const denseForm = (noise: NoiseLike, d: number): LogRatioForm => {
  const { inverse, logDet, mean } = logRatioCovariance(noise, d)
  const m = d - 1
  return { quadForm: (z) => tf.sum(tf.mul(tf.matMul(z, tf.tensor2d(Float32Array.from(inverse), [m, m])), z), -1), logDet, mean }
}

/**
 * Independent Normal noise: S = diag(v₁ … v_m) + v_d 𝟙𝟙ᵀ, so by Sherman–Morrison
 * zᵀS⁻¹z = Σ z_k²/v_k − v_d (Σ z_k/v_k)² / (1 + v_d Σ 1/v_k) and log det S = Σ log v_k + log(1 + v_d Σ 1/v_k):
 * O(d), where the dense inverse needed d² floats (10^10 at d = 10^5, an untyped RangeError).
 */
const diagonalForm = (laws: ReadonlyArray<{ readonly variance: number; readonly mean: number }>): LogRatioForm => {
  const m = laws.length - 1
  const v = laws.map((l) => l.variance)
  const vd = v[m]!
  let sumInv = 0
  let logDet = 0
  for (let k = 0; k < m; k++) {
    sumInv += 1 / v[k]!
    logDet += Math.log(v[k]!)
  }
  const c = 1 + vd * sumInv
  logDet += Math.log(c)
  const mean = Float64Array.from(laws, (l) => l.mean)
  return {
    quadForm: (z) => {
      const invV = tf.tensor1d(Float32Array.from(v.slice(0, m), (x) => 1 / x))
      const weighted = tf.mul(z, invV)
      return tf.sub(tf.sum(tf.mul(weighted, z), -1), tf.mul(tf.square(tf.sum(weighted, -1)), vd / c))
    },
    logDet,
    mean
  }
}

/** Concrete carries its Gumbel law's scale (the location cancels in the density of the softmax). */
export type DensityKind = { readonly _tag: "Concrete"; readonly scale: number } | { readonly _tag: "LogisticNormal" }

/**
 * The closed form of the density, or why there is none: the one decision that `logDensity` and
 * `Kernels.capabilities.logDensity` both read.
 */
export const densityForm = (noise: NoiseLike, d: number): DensityKind | NoClosedForm => {
  const laws = Noise.independentMarginals(noise, d)
  if (laws === undefined) return { _tag: "LogisticNormal" }
  const first = laws[0]!
  if (first._tag === "Gumbel" && laws.every((l) => Noise.sameLaw(l, first))) return { _tag: "Concrete", scale: first.params.scale }
  if (laws.every((l) => l._tag === "Normal")) return { _tag: "LogisticNormal" }
  return new NoClosedForm({
    what: "logDensity",
    noise: String(first),
    reason: "closed forms exist for i.i.d. Gumbel noise (Concrete) and Gaussian noise (logistic-normal)"
  })
}

export const densityKind = (noise: NoiseLike, d: number): DensityKind => {
  const form = densityForm(noise, d)
  if (form instanceof NoClosedForm) throw form
  return form
}

/** log p(y) for y [n, d] (or [d]) and θ broadcasting against it; τ a number. */
const logDensityRows = (noise: NoiseLike, d: number, y: tf.Tensor, theta: tf.Tensor, tau: number): tf.Tensor =>
  tf.tidy(() => {
    const kind = densityKind(noise, d)
    // maximum, not where(y > 0, …): comparisons have no gradient in tfjs, and log(max(y, 2^-149)) is
    // log y for every y > 0.
    const logy = tf.log(tf.maximum(y, TINY))
    if (kind._tag === "Concrete") {
      const { scale } = kind
      const t = tau / scale
      const logits = tf.div(theta, scale)
      const shifted = tf.sub(logits, tf.mul(logy, t))
      return tf.sub(
        tf.add(tf.sum(tf.sub(logits, tf.mul(logy, t + 1)), -1), logFactorial(d - 1) + (d - 1) * Math.log(t)),
        tf.mul(tf.logSumExp(shifted, -1), d)
      )
    }
    const m = d - 1
    const independent = Noise.independentMarginals(noise, d)
    const { quadForm, logDet, mean } = independent === undefined ? denseForm(noise, d) : diagonalForm(independent)
    const shiftedTheta = tf.add(theta, tf.tensor1d(Float32Array.from(mean)))
    const lastY = logy.slice([...logy.shape.slice(0, -1).map(() => 0), m], [...logy.shape.slice(0, -1), 1])
    const lastT = shiftedTheta.slice([...shiftedTheta.shape.slice(0, -1).map(() => 0), m], [...shiftedTheta.shape.slice(0, -1), 1])
    const x = tf.sub(logy.slice(logy.shape.map(() => 0), [...logy.shape.slice(0, -1), m]), lastY)
    const delta = tf.sub(shiftedTheta.slice(shiftedTheta.shape.map(() => 0), [...shiftedTheta.shape.slice(0, -1), m]), lastT)
    // N(x; Δ/τ, S/τ²) has the quadratic form (τx − Δ)ᵀ S⁻¹ (τx − Δ): written so, Δ/τ cannot overflow
    // at small τ (where (x − Δ/τ)² · τ² gave ∞ · 0 and −∞ for a finite density).
    const z = tf.sub(tf.mul(x, tau), delta)
    const quad = quadForm(z.rank === 1 ? z.reshape([1, m]) : z)
    // The covariance S/τ² has log det log det S − 2m log τ.
    const logNormal = tf.sub(tf.mul(quad, -0.5), 0.5 * (m * Math.log(2 * Math.PI) + logDet - 2 * m * Math.log(tau)))
    const out = tf.sub(logNormal, tf.sum(logy, -1))
    return z.rank === 1 ? out.reshape([]) : out
  })

/**
 * log p(y) for y `[..., d]` and θ `[..., d]` broadcasting against each other (a `[S, ..., d]` sample
 * against its `[..., d]` θ): both go to the 2-D form as `[rows, d]` and the result comes back with
 * the broadcast leading shape. θ `[d]` is not copied per row: it broadcasts in the ops themselves.
 */
export const logDensity = (noise: NoiseLike, d: number, y: tf.Tensor, theta: tf.Tensor, tau: number): tf.Tensor =>
  tf.tidy(() => {
    if (y.rank <= 2 && theta.rank === 1) return logDensityRows(noise, d, y, theta, tau)
    const lead = broadcastLead("theta", leadShape(y), leadShape(theta))
    const rows = logDensityRows(noise, d, broadcastRows(y, lead), theta.rank === 1 ? theta : broadcastRows(theta, lead), tau)
    return rows.reshape(lead)
  })
