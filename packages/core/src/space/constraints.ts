/**
 * Two views of a space's rows (`rowsOf` in `model.ts`, the one description of its constraints): the
 * dense canonical form `{θ : Aθ ≤ b, Cθ = e}` handed to users, and the labelled LP system the
 * decisions run on, where the coordinate bounds of pinned and box spaces become column bounds and
 * every other row stays a row. Labels name the constructor that contributed each constraint, so
 * `EmptySpace` can say which ones conflict.
 *
 * @since 0.1.0
 */
import { rowsOf, type Space, sparse } from "./model.js"
import { requireSpace } from "./validate.js"

export { sparse }

// ---------------------------------------------------------------------------------------------
// Canonical polyhedral form
// ---------------------------------------------------------------------------------------------

/**
 * The dense form `{θ : Aθ ≤ b, Cθ = e}`.
 *
 * @example
 * import { Space } from "@perturb/core"
 * const c: Space.Canonical = Space.canonical(Space.box(-1, 1, 2)) // the space as rows a·θ ≤ β and a·θ = β
 * @since 0.1.0
 * @category models
 */
export interface Canonical {
  /** Inequality rows: Aθ ≤ b. */
  readonly A: Array<Array<number>>
  /** Their right-hand sides. */
  readonly b: Array<number>
  /** Equality rows: Cθ = e. */
  readonly C: Array<Array<number>>
  /** Their right-hand sides. */
  readonly e: Array<number>
}

export const unit = (d: number, i: number, s = 1): Array<number> => {
  const row = new Array<number>(d).fill(0)
  row[i] = s
  return row
}

/**
 * The space as `{θ : Aθ ≤ b, Cθ = e}` (dense, built on demand; an intersection concatenates its
 * parts). Box bounds become rows `θ_i ≤ hi_i` and `−θ_i ≤ −lo_i` for the finite ones.
 *
 * @example
 * ```ts
 * import { Space } from "@perturb/core"
 * Space.canonical(Space.pinned(2)) // { A: [], b: [], C: [[1, 0]], e: [0] }
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export const canonical = (space: Space): Canonical => {
  requireSpace("space", space)
  const dense = denseRow(space.dim)
  const out: Canonical = { A: [], b: [], C: [], e: [] }
  // `+ 0`: a box's `θ_i ≥ 0` is the row `−θ_i ≤ −0`, written with a plain zero.
  for (const r of rowsOf(space)) {
    if (r.eq) (out.C.push(Array.from(dense(r))), out.e.push(r.rhs + 0))
    else (out.A.push(Array.from(dense(r))), out.b.push(r.rhs + 0))
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Sparse constraint system (internal): single-coordinate constraints as column bounds, the rest as rows
// ---------------------------------------------------------------------------------------------

/** @internal */
export interface Row {
  readonly idx: Int32Array
  readonly val: Float64Array
  readonly lo: number
  readonly hi: number
  readonly label: string
}

/** @internal */
export interface System {
  readonly dim: number
  readonly rows: Array<Row>
  readonly colLo: Float64Array
  readonly colHi: Float64Array
  readonly loLabel: Array<string | undefined>
  readonly hiLabel: Array<string | undefined>
}

const tighten = (s: System, j: number, lo: number, hi: number, label: string) => {
  if (lo > s.colLo[j]!) (s.colLo[j] = lo, s.loLabel[j] = label)
  if (hi < s.colHi[j]!) (s.colHi[j] = hi, s.hiLabel[j] = label)
}

/** @internal */
export const system = (space: Space): System => {
  requireSpace("space", space)
  const d = space.dim
  const s: System = {
    dim: d,
    rows: [],
    colLo: new Float64Array(d).fill(-Infinity),
    colHi: new Float64Array(d).fill(Infinity),
    loLabel: new Array<string | undefined>(d),
    hiLabel: new Array<string | undefined>(d)
  }
  for (const r of rowsOf(space)) {
    if (!r.bound) s.rows.push({ idx: r.idx, val: r.val, lo: r.eq ? r.rhs : -Infinity, hi: r.rhs, label: r.label })
    else if (r.eq) tighten(s, r.idx[0]!, r.rhs, r.rhs, r.label)
    else if (r.val[0]! > 0) tighten(s, r.idx[0]!, -Infinity, r.rhs, r.label)
    else tighten(s, r.idx[0]!, -r.rhs, Infinity, r.label)
  }
  return s
}

export const denseRow = (d: number) => (r: { readonly idx: Int32Array; readonly val: Float64Array }): Float64Array => {
  const out = new Float64Array(d)
  r.idx.forEach((j, k) => (out[j] = r.val[k]!))
  return out
}

export const allLabels = (s: System): Array<string> => {
  const out = new Set<string>()
  for (let j = 0; j < s.dim; j++) {
    if (s.loLabel[j] !== undefined) out.add(s.loLabel[j]!)
    if (s.hiLabel[j] !== undefined) out.add(s.hiLabel[j]!)
  }
  for (const r of s.rows) out.add(r.label)
  return [...out]
}

