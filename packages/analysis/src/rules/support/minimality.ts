/**
 * Minimality for interval supports: no two points of Θ with the same winners S and θ_S equal modulo
 * 𝟙_S (R and the facts are in `./region.ts`).
 *
 * Minimal ⇔ Θ holds no translation pair and, for no proper `S` and `m ∈ S` attaining `L`, two
 * points with winners S that differ by `c𝟙` on S (and anyhow off S). For each `(S, m)` the pairs
 * form a polyhedron with some strict rows; it holds a pair with `θ ≠ θ′` iff the linear map
 * `(c, θ′_{S^c} − θ_{S^c})` is not identically 0 on it — at most `2(1 + |S^c|)` LPs.
 *
 * docs/math.md §3 says minimality fails iff "two points of Θ saturate to one p"; the exact condition is
 * the one above, which also counts pairs that differ only in coordinates that never win (c = 0:
 * Θ = {θ₀ = θ₁ = 0, θ₂ ≤ −1.5} with Uniform[0,1] gives P = (½, ½, 0) throughout), and the i.i.d.
 * width condition generalises to R for per-coordinate supports.
 */
import * as V from "../../Verdict.js"
import { fmt, show } from "../../internal/format.js"
import { type LpRow, solveLp } from "../../internal/lp.js"
import type { Context } from "../engine.js"
import { vec } from "../premises.js"
import { BEYOND, FACTS, intervalSupports, regionText, type Supports } from "./region.js"

const MAX_SUBSET_DIM = 6

interface PairLp {
  readonly numCols: number
  readonly rows: Array<LpRow>
  readonly colLower: Float64Array
  readonly colUpper: Float64Array
  /** Column of c, of u_k (θ′_k for k ∉ S), of the strict margin s (−1 without strict rows). */
  readonly cCol: number
  readonly uCol: ReadonlyArray<number>
  readonly sCol: number
  readonly losers: ReadonlyArray<number>
  /** The rows `θ_k + hi_k ≤ θ_m + lo_m` (and for θ′): their slack is what `polish` widens. */
  readonly loserRows: ReadonlyArray<number>
}

/**
 * The pairs `θ, θ′ = (θ_S + c𝟙, u)` in Θ with winners S and `m` attaining `L` on S, as LP rows.
 * Strict rows carry the margin column `s`; `|c|` and `|u_k − θ_k|` are capped at 1 so every
 * objective over the Δ-map is bounded (the pair θ′ = θ is always feasible, so the cap loses nothing).
 */
const pairLp = (ctx: Context, s: Supports, inS: ReadonlyArray<boolean>, m: number): PairLp | undefined => {
  const d = ctx.d
  const losers: Array<number> = []
  for (let k = 0; k < d; k++) if (!inS[k]) losers.push(k)
  if (losers.some((k) => !Number.isFinite(s.hi[k]!))) return undefined
  const cCol = d
  const uCol = losers.map((_, t) => d + 1 + t)
  const uOf = new Map(losers.map((k, t) => [k, uCol[t]!]))
  let numCols = d + 1 + losers.length
  const rows: Array<LpRow> = []
  const strict: Array<{ i: number; lo: number }> = []
  for (const c of ctx.sys.cons) {
    const lo = c.eq ? c.rhs : -Infinity
    rows.push({ idx: c.idx, val: c.val, lo, hi: c.rhs })
    const idx: Array<number> = []
    const val: Array<number> = []
    let shift = 0
    for (let t = 0; t < c.idx.length; t++) {
      const j = c.idx[t]!
      if (inS[j]) (idx.push(j), val.push(c.val[t]!), shift += c.val[t]!)
      else (idx.push(uOf.get(j)!), val.push(c.val[t]!))
    }
    if (shift !== 0) (idx.push(cCol), val.push(shift))
    rows.push({ idx, val, lo, hi: c.rhs })
  }
  for (let j = 0; j < d; j++) {
    if (!inS[j] || j === m) continue
    if (Number.isFinite(s.lo[j]!)) rows.push({ idx: [m, j], val: [1, -1], lo: s.lo[j]! - s.lo[m]!, hi: Infinity })
    if (Number.isFinite(s.hi[j]!)) strict.push({ i: j, lo: s.lo[m]! - s.hi[j]! })
  }
  const loserRows: Array<number> = []
  for (const k of losers) {
    loserRows.push(rows.length, rows.length + 1)
    rows.push({ idx: [m, k], val: [1, -1], lo: s.hi[k]! - s.lo[m]!, hi: Infinity })
    rows.push({ idx: [m, cCol, uOf.get(k)!], val: [1, 1, -1], lo: s.hi[k]! - s.lo[m]!, hi: Infinity })
    rows.push({ idx: [uOf.get(k)!, k], val: [1, -1], lo: -1, hi: 1 })
  }
  const sCol = strict.length > 0 ? numCols++ : -1
  for (const { i, lo } of strict) rows.push({ idx: [i, m, sCol], val: [1, -1, -1], lo, hi: Infinity })
  const colLower = new Float64Array(numCols).fill(-Infinity)
  const colUpper = new Float64Array(numCols).fill(Infinity)
  colLower[cCol] = -1
  colUpper[cCol] = 1
  if (sCol >= 0) (colLower[sCol] = 0, colUpper[sCol] = 1)
  return { numCols, rows, colLower, colUpper, cCol, uCol, sCol, losers, loserRows }
}

