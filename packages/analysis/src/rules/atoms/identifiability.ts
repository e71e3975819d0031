/**
 * Identifiability with atoms: does Θ meet the active part of a kink hyperplane? (The facts are in
 * `./mixture.ts`'s header.)
 */
import { Space } from "@perturb/core"
import * as V from "../../Verdict.js"
import { fmt, polytope, show } from "../../internal/format.js"
import { type LpRow, solveLp } from "../../internal/lp.js"
import { oneSided, potentialByEnumeration } from "../../internal/noise.js"
import type { Context } from "../engine.js"
import { vec } from "../premises.js"
import { MAX_LPS, type Mixture, mixtureOf, REF } from "./mixture.js"
import { activeTies, subdifferentialVertices } from "./probabilities.js"
import { allRows, inside, nice } from "./space.js"

/**
 * The `Kink` witness at θ along `e_j`: Danskin's one-sided derivatives (right = Pr[j is a maximiser],
 * left = Pr[j is the only one]), M where the atoms can be enumerated, and ∂M's vertices when known.
 */
export const kinkWitness = (
  ctx: Context,
  theta: ArrayLike<number>,
  j: number,
  vertices: ReadonlyArray<ReadonlyArray<number>> | undefined
): Extract<V.Witness, { _tag: "Kink" }> => {
  const laws = ctx.noise.laws
  const { left, right } = oneSided(theta, laws, j)
  const potential = potentialByEnumeration(theta, laws)
  return {
    _tag: "Kink",
    theta: vec(theta),
    coordinate: j,
    left,
    right,
    ...(potential === undefined ? {} : { potential }),
    ...(vertices === undefined ? {} : { subdifferential: vertices.map((p) => vec(p)) })
  }
}

/** The kink witness at θ, with ∂M(θ) as the polytope of its vertices. */
export const kinkAt = (ctx: Context, mix: Mixture, theta: ArrayLike<number>, how: string): V.Verdict | undefined => {
  const ties = activeTies(mix, theta)
  if (ties.length === 0) return undefined
  const [i, j] = ties[0]!
  const vertices = subdifferentialVertices(ctx, mix, theta)
  const shape = vertices === undefined ? "a polytope (more than 6 coordinates tie; vertices not listed)" : polytope(vertices)
  return V.fails(
    REF,
    `${how}: at θ = ${show(theta)} coordinates ${i} and ${j} tie at the maximum with positive probability (θ_${i} + a = θ_${j} + b for atoms a, b, every other coordinate below with positive probability), so max(θ+γ) is not differentiable there with positive probability and ∂M(θ) = E conv{e_i : i ∈ argmax(θ+γ)} is ${shape}, not one vector — beyond the paper (Prop 5.5 generalised)`,
    kinkWitness(ctx, theta, j, vertices)
  )
}

/**
 * A point near θ on the same hyperplane `θ_i − θ_j = const` where only i and j tie, so that ∂M is a
 * segment rather than a larger polytope: small steps along Θ's directions that keep `θ_i − θ_j`.
 */
export const onlyPair = (ctx: Context, mix: Mixture, theta: Array<number>, i: number, j: number, on: (x: ArrayLike<number>) => boolean): Array<number> => {
  const single = (x: ArrayLike<number>) => {
    const ties = activeTies(mix, x, 2)
    return on(x) && ties.length === 1 && ties[0]![0] === i && ties[0]![1] === j
  }
  if (single(theta)) return theta
  let hull: Space.AffineHull
  try {
    hull = Space.affineHull(ctx.space)
  } catch {
    return theta
  }
  const d = ctx.d
  // Directions of Θ with u_i = u_j: the hull's basis with its (u_i − u_j) part eliminated.
  const cols = Array.from({ length: hull.k }, (_, c) => Array.from({ length: d }, (_, r) => hull.basis[r * hull.k + c]!))
  const gap = (b: Array<number>) => b[i]! - b[j]!
  const pivot = cols.reduce((best, b, c) => (Math.abs(gap(b)) > Math.abs(gap(cols[best] ?? b)) ? c : best), 0)
  const ws: Array<Array<number>> = []
  cols.forEach((b, c) => {
    if (c === pivot && Math.abs(gap(b)) > 1e-12) return
    const f = Math.abs(gap(cols[pivot]!)) > 1e-12 ? gap(b) / gap(cols[pivot]!) : 0
    const w = b.map((v, r) => v - f * cols[pivot]![r]!)
    if (w.some((v) => Math.abs(v) > 1e-9)) ws.push(w.map((v) => (Math.abs(v) < 1e-12 ? 0 : v)))
  })
  // Steps along one direction, then along a combination with distinct weights (generic in all).
  const combo = ws.length > 1 ? [ws.reduce((acc, w, q) => acc.map((v, r) => v + (q + 1) * w[r]!), new Array<number>(d).fill(0))] : []
  // In high dimension only the generic combination is tried: each try costs O(d²).
  for (const w of ctx.d > 16 ? combo : [...ws, ...combo]) {
    for (const t of [0.5, -0.5, 0.25, -0.25, 0.1, -0.1, 0.03, -0.03]) {
      const x = theta.map((v, r) => Number((v + t * w[r]!).toPrecision(12)))
      if (single(x)) return x
    }
  }
  return theta
}

