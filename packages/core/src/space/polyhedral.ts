/**
 * Decisions read off a space's constraint rows: a point of Θ, the LP form of the rows, the
 * recession cone `K = {h : g·h ≤ 0, g·h = 0 on equations}` (Θ = bounded part + K for a non-empty
 * polyhedron), the chord of Θ along a line, and the coordinates Θ forces equal. `@perturb/analysis`
 * builds its theorems on these instead of a constraint system of its own.
 *
 * @since 0.2.0
 */
import { DimensionMismatch } from "../Errors.js"
import * as Lp from "../Lp.js"
import { interiorPoint } from "./hull.js"
import { type Row, rowsOf, type Space } from "./model.js"
import { structure } from "./structure.js"
import { requireSpace } from "./validate.js"

/**
 * The space's constraints as sparse rows, in the order its constructors gave them (an intersection
 * lists its left part first). `reals`, `pinned`, `zeroSum` and boxes stay O(d); an infinite box
 * bound gives no row. Rows are built afresh on each call, so a caller may keep or change them.
 *
 * @example
 * ```ts
 * import { Polyhedral, Space } from "@perturb/core"
 * Polyhedral.rows(Space.box(0, 1, 2)).map((r) => r.label)
 * // ["box θ[0] ≤ 1", "box θ[0] ≥ 0", "box θ[1] ≤ 1", "box θ[1] ≥ 0"]
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export const rows = (space: Space): Array<Row> => {
  requireSpace("space", space)
  return rowsOf(space)
}

/**
 * The rows as LP rows `lo ≤ g·x ≤ hi` (`lo = rhs` for an equation, `−∞` for an inequality), over
 * the first `d` columns of a problem that may append columns of its own.
 *
 * @example
 * ```ts
 * import { Lp, Polyhedral, Space } from "@perturb/core"
 * const space = Space.polyhedron({ A: [[1, 1]], b: [1] })
 * const inf = new Float64Array(2).fill(Infinity)
 * Lp.solve({ numCols: 2, colLower: inf.map((x) => -x), colUpper: inf, rows: Polyhedral.lpRows(Polyhedral.rows(space)) })
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export const lpRows = (rs: ReadonlyArray<Row>): Array<Lp.Row> =>
  rs.map((r) => ({ idx: r.idx, val: r.val, lo: r.eq ? r.rhs : -Infinity, hi: r.rhs }))

/**
 * The rows of the recession cone `K = {h : g·h ≤ 0, g·h = 0 on equations}`: the same rows with
 * right-hand side 0. A non-empty polyhedron is its bounded part plus `K`.
 *
 * @example
 * ```ts
 * import { Polyhedral, Space } from "@perturb/core"
 * Polyhedral.recessionCone(Polyhedral.rows(Space.box(-1, 1, 2))) // h = 0 only: the box is bounded
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export const recessionCone = (rs: ReadonlyArray<Row>): Array<Row> => rs.map((r) => ({ ...r, rhs: 0 }))

/**
 * A point of the space. Without a solver when the rows are coordinate bounds (the centre of each
 * coordinate's interval, `coordCentre`) or equations (the affine hull's point, exact from linear
 * algebra); otherwise the point HiGHS returns for the feasibility LP.
 *
 * @example
 * ```ts
 * import { Polyhedral, Space } from "@perturb/core"
 * Polyhedral.feasiblePoint(Space.box(0, Infinity, 2)) // Float64Array [1, 1]
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const feasiblePoint = (space: Space): Float64Array => {
  const rs = rows(space)
  if (rs.every((r) => r.bound) || rs.every((r) => r.eq)) return interiorPoint(structure(space))
  const d = space.dim
  const res = Lp.solve({
    numCols: d,
    colLower: new Float64Array(d).fill(-Infinity),
    colUpper: new Float64Array(d).fill(Infinity),
    rows: lpRows(rs)
  })
  // Spaces are checked non-empty when built, so an LP failure here is the solver's, not the space's.
  if (res.status !== "optimal") throw new Error(`HiGHS could not find a point of the space (${res.status})`)
  return res.x
}

/**
 * The interval `[lo, hi]` of `t` with `point + t·direction` inside every inequality row, for a
 * `point` of the space and a `direction` along its affine hull (equations are not checked: they
 * hold along the whole line). Rows `direction` barely moves are skipped.
 *
 * @example
 * ```ts
 * import { Polyhedral, Space } from "@perturb/core"
 * const rs = Polyhedral.rows(Space.box(-1, 2, 2))
 * Polyhedral.chord(rs, [0, 0], [1, 0]) // { lo: -1, hi: 2 }
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export const chord = (
  rs: ReadonlyArray<Row>,
  point: ArrayLike<number>,
  direction: ArrayLike<number>
): {
  /** The least `t` (≤ 0, `-Infinity` when unbounded that way). */
  lo: number
  /** The greatest `t` (≥ 0, `Infinity` when unbounded that way). */
  hi: number
} => {
  if (direction.length !== point.length) {
    throw new DimensionMismatch({ argument: "chord.direction.length", expected: point.length, received: direction.length })
  }
  let lo = -Infinity
  let hi = Infinity
  for (const c of rs) {
    if (c.eq) continue
    let gu = 0
    let gx = 0
    let mag = 0
    c.idx.forEach((j, t) => {
      gu += c.val[t]! * direction[j]!
      gx += c.val[t]! * point[j]!
      mag += Math.abs(c.val[t]!)
    })
    if (Math.abs(gu) <= 1e-12 * mag) continue
    const slack = Math.max(0, c.rhs - gx)
    if (gu > 0) hi = Math.min(hi, slack / gu)
    else lo = Math.max(lo, slack / gu)
  }
  return { lo, hi }
}