const unit = (n: number, j: number): Float64Array => {
  const v = new Float64Array(n)
  v[j] = 1
  return v
}

/** The map `(c, u − θ_{S^c})` as LP rows' coefficients: entry q of it. */
const deltaCoefficients = (lp: PairLp, q: number): { idx: Array<number>; val: Array<number> } =>
  q === 0 ? { idx: [lp.cCol], val: [1] } : { idx: [lp.uCol[q - 1]!, lp.losers[q - 1]!], val: [1, -1] }

/** A pair θ ≠ θ′ in Θ sharing `P`, for winners S and leader m, or `undefined` when there is none. */
const pairFor = (ctx: Context, s: Supports, inS: ReadonlyArray<boolean>, m: number): { theta: Float64Array; thetaPrime: Float64Array } | undefined => {
  const lp = pairLp(ctx, s, inS, m)
  if (lp === undefined) return undefined
  const { numCols, rows } = lp
  const lower = lp.colLower.slice()
  if (lp.sCol >= 0) {
    const feas = solveLp({ numCols, cost: unit(numCols, lp.sCol), colLower: lp.colLower, colUpper: lp.colUpper, rows, maximize: true })
    if (feas.status !== "optimal" || !(feas.objective > 1e-9)) return undefined
    // Every point of the strict set is a limit of points with margin ≥ s*/2 and the same sign of
    // the Δ-map (convex combinations with the maximiser), so nothing is lost by asking for s*/2.
    lower[lp.sCol] = feas.objective / 2
  } else {
    const feas = solveLp({ numCols, colLower: lp.colLower, colUpper: lp.colUpper, rows })
    if (feas.status !== "optimal") return undefined
  }
  for (let q = 0; q <= lp.losers.length; q++) {
    const { idx, val } = deltaCoefficients(lp, q)
    const cost = new Float64Array(numCols)
    idx.forEach((j, t) => (cost[j] = val[t]!))
    for (const sign of [1, -1]) {
      const r = solveLp({ numCols, cost, colLower: lower, colUpper: lp.colUpper, rows, maximize: sign === 1 })
      if (r.status !== "optimal" || !(sign * r.objective > 1e-7)) continue
      const x = polish(lp, lower, rows, idx, val, sign, Math.abs(r.objective) / 2) ?? r.x
      const theta = x.slice(0, ctx.d)
      const thetaPrime = Float64Array.from(theta, (v, j) => (inS[j] ? v + x[lp.cCol]! : v))
      lp.losers.forEach((k, t) => (thetaPrime[k] = x[lp.uCol[t]!]!))
      return { theta, thetaPrime }
    }
  }
  return undefined
}

/**
 * The same pair with the losers as far below the leader as the LP allows (≤ 1), so rounding in the
 * solver cannot leave a loser a 1e-9 chance of winning.
 */
