/**
 * Float64 numerics of Perturb-Argmax: P(θ)_i = Pr[i = argmax(θ + γ)] and the potential
 * M(θ) = E max_i(θ_i + γ_i) (∇M = P), with no tfjs (the caller wraps them in custom gradients).
 *
 * Independent continuous noise (`argmaxIndependent`, `argmaxJvp`, `argmaxJacobian`), docs/math.md §2.4:
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
 */
import { type Law, Noise } from "@perturb/noise"
import { NotUnique } from "../Errors.js"
import type { Oracle } from "../internal/newton.js"
import type { ExactMethod, NewtonOracle } from "./method.js"
import { type ArgmaxResult, checkVector, type QuadratureOptions, setZeroRowSumDiagonal } from "./shared.js"
import { integrate, type NodeFn } from "./independent/quadrature.js"
import { DEFAULT_MAX_PANELS, DEFAULT_TOL, EPS, fillNode, logH, makeNodeState, type NodeState, powerTail, type Setup, setup } from "./independent/tails.js"

/** The shape of this module's entry points: θ (float64), one law per coordinate, quadrature options. */
type Entry<R> = (theta: Float64Array, laws: ReadonlyArray<Law>, options?: QuadratureOptions) => R

/**
 * P(θ) and M(θ) for independent continuous noise (laws[i] perturbs θ_i) by one shared adaptive
 * Gauss–Kronrod grid; see the module header for the method and the error estimate.
 */
export const argmaxIndependent: Entry<ArgmaxResult> = (theta, laws, options) => {
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

/** ∫ of the integrands f of the relevant coordinates, scattered into a vector of all d (0 elsewhere). */
const integrateRelevant = (s: Setup, f: NodeFn, invTol: Float64Array, options?: QuadratureOptions): Float64Array => {
  const n = s.rel.length
  const res = integrate(s.breaks, n, f, invTol, options?.maxPanels ?? DEFAULT_MAX_PANELS)
  const out = new Float64Array(s.d)
  for (let r = 0; r < n; r++) out[s.rel[r]!] = res.values[r]!
  return out
}

/** log r_k = log g_k − log G_k of the relevant coordinates into `lr`, and their maximum. */
const logRatios = (st: NodeState, n: number, lr: Float64Array): number => {
  let mu = -Infinity
  for (let r = 0; r < n; r++) {
    lr[r] = st.lp[r]! - st.lc[r]!
    if (lr[r]! > mu) mu = lr[r]!
  }
  return mu
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
      const mu = logRatios(st, n, lr)
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
    } else jvpAtZeros(st, n, vr, o, lr)
  }
  return integrateRelevant(s, f, invTol, options)
}

/**
 * At a node where G_a = 0 for one a (a bounded support's edge), only the pairs (a, k) survive:
 * their weights g_a g_k Π_{j≠a,k} G_j into w[k], and w[a] = 0.
 */
const oneZeroWeights = (st: NodeState, n: number, w: Float64Array): void => {
  const a = st.z0
  const base = st.lp[a]! + st.h
  for (let k = 0; k < n; k++) w[k] = k === a ? 0 : Math.exp(base + st.lp[k]! - st.lc[k]!)
}

/** The J v integrand at a node where some G_j = 0 (bounded supports): only pairs with those j survive. */
const jvpAtZeros = (st: NodeState, n: number, vr: Float64Array, o: Float64Array, w: Float64Array): void => {
  o.fill(0)
  if (st.nz === 1) {
    const a = st.z0
    oneZeroWeights(st, n, w)
    let acc = 0
    for (let k = 0; k < n; k++) {
      const wk = w[k]!
      if (k === a || wk === 0) continue
      o[k] = -wk * (vr[a]! - vr[k]!)
      acc += wk * (vr[k]! - vr[a]!)
    }
    o[a] = -acc
  } else if (st.nz === 2) {
    const a = st.z0
    const b = st.z1
    const w = Math.exp(st.lp[a]! + st.lp[b]! + st.h)
    if (w !== 0) {
      o[a] = -w * (vr[b]! - vr[a]!)
      o[b] = -w * (vr[a]! - vr[b]!)
    }
  }
}

