/**
 * Gaussian-Argmax for independent normal noise γ_j ~ N(μ_j, σ_j²) (i.i.d. standard normal is the
 * common case) on one set of quadrature nodes shared by every coordinate, with its Jacobian in
 * low-rank form. The generic adaptive path (`argmax.ts`) stays the fallback.
 *
 * With c_j = θ_j + μ_j − max_k(θ_k + μ_k), z_j(t) = (t − c_j)/σ_j, H(t) = Π_j Φ(z_j) (the cdf of the
 * maximum) and a_j(t) = φ(z_j)/(σ_j Φ(z_j)) (the reverse hazard, a Mills ratio):
 *   P_i = ∫ a_i H dt,                                    (docs/math.md §2.4)
 *   M   = max(θ + μ) + ∫ t h dt,   h = H Σ_j a_j         (the density of the maximum),
 *   J   = ∂P/∂θ = D − ∫ a aᵀ H dt,   D_ii = ∫ a_i H (z_i/σ_i + a_i) dt,
 * since ∂ log φ(z_i)/∂θ_i = z_i/σ_i and ∂ log Φ(z_k)/∂θ_k = −a_k. On nodes t_n with weights w_n this
 * is J = D − A W Aᵀ, A_in = a_i(t_n), W = diag(w_n H(t_n)): a product J v costs O(d·N) with no
 * transcendental call once A is known. Laws: Σ P = 1, P(θ + c𝟙) = P(θ), J symmetric with zero row sums.
 *
 * Nodes: see `table.ts` (log Φ and a from a polynomial table of the standard normal) and
 * `problem.ts` (where the line is cut, and the initial panels); one pass over them is `pass.ts`.
 *
 * Error control. Each panel carries a Gauss 10 / Kronrod 21 pair: the result is Kronrod's, and the
 * estimate is Σ_panels max_i |K − G| (Gauss's error, far above Kronrod's), plus the truncated masses
 * and |Σ P − 1| (for the JVP, plus |Σ_i (Jv)_i|, which is 0 exactly). Panels whose share of the
 * estimate is too large are halved, a few rounds; if the estimate still exceeds the tolerance the
 * functions return `undefined` and the caller uses the adaptive path. So no answer is accepted
 * without a passing estimate.
 */
import { InvalidArgument } from "../../Errors.js"
import { type LowRankJacobian, lowRank, scatter } from "./jacobian.js"
import { pass } from "./pass.js"
import { initialBreaks, MAX_PANELS, type NormalFamily, PHI_BAR_UPPER, prefix, type Problem, ROUNDS, setup } from "./problem.js"
import { LOG_CDF_ERROR, MILLS_RELATIVE_ERROR, STD, ZHI } from "./table.js"

export interface NormalArgmaxOptions {
  /** Accept when the error estimate (max abs over probabilities) is below this (default 1e-10). */
  readonly tolerance?: number
  /** Keep the node rows for Jacobian products (default false). */
  readonly keep?: boolean
  /** Cap on Σ_nodes (coordinates visited) for keeping rows (default 2^23 doubles). */
  readonly keepLimit?: number
  /**
   * Each initial panel cut into this many equal ones (default 1): finer nodes for `errorEach`, which
   * then certifies more small probabilities relatively (see `oracle.ts`).
   */
  readonly split?: number
}

/** The result of the shared-node evaluation, in the caller's coordinate order. */
export interface NormalArgmax {
  readonly probs: Float64Array
  readonly potential: number
  /** Estimated max abs error of a probability (Gauss–Kronrod difference + truncation + |Σ P − 1|). */
  readonly error: number
  /**
   * Per probability, a bound on its own absolute error (see `eachError`; computed on first call):
   * far below `error` for a small probability, so that it certifies most of them relatively.
   */
  readonly errorEach: () => Float64Array
  readonly potentialError: number
  readonly panels: number
  /** J v for the `v` given, and its estimated max abs error. */
  readonly jvp?: Float64Array
  readonly jvpError?: number
  /** Products with J and its diagonal from the kept nodes; absent when not kept. */
  readonly jacobian?: LowRankJacobian
}

const DEFAULT_TOL = 1e-10

const splitPanels = (breaks: Array<number>, k: number): Array<number> => {
  if (k <= 1) return breaks
  const out: Array<number> = [breaks[0]!]
  for (let p = 1; p < breaks.length; p++) {
    for (let i = 1; i < k; i++) out.push(breaks[p - 1]! + ((breaks[p]! - breaks[p - 1]!) * i) / k)
    out.push(breaks[p]!)
  }
  return out
}

const argmax = (x: Float64Array): number => {
  let k = 0
  for (let i = 1; i < x.length; i++) if (x[i]! > x[k]!) k = i
  return k
}

/** e · P + 1.3e-9 · Φ̄(z) for each [z, e] of the Mills profile: the best is the table's share of P's error. */
const SQRT_2PI = Math.sqrt(2 * Math.PI)
const MILLS_WORST = MILLS_RELATIVE_ERROR[MILLS_RELATIVE_ERROR.length - 1]![1]
const MILLS_SPLIT = MILLS_RELATIVE_ERROR.map(([z, e]) => [e, z === Infinity ? 0 : MILLS_WORST * Math.exp(STD.logcdf(-z))] as const)

