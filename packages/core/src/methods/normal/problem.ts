/**
 * The set-up of the shared-node Normal-Argmax (see `probabilities.ts`): the coordinates shifted,
 * sorted and pruned, and the range of integration. The line is cut at
 *   L: the point where log H(L) = −46 (Newton from the left on the convex √(−log H)): the mass of
 *      the maximum below L, hence of every P_i and their sum, is H(L) ≤ 1.1e-20;
 *   U = max_j(c_j + 8.5σ_j): above it every coordinate's density has mass Φ̄(8.5) ≈ 9.5e-18;
 *   t_b, where log H(t_b) = −0.05 (the top of the maximum's bulk),
 * with equal panels on [L, t_b] (about one per 1.4 scale units of the maximum's Gumbel-like law,
 * and at most 3σ wide) and panels at most 3.5σ wide on [t_b, U]; a coordinate narrower than its
 * panel adds breakpoints across its own bulk. Coordinates are sorted by c_j + 9.5σ_j so each node visits a
 * prefix (the others have Φ = 1 there), and coordinates that cannot reach L never enter.
 */
import type { Law } from "@perturb/noise"
import { InvalidArgument } from "../../Errors.js"
import { getTable, STD, tableAt, ZHI, ZLO } from "./table.js"

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
export const Z_UPPER = 8.5
export const PHI_BAR_UPPER = 9.5e-18
/** Panels on [L, t_b] per unit of log(−log H) (≈ the maximum's Gumbel scale) and at most this many σ wide. */
const PER_Y = 1 / 3
const WIDTH_LOW = 3
/**
 * On [t_b, U] (the upper tail, H ≈ 1) panels of 3.5σ: two where 2.5σ made three. Measured at
 * d = 10, 100, 1000, θ ~ N(0, s²), s from 0.01 to 10: Gauss–Kronrod estimates ≤ 1.6e-11 for P and
 * ≤ 1e-10 for J v (whose tolerance is 1e-10·max|v|), errors against the adaptive path at 1e-14
 * ≤ 7e-16; no case of a sweep over d = 2…5000 with mixed σ needed a further round.
 */
const WIDTH_HIGH = 3.5
export const MAX_PANELS = 400
export const ROUNDS = 4

export interface Problem {
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

export const checkTheta = (theta: Float64Array, d: number): void => {
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
export const prefix = (reach: Float64Array, n: number, t: number): number => {
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
  getTable()
  // Imported bindings read once (getter calls under vitest's module runner, see `pass.ts`).
  const at = tableAt
  const zlo = ZLO
  const cnt = prefix(reach, n, t)
  let v = 0
  let dv = 0
  for (let r = 0; r < cnt; r++) {
    const z = (t - c[r]!) * inv[r]!
    if (z >= zlo) {
      v += at(z, 0)
      dv += at(z, 1) * inv[r]!
    } else {
      const lc = STD.logcdf(z)
      v += lc
      dv += Math.exp(STD.logpdf(z) - lc) * inv[r]!
    }
  }
  return { v, dv }
}

/**
 * The point where log H = target < 0, approached from the left, by Newton's method on
 * s(t) = √(−log H(t)) = ‖(√(−log Φ(z_j)))_j‖₂: √(−log Φ) is convex (checked numerically on
 * [−30, 9]), so s is convex and decreasing, its tangents lie below it, and each step lands left of
 * the root, quadratically closer. On log H itself (concave, with −log H ≈ d z²/2 far left) the
 * steps only halved the distance: at d = 1000 (θ ~ N(0, s²), s = 0.01…3) L took 8–9 steps, now
 * 4–5, and t_b up to 9, now up to 5.
 */
export const solveLogH = (c: Float64Array, inv: Float64Array, reach: Float64Array, n: number, start: number, target: number): { t: number; v: number } => {
  const goal = Math.sqrt(-target)
  let t = start
  let cur = logHAt(c, inv, reach, n, t)
  for (let it = 0; it < 60 && cur.v < target - 1e-3 * Math.max(1, Math.abs(target)); it++) {
    if (!(cur.dv > 0)) break
    const root = Math.sqrt(-cur.v)
    // s' = −(log H)'/(2s); the step t − (s − goal)/s'.
    const next = t + ((root - goal) * 2 * root) / cur.dv
    if (!(next > t)) break
    const nv = logHAt(c, inv, reach, n, next)
    // Rounding aside, convexity keeps `next` left of the root; never accept a point past the target.
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
export const byReach = (theta: Float64Array, fam: NormalFamily) => {
  const d = fam.mean.length
  let shift = -Infinity
  for (let j = 0; j < d; j++) shift = Math.max(shift, theta[j]! + fam.mean[j]!)
  const key = new Float64Array(d)
  for (let j = 0; j < d; j++) key[j] = theta[j]! + fam.mean[j]! - shift + ZHI * fam.sd[j]!
  const order = sortDescending(key)
  const c = new Float64Array(d)
  const inv = new Float64Array(d)
  const reach = new Float64Array(d)
  for (let r = 0; r < d; r++) {
    const j = order[r]!
    c[r] = theta[j]! + fam.mean[j]! - shift
    inv[r] = 1 / fam.sd[j]!
    reach[r] = key[j]!
  }
  return { shift, order, c, inv, reach }
}

/**
 * Indices of `key` by decreasing key, ties by index (a bottom-up merge sort: a comparator passed to
 * Int32Array.prototype.sort took 0.3 ms at d = 1000, a tenth of a Normal-Argmax call).
 */
const sortDescending = (key: Float64Array): Int32Array => {
  const d = key.length
  let src = new Int32Array(d)
  let dst = new Int32Array(d)
  for (let j = 0; j < d; j++) src[j] = j
  for (let width = 1; width < d; width *= 2) {
    for (let lo = 0; lo < d; lo += 2 * width) {
      const mid = Math.min(lo + width, d)
      const hi = Math.min(lo + 2 * width, d)
      let i = lo
      let j = mid
      for (let k = lo; k < hi; k++) {
        if (i < mid && (j >= hi || key[src[i]!]! >= key[src[j]!]!)) dst[k] = src[i++]!
        else dst[k] = src[j++]!
      }
    }
    const tmp = src
    src = dst
    dst = tmp
  }
  return src
}

export const setup = (theta: Float64Array, fam: NormalFamily): Problem => {
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
export const initialBreaks = (P: Problem): Array<number> => {
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
