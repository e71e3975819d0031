/**
 * Exact float64 references of the perturbed ranks and top-k under i.i.d. noise with a density
 * (Berthet et al. 2020's perturbed optimizers, issue #14): x = θ + σγ, γ_j i.i.d. with density f,
 * cdf F, S = 1 − F.
 *
 * - ranks: y_i = 1 + #{j ≠ i : x_j < x_i} (the largest score gets d), so
 *   E[y_i] = 1 + Σ_{j≠i} Pr[D < (θ_i − θ_j)/σ], D = γ_j − γ_i, and
 *   ∂E[y_i]/∂θ_j = −f_D((θ_i − θ_j)/σ)/σ (j ≠ i): d(d − 1)/2 one-dimensional integrals, closed
 *   forms for Gumbel, Normal, Cauchy, Logistic, Laplace, Uniform (`pairs.ts`), quadrature for other laws.
 * - top-k: y = the indicator of the k largest x, Pr[i ∈ top-k] one integral per row over γ_i of
 *   a Poisson-binomial probability (`topk.ts`), with its gradient under the integral.
 * The Jacobian is row-major, J[i·d + j] = ∂E[y_i]/∂θ_j; the diagonal is minus the off-diagonal row
 * sum, which is translation invariance (E[y(θ + c𝟙)] = E[y(θ)]) — the tests check it against central
 * differences. `error` bounds the absolute error of every entry of `mean`: the Kronrod estimates,
 * plus e^−70 per neglected tail or coordinate; `jacobianError` that of every entry of `jacobian`.
 */
import { type Law, Noise, type NoiseLike } from "@perturb/noise"
import { InvalidArgument } from "../../Errors.js"
import { EPS, lawInfo } from "../independent/tails.js"
import { type PairFn, pairOf } from "./pairs.js"
import { sortColumn } from "./sort.js"
import { topKRow } from "./topk.js"

/** E[y] of a perturbed optimizer, its Jacobian ∂E[y_i]/∂θ_j (row-major d×d), and error bounds of each. */
export interface ExactResult {
  readonly mean: Float64Array
  readonly jacobian: Float64Array
  readonly error: number
  /** Bounds every entry of `jacobian`: its own tolerances, and ∝ 1/σ where J is a derivative in θ/σ. */
  readonly jacobianError: number
}

/** θ: a non-empty Float64Array of finite values; returns d. */
const checkTheta = (theta: unknown): number => {
  if (!(theta instanceof Float64Array) || theta.length === 0) {
    throw new InvalidArgument({ argument: "theta", value: theta, reason: "Expected a non-empty Float64Array" })
  }
  const bad = theta.findIndex((t) => !Number.isFinite(t))
  if (bad >= 0) throw new InvalidArgument({ argument: `theta[${bad}]`, value: theta[bad], reason: "Expected a finite number" })
  return theta.length
}

const checkSigma = (sigma: unknown): number => {
  if (typeof sigma !== "number" || !Number.isFinite(sigma) || !(sigma > 0)) {
    throw new InvalidArgument({ argument: "sigma", value: sigma, reason: "Expected a finite number > 0" })
  }
  return sigma
}

/**
 * The one law of i.i.d. noise with a density: a scalar law (applied to every coordinate), or a
 * vector noise whose d marginals are the same law and independent.
 */
const iidLaw = (noise: unknown, d: number): Law => {
  if (!Noise.isNoise(noise)) throw new InvalidArgument({ argument: "noise", value: noise, reason: "Expected a noise law or vector noise" })
  const dim = Noise.dimOf(noise)
  if (dim !== undefined && dim !== d) {
    throw new InvalidArgument({ argument: "noise", value: String(noise), reason: `The noise has dimension ${dim}, theta ${d}` })
  }
  const laws = Noise.independentMarginals(noise, d)
  const law = laws?.[0]
  if (laws === undefined || law === undefined || !laws.every((l) => Noise.sameLaw(l, law))) {
    throw new InvalidArgument({ argument: "noise", value: String(noise), reason: "Expected i.i.d. noise: the exact method needs one law for every coordinate, independent" })
  }
  if (law.traits.kind !== "continuous") {
    throw new InvalidArgument({ argument: "noise", value: String(law), reason: "Expected a law with a density: atoms make ties, and E[y] jumps in θ" })
  }
  return law
}

/** The diagonal of J from translation invariance: rows sum to 0. */
const zeroRowSums = (J: Float64Array, d: number): void => {
  for (let i = 0; i < d; i++) {
    let s = 0
    for (let j = 0; j < d; j++) if (j !== i) s += J[i * d + j]!
    J[i * d + i] = -s
  }
}

/**
 * Perturbed ranks, exactly: E[y_i] = 1 + Σ_{j≠i} Pr[x_j < x_i] and its Jacobian, for
 * x = θ + σγ with γ i.i.d. from `noise` (a law with a density). O(d²) pair values, each a closed
 * form or one adaptive quadrature.
 */
