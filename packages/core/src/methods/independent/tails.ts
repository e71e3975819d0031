/**
 * The shared problem set-up of independent continuous noise (see `../independent.ts`): per-law
 * tail points, bulks and kinks, the integration range [L, U] outside which every integrand has mass
 * ≤ e^−70, the panel breakpoints, and the per-node log G / log g of the coordinates that can win.
 */
import type { Law } from "@perturb/noise"
import { InvalidArgument } from "../../Errors.js"
import { checkLaws, checkTheta } from "../shared.js"

/** log of the neglected tail mass per coordinate and side. */
export const LOG_EPS = -70
export const EPS = Math.exp(LOG_EPS)

// ---------------------------------------------------------------------------------------------
// Per-law facts: tails, bulk, kinks
// ---------------------------------------------------------------------------------------------

export interface LawInfo {
  /** log G(lo) ≤ LOG_EPS (or the support's lower edge). */
  readonly lo: number
  /** log(1 − G(hi)) ≤ LOG_EPS (or the support's upper edge). */
  readonly hi: number
  readonly med: number
  readonly iqr: number
  /** Points where the density has a kink or a jump. */
  readonly kinks: ReadonlyArray<number>
}

const infoCache = new WeakMap<Law, LawInfo>()

const finiteOr = (x: number, fallback: number): number => (Number.isFinite(x) ? x : fallback)

/**
 * The outer tail point on one side: log G(x) ≤ LOG_EPS (lower) or log(1 − G(x)) ≤ LOG_EPS (upper),
 * within a few percent of the smallest such point; `start` and `med` lie inside the bulk.
 */
const tailPoint = (law: Law, side: "lower" | "upper", start: number, med: number, width: number): number => {
  const dir = side === "lower" ? -1 : 1
  const inside = side === "lower" ? (x: number) => !(law.logcdf(x) <= LOG_EPS) : (x: number) => !(law.logsf(x) <= LOG_EPS)
  let near = inside(start) ? start : med
  let w = width
  let far = near + dir * w
  for (let it = 0; it < 2000 && inside(far); it++) {
    near = far
    w *= 2
    far = near + dir * w
    if (!Number.isFinite(far)) {
      throw new InvalidArgument({ argument: "laws", value: String(law), reason: `The ${side} tail never falls below e^${LOG_EPS}` })
    }
  }
  return bisectTail(inside, near, far)
}

/** Shrinks [near, far] (near inside the bulk, far in the tail) to a few percent; returns the far end. */
const bisectTail = (inside: (x: number) => boolean, near: number, far: number): number => {
  for (let it = 0; it < 60; it++) {
    if (Math.abs(far - near) <= 0.02 * Math.abs(far) + 1e-9) break
    const mid = 0.5 * (near + far)
    if (inside(mid)) near = mid
    else far = mid
  }
  return far
}

export const lawInfo = (law: Law): LawInfo => {
  const hit = infoCache.get(law)
  if (hit !== undefined) return hit
  const sup = law.traits.support
  const sLo = sup._tag === "Interval" ? sup.lower : -Infinity
  const sHi = sup._tag === "Interval" ? sup.upper : Infinity
  const q25 = law.quantile(0.25)
  const q75 = law.quantile(0.75)
  let med = law.quantile(0.5)
  let iqr = q75 - q25
  if (!(Number.isFinite(med) && Number.isFinite(iqr) && iqr > 0)) {
    med = finiteOr(med, Number.isFinite(sLo) && Number.isFinite(sHi) ? 0.5 * (sLo + sHi) : 0)
    iqr = Number.isFinite(sLo) && Number.isFinite(sHi) ? (sHi - sLo) / 2 : 1
  }
  const lo = Number.isFinite(sLo) ? sLo : tailPoint(law, "lower", finiteOr(law.quantile(1e-6), med - 5 * iqr), med, iqr)
  const hi = Number.isFinite(sHi) ? sHi : tailPoint(law, "upper", finiteOr(law.quantile(1 - 1e-6), med + 5 * iqr), med, iqr)
  const kinks: Array<number> = []
  if (Number.isFinite(sLo)) kinks.push(sLo)
  if (Number.isFinite(sHi)) kinks.push(sHi)
  if (law._tag === "Laplace") kinks.push(law.params.loc)
  const info: LawInfo = { lo, hi, med, iqr, kinks }
  infoCache.set(law, info)
  return info
}

// ---------------------------------------------------------------------------------------------
// The shared problem set-up for independent continuous noise
// ---------------------------------------------------------------------------------------------

export interface Setup {
  /** Indices of the coordinates that can win (the others have P ≤ 2e^−70), their laws and θ − shift. */
  readonly rel: Int32Array
  readonly relLaws: ReadonlyArray<Law>
  readonly relTheta: Float64Array
  /** θ's dimension, and max θ: L, U, c and the breaks are relative to θ − shift (P is translation invariant). */
  readonly d: number
  readonly shift: number
  readonly L: number
  readonly U: number
  /** Split point of M's integral (≈ the median of the maximum). */
  readonly c: number
  readonly breaks: ReadonlyArray<number>
  readonly finiteMean: boolean
}

interface Bulk {
  readonly a: number
  readonly b: number
  readonly s: number
}

