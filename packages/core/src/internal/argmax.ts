/**
 * Float64 numerics of Perturb-Argmax: P(θ)_i = Pr[i = argmax(θ + γ)] and the potential
 * M(θ) = E max_i(θ_i + γ_i) (∇M = P), with no tfjs (the caller wraps them in custom gradients).
 *
 * Independent continuous noise (`argmaxIndependent`, `argmaxJvp`, `argmaxJacobian`), math.md §2.4:
 *   P_i(θ) = ∫ g_i(t − θ_i) Π_{j≠i} G_j(t − θ_j) dt,
 *   M(θ)   = c + ∫_c^∞ (1 − H) dt − ∫_{−∞}^c H dt,   H(t) = Π_j G_j(t − θ_j)   (any c),
 *   J_ik   = ∂P_i/∂θ_k = −∫ g_i g_k Π_{j≠i,k} G_j dt (k ≠ i),  J_ii = −Σ_{k≠i} J_ik  (J = ∇²M, symmetric).
 * Method:
 * - θ is shifted by its maximum first (P is translation invariant; M(θ) = max θ + M(θ − max θ)), so
 *   logits of ±1e4 lose nothing to cancellation.
 * - Range: below L = max_j(θ_j + lo_j), lo_j with log G_j(lo_j) ≤ −70, every P_i integrand has mass
 *   ≤ e^−70 and H ≤ e^−70; above U = max_j(θ_j + hi_j), log(1 − G_j(hi_j)) ≤ −70, the same holds.
 *   lo_j/hi_j are found from the laws' log cdf / log sf (exact in the tails), or are the support's
 *   edges for bounded laws. A coordinate with θ_j + hi_j ≤ L can never win except with probability
 *   ≤ 2e^−70: it is dropped (P_j = 0), which makes vertex cases (spreads of 1e4) cost nothing.
 * - One shared grid of t for all coordinates: at every node, log H(t) = Σ_j log G_j(t − θ_j) is formed
 *   once and each integrand is exp(log g_i − log G_i + log H) (for the Jacobian and JVP,
 *   r_k = exp(log g_k − log G_k) with a max-shift), so nothing under- or overflows and one node costs
 *   O(d) law evaluations. For bounded supports, coordinates with G_j = 0 at a node are handled exactly.
 * - Initial panels: within each coordinate's bulk (median ± 8 IQR) panels of width ≤ its IQR (the
 *   narrowest active law wins); outside all bulks the panels grow geometrically, so heavy tails
 *   (Student-t, Cauchy: U − L up to 1e30) cost O(log range) panels; support edges, Laplace kinks and c
 *   are breakpoints.
 * - Globally adaptive Gauss–Kronrod (G7/K15) on the vector of all integrands: the panel with the
 *   largest max_k |K15_k − G7_k| is bisected until the sum of those estimates is below the tolerance
 *   (default 1e-11 for P; the K15 value is far more accurate than this G7 estimate).
 * - `error` = Σ_panels max_i |K15_i − G7_i| + truncated mass bound + |Σ_i p_i − 1|. No renormalisation.
 * - The potential adds power-law estimates of the two truncated tails of ∫(1 − H) and ∫H; it is NaN
 *   when any law lacks a finite mean (e.g. Cauchy), while the probabilities stay exact.
 *
 * Closed forms and other noise:
 * - `argmaxGumbel`: softmax(θ/scale) and M = scale·logsumexp(θ/scale) + loc + scale·γ_E.
 * - `argmaxGaussian` (correlated Gaussian, multinomial probit): P_i is the orthant probability of the
 *   d−1 differences Y_j = γ_j − γ_i ≤ θ_i − θ_j, computed by Genz's separation of variables (Genz 1992;
 *   Genz & Bretz 2009) with the Genz–Bretz variable reordering and a randomly shifted Richtmyer
 *   lattice (generators frac(√prime), baker's periodising transform), averaged over `shifts`
 *   independent shifts (default 16) whose spread gives the standard error `stdError[i]`
 *   (an unbiased estimate; measured for d = 4: ≈ 4e-5 with 4096 points, ≈ 4e-6 with the default
 *   65536, decaying like N^−1.2). M is the same rule
 *   applied to E max(θ + μ + Lz) in d dimensions (its standard error is `potentialStdError`). d = 2 is
 *   the exact closed form P_1 = Φ((θ_1 − θ_2 + μ_1 − μ_2)/s), s² = var(γ_1 − γ_2), with zero error.
 *   The probabilities are not renormalised: Σ p = 1 within a few standard errors.
 * - `argmaxDiscrete`: exact enumeration of all atom combinations (at most 1e6); ties (exact float64
 *   equality of θ_j + a_j) are split evenly among the tied maximisers. `argmaxDiscreteDirectional`
 *   gives the one-sided derivatives of M along u (Danskin): right = E[max_{j∈T} u_j],
 *   left = E[min_{j∈T} u_j], T the set of maximisers (Prop 5.5: ∂M is an interval at kinks).
 */
import { Key, Noise, Random, type Law } from "@perturb/noise"
import { InvalidArgument } from "../Errors.js"

const EULER_GAMMA = 0.5772156649015329
/** log of the neglected tail mass per coordinate and side. */
const LOG_EPS = -70
const EPS = Math.exp(LOG_EPS)

// ---------------------------------------------------------------------------------------------
// Results and options
// ---------------------------------------------------------------------------------------------

/**
 * Probabilities and potential of Perturb-Argmax. `error` estimates the largest absolute error of a
 * probability; `potentialError` that of the potential.
 */
export interface ArgmaxResult {
  readonly probs: Float64Array
  readonly potential: number
  readonly error: number
  readonly potentialError: number
  /** Quadrature panels used (diagnostics). */
  readonly panels: number
}