export const ranksExact64 = (theta: Float64Array, sigma: number, noise: NoiseLike): ExactResult => {
  const d = checkTheta(theta)
  checkSigma(sigma)
  return ranksWith(theta, sigma, pairOf(iidLaw(noise, d)))
}

/** `ranksExact64` with a given pair function (the tests pass quadrature to check the closed forms). */
export const ranksWith = (theta: Float64Array, sigma: number, pair: PairFn): ExactResult => {
  const d = theta.length
  const mean = new Float64Array(d).fill(1)
  const err = new Float64Array(d)
  const jerr = new Float64Array(d)
  const J = new Float64Array(d * d)
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const t = (theta[i]! - theta[j]!) / sigma
      const r = pair(Math.abs(t))
      // t ≥ 0: x_i tends to be larger; x_i beats x_j with 1 − T(t), x_j beats x_i with T(t).
      const big = 1 - r.tail
      mean[i] = mean[i]! + (t >= 0 ? big : r.tail)
      mean[j] = mean[j]! + (t >= 0 ? r.tail : big)
      err[i] = err[i]! + r.error
      err[j] = err[j]! + r.error
      jerr[i] = jerr[i]! + r.densityError
      jerr[j] = jerr[j]! + r.densityError
      const g = -r.density / sigma
      J[i * d + j] = g
      J[j * d + i] = g
    }
  }
  zeroRowSums(J, d)
  // An off-diagonal entry is one pair's density over σ, the diagonal their row sum: jerr[i]/σ bounds both.
  const max = (v: Float64Array): number => v.reduce((a, b) => Math.max(a, b), 0)
  return { mean, jacobian: J, error: max(err), jacobianError: max(jerr) / sigma }
}

/**
 * Perturbed top-k, exactly: Pr[i ∈ top-k(θ + σγ)] for γ i.i.d. from `noise` (a law with a
 * density), and its Jacobian. k = d is all ones with a zero Jacobian. O(d²·k) per quadrature node.
 */
export const topKExact64 = (theta: Float64Array, k: number, sigma: number, noise: NoiseLike): ExactResult => {
  const d = checkTheta(theta)
  if (typeof k !== "number" || !Number.isInteger(k) || k < 1 || k > d) {
    throw new InvalidArgument({ argument: "k", value: k, reason: `Expected an integer in 1…${d} (d = ${d})` })
  }
  checkSigma(sigma)
  const law = iidLaw(noise, d)
  const J = new Float64Array(d * d)
  if (k === d) return { mean: new Float64Array(d).fill(1), jacobian: J, error: 0, jacobianError: 0 }
  const info = lawInfo(law)
  const mean = new Float64Array(d)
  let error = 0
  let gradError = 0
  for (let i = 0; i < d; i++) {
    const row = topKRow(theta, i, k, sigma, law, info)
    mean[i] = row.mean
    error = Math.max(error, row.error)
    gradError = Math.max(gradError, row.gradError)
    for (let j = 0; j < d; j++) if (j !== i) J[i * d + j] = row.grad[j]! / sigma
  }
  zeroRowSums(J, d)
  return { mean, jacobian: J, error, jacobianError: gradError / sigma }
}

/**
 * Perturbed sort, exactly: E[x_(1) ≥ … ≥ x_(d)] (descending) for x = θ + σγ, γ i.i.d. from
 * `noise` (a density and a finite mean: E[x_(r)] needs one), and J[r·d + j] = ∂E[x_(r)]/∂θ_j =
 * Pr[x_j is the r-th largest] (`sort.ts`). O(d²) per quadrature node and coordinate: for small d.
 */
export const sortExact64 = (theta: Float64Array, sigma: number, noise: NoiseLike): ExactResult => {
  const d = checkTheta(theta)
  checkSigma(sigma)
  const law = iidLaw(noise, d)
  if (!law.traits.finiteMean) {
    throw new InvalidArgument({ argument: "noise", value: String(law), reason: "Expected a law with a finite mean: E[x_(r)] does not exist otherwise" })
  }
  const info = lawInfo(law)
  const mean = new Float64Array(d)
  const J = new Float64Array(d * d)
  const err = new Float64Array(d)
  let jacobianError = 0
  // What lies beyond f's [lo, hi] moves E[x_(r)] by at most about e^−70 · σ · max(|lo|, |hi|).
  const tail = EPS * sigma * Math.max(Math.abs(info.lo), Math.abs(info.hi))
  for (let j = 0; j < d; j++) {
    const c = sortColumn(theta, j, sigma, law, info)
    jacobianError = Math.max(jacobianError, c.error)
    for (let r = 0; r < d; r++) {
      J[r * d + j] = c.position[r]!
      mean[r] = mean[r]! + theta[j]! * c.position[r]! + sigma * c.shifted[r]!
      err[r] = err[r]! + (Math.abs(theta[j]!) + sigma) * c.error + tail
    }
  }
  return { mean, jacobian: J, error: err.reduce((a, b) => Math.max(a, b), 0), jacobianError }
}
