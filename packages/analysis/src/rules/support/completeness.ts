/**
 * Completeness for interval supports: R ⊆ Θ + span(𝟙) (R and the facts are in `./region.ts`).
 *
 * Complete ⇔ `R ⊆ Θ + span(𝟙)`. The projection `Θ + span(𝟙)` is one Fourier–Motzkin step (it
 * eliminates the single variable t in `θ − t𝟙 ∈ Θ`), and each of its rows `a·x ≤ β` (with
 * `a·𝟙 = 0`) is checked by one LP `sup { a·x : x ∈ R̄ } ≤ β`.
 */
import { exactProbs64, Model, Space } from "@perturb/core"
import { type Law, Noise } from "@perturb/noise"
import * as V from "../../Verdict.js"
import { fmt, show } from "../../internal/format.js"
import { type LpRow, solveLp } from "../../internal/lp.js"
import type { Context } from "../engine.js"
import { vec } from "../premises.js"
import { BEYOND, centre, FACTS, intervalSupports, regionText, type Supports } from "./region.js"

interface ShadowRow {
  readonly a: Float64Array
  readonly beta: number
  readonly eq: boolean
  readonly labels: ReadonlyArray<string>
}

const MAX_SHADOW_ROWS = 4000
/** The most (rows of Θ + span(𝟙)) × (rows of R) that completeness spends LPs on. */
const MAX_COVER_WORK = 300_000

const dense = (d: number, idx: ArrayLike<number>, val: ArrayLike<number>, scale = 1): Float64Array => {
  const a = new Float64Array(d)
  for (let t = 0; t < idx.length; t++) a[idx[t]!] = a[idx[t]!]! + scale * val[t]!
  return a
}

/**
 * `Θ + span(𝟙) = {x : ∃t, x − t𝟙 ∈ Θ}` as rows `a·x ≤ β` (or `=`) with `a·𝟙 = 0`: eliminate t by
 * an equation that moves with 𝟙 when there is one, else by Fourier–Motzkin on the inequalities.
 * `undefined` when more than `MAX_SHADOW_ROWS` rows would come out.
 */
export const shadowRows = (ctx: Context): Array<ShadowRow> | undefined => {
  const { d, cons } = ctx.sys
  const out: Array<ShadowRow> = []
  const pivot = cons.find((c) => c.eq && c.sum !== 0)
  if (pivot !== undefined) {
    const gp = dense(d, pivot.idx, pivot.val)
    for (const c of cons) {
      if (c === pivot) continue
      const r = c.sum / pivot.sum
      const a = dense(d, c.idx, c.val)
      for (let j = 0; j < d; j++) a[j] = a[j]! - r * gp[j]!
      // A bound on the pivot's own coordinate becomes 0 ≤ β: it constrains nothing modulo 𝟙.
      if (a.every((v) => Math.abs(v) <= 1e-12 * (1 + Math.abs(r)))) continue
      out.push({ a, beta: c.rhs - r * pivot.rhs, eq: c.eq, labels: [c.label, pivot.label] })
    }
    return out
  }
  const pos = cons.filter((c) => !c.eq && c.sum > 0)
  const neg = cons.filter((c) => !c.eq && c.sum < 0)
  if (pos.length * neg.length + cons.length > MAX_SHADOW_ROWS) return undefined
  for (const c of cons) if (c.sum === 0) out.push({ a: dense(d, c.idx, c.val), beta: c.rhs, eq: c.eq, labels: [c.label] })
  for (const p of pos) {
    for (const n of neg) {
      // (g_p·x − rhs_p)/σ_p ≤ t ≤ (rhs_n − g_n·x)/|σ_n|, with t eliminated.
      const a = dense(d, p.idx, p.val, -n.sum)
      for (let t = 0; t < n.idx.length; t++) a[n.idx[t]!] = a[n.idx[t]!]! + p.sum * n.val[t]!
      // A row with a = 0 (x_i ≤ u and x_i ≥ l of one coordinate) says only β ≥ 0: Θ is not empty.
      if (a.some((v) => Math.abs(v) > 1e-12 * (Math.abs(p.sum) + Math.abs(n.sum)))) {
        out.push({ a, beta: -n.sum * p.rhs + p.sum * n.rhs, eq: false, labels: [p.label, n.label] })
      }
    }
  }
  return out
}

