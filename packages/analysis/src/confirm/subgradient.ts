/**
 * Completeness evidence for Perturb-Argmax with atoms in the noise (discrete or mixed laws), where
 * P jumps and ∂M(θ) is a set: p is reached at θ* when p ∈ ∂M(θ*), and the evidence is the distance
 * from p to ∂M(θ*) measured in the simplex, never a slope along Θ (which is 0 on a single point).
 *
 * - θ* maximises the concave ⟨p, θ⟩ − M(θ) over Θ by golden sections (`search.ts`).
 * - ∂M(θ) of a convex, piecewise smooth M is the convex hull of the limits of ∇M = P at θ (Clarke).
 *   Near θ every cell where P is smooth is cut out by the tie hyperplanes θ_i + a_i = θ_j + a_j,
 *   so each is entered along θ + δ·r for some ordering r of the coordinates: the limits are
 *   P(θ + δ r_σ) over the permutations σ (all of them for d ≤ 5, else 2d + 2 of them: an inner
 *   approximation, so a distance from it can only be too large — which the evidence then says).
 *   δ = 1e-5·max(1, ‖θ‖∞) covers the float32 rounding of θ* (a kink missed by ~1e-7 is still seen)
 *   and moves a continuous part of P by ~1e-5 only.
 * - The closest point P̂ = Σ_σ λ_σ P(θ + δ r_σ) to p in ‖·‖₁ is an LP (HiGHS); residual ‖P̂ − p‖₁,
 *   with max_i |log P̂_i − log p_i| beside it.
 */
import { Lp } from "@perturb/core"
import { Random } from "@perturb/noise"
import type { Key } from "@perturb/noise"
import { Effect } from "effect"
import type { Estimator } from "../internal/numeric.js"
import type { Target, Tick } from "./context.js"
import { l1, relative } from "./linalg.js"
import { ascend } from "./search.js"

export interface SubgradientOutcome {
  readonly target: Target
  readonly residual: number
  readonly relative: number
  readonly logGap: number
  readonly theta: Float64Array
  readonly closest: Float64Array
  /** Whether every ordering was tried (∂M exact) or a sample of them (inner approximation). */
  readonly exhaustive: boolean
}

const MAX_EXHAUSTIVE_D = 5

/** Every permutation of 0..d−1 for d ≤ 5, else identity, reverse and 2d random ones. */
export const orderings = (d: number, key: Key.Key): { readonly orders: Array<Int32Array>; readonly exhaustive: boolean } => {
  if (d <= MAX_EXHAUSTIVE_D) {
    const out: Array<Int32Array> = []
    const perm = Int32Array.from({ length: d }, (_, i) => i)
    const rec = (m: number): void => {
      if (m === d) {
        out.push(Int32Array.from(perm))
        return
      }
      for (let i = m; i < d; i++) {
        ;[perm[m], perm[i]] = [perm[i]!, perm[m]!]
        rec(m + 1)
        ;[perm[m], perm[i]] = [perm[i]!, perm[m]!]
      }
    }
    rec(0)
    return { orders: out, exhaustive: true }
  }
  const u = Random.uniform64(key, 2 * d * d)
  const orders = [Int32Array.from({ length: d }, (_, i) => i), Int32Array.from({ length: d }, (_, i) => d - 1 - i)]
  for (let q = 0; q < 2 * d; q++) {
    const idx = Array.from({ length: d }, (_, i) => i).sort((a, b) => u[q * d + a]! - u[q * d + b]!)
    orders.push(Int32Array.from(idx))
  }
  return { orders, exhaustive: false }
}

