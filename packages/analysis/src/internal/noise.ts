/**
 * The noise side of the decisions: the traits of every coordinate, read once, and the exact
 * discrete-noise quantities a kink witness needs (Prop 5.5).
 */
import { type Law, Noise, type NoiseLike } from "@perturb/noise"

export interface NoiseFacts {
  readonly d: number
  /** Marginal laws (a correlated Gaussian's are its normal marginals). */
  readonly laws: ReadonlyArray<Law>
  /** Independent coordinates (false only for a Gaussian with non-zero off-diagonal covariance). */
  readonly independent: boolean
  readonly gaussian: Noise.Gaussian | undefined
  readonly name: string
  readonly finiteMean: boolean
  /** No coordinate has atoms: ties have probability 0, so the argmax is a.s. unique. */
  readonly atomless: boolean
  /** Every coordinate has a strictly positive density (Thm 5.3's condition). */
  readonly positiveDensity: boolean
  /**
   * Independent continuous coordinates whose Perturb-Argmax map is one-to-one modulo 𝟙 on ℝ^d:
   * `Noise.argmaxOneToOneSide` (the criterion `identify` reads too), which includes `positiveDensity`.
   */
  readonly argmaxOneToOne: boolean
  readonly densityDifferentiableEverywhere: boolean
  /** Every coordinate's support is a bounded interval (Prop 5.4's noise). */
  readonly bounded: boolean
  readonly custom: boolean
  /** i.i.d. Gumbel: Perturb-Argmax is exactly softmax(θ / scale) (docs/math.md §2.3). */
  readonly gumbel: { readonly loc: number; readonly scale: number } | undefined
  /** Whether swapping coordinates i and j leaves the joint law unchanged. */
  exchangeable(i: number, j: number): boolean
}

const describeLaw = (law: Law): string => String(law)

export const noiseFacts = (noise: NoiseLike, d: number): NoiseFacts => {
  const marginals = Noise.independentMarginals(noise, d)
  const gaussian = !Noise.isLaw(noise) && noise._tag === "Gaussian" ? noise : undefined
  const laws = marginals ?? Array.from({ length: d }, (_, i) => Noise.marginal(noise, i))
  const traits = laws.map((l) => l.traits)
  const first = laws[0]!
  const iid = Noise.isLaw(noise) || (!Noise.isLaw(noise) && noise._tag === "IID") ||
    laws.every((l) => Noise.sameLaw(l, first))
  const name = Noise.isLaw(noise)
    ? `${describeLaw(noise)} i.i.d.`
    : noise._tag === "IID"
    ? `${describeLaw(noise.law)} i.i.d.`
    : noise._tag === "Independent"
    ? iid ? `${describeLaw(first)} i.i.d.` : `independent (${laws.slice(0, 4).map(describeLaw).join(", ")}${d > 4 ? ", …" : ""})`
    : marginals === undefined
    ? `correlated Gaussian (d = ${d})`
    : `Gaussian with diagonal covariance (d = ${d})`
  const exchangeable = (i: number, j: number): boolean => {
    if (i === j) return true
    if (gaussian !== undefined) {
      const { covariance: c, mean } = gaussian
      if (mean[i] !== mean[j] || c[i]![i] !== c[j]![j] || c[i]![j] !== c[j]![i]) return false
      for (let k = 0; k < d; k++) if (k !== i && k !== j && c[i]![k] !== c[j]![k]) return false
      return true
    }
    return iid || Noise.sameLaw(laws[i]!, laws[j]!)
  }
  const gumbel = iid && first._tag === "Gumbel" && gaussian === undefined
    ? first.params
    : undefined
  return {
    d,
    laws,
    independent: marginals !== undefined,
    gaussian,
    name,
    finiteMean: traits.every((t) => t.finiteMean),
    atomless: traits.every((t) => t.kind === "continuous"),
    // A correlated Gaussian has a positive, smooth joint density: its marginals' traits say so too.
    positiveDensity: traits.every((t) => t.kind === "continuous" && t.densityPositive && t.densityDifferentiable !== "no"),
    argmaxOneToOne: marginals !== undefined && Noise.argmaxOneToOneSide(laws) !== undefined,
    densityDifferentiableEverywhere: traits.every((t) => t.densityDifferentiable === "everywhere"),
    bounded: traits.every((t) => t.tails.lower === "bounded" && t.tails.upper === "bounded" && t.support._tag === "Interval"),
    custom: laws.some((l) => l._tag === "Custom"),
    gumbel,
    exchangeable
  }
}

/** The lowest and highest points of a law's support. */
export const supportRange = (law: Law): { lo: number; hi: number } => {
  const s = law.traits.support
  if (s._tag === "Interval") return { lo: s.lower, hi: s.upper }
  let lo = Infinity
  let hi = -Infinity
  for (const a of s.atoms) (lo = Math.min(lo, a), hi = Math.max(hi, a))
  return { lo, hi }
}

export interface Atoms {
  readonly atoms: ReadonlyArray<number>
  readonly weights: ReadonlyArray<number>
}