const polish = (
  lp: PairLp,
  lower: Float64Array,
  rows: ReadonlyArray<LpRow>,
  idx: ReadonlyArray<number>,
  val: ReadonlyArray<number>,
  sign: number,
  at: number
): Float64Array | undefined => {
  const n = lp.numCols + 1
  const t = lp.numCols
  const extra: Array<LpRow> = rows.map((r, q) =>
    lp.loserRows.includes(q) ? { idx: [...Array.from(r.idx), t], val: [...Array.from(r.val), -1], lo: r.lo, hi: Infinity } : r
  )
  extra.push({ idx, val: val.map((v) => sign * v), lo: at, hi: Infinity })
  const colLower = Float64Array.from({ length: n }, (_, j) => (j === t ? 0 : lower[j]!))
  const colUpper = Float64Array.from({ length: n }, (_, j) => (j === t ? 1 : lp.colUpper[j]!))
  const r = solveLp({ numCols: n, cost: unit(n, t), colLower, colUpper, rows: extra, maximize: true })
  return r.status === "optimal" ? r.x.slice(0, lp.numCols) : undefined
}

/**
 * Each coordinate's range on Θ: read off the rows when each touches one coordinate (boxes, pinned),
 * else two LPs per coordinate (d ≤ 100); `undefined` beyond that.
 */
const coordinateRanges = (ctx: Context): { lb: Float64Array; ub: Float64Array } | undefined => {
  const d = ctx.d
  const lb = new Float64Array(d).fill(-Infinity)
  const ub = new Float64Array(d).fill(Infinity)
  if (ctx.sys.cons.every((c) => c.idx.length === 1)) {
    for (const c of ctx.sys.cons) {
      const j = c.idx[0]!
      const v = c.val[0]!
      const r = c.rhs / v
      if (v > 0 || c.eq) ub[j] = Math.min(ub[j]!, r)
      if (v < 0 || c.eq) lb[j] = Math.max(lb[j]!, r)
    }
    return { lb, ub }
  }
  if (d > 100) return undefined
  const rows = ctx.sys.cons.map((c) => ({ idx: c.idx, val: c.val, lo: c.eq ? c.rhs : -Infinity, hi: c.rhs }))
  const free = { colLower: new Float64Array(d).fill(-Infinity), colUpper: new Float64Array(d).fill(Infinity) }
  for (let j = 0; j < d; j++) {
    for (const maximize of [true, false]) {
      const r = solveLp({ numCols: d, cost: unit(d, j), ...free, rows, maximize })
      if (r.status === "optimal") (maximize ? ub : lb)[j] = r.objective
      else if (r.status !== "unbounded") return undefined
    }
  }
  return { lb, ub }
}

const MAX_INSIDE_PAIRS = 600

/**
 * Whether Θ lies inside R: first from each coordinate's range (`ub_j − lb_i < hi_i − lo_j`, enough),
 * then exactly, `max { θ_j − θ_i : θ ∈ Θ } < hi_i − lo_j` for every pair, one LP each.
 */
const insideRegion = (ctx: Context, s: Supports): boolean => {
  const d = ctx.d
  const ranges = coordinateRanges(ctx)
  const below = (v: number, gap: number) => v < gap - 1e-9 * (1 + Math.abs(gap))
  if (ranges !== undefined) {
    const { lb, ub } = ranges
    if (s.width !== undefined) {
      // max over i ≠ j of ub_j − lb_i, from the two largest ub and the two smallest lb.
      let best = -Infinity
      const byUb = Array.from({ length: d }, (_, j) => j).sort((x, y) => ub[y]! - ub[x]!).slice(0, 2)
      const byLb = Array.from({ length: d }, (_, i) => i).sort((x, y) => lb[x]! - lb[y]!).slice(0, 2)
      for (const j of byUb) for (const i of byLb) if (i !== j) best = Math.max(best, ub[j]! - lb[i]!)
      if (below(best, s.width)) return true
    } else if (s.pairs!.every(([i, j]) => below(ub[j]! - lb[i]!, s.hi[i]! - s.lo[j]!))) return true
  }
  const pairs = s.pairs
  if (pairs === undefined || pairs.length > MAX_INSIDE_PAIRS || pairs.length * (ctx.sys.cons.length + 1) > 100_000) return false
  const rows = ctx.sys.cons.map((c) => ({ idx: c.idx, val: c.val, lo: c.eq ? c.rhs : -Infinity, hi: c.rhs }))
  const free = { colLower: new Float64Array(d).fill(-Infinity), colUpper: new Float64Array(d).fill(Infinity) }
  return pairs.every(([i, j]) => {
    const cost = new Float64Array(d)
    cost[j] = 1
    cost[i] = -1
    const r = solveLp({ numCols: d, cost, ...free, rows, maximize: true })
    return r.status === "optimal" && below(r.objective, s.hi[i]! - s.lo[j]!)
  })
}

