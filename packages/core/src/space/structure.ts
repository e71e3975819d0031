/**
 * What the parameterisation (`internal/param.ts`) and the decisions need from a space, computed once
 * per space: structured kinds keep O(d) forms; a general polyhedron gets its implicit equalities
 * (an LP loop), its affine hull and an interior Chebyshev centre with the gauge rows around it.
 * `reals`, `pinned` and `zeroSum` are recognised by their tag (their bases are closed forms); every
 * other kind, and any new one, is read from its rows through `system`.
 *
 * @since 0.1.0
 */
import { EmptySpace } from "../Errors.js"
import * as Lp from "../Lp.js"
import { allLabels, denseRow, sparse, type System, system, unit } from "./constraints.js"
import { guardDense, norm2, nullBasis, solveEqualities } from "./linalg.js"
import type { Space } from "./model.js"
import { requireSpace } from "./validate.js"

const solveLp = Lp.solve

/**
 * How a space is parameterised. `coords`: independent per-coordinate intervals (fixed where
 * `lo = hi`); `affine`: `point + basis·u`; `radial`: the gauge map of a polyhedron around an interior
 * centre, with `gauge` the `m × k` rows `g_p / h_p` of its non-implicit inequalities in hull
 * coordinates (`g_p·z ≤ h_p`).
 *
 * @internal
 */
export type Structure =
  | { readonly kind: "reals"; readonly d: number; readonly k: number }
  | { readonly kind: "pinned"; readonly d: number; readonly k: number; readonly index: number; readonly value: number }
  | { readonly kind: "zeroSum"; readonly d: number; readonly k: number }
  | {
    readonly kind: "coords"
    readonly d: number
    readonly k: number
    readonly lo: Float64Array
    readonly hi: Float64Array
    /** The non-fixed coordinates, in order. */
    readonly free: Int32Array
  }
  | { readonly kind: "affine"; readonly d: number; readonly k: number; readonly point: Float64Array; readonly basis: Float64Array }
  | {
    readonly kind: "radial"
    readonly d: number
    readonly k: number
    readonly point: Float64Array
    readonly basis: Float64Array
    readonly m: number
    readonly gauge: Float64Array
  }

const stripReals = (space: Space): Space | undefined => {
  if (space._tag === "Reals") return undefined
  if (space._tag !== "Intersection") return space
  const l = stripReals(space.left)
  const r = stripReals(space.right)
  return l === undefined ? r : r === undefined ? l : space
}

const structures = new WeakMap<Space, Structure>()

/** @internal */
export const structure = (space: Space): Structure => {
  requireSpace("space", space)
  const cached = structures.get(space)
  if (cached !== undefined) return cached
  const s = computeStructure(space)
  structures.set(space, s)
  return s
}

const computeStructure = (space: Space): Structure => {
  const d = space.dim
  const core = stripReals(space)
  if (core === undefined) return { kind: "reals", d, k: d }
  if (core._tag === "Pinned") return { kind: "pinned", d, k: d - 1, index: core.index, value: core.value }
  if (core._tag === "ZeroSum") return { kind: "zeroSum", d, k: d - 1 }
  const sys = system(core)
  if (sys.rows.length === 0) {
    const free = Int32Array.from({ length: d }, (_, j) => j).filter((j) => sys.colLo[j]! < sys.colHi[j]!)
    return { kind: "coords", d, k: free.length, lo: sys.colLo, hi: sys.colHi, free }
  }
  return polyhedral(sys)
}

interface Ineq {
  readonly idx: Int32Array
  readonly val: Float64Array
  readonly beta: number
}

const STRICT = 1e-6

/** The system as dense equations and sparse inequalities `a_p·θ ≤ β_p` (two-sided rows split in two). */
const splitRows = (sys: System) => {
  const d = sys.dim
  const eqs: Array<Float64Array> = []
  const rhs: Array<number> = []
  const ineqs: Array<Ineq> = []
  for (const r of sys.rows) {
    if (r.lo === r.hi) (eqs.push(denseRow(d)(r)), rhs.push(r.lo))
    else {
      if (r.hi < Infinity) ineqs.push({ idx: r.idx, val: r.val, beta: r.hi })
      if (r.lo > -Infinity) ineqs.push({ idx: r.idx, val: r.val.map((x) => -x), beta: -r.lo })
    }
  }
  for (let j = 0; j < d; j++) {
    const lo = sys.colLo[j]!
    const hi = sys.colHi[j]!
    if (lo === hi) (eqs.push(Float64Array.from(unit(d, j))), rhs.push(lo))
    else {
      if (hi < Infinity) ineqs.push({ idx: Int32Array.of(j), val: Float64Array.of(1), beta: hi })
      if (lo > -Infinity) ineqs.push({ idx: Int32Array.of(j), val: Float64Array.of(-1), beta: -lo })
    }
  }
  return { eqs, rhs, ineqs }
}

/**
 * Implicit equalities: maximise Σ y_p with a_p·θ + y_p ≤ β_p, 0 ≤ y_p ≤ 1 over the rows not yet
 * known to be strict. Rows reaching y_p > 0 are strict; when none of the rest can, they are all
 * implicit equalities (if one could be slack, the optimum would be positive). Returns which rows are
 * strict (1) and the last LP point.
 */
