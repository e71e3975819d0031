/**
 * Minimality with atoms and a continuous coordinate: a segment of Θ along which only dead
 * coordinates move. (The facts are in `./mixture.ts`'s header.)
 */
import { Polyhedral, Space } from "@perturb/core"
import * as V from "../../Verdict.js"
import { fmt, show } from "../../internal/format.js"
import { type LpRow, solveLp } from "../../internal/lp.js"
import { same } from "../../internal/noise.js"
import type { Context } from "../engine.js"
import { vec } from "../premises.js"
import { MAX_DENSE_D, MAX_LPS, MAX_SUBSET_COORDS, type Mixture, mixtureOf, REF } from "./mixture.js"
import { allRows, inside } from "./space.js"

/**
 * Gauss–Jordan elimination of the rows `rows` of the column-major d × m matrix `W` (partial
 * pivoting): the reduced rows and the pivot columns, whose count is the rank.
 */
const reduce = (W: ReadonlyArray<Float64Array>, rows: ReadonlyArray<number>): { M: Array<Float64Array>; pivots: Array<number> } => {
  const m = W.length
  const M = rows.map((r) => Float64Array.from({ length: m }, (_, c) => W[c]![r]!))
  const pivots: Array<number> = []
  for (let c = 0; c < m && pivots.length < M.length; c++) {
    const top = pivots.length
    let piv = -1
    let best = 1e-9
    for (let r = top; r < M.length; r++) if (Math.abs(M[r]![c]!) > best) (best = Math.abs(M[r]![c]!), piv = r)
    if (piv < 0) continue
    ;[M[top], M[piv]] = [M[piv]!, M[top]!]
    const p = M[top]![c]!
    for (let q = 0; q < m; q++) M[top]![q] = M[top]![q]! / p
    for (let r = 0; r < M.length; r++) {
      const f = r === top ? 0 : M[r]![c]!
      if (f !== 0) for (let q = 0; q < m; q++) M[r]![q] = M[r]![q]! - f * M[top]![q]!
    }
    pivots.push(c)
  }
  return { M, pivots }
}

const rankOf = (W: ReadonlyArray<Float64Array>, rows: ReadonlyArray<number>): number => reduce(W, rows).pivots.length

/** A vector x with `W_rows x = 0` and `W x ≠ 0` (W column-major), or undefined. */
const kernelVector = (W: ReadonlyArray<Float64Array>, rows: ReadonlyArray<number>): Float64Array | undefined => {
  const m = W.length
  const { M, pivots } = reduce(W, rows)
  const d = W[0]!.length
  for (let free = 0; free < m; free++) {
    if (pivots.includes(free)) continue
    const x = new Float64Array(m)
    x[free] = 1
    pivots.forEach((c, r) => (x[c] = -M[r]![free]!))
    let norm = 0
    for (let i = 0; i < d; i++) {
      let v = 0
      for (let c = 0; c < m; c++) v += W[c]![i]! * x[c]!
      norm = Math.max(norm, Math.abs(v))
    }
    if (norm > 1e-9) return x
  }
  return undefined
}

const subsets = function*(xs: ReadonlyArray<number>): Generator<Array<number>> {
  const n = xs.length
  for (let size = 1; size <= n; size++) {
    const pick = (start: number, acc: Array<number>): Array<Array<number>> =>
      acc.length === size ? [acc] : xs.slice(start).flatMap((x, s) => pick(start + s + 1, [...acc, x]))
    yield* pick(0, [])
  }
}

const products = (choices: ReadonlyArray<ReadonlyArray<number>>): Array<Array<number>> =>
  choices.reduce<Array<Array<number>>>((acc, c) => acc.flatMap((p) => c.map((x) => [...p, x])), [[]])

/**
 * Minimality of Perturb-Argmax for a mixture with at least one continuous coordinate (Θ already
 * translation-free): fails iff Θ has a segment along which only dead coordinates move relative to
 * the rest — iff for some set S of discrete coordinates (a) Θ has a point where every k ∈ S is dead
 * and (b) `(L + span 𝟙) ∩ ℝ^S ≠ {0}` (L the directions of Θ). (a) is an LP per choice of dominators;
 * only minimal S with (b) need checking, since (a) only gets harder as S grows.
 */