/** Perturb-Argmax minimality for interval supports once Θ is translation-free, or `undefined`. */
export const sharedProbabilities = (ctx: Context): V.Verdict | undefined => {
  const s = intervalSupports(ctx)
  const d = ctx.d
  if (s === undefined) return undefined
  const region = regionText(s)
  if (insideRegion(ctx, s)) {
    return V.holds(
      BEYOND,
      `beyond the paper: ${FACTS}, with ${region}; max (θ_j − θ_i) over Θ stays below hi_i − lo_j for every pair (one LP each), so Θ ⊂ R and, Θ holding no translation pair, P is one-to-one on Θ`
    )
  }
  if (d > MAX_SUBSET_DIM) return undefined
  // Smaller winner sets first: saturation at a vertex (|S| = 1, Prop 5.4) is the simplest witness.
  const subsets: Array<Array<boolean>> = []
  for (let mask = 1; mask < (1 << d) - 1; mask++) subsets.push(Array.from({ length: d }, (_, j) => ((mask >> j) & 1) === 1))
  subsets.sort((x, y) => x.filter(Boolean).length - y.filter(Boolean).length)
  for (const inS of subsets) {
    for (let m = 0; m < d; m++) {
      if (!inS[m] || !Number.isFinite(s.lo[m]!)) continue
      const pair = pairFor(ctx, s, inS, m)
      if (pair === undefined) continue
      const S = inS.flatMap((b, j) => (b ? [j] : []))
      const losers = inS.flatMap((b, j) => (b ? [] : [j]))
      const { theta, thetaPrime } = pair
      const why = `coordinates ${losers.join(", ")} never win at either point (θ_k + hi_k ≤ θ_${m} + lo_${m}), so P depends only on the winners ${S.join(", ")}`
      if (S.length === 1) {
        return V.fails(
          BEYOND,
          `beyond the paper (Prop 5.4 generalised): ${FACTS}, with ${region}; off R only the coordinates that can win matter. θ = ${show(theta)} and θ′ = ${show(thetaPrime)} lie in Θ and ${why}: coordinate ${m} wins surely, P(θ) = P(θ′) = e_${m}`,
          { _tag: "SaturatedPair", theta: vec(theta), thetaPrime: vec(thetaPrime), winner: m, probs: Array.from({ length: d }, (_, k) => (k === m ? 1 : 0)) }
        )
      }
      const c = thetaPrime[S[0]!]! - theta[S[0]!]!
      return V.fails(
        BEYOND,
        `beyond the paper: ${FACTS}, with ${region}; off R only the coordinates that can win matter. θ = ${show(theta)} and θ′ = ${show(thetaPrime)} lie in Θ and ${why}, on which θ′ = θ + ${fmt(c)}·𝟙; so P(θ) = P(θ′), with zero entries ${losers.join(", ")}`,
        { _tag: "ConstantPair", theta: vec(theta), thetaPrime: vec(thetaPrime) }
      )
    }
  }
  return V.holds(
    BEYOND,
    `beyond the paper: ${FACTS}, with ${region}; off R, P(θ) = P(θ′) iff θ and θ′ have the same winners S and θ_S − θ′_S ∈ span(𝟙). LPs over every proper S and every leader m ∈ S find no two points of Θ so related, so P is one-to-one on Θ`
  )
}
