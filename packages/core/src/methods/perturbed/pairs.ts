/**
 * The law of D = γ_j − γ_i for i.i.d. γ with a density f: what perturbed ranks need, since
 * Pr[x_j < x_i] = Pr[D < (θ_i − θ_j)/σ] and its derivative is f_D. D is symmetric, so only t ≥ 0
 * is computed: the upper tail T(t) = Pr[D > t] = ∫ f(z) S(z + t) dz (S = 1 − F) and the density
 * f_D(t) = ∫ f(z) f(z + t) dz. The small side T is computed directly (not as 1 − something), so
 * it keeps its relative accuracy far out.
 *
 * Closed forms where D has a known law (Gumbel: logistic; Normal: normal with √2 the scale;
 * Cauchy: Cauchy with twice the scale; Logistic; Laplace; Uniform: triangular); every other law with a
 * density by adaptive Gauss–Kronrod (G7/K15), whose error estimate comes back with the value.
 */
import { type Law, Noise } from "@perturb/noise"
import { integrate, type NodeFn } from "../independent/quadrature.js"
import { DEFAULT_MAX_PANELS, DEFAULT_TOL, EPS, type LawInfo, lawInfo } from "../independent/tails.js"
import { zBreaks } from "./grid.js"

/** T(t) = Pr[D > t] and f_D(t) for t ≥ 0, with bounds on their absolute errors. */
export interface Pair {
  readonly tail: number
  readonly density: number
  /** Bounds `tail`'s error. */
  readonly error: number
  /** Bounds `density`'s error (a density, not a probability: it scales as 1/scale). */
  readonly densityError: number
}

/** The pair function of one law: closed form when there is one, else quadrature. */
export type PairFn = (t: number) => Pair

/** Rounding of a closed form: a few ulps of a probability ≤ 1. */
const ROUND = 4 * Number.EPSILON

const closed = (tail: number, density: number): Pair => ({ tail, density, error: ROUND, densityError: ROUND * density })

/** T and f_D in closed form for the laws whose difference law is known, else `undefined`. */
export const closedPair = (law: Law): PairFn | undefined => {
  switch (law._tag) {
    case "Gumbel": {
      // Gumbel(β) − Gumbel(β) is Logistic(0, β).
      const b = law.params.scale
      return (t) => {
        const e = Math.exp(-t / b)
        const tail = e / (1 + e)
        return closed(tail, (tail / (1 + e)) / b)
      }
    }
    case "Normal": {
      const diff = Noise.normal({ mean: 0, sd: law.params.sd * Math.SQRT2 })
      return (t) => closed(diff.cdf(-t), diff.pdf(t))
    }
    case "Cauchy": {
      // Cauchy(s) − Cauchy(s) is Cauchy(0, 2s); atan(2s/t)/π keeps T's digits for large t.
      const s2 = 2 * law.params.scale
      return (t) => closed(t === 0 ? 0.5 : Math.atan(s2 / t) / Math.PI, s2 / (Math.PI * (s2 * s2 + t * t)))
    }
    case "Logistic": {
      const b = law.params.scale
      return (t) => logisticPair(t / b, b)
    }
    case "Laplace": {
      const b = law.params.scale
      return (t) => {
        const e = Math.exp(-t / b)
        return closed(0.5 * (1 + t / (2 * b)) * e, ((1 + t / b) * e) / (4 * b))
      }
    }
    case "Uniform": {
      // The difference of two Uniform(a, b) is triangular on [−w, w], w = b − a.
      const w = law.params.b - law.params.a
      return (t) => {
        const r = Math.max(w - t, 0)
        return closed((r * r) / (2 * w * w), r / (w * w))
      }
    }
    default:
      return undefined
  }
}

/**
 * Logistic(s) − Logistic(s) at x = t/s ≥ 0, a = e^−x: T = a(x − (1 − a))/(1 − a)², f_D = a((x + 2)a
 * + x − 2)/((1 − a)³ s). Both cancel near 0 (numerators ~x², ~x³), so below x = 1/4 their Taylor
 * series (to x^11; the next terms are < 1e-16 there) take over.
 */
const logisticPair = (x: number, s: number): Pair => {
  if (x < 0.25) {
    const x2 = x * x
    const tail = 0.5 + x * (-1 / 6 + x2 * (1 / 180 + x2 * (-1 / 5040 + x2 * (1 / 151200 + x2 * (-1 / 4790016 + x2 * (691 / 108972864000))))))
    const density = 1 / 6 + x2 * (-1 / 60 + x2 * (1 / 1008 + x2 * (-1 / 21600 + x2 * (1 / 532224 + x2 * (-691 / 9906624000)))))
    return closed(tail, density / s)
  }
  const a = Math.exp(-x)
  const c = -Math.expm1(-x)
  return closed((a * (x - c)) / (c * c), (a * ((x + 2) * a + x - 2)) / (c * c * c * s))
}

/**
 * T(t) and f_D(t) by adaptive Gauss–Kronrod over z ∈ f's [lo, hi] (outside it f has mass
 * ≤ e^−70 on each side, added to the error). Both integrands are products of exponentials of the
 * laws' log functions, so nothing underflows before it is negligible.
 */
export const quadraturePair = (law: Law, tolerance: number = DEFAULT_TOL): PairFn => {
  const info: LawInfo = lawInfo(law)
  const invTol = new Float64Array(2).fill(1 / tolerance)
  return (t) => {
    // S(z + t) ≤ e^−70 for every z ≥ lo once lo + t ≥ hi: D > t has probability below that.
    if (t >= info.hi - info.lo) return { tail: 0, density: 0, error: 2 * EPS, densityError: 2 * EPS }
    const f: NodeFn = (z, out) => {
      const lf = law.logpdf(z)
      out[0] = Math.exp(lf + law.logsf(z + t))
      out[1] = Math.exp(lf + law.logpdf(z + t))
    }
    const breaks = zBreaks(info, [info.med - t], info.kinks.map((k) => k - t))
    const r = integrate(breaks, 2, f, invTol, DEFAULT_MAX_PANELS)
    return { tail: r.values[0]!, density: r.values[1]!, error: r.errors[0]! + 2 * EPS, densityError: r.errors[1]! + 2 * EPS }
  }
}

/** The pair function of `law`: its closed form, or quadrature. */
export const pairOf = (law: Law): PairFn => closedPair(law) ?? quadraturePair(law)
