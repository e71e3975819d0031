/**
 * Independent mixed noise: some coordinates on finitely many atoms (set D), the others with a
 * density (set C). Conditioning on the atoms a of D (weight w(a) = Π_j Pr[γ_j = a_j]) leaves
 * m = max_{j∈D}(θ_j + a_j), reached by the tied set T, against the continuous maximum
 * X = max_{j∈C}(θ_j + γ_j) with cdf H(t) = Π_{j∈C} G_j(t − θ_j), which has no atoms:
 *   P_i = Σ_a w(a) ∫_m^∞ g_i(t − θ_i) Π_{j∈C∖i} G_j(t − θ_j) dt           (i ∈ C),
 *   P_k = Σ_{a: k∈T} w(a) H(m) / |T|                                        (k ∈ D),
 *   M   = Σ_a w(a) (m + ∫_m^∞ (1 − H(t)) dt).
 * Ties among atoms are split evenly among the tied maximisers, as `discrete.ts` does (exact float64
 * equality of θ_j + a_j); a tie with a continuous coordinate has probability 0.
 * The integrals over [m, ∞) reuse the independent method's range, panels and adaptive Gauss–Kronrod
 * (`independent/`): the distinct m are sorted, each gap [m_k, m_{k+1}] is integrated once, and
 * suffix sums give every ∫_{m_k}^∞. Below L every integrand has mass ≤ e^−70 and 1 − H ≥ 1 − e^−70;
 * above U the P integrands have mass ≤ e^−70 and ∫(1 − H) is the independent method's power tail.
 *
 * J v (J = ∇²M where it exists) per atom combination with its tie set T, along v constant on T
 * (value v_T), β_i(m) = g_i(m − θ_i) Π_{j∈C∖i} G_j(m − θ_j), r = g/G, S_v = Σ_{j∈C} r_j v_j:
 *   (J v)_i += w [(v_i − v_T) β_i(m) − ∫_m^∞ r_i H (S_v − v_i S_1) dt]   (i ∈ C; integration by parts
 *              of the g_i′ term gives the boundary term),
 *   (J v)_k += w/|T| Σ_{j∈C} (v_T − v_j) β_j(m)                          (k ∈ T).
 * Where v is not constant on a tie T that carries mass (H(m) > 0 or some β_i(m) > 0), P jumps or
 * kinks along v and J v does not exist: `jvpRefusal` says so, as the discrete method does.
 */
import type { Law } from "@perturb/noise"
import { InvalidArgument } from "../Errors.js"
import { discreteMethod, enumerate as enumerateAtoms } from "./discrete.js"
import type { ExactMethod } from "./method.js"
import { type ArgmaxResult, checkTheta, checkVector } from "./shared.js"
import { integrate } from "./independent/quadrature.js"
import { DEFAULT_MAX_PANELS, DEFAULT_TOL, EPS, powerTail, type Setup, setup } from "./independent/tails.js"

/** Distinct conditional maxima m are integrated gap by gap; beyond this many, refuse. */
const MAX_COMBINATIONS = 1e5

interface Split {
  /** Indices of the continuous and the discrete coordinates. */
  readonly C: Int32Array
  readonly D: Int32Array
  readonly atoms: ReadonlyArray<Float64Array>
  readonly weights: ReadonlyArray<Float64Array>
}

const splitLaws = (theta: Float64Array, laws: ReadonlyArray<Law>): Split => {
  const d = checkTheta(theta)
  if (!Array.isArray(laws) || laws.length !== d) {
    throw new InvalidArgument({ argument: "laws", value: Array.isArray(laws) ? laws.length : laws, reason: `Expected ${d} laws, one per coordinate of theta` })
  }
  const C: Array<number> = []
  const D: Array<number> = []
  const atoms: Array<Float64Array> = []
  const weights: Array<Float64Array> = []
  let count = 1
  laws.forEach((law, i) => {
    const sup = law.traits.support
    if (law.traits.kind === "continuous") C.push(i)
    else if (sup._tag === "Atoms") {
      D.push(i)
      atoms.push(Float64Array.from(sup.atoms))
      weights.push(Float64Array.from(sup.atoms, (x) => law.pdf(x)))
      count *= sup.atoms.length
    } else {
      throw new InvalidArgument({ argument: `laws[${i}]`, value: String(law), reason: "Expected a law with a density or on finitely many atoms" })
    }
  })
  if (C.length === 0 || D.length === 0) {
    throw new InvalidArgument({ argument: "laws", value: laws.map(String), reason: "Expected both continuous and discrete coordinates (mixed noise)" })
  }
  if (count > MAX_COMBINATIONS) {
    throw new InvalidArgument({ argument: "laws", value: count, reason: `Exact enumeration needs Π_j (number of atoms) ≤ ${MAX_COMBINATIONS} over the discrete coordinates` })
  }
  return { C: Int32Array.from(C), D: Int32Array.from(D), atoms, weights }
}

