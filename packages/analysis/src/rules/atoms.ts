/**
 * Perturb-Argmax with atoms (issue #13, class 4), beyond the paper: independent coordinates, each
 * either discrete (finitely many atoms) or continuous with a positive density on all of ℝ — the
 * "mixtures" of atoms and densities across coordinates, all-discrete noise included.
 *
 * The facts the decisions rest on (each reason states the one it uses):
 * - `∂M(θ) = E conv{e_i : i ∈ argmax(θ+γ)}` (subdifferential of an expectation of finite convex
 *   functions). A tie has positive probability only between two discrete coordinates, `θ_i + a =
 *   θ_j + b = L` (atoms `a`, `b`), and it is at the maximum with positive probability iff every
 *   other discrete coordinate can lie at or below `L` (`θ_k + lo_k ≤ L`); continuous coordinates of
 *   full support always can. These "active" pieces of the kink hyperplanes `θ_i − θ_j = b − a` are
 *   where `∂M` is not one vector; its vertices are `P_σ(θ)`, the probabilities with ties broken by
 *   a priority order σ.
 * - `M` is affine on a segment `[θ, θ + u]` iff for almost every γ one index is a maximiser along the
 *   whole segment. Near a point, that forces `u_i = u_j` along every edge of the graph G(θ): two
 *   continuous coordinates; a continuous and a discrete coordinate that is not *dead* (dead: some
 *   other discrete coordinate is surely above it, `θ_k″ + lo_k″ > θ_k + hi_k`); an active tie.
 *   With a continuous coordinate, G(θ) is one component plus the dead coordinates as singletons.
 * - Two points share a subgradient iff `M` is affine on the segment between them (and then every
 *   point inside it has the same `∂M`): so minimality ⇔ no segment of Θ on which `M` is affine.
 *
 * docs/math.md §3 says "∂M is piecewise constant between the finitely many kink hyperplanes
 * θ_i − θ_j = a − a′". That holds for all-discrete noise only: with a density in some coordinate P
 * moves continuously between the kinks; and the kinks are not whole hyperplanes but their active
 * parts, for pairs of coordinates that both have atoms.
 */
import { Numeric } from "@perturb/noise"
import { Polyhedral, Space } from "@perturb/core"
import * as V from "../Verdict.js"
import { fmt, polytope, show } from "../internal/format.js"
import { type LpRow, solveLp } from "../internal/lp.js"
import { type Atoms, atomsOf, oneSided, potentialByEnumeration, same } from "../internal/noise.js"
import type { Context } from "./engine.js"
import { outsideImage, vec } from "./premises.js"

export const REF = "Atoms (docs/math.md §3, beyond the paper)"

/** The noise as atoms and full-support densities by coordinate; `undefined` outside that class. */
export interface Mixture {
  readonly d: number
  readonly atoms: ReadonlyArray<Atoms | undefined>
  readonly discrete: ReadonlyArray<number>
  readonly continuous: ReadonlyArray<number>
  readonly lo: ReadonlyArray<number>
  readonly hi: ReadonlyArray<number>
}

/** Limits on the enumerations: beyond them the verdict is `undecided`, saying so. */
const MAX_LPS = 600
const MAX_STEPS = 200_000
const MAX_TIED = 6
const MAX_SUBSET_COORDS = 12
const MAX_DENSE_D = 256

export const mixtureOf = (ctx: Context): Mixture | undefined => {
  const n = ctx.noise
  if (!n.independent) return undefined
  const atoms: Array<Atoms | undefined> = []
  const discrete: Array<number> = []
  const continuous: Array<number> = []
  const lo: Array<number> = []
  const hi: Array<number> = []
  for (let k = 0; k < n.d; k++) {
    const law = n.laws[k]!
    const raw = atomsOf(law)
    if (raw !== undefined) {
      // Atoms of weight 0 never occur: they neither tie nor win.
      const keep = raw.atoms.map((_, t) => t).filter((t) => raw.weights[t]! > 0)
      const at = { atoms: keep.map((t) => raw.atoms[t]!), weights: keep.map((t) => raw.weights[t]!) }
      if (at.atoms.length === 0) return undefined
      atoms.push(at)
      discrete.push(k)
      lo.push(Math.min(...at.atoms))
      hi.push(Math.max(...at.atoms))
    } else {
      if (!(law.traits.kind === "continuous" && law.traits.densityPositive)) return undefined
      atoms.push(undefined)
      continuous.push(k)
      lo.push(-Infinity)
      hi.push(Infinity)
    }
  }
  return discrete.length === 0 ? undefined : { d: n.d, atoms, discrete, continuous, lo, hi }
}

// ---------------------------------------------------------------------------------------------
// Probabilities and subdifferentials at a point
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Space helpers: membership of Θ + span(𝟙), with the certificate when a point is outside it
// ---------------------------------------------------------------------------------------------

type Outside = { readonly normal: Array<number>; readonly bound: number; readonly value: number; readonly constraints: Array<string> }

