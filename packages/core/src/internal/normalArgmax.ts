/**
 * Gaussian-Argmax for independent normal noise γ_j ~ N(μ_j, σ_j²) (i.i.d. standard normal is the
 * common case) on one set of quadrature nodes shared by every coordinate, with its Jacobian in
 * low-rank form. The generic adaptive path (`argmax.ts`) stays the fallback.
 *
 * With c_j = θ_j + μ_j − max_k(θ_k + μ_k), z_j(t) = (t − c_j)/σ_j, H(t) = Π_j Φ(z_j) (the cdf of the
 * maximum) and a_j(t) = φ(z_j)/(σ_j Φ(z_j)) (the reverse hazard, a Mills ratio):
 *   P_i = ∫ a_i H dt,                                    (math.md §2.4)
 *   M   = max(θ + μ) + ∫ t h dt,   h = H Σ_j a_j         (the density of the maximum),
 *   J   = ∂P/∂θ = D − ∫ a aᵀ H dt,   D_ii = ∫ a_i H (z_i/σ_i + a_i) dt,
 * since ∂ log φ(z_i)/∂θ_i = z_i/σ_i and ∂ log Φ(z_k)/∂θ_k = −a_k. On nodes t_n with weights w_n this
 * is J = D − A W Aᵀ, A_in = a_i(t_n), W = diag(w_n H(t_n)): a product J v costs O(d·N) with no
 * transcendental call once A is known. Laws: Σ P = 1, P(θ + c𝟙) = P(θ), J symmetric with zero row sums.
 *
 * Nodes. log Φ and a come from a piecewise polynomial table of the standard normal (cells of 1/16 on
 * [−16, 9.5], degree 6, Chebyshev-interpolated from the law's own log cdf and log density at first
 * use); above 9.5, Φ = 1 and a = 0 (Φ̄(9.5) ≈ 1e-21); below −16 the law is called directly. The line
 * is cut at
 *   L: the point where log H(L) = −46 (Newton from the left on the concave log H): the mass of the
 *      maximum below L, hence of every P_i and their sum, is H(L) ≤ 1.1e-20;
 *   U = max_j(c_j + 8.5σ_j): above it every coordinate's density has mass Φ̄(8.5) ≈ 9.5e-18;
 *   t_b, where log H(t_b) = −0.05 (the top of the maximum's bulk),
 * with equal panels on [L, t_b] (about one per 1.4 scale units of the maximum's Gumbel-like law,
 * and at most 1.5 σ wide) and panels of σ on [t_b, U]; a coordinate narrower than its panel adds
 * breakpoints across its own bulk. Coordinates are sorted by c_j + 9.5σ_j so each node visits a
 * prefix (the others have Φ = 1 there), and coordinates that cannot reach L never enter.
 *
 * Error control. Each panel carries a Gauss 10 / Kronrod 21 pair: the result is Kronrod's, and the
 * estimate is Σ_panels max_i |K − G| (Gauss's error, far above Kronrod's), plus the truncated masses
 * and |Σ P − 1| (for the JVP, plus |Σ_i (Jv)_i|, which is 0 exactly). Panels whose share of the
 * estimate is too large are halved, a few rounds; if the estimate still exceeds the tolerance the
 * functions return `undefined` and the caller uses the adaptive path. So no answer is accepted
 * without a passing estimate.
 */
import { Noise, type Law } from "@perturb/noise"
import { InvalidArgument } from "../Errors.js"
import { argmaxHessianDiagonal, argmaxIndependent, argmaxJvp } from "./argmax.js"
import type { Oracle } from "./newton.js"

// ---------------------------------------------------------------------------------------------
// The standard normal table: log Φ(z) and φ(z)/Φ(z)
// ---------------------------------------------------------------------------------------------

const ZLO = -16
/** Above ZHI, Φ = 1 and φ/Φ = 0 to within Φ̄(9.5) ≈ 1e-21. */
const ZHI = 9.5
const CELL = 0.0625
const INV_CELL = 1 / CELL
const DEG = 6
const STRIDE = 2 * (DEG + 1)
const CELLS = Math.ceil((ZHI - ZLO) / CELL)
const STD = Noise.normal()

let table: Float64Array | undefined

/** Coefficients, per cell, of log Φ (even slots) and φ/Φ (odd slots) in s ∈ [−1, 1], monomial basis. */
const buildTable = (): Float64Array => {
  const n = DEG + 1
  const out = new Float64Array(CELLS * STRIDE)
  const vals = new Float64Array(n)
  const cheb = new Float64Array(n)
  const mono = new Float64Array(n)
  // T_k in the monomial basis, k ≤ DEG.
  const T: Array<Float64Array> = [Float64Array.of(1), Float64Array.of(0, 1)]
  for (let k = 2; k < n; k++) {
    const next = new Float64Array(k + 1)
    for (let i = 0; i < T[k - 1]!.length; i++) next[i + 1]! += 2 * T[k - 1]![i]!
    for (let i = 0; i < T[k - 2]!.length; i++) next[i]! -= T[k - 2]![i]!
    T.push(next)
  }
  const fns = [(z: number) => STD.logcdf(z), (z: number) => Math.exp(STD.logpdf(z) - STD.logcdf(z))]
  for (let c = 0; c < CELLS; c++) {
    const a = ZLO + c * CELL
    for (let f = 0; f < 2; f++) {
      for (let j = 0; j < n; j++) vals[j] = fns[f]!(a + CELL * 0.5 * (1 + Math.cos((Math.PI * (j + 0.5)) / n)))
      for (let k = 0; k < n; k++) {
        let s = 0
        for (let j = 0; j < n; j++) s += vals[j]! * Math.cos((Math.PI * k * (j + 0.5)) / n)
        cheb[k] = ((k === 0 ? 1 : 2) * s) / n
      }
      mono.fill(0)
      for (let k = 0; k < n; k++) for (let i = 0; i < T[k]!.length; i++) mono[i]! += cheb[k]! * T[k]![i]!
      for (let i = 0; i < n; i++) out[c * STRIDE + 2 * i + f] = mono[i]!
    }
  }
  return out
}