/** Visits every atom combination of D with weight > 0: its maximum m and tied set (indices into D). */
const enumerate = (theta: Float64Array, sp: Split, visit: (w: number, m: number, tied: Int32Array, nTied: number) => void): void =>
  enumerateAtoms(Float64Array.from(sp.D, (j) => theta[j]!), sp, visit)

/** The continuous coordinates' laws and θ, with the independent method's range and panels for them. */
interface Continuous {
  readonly laws: ReadonlyArray<Law>
  readonly theta: Float64Array
  /** In absolute t (the set-up's shift added back). */
  readonly L: number
  readonly U: number
  readonly c: number
  readonly breaks: ReadonlyArray<number>
  readonly finiteMean: boolean
}

const continuousPart = (theta: Float64Array, laws: ReadonlyArray<Law>, C: Int32Array): Continuous => {
  const cl = Array.from(C, (j) => laws[j]!)
  const ct = Float64Array.from(C, (j) => theta[j]!)
  // The set-up wants d ≥ 2; one law twice has that law's range and panels.
  const s: Setup = cl.length === 1 ? setup(Float64Array.of(ct[0]!, ct[0]!), [cl[0]!, cl[0]!]) : setup(ct, cl)
  return {
    laws: cl,
    theta: ct,
    L: s.L + s.shift,
    U: s.U + s.shift,
    c: s.c + s.shift,
    breaks: s.breaks.map((b) => b + s.shift),
    finiteMean: s.finiteMean
  }
}

/** log G_j and log g_j of the continuous coordinates at t; Σ of the finite log G; which G are 0. */
interface Node {
  readonly lc: Float64Array
  readonly lp: Float64Array
  h: number
  nz: number
  z0: number
}

const fill = (cp: Continuous, node: Node, t: number): void => {
  let h = 0
  let nz = 0
  node.z0 = -1
  for (let r = 0; r < cp.laws.length; r++) {
    const x = t - cp.theta[r]!
    const c = cp.laws[r]!.logcdf(x)
    node.lc[r] = c
    node.lp[r] = cp.laws[r]!.logpdf(x)
    if (c === -Infinity) {
      if (nz === 0) node.z0 = r
      nz++
    } else h += c
  }
  node.h = h
  node.nz = nz
}

const makeNode = (n: number): Node => ({ lc: new Float64Array(n), lp: new Float64Array(n), h: 0, nz: 0, z0: -1 })

/** log of g_i Π_{j∈C∖i} G_j at the filled node (−∞ where a G_j, j ≠ i, is 0). */
const logBeta = (node: Node, i: number): number => {
  if (node.nz === 0) return node.lp[i]! - node.lc[i]! + node.h
  if (node.nz === 1 && node.z0 === i) return node.lp[i]! + node.h
  return -Infinity
}

/** The sorted distinct conditional maxima m and, per m, the total weight. */
const distinctMaxima = (byM: Map<number, number>): { readonly ms: Float64Array; readonly ws: Float64Array } => {
  const ms = Float64Array.from(byM.keys()).sort()
  return { ms, ws: Float64Array.from(ms, (m) => byM.get(m)!) }
}

/**
 * Σ_k ws[k] ∫_{ms[k]}^∞ f dt for a vector integrand of `m` components, f ≈ 0 below L and above U
 * except for the components that `below` / `above` complete: gaps integrated once, suffix sums.
 */