export const minimality = (ctx: Context): V.Verdict | undefined => {
  const mix = mixtureOf(ctx)
  if (mix === undefined || mix.continuous.length === 0) return undefined
  const D = mix.discrete
  const connected =
    "— beyond the paper: with a continuous coordinate of full support, M is affine on a segment only if the segment moves nothing but dead discrete coordinates (one surely below another discrete coordinate, θ_k + hi_k < θ_k″ + lo_k″) relative to the others; a point where two points' subdifferentials meet makes M affine between them"
  if (D.length < 2) {
    return V.holds(REF, `only coordinate ${D[0]} has atoms, so no coordinate is ever dead and M is strictly convex modulo 𝟙 ${connected}; with Θ translation-free, P is one-to-one on Θ`)
  }
  const d = ctx.d
  const base = allRows(ctx)
  const spans = ctx.spanning().holds
  if (!spans && D.length * (D.length - 1) > MAX_LPS) {
    return V.undecided(REF, `Θ may hold a segment moving only coordinates that lose surely (one discrete coordinate surely below another); finding which of the ${D.length} discrete coordinates can lose surely takes one LP per ordered pair, more than the ${MAX_LPS} this analysis allows — open here`)
  }
  const found = dominatorsOf(ctx, mix, base, spans)
  if (!("dominators" in found)) return found
  const { dominators, lps } = found
  const K = [...dominators.keys()]
  if (K.length === 0) {
    return V.holds(REF, `no discrete coordinate can lose surely anywhere in Θ (max over Θ of θ_q − θ_k ≤ hi_k − lo_q for every pair, ${lps} LPs), so M is strictly convex on Θ ${connected}; with Θ translation-free, P is one-to-one`)
  }
  if (d > MAX_DENSE_D) {
    return V.undecided(REF, `coordinates ${K.slice(0, 6).join(", ")}${K.length > 6 ? ", …" : ""} can lose surely at points of Θ; whether Θ moves them alone modulo 𝟙 along a segment needs dense linear algebra in d = ${d}, beyond this analysis's limit (d ≤ ${MAX_DENSE_D}) — open here`)
  }
  let hull: Space.AffineHull
  try {
    hull = Space.affineHull(ctx.space)
  } catch {
    return V.undecided(REF, "the affine hull of Θ could not be formed, so the directions along which only surely-losing coordinates move were not searched; open here")
  }
  const W: Array<Float64Array> = []
  for (let c = 0; c < hull.k; c++) W.push(Float64Array.from({ length: d }, (_, i) => hull.basis[i * hull.k + c]!))
  W.push(new Float64Array(d).fill(1))
  const rankAll = spans ? d : rankOf(W, Array.from({ length: d }, (_, i) => i))
  // With L + span(𝟙) = ℝ^d every single coordinate moves alone modulo 𝟙: larger sets add nothing.
  const full = rankAll === d
  if (!full && K.length > MAX_SUBSET_COORDS) {
    return V.undecided(REF, `coordinates ${K.slice(0, 6).join(", ")}${K.length > 6 ? ", …" : ""} can lose surely at points of Θ; whether Θ moves a set of them alone modulo 𝟙 along a segment is a search over their ${K.length} subsets, beyond this analysis's limit (${MAX_SUBSET_COORDS} coordinates) — open here`)
  }
  return deadSegment(ctx, mix, { W, centre: hull.point, base, K, dominators, full, rankAll, lps, connected })
}

/**
 * For each discrete coordinate k, the discrete coordinates q that lie surely above it somewhere in Θ
 * (`θ_q + lo_q > θ_k + hi_k`), with the number of LPs spent; `undecided` when HiGHS fails.
 */