export interface QuadratureOptions {
  /** Target for Σ_panels max_i |K15 − G7| (default 1e-11). */
  readonly tolerance?: number
  /** Cap on the number of panels (default 20000). */
  readonly maxPanels?: number
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

const checkTheta = (theta: Float64Array, argument = "theta"): number => {
  if (!(theta instanceof Float64Array)) {
    throw new InvalidArgument({ argument, value: theta, reason: "Expected a Float64Array" })
  }
  const d = theta.length
  if (d < 2) throw new InvalidArgument({ argument, value: theta, reason: `Expected d ≥ 2 coordinates, got ${d}` })
  for (let i = 0; i < d; i++) {
    if (!Number.isFinite(theta[i]!)) {
      throw new InvalidArgument({ argument: `${argument}[${i}]`, value: theta[i], reason: "Expected a finite number" })
    }
  }
  return d
}

const checkLaws = (laws: ReadonlyArray<Law>, d: number, kind: "continuous" | "discrete"): void => {
  if (!Array.isArray(laws) || laws.length !== d) {
    throw new InvalidArgument({
      argument: "laws",
      value: Array.isArray(laws) ? laws.length : laws,
      reason: `Expected ${d} laws, one per coordinate of theta`
    })
  }
  laws.forEach((l, i) => {
    if (!Noise.isLaw(l)) throw new InvalidArgument({ argument: `laws[${i}]`, value: l, reason: "Expected a Law" })
    if (l.traits.kind !== kind) {
      throw new InvalidArgument({ argument: `laws[${i}]`, value: String(l), reason: `Expected a ${kind} law` })
    }
  })
}

const checkVector = (v: Float64Array, d: number, argument: string): void => {
  if (!(v instanceof Float64Array) || v.length !== d) {
    throw new InvalidArgument({ argument, value: v, reason: `Expected a Float64Array of length ${d}` })
  }
  for (let i = 0; i < d; i++) {
    if (!Number.isFinite(v[i]!)) {
      throw new InvalidArgument({ argument: `${argument}[${i}]`, value: v[i], reason: "Expected a finite number" })
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Adaptive vector Gauss–Kronrod (G7/K15)
// ---------------------------------------------------------------------------------------------

const XGK = [
  0.991455371120812639206854697526329, 0.949107912342758524526189684047851, 0.864864423359769072789712788640926,
  0.741531185599394439863864773280788, 0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
  0.207784955007898467600689403773245, 0
] as const
const WGK = [
  0.022935322010529224963732008058970, 0.063092092629978553290700663189204, 0.104790010322250183839876322541518,
  0.140653259715525918745189590510238, 0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
  0.204432940075298892414161999234649, 0.209482141084727828012999174891714
] as const
// Gauss weights of the nodes XGK[1], XGK[3], XGK[5], XGK[7].
const WG = [
  0.129484966168869693270611432679082, 0.279705391489276667901467771423780, 0.381830050505118944950369775488975,
  0.417959183673469387755102040816327
] as const

type NodeFn = (t: number, out: Float64Array) => void

interface Integral {
  readonly values: Float64Array
  /** Σ over panels of |K15 − G7| per component. */
  readonly errors: Float64Array
  readonly panels: number
}

/**
 * ∫ f over [breaks[0], breaks[last]] for a vector integrand of m components. `invTol[k]` scales the
 * error of component k; refinement stops when Σ_panels max_k |K−G|_k·invTol[k] ≤ 1.
 */
const integrate = (breaks: ReadonlyArray<number>, m: number, f: NodeFn, invTol: Float64Array, maxPanels: number): Integral => {
  const buf = new Float64Array(m)
  const accK = new Float64Array(m)
  const accG = new Float64Array(m)
  let cap = Math.max(16, breaks.length * 2)
  let K = new Float64Array(cap * m)
  let E = new Float64Array(cap * m)
  const lo: Array<number> = []
  const hi: Array<number> = []
  const nerr: Array<number> = []

  const evalPanel = (slot: number, a: number, b: number): void => {
    const mid = 0.5 * (a + b)
    const hw = 0.5 * (b - a)
    accK.fill(0)
    accG.fill(0)
    for (let j = 0; j < 8; j++) {
      const wk = WGK[j]!
      const wg = j % 2 === 1 ? WG[(j - 1) >> 1]! : 0
      const npts = j < 7 ? 2 : 1
      for (let s = 0; s < npts; s++) {
        const t = j < 7 ? (s === 0 ? mid - hw * XGK[j]! : mid + hw * XGK[j]!) : mid
        f(t, buf)
        for (let k = 0; k < m; k++) {
          const v = buf[k]!
          accK[k] = accK[k]! + wk * v
          if (wg !== 0) accG[k] = accG[k]! + wg * v
        }
      }
    }
    let worst = 0
    const off = slot * m
    for (let k = 0; k < m; k++) {
      const kv = hw * accK[k]!
      const e = Math.abs(hw * (accK[k]! - accG[k]!))
      K[off + k] = kv
      E[off + k] = e
      const ne = e * invTol[k]!
      if (ne > worst || Number.isNaN(ne)) worst = ne
    }
    lo[slot] = a
    hi[slot] = b
    nerr[slot] = worst
  }

  const grow = (need: number): void => {
    if (need <= cap) return
    const next = Math.max(need, cap * 2)
    const K2 = new Float64Array(next * m)
    K2.set(K)
    const E2 = new Float64Array(next * m)
    E2.set(E)
    K = K2
    E = E2
    cap = next
  }

  // Max-heap of panel slots by normalised error.
  const heap: Array<number> = []
  const push = (s: number): void => {
    heap.push(s)
    let i = heap.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (nerr[heap[p]!]! >= nerr[heap[i]!]!) break
      const tmp = heap[p]!
      heap[p] = heap[i]!
      heap[i] = tmp
      i = p
    }
  }
  const pop = (): number => {
    const top = heap[0]!
    const last = heap.pop()!
    if (heap.length > 0) {
      heap[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let b = i
        if (l < heap.length && nerr[heap[l]!]! > nerr[heap[b]!]!) b = l
        if (r < heap.length && nerr[heap[r]!]! > nerr[heap[b]!]!) b = r
        if (b === i) break
        const tmp = heap[b]!
        heap[b] = heap[i]!
        heap[i] = tmp
        i = b
      }
    }
    return top
  }

  let n = 0
  for (let i = 0; i + 1 < breaks.length; i++) {
    grow(n + 1)
    evalPanel(n, breaks[i]!, breaks[i + 1]!)
    push(n)
    n++
  }
  const total = (): number => {
    let s = 0
    for (let i = 0; i < n; i++) s += nerr[i]!
    return s
  }
  let sum = total()
  let splits = 0
  while (sum > 1 && heap.length > 0 && n < maxPanels) {
    const s = pop()
    const a = lo[s]!
    const b = hi[s]!
    const mid = 0.5 * (a + b)
    // A panel that cannot be halved any further in float64 keeps its error estimate.
    if (!(mid > a && mid < b) || b - a <= 1e-13 * Math.max(1, Math.abs(mid))) continue
    grow(n + 1)
    const before = nerr[s]!
    evalPanel(s, a, mid)
    evalPanel(n, mid, b)
    push(s)
    push(n)
    sum += nerr[s]! + nerr[n]! - before
    n++
    // Re-sum now and then so rounding in the running total cannot stall or stop the loop early.
    if (++splits % 64 === 0 || sum <= 1) sum = total()
  }

  // Sum leaves in position order so the result does not depend on the refinement history.
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => lo[x]! - lo[y]!)
  const values = new Float64Array(m)
  const errors = new Float64Array(m)
  for (const s of order) {
    const off = s * m
    for (let k = 0; k < m; k++) {
      values[k] = values[k]! + K[off + k]!
      errors[k] = errors[k]! + E[off + k]!
    }
  }
  return { values, errors, panels: n }
}

// ---------------------------------------------------------------------------------------------
// Per-law facts: tails, bulk, kinks
// ---------------------------------------------------------------------------------------------

interface LawInfo {
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

const lawInfo = (law: Law): LawInfo => {
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

interface Setup {
  readonly d: number
  readonly shift: number
  /** Indices of the coordinates that can win (the others have P ≤ 2e^−70). */
  readonly rel: Int32Array
  readonly relLaws: ReadonlyArray<Law>
  readonly relTheta: Float64Array
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

const setup = (theta: Float64Array, laws: ReadonlyArray<Law>): Setup => {
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
interface NodeState {
  readonly lc: Float64Array
  readonly lp: Float64Array
  /** Σ of the finite log G. */
  h: number
  /** Number of coordinates with G = 0, and the first two of them. */
  nz: number
  z0: number
  z1: number
}

const makeNodeState = (n: number): NodeState => ({ lc: new Float64Array(n), lp: new Float64Array(n), h: 0, nz: 0, z0: -1, z1: -1 })

const fillNode = (s: Setup, st: NodeState, t: number): void => {
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
const logH = (s: Setup, st: NodeState, t: number): number => {
  fillNode(s, st, t)
  return st.nz > 0 ? -Infinity : st.h
}

const DEFAULT_TOL = 1e-11
const DEFAULT_MAX_PANELS = 20000

/** ∫_x^∞ of a tail that is e^{lx} at distance x and e^{l2x} at distance 2x, as a power law. */
const powerTail = (x: number, lx: number, l2x: number): number => {
  if (!(lx > -745)) return 0
  const alpha = (lx - l2x) / Math.LN2
  if (!(alpha > 1)) return Infinity
  return (x * Math.exp(lx)) / (alpha - 1)
}

// ---------------------------------------------------------------------------------------------
// Public API: independent continuous noise
// ---------------------------------------------------------------------------------------------

/**
 * P(θ) and M(θ) for independent continuous noise (laws[i] perturbs θ_i) by one shared adaptive
 * Gauss–Kronrod grid; see the module header for the method and the error estimate.
 */
export const argmaxIndependent = (
  theta: Float64Array,
  laws: ReadonlyArray<Law>,
  options?: QuadratureOptions
): ArgmaxResult => {
  const s = setup(theta, laws)
  const n = s.rel.length
  const withM = s.finiteMean
  const m = withM ? n + 1 : n
  const tol = options?.tolerance ?? DEFAULT_TOL
  const maxPanels = options?.maxPanels ?? DEFAULT_MAX_PANELS
  const invTol = new Float64Array(m).fill(1 / tol)
  if (withM) invTol[n] = 1 / (10 * tol)
  const st = makeNodeState(n)
  const f: NodeFn = (t, out) => {
    fillNode(s, st, t)
    let lh: number
    if (st.nz === 0) {
      const h = st.h
      for (let r = 0; r < n; r++) out[r] = Math.exp(st.lp[r]! - st.lc[r]! + h)
      lh = h
    } else {
      out.fill(0, 0, n)
      if (st.nz === 1) out[st.z0] = Math.exp(st.lp[st.z0]! + st.h)
      lh = -Infinity
    }
    if (withM) out[n] = t < s.c ? -Math.exp(lh) : -Math.expm1(lh)
  }
  const res = integrate(s.breaks, m, f, invTol, maxPanels)
  const probs = new Float64Array(s.d)
  let errP = 0
  let sum = 0
  for (let r = 0; r < n; r++) {
    probs[s.rel[r]!] = res.values[r]!
    errP = Math.max(errP, res.errors[r]!)
  }
  for (let i = 0; i < s.d; i++) sum += probs[i]!
  const truncation = 2 * EPS * s.d
  const error = errP + truncation + Math.abs(sum - 1)

  let potential = NaN
  let potentialError = NaN
  if (withM) {
    // Truncated tails: ∫_U^∞ (1 − H) and ∫_{−∞}^L H, as power laws in the distance from c.
    const du = s.U - s.c
    const dl = s.c - s.L
    const upper = du > 0
      ? powerTail(du, Math.log(-Math.expm1(logH(s, st, s.U))), Math.log(-Math.expm1(logH(s, st, s.U + du))))
      : 0
    const lower = dl > 0 ? powerTail(dl, logH(s, st, s.L), logH(s, st, s.L - dl)) : 0
    const tails = upper - lower
    potential = s.shift + s.c + res.values[n]! + tails
    potentialError = res.errors[n]! + Math.abs(tails) + 1e-15 * (Math.abs(s.shift) + Math.abs(s.c))
    if (!Number.isFinite(tails)) {
      potential = NaN
      potentialError = NaN
    }
  }
  return { probs, potential, error, potentialError, panels: res.panels }
}

/**
 * J v for the Jacobian J = ∂P/∂θ (the symmetric Hessian of M) of independent continuous noise:
 * (J v)_i = −∫ r_i H (S_v − v_i S_1) dt, r_k = g_k/G_k, S_v = Σ_k r_k v_k, S_1 = Σ_k r_k. O(d·nodes).
 */
export const argmaxJvp = (
  theta: Float64Array,
  laws: ReadonlyArray<Law>,
  v: Float64Array,
  options?: QuadratureOptions
): Float64Array => {
  const s = setup(theta, laws)
  checkVector(v, s.d, "v")
  const n = s.rel.length
  const out = new Float64Array(s.d)
  if (n < 2) return out
  const vr = Float64Array.from(s.rel, (j) => v[j]!)
  let vmax = 0
  for (let r = 0; r < n; r++) vmax = Math.max(vmax, Math.abs(vr[r]!))
  if (vmax === 0) return out
  const tol = (options?.tolerance ?? DEFAULT_TOL) * vmax
  const invTol = new Float64Array(n).fill(1 / tol)
  const st = makeNodeState(n)
  const lr = new Float64Array(n)
  const f: NodeFn = (t, o) => {
    fillNode(s, st, t)
    if (st.nz === 0) {
      let mu = -Infinity
      for (let r = 0; r < n; r++) {
        lr[r] = st.lp[r]! - st.lc[r]!
        if (lr[r]! > mu) mu = lr[r]!
      }
      if (mu === -Infinity) {
        o.fill(0)
        return
      }
      let sv = 0
      let s1 = 0
      for (let r = 0; r < n; r++) {
        const e = Math.exp(lr[r]! - mu)
        sv += e * vr[r]!
        s1 += e
      }
      const base = st.h + mu
      for (let r = 0; r < n; r++) {
        const w = Math.exp(base + lr[r]!)
        o[r] = w === 0 ? 0 : -w * (sv - vr[r]! * s1)
      }
    } else if (st.nz === 1) {
      // G_a = 0: only pairs (a, k) survive, with weight g_a g_k Π_{j≠a,k} G_j.
      o.fill(0)
      const a = st.z0
      const base = st.lp[a]! + st.h
      let acc = 0
      for (let k = 0; k < n; k++) {
        if (k === a) continue
        const w = Math.exp(base + st.lp[k]! - st.lc[k]!)
        if (w === 0) continue
        o[k] = -w * (vr[a]! - vr[k]!)
        acc += w * (vr[k]! - vr[a]!)
      }
      o[a] = -acc
    } else if (st.nz === 2) {
      o.fill(0)
      const a = st.z0
      const b = st.z1
      const w = Math.exp(st.lp[a]! + st.lp[b]! + st.h)
      if (w !== 0) {
        o[a] = -w * (vr[b]! - vr[a]!)
        o[b] = -w * (vr[a]! - vr[b]!)
      }
    } else o.fill(0)
  }
  const res = integrate(s.breaks, n, f, invTol, options?.maxPanels ?? DEFAULT_MAX_PANELS)
  for (let r = 0; r < n; r++) out[s.rel[r]!] = res.values[r]!
  return out
}

/**
 * The diagonal of the Jacobian, J_ii = ∫ r_i H (S_1 − r_i) dt ≥ 0, in one O(d·nodes) pass: the
 * Jacobi preconditioner of the inverse map's conjugate-gradient steps.
 */
export const argmaxHessianDiagonal = (
  theta: Float64Array,
  laws: ReadonlyArray<Law>,
  options?: QuadratureOptions
): Float64Array => {
  const s = setup(theta, laws)
  const n = s.rel.length
  const out = new Float64Array(s.d)
  if (n < 2) return out
  const tol = options?.tolerance ?? DEFAULT_TOL
  const invTol = new Float64Array(n).fill(1 / tol)
  const st = makeNodeState(n)
  const lr = new Float64Array(n)
  const f: NodeFn = (t, o) => {
    fillNode(s, st, t)
    o.fill(0)
    if (st.nz === 0) {
      let mu = -Infinity
      for (let r = 0; r < n; r++) {
        lr[r] = st.lp[r]! - st.lc[r]!
        if (lr[r]! > mu) mu = lr[r]!
      }
      if (mu === -Infinity) return
      let s1 = 0
      for (let r = 0; r < n; r++) s1 += Math.exp(lr[r]! - mu)
      const base = st.h + mu
      for (let r = 0; r < n; r++) {
        const w = Math.exp(base + lr[r]!)
        o[r] = w === 0 ? 0 : w * (s1 - Math.exp(lr[r]! - mu))
      }
    } else if (st.nz === 1) {
      const a = st.z0
      const base = st.lp[a]! + st.h
      let acc = 0
      for (let k = 0; k < n; k++) {
        if (k === a) continue
        const w = Math.exp(base + st.lp[k]! - st.lc[k]!)
        o[k] = w
        acc += w
      }
      o[a] = acc
    } else if (st.nz === 2) {
      const w = Math.exp(st.lp[st.z0]! + st.lp[st.z1]! + st.h)
      o[st.z0] = w
      o[st.z1] = w
    }
  }
  const res = integrate(s.breaks, n, f, invTol, options?.maxPanels ?? DEFAULT_MAX_PANELS)
  for (let r = 0; r < n; r++) out[s.rel[r]!] = res.values[r]!
  return out
}

/**
 * The full d×d Jacobian ∂P_i/∂θ_k (row-major) for small d: O(d²·nodes). Symmetric, rows sum to 0
 * (the diagonal is minus the off-diagonal row sum).
 */
export const argmaxJacobian = (
  theta: Float64Array,
  laws: ReadonlyArray<Law>,
  options?: QuadratureOptions
): Float64Array => {
  const s = setup(theta, laws)
  const d = s.d
  const n = s.rel.length
  const J = new Float64Array(d * d)
  if (n < 2) return J
  const pairs = (n * (n - 1)) / 2
  const invTol = new Float64Array(pairs).fill(1 / (options?.tolerance ?? DEFAULT_TOL))
  const st = makeNodeState(n)
  const lr = new Float64Array(n)
  const f: NodeFn = (t, o) => {
    fillNode(s, st, t)
    o.fill(0)
    if (st.nz > 2) return
    for (let r = 0; r < n; r++) lr[r] = st.lc[r] === -Infinity ? st.lp[r]! : st.lp[r]! - st.lc[r]!
    let p = 0
    for (let r = 0; r < n; r++) {
      for (let k = r + 1; k < n; k++, p++) {
        // Every coordinate with G = 0 must be one of the pair.
        let zeros = 0
        if (st.lc[r] === -Infinity) zeros++
        if (st.lc[k] === -Infinity) zeros++
        if (zeros !== st.nz) continue
        o[p] = Math.exp(st.h + lr[r]! + lr[k]!)
      }
    }
  }
  const res = integrate(s.breaks, pairs, f, invTol, options?.maxPanels ?? DEFAULT_MAX_PANELS)
  let p = 0
  for (let r = 0; r < n; r++) {
    for (let k = r + 1; k < n; k++, p++) {
      const i = s.rel[r]!
      const j = s.rel[k]!
      const v = -res.values[p]!
      J[i * d + j] = v
      J[j * d + i] = v
    }
  }
  for (let i = 0; i < d; i++) {
    let acc = 0
    for (let k = 0; k < d; k++) if (k !== i) acc += J[i * d + k]!
    J[i * d + i] = -acc
  }
  return J
}

// ---------------------------------------------------------------------------------------------
// Gumbel closed form
// ---------------------------------------------------------------------------------------------

/**
 * Gumbel(loc, scale) noise: P = softmax(θ/scale), M = scale·logsumexp(θ/scale) + loc + scale·γ_E.
 */
export const argmaxGumbel = (theta: Float64Array, loc: number = 0, scale: number = 1): ArgmaxResult => {
  const d = checkTheta(theta)
  if (!Number.isFinite(loc)) throw new InvalidArgument({ argument: "loc", value: loc, reason: "Expected a finite number" })
  if (!(Number.isFinite(scale) && scale > 0)) {
    throw new InvalidArgument({ argument: "scale", value: scale, reason: "Expected a finite number > 0" })
  }
  let mx = -Infinity
  for (let i = 0; i < d; i++) mx = Math.max(mx, theta[i]! / scale)
  const probs = new Float64Array(d)
  let z = 0
  for (let i = 0; i < d; i++) {
    const e = Math.exp(theta[i]! / scale - mx)
    probs[i] = e
    z += e
  }
  for (let i = 0; i < d; i++) probs[i] = probs[i]! / z
  const potential = scale * (mx + Math.log(z)) + loc + scale * EULER_GAMMA
  return { probs, potential, error: 0, potentialError: 1e-16 * Math.abs(potential), panels: 0 }
}

// ---------------------------------------------------------------------------------------------
// Correlated Gaussian (multinomial probit): Genz's method with a randomised lattice
// ---------------------------------------------------------------------------------------------

export interface GaussianArgmaxResult {
  readonly probs: Float64Array
  /** Standard error of each probability across the random shifts (0 for d = 2). */
  readonly stdError: Float64Array
  readonly potential: number
  readonly potentialStdError: number
  /** max_i stdError[i]. */
  readonly error: number
}

export interface GaussianArgmaxOptions {
  /** Lattice points per probability, over all shifts (default 65536). */
  readonly samples?: number
  /** Number of independent random shifts (default 16, at least 2). */
  readonly shifts?: number
  /** Key of the random shifts (default Key.make(0x5eed)). */
  readonly key?: Key.Key
}

const STD_NORMAL = Noise.normal()
const phiCdf = (x: number): number => STD_NORMAL.cdf(x)
const phiInv = (p: number): number => STD_NORMAL.quantile(p)
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI)

const primes = (k: number): Array<number> => {
  const out: Array<number> = []
  for (let c = 2; out.length < k; c++) {
    let prime = true
    for (const p of out) {
      if (p * p > c) break
      if (c % p === 0) {
        prime = false
        break
      }
    }
    if (prime) out.push(c)
  }
  return out
}

/** Richtmyer generators frac(√p) for the first k primes. */
const richtmyer = (k: number): Float64Array => Float64Array.from(primes(k), (p) => Math.sqrt(p) % 1)

const U_MIN = 1.1102230246251565e-16

/** Baker's (tent) transform of frac(n·z + shift): periodises the integrand. */
const latticeCoord = (n: number, z: number, shift: number): number => {
  const x = (n * z + shift) % 1
  const w = 1 - Math.abs(2 * x - 1)
  return w < U_MIN ? U_MIN : w > 1 - U_MIN ? 1 - U_MIN : w
}

/**
 * Cholesky factor with the Genz–Bretz reordering (smallest conditional probability first) of the
 * orthant problem Pr[Y ≤ b], Y ~ N(0, S). Returns the reordered factor (row-major m×m) and limits.
 */
const genzPrepare = (S: Float64Array, b: Float64Array, m: number): { C: Float64Array; b: Float64Array } => {
  const A = Float64Array.from(S)
  const bb = Float64Array.from(b)
  const C = new Float64Array(m * m)
  const y = new Float64Array(m)
  const swap = (i: number, j: number): void => {
    if (i === j) return
    for (let k = 0; k < m; k++) {
      const t = A[i * m + k]!
      A[i * m + k] = A[j * m + k]!
      A[j * m + k] = t
    }
    for (let k = 0; k < m; k++) {
      const t = A[k * m + i]!
      A[k * m + i] = A[k * m + j]!
      A[k * m + j] = t
    }
    const tb = bb[i]!
    bb[i] = bb[j]!
    bb[j] = tb
    for (let k = 0; k < m; k++) {
      const t = C[i * m + k]!
      C[i * m + k] = C[j * m + k]!
      C[j * m + k] = t
    }
  }
  for (let k = 0; k < m; k++) {
    let best = k
    let bestP = Infinity
    for (let j = k; j < m; j++) {
      let mean = 0
      let v = A[j * m + j]!
      for (let l = 0; l < k; l++) {
        mean += C[j * m + l]! * y[l]!
        v -= C[j * m + l]! ** 2
      }
      const p = phiCdf((bb[j]! - mean) / Math.sqrt(Math.max(v, 1e-300)))
      if (p < bestP) {
        bestP = p
        best = j
      }
    }
    swap(k, best)
    let v = A[k * m + k]!
    for (let l = 0; l < k; l++) v -= C[k * m + l]! ** 2
    const ckk = Math.sqrt(Math.max(v, 1e-300))
    C[k * m + k] = ckk
    for (let i = k + 1; i < m; i++) {
      let t = A[i * m + k]!
      for (let l = 0; l < k; l++) t -= C[i * m + l]! * C[k * m + l]!
      C[i * m + k] = t / ckk
    }
    let mean = 0
    for (let l = 0; l < k; l++) mean += C[k * m + l]! * y[l]!
    const a = (bb[k]! - mean) / ckk
    // E[Z | Z ≤ a] = −φ(a)/Φ(a), in log space for very negative a.
    y[k] = -Math.exp(STD_NORMAL.logpdf(a) - STD_NORMAL.logcdf(a))
  }
  return { C, b: bb }
}

interface Lattice {
  readonly z: Float64Array
  readonly u: Float64Array
  readonly dims: number
  readonly shifts: number
  readonly perShift: number
  readonly yv: Float64Array
  readonly est: Float64Array
}

/** Pr[Y ≤ b], Y ~ N(0, S) in m dimensions, by Genz's separation of variables on the shifted lattice. */
const orthant = (S: Float64Array, b: Float64Array, m: number, L: Lattice): { mean: number; se: number } => {
  const { C, b: bb } = genzPrepare(S, b, m)
  const e0 = phiCdf(bb[0]! / C[0]!)
  // One dimension is exact: no lattice needed.
  if (m === 1) return { mean: e0, se: 0 }
  for (let sh = 0; sh < L.shifts; sh++) {
    let acc = 0
    for (let nn = 1; nn <= L.perShift; nn++) {
      let e = e0
      let fval = e0
      for (let k = 1; k < m && fval > 0; k++) {
        const w = latticeCoord(nn, L.z[k - 1]!, L.u[sh * L.dims + k - 1]!)
        L.yv[k - 1] = phiInv(Math.max(w * e, 1e-300))
        let sum = 0
        for (let l = 0; l < k; l++) sum += C[k * m + l]! * L.yv[l]!
        e = phiCdf((bb[k]! - sum) / C[k * m + k]!)
        fval *= e
      }
      acc += fval
    }
    L.est[sh] = acc / L.perShift
  }
  return meanSe(L.est.subarray(0, L.shifts))
}

/**
 * The Jacobian ∂P_i/∂θ_k (row-major d×d) of the correlated-Gaussian argmax probabilities. With
 * Y_j = γ_j − γ_i and bounds b_j = x_i − x_j, ∂P_i/∂θ_k = −f_{Y_k}(b_k)·Pr[Y_{−k} ≤ b_{−k} | Y_k = b_k]
 * for k ≠ i: a Gaussian density times a (d−2)-dimensional orthant probability of the conditioned
 * Gaussian, by the same lattice rule (exact for d ≤ 3). Rows sum to zero; the result is symmetrised
 * (it is the Hessian of M).
 */
export const argmaxGaussianJacobian = (
  theta: Float64Array,
  gaussian: Noise.Gaussian,
  options?: GaussianArgmaxOptions
): Float64Array => {
  const d = checkTheta(theta)
  if (gaussian.dim !== d) {
    throw new InvalidArgument({ argument: "gaussian", value: gaussian.dim, reason: `Expected dimension ${d} (theta's)` })
  }
  const cov = gaussian.covariance
  const x = Float64Array.from(theta, (t, i) => t + gaussian.mean[i]!)
  const J = new Float64Array(d * d)
  const m = d - 1
  const shifts = options?.shifts ?? 16
  const perShift = Math.max(1, Math.ceil((options?.samples ?? 16384) / shifts))
  const dims = Math.max(m, 2)
  const L: Lattice = {
    z: richtmyer(dims),
    u: Random.uniform64(options?.key ?? Key.make(0x5eed), shifts * dims),
    dims,
    shifts,
    perShift,
    yv: new Float64Array(m),
    est: new Float64Array(shifts)
  }
  const S = new Float64Array(m * m)
  const b = new Float64Array(m)
  const Sc = new Float64Array(Math.max(1, (m - 1) * (m - 1)))
  const bc = new Float64Array(Math.max(1, m - 1))
  for (let i = 0; i < d; i++) {
    const idx: Array<number> = []
    for (let j = 0; j < d; j++) if (j !== i) idx.push(j)
    for (let p = 0; p < m; p++) {
      const j = idx[p]!
      b[p] = x[i]! - x[j]!
      for (let q = 0; q < m; q++) {
        const k = idx[q]!
        S[p * m + q] = cov[j]![k]! - cov[j]![i]! - cov[i]![k]! + cov[i]![i]!
      }
    }
    for (let p = 0; p < m; p++) {
      const spp = S[p * m + p]!
      const density = Math.exp(STD_NORMAL.logpdf(b[p]! / Math.sqrt(spp))) / Math.sqrt(spp)
      let conditional = 1
      if (m > 1 && density > 0) {
        // Condition the other differences on Y_p = b_p.
        let r = 0
        for (let q = 0; q < m; q++) {
          if (q === p) continue
          bc[r] = b[q]! - (S[q * m + p]! / spp) * b[p]!
          let c = 0
          for (let t = 0; t < m; t++) {
            if (t === p) continue
            Sc[r * (m - 1) + c] = S[q * m + t]! - (S[q * m + p]! * S[p * m + t]!) / spp
            c++
          }
          r++
        }
        conditional = orthant(Sc, bc, m - 1, L).mean
      }
      J[i * d + idx[p]!] = -density * conditional
    }
  }
  // Symmetrise (exact in exact arithmetic) and set the diagonal from the zero row sums.
  for (let i = 0; i < d; i++) {
    for (let k = i + 1; k < d; k++) {
      const v = 0.5 * (J[i * d + k]! + J[k * d + i]!)
      J[i * d + k] = v
      J[k * d + i] = v
    }
  }
  for (let i = 0; i < d; i++) {
    let sum = 0
    for (let k = 0; k < d; k++) if (k !== i) sum += J[i * d + k]!
    J[i * d + i] = -sum
  }
  return J
}

/**
 * Perturb-Argmax for a correlated Gaussian (multinomial probit) by Genz's method with a randomly
 * shifted lattice rule; see the module header. Deterministic given the key.
 */
export const argmaxGaussian = (
  theta: Float64Array,
  gaussian: Noise.Gaussian,
  options?: GaussianArgmaxOptions
): GaussianArgmaxResult => {
  const d = checkTheta(theta)
  if (typeof gaussian !== "object" || gaussian === null || gaussian._tag !== "Gaussian") {
    throw new InvalidArgument({ argument: "gaussian", value: gaussian, reason: "Expected Noise.gaussian(...)" })
  }
  if (gaussian.dim !== d) {
    throw new InvalidArgument({ argument: "gaussian", value: gaussian.dim, reason: `Expected dimension ${d} (theta's)` })
  }
  const samples = options?.samples ?? 65536
  const shifts = options?.shifts ?? 16
  if (!(Number.isSafeInteger(samples) && samples >= 1)) {
    throw new InvalidArgument({ argument: "samples", value: samples, reason: "Expected a positive integer" })
  }
  if (!(Number.isSafeInteger(shifts) && shifts >= 2)) {
    throw new InvalidArgument({ argument: "shifts", value: shifts, reason: "Expected an integer ≥ 2" })
  }
  const key = options?.key ?? Key.make(0x5eed)
  const cov = gaussian.covariance
  const mu = gaussian.mean
  const x = Float64Array.from(theta, (t, i) => t + mu[i]!)
  const probs = new Float64Array(d)
  const stdError = new Float64Array(d)

  if (d === 2) {
    const s = Math.sqrt(cov[0]![0]! + cov[1]![1]! - 2 * cov[0]![1]!)
    const a = (x[0]! - x[1]!) / s
    probs[0] = phiCdf(a)
    probs[1] = phiCdf(-a)
    // E max(X1, X2) = X2 + (X1 − X2)Φ(a) + s φ(a), written symmetrically.
    const potential = x[0]! * probs[0]! + x[1]! * probs[1]! + s * INV_SQRT_2PI * Math.exp(-0.5 * a * a)
    return { probs, stdError, potential, potentialStdError: 0, error: 0 }
  }

  const perShift = Math.max(1, Math.ceil(samples / shifts))
  const m = d - 1
  const dims = Math.max(m - 1, d)
  const z = richtmyer(dims)
  const u = Random.uniform64(key, shifts * dims)
  const S = new Float64Array(m * m)
  const b = new Float64Array(m)
  const yv = new Float64Array(m)
  const est = new Float64Array(shifts)
  for (let i = 0; i < d; i++) {
    // Y_j = γ_j − γ_i (j ≠ i) with covariance C_jk − C_ji − C_ik + C_ii; event Y_j ≤ x_i − x_j.
    const idx: Array<number> = []
    for (let j = 0; j < d; j++) if (j !== i) idx.push(j)
    for (let p = 0; p < m; p++) {
      const j = idx[p]!
      b[p] = x[i]! - x[j]!
      for (let q = 0; q < m; q++) {
        const k = idx[q]!
        S[p * m + q] = cov[j]![k]! - cov[j]![i]! - cov[i]![k]! + cov[i]![i]!
      }
    }
    const { mean, se } = orthant(S, b, m, { z, u, dims, shifts, perShift, yv, est })
    probs[i] = mean
    stdError[i] = se
  }

  // M = E max(x + L ζ), ζ ~ N(0, I_d), on the same kind of lattice in d dimensions.
  const Lc = gaussian.cholesky
  const zeta = new Float64Array(d)
  for (let sh = 0; sh < shifts; sh++) {
    let acc = 0
    for (let nn = 1; nn <= perShift; nn++) {
      for (let k = 0; k < d; k++) zeta[k] = phiInv(latticeCoord(nn, z[k]!, u[sh * dims + k]!))
      let mx = -Infinity
      for (let r = 0; r < d; r++) {
        let v = x[r]!
        for (let k = 0; k <= r; k++) v += Lc[r * d + k]! * zeta[k]!
        if (v > mx) mx = v
      }
      acc += mx
    }
    est[sh] = acc / perShift
  }
  const pm = meanSe(est)
  let error = 0
  for (let i = 0; i < d; i++) error = Math.max(error, stdError[i]!)
  return { probs, stdError, potential: pm.mean, potentialStdError: pm.se, error }
}

const meanSe = (est: Float64Array): { mean: number; se: number } => {
  const k = est.length
  let mean = 0
  for (let s = 0; s < k; s++) mean += est[s]!
  mean /= k
  let v = 0
  for (let s = 0; s < k; s++) v += (est[s]! - mean) ** 2
  return { mean, se: Math.sqrt(v / (k - 1) / k) }
}

// ---------------------------------------------------------------------------------------------
// Discrete noise: exact enumeration
// ---------------------------------------------------------------------------------------------

const MAX_COMBINATIONS = 1e6

interface Atoms {
  readonly atoms: ReadonlyArray<Float64Array>
  readonly weights: ReadonlyArray<Float64Array>
}

const atomsOf = (theta: Float64Array, laws: ReadonlyArray<Law>): Atoms => {
  const d = checkTheta(theta)
  checkLaws(laws, d, "discrete")
  let count = 1
  const atoms: Array<Float64Array> = []
  const weights: Array<Float64Array> = []
  laws.forEach((law, i) => {
    const sup = law.traits.support
    if (sup._tag !== "Atoms") {
      throw new InvalidArgument({ argument: `laws[${i}]`, value: String(law), reason: "Expected a law on finitely many atoms" })
    }
    const a = Float64Array.from(sup.atoms)
    const w = Float64Array.from(sup.atoms, (x) => law.pdf(x))
    atoms.push(a)
    weights.push(w)
    count *= a.length
  })
  if (count > MAX_COMBINATIONS) {
    throw new InvalidArgument({
      argument: "laws",
      value: count,
      reason: `Exact enumeration needs Π_j (number of atoms) ≤ ${MAX_COMBINATIONS}`
    })
  }
  return { atoms, weights }
}

/** Visits every atom combination with its weight and the maximisers of θ + a (ties: exact equality). */
const enumerate = (
  theta: Float64Array,
  { atoms, weights }: Atoms,
  visit: (weight: number, max: number, tied: Int32Array, nTied: number) => void
): void => {
  const d = theta.length
  const idx = new Int32Array(d)
  const tied = new Int32Array(d)
  for (;;) {
    let w = 1
    let mx = -Infinity
    let nt = 0
    for (let j = 0; j < d; j++) {
      w *= weights[j]![idx[j]!]!
      const v = theta[j]! + atoms[j]![idx[j]!]!
      if (v > mx) {
        mx = v
        nt = 0
        tied[nt++] = j
      } else if (v === mx) tied[nt++] = j
    }
    if (w > 0) visit(w, mx, tied, nt)
    let j = 0
    while (j < d) {
      idx[j]!++
      if (idx[j]! < atoms[j]!.length) break
      idx[j] = 0
      j++
    }
    if (j === d) return
  }
}

/** Neumaier-compensated accumulator. */
class Acc {
  s = 0
  c = 0
  add(x: number): void {
    const t = this.s + x
    this.c += Math.abs(this.s) >= Math.abs(x) ? this.s - t + x : x - t + this.s
    this.s = t
  }
  get value(): number {
    return this.s + this.c
  }
}

/**
 * Exact P and M for independent discrete noise by enumerating every atom combination (at most 1e6).
 * Ties split evenly among the tied maximisers (an element of ∂M, its centre only for symmetric ties).
 */
export const argmaxDiscrete = (theta: Float64Array, laws: ReadonlyArray<Law>): ArgmaxResult => {
  const at = atomsOf(theta, laws)
  const d = theta.length
  const acc = Array.from({ length: d }, () => new Acc())
  const m = new Acc()
  enumerate(theta, at, (w, mx, tied, nt) => {
    const share = w / nt
    for (let k = 0; k < nt; k++) acc[tied[k]!]!.add(share)
    m.add(w * mx)
  })
  const probs = Float64Array.from(acc, (a) => a.value)
  let sum = 0
  for (let i = 0; i < d; i++) sum += probs[i]!
  return { probs, potential: m.value, error: Math.abs(sum - 1), potentialError: 1e-15 * Math.abs(m.value), panels: 0 }
}

/**
 * One-sided directional derivatives of M at θ along `direction` u for discrete noise:
 * right = lim_{h↓0} (M(θ + hu) − M(θ))/h = E[max_{j∈T} u_j], left = lim_{h↓0} (M(θ) − M(θ − hu))/h
 * = E[min_{j∈T} u_j], T the maximisers of θ + γ. They differ exactly where ∂M is not a singleton.
 */
export const argmaxDiscreteDirectional = (
  theta: Float64Array,
  laws: ReadonlyArray<Law>,
  direction: Float64Array
): { readonly left: number; readonly right: number } => {
  const at = atomsOf(theta, laws)
  checkVector(direction, theta.length, "direction")
  const left = new Acc()
  const right = new Acc()
  enumerate(theta, at, (w, _mx, tied, nt) => {
    let lo = Infinity
    let hi = -Infinity
    for (let k = 0; k < nt; k++) {
      const u = direction[tied[k]!]!
      if (u < lo) lo = u
      if (u > hi) hi = u
    }
    left.add(w * lo)
    right.add(w * hi)
  })
  return { left: left.value, right: right.value }
}