const getTable = (): Float64Array => (table ??= buildTable())

/**
 * log Φ(z) into lp[k] and φ(z)/Φ(z) into m[k] for z < ZHI, as the kernels below compute them
 * (exported for tests of the table).
 */
export const normalLogCdfMills = (z: number): { readonly logCdf: number; readonly mills: number } => {
  if (!(z < ZHI)) return { logCdf: 0, mills: 0 }
  if (!(z >= ZLO)) return { logCdf: STD.logcdf(z), mills: Math.exp(STD.logpdf(z) - STD.logcdf(z)) }
  const T = getTable()
  const u = (z - ZLO) * INV_CELL
  const k = u | 0
  const s = 2 * (u - k) - 1
  const o = k * STRIDE
  let p = T[o + 2 * DEG]!
  let q = T[o + 2 * DEG + 1]!
  for (let i = DEG - 1; i >= 0; i--) {
    p = p * s + T[o + 2 * i]!
    q = q * s + T[o + 2 * i + 1]!
  }
  return { logCdf: p, mills: q }
}

// ---------------------------------------------------------------------------------------------
// Gauss 10 / Kronrod 21 (QUADPACK qk21)
// ---------------------------------------------------------------------------------------------

const XK = [
  0.995657163025808080735527280689003, 0.973906528517171720077964012084452, 0.930157491355708226001207180059508,
  0.865063366688984510732096688423493, 0.780817726586416897063717578345042, 0.679409568299024406234327365114874,
  0.562757134668604683339000099272694, 0.433395394129247190799265943165784, 0.294392862701460198131126603103866,
  0.148874338981631210884826001129720, 0
]
const WK = [
  0.011694638867371874278064396062192, 0.032558162307964727478818972459390, 0.054755896574351996031381300244580,
  0.075039674810919952767043140916190, 0.093125454583697605535065465083366, 0.109387158802297641899210590325805,
  0.123491976262065851077600525478650, 0.134709217311473325928054001771707, 0.142775938577060080797094273138717,
  0.147739104901338491374841515972068, 0.149445554002916905664936468389821
]
/** Gauss weights of XK[1], XK[3], …, XK[9]. */
const WG10 = [
  0.066671344308688137593568809893332, 0.149451349150580593145776339657697, 0.219086362515982043995534934228163,
  0.269266719309996355091226921569469, 0.295524224714752870173892994651338
]
/** The 21 nodes on [−1, 1] in increasing order, their Kronrod weights and Gauss weights (0 off G10). */
const RULE = (() => {
  const x = new Float64Array(21)
  const wk = new Float64Array(21)
  const wg = new Float64Array(21)
  for (let j = 0; j < 10; j++) {
    const g = j % 2 === 1 ? WG10[(j - 1) >> 1]! : 0
    x[j] = -XK[j]!
    x[20 - j] = XK[j]!
    wk[j] = wk[20 - j] = WK[j]!
    wg[j] = wg[20 - j] = g
  }
  x[10] = 0
  wk[10] = WK[10]!
  wg[10] = 0
  return { x, wk, wg }
})()

/** The 21-point rule (nodes on [−1, 1], Kronrod and Gauss weights), for tests. */
export const kronrod21 = (): { readonly x: Float64Array; readonly wk: Float64Array; readonly wg: Float64Array } => RULE

// ---------------------------------------------------------------------------------------------
// The noise family and the problem set-up
// ---------------------------------------------------------------------------------------------

/** Independent normal noise: per-coordinate means and standard deviations. */
export interface NormalFamily {
  readonly mean: Float64Array
  readonly sd: Float64Array
}

const isNormal = (l: Law): l is Law<"Normal"> => l._tag === "Normal"

const familyCache = new WeakMap<ReadonlyArray<Law>, NormalFamily | null>()

/** The normal family of `laws` when every law is Normal, else undefined. Cached per array. */
export const normalFamily = (laws: ReadonlyArray<Law>): NormalFamily | undefined => {
  const hit = familyCache.get(laws)
  if (hit !== undefined) return hit ?? undefined
  let out: NormalFamily | null = null
  if (laws.length > 0 && laws.every(isNormal)) {
    out = { mean: Float64Array.from(laws, (l) => l.params.mean), sd: Float64Array.from(laws, (l) => l.params.sd) }
  }
  familyCache.set(laws, out)
  return out ?? undefined
}

