/**
 * One row of the exact perturbed top-k, in units of σ (u = θ/σ, Δ_j = (θ_i − θ_j)/σ): with z = γ_i,
 * coordinate j beats x_i with probability p_j(z) = S(z + Δ_j), independently over j, so
 *   Pr[i ∈ top-k]   = ∫ f(z) Pr[N(z) ≤ k − 1] dz,           N = Σ_{j≠i} Bernoulli(p_j)  (Poisson-binomial),
 *   ∂/∂u_j of it    = −∫ f(z) f(z + Δ_j) Pr[N_{−j}(z) = k − 1] dz     (∂p_j/∂u_j = f(z + Δ_j)),
 * differentiated under the integral. The count distributions are truncated at k − 1 and built by
 * dynamic programming, O(d·k) per node: prefix and suffix tables give every leave-one-out count
 * N_{−j} by one O(k) convolution, without dividing a Bernoulli out (unstable for p_j near 1).
 *
 * Coordinates that beat x_i with probability ≥ 1 − e^−70 for every z in f's range ("above") or
 * ≤ e^−70 ("below") leave the integral: each above lowers k by one, and each of them moves the
 * result by at most e^−70, which the error bound adds.
 */
import type { Law } from "@perturb/noise"
import { integrate, type NodeFn } from "../independent/quadrature.js"
import { DEFAULT_MAX_PANELS, DEFAULT_TOL, EPS, type LawInfo } from "../independent/tails.js"
import { zBreaks } from "./grid.js"

const GRAD_TOL = 1e-9

/** One row: Pr[i ∈ top-k], its ∂/∂u_j for every j (u_i's entry left 0), and error bounds of each. */
export interface TopKRow {
  readonly mean: number
  readonly grad: Float64Array
  readonly error: number
  /** Bounds Σ_j of the gradient's errors, so also the diagonal's (minus the row sum). */
  readonly gradError: number
}

/** The coordinates that stay in row i's integral, and how many always beat x_i. */
const splitRow = (theta: Float64Array, i: number, sigma: number, info: LawInfo) => {
  const width = info.hi - info.lo
  const rel: Array<number> = []
  const delta: Array<number> = []
  let above = 0
  for (let j = 0; j < theta.length; j++) {
    if (j === i) continue
    // (θ_i − θ_j)/σ, not u_i − u_j: close θ keep their digits when σ is tiny.
    const dj = (theta[i]! - theta[j]!) / sigma
    if (dj <= -width) above++
    else if (dj < width) {
      rel.push(j)
      delta.push(dj)
    }
  }
  return { rel, delta: Float64Array.from(delta), above }
}

/** Pr[i ∈ top-k] and its gradient in u for one row (see the module header). */
export const topKRow = (theta: Float64Array, i: number, k: number, sigma: number, law: Law, info: LawInfo): TopKRow => {
  const d = theta.length
  const grad = new Float64Array(d)
  const { rel, delta, above } = splitRow(theta, i, sigma, info)
  const dropped = (d - 1 - rel.length) * EPS
  const kk = k - above
  if (kk <= 0) return { mean: 0, grad, error: dropped, gradError: dropped }
  const n = rel.length
  if (n <= kk - 1) return { mean: 1, grad, error: 2 * EPS + dropped, gradError: dropped }
  const m = n + 1
  // pre[r·kk + c] = Pr[c of the first r beat x_i]; suf[r·kk + c] the same for those from r on.
  const pre = new Float64Array((n + 1) * kk)
  const suf = new Float64Array((n + 1) * kk)
  const p = new Float64Array(n)
  const q = new Float64Array(n)
  const g = new Float64Array(n)
  const f: NodeFn = (z, out) => {
    const w = beats(law, z, delta, p, q, g)
    if (w === 0) {
      out.fill(0)
      return
    }
    countTables(p, q, kk, pre, suf)
    let at = 0
    for (let c = 0; c < kk; c++) at += pre[n * kk + c]!
    out[0] = w * at
    for (let r = 0; r < n; r++) {
      // Pr[N_{−r} = kk − 1] = Σ_c pre_r[c] · suf_{r+1}[kk − 1 − c].
      let s = 0
      const a = r * kk
      const b = (r + 1) * kk + kk - 1
      for (let c = 0; c < kk; c++) s += pre[a + c]! * suf[b - c]!
      out[r + 1] = -w * g[r]! * s
    }
  }
  const breaks = zBreaks(info, Array.from(delta, (dj) => info.med - dj), kinksOf(info, delta))
  // The gradient entries are refined to 1e-9 (far below what central differences resolve); the
  // mean, whose error is reported, to the default 1e-11.
  const invTol = new Float64Array(m).fill(1 / GRAD_TOL)
  invTol[0] = 1 / DEFAULT_TOL
  const res = integrate(breaks, m, f, invTol, DEFAULT_MAX_PANELS)
  let gradError = dropped
  for (let r = 0; r < n; r++) {
    grad[rel[r]!] = res.values[r + 1]!
    gradError += res.errors[r + 1]!
  }
  return { mean: res.values[0]!, grad, error: res.errors[0]! + 2 * EPS + dropped, gradError }
}

/**
 * At node z: f(z), and for each remaining coordinate p = Pr[it beats θ_i + σz] = S(z + Δ), q = 1 − p
 * and (when `g` is given) its density f(z + Δ); nothing is filled where f(z) = 0.
 */
export const beats = (law: Law, z: number, delta: Float64Array, p: Float64Array, q: Float64Array, g?: Float64Array): number => {
  const w = Math.exp(law.logpdf(z))
  if (w === 0) return 0
  for (let r = 0; r < delta.length; r++) {
    const x = z + delta[r]!
    // Two law calls, not three: only absolute accuracy matters here, and −expm1(log F) has it.
    const lc = law.logcdf(x)
    q[r] = Math.exp(lc)
    p[r] = -Math.expm1(lc)
    if (g !== undefined) g[r] = Math.exp(law.logpdf(x))
  }
  return w
}

/** The law's kinks as seen from z for each remaining coordinate: derivative jumps of p_j. */
const kinksOf = (info: LawInfo, delta: Float64Array): Array<number> => {
  const out: Array<number> = [...info.kinks]
  for (const k of info.kinks) for (const dj of delta) out.push(k - dj)
  return out
}

/**
 * Truncated Poisson-binomial tables: pre[r][c] over the first r Bernoulli(p) and suf[r][c] over
 * those from r on, c < kk. q = 1 − p is passed separately (q from the law's log cdf keeps its digits near 0).
 */
export const countTables = (p: Float64Array, q: Float64Array, kk: number, pre: Float64Array, suf: Float64Array): void => {
  const n = p.length
  pre.fill(0, 0, kk)
  pre[0] = 1
  for (let r = 0; r < n; r++) {
    const a = r * kk
    const b = a + kk
    const pr = p[r]!
    const qr = q[r]!
    pre[b] = qr * pre[a]!
    for (let c = 1; c < kk; c++) pre[b + c] = qr * pre[a + c]! + pr * pre[a + c - 1]!
  }
  suf.fill(0, n * kk, (n + 1) * kk)
  suf[n * kk] = 1
  for (let r = n - 1; r >= 0; r--) {
    const a = (r + 1) * kk
    const b = r * kk
    const pr = p[r]!
    const qr = q[r]!
    suf[b] = qr * suf[a]!
    for (let c = 1; c < kk; c++) suf[b + c] = qr * suf[a + c]! + pr * suf[a + c - 1]!
  }
}
