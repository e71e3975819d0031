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
 * Consequences, each decided by linear programs:
 * - complete ⇔ `R ⊆ Θ + span(𝟙)`. The projection `Θ + span(𝟙)` is one Fourier–Motzkin step (it
 *   eliminates the single variable t in `θ − t𝟙 ∈ Θ`), and each of its rows `a·x ≤ β` (with
 *   `a·𝟙 = 0`) is checked by one LP `sup { a·x : x ∈ R̄ } ≤ β`.
 * - minimal ⇔ Θ holds no translation pair and, for no proper `S` and `m ∈ S` attaining `L`, two
 *   points with winners S that differ by `c𝟙` on S (and anyhow off S). For each `(S, m)` the pairs
 *   form a polyhedron with some strict rows; it holds a pair with `θ ≠ θ′` iff the linear map
 *   `(c, θ′_{S^c} − θ_{S^c})` is not identically 0 on it — at most `2(1 + |S^c|)` LPs.
 *
 * docs/math.md §3 says minimality fails iff "two points of Θ saturate to one p"; the exact condition is
 * the one above, which also counts pairs that differ only in coordinates that never win (c = 0:
 * Θ = {θ₀ = θ₁ = 0, θ₂ ≤ −1.5} with Uniform[0,1] gives P = (½, ½, 0) throughout), and the i.i.d.
 * width condition generalises to R for per-coordinate supports.
 *
 * Perturb-Softmax is untouched by a bounded support: softmax is interior, bounded noise has a finite
 * mean, and F is strictly convex modulo 𝟙 for every noise, so Thm 4.1 and Thm 4.3 decide it.
 */
import { exactProbs64, Model, Space } from "@perturb/core"
import { type Law, Noise } from "@perturb/noise"
import * as V from "../Verdict.js"
import { fmt, show } from "../internal/format.js"
import { type LpRow, solveLp } from "../internal/lp.js"
import type { Context } from "./engine.js"
import { vec } from "./premises.js"

export const BEYOND = "Beyond the paper (docs/math.md §3)"

/** Beyond this many rows of R (d ≈ 140 for i.i.d. bounded noise) the LPs below are not tried. */
const MAX_REGION_ROWS = 20_000
/** The most (rows of Θ + span(𝟙)) × (rows of R) that completeness spends LPs on. */
const MAX_COVER_WORK = 300_000

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

const regionText = (s: Supports): string =>
  s.width !== undefined
    ? `R = {max θ − min θ < ${fmt(s.width)}} (the support width)`
    : `R = {θ_i + hi_i > θ_j + lo_j for all i ≠ j} (supports ${s.lo.slice(0, 6).map((l, i) => `[${fmt(l)}, ${fmt(s.hi[i]!)}]`).join(", ")}${s.lo.length > 6 ? ", …" : ""})`

const FACTS = "P(θ) ∈ ri Δ exactly on R, where coordinate i wins with positive probability iff θ_i + hi_i > max_k (θ_k + lo_k); on R, P is one-to-one modulo 𝟙 (every edge of M's Hessian Laplacian is positive there, Thm 5.3's argument) and onto ri Δ (dom M* = Δ)"

/** A point strictly inside R: `θ_i = −(a point inside γ_i's support)`. */
const centre = (s: Supports): Float64Array =>
  Float64Array.from(s.lo, (l, i) => {
    const h = s.hi[i]!
    const mid = Number.isFinite(l) && Number.isFinite(h) ? (l + h) / 2 : Number.isFinite(l) ? l + 1 : Number.isFinite(h) ? h - 1 : 0
    return mid === 0 ? 0 : -mid
  })

// ---------------------------------------------------------------------------------------------
// Completeness: R ⊆ Θ + span(𝟙)
// ---------------------------------------------------------------------------------------------

interface ShadowRow {
  readonly a: Float64Array
  readonly beta: number
  readonly eq: boolean
  readonly labels: ReadonlyArray<string>
}

const MAX_SHADOW_ROWS = 4000

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

// ---------------------------------------------------------------------------------------------
// Minimality: no two points of Θ with the same winners S and θ_S equal modulo 𝟙_S
// ---------------------------------------------------------------------------------------------

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
