/**
 * Completeness with atoms: every p ∈ ri Δ has its parameters in Θ + span(𝟙). (The facts are in
 * `./mixture.ts`'s header.)
 */
import * as V from "../../Verdict.js"
import { fmt, show } from "../../internal/format.js"
import type { Context } from "../engine.js"
import { outsideImage, vec } from "../premises.js"
import { MAX_STEPS, type Mixture, mixtureOf, REF } from "./mixture.js"
import { activeTies, uniformTieProbs } from "./probabilities.js"
import { modOne, recedesModOne } from "./space.js"

/**
 * Points θ (with θ of the first node 0) where every node is joined to the others by equations
 * `θ_j − θ_i = δ`, δ from `labels(i, j)`: each reached by growing a tree one node at a time. `visit`
 * returns true to stop. "limit" when more than `MAX_STEPS` partial assignments were needed.
 */
const treePoints = (
  d: number,
  nodes: ReadonlyArray<number>,
  labels: (i: number, j: number) => ReadonlyArray<number>,
  pairOk: (i: number, j: number, theta: Float64Array) => boolean,
  visit: (theta: Float64Array) => boolean
): "done" | "stopped" | "limit" => {
  const seen = new Set<string>()
  let steps = 0
  const theta = new Float64Array(d)
  const set = new Array<boolean>(d).fill(false)
  const keyOf = () => nodes.map((k) => (set[k] ? theta[k]!.toPrecision(12) : "_")).join(",")
  const grow = (count: number): "done" | "stopped" | "limit" => {
    if (++steps > MAX_STEPS) return "limit"
    const key = keyOf()
    if (seen.has(key)) return "done"
    seen.add(key)
    if (count === nodes.length) return visit(Float64Array.from(theta)) ? "stopped" : "done"
    for (const j of nodes) {
      if (set[j]) continue
      for (const i of nodes) {
        if (!set[i]) continue
        for (const delta of labels(i, j)) {
          theta[j] = theta[i]! + delta
          if (!nodes.every((q) => !set[q] || pairOk(q, j, theta))) continue
          set[j] = true
          const r = grow(count + 1)
          set[j] = false
          theta[j] = 0
          if (r !== "done") return r
        }
      }
    }
    return "done"
  }
  set[nodes[0]!] = true
  return grow(1)
}

/**
 * Both orders of `θ_k + hi_k ≥ θ_q + lo_q`: no coordinate surely below another. Every vertex of the
 * kink complex satisfies it (each coordinate takes part in a tie at a level ≥ every lowest level),
 * and it defines A in the mixture case, so partial trees breaking it are pruned.
 */
const inA = (mix: Mixture) => (k: number, q: number, theta: ArrayLike<number>): boolean => {
  const tol = 1e-12 * (1 + Math.abs(theta[k]!) + Math.abs(theta[q]!))
  return theta[k]! + mix.hi[k]! >= theta[q]! + mix.lo[q]! - tol && theta[q]! + mix.hi[q]! >= theta[k]! + mix.lo[k]! - tol
}

const distinct = (xs: ReadonlyArray<number>): Array<number> => [...new Set(xs)]

const connectedBy = (nodes: ReadonlyArray<number>, edges: ReadonlyArray<[number, number]>): boolean => {
  const parent = new Map(nodes.map((k) => [k, k]))
  const find = (k: number): number => (parent.get(k) === k ? k : find(parent.get(k)!))
  for (const [i, j] of edges) parent.set(find(i), find(j))
  return new Set(nodes.map(find)).size === 1
}

const unreached = (ctx: Context, mix: Mixture, v: ArrayLike<number>, how: string): V.Verdict => {
  const out = modOne(ctx, v) as Extract<ReturnType<typeof modOne>, { inside: false }>
  const p = uniformTieProbs(ctx, mix, v)
  return V.fails(
    REF,
    `${how}; θ* = ${show(v)} has a·θ* = ${fmt(out.value)} > ${fmt(out.bound)} ≥ a·θ on Θ (a·𝟙 = 0, from ${out.constraints.join(" and ")}), so no point of Θ has the subgradient p = ${show(p)} ∈ ri Δ (the mean of the tie simplices at θ*, a relative-interior point of ∂M(θ*))`,
    { _tag: "OutsideImage", thetaStar: vec(v), normal: out.normal, bound: out.bound, value: out.value, constraints: out.constraints, p }
  )
}