const dominatorsOf = (
  ctx: Context,
  mix: Mixture,
  base: Array<LpRow>,
  spans: boolean
): V.Verdict | { readonly dominators: Map<number, Array<number>>; readonly lps: number } => {
  const D = mix.discrete
  const d = ctx.d
  // Where Θ + span(𝟙) = ℝ^d every difference θ_q − θ_k is unbounded on Θ; otherwise one LP each.
  const dominators = new Map<number, Array<number>>()
  let lps = 0
  for (const k of D) {
    for (const q of D) {
      if (q === k) continue
      let dies = spans
      if (!spans) {
        lps++
        const cost = new Float64Array(d)
        cost[q] = 1
        cost[k] = -1
        const res = solveLp({ numCols: d, cost, colLower: new Float64Array(d).fill(-Infinity), colUpper: new Float64Array(d).fill(Infinity), rows: base, maximize: true })
        if (res.status === "failed") return V.undecided(REF, `HiGHS could not maximise θ_${q} − θ_${k} over Θ, so whether coordinate ${k} can lose surely is open here`)
        const gap = mix.hi[k]! - mix.lo[q]!
        dies = res.status === "unbounded" || (res.status === "optimal" && res.objective > gap + 1e-9 * (1 + Math.abs(gap)))
      }
      if (dies) dominators.set(k, [...(dominators.get(k) ?? []), q])
    }
  }
  return { dominators, lps }
}

/** What the search over sets S of surely-losing coordinates starts from (see `minimality`). */
interface Search {
  /** The directions of Θ and then 𝟙, as the columns of a column-major matrix. */
  readonly W: ReadonlyArray<Float64Array>
  /** A relative-interior point of Θ. */
  readonly centre: Float64Array
  readonly base: Array<LpRow>
  /** The coordinates that can lose surely, each with the coordinates that can lie surely above it. */
  readonly K: ReadonlyArray<number>
  readonly dominators: ReadonlyMap<number, ReadonlyArray<number>>
  /** Whether `L + span(𝟙) = ℝ^d`, and the rank of `L + span(𝟙)`. */
  readonly full: boolean
  readonly rankAll: number
  /** LPs spent so far, against `MAX_LPS`. */
  readonly lps: number
  readonly connected: string
}

/**
 * The search of `minimality` over the minimal sets S with (b): one LP per choice of dominators for
 * (a), then the witness pair along a direction only S takes.
 */
const deadSegment = (ctx: Context, mix: Mixture, search: Search): V.Verdict => {
  const { W, centre, base, K, dominators, full, rankAll, connected } = search
  const D = mix.discrete
  const d = ctx.d
  let lps = search.lps
  const good: Array<Array<number>> = []
  let blurred = false
  for (const S of subsets(K)) {
    if (good.some((g) => g.every((k) => S.includes(k)))) continue
    if (full && S.length > 1) break
    // Not every discrete coordinate can lose surely at once: the one with the highest lowest level never does.
    if (S.length === D.length) continue
    const rest = Array.from({ length: d }, (_, i) => i).filter((i) => !S.includes(i))
    if (!full && rankOf(W, rest) === rankAll) continue
    good.push(S)
    for (const doms of products(S.map((k) => dominators.get(k)!))) {
      if (++lps > MAX_LPS) {
        return V.undecided(REF, `deciding whether Θ has a segment moving only surely-losing coordinates needs more than ${MAX_LPS} LPs (one per choice of dominating coordinates); open here`)
      }
      // Column d is the common margin m ∈ [0, 1] by which each k ∈ S lies below its dominator.
      const margins = S.map((k, s) => ({ idx: [doms[s]!, k, d], val: [1, -1, -1], lo: mix.hi[k]! - mix.lo[doms[s]!]!, hi: Infinity }))
      const lower = new Float64Array(d + 1).fill(-Infinity)
      const upper = new Float64Array(d + 1).fill(Infinity)
      lower[d] = 0
      upper[d] = 1
      const objective = new Float64Array(d + 1)
      objective[d] = 1
      const res = solveLp({ numCols: d + 1, cost: objective, colLower: lower, colUpper: upper, rows: [...base, ...margins], maximize: true })
      if (res.status === "failed") blurred = true
      if (res.status !== "optimal" || !(res.x[d]! > 1e-7)) continue
      const w = deadPair(ctx, mix, W, centre, res.x.slice(0, d), S, doms)
      if (w !== undefined) return w
      blurred = true
    }
  }
  if (blurred) {
    return V.undecided(REF, "a linear program finds points of Θ where some coordinates lose surely, but no pair of points along a direction only they take could be checked exactly; open here")
  }
  return V.holds(
    REF,
    `no segment of Θ moves only surely-losing coordinates ${connected}; checked every set S of the coordinates that can lose surely somewhere in Θ (${K.join(", ")}) that Θ's directions can move alone modulo 𝟙 (${good.length === 0 ? "none" : good.map((s) => `{${s.join(", ")}}`).join(", ")}) against the points of Θ where all of S lose surely (${lps} LP${lps === 1 ? "" : "s"} in all), so M is strictly convex on Θ and P is one-to-one`
  )
}