/**
 * Per coordinate (original order), a bound on |P̂_i − P_i|: its own Σ_panels |K − G|; the mass below
 * L (≤ H(L)); its mass above where its integrand stops, min(U, c + ZHI σ) (≤ Φ̄ of that z); the
 * table's Mills-ratio error, ≤ e(z*) P_i on the mass below z* and ≤ 1.3e-9 on the mass above
 * (≤ Φ̄(z*)), at the best z* of `MILLS_RELATIVE_ERROR`; and log Φ's, relative to H, hence to P_i.
 */
const eachError = (P: Problem, gk: Float64Array, probs: Float64Array): Float64Array => {
  const below = Math.exp(P.logHL)
  const relH = LOG_CDF_ERROR * (Math.abs(P.logHL) + P.n)
  // A coordinate that never reaches L has P ≤ H(L) + Φ̄(ZHI).
  const out = new Float64Array(P.d).fill(below + Math.exp(STD.logcdf(-ZHI)))
  for (let r = 0; r < P.n; r++) {
    const i = P.idx[r]!
    const p = Math.abs(probs[i]!)
    let table = Infinity
    for (const [e, tail] of MILLS_SPLIT) table = Math.min(table, e * p + tail)
    // z ≥ 8.5 here (U ≥ c + 8.5σ): Φ̄(z) ≤ φ(z)/z.
    const top = (Math.min(P.U, P.reach[r]!) - P.c[r]!) * P.inv[r]!
    out[i] = gk[r]! + below + Math.exp(-0.5 * top * top) / (top * SQRT_2PI) + table + relH * p
  }
  return out
}

/**
 * P(θ), M(θ) and optionally J v (and the low-rank Jacobian) for independent normal noise on shared
 * nodes; undefined when the error estimate cannot be brought below the tolerance (use the adaptive
 * path then).
 */
export const normalArgmax = (
  theta: Float64Array,
  family: NormalFamily,
  v?: Float64Array,
  options?: NormalArgmaxOptions
): NormalArgmax | undefined => {
  const P = setup(theta, family)
  const tol = options?.tolerance ?? DEFAULT_TOL
  if (v !== undefined) {
    if (!(v instanceof Float64Array) || v.length !== P.d) {
      throw new InvalidArgument({ argument: "v", value: v, reason: `Expected a Float64Array of length ${P.d}` })
    }
    for (let i = 0; i < P.d; i++) {
      if (!Number.isFinite(v[i]!)) throw new InvalidArgument({ argument: `v[${i}]`, value: v[i], reason: "Expected a finite number" })
    }
  }
  const vr = v === undefined ? undefined : Float64Array.from(P.idx, (j) => v[j]!)
  let vmax = 0
  if (vr !== undefined) for (let r = 0; r < P.n; r++) vmax = Math.max(vmax, Math.abs(vr[r]!))
  let breaks = splitPanels(initialBreaks(P), options?.split ?? 1)
  const truncation = Math.exp(P.logHL) + P.n * PHI_BAR_UPPER
  for (let round = 0; round < ROUNDS && breaks.length - 1 <= MAX_PANELS; round++) {
    const panels = breaks.length - 1
    let keep = options?.keep === true
    if (keep) {
      let visits = 0
      for (let p = 0; p < panels; p++) visits += 21 * prefix(P.reach, P.n, breaks[p]!)
      keep = visits <= (options?.keepLimit ?? 1 << 23)
    }
    const res = pass(P, breaks, vr, keep)
    if (res === undefined) return undefined
    let sum = 0
    for (let r = 0; r < P.n; r++) sum += res.probs[r]!
    const error = res.errP + truncation + Math.abs(sum - 1)
    let jsum = 0
    if (res.jvp !== undefined) for (let r = 0; r < P.n; r++) jsum += res.jvp[r]!
    const jvpError = res.jvp === undefined ? 0 : res.errJ + Math.abs(jsum) + 4 * vmax * truncation
    if (error <= tol && jvpError <= tol * Math.max(vmax, 1e-300)) {
      const span = Math.abs(P.L) + Math.abs(P.U)
      const probs = scatter(P, res.probs)
      let each: Float64Array | undefined
      return {
        probs,
        potential: P.shift + res.potential,
        error,
        errorEach: () => (each ??= eachError(P, res.errEach, probs)),
        potentialError: res.errM + span * truncation + 1e-15 * (Math.abs(P.shift) + span),
        panels,
        ...(res.jvp === undefined ? {} : { jvp: scatter(P, res.jvp), jvpError }),
        ...(res.kept === undefined ? {} : { jacobian: lowRank(P, res.kept, argmax(res.probs)) })
      }
    }
    // Halve every panel carrying more than its share of the estimate (at least the worst one).
    const share = tol / (2 * panels)
    const next: Array<number> = [breaks[0]!]
    let worst = 0
    for (let p = 1; p < panels; p++) if (res.panelErr[p]! > res.panelErr[worst]!) worst = p
    for (let p = 0; p < panels; p++) {
      if (res.panelErr[p]! > share || p === worst) next.push(0.5 * (breaks[p]! + breaks[p + 1]!))
      next.push(breaks[p + 1]!)
    }
    breaks = next
  }
  return undefined
}