/** The closest point to p of the convex hull of `vertices` in ‖·‖₁ (an LP), and its distance. */
export const closestInHull = (vertices: ReadonlyArray<Float64Array>, p: Float64Array): { readonly point: Float64Array; readonly distance: number } => {
  const V = vertices.length
  const d = p.length
  // Columns: λ_1..λ_V ≥ 0, then s_1..s_d ≥ 0; minimise Σ s subject to |Σ λ V_i − p_i| ≤ s_i, Σ λ = 1.
  const rows: Array<Lp.Row> = []
  for (let i = 0; i < d; i++) {
    const idx = [...Array.from({ length: V }, (_, v) => v), V + i]
    rows.push({ idx, val: [...vertices.map((x) => x[i]!), -1], lo: -Infinity, hi: p[i]! })
    rows.push({ idx, val: [...vertices.map((x) => x[i]!), 1], lo: p[i]!, hi: Infinity })
  }
  rows.push({ idx: Array.from({ length: V }, (_, v) => v), val: new Float64Array(V).fill(1), lo: 1, hi: 1 })
  const cost = new Float64Array(V + d)
  cost.fill(1, V)
  const sol = Lp.solve({ numCols: V + d, cost, colLower: new Float64Array(V + d), colUpper: new Float64Array(V + d).fill(Infinity), rows })
  if (sol.status !== "optimal") {
    // Cannot happen for a non-empty hull (the LP is feasible and bounded below); the best vertex then.
    let best = vertices[0]!
    for (const x of vertices) if (l1(x, p) < l1(best, p)) best = x
    return { point: best, distance: l1(best, p) }
  }
  const point = new Float64Array(d)
  for (let v = 0; v < V; v++) for (let i = 0; i < d; i++) point[i] = point[i]! + sol.x[v]! * vertices[v]![i]!
  return { point, distance: l1(point, p) }
}

export const logGap = (P: ArrayLike<number>, p: ArrayLike<number>): number => {
  let worst = 0
  for (let i = 0; i < p.length; i++) worst = Math.max(worst, Math.abs(Math.log(Math.max(P[i]!, 1e-300)) - Math.log(Math.max(p[i]!, 1e-300))))
  return worst
}

/**
 * θ* and the distance from p to ∂M(θ*) for every target; `exact64` gives P in float64 (the kernels
 * round θ to float32, which would erase the δ-steps).
 */
export const fitSubgradient = (
  est: Estimator,
  exact64: (rows: ReadonlyArray<Float64Array>) => Array<Float64Array>,
  targets: ReadonlyArray<Target>,
  tick: Tick,
  phase: string,
  key: Key.Key
) =>
  Effect.gen(function*() {
    const { d, k } = est
    const out: Array<SubgradientOutcome> = []
    const { orders, exhaustive } = orderings(d, key)
    for (const target of targets) {
      yield* tick.pace
      const g = (x: Float64Array): number => {
        const th = est.theta([x])[0]!
        let s = 0
        for (let i = 0; i < d; i++) s += target.p[i]! * th[i]!
        return s - est.potential([th])[0]!
      }
      if (!Number.isFinite(g(new Float64Array(k)))) {
        // M = E max(θ + γ) is infinite without a finite mean (Cauchy coordinates): no objective.
        throw new Error("M(θ) = E max(θ + γ) is infinite for this noise (a law without a finite mean), so ⟨p, θ⟩ − M(θ) cannot be maximised")
      }
      const u = k === 0 ? new Float64Array(0) : yield* ascend(g, new Float64Array(k), 4, tick.pace)
      yield* tick.pace
      const theta = est.theta([u])[0]!
      let scale = 1
      for (const v of theta) scale = Math.max(scale, Math.abs(v))
      const delta = 1e-5 * scale
      const rows = orders.map((r) => Float64Array.from(theta, (v, i) => v + delta * (r[i]! - (d - 1) / 2)))
      const vertices = exact64(rows)
      const { point, distance } = closestInHull(vertices, target.p)
      out.push({ target, residual: distance, relative: relative(point, target.p), logGap: logGap(point, target.p), theta, closest: point, exhaustive })
      tick(phase, 1)
    }
    return out
  })
