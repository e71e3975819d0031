/**
 * Dense float64 linear algebra for the hull: Householder QR of `Eᵀ` with column pivoting, which gives
 * the rank of a set of equations, an exactly orthonormal basis of their null space, and the
 * minimum-norm solution through the pivoted equations.
 *
 * @since 0.1.0
 */
import { InvalidArgument } from "../Errors.js"

// Dense bases are d × k; past this many entries a structured fast path is the only sane route.
const DENSE_LIMIT = 2 ** 25

export const guardDense = (d: number, k: number, what: string): void => {
  if (d * Math.max(k, 1) > DENSE_LIMIT) {
    throw new InvalidArgument({
      argument: "space",
      value: `Space<${d}>`,
      reason: `${what} needs a dense ${d}×${k} basis; only reals, pinned, zero-sum and coordinate boxes have O(d) forms`
    })
  }
}

export interface QR {
  readonly d: number
  readonly rank: number
  /** Householder vectors, one per pivot step. */
  readonly vs: ReadonlyArray<Float64Array>
  /** Pivot order: `pivots[j]` is the equation eliminated at step j. */
  readonly pivots: ReadonlyArray<number>
  /** `R[j]` holds the transformed equation `pivots[j]` (entries 0..j meaningful). */
  readonly R: ReadonlyArray<Float64Array>
}

export const norm2 = (x: ArrayLike<number>): number => {
  let s = 0
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!
  return Math.sqrt(s)
}

// QR of Eᵀ: the pivoted rows of E span the row space, and the trailing Householder columns span
// its orthogonal complement, i.e. null(E), with exactly orthonormal columns.
export const qrRows = (d: number, rows: ReadonlyArray<Float64Array>): QR => {
  const cols = rows.map((r) => Float64Array.from(r))
  const m = cols.length
  const scale = cols.reduce((mx, c) => Math.max(mx, norm2(c)), 1)
  const tol = 1e-10 * scale
  const vs: Array<Float64Array> = []
  const pivots: Array<number> = []
  const R: Array<Float64Array> = []
  const remaining = new Set<number>(Array.from({ length: m }, (_, i) => i))
  for (let j = 0; j < Math.min(d, m); j++) {
    let best = -1
    let bestNorm = tol
    for (const c of remaining) {
      let s = 0
      const col = cols[c]!
      for (let i = j; i < d; i++) s += col[i]! * col[i]!
      const n = Math.sqrt(s)
      if (n > bestNorm) (best = c, bestNorm = n)
    }
    if (best < 0) break
    remaining.delete(best)
    const x = cols[best]!
    const alpha = x[j]! >= 0 ? -bestNorm : bestNorm
    const v = new Float64Array(d)
    for (let i = j; i < d; i++) v[i] = x[i]!
    v[j] = v[j]! - alpha
    const vv = v.reduce((s, t) => s + t * t, 0)
    const reflect = (y: Float64Array) => {
      let dot = 0
      for (let i = j; i < d; i++) dot += v[i]! * y[i]!
      const f = (2 * dot) / vv
      for (let i = j; i < d; i++) y[i] = y[i]! - f * v[i]!
    }
    reflect(x)
    for (const c of remaining) reflect(cols[c]!)
    vs.push(v)
    pivots.push(best)
    R.push(x)
  }
  return { d, rank: vs.length, vs, pivots, R }
}

// Q·y for y given in the Householder basis: apply H_{r−1} … H_0 in reverse.
const applyQ = (qr: QR, y: Float64Array): Float64Array => {
  for (let j = qr.rank - 1; j >= 0; j--) {
    const v = qr.vs[j]!
    let dot = 0
    let vv = 0
    for (let i = j; i < qr.d; i++) (dot += v[i]! * y[i]!, vv += v[i]! * v[i]!)
    const f = (2 * dot) / vv
    for (let i = j; i < qr.d; i++) y[i] = y[i]! - f * v[i]!
  }
  return y
}

/** Orthonormal basis of `null(E)` as a row-major `d × k` array. */
export const nullBasis = (qr: QR): { basis: Float64Array; k: number } => {
  const d = qr.d
  const k = d - qr.rank
  guardDense(d, k, "the affine hull")
  const basis = new Float64Array(d * k)
  for (let c = 0; c < k; c++) {
    const y = new Float64Array(d)
    y[qr.rank + c] = 1
    applyQ(qr, y)
    for (let i = 0; i < d; i++) basis[i * k + c] = y[i]!
  }
  return { basis, k }
}

interface EqSolution {
  readonly x: Float64Array
  readonly qr: QR
  readonly residual: number
  readonly violated: ReadonlyArray<number>
  readonly pivots: ReadonlyArray<number>
}

/** The minimum-norm solution of `E x = f` through the pivoted equations, and which others it breaks. */
export const solveEqualities = (d: number, E: ReadonlyArray<Float64Array>, f: ReadonlyArray<number>): EqSolution => {
  const qr = qrRows(d, E)
  const y = new Float64Array(d)
  for (let j = 0; j < qr.rank; j++) {
    const col = qr.R[j]!
    let s = f[qr.pivots[j]!]!
    for (let i = 0; i < j; i++) s -= col[i]! * y[i]!
    y[j] = s / col[j]!
  }
  const x = applyQ(qr, y)
  const violated: Array<number> = []
  let residual = 0
  E.forEach((row, i) => {
    let s = 0
    let mag = Math.abs(f[i]!)
    for (let t = 0; t < d; t++) (s += row[t]! * x[t]!, mag += Math.abs(row[t]! * x[t]!))
    const r = Math.abs(s - f[i]!)
    residual = Math.max(residual, r)
    if (r > 1e-9 * Math.max(1, mag)) violated.push(i)
  })
  return { x, qr, residual, violated, pivots: qr.pivots }
}