const weightedTails = (
  cp: Continuous,
  ms: Float64Array,
  ws: Float64Array,
  comps: number,
  f: (t: number, out: Float64Array) => void,
  invTol: Float64Array
): { readonly values: Float64Array; readonly error: number; readonly panels: number } => {
  const K = ms.length
  const values = new Float64Array(comps)
  const suffix = new Float64Array(comps)
  let error = 0
  let panels = 0
  // Gaps from the top: [ms[k], ms[k+1]] ∩ [L, U], the last one [ms[K−1], U].
  let suffixErr = 0
  for (let k = K - 1; k >= 0; k--) {
    const a = Math.max(ms[k]!, cp.L)
    const b = Math.min(k + 1 < K ? ms[k + 1]! : cp.U, cp.U)
    if (b > a) {
      const breaks = [a, ...cp.breaks.filter((x) => x > a && x < b), b]
      const res = integrate(breaks, comps, f, invTol, DEFAULT_MAX_PANELS)
      for (let r = 0; r < comps; r++) {
        suffix[r] = suffix[r]! + res.values[r]!
        suffixErr += res.errors[r]!
      }
      panels += res.panels
    }
    const w = ws[k]!
    for (let r = 0; r < comps; r++) values[r] = values[r]! + w * suffix[r]!
    error += w * suffixErr
  }
  return { values, error, panels }
}

/**
 * Exact P and M for independent mixed noise (atoms in some coordinates, densities in the others);
 * see the module header. Ties among atoms split evenly, as `argmaxDiscrete` does.
 */
export const argmaxMixed = (theta: Float64Array, laws: ReadonlyArray<Law>): ArgmaxResult => {
  const sp = splitLaws(theta, laws)
  const d = theta.length
  const cp = continuousPart(theta, laws, sp.C)
  const nc = sp.C.length
  const node = makeNode(nc)
  const probs = new Float64Array(d)
  const byM = new Map<number, number>()
  const logHAt = (t: number): number => {
    fill(cp, node, t)
    return node.nz > 0 ? -Infinity : node.h
  }
  enumerate(theta, sp, (w, m, tied, nt) => {
    byM.set(m, (byM.get(m) ?? 0) + w)
    const share = (w * Math.exp(logHAt(m))) / nt
    for (let k = 0; k < nt; k++) {
      const i = sp.D[tied[k]!]!
      probs[i] = probs[i]! + share
    }
  })
  const { ms, ws } = distinctMaxima(byM)
  const withM = cp.finiteMean
  const comps = withM ? nc + 1 : nc
  const invTol = new Float64Array(comps).fill(1 / DEFAULT_TOL)
  const f = (t: number, out: Float64Array): void => {
    fill(cp, node, t)
    for (let r = 0; r < nc; r++) {
      const lb = logBeta(node, r)
      out[r] = lb === -Infinity ? 0 : Math.exp(lb)
    }
    if (withM) out[nc] = node.nz > 0 ? 1 : -Math.expm1(node.h)
  }
  const res = weightedTails(cp, ms, ws, comps, f, invTol)
  for (let r = 0; r < nc; r++) probs[sp.C[r]!] = res.values[r]!
  let sum = 0
  for (let i = 0; i < d; i++) sum += probs[i]!
  const error = res.error + 2 * EPS * d + Math.abs(sum - 1)

  let potential = NaN
  let potentialError = NaN
  if (withM) {
    // ∫_m^∞ (1 − H) = (L − m)⁺ (H ≤ e^−70 below L) + the gaps + the power tail above max(m, U).
    const tail = (x: number): number => {
      const dist = Math.max(x - cp.c, 1e-300)
      const l1 = Math.log(-Math.expm1(logHAt(x)))
      const l2 = Math.log(-Math.expm1(logHAt(x + dist)))
      return powerTail(dist, l1, l2)
    }
    const upperU = tail(cp.U)
    let acc = res.values[nc]!
    let scale = 0
    for (let k = 0; k < ms.length; k++) {
      const m = ms[k]!
      const w = ws[k]!
      acc += w * (m + Math.max(cp.L - m, 0) + (m >= cp.U ? tail(m) : upperU))
      scale += w * Math.abs(m)
    }
    potential = acc
    potentialError = res.error + Math.abs(upperU) + 1e-15 * (scale + Math.abs(cp.L))
    if (!Number.isFinite(potential)) {
      potential = NaN
      potentialError = NaN
    }
  }
  return { probs, potential, error, potentialError, panels: res.panels }
}