const LOG_H_LOW = -46
const LOG_H_BULK = -0.05
const Z_UPPER = 8.5
const PHI_BAR_UPPER = 9.5e-18
/** Panels on [L, t_b] per unit of log(−log H) (≈ the maximum's Gumbel scale) and at most this many σ wide. */
const PER_Y = 1 / 3
const WIDTH_LOW = 3
const WIDTH_HIGH = 2.5
const MAX_PANELS = 400
const ROUNDS = 4

interface Problem {
  readonly d: number
  readonly shift: number
  /** Relevant coordinates (original indices), by decreasing reach c_j + ZHI σ_j. */
  readonly idx: Int32Array
  readonly n: number
  readonly c: Float64Array
  readonly inv: Float64Array
  readonly reach: Float64Array
  readonly sdMin: number
  readonly uniformSd: boolean
  readonly L: number
  readonly U: number
  readonly logHL: number
  readonly tb: number
}

const checkTheta = (theta: Float64Array, d: number): void => {
  if (!(theta instanceof Float64Array)) throw new InvalidArgument({ argument: "theta", value: theta, reason: "Expected a Float64Array" })
  if (theta.length < 2) throw new InvalidArgument({ argument: "theta", value: theta, reason: `Expected d ≥ 2 coordinates, got ${theta.length}` })
  if (theta.length !== d) {
    throw new InvalidArgument({ argument: "laws", value: d, reason: `Expected ${theta.length} laws, one per coordinate of theta` })
  }
  for (let i = 0; i < d; i++) {
    if (!Number.isFinite(theta[i]!)) throw new InvalidArgument({ argument: `theta[${i}]`, value: theta[i], reason: "Expected a finite number" })
  }
}