/**
 * Whether `θ + α𝟙 ∈ Θ` for some α: each row bounds α on one side (or not at all when `g·𝟙 = 0`), so
 * this is an interval; when it is empty one row, or two rows combined with `a·𝟙 = 0`, certify
 * `a·θ > bound ≥ a·θ′` for every θ′ ∈ Θ.
 */
export const modOne = (ctx: Context, theta: ArrayLike<number>): { readonly inside: true } | ({ readonly inside: false } & Outside) => {
  let low = -Infinity
  let lowRow: { g: Array<number>; rhs: number; label: string } | undefined
  let up = Infinity
  let upRow: typeof lowRow
  const d = ctx.d
  const dense = (idx: ArrayLike<number>, val: ArrayLike<number>, sg: number) => {
    const g = new Array<number>(d).fill(0)
    for (let t = 0; t < idx.length; t++) g[idx[t]!] = sg * val[t]!
    return g
  }
  for (const c of ctx.sys.cons) {
    for (const sg of c.eq ? [1, -1] : [1]) {
      let gx = 0
      let mag = Math.abs(c.rhs)
      for (let t = 0; t < c.idx.length; t++) (gx += sg * c.val[t]! * theta[c.idx[t]!]!, mag += Math.abs(c.val[t]! * theta[c.idx[t]!]!))
      const rhs = sg * c.rhs
      const s = sg * c.sum
      const tol = 1e-9 * Math.max(1, mag)
      if (s === 0) {
        if (gx > rhs + tol) {
          const g = dense(c.idx, c.val, sg)
          return { inside: false, normal: g, bound: rhs, value: gx, constraints: [c.label] }
        }
        continue
      }
      const v = (rhs - gx) / s
      const row = { g: dense(c.idx, c.val, sg), rhs, label: c.label }
      if (s > 0 && v < up) (up = v, upRow = row)
      if (s < 0 && v > low) (low = v, lowRow = row)
    }
  }
  if (!(low > up + 1e-9 * (1 + Math.abs(low) + Math.abs(up)))) return { inside: true }
  // a = s₂·g₁ + (−s₁)·g₂ has a·𝟙 = 0 and non-negative multipliers.
  const s1 = lowRow!.g.reduce((x, y) => x + y, 0)
  const s2 = upRow!.g.reduce((x, y) => x + y, 0)
  const a = lowRow!.g.map((x, k) => s2 * x - s1 * upRow!.g[k]!)
  const bound = s2 * lowRow!.rhs - s1 * upRow!.rhs
  const scale = Math.max(...a.map(Math.abs))
  const normal = a.map((x) => x / scale)
  return {
    inside: false,
    normal,
    bound: bound / scale,
    value: normal.reduce((acc, x, k) => acc + x * theta[k]!, 0),
    constraints: [...new Set([lowRow!.label, upRow!.label])]
  }
}

/** Whether `s·e_k` is a recession direction of Θ + span(𝟙): some α with `s·e_k + α𝟙` in the cone. */
const recedesModOne = (ctx: Context, k: number, s: 1 | -1): boolean => {
  let low = -Infinity
  let up = Infinity
  for (const c of ctx.sys.cons) {
    let gk = 0
    for (let t = 0; t < c.idx.length; t++) if (c.idx[t] === k) gk += s * c.val[t]!
    const tiny = 1e-12 * Math.max(1, ...Array.from(c.val, Math.abs))
    for (const sg of c.eq ? [1, -1] : [1]) {
      const g = sg * gk
      const sum = sg * c.sum
      if (sum === 0) {
        if (g > tiny) return false
        continue
      }
      const v = -g / sum
      if (sum > 0) up = Math.min(up, v)
      else low = Math.max(low, v)
    }
  }
  return !(low > up + 1e-12 * (1 + Math.abs(low) + Math.abs(up)))
}

const allRows = (ctx: Context): Array<LpRow> => Polyhedral.lpRows(ctx.sys.cons)

/** Whether θ lies in Θ to rounding (equations exactly as stored). */
const inside = (ctx: Context, theta: ArrayLike<number>): boolean => Space.contains(ctx.space, theta, 1e-12)

/** θ rounded to the coarsest grid (1, ½, ¼, 0.1) that keeps `ok`, or θ itself. */
const nice = (theta: ArrayLike<number>, ok: (x: Array<number>) => boolean): Array<number> => {
  for (const g of [1, 0.5, 0.25, 0.1]) {
    const x = Array.from(theta, (v) => Math.round(v / g) * g)
    if (ok(x)) return x.map((v) => Number(v.toPrecision(12)))
  }
  return vec(theta)
}

// ---------------------------------------------------------------------------------------------
// Identifiability: does Θ meet the active part of a kink hyperplane?
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Minimality with a continuous coordinate: a segment of Θ along which only dead coordinates move
// ---------------------------------------------------------------------------------------------

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
      const w = deadPair(ctx, mix, W, hull.point, res.x.slice(0, d), S, doms)
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

// ---------------------------------------------------------------------------------------------
// Completeness: every p ∈ ri Δ has its parameters in Θ + span(𝟙)
// ---------------------------------------------------------------------------------------------

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
