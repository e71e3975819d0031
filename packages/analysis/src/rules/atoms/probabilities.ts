/**
 * Probabilities and subdifferentials at a point, for the mixtures of `./mixture.ts` (whose header
 * states the facts used here).
 */
import { Numeric } from "@perturb/noise"
import { same } from "../../internal/noise.js"
import type { Context } from "../engine.js"
import { MAX_TIED, type Mixture } from "./mixture.js"

/** `Pr[θ_k + γ_k < L]` and `Pr[θ_k + γ_k = L]` (ties decided by `same`). */
const below = (ctx: Context, mix: Mixture, theta: ArrayLike<number>, k: number, level: number): { lt: number; eq: number } => {
  const at = mix.atoms[k]
  const x = level - theta[k]!
  if (at === undefined) return { lt: ctx.noise.laws[k]!.cdf(x), eq: 0 }
  let lt = 0
  let eq = 0
  at.atoms.forEach((a, t) => {
    if (same(a, x)) eq += at.weights[t]!
    else if (a < x) lt += at.weights[t]!
  })
  return { lt, eq }
}

/**
 * `Pr[i wins]` for a continuous coordinate `i`: `∫₀¹ Π_k Pr[θ_k + γ_k < θ_i + Q_i(u)] du`, by
 * Gauss–Legendre between the jumps the atoms put into the integrand.
 */
const continuousWin = (ctx: Context, mix: Mixture, theta: ArrayLike<number>, i: number): number => {
  const law = ctx.noise.laws[i]!
  const cuts = [0, 1]
  for (const k of mix.discrete) for (const a of mix.atoms[k]!.atoms) cuts.push(law.cdf(theta[k]! + a - theta[i]!))
  const sorted = [...new Set(cuts.filter((u) => u >= 0 && u <= 1))].sort((x, y) => x - y)
  const { nodes, weights } = Numeric.gaussLegendre01(sorted.length > 24 ? 12 : 48)
  let total = 0
  for (let s = 0; s + 1 < sorted.length; s++) {
    const a = sorted[s]!
    const w = sorted[s + 1]! - a
    if (!(w > 0)) continue
    for (let q = 0; q < nodes.length; q++) {
      const level = theta[i]! + law.quantile(a + w * nodes[q]!)
      let f = 1
      for (let k = 0; k < mix.d && f > 0; k++) if (k !== i) f *= below(ctx, mix, theta, k, level).lt
      total += w * weights[q]! * f
    }
  }
  return total
}

/**
 * How a tie among discrete coordinates is split: evenly (`rank` undefined), or wholly to the tied
 * coordinate first in a priority order (`rank(k)`, lower first).
 */
type Split = { readonly rank?: (k: number) => number }

/**
 * `Pr[i wins]` for a discrete coordinate: a sum over i's atoms of products over the other
 * coordinates of `Pr[below]` (+ `Pr[tie]` where i has priority); for an even split, the number of
 * coordinates tying with i has a product distribution, kept as polynomial coefficients.
 */
const discreteWin = (ctx: Context, mix: Mixture, theta: ArrayLike<number>, i: number, split: Split): number => {
  const at = mix.atoms[i]!
  let total = 0
  at.atoms.forEach((a, t) => {
    const level = theta[i]! + a
    if (split.rank !== undefined) {
      let f = at.weights[t]!
      for (let k = 0; k < mix.d && f > 0; k++) {
        if (k === i) continue
        const { lt, eq } = below(ctx, mix, theta, k, level)
        f *= lt + (split.rank(i) < split.rank(k) ? eq : 0)
      }
      total += f
      return
    }
    let poly = [at.weights[t]!]
    for (let k = 0; k < mix.d; k++) {
      if (k === i) continue
      const { lt, eq } = below(ctx, mix, theta, k, level)
      const next = new Array<number>(poly.length + (eq > 0 ? 1 : 0)).fill(0)
      poly.forEach((c, n) => {
        next[n] = next[n]! + c * lt
        if (eq > 0) next[n + 1] = next[n + 1]! + c * eq
      })
      poly = next
    }
    poly.forEach((c, n) => (total += c / (1 + n)))
  })
  return total
}