/** Whether P jumps or kinks along v at θ: a tie of atoms with mass left, which v moves apart. */
export const mixedJvpRefusal = (theta: Float64Array, laws: ReadonlyArray<Law>, v: Float64Array): InvalidArgument | undefined => {
  const sp = splitLaws(theta, laws)
  checkVector(v, theta.length, "v")
  const cp = continuousPart(theta, laws, sp.C)
  const node = makeNode(sp.C.length)
  let jumps = false
  enumerate(theta, sp, (_w, m, tied, nt) => {
    if (jumps || nt < 2) return
    const v0 = v[sp.D[tied[0]!]!]!
    let apart = false
    for (let k = 1; k < nt; k++) if (v[sp.D[tied[k]!]!] !== v0) apart = true
    if (!apart) return
    fill(cp, node, m)
    let mass = node.nz === 0
    for (let r = 0; r < sp.C.length && !mass; r++) if (logBeta(node, r) > -Infinity) mass = true
    if (mass) jumps = true
  })
  return jumps ? new InvalidArgument({
    argument: "theta",
    value: Array.from(theta),
    reason: "P jumps or kinks along v here (θ_i + γ_i ties θ_j + γ_j for atoms of two discrete coordinates with v_i ≠ v_j), so J v does not exist"
  }) : undefined
}

/** J v for independent mixed noise (module header); callers ask `mixedJvpRefusal` first. */
export const argmaxMixedJvp = (theta: Float64Array, laws: ReadonlyArray<Law>, v: Float64Array): Float64Array => {
  const sp = splitLaws(theta, laws)
  checkVector(v, theta.length, "v")
  const d = theta.length
  const cp = continuousPart(theta, laws, sp.C)
  const nc = sp.C.length
  const node = makeNode(nc)
  const vc = Float64Array.from(sp.C, (j) => v[j]!)
  const out = new Float64Array(d)
  const byM = new Map<number, number>()
  enumerate(theta, sp, (w, m, tied, nt) => {
    byM.set(m, (byM.get(m) ?? 0) + w)
    let vT = 0
    for (let k = 0; k < nt; k++) vT += v[sp.D[tied[k]!]!]!
    vT /= nt
    fill(cp, node, m)
    let toT = 0
    for (let r = 0; r < nc; r++) {
      const lb = logBeta(node, r)
      if (lb === -Infinity) continue
      const b = Math.exp(lb)
      const i = sp.C[r]!
      out[i] = out[i]! + w * (vc[r]! - vT) * b
      toT += (vT - vc[r]!) * b
    }
    for (let k = 0; k < nt; k++) {
      const i = sp.D[tied[k]!]!
      out[i] = out[i]! + (w * toT) / nt
    }
  })
  let vmax = 0
  for (let r = 0; r < nc; r++) vmax = Math.max(vmax, Math.abs(vc[r]!))
  if (nc < 2 || vmax === 0) return out
  const { ms, ws } = distinctMaxima(byM)
  // −∫ r_i H (S_v − v_i S_1) = −Σ_{l≠i} (v_l − v_i) ∫ g_i g_l Π_{j∈C∖{i,l}} G_j, pair by pair so
  // that G_j = 0 at the supports' edges is exact.
  const f = (t: number, o: Float64Array): void => {
    fill(cp, node, t)
    o.fill(0)
    if (node.nz > 2) return
    for (let i = 0; i < nc; i++) {
      for (let l = i + 1; l < nc; l++) {
        let zeros = 0
        let lw = node.h + node.lp[i]! + node.lp[l]!
        if (node.lc[i] === -Infinity) zeros++
        else lw -= node.lc[i]!
        if (node.lc[l] === -Infinity) zeros++
        else lw -= node.lc[l]!
        if (zeros !== node.nz || lw === -Infinity) continue
        const g = Math.exp(lw) * (vc[l]! - vc[i]!)
        o[i] = o[i]! - g
        o[l] = o[l]! + g
      }
    }
  }
  const invTol = new Float64Array(nc).fill(1 / (DEFAULT_TOL * vmax))
  const res = weightedTails(cp, ms, ws, nc, f, invTol)
  for (let r = 0; r < nc; r++) {
    const i = sp.C[r]!
    out[i] = out[i]! + res.values[r]!
  }
  return out
}

/**
 * The exact method of independent mixed noise: the discrete method's flags (exact, analytic, no
 * lattice, no weights) and its identify refusal — the atoms make ∂M set-valued at kinks, and P is
 * not one-to-one modulo 𝟙 in general — with the rows and J v above.
 */
export const mixedMethod = (laws: ReadonlyArray<Law>): ExactMethod => ({
  ...discreteMethod(laws),
  family: "mixed",
  row: (theta) => argmaxMixed(theta, laws),
  jvp: (theta, v) => argmaxMixedJvp(theta, laws, v),
  jvpRefusal: (theta, v) => mixedJvpRefusal(theta, laws, v)
})