/**
 * Completeness where `Θ + span(𝟙) ≠ ℝ^d` (the space-spans rule decided the rest). A p ∈ ri Δ is a
 * subgradient at θ iff θ ∈ ∂M*(p):
 * - all discrete: M is polyhedral; the sets ∂M(v) at the vertices v of its kink complex (the points
 *   where the graph of active ties joins every coordinate) tile Δ, and an interior point of ∂M(v) is
 *   a subgradient at v + span(𝟙) only; so complete ⇔ every such v lies in Θ + span(𝟙).
 * - with a continuous coordinate: no coordinate is dead where p ∈ ri Δ is a subgradient, so G(θ) is
 *   connected and ∂M*(p) is one point modulo 𝟙; those points fill A = {θ_k + hi_k ≥ θ_k″ + lo_k″ for
 *   discrete k ≠ k″}, so complete ⇔ A ⊆ Θ + span(𝟙): the continuous coordinates (free in A) must
 *   recede both ways modulo 𝟙, and the vertices of A's bounded part must lie in Θ + span(𝟙).
 */
export const completeness = (ctx: Context): V.Verdict | undefined => {
  const mix = mixtureOf(ctx)
  if (mix === undefined || ctx.spanning().holds) return undefined
  const D = mix.discrete
  const C = mix.continuous
  if (C.length > 0 && D.length < 2) {
    return outsideImage(
      ctx,
      REF,
      "with atoms in one coordinate only and full-support densities in the others, no coordinate ever loses surely, so M is strictly convex modulo 𝟙 and P is one-to-one modulo 𝟙 onto ri Δ — beyond the paper",
      (t) => uniformTieProbs(ctx, mix, t)
    )
  }
  let found: V.Verdict | undefined
  if (C.length > 0) {
    const centre = Array.from({ length: ctx.d }, (_, k) => (mix.atoms[k] === undefined ? 0 : -(mix.lo[k]! + mix.hi[k]!) / 2))
    for (const c of C) {
      for (const s of [1, -1] as const) {
        if (recedesModOne(ctx, c, s)) continue
        for (let t = 0; t <= 60; t++) {
          const v = centre.map((x, k) => (k === c ? x + s * (t === 0 ? 0 : 2 ** (t - 1)) : x))
          if (!modOne(ctx, v).inside) {
            return unreached(ctx, mix, v, `with a continuous coordinate, p ∈ ri Δ is a subgradient only at one point modulo 𝟙, and those points fill A = {θ_k + hi_k ≥ θ_k″ + lo_k″, discrete k ≠ k″}, in which coordinate ${c} (continuous) is free; Θ + span(𝟙) does not recede along ${s === 1 ? "" : "−"}e_${c} — beyond the paper`)
          }
        }
      }
    }
    const r = treePoints(ctx.d, D, (i, j) => distinct([mix.hi[i]! - mix.lo[j]!, mix.lo[i]! - mix.hi[j]!]), inA(mix), (v) => {
      if (modOne(ctx, v).inside) return false
      found = unreached(ctx, mix, v, "with a continuous coordinate, p ∈ ri Δ is a subgradient only at one point modulo 𝟙, and those points fill A = {θ_k + hi_k ≥ θ_k″ + lo_k″, discrete k ≠ k″}; θ* is a vertex of A (each discrete coordinate's top atom level ties another's bottom one) outside Θ + span(𝟙) — beyond the paper")
      return true
    })
    if (found !== undefined) return found
    if (r === "limit") return V.undecided(REF, `the vertices of A = {θ_k + hi_k ≥ θ_k″ + lo_k″} are more than ${MAX_STEPS} steps to enumerate; whether Θ + span(𝟙) holds them is open here`)
    return V.holds(
      REF,
      `Θ + span(𝟙) ≠ ℝ^${ctx.d}, yet it contains A = {θ : θ_k + hi_k ≥ θ_k″ + lo_k″ for discrete k ≠ k″} (the continuous coordinates recede both ways modulo 𝟙, and every vertex of A's bounded part is in it) — beyond the paper: p ∈ ri Δ is a subgradient at exactly one point modulo 𝟙, which lies in A, since there no coordinate loses surely`
    )
  }
  const r = treePoints(ctx.d, D, (i, j) => distinct(mix.atoms[i]!.atoms.flatMap((a) => mix.atoms[j]!.atoms.map((b) => a - b))), inA(mix), (v) => {
    if (!connectedBy(D, activeTies(mix, v)) || modOne(ctx, v).inside) return false
    found = unreached(ctx, mix, v, "the noise is discrete, so M is polyhedral and the subdifferentials ∂M(v) at the vertices v of its kink complex (where the active ties join all coordinates) tile Δ; an interior point of ∂M(v) is a subgradient at v + span(𝟙) only, and this vertex lies outside Θ + span(𝟙) — beyond the paper")
    return true
  })
  if (found !== undefined) return found
  if (r === "limit") return V.undecided(REF, `the vertices of the kink complex are more than ${MAX_STEPS} steps to enumerate; whether Θ + span(𝟙) holds them all is open here`)
  return V.holds(
    REF,
    `Θ + span(𝟙) ≠ ℝ^${ctx.d}, yet it holds every vertex of M's kink complex (every point where active ties join all coordinates) — beyond the paper: the noise is discrete, M is polyhedral, and the subdifferentials at those vertices tile Δ, so every p ∈ ri Δ is a subgradient at a point of Θ`
  )
}