/** Prefix of `reach` (decreasing) with reach > t. */
const prefix = (reach: Float64Array, n: number, t: number): number => {
  let lo = 0
  let hi = n
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (reach[mid]! > t) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** log H(t) and its derivative Σ a_j over the coordinates of `order` (c, inv in that order) with reach > t. */
const logHAt = (c: Float64Array, inv: Float64Array, reach: Float64Array, n: number, t: number): { v: number; dv: number } => {
  const T = getTable()
  const cnt = prefix(reach, n, t)
  let v = 0
  let dv = 0
  for (let r = 0; r < cnt; r++) {
    const z = (t - c[r]!) * inv[r]!
    if (z >= ZLO) {
      const u = (z - ZLO) * INV_CELL
      const k = u | 0
      const s = 2 * (u - k) - 1
      const o = k * STRIDE
      let p = T[o + 12]!
      let q = T[o + 13]!
      for (let i = 10; i >= 0; i -= 2) {
        p = p * s + T[o + i]!
        q = q * s + T[o + i + 1]!
      }
      v += p
      dv += q * inv[r]!
    } else {
      const lc = STD.logcdf(z)
      v += lc
      dv += Math.exp(STD.logpdf(z) - lc) * inv[r]!
    }
  }
  return { v, dv }
}

/** The point where log H = target, approached from the left (log H is concave and increasing). */
const solveLogH = (c: Float64Array, inv: Float64Array, reach: Float64Array, n: number, start: number, target: number): { t: number; v: number } => {
  let t = start
  let cur = logHAt(c, inv, reach, n, t)
  for (let it = 0; it < 60 && cur.v < target - 1e-3 * Math.max(1, Math.abs(target)); it++) {
    if (!(cur.dv > 0)) break
    const next = t + (target - cur.v) / cur.dv
    if (!(next > t)) break
    const nv = logHAt(c, inv, reach, n, next)
    // Tangents of a concave function overshoot only from the right; never accept a point past the target.
    if (nv.v > target) break
    t = next
    cur = nv
  }
  return { t, v: cur.v }
}

const STD_Z_LOW = STD.quantile(Math.exp(LOG_H_LOW))
const STD_Z_BULK = STD.quantile(Math.exp(LOG_H_BULK))

/**
 * The coordinates shifted so that the largest θ_j + μ_j is 0, in decreasing order of the point
 * c_j + ZHI σ_j where their Φ reaches 1 in float64: the order every pass over the nodes walks.
 */
const byReach = (theta: Float64Array, fam: NormalFamily) => {
  const d = fam.mean.length
  let shift = -Infinity
  for (let j = 0; j < d; j++) shift = Math.max(shift, theta[j]! + fam.mean[j]!)
  const order = new Int32Array(d)
  const key = new Float64Array(d)
  for (let j = 0; j < d; j++) {
    order[j] = j
    key[j] = theta[j]! + fam.mean[j]! - shift + ZHI * fam.sd[j]!
  }
  order.sort((x, y) => key[y]! - key[x]!)
  return {
    shift,
    order,
    c: Float64Array.from(order, (j) => theta[j]! + fam.mean[j]! - shift),
    inv: Float64Array.from(order, (j) => 1 / fam.sd[j]!),
    reach: Float64Array.from(order, (j) => key[j]!)
  }
}

const setup = (theta: Float64Array, fam: NormalFamily): Problem => {
  const d = fam.mean.length
  checkTheta(theta, d)
  const { shift, order: all, c: cAll, inv: invAll, reach: reachAll } = byReach(theta, fam)
  // L lies above every point where one coordinate alone has Φ ≤ e^LOG_H_LOW.
  let start = -Infinity
  for (let j = 0; j < d; j++) start = Math.max(start, theta[j]! + fam.mean[j]! - shift + fam.sd[j]! * STD_Z_LOW)
  const low = solveLogH(cAll, invAll, reachAll, d, start, LOG_H_LOW)
  const L = low.t
  const n = prefix(reachAll, d, L)
  const idx = all.slice(0, n)
  const c = cAll.slice(0, n)
  const inv = invAll.slice(0, n)
  const reach = reachAll.slice(0, n)
  let U = -Infinity
  let sdMin = Infinity
  let sdMax = 0
  let bulkStart = -Infinity
  for (let r = 0; r < n; r++) {
    const s = 1 / inv[r]!
    U = Math.max(U, c[r]! + Z_UPPER * s)
    sdMin = Math.min(sdMin, s)
    sdMax = Math.max(sdMax, s)
    bulkStart = Math.max(bulkStart, c[r]! + s * STD_Z_BULK)
  }
  const tb = Math.min(solveLogH(c, inv, reach, n, Math.max(L, Math.min(bulkStart, U)), LOG_H_BULK).t, U)
  return { d, shift, idx, n, c, inv, reach, sdMin, uniformSd: sdMax === sdMin, L, U, logHL: low.v, tb }
}

/** Initial breakpoints: equal panels on [L, t_b], panels of σ on [t_b, U], plus narrow coordinates' bulks. */
const initialBreaks = (P: Problem): Array<number> => {
  const { L, U, tb } = P
  const pts: Array<number> = [L]
  if (tb > L) {
    const y = Math.log(-LOG_H_LOW) - Math.log(-LOG_H_BULK)
    const k = Math.max(1, Math.ceil(y * PER_Y), Math.ceil((tb - L) / (WIDTH_LOW * P.sdMin)))
    for (let i = 1; i <= k; i++) pts.push(L + ((tb - L) * i) / k)
  }
  const from = Math.max(L, tb)
  if (U > from) {
    const k = Math.max(1, Math.ceil((U - from) / (WIDTH_HIGH * P.sdMin)))
    for (let i = 1; i <= k; i++) pts.push(from + ((U - from) * i) / k)
  }
  if (!P.uniformSd) {
    // A coordinate much narrower than the widest: its own bulk, in steps of its σ, inside [L, U].
    let sdMax = 0
    for (let r = 0; r < P.n; r++) sdMax = Math.max(sdMax, 1 / P.inv[r]!)
    for (let r = 0; r < P.n && pts.length <= 4 * MAX_PANELS; r++) {
      const s = 1 / P.inv[r]!
      if (s >= 0.5 * sdMax) continue
      for (let q = -8; q <= 8; q++) {
        const x = P.c[r]! + q * s
        if (x > L && x < U) pts.push(x)
      }
    }
    pts.sort((a, b) => a - b)
  }
  const out: Array<number> = [pts[0]!]
  for (let i = 1; i < pts.length; i++) if (pts[i]! - out[out.length - 1]! > 1e-12 * Math.max(1, Math.abs(pts[i]!))) out.push(pts[i]!)
  if (out[out.length - 1]! < U) out[out.length - 1] = U
  return out
}

// ---------------------------------------------------------------------------------------------
// One pass over the nodes
// ---------------------------------------------------------------------------------------------

/** Nodes and the rows of A kept for Jacobian products (relevant coordinates, sorted order). */
interface Kept {
  readonly nodes: number
  /** Prefix length per node. */
  readonly cnt: Int32Array
  readonly off: Int32Array
  readonly A: Float64Array
  /** Kronrod weight × H per node. */
  readonly W: Float64Array
  readonly D: Float64Array
}

interface Pass {
  /** Sorted order. */
  readonly probs: Float64Array
  readonly jvp: Float64Array | undefined
  readonly potential: number
  readonly errP: number
  readonly errJ: number
  readonly errM: number
  readonly panelErr: Float64Array
  readonly kept: Kept | undefined
}

const vmaxOf = (v: Float64Array): number => {
  let m = 0
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!))
  return m
}

/**
 * Integrates over the panels of `breaks`. With `v` (sorted order) also J v; with `keep` also the
 * rows of A, W and D for later products.
 */
