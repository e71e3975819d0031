/**
 * A space's constraints, two ways: the dense canonical form `{θ : Aθ ≤ b, Cθ = e}` handed to users,
 * and the sparse labelled system the decisions run on, where single-coordinate constraints become
 * column bounds and everything else a row. Labels name the constructor that contributed each
 * constraint, so `EmptySpace` can say which ones conflict.
 *
 * @since 0.1.0
 */
import type { Space, Vector } from "./model.js"
import { requireSpace } from "./validate.js"

// ---------------------------------------------------------------------------------------------
// Canonical polyhedral form
// ---------------------------------------------------------------------------------------------

/**
 * The dense form `{θ : Aθ ≤ b, Cθ = e}`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Canonical {
  readonly A: Array<Array<number>>
  readonly b: Array<number>
  readonly C: Array<Array<number>>
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
  const d = space.dim
  switch (space._tag) {
    case "Reals":
      return { A: [], b: [], C: [], e: [] }
    case "Pinned":
      return { A: [], b: [], C: [unit(d, space.index)], e: [space.value] }
    case "ZeroSum":
      return { A: [], b: [], C: [new Array<number>(d).fill(1)], e: [0] }
    case "Affine":
      return { A: [], b: [], C: space.C.map((r) => [...r]), e: [...space.e] }
    case "Box": {
      const A: Array<Array<number>> = []
      const b: Array<number> = []
      for (let i = 0; i < d; i++) {
        if (space.hi[i]! < Infinity) (A.push(unit(d, i)), b.push(space.hi[i]!))
        if (space.lo[i]! > -Infinity) (A.push(unit(d, i, -1)), b.push(-space.lo[i]! + 0))
      }
      return { A, b, C: [], e: [] }
    }
    case "Polyhedron":
      return { A: space.A.map((r) => [...r]), b: [...space.b], C: space.C.map((r) => [...r]), e: [...space.e] }
    case "Intersection": {
      const l = canonical(space.left)
      const r = canonical(space.right)
      return { A: [...l.A, ...r.A], b: [...l.b, ...r.b], C: [...l.C, ...r.C], e: [...l.e, ...r.e] }
    }
  }
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

export const sparse = (row: Vector): { idx: Int32Array; val: Float64Array } => {
  let n = 0
  for (const x of row) if (x !== 0) n++
  const idx = new Int32Array(n)
  const val = new Float64Array(n)
  let k = 0
  row.forEach((x, j) => {
    if (x !== 0) (idx[k] = j, val[k++] = x)
  })
  return { idx, val }
}

const tighten = (s: System, j: number, lo: number, hi: number, loLabel: string, hiLabel: string) => {
  if (lo > s.colLo[j]!) (s.colLo[j] = lo, s.loLabel[j] = loLabel)
  if (hi < s.colHi[j]!) (s.colHi[j] = hi, s.hiLabel[j] = hiLabel)
}

const collect = (space: Space, s: System): void => {
  switch (space._tag) {
    case "Reals":
      return
    case "Pinned": {
      const label = `pinned θ[${space.index}] = ${space.value}`
      return tighten(s, space.index, space.value, space.value, label, label)
    }
    case "ZeroSum": {
      const idx = new Int32Array(space.dim).map((_, j) => j)
      s.rows.push({ idx, val: new Float64Array(space.dim).fill(1), lo: 0, hi: 0, label: "zero-sum Σθ = 0" })
      return
    }
    case "Affine":
      space.C.forEach((r, i) =>
        s.rows.push({ ...sparse(r), lo: space.e[i]!, hi: space.e[i]!, label: `affine C[${i}]·θ = ${space.e[i]}` })
      )
      return
    case "Box":
      for (let j = 0; j < space.dim; j++) {
        tighten(s, j, space.lo[j]!, space.hi[j]!, `box θ[${j}] ≥ ${space.lo[j]}`, `box θ[${j}] ≤ ${space.hi[j]}`)
      }
      return
    case "Polyhedron":
      space.A.forEach((r, i) =>
        s.rows.push({ ...sparse(r), lo: -Infinity, hi: space.b[i]!, label: `polyhedron A[${i}]·θ ≤ ${space.b[i]}` })
      )
      space.C.forEach((r, i) =>
        s.rows.push({ ...sparse(r), lo: space.e[i]!, hi: space.e[i]!, label: `polyhedron C[${i}]·θ = ${space.e[i]}` })
      )
      return
    case "Intersection":
      collect(space.left, s)
      collect(space.right, s)
  }
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
  collect(space, s)
  return s
}

export const denseRow = (d: number) => (r: Row): Float64Array => {
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

