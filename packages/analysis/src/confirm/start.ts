/**
 * Where the fits start in u. With bounded supports [lo_j, hi_j] (per coordinate), coordinate i can
 * win only where θ_i + hi_i > max_j(θ_j + lo_j); where that fails for some i, P is flat in θ_i
 * (uniform noise saturates: Prop 5.4) and a fit started there never moves. So the start minimises
 * the overlap defect s(θ) = max_j(θ_j + lo_j) − min_i(θ_i + hi_i) over Θ (s < 0: every coordinate
 * can win, P moves in every direction of Θ + span(𝟙)); u = 0 is kept wherever s(θ(0)) < 0 already.
 * s is convex and piecewise linear in θ, so golden sections find its minimum along each line.
 */
import type { Law } from "@perturb/noise"
import { Effect } from "effect"
import type { Estimator } from "../internal/numeric.js"
import { ascend } from "./search.js"

const edges = (law: Law): { readonly lo: number; readonly hi: number } => {
  const s = law.traits.support
  if (s._tag === "Interval") return { lo: s.lower, hi: s.upper }
  if (s._tag === "Atoms") return { lo: Math.min(...s.atoms), hi: Math.max(...s.atoms) }
  return { lo: -Infinity, hi: Infinity }
}

/** s(θ) = max_j(θ_j + lo_j) − min_i(θ_i + hi_i); −∞ where no coordinate is bounded on both sides' terms. */
export const overlapDefect = (theta: ArrayLike<number>, laws: ReadonlyArray<Law>): number => {
  let top = -Infinity
  let bottom = Infinity
  laws.forEach((law, i) => {
    const { lo, hi } = edges(law)
    top = Math.max(top, theta[i]! + lo)
    bottom = Math.min(bottom, theta[i]! + hi)
  })
  return top === -Infinity || bottom === Infinity ? -Infinity : top - bottom
}

export const startOf = (est: Estimator, laws: ReadonlyArray<Law>, pace: Effect.Effect<void>) =>
  Effect.gen(function*() {
    const u0 = new Float64Array(est.k)
    const s = (u: Float64Array) => overlapDefect(est.theta([u])[0]!, laws)
    if (est.k === 0 || !(s(u0) >= 0)) return u0
    return yield* ascend((u) => -s(u), u0, 3, pace)
  })
