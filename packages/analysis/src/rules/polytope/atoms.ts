/**
 * Independent discrete noise over a polytope, exactly: M(θ) = Σ_a w_a max_{y∈Y} ⟨θ + σa, y⟩ over the
 * finitely many atom combinations a, so ∂M(θ) = Σ_a w_a conv A_a(θ), A_a(θ) the maximisers at θ + σa
 * (docs/perturbed.md §4). A kink is a θ where some A_a has two points; between kinks P is constant.
 */
import { Polyhedral, Space } from "@perturb/core"
import { lineThrough } from "../../internal/space.js"
import { allAtoms, dot, ENUMERATION_LIMIT, genericDirection, type PolytopeContext } from "./context.js"

export interface Combination {
  readonly shift: Float64Array
  readonly weight: number
}

/** Every atom combination with positive weight, or `undefined` when there are too many. */
export const combinations = (ctx: PolytopeContext, vertexCount: number): Array<Combination> | undefined => {
  const at = allAtoms(ctx)
  if (at === undefined) return undefined
  let count = vertexCount
  for (const a of at) if ((count *= a.atoms.length) > ENUMERATION_LIMIT) return undefined
  const out: Array<Combination> = []
  const shift = new Float64Array(ctx.d)
  const visit = (k: number, w: number): void => {
    if (w <= 0) return
    if (k === ctx.d) return void out.push({ shift: Float64Array.from(shift), weight: w })
    at[k]!.atoms.forEach((x, t) => {
      shift[k] = ctx.sigma * x
      visit(k + 1, w * at[k]!.weights[t]!)
    })
  }
  visit(0, 1)
  return out
}

const TIE = 1e-10

/** The indices of the maximisers of ⟨z, y⟩ over Y, ties at relative rounding level. */
export const maximisers = (z: ArrayLike<number>, Y: ReadonlyArray<Float64Array>): Array<number> => {
  const values = Y.map((y) => dot(z, y))
  const best = Math.max(...values)
  const tol = TIE * Math.max(1, Math.abs(best), ...Array.from(z, Math.abs))
  return values.flatMap((v, k) => (v >= best - tol ? [k] : []))
}

const plus = (x: ArrayLike<number>, y: ArrayLike<number>): Float64Array => Float64Array.from(x, (v, i) => v + y[i]!)

/** M(θ), exactly (a sum over the combinations). */
export const potential = (theta: ArrayLike<number>, Y: ReadonlyArray<Float64Array>, combos: ReadonlyArray<Combination>): number =>
  combos.reduce((acc, c) => acc + c.weight * Math.max(...Y.map((y) => dot(plus(theta, c.shift), y))), 0)

/** One-sided derivatives of M along e_j: Σ_a w_a min / max of y_j over A_a(θ) (Danskin). */
export const oneSidedAlong = (theta: ArrayLike<number>, j: number, Y: ReadonlyArray<Float64Array>, combos: ReadonlyArray<Combination>) => {
  let left = 0
  let right = 0
  for (const c of combos) {
    const ys = maximisers(plus(theta, c.shift), Y).map((k) => Y[k]![j]!)
    left += c.weight * Math.min(...ys)
    right += c.weight * Math.max(...ys)
  }
  return { left, right }
}

export interface Kink {
  readonly theta: Float64Array
  readonly coordinate: number
  readonly left: number
  readonly right: number
  readonly potential: number
}

const kinkAt = (theta: Float64Array, Y: ReadonlyArray<Float64Array>, combos: ReadonlyArray<Combination>): Kink | undefined => {
  for (const c of combos) {
    const A = maximisers(plus(theta, c.shift), Y)
    if (A.length < 2) continue
    const j = Y[A[0]!]!.findIndex((v, i) => A.some((k) => Y[k]![i] !== v))
    if (j < 0) continue
    const { left, right } = oneSidedAlong(theta, j, Y, combos)
    if (right > left + 1e-12) return { theta, coordinate: j, left, right, potential: potential(theta, Y, combos) }
  }
  return undefined
}

/**
 * A kink of M in Θ: the relative-interior point, then, along one line through Θ, every point where a
 * combination's two vertices tie.
 */
export const findPolytopeKink = (ctx: PolytopeContext, Y: ReadonlyArray<Float64Array>, combos: ReadonlyArray<Combination>): Kink | undefined => {
  const { point, line } = lineThrough(ctx.space, ctx.sys)
  const first = kinkAt(point, Y, combos)
  if (first !== undefined || line === undefined) return first
  const ts = new Set<number>()
  for (const c of combos) {
    const z = plus(point, c.shift)
    for (let p = 0; p < Y.length && ts.size < ENUMERATION_LIMIT; p++) {
      for (let q = p + 1; q < Y.length; q++) {
        const delta = Y[p]!.map((v, i) => v - Y[q]![i]!)
        const slope = dot(line.direction, delta)
        if (Math.abs(slope) < 1e-12) continue
        const t = -dot(z, delta) / slope
        if (t >= line.lo && t <= line.hi) ts.add(t)
      }
    }
  }
  for (const t of ts) {
    const theta = point.map((x, i) => x + t * line.direction[i]!)
    if (!Space.contains(ctx.space, theta)) continue
    const k = kinkAt(theta, Y, combos)
    if (k !== undefined) return k
  }
  return undefined
}

/** Every combination has one maximiser at θ, the same as at θ′: then P(θ) = P(θ′) exactly. */
const sameCell = (theta: ArrayLike<number>, thetaPrime: ArrayLike<number>, Y: ReadonlyArray<Float64Array>, combos: ReadonlyArray<Combination>): boolean =>
  combos.every((c) => {
    const a = maximisers(plus(theta, c.shift), Y)
    const b = maximisers(plus(thetaPrime, c.shift), Y)
    return a.length === 1 && b.length === 1 && a[0] === b[0]
  })

/**
 * Two points θ ≠ θ′ of Θ in one cell of the kink arrangement (so P(θ) = P(θ′)), on a line through
 * the relative-interior point along a generic direction of aff Θ: a hull direction alone (e.g. e_1 on
 * the pinned space) keeps other coordinates tied, and ties are kinks. The caller has checked that aff
 * Θ meets L only in 0, so θ′ − θ ∉ L.
 */
export const constantPair = (ctx: PolytopeContext, Y: ReadonlyArray<Float64Array>, combos: ReadonlyArray<Combination>): { theta: Float64Array; thetaPrime: Float64Array } | undefined => {
  const hull = ctx.hull()
  if (hull.k === 0) return undefined
  const { point } = hull
  const direction = genericDirection(hull, ctx.d)
  const { lo, hi } = Polyhedral.chord(ctx.sys.cons, point, direction)
  const span = Math.min(hi - lo, 2)
  if (!(span > 0)) return undefined
  const start = Number.isFinite(lo) ? lo : Number.isFinite(hi) ? hi - span : -span / 2
  const at = (s: number) => point.map((x, i) => x + s * direction[i]!)
  // Offsets at irrational-looking fractions avoid the kinks, which sit at rational combinations of the atoms.
  for (const f of [0.5, 0.3183, 0.6931, 0.1415, 0.8862]) {
    for (const eps of [1e-2, 1e-4, 1e-6]) {
      const theta = at(start + f * span)
      const thetaPrime = at(start + (f + eps) * span)
      if (!Space.contains(ctx.space, theta) || !Space.contains(ctx.space, thetaPrime)) continue
      if (sameCell(theta, thetaPrime, Y, combos)) return { theta, thetaPrime }
    }
  }
  return undefined
}