/**
 * Exact identifiability: the active part of the hyperplane `θ_i − θ_j = δ` (δ = b − a) at level
 * `L = θ_i + a` is `{θ_k + lo_k ≤ L for the other discrete k}`; of the atom pairs with one δ the
 * largest `a` gives the largest piece, so one LP per (i, j, δ) decides whether Θ meets it.
 */
export const identifiability = (ctx: Context): V.Verdict | undefined => {
  const mix = mixtureOf(ctx)
  if (mix === undefined || mix.discrete.length < 2) return undefined
  const D = mix.discrete
  const planes: Array<{ i: number; j: number; delta: number; a: number }> = []
  for (let s = 0; s < D.length; s++) {
    for (let t = s + 1; t < D.length; t++) {
      const i = D[s]!
      const j = D[t]!
      const best = new Map<number, number>()
      for (const a of mix.atoms[i]!.atoms) {
        for (const b of mix.atoms[j]!.atoms) {
          const delta = b - a
          best.set(delta, Math.max(best.get(delta) ?? -Infinity, a))
        }
      }
      for (const [delta, a] of best) planes.push({ i, j, delta, a })
    }
  }
  if (planes.length > MAX_LPS) {
    return V.undecided(REF, `the noise has atoms in ${D.length} coordinates, giving ${planes.length} kink hyperplanes θ_i − θ_j = b − a; deciding whether Θ meets one takes one LP each, more than the ${MAX_LPS} this analysis allows — open here, not in principle`)
  }
  const d = ctx.d
  const base = allRows(ctx)
  let blurred: string | undefined
  for (const { i, j, delta, a } of planes) {
    const rows: Array<LpRow> = [...base, { idx: [i, j], val: [1, -1], lo: delta, hi: delta }]
    for (const k of D) if (k !== i && k !== j) rows.push({ idx: [k, i], val: [1, -1], lo: -Infinity, hi: a - mix.lo[k]! })
    const res = solveLp({ numCols: d, colLower: new Float64Array(d).fill(-Infinity), colUpper: new Float64Array(d).fill(Infinity), rows })
    if (res.status === "failed") blurred ??= `HiGHS could not decide whether Θ meets the kink hyperplane θ_${i} − θ_${j} = ${fmt(delta)}; open here`
    if (res.status !== "optimal") continue
    const on = (x: ArrayLike<number>) => inside(ctx, x) && activeTies(mix, x).length > 0
    const theta = onlyPair(ctx, mix, nice(res.x, on), i, j, on)
    const w = on(theta) ? kinkAt(ctx, mix, theta, `Θ meets the kink hyperplane θ_${i} − θ_${j} = ${fmt(delta)} where it is active (a linear program)`) : undefined
    if (w !== undefined) return w
    blurred ??= `a linear program finds Θ touching the kink hyperplane θ_${i} − θ_${j} = ${fmt(delta)} only within its tolerance (at ${show(res.x)}); whether Θ meets it exactly is open here`
  }
  if (blurred !== undefined) return V.undecided(REF, blurred)
  return V.holds(
    REF,
    `no tie has positive probability anywhere in Θ — beyond the paper: ∂M(θ) = E conv{e_i : i ∈ argmax(θ+γ)} is one vector unless two discrete coordinates tie at the maximum with positive probability, i.e. θ lies on θ_i − θ_j = b − a (atoms a of coordinate i, b of j) with every other discrete coordinate able to lie at or below θ_i + a; each of the ${planes.length} such hyperplane pieces is disjoint from Θ (one LP each), so P is single-valued on Θ`
  )
}