const strictRows = (
  sys: System,
  eqs: ReadonlyArray<Float64Array>,
  rhs: ReadonlyArray<number>,
  ineqs: ReadonlyArray<Ineq>
): { status: Int8Array; x0: Float64Array } => {
  const d = sys.dim
  const q = ineqs.length
  const status = new Int8Array(q) // 0 unknown, 1 strict
  let x0 = new Float64Array(d)
  const eqRows: Array<Lp.Row> = eqs.map((row, i) => ({ ...sparse(Array.from(row)), lo: rhs[i]!, hi: rhs[i]! }))
  for (;;) {
    const unknown = Array.from({ length: q }, (_, p) => p).filter((p) => status[p] === 0)
    const colLower = new Float64Array(d + q).fill(-Infinity)
    const colUpper = new Float64Array(d + q).fill(Infinity)
    const cost = new Float64Array(d + q)
    for (let p = 0; p < q; p++) {
      colLower[d + p] = 0
      colUpper[d + p] = status[p] === 0 ? 1 : 0
      cost[d + p] = status[p] === 0 ? 1 : 0
    }
    const rows: Array<Lp.Row> = [
      ...eqRows,
      ...ineqs.map((ineq, p) => ({
        idx: [...ineq.idx, d + p],
        val: [...ineq.val, 1],
        lo: -Infinity,
        hi: ineq.beta
      }))
    ]
    const res = solveLp({ numCols: d + q, cost, colLower, colUpper, rows, maximize: true })
    if (res.status !== "optimal") {
      throw new EmptySpace({ constraints: allLabels(sys), reason: `the LP solver reported ${res.status}` })
    }
    x0 = res.x.slice(0, d)
    const fresh = unknown.filter((p) => res.x[d + p]! > STRICT)
    if (unknown.length === 0 || fresh.length === 0) break
    for (const p of fresh) status[p] = 1
  }
  return { status, x0 }
}

interface HullRow {
  readonly g: Float64Array
  readonly slack: number
  readonly norm: number
}

// Chebyshev centre within the hull, radius capped at 1 so an unbounded space still has an optimum;
// the gauge rows are the hull rows scaled by their slack at the centre.
const radial = (d: number, k: number, p0: Float64Array, basis: Float64Array, hullRows: ReadonlyArray<HullRow>): Structure => {
  const cheb = solveLp({
    numCols: k + 1,
    cost: Float64Array.from({ length: k + 1 }, (_, i) => i === k ? 1 : 0),
    colLower: Float64Array.from({ length: k + 1 }, (_, i) => i === k ? 0 : -Infinity),
    colUpper: Float64Array.from({ length: k + 1 }, (_, i) => i === k ? 1 : Infinity),
    rows: hullRows.map((h) => ({
      idx: Array.from({ length: k + 1 }, (_, i) => i),
      val: [...h.g, h.norm],
      lo: -Infinity,
      hi: h.slack
    })),
    maximize: true
  })
  const z = cheb.status === "optimal" ? cheb.x.slice(0, k) : new Float64Array(k)
  const centre = Float64Array.from(p0)
  for (let i = 0; i < d; i++) {
    let s = 0
    for (let c = 0; c < k; c++) s += basis[i * k + c]! * z[c]!
    centre[i] = centre[i]! + s
  }
  const m = hullRows.length
  const gauge = new Float64Array(m * k)
  hullRows.forEach((h, p) => {
    let gz = 0
    for (let c = 0; c < k; c++) gz += h.g[c]! * z[c]!
    const slack = Math.max(h.slack - gz, Number.MIN_VALUE)
    for (let c = 0; c < k; c++) gauge[p * k + c] = h.g[c]! / slack
  })
  return { kind: "radial", d, k, point: centre, basis, m, gauge }
}

const polyhedral = (sys: System): Structure => {
  const d = sys.dim
  guardDense(d, d, "a general polyhedral or affine space")
  const { eqs, rhs, ineqs } = splitRows(sys)
  const q = ineqs.length
  const { status, x0 } = strictRows(sys, eqs, rhs, ineqs)
  for (let p = 0; p < q; p++) {
    if (status[p] === 0) {
      const ineq = ineqs[p]!
      const row = new Float64Array(d)
      ineq.idx.forEach((j, t) => (row[j] = ineq.val[t]!))
      eqs.push(row)
      rhs.push(ineq.beta)
    }
  }

  // The hull: min-norm solution of the equalities plus the null space; the LP point is projected onto
  // it so the hull point is exact, not merely within the LP's tolerance.
  const sol = solveEqualities(d, eqs, rhs)
  const { basis, k } = nullBasis(sol.qr)
  const project = (x: Float64Array): Float64Array => {
    const out = Float64Array.from(sol.x)
    for (let c = 0; c < k; c++) {
      let s = 0
      for (let i = 0; i < d; i++) s += basis[i * k + c]! * (x[i]! - sol.x[i]!)
      for (let i = 0; i < d; i++) out[i] = out[i]! + s * basis[i * k + c]!
    }
    return out
  }
  const p0 = project(x0)

  // Strict inequalities in hull coordinates z: g_p·z ≤ β_p − a_p·p0. Rows constant on the hull are
  // satisfied there with slack and constrain nothing.
  const hullRows: Array<HullRow> = []
  for (let p = 0; p < q; p++) {
    if (status[p] !== 1) continue
    const ineq = ineqs[p]!
    const g = new Float64Array(k)
    let ax = 0
    let an = 0
    ineq.idx.forEach((j, t) => {
      const a = ineq.val[t]!
      ax += a * p0[j]!
      an += a * a
      for (let c = 0; c < k; c++) g[c] = g[c]! + a * basis[j * k + c]!
    })
    const norm = norm2(g)
    if (norm <= 1e-12 * Math.sqrt(an)) continue
    hullRows.push({ g, slack: ineq.beta - ax, norm })
  }
  if (hullRows.length === 0) return { kind: "affine", d, k, point: p0, basis }

  return radial(d, k, p0, basis, hullRows)
}