/** `max a·x` over the closure of R (with x_0 = 0: R and a·x are invariant under 𝟙), capped at `cap`. */
const maxOverRegion = (s: Supports, d: number, a: Float64Array, cap: number): { value: number; x: Float64Array } | undefined => {
  if (s.width !== undefined) {
    // x − (min x)𝟙 ranges over [0, w]^d and a·𝟙 = 0: the maximum puts w where a is positive.
    const w = s.width
    const x = Float64Array.from(a, (v) => (v > 0 ? w : 0))
    return { value: dot(a, x), x }
  }
  if (s.pairs === undefined) return undefined
  const rows: Array<LpRow> = s.pairs.map(([i, j]) => ({ idx: [i, j], val: [1, -1], lo: s.lo[j]! - s.hi[i]!, hi: Infinity }))
  const nz: Array<number> = []
  const av: Array<number> = []
  a.forEach((v, j) => v !== 0 && (nz.push(j), av.push(v)))
  rows.push({ idx: nz, val: av, lo: -Infinity, hi: cap })
  const colLower = new Float64Array(d).fill(-Infinity)
  const colUpper = new Float64Array(d).fill(Infinity)
  colLower[0] = 0
  colUpper[0] = 0
  const res = solveLp({ numCols: d, cost: a, colLower, colUpper, rows, maximize: true })
  return res.status === "optimal" ? { value: res.objective, x: res.x } : undefined
}

const dot = (a: ArrayLike<number>, x: ArrayLike<number>): number => {
  let s = 0
  for (let j = 0; j < a.length; j++) s += a[j]! * x[j]!
  return s
}

/** Perturb-Argmax completeness for interval supports (see the header), or `undefined` where it does not apply. */
export const coversRegion = (ctx: Context): V.Verdict | undefined => {
  const s = intervalSupports(ctx)
  if (s === undefined) return undefined
  const d = ctx.d
  const rows = shadowRows(ctx)
  if (rows === undefined) return undefined
  // An LP per row costs about its R-rows; the i.i.d. closed form costs O(d), about 100 times less.
  const work = s.width !== undefined ? (rows.length * d) / 100 : rows.length * (s.pairs!.length + 1)
  if (work > MAX_COVER_WORK) return undefined
  const region = regionText(s)
  for (const row of rows) {
    for (const sign of row.eq ? [1, -1] : [1]) {
      const a = row.a.map((v) => sign * v)
      const beta = sign * row.beta
      const tol = 1e-7 * (1 + Math.abs(beta))
      const best = maxOverRegion(s, d, a, beta + 1 + Math.abs(beta))
      if (best === undefined) return undefined
      if (!(best.value > beta + tol)) continue
      // Pull the maximiser (on R's closure) into R, keeping a·θ* above β: P(θ*) is then interior.
      const c = centre(s)
      const vStar = dot(a, best.x)
      const vc = dot(a, c)
      const eps = vc > beta ? 0.5 : Math.min(0.5, (vStar - beta) / (2 * (vStar - vc)))
      const thetaStar = Float64Array.from(best.x, (x, j) => x + eps * (c[j]! - x))
      let scale = 0
      for (const v of a) scale = Math.max(scale, Math.abs(v))
      const normal = a.map((v) => v / scale)
      const value = dot(normal, thetaStar)
      const bound = beta / scale
      let p: Array<number> | undefined
      try {
        const model = Model.perturbArgmax({ space: Space.reals(d), noise: Noise.independent(ctx.noise.laws as Array<Law>) })
        p = Array.from(exactProbs64(model, thetaStar).probs)
      } catch {
        p = undefined
      }
      return V.fails(
        BEYOND,
        `beyond the paper: ${FACTS}, with ${region}. Θ + span(𝟙) (Θ with t eliminated from θ − t𝟙 ∈ Θ) satisfies a·θ ≤ ${fmt(bound)} with a·𝟙 = 0, from ${row.labels.join(" and ")}; θ* = ${show(thetaStar)} lies in R with a·θ* = ${fmt(value)}, so P(θ*) ∈ ri Δ and is reached by no θ ∈ Θ (points of Θ off R give a p with a zero entry; points in R give it only modulo 𝟙)`,
        {
          _tag: "OutsideImage",
          thetaStar: vec(thetaStar),
          normal: vec(normal),
          bound,
          value,
          constraints: [...new Set(row.labels)],
          ...(p === undefined ? {} : { p })
        }
      )
    }
  }
  return V.holds(
    BEYOND,
    `beyond the paper: ${FACTS}, with ${region}; each of the ${rows.length} rows of Θ + span(𝟙) holds on all of R's closure (${s.width !== undefined ? "sup of a·x there is w·Σ max(a_i, 0)" : "one LP each"}), so R ⊆ Θ + span(𝟙) and every p ∈ ri Δ is P(θ) for some θ ∈ Θ`
  )
}