const pass = (P: Problem, breaks: ReadonlyArray<number>, v: Float64Array | undefined, keep: boolean): Pass => {
  const T = getTable()
  const { n, c, inv, reach } = P
  const panels = breaks.length - 1
  const nodes = 21 * panels
  const probs = new Float64Array(n)
  const diffP = new Float64Array(n)
  const jvp = v === undefined ? undefined : new Float64Array(n)
  const diffJ = v === undefined ? undefined : new Float64Array(n)
  const D = keep || v !== undefined ? new Float64Array(n) : undefined
  const panelErr = new Float64Array(panels)
  const invVmax = v === undefined ? 0 : 1 / Math.max(vmaxOf(v), 1e-300)
  const cntAll = new Int32Array(nodes)
  for (let p = 0, m = 0; p < panels; p++) {
    const mid = 0.5 * (breaks[p]! + breaks[p + 1]!)
    const hw = 0.5 * (breaks[p + 1]! - breaks[p]!)
    for (let j = 0; j < 21; j++, m++) cntAll[m] = prefix(reach, n, mid + hw * RULE.x[j]!)
  }
  let total = 0
  const off = new Int32Array(nodes + 1)
  for (let m = 0; m < nodes; m++) {
    off[m] = total
    total += cntAll[m]!
  }
  off[nodes] = total
  const A = keep ? new Float64Array(total) : new Float64Array(n)
  const W = keep ? new Float64Array(nodes) : undefined
  let mK = 0
  let errP = 0
  let errJ = 0
  let errM = 0
  for (let p = 0, m = 0; p < panels; p++) {
    const mid = 0.5 * (breaks[p]! + breaks[p + 1]!)
    const hw = 0.5 * (breaks[p + 1]! - breaks[p]!)
    const first = cntAll[m]!
    let pk = 0
    let pg = 0
    for (let j = 0; j < 21; j++, m++) {
      const t = mid + hw * RULE.x[j]!
      const cnt = cntAll[m]!
      const o0 = keep ? off[m]! : 0
      let lh = 0
      let s1 = 0
      let sv = 0
      for (let r = 0; r < cnt; r++) {
        const z = (t - c[r]!) * inv[r]!
        let lp: number
        let a: number
        if (z >= ZLO) {
          const u = (z - ZLO) * INV_CELL
          const k = u | 0
          const s = 2 * (u - k) - 1
          const o = k * STRIDE
          let pp = T[o + 12]!
          let qq = T[o + 13]!
          pp = pp * s + T[o + 10]!
          qq = qq * s + T[o + 11]!
          pp = pp * s + T[o + 8]!
          qq = qq * s + T[o + 9]!
          pp = pp * s + T[o + 6]!
          qq = qq * s + T[o + 7]!
          pp = pp * s + T[o + 4]!
          qq = qq * s + T[o + 5]!
          pp = pp * s + T[o + 2]!
          qq = qq * s + T[o + 3]!
          lp = pp * s + T[o]!
          a = (qq * s + T[o + 1]!) * inv[r]!
        } else {
          lp = STD.logcdf(z)
          a = Math.exp(STD.logpdf(z) - lp) * inv[r]!
        }
        lh += lp
        s1 += a
        A[o0 + r] = a
      }
      if (v !== undefined) for (let r = 0; r < cnt; r++) sv += v[r]! * A[o0 + r]!
      const H = Math.exp(lh)
      const wk = RULE.wk[j]! * hw * H
      const wg = RULE.wg[j]! * hw * H
      const wd = wk - wg
      if (W !== undefined) W[m] = wk
      mK += wk * t * s1
      pk += wk * t * s1
      pg += wg * t * s1
      if (H === 0) continue
      if (D === undefined) {
        for (let r = 0; r < cnt; r++) {
          const a = A[o0 + r]!
          probs[r]! += wk * a
          diffP[r]! += wd * a
        }
      } else if (jvp === undefined || diffJ === undefined || v === undefined) {
        for (let r = 0; r < cnt; r++) {
          const a = A[o0 + r]!
          probs[r]! += wk * a
          diffP[r]! += wd * a
          D[r]! += wk * a * ((t - c[r]!) * inv[r]! * inv[r]! + a)
        }
      } else {
        for (let r = 0; r < cnt; r++) {
          const a = A[o0 + r]!
          const q = (t - c[r]!) * inv[r]! * inv[r]! + a
          probs[r]! += wk * a
          diffP[r]! += wd * a
          D[r]! += wk * a * q
          const g = a * (v[r]! * q - sv)
          jvp[r]! += wk * g
          diffJ[r]! += wd * g
        }
      }
    }
    // Gauss's error on this panel, the largest over coordinates; reset the panel accumulators.
    let e = 0
    for (let r = 0; r < first; r++) {
      const x = Math.abs(diffP[r]!)
      if (x > e) e = x
      diffP[r] = 0
    }
    let ej = 0
    if (diffJ !== undefined) {
      for (let r = 0; r < first; r++) {
        const x = Math.abs(diffJ[r]!)
        if (x > ej) ej = x
        diffJ[r] = 0
      }
    }
    panelErr[p] = e + ej * invVmax
    errP += e
    errJ += ej
    errM += Math.abs(pk - pg)
  }
  return {
    probs,
    jvp,
    potential: mK,
    errP,
    errJ,
    errM,
    panelErr,
    kept: keep && W !== undefined && D !== undefined ? { nodes, cnt: cntAll, off, A, W, D } : undefined
  }
}

// ---------------------------------------------------------------------------------------------
// Public functions
// ---------------------------------------------------------------------------------------------

export interface NormalArgmaxOptions {
  /** Accept when the error estimate (max abs over probabilities) is below this (default 1e-10). */
  readonly tolerance?: number
  /** Keep the node rows for Jacobian products (default false). */
  readonly keep?: boolean
  /** Cap on Σ_nodes (coordinates visited) for keeping rows (default 2^23 doubles). */
  readonly keepLimit?: number
}