/**
 * The diagonal of the Jacobian, J_ii = ∫ r_i H (S_1 − r_i) dt ≥ 0, in one O(d·nodes) pass: the
 * Jacobi preconditioner of the inverse map's conjugate-gradient steps.
 */
export const argmaxHessianDiagonal: Entry<Float64Array> = (theta, laws, options) => {
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
      const mu = logRatios(st, n, lr)
      if (mu === -Infinity) return
      let s1 = 0
      for (let r = 0; r < n; r++) s1 += Math.exp(lr[r]! - mu)
      const base = st.h + mu
      for (let r = 0; r < n; r++) {
        const w = Math.exp(base + lr[r]!)
        o[r] = w === 0 ? 0 : w * (s1 - Math.exp(lr[r]! - mu))
      }
    } else if (st.nz === 1) {
      // o[a] = Σ_{k≠a} w_k (w_a = 0 adds nothing).
      oneZeroWeights(st, n, lr)
      let acc = 0
      for (let k = 0; k < n; k++) {
        o[k] = lr[k]!
        acc += lr[k]!
      }
      o[st.z0] = acc
    } else if (st.nz === 2) {
      const w = Math.exp(st.lp[st.z0]! + st.lp[st.z1]! + st.h)
      o[st.z0] = w
      o[st.z1] = w
    }
  }
  return integrateRelevant(s, f, invTol, options)
}

/**
 * The full d×d Jacobian ∂P_i/∂θ_k (row-major) for small d: O(d²·nodes). Symmetric, rows sum to 0
 * (the diagonal is minus the off-diagonal row sum).
 */
export const argmaxJacobian: Entry<Float64Array> = (theta, laws, options) => {
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
  setZeroRowSumDiagonal(J, d)
  return J
}

/** Smallest p_i identify accepts for non-Gumbel Perturb-Argmax (relative accuracy of the quadrature). */
const MIN_CERTIFIED_PROB = 1e-20

/**
 * identify's oracle for independent continuous laws, where P is one-to-one modulo 𝟙: the
 * criterion analyze reads too (one source of truth), else the `NotUnique` identify throws.
 */
export const oneToOneOracle = (laws: ReadonlyArray<Law>, make: () => Oracle): NewtonOracle | NotUnique =>
  Noise.argmaxOneToOneSide(laws) !== undefined ? { make, certifiedDownTo: MIN_CERTIFIED_PROB } : new NotUnique({
    property: "minimal",
    reason: "the noise laws share no tail with a positive density (Noise.argmaxOneToOneSide), so P need not be one-to-one modulo 𝟙: bounded noise saturates (Prop 5.4), and so do laws unbounded on opposite sides; see analyze(space, noise)"
  })

/**
 * The exact method of independent continuous noise: the adaptive quadrature above. identify's
 * Newton method starts softmax-like, the laws' spread setting the scale of θ.
 */
export const independentMethod = (laws: ReadonlyArray<Law>): ExactMethod => ({
  family: "independent",
  row: (theta) => argmaxIndependent(theta, laws),
  jvp: (theta, v) => argmaxJvp(theta, laws, v),
  exactness: "exact",
  jvpExactness: "exact",
  gradient: "analytic",
  lattice: false,
  weights: true,
  oracle: () => oneToOneOracle(laws, () => adaptiveOracle(laws))
})

/**
 * The adaptive path for identify, accurate relative to each probability, which the log-residual
 * test needs (shared nodes certify 1e-10 only absolutely).
 */
export const adaptiveOracle = (laws: ReadonlyArray<Law>): Oracle => {
  const d = laws.length
  const spread = Math.sqrt(laws.reduce((s, l) => s + (Number.isFinite(l.variance) ? l.variance : 1), 0) / d)
  const scale = spread * 0.6
  return {
    value: (t) => argmaxIndependent(t, laws).potential,
    grad: (t) => argmaxIndependent(t, laws).probs,
    hvp: (t, v) => argmaxJvp(t, laws, v),
    diagonal: (t) => argmaxHessianDiagonal(t, laws),
    start: (p) => p.map((x) => scale * Math.log(x))
  }
}