/** Panel breakpoints from L to U: fine inside the bulks, geometric outside. */
const buildBreaks = (L: number, U: number, bulks: ReadonlyArray<Bulk>, extra: ReadonlyArray<number>): Array<number> => {
  const ivs = bulks
    .map((iv) => ({ a: Math.max(iv.a, L), b: Math.min(iv.b, U), s: iv.s }))
    .filter((iv) => iv.b > iv.a && iv.s > 0)
  const pts: Array<number> = [L]
  let t = L
  const fallback = (U - L) / 16
  for (let guard = 0; t < U && guard < 200000; guard++) {
    let h = Infinity
    let nextStart = Infinity
    let nextS = NaN
    let prevEnd = -Infinity
    let prevS = NaN
    for (const iv of ivs) {
      if (iv.a <= t && t < iv.b) {
        if (iv.s < h) h = iv.s
      } else if (iv.a > t) {
        if (iv.a < nextStart) {
          nextStart = iv.a
          nextS = iv.s
        }
      } else if (iv.b > prevEnd) {
        prevEnd = iv.b
        prevS = iv.s
      }
    }
    if (h < Infinity) {
      // Never step over the start of a narrower bulk.
      for (const iv of ivs) if (iv.a > t && iv.s < h && iv.a - t < h) h = iv.a - t
    } else {
      const dPrev = t - prevEnd
      const dNext = nextStart - t
      const sNear = dPrev <= dNext ? (Number.isNaN(prevS) ? nextS : prevS) : (Number.isNaN(nextS) ? prevS : nextS)
      h = Math.max(Number.isNaN(sNear) ? fallback : sNear, 0.5 * Math.min(dPrev, dNext))
      if (nextStart < Infinity) h = Math.min(h, dNext)
    }
    if (!(h > 0)) h = fallback
    t = t + h >= U - 1e-12 * Math.max(1, Math.abs(U)) ? U : t + h
    pts.push(t)
  }
  if (pts[pts.length - 1]! < U) pts.push(U)
  for (const x of extra) if (x > L && x < U) pts.push(x)
  pts.sort((x, y) => x - y)
  const out: Array<number> = [pts[0]!]
  for (let i = 1; i < pts.length; i++) {
    const x = pts[i]!
    const last = out[out.length - 1]!
    if (x - last > 1e-12 * Math.max(1, Math.abs(x))) out.push(x)
    else if (i === pts.length - 1) out[out.length - 1] = x
  }
  return out
}

export const setup = (theta: Float64Array, laws: ReadonlyArray<Law>): Setup => {
  const d = checkTheta(theta)
  checkLaws(laws, d, "continuous")
  let shift = -Infinity
  for (let i = 0; i < d; i++) shift = Math.max(shift, theta[i]!)
  const th = new Float64Array(d)
  for (let i = 0; i < d; i++) th[i] = theta[i]! - shift
  const infos = laws.map(lawInfo)
  let L = -Infinity
  let U = -Infinity
  for (let j = 0; j < d; j++) {
    L = Math.max(L, th[j]! + infos[j]!.lo)
    U = Math.max(U, th[j]! + infos[j]!.hi)
  }
  const relList: Array<number> = []
  for (let j = 0; j < d; j++) if (th[j]! + infos[j]!.hi > L) relList.push(j)
  const rel = Int32Array.from(relList)
  const relLaws = relList.map((j) => laws[j]!)
  const relTheta = Float64Array.from(relList, (j) => th[j]!)
  let c = -Infinity
  for (const j of relList) c = Math.max(c, th[j]! + infos[j]!.med)
  c = Math.min(Math.max(c, L), U)
  const bulks: Array<Bulk> = []
  const extra: Array<number> = [c]
  for (const j of relList) {
    const inf = infos[j]!
    const centre = th[j]! + inf.med
    bulks.push({ a: centre - 8 * inf.iqr, b: centre + 8 * inf.iqr, s: inf.iqr })
    for (const k of inf.kinks) extra.push(th[j]! + k)
  }
  const breaks = buildBreaks(L, U, bulks, extra)
  const finiteMean = laws.every((l) => l.traits.finiteMean)
  return { d, shift, rel, relLaws, relTheta, L, U, c, breaks, finiteMean }
}

/** Per-node log G and log g of the relevant coordinates. */
export interface NodeState {
  readonly lc: Float64Array
  readonly lp: Float64Array
  /** Σ of the finite log G. */
  h: number
  /** Number of coordinates with G = 0, and the first two of them. */
  nz: number
  z0: number
  z1: number
}

export const makeNodeState = (n: number): NodeState => ({ lc: new Float64Array(n), lp: new Float64Array(n), h: 0, nz: 0, z0: -1, z1: -1 })

export const fillNode = (s: Setup, st: NodeState, t: number): void => {
  const n = s.rel.length
  let h = 0
  let nz = 0
  st.z0 = -1
  st.z1 = -1
  for (let r = 0; r < n; r++) {
    const law = s.relLaws[r]!
    const x = t - s.relTheta[r]!
    const c = law.logcdf(x)
    st.lc[r] = c
    st.lp[r] = law.logpdf(x)
    if (c === -Infinity) {
      if (nz === 0) st.z0 = r
      else if (nz === 1) st.z1 = r
      nz++
    } else h += c
  }
  st.h = h
  st.nz = nz
}

/** log H(t) over the relevant coordinates. */
export const logH = (s: Setup, st: NodeState, t: number): number => {
  fillNode(s, st, t)
  return st.nz > 0 ? -Infinity : st.h
}

export const DEFAULT_TOL = 1e-11
export const DEFAULT_MAX_PANELS = 20000

/** ∫_x^∞ of a tail that is e^{lx} at distance x and e^{l2x} at distance 2x, as a power law. */
export const powerTail = (x: number, lx: number, l2x: number): number => {
  if (!(lx > -745)) return 0
  const alpha = (lx - l2x) / Math.LN2
  if (!(alpha > 1)) return Infinity
  return (x * Math.exp(lx)) / (alpha - 1)
}