/** The result of the shared-node evaluation, in the caller's coordinate order. */
export interface NormalArgmax {
  readonly probs: Float64Array
  readonly potential: number
  /** Estimated max abs error of a probability (Gauss–Kronrod difference + truncation + |Σ P − 1|). */
  readonly error: number
  readonly potentialError: number
  readonly panels: number
  /** J v for the `v` given, and its estimated max abs error. */
  readonly jvp?: Float64Array
  readonly jvpError?: number
  /** Products with J and its diagonal from the kept nodes; absent when not kept. */
  readonly jacobian?: LowRankJacobian
}

/** J = D − A W Aᵀ on the relevant coordinates; the others' rows and columns are zero. */
export interface LowRankJacobian {
  readonly times: (v: Float64Array) => Float64Array
  readonly diagonal: () => Float64Array
  readonly nodes: number
}

const DEFAULT_TOL = 1e-10

const scatter = (P: Problem, sorted: Float64Array): Float64Array => {
  const out = new Float64Array(P.d)
  for (let r = 0; r < P.n; r++) out[P.idx[r]!] = sorted[r]!
  return out
}

const lowRank = (P: Problem, K: Kept): LowRankJacobian => {
  let diag: Float64Array | undefined
  const vr = new Float64Array(P.n)
  return {
    nodes: K.nodes,
    times: (v) => {
      for (let r = 0; r < P.n; r++) vr[r] = v[P.idx[r]!]!
      const acc = new Float64Array(P.n)
      for (let r = 0; r < P.n; r++) acc[r] = K.D[r]! * vr[r]!
      for (let m = 0; m < K.nodes; m++) {
        const o = K.off[m]!
        const cnt = K.cnt[m]!
        let sv = 0
        for (let r = 0; r < cnt; r++) sv += vr[r]! * K.A[o + r]!
        const coef = K.W[m]! * sv
        if (coef === 0) continue
        for (let r = 0; r < cnt; r++) acc[r]! -= coef * K.A[o + r]!
      }
      return scatter(P, acc)
    },
    diagonal: () => {
      if (diag === undefined) {
        const acc = Float64Array.from(K.D)
        for (let m = 0; m < K.nodes; m++) {
          const o = K.off[m]!
          const w = K.W[m]!
          for (let r = 0; r < K.cnt[m]!; r++) acc[r]! -= w * K.A[o + r]! * K.A[o + r]!
        }
        diag = scatter(P, acc)
      }
      return diag
    }
  }
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
  let breaks = initialBreaks(P)
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
    let sum = 0
    for (let r = 0; r < P.n; r++) sum += res.probs[r]!
    const error = res.errP + truncation + Math.abs(sum - 1)
    let jsum = 0
    if (res.jvp !== undefined) for (let r = 0; r < P.n; r++) jsum += res.jvp[r]!
    const jvpError = res.jvp === undefined ? 0 : res.errJ + Math.abs(jsum) + 4 * vmax * truncation
    if (error <= tol && jvpError <= tol * Math.max(vmax, 1e-300)) {
      const span = Math.abs(P.L) + Math.abs(P.U)
      return {
        probs: scatter(P, res.probs),
        potential: P.shift + res.potential,
        error,
        potentialError: res.errM + span * truncation + 1e-15 * (Math.abs(P.shift) + span),
        panels,
        ...(res.jvp === undefined ? {} : { jvp: scatter(P, res.jvp), jvpError }),
        ...(res.kept === undefined ? {} : { jacobian: lowRank(P, res.kept) })
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

// ---------------------------------------------------------------------------------------------
// Small probabilities to a relative tolerance
// ---------------------------------------------------------------------------------------------

/** Below this a probability is certified absolutely (rtol·TAIL_FLOOR), not relatively: identify's targets are ≥ 1e-20. */
const TAIL_FLOOR = 1e-26
const TAIL_MAX_PANELS = 2000
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI)

/**
 * P_k for the coordinates `which` (original indices), each to a relative error ≤ `rtol`, by a
 * Gauss–Kronrod pass of their own; undefined when that cannot be certified (use the adaptive path).
 * The shared nodes certify 1e-10 absolutely, which leaves P ≈ 1e-19 with a relative error of 1e-5:
 * their range stops where H = e^−46, and for a small P_k that truncated mass is not small relative to
 * it. Here each integrand exp(log φ(z_k) − log σ_k + log H − log Φ(z_k)) takes log φ in closed form
 * and log Φ from the table (absolute error ≤ 2e-15·(1 + |log Φ|), measured on [−16, 9.5]), so no
 * Mills-ratio cut-off enters, and the range is cut where the neglected masses are relatively small:
 *   below L, where H(L) ≤ 0.1·rtol·P_k (the mass of every P_k below L is ≤ H(L), as a_k H ≤ h),
 *   above U ≥ c_k + σ_k Φ̄⁻¹(0.1·rtol·P_k) (P_k's mass above is ≤ Φ̄((U − c_k)/σ_k)),
 * with P_k guessed at 1/100 of `guess` and checked afterwards. A coordinate is accepted when
 * Σ_panels |K21 − G10| + both tails + the table's relative error (≤ 4e-15·(|log H(L)| + d)) times
 * P_k is ≤ rtol·max(P_k, 1e-26): probabilities below 1e-26 are certified only to rtol·1e-26.
 * One node costs O(d) table look-ups and one exp per coordinate of `which`.
 */
export const normalArgmaxSmall = (
  theta: Float64Array,
  family: NormalFamily,
  which: ReadonlyArray<number>,
  guess: ReadonlyArray<number>,
  rtol: number = 1e-10
): Float64Array | undefined => {
  const d = family.mean.length
  checkTheta(theta, d)
  const m = which.length
  if (m === 0) return new Float64Array(0)
  const { order, c, inv, reach } = byReach(theta, family)
  const pos = new Int32Array(d)
  for (let r = 0; r < d; r++) pos[order[r]!] = r
  const kPos = Int32Array.from(which, (j) => pos[j]!)
  const kc = Float64Array.from(kPos, (r) => c[r]!)
  const kInv = Float64Array.from(kPos, (r) => inv[r]!)
  const kNorm = Float64Array.from(kPos, (r) => Math.log(inv[r]!) - LOG_SQRT_2PI)
  let sdMin = Infinity
  for (let r = 0; r < d; r++) sdMin = Math.min(sdMin, 1 / inv[r]!)
  const T = getTable()
  const lc = new Float64Array(d)
  const f = (t: number, out: Float64Array): void => {
    const cnt = prefix(reach, d, t)
    let lh = 0
    for (let r = 0; r < cnt; r++) {
      const z = (t - c[r]!) * inv[r]!
      let lp: number
      if (z >= ZLO) {
        const u = (z - ZLO) * INV_CELL
        const k = u | 0
        const s = 2 * (u - k) - 1
        const o = k * STRIDE
        let p = T[o + 12]!
        for (let i = 10; i >= 0; i -= 2) p = p * s + T[o + i]!
        lp = p
      } else lp = STD.logcdf(z)
      lc[r] = lp
      lh += lp
    }
    for (let q = 0; q < m; q++) {
      const z = (t - kc[q]!) * kInv[q]!
      out[q] = Math.exp(kNorm[q]! - 0.5 * z * z + lh - (kPos[q]! < cnt ? lc[kPos[q]!]! : 0))
    }
  }
  interface Panel {
    readonly a: number
    readonly b: number
    readonly K: Float64Array
    readonly E: Float64Array
  }
  const buf = new Float64Array(m)
  const evalPanel = (a: number, b: number): Panel => {
    const mid = 0.5 * (a + b)
    const hw = 0.5 * (b - a)
    const K = new Float64Array(m)
    const E = new Float64Array(m)
    for (let j = 0; j < 21; j++) {
      f(mid + hw * RULE.x[j]!, buf)
      const wk = RULE.wk[j]! * hw
      const wd = wk - RULE.wg[j]! * hw
      for (let q = 0; q < m; q++) {
        K[q]! += wk * buf[q]!
        E[q]! += wd * buf[q]!
      }
    }
    for (let q = 0; q < m; q++) E[q] = Math.abs(E[q]!)
    return { a, b, K, E }
  }
  let est = Float64Array.from(guess, (g) => (g > 0 ? g : 0))
  for (let attempt = 0; attempt < 2; attempt++) {
    const floor = est.map((g) => Math.max(0.01 * g, TAIL_FLOOR))
    let minFloor = Infinity
    for (let q = 0; q < m; q++) minFloor = Math.min(minFloor, floor[q]!)
    const target = Math.log(0.1 * rtol * minFloor)
    let start = -Infinity
    const zLow = STD.quantile(Math.exp(target))
    for (let r = 0; r < d; r++) start = Math.max(start, c[r]! + zLow / inv[r]!)
    const low = solveLogH(c, inv, reach, d, start, target)
    const L = low.t
    let U = -Infinity
    for (let q = 0; q < m; q++) U = Math.max(U, kc[q]! - STD.quantile(0.1 * rtol * floor[q]!) / kInv[q]!)
    if (!(U > L) || !Number.isFinite(L)) return undefined
    // The range allows for P_k down to 1/100 of the guess (cheap); the panels aim at the guess itself.
    const tolQ = floor.map((x) => 0.5 * rtol * Math.max(100 * x, TAIL_FLOOR))
    const k0 = Math.max(1, Math.ceil((U - L) / (2 * sdMin)))
    let panels: Array<Panel> = []
    for (let i = 0; i < k0; i++) panels.push(evalPanel(L + ((U - L) * i) / k0, i + 1 === k0 ? U : L + ((U - L) * (i + 1)) / k0))
    const normErr = (p: Panel): number => {
      let e = 0
      for (let q = 0; q < m; q++) e = Math.max(e, p.E[q]! / tolQ[q]!)
      return e
    }
    for (let round = 0; round < 12 && panels.length <= TAIL_MAX_PANELS; round++) {
      const ne = panels.map(normErr)
      let total = 0
      let worst = 0
      for (let i = 0; i < ne.length; i++) {
        total += ne[i]!
        if (ne[i]! > ne[worst]!) worst = i
      }
      if (!(total > 1)) break
      const share = 1 / (2 * panels.length)
      const next: Array<Panel> = []
      for (let i = 0; i < panels.length; i++) {
        const p = panels[i]!
        if (ne[i]! > share || i === worst) {
          const mid = 0.5 * (p.a + p.b)
          next.push(evalPanel(p.a, mid), evalPanel(mid, p.b))
        } else next.push(p)
      }
      panels = next
    }
    const value = new Float64Array(m)
    const error = new Float64Array(m)
    for (const p of panels) {
      for (let q = 0; q < m; q++) {
        value[q]! += p.K[q]!
        error[q]! += p.E[q]!
      }
    }
    const relTable = 4e-15 * (Math.abs(low.v) + d)
    let ok = true
    for (let q = 0; q < m && ok; q++) {
      const upper = Math.exp(STD.logcdf(-(U - kc[q]!) * kInv[q]!))
      const err = error[q]! + Math.exp(low.v) + upper + relTable * value[q]!
      ok = err <= rtol * Math.max(value[q]!, TAIL_FLOOR)
    }
    if (ok) return value
    est = value
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------
// The inverse map's oracle
// ---------------------------------------------------------------------------------------------

interface AtTheta {
  readonly probs: Float64Array
  readonly potential: number
  readonly times: (v: Float64Array) => Float64Array
  readonly diagonal: () => Float64Array
}

/**
 * The potential M, P = ∇M, J v and diag J for `newtonIdentify`, from one shared-node evaluation per
 * θ: J v is then O(d·N) with no transcendental call. θ + c𝟙 reuses the evaluation at θ (P is
 * unchanged, M moves by c). Where the nodes cannot certify their error, the adaptive path answers.
 * The start is σ_i Φ⁻¹(p_i) − μ_i: far from the top, P_i ≈ Φ̄((w − θ_i − μ_i)/σ_i) for the maximum w of
 * the others, so small probabilities start near their Gaussian-tail solution (log p would put them
 * far below it, where P underflows).
 */
/**
 * Below this a shared-node probability is recomputed to a relative 1e-10. The nodes certify 1e-10
 * absolutely, i.e. a relative 1e-8 (identify's default tolerance on log P) only from P = 1e-2 up; so
 * every probability the log-residual test reads is certified relatively. Measured at d = 1000
 * (θ ~ N(0, 1), zero-sum): ~15% more time than a 1e-9 threshold, which certified only the tail.
 */
const SMALL_PROB = 1e-2

export const normalOracle = (laws: ReadonlyArray<Law>, family: NormalFamily): Oracle => {
  let last: Float64Array | undefined
  let lastAt: AtTheta | undefined
  const evaluate = (t: Float64Array): AtTheta => {
    const r = normalArgmax(t, family, undefined, { keep: true })
    if (r !== undefined && r.jacobian !== undefined) {
      const J = r.jacobian
      // The shared nodes certify 1e-10 absolutely, which leaves a probability below ~1e-12 with a
      // relative error up to 1e-5 (2.56207e-19 for 2.56211e-19 at θ = (0, −12.6, −12.6)); identify
      // converges on log P, so small ones are recomputed to a relative 1e-10 by `normalArgmaxSmall`
      // (their own range and panels, O(d) table look-ups per node), or, where that cannot certify
      // them, by the adaptive path over all d (relative error ≤ 1e-10 down to P ≈ 1e-25 against
      // mpmath, at ~10× the cost). J stays the nodes': Newton's steps need it only approximately.
      const small: Array<number> = []
      for (let i = 0; i < r.probs.length; i++) if (r.probs[i]! < SMALL_PROB) small.push(i)
      let probs = r.probs
      if (small.length > 0) {
        const tail = normalArgmaxSmall(t, family, small, small.map((i) => r.probs[i]!))
        if (tail === undefined) probs = argmaxIndependent(t, laws).probs
        else {
          probs = Float64Array.from(r.probs)
          for (let q = 0; q < small.length; q++) probs[small[q]!] = tail[q]!
        }
      }
      return { probs, potential: r.potential, times: J.times, diagonal: J.diagonal }
    }
    const g = r ?? argmaxIndependent(t, laws)
    let diag: Float64Array | undefined
    return {
      probs: g.probs,
      potential: g.potential,
      times: (v) => (r === undefined ? undefined : normalArgmax(t, family, v)?.jvp) ?? argmaxJvp(t, laws, v),
      diagonal: () => (diag ??= argmaxHessianDiagonal(t, laws))
    }
  }
  const at = (t: Float64Array): { readonly e: AtTheta; readonly c: number } => {
    if (last !== undefined && lastAt !== undefined && last.length === t.length) {
      const c = t[0]! - last[0]!
      let scale = 1
      for (let i = 0; i < t.length; i++) scale = Math.max(scale, Math.abs(t[i]!))
      let same = Number.isFinite(c)
      for (let i = 0; same && i < t.length; i++) same = Math.abs(t[i]! - last[i]! - c) <= 4e-15 * scale
      if (same) return { e: lastAt, c }
    }
    last = Float64Array.from(t)
    lastAt = evaluate(last)
    return { e: lastAt, c: 0 }
  }
  return {
    cheapHvp: true,
    value: (t) => {
      const { e, c } = at(t)
      return e.potential + c
    },
    grad: (t) => Float64Array.from(at(t).e.probs),
    hvp: (t, v) => at(t).e.times(v),
    diagonal: (t) => Float64Array.from(at(t).e.diagonal()),
    start: (p) => p.map((x, i) => family.sd[i]! * Math.max(-37, Math.min(Z_UPPER, STD.quantile(x))) - family.mean[i]!)
  }
}