/**
 * Probabilities with ties split by `split`; a single continuous coordinate takes the rest exactly.
 * Continuous coordinates never tie, so their entries do not depend on the split: `continuous` reuses them.
 */
const probsWith = (ctx: Context, mix: Mixture, theta: ArrayLike<number>, split: Split, continuous?: Map<number, number>): Array<number> => {
  const p = new Array<number>(mix.d).fill(0)
  for (const i of mix.discrete) p[i] = discreteWin(ctx, mix, theta, i, split)
  if (mix.continuous.length === 1) {
    let rest = 1
    for (const i of mix.discrete) rest -= p[i]!
    p[mix.continuous[0]!] = Math.max(0, rest)
  } else {
    for (const i of mix.continuous) {
      const known = continuous?.get(i)
      p[i] = known ?? continuousWin(ctx, mix, theta, i)
      if (known === undefined) continuous?.set(i, p[i]!)
    }
  }
  return p
}

/** `E[𝟙{i ∈ argmax}/|argmax|]`: the barycentre of the tie simplices, a relative-interior point of `∂M(θ)`. */
export const uniformTieProbs = (ctx: Context, mix: Mixture, theta: ArrayLike<number>): Array<number> =>
  probsWith(ctx, mix, theta, {})

/**
 * Pairs of discrete coordinates with an active tie at θ (positive probability, at the maximum):
 * the level must reach every other discrete coordinate's lowest level, read off the top three.
 * Stops after `limit` pairs.
 */
export const activeTies = (mix: Mixture, theta: ArrayLike<number>, limit = Infinity): Array<[number, number]> => {
  const out: Array<[number, number]> = []
  const D = mix.discrete
  const floors = D.map((k) => ({ k, f: theta[k]! + mix.lo[k]! })).sort((x, y) => y.f - x.f).slice(0, 3)
  const reach = (i: number, j: number, level: number): boolean => {
    const other = floors.find((x) => x.k !== i && x.k !== j)
    return other === undefined || other.f <= level || same(other.f, level)
  }
  for (let s = 0; s < D.length; s++) {
    for (let t = s + 1; t < D.length; t++) {
      const i = D[s]!
      const j = D[t]!
      const hit = mix.atoms[i]!.atoms.some((a) => mix.atoms[j]!.atoms.some((b) => same(theta[i]! + a, theta[j]! + b) && reach(i, j, theta[i]! + a)))
      if (hit) {
        out.push([i, j])
        if (out.length >= limit) return out
      }
    }
  }
  return out
}

const permutations = (xs: ReadonlyArray<number>): Array<Array<number>> =>
  xs.length <= 1 ? [[...xs]] : xs.flatMap((x, s) => permutations([...xs.slice(0, s), ...xs.slice(s + 1)]).map((r) => [x, ...r]))

/**
 * The vertices of `∂M(θ)`: `P_σ(θ)` for every priority order σ of the tied coordinates (the maximiser
 * over `∂M(θ)`, a sum of tie simplices, of a linear function ordered by σ). `undefined` when more
 * than `MAX_TIED` coordinates tie.
 */
export const subdifferentialVertices = (ctx: Context, mix: Mixture, theta: ArrayLike<number>): Array<Array<number>> | undefined => {
  const tied = [...new Set(activeTies(mix, theta).flat())].sort((a, b) => a - b)
  if (tied.length > MAX_TIED) return undefined
  const out: Array<Array<number>> = []
  const continuous = new Map<number, number>()
  for (const order of permutations(tied)) {
    const rank = new Map(order.map((k, r) => [k, r]))
    const r = (k: number) => rank.get(k) ?? Infinity
    const p = probsWith(ctx, mix, theta, { rank: r }, continuous)
    if (!out.some((q) => q.every((x, k) => Math.abs(x - p[k]!) <= 1e-12))) out.push(p)
  }
  return out.sort((x, y) => {
    for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return y[k]! - x[k]!
    return 0
  })
}