/** The atoms and weights of a discrete law (uniform weights when a custom law declares only atoms). */
export const atomsOf = (law: Law): Atoms | undefined => {
  const s = law.traits.support
  if (s._tag !== "Atoms") return undefined
  if (law._tag === "Discrete") {
    const { atoms, weights } = law.params
    return { atoms, weights }
  }
  // A user-defined discrete law: its masses are the jumps of its cdf at the atoms.
  const sorted = [...s.atoms].sort((a, b) => a - b)
  const weights = sorted.map((a, i) => law.cdf(a) - (i === 0 ? 0 : law.cdf(sorted[i - 1]!)))
  return { atoms: sorted, weights }
}

/** `|x − y|` at rounding level, relative to the magnitudes involved: ties of θ_i + a and θ_j + b. */
export const same = (x: number, y: number): boolean => Math.abs(x - y) <= 1e-12 * Math.max(1, Math.abs(x), Math.abs(y))

/** `Pr[γ ≤ x]` (`strict`: `Pr[γ < x]`) with ties at atoms decided by `same`. */
export const cdfAt = (law: Law, at: Atoms | undefined, x: number, strict: boolean): number => {
  if (at === undefined) return law.cdf(x)
  let s = 0
  at.atoms.forEach((a, t) => {
    if (same(a, x) ? !strict : a < x) s += at.weights[t]!
  })
  return s
}

/**
 * One-sided derivatives of `M` along `e_j` at θ for independent coordinates (Danskin):
 * right = Pr[j is a maximiser], left = Pr[j is the only maximiser]. Exact: a sum over the atoms of
 * coordinate j of products of the other coordinates' cdfs (coordinate j must be discrete).
 */
export const oneSided = (theta: ArrayLike<number>, laws: ReadonlyArray<Law>, j: number): { left: number; right: number } => {
  const aj = atomsOf(laws[j]!)!
  const others = laws.map((l) => atomsOf(l))
  let left = 0
  let right = 0
  aj.atoms.forEach((b, t) => {
    const level = theta[j]! + b
    let le = aj.weights[t]!
    let lt = aj.weights[t]!
    for (let k = 0; k < laws.length && le > 0; k++) {
      if (k === j) continue
      const x = level - theta[k]!
      le *= cdfAt(laws[k]!, others[k], x, false)
      lt *= cdfAt(laws[k]!, others[k], x, true)
    }
    right += le
    left += lt
  })
  return { left, right }
}

/** `M(θ) = E max_i(θ_i + γ_i)` by enumerating every combination of atoms, when there are few. */
export const potentialByEnumeration = (theta: ArrayLike<number>, laws: ReadonlyArray<Law>, limit = 100_000): number | undefined => {
  const at = laws.map(atomsOf)
  if (at.some((a) => a === undefined)) return undefined
  let count = 1
  for (const a of at) {
    count *= a!.atoms.length
    if (count > limit) return undefined
  }
  const d = laws.length
  let total = 0
  const visit = (k: number, w: number, mx: number): void => {
    if (k === d) {
      total += w * mx
      return
    }
    const a = at[k]!
    a.atoms.forEach((x, t) => visit(k + 1, w * a.weights[t]!, Math.max(mx, theta[k]! + x)))
  }
  visit(0, 1, -Infinity)
  return total
}

/**
 * A tie at θ that is the maximum with positive probability: coordinates `i < j` with atoms `a`, `b`,
 * `θ_i + a = θ_j + b`, and every other coordinate below that level with positive probability.
 */
export const activeTie = (theta: ArrayLike<number>, laws: ReadonlyArray<Law>): { i: number; j: number } | undefined => {
  const d = laws.length
  // The maximum is at least max_k (θ_k + lowest point of γ_k): lower levels never win.
  let floor = -Infinity
  for (let k = 0; k < d; k++) floor = Math.max(floor, theta[k]! + supportRange(laws[k]!).lo)
  const levels: Array<{ v: number; k: number }> = []
  for (let k = 0; k < d; k++) {
    const at = atomsOf(laws[k]!)
    if (at === undefined) continue
    at.atoms.forEach((a, t) => {
      const v = theta[k]! + a
      if (at.weights[t]! > 0 && (v >= floor || same(v, floor))) levels.push({ v, k })
    })
  }
  levels.sort((x, y) => x.v - y.v)
  for (let s = 0; s + 1 < levels.length; s++) {
    const x = levels[s]!
    for (let t = s + 1; t < levels.length && same(levels[t]!.v, x.v); t++) {
      const y = levels[t]!
      if (y.k === x.k) continue
      const i = Math.min(x.k, y.k)
      const j = Math.max(x.k, y.k)
      // Positive probability that no other coordinate exceeds the level.
      let ok = true
      for (let k = 0; k < d && ok; k++) {
        if (k === i || k === j) continue
        ok = cdfAt(laws[k]!, atomsOf(laws[k]!), x.v - theta[k]!, false) > 0
      }
      if (ok) return { i, j }
    }
  }
  return undefined
}
