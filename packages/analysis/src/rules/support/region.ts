/**
 * Beyond the paper (issue #13, classes 2 and 3): Perturb-Argmax with independent noise whose
 * coordinates have interval supports `[lo_i, hi_i]` — bounded (Uniform) or half-bounded
 * (Exponential, its mirror image) — and a density positive inside them. The paper has only Prop 5.4
 * (d = 2, pinned, i.i.d.); the facts below settle any d and any polyhedral Θ.
 *
 * Proof sketch (ties have probability 0 throughout, as the laws are atomless):
 * - Let `L(θ) = max_k (θ_k + lo_k)`. Coordinate `i` wins with positive probability iff
 *   `θ_i + hi_i > L(θ)` (take `γ_i` near `hi_i` and every other `γ_j` near `lo_j`; conversely every
 *   `θ_k + γ_k` with `k` attaining `L` is at least `L`). Write `S(θ)` for these winners.
 * - So `P(θ) ∈ ri Δ` iff `θ ∈ R = {θ_i − θ_j > lo_j − hi_i for all i ≠ j}` (i.i.d. of width w:
 *   `max θ − min θ < w`), an open polyhedron invariant under 𝟙.
 * - On R, P is one-to-one modulo 𝟙: the Hessian of M is the graph Laplacian with weights
 *   `w_ij = ∫ g_i(x − θ_i) g_j(x − θ_j) Π_{k≠i,j} G_k(x − θ_k) dx`, and on R every interval
 *   `(θ_k + lo_k, θ_k + hi_k)` contains `(L, L + ε)`, where every factor is positive: all
 *   `w_ij > 0`, the graph is complete, the kernel is span(𝟙), and R is convex, so M is strictly
 *   convex modulo 𝟙 there (the argument of Thm 5.3 and of `Noise.argmaxOneToOneSide`).
 * - P is onto ri Δ: `|M(θ) − max θ|` is bounded, so `dom M* = Δ` and `∇M` reaches `ri Δ`.
 * - Off R only the winners S matter (a loser `k` has `θ_k + γ_k ≤ L ≤` the winner's value), and
 *   `θ_S` lies in the region R of the sub-system S. Hence `P(θ) = P(θ′)` iff `S(θ) = S(θ′) = S` and
 *   `θ_S − θ′_S ∈ span(𝟙_S)` — for `|S| = 1` this is Prop 5.4's saturation at the vertex `e_i`.
 *
 * Consequences, each decided by linear programs, in `./completeness.ts` and `./minimality.ts`.
 *
 * Perturb-Softmax is untouched by a bounded support: softmax is interior, bounded noise has a finite
 * mean, and F is strictly convex modulo 𝟙 for every noise, so Thm 4.1 and Thm 4.3 decide it.
 */
import type { Context } from "../engine.js"
import { fmt } from "../../internal/format.js"

export const BEYOND = "Beyond the paper (docs/math.md §3)"

/** Beyond this many rows of R (d ≈ 140 for i.i.d. bounded noise) the LPs below are not tried. */
const MAX_REGION_ROWS = 20_000

export interface Supports {
  readonly lo: ReadonlyArray<number>
  readonly hi: ReadonlyArray<number>
  /** `w` when the supports are one bounded interval of width w (then R = {max θ − min θ < w}). */
  readonly width: number | undefined
  /**
   * The pairs `(i, j)` with `θ_i − θ_j > lo_j − hi_i` a real condition of R (both ends finite); never
   * empty; `undefined` when there are more than `MAX_REGION_ROWS` (only with a common `width`).
   */
  readonly pairs: ReadonlyArray<readonly [number, number]> | undefined
}

/**
 * The supports of independent, atomless noise with a density positive inside its support interval,
 * when R ≠ ℝ^d (otherwise a common tail exists and Thm 5.3's argument already applies). A built-in
 * law has a positive density inside its support (`Noise.positiveTail`'s premise); a custom law's
 * traits do not say so unless `densityPositive`, so custom laws with a bounded end are left alone.
 */
export const intervalSupports = (ctx: Context): Supports | undefined => {
  const n = ctx.noise
  if (!n.independent || !n.atomless) return undefined
  const lo: Array<number> = []
  const hi: Array<number> = []
  for (const law of n.laws) {
    const t = law.traits
    if (t.kind !== "continuous" || t.support._tag !== "Interval") return undefined
    if (law._tag === "Custom" && !t.densityPositive) return undefined
    lo.push(t.support.lower)
    hi.push(t.support.upper)
  }
  const width = Number.isFinite(lo[0]!) && Number.isFinite(hi[0]!) && lo.every((v) => v === lo[0]) && hi.every((v) => v === hi[0])
    ? hi[0]! - lo[0]!
    : undefined
  // R's rows number (#finite hi)·(#finite lo) less the coordinates with both: count before building.
  let finiteLo = 0
  for (const l of lo) if (Number.isFinite(l)) finiteLo++
  let count = 0
  for (let i = 0; i < ctx.d; i++) if (Number.isFinite(hi[i]!)) count += finiteLo - (Number.isFinite(lo[i]!) ? 1 : 0)
  if (count === 0 || (count > MAX_REGION_ROWS && width === undefined)) return undefined
  if (count > MAX_REGION_ROWS) return { lo, hi, width, pairs: undefined }
  const pairs: Array<readonly [number, number]> = []
  for (let i = 0; i < ctx.d; i++) {
    if (!Number.isFinite(hi[i]!)) continue
    for (let j = 0; j < ctx.d; j++) if (j !== i && Number.isFinite(lo[j]!)) pairs.push([i, j])
  }
  return { lo, hi, width, pairs }
}

export const regionText = (s: Supports): string =>
  s.width !== undefined
    ? `R = {max θ − min θ < ${fmt(s.width)}} (the support width)`
    : `R = {θ_i + hi_i > θ_j + lo_j for all i ≠ j} (supports ${s.lo.slice(0, 6).map((l, i) => `[${fmt(l)}, ${fmt(s.hi[i]!)}]`).join(", ")}${s.lo.length > 6 ? ", …" : ""})`

export const FACTS = "P(θ) ∈ ri Δ exactly on R, where coordinate i wins with positive probability iff θ_i + hi_i > max_k (θ_k + lo_k); on R, P is one-to-one modulo 𝟙 (every edge of M's Hessian Laplacian is positive there, Thm 5.3's argument) and onto ri Δ (dom M* = Δ)"

/** A point strictly inside R: `θ_i = −(a point inside γ_i's support)`. */
export const centre = (s: Supports): Float64Array =>
  Float64Array.from(s.lo, (l, i) => {
    const h = s.hi[i]!
    const mid = Number.isFinite(l) && Number.isFinite(h) ? (l + h) / 2 : Number.isFinite(l) ? l + 1 : Number.isFinite(h) ? h - 1 : 0
    return mid === 0 ? 0 : -mid
  })