/**
 * Groups of coordinates with `θ_i = θ_j` on all of Θ, read off an affine hull (`Space.affineHull`):
 * coordinates whose hull point and basis rows agree (to `1e-9`, relative for the point). O(d·k).
 *
 * @example
 * ```ts
 * import { Polyhedral, Space } from "@perturb/core"
 * Polyhedral.equalCoordinates(Space.affineHull(Space.affine({ C: [[1, -1, 0]], e: [0] }))) // [[0, 1]]
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export const equalCoordinates = (
  hull: { readonly point: Float64Array; readonly basis: Float64Array; readonly k: number }
): Array<Array<number>> => {
  const { point, basis, k } = hull
  const d = point.length
  if (basis.length !== d * k) throw new DimensionMismatch({ argument: "hull.basis.length", expected: d * k, received: basis.length })
  let scale = 1
  for (const x of point) scale = Math.max(scale, Math.abs(x))
  // Bucket rows by two fixed projections, then confirm equality entry by entry: O(d·k).
  const r1 = Float64Array.from({ length: k }, (_, c) => Math.sin(c + 1))
  const r2 = Float64Array.from({ length: k }, (_, c) => Math.cos(2 * c + 1))
  const buckets = new Map<string, Array<number>>()
  for (let i = 0; i < d; i++) {
    let a = 0
    let b = 0
    for (let c = 0; c < k; c++) (a += basis[i * k + c]! * r1[c]!, b += basis[i * k + c]! * r2[c]!)
    const key = `${Math.round(point[i]! / (1e-9 * scale))},${Math.round(a * 1e8)},${Math.round(b * 1e8)}`
    const g = buckets.get(key)
    if (g === undefined) buckets.set(key, [i])
    else g.push(i)
  }
  const rowsEqual = (i: number, j: number): boolean => {
    if (Math.abs(point[i]! - point[j]!) > 1e-9 * scale) return false
    for (let c = 0; c < k; c++) if (Math.abs(basis[i * k + c]! - basis[j * k + c]!) > 1e-9) return false
    return true
  }
  const groups: Array<Array<number>> = []
  for (const g of buckets.values()) {
    if (g.length < 2) continue
    const first = g[0]!
    const same = g.filter((j) => rowsEqual(first, j))
    if (same.length >= 2) groups.push(same)
  }
  return groups
}