/** The witness pair: a relative-interior point where S is dead, moved along a direction only S takes. */
const deadPair = (
  ctx: Context,
  mix: Mixture,
  W: ReadonlyArray<Float64Array>,
  centre: Float64Array,
  x: Float64Array,
  S: ReadonlyArray<number>,
  doms: ReadonlyArray<number>
): V.Verdict | undefined => {
  const d = ctx.d
  const margin = (th: ArrayLike<number>, s: number) => th[doms[s]!]! + mix.lo[doms[s]!]! - th[S[s]!]! - mix.hi[S[s]!]!
  // Blend towards a relative-interior point so the segment can run both ways inside Θ.
  let lambda = 0.5
  S.forEach((_, s) => {
    const mx = margin(x, s)
    const mc = margin(centre, s)
    if (mc < mx / 2) lambda = Math.min(lambda, mx / (2 * (mx - mc)))
  })
  const theta = Array.from(x, (v, i) => (1 - lambda) * v + lambda * centre[i]!)
  const rest = Array.from({ length: d }, (_, i) => i).filter((i) => !S.includes(i))
  const kv = kernelVector(W, rest)
  if (kv === undefined) return undefined
  const m = W.length - 1
  const u = Array.from({ length: d }, (_, i) => {
    let v = 0
    for (let c = 0; c < m; c++) v += W[c]![i]! * kv[c]!
    return v
  })
  const { lo, hi } = Polyhedral.chord(ctx.sys.cons, theta, u)
  const slopes = S.map((k, s) => u[doms[s]!]! - u[k]!)
  const sign = slopes.every((z) => z >= -1e-12) ? 1 : slopes.every((z) => z <= 1e-12) ? -1 : 1
  let limit = sign === 1 ? hi : -lo
  S.forEach((_, s) => {
    const z = sign * slopes[s]!
    if (z < -1e-12) limit = Math.min(limit, margin(theta, s) / (2 * -z))
  })
  if (!(limit > 0)) return undefined
  const t = sign * Math.min(1, limit / 2)
  const thetaPrime = theta.map((v, i) => v + t * u[i]!)
  const ok = (a: Array<number>, b: Array<number>) =>
    inside(ctx, a) && inside(ctx, b) && S.every((_, s) => margin(a, s) > 0 && margin(b, s) > 0) &&
    rest.every((i) => same(b[i]! - a[i]!, b[rest[0]!]! - a[rest[0]!]!)) && S.some((k) => !same(b[k]! - a[k]!, b[rest[0]!]! - a[rest[0]!]!))
  let pair: [Array<number>, Array<number>] = [theta, thetaPrime]
  for (const g of [1, 0.5, 0.25, 0.1]) {
    const r = (y: Array<number>) => y.map((v) => Number((Math.round(v / g) * g).toPrecision(12)))
    if (ok(r(theta), r(thetaPrime))) {
      pair = [r(theta), r(thetaPrime)]
      break
    }
  }
  if (!ok(pair[0], pair[1])) return undefined
  const [a, b] = pair
  const who = S.map((k, s) => `θ_${k} + ${fmt(mix.hi[k]!)} < θ_${doms[s]} + ${fmt(mix.lo[doms[s]!]!)}`).join(", ")
  return V.fails(
    REF,
    `coordinate${S.length === 1 ? "" : "s"} ${S.join(", ")} never win${S.length === 1 ? "s" : ""} at θ = ${show(a)} or θ′ = ${show(b)} (${who} at both), and θ′ − θ is constant off ${S.length === 1 ? "it" : "them"}: the maximum is taken among the other coordinates, whose differences are the same at θ and θ′, so P(θ) = P(θ′) (and ∂M(θ) = ∂M(θ′)) — beyond the paper: the atoms make a coordinate lose surely, the saturation of Prop 5.4 for one coordinate`,
    { _tag: "ConstantPair", theta: vec(a), thetaPrime: vec(b) }
  )
}
