/**
 * Decisions on a space: its affine hull (implicit equalities included), whether it is affine,
 * whether it is bounded (exactly, by an LP), and whether a point lies in it (relative tolerance).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { DimensionMismatch, InvalidArgument } from "../Errors.js"
import * as Lp from "../Lp.js"
import { guardDense, qrRows } from "./linalg.js"
import type { Space } from "./model.js"
import { structure } from "./structure.js"
import { checkNumber, requireSpace } from "./validate.js"

const solveLp = Lp.solve

/**
 * The affine hull `{point + basis·u : u ∈ ℝ^k}`: `basis` is `d × k` row-major with orthonormal columns.
 *
 * @since 0.1.0
 * @category models
 */
export interface AffineHull {
  readonly point: Float64Array
  readonly basis: Float64Array
  readonly k: number
}

const helmert = (d: number): Float64Array => {
  const k = d - 1
  const out = new Float64Array(d * k)
  for (let j = 1; j <= k; j++) {
    const s = 1 / Math.sqrt(j * (j + 1))
    for (let i = 0; i < j; i++) out[i * k + (j - 1)] = s
    out[j * k + (j - 1)] = -j * s
  }
  return out
}

const unitBasis = (d: number, free: ArrayLike<number>): Float64Array => {
  const k = free.length
  const out = new Float64Array(d * k)
  for (let c = 0; c < k; c++) out[free[c]! * k + c] = 1
  return out
}

const coordCentre = (lo: number, hi: number): number =>
  lo === hi ? lo : Number.isFinite(lo) && Number.isFinite(hi) ? lo + (hi - lo) / 2 : Number.isFinite(lo) ? lo + 1 : Number.isFinite(hi) ? hi - 1 : 0

/**
 * The affine hull of the space, implicit equalities included (a polyhedron with `θ₀ ≤ 0` and
 * `θ₀ ≥ 0` has `θ₀ = 0` in its hull). `point` lies in the relative interior. The basis is dense: for
 * large structured spaces prefer the O(d) parameterisation in `internal/param`.
 *
 * @example
 * ```ts
 * import { Space } from "@perturb/core"
 * const { point, basis, k } = Space.affineHull(Space.zeroSum(3)) // k = 2
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export const affineHull = (space: Space): AffineHull => {
  const s = structure(space)
  const d = s.d
  switch (s.kind) {
    case "reals":
      guardDense(d, d, "affineHull")
      return { point: new Float64Array(d), basis: unitBasis(d, Int32Array.from({ length: d }, (_, j) => j)), k: d }
    case "pinned": {
      guardDense(d, d - 1, "affineHull")
      const point = new Float64Array(d)
      point[s.index] = s.value
      return { point, basis: unitBasis(d, Int32Array.from({ length: d }, (_, j) => j).filter((j) => j !== s.index)), k: d - 1 }
    }
    case "zeroSum":
      guardDense(d, d - 1, "affineHull")
      return { point: new Float64Array(d), basis: helmert(d), k: d - 1 }
    case "coords":
      guardDense(d, s.k, "affineHull")
      return { point: Float64Array.from({ length: d }, (_, j) => coordCentre(s.lo[j]!, s.hi[j]!)), basis: unitBasis(d, s.free), k: s.k }
    case "affine":
    case "radial":
      return { point: Float64Array.from(s.point), basis: Float64Array.from(s.basis), k: s.k }
  }
}

/**
 * Whether the space is an affine subspace (`reals`, `pinned`, `zeroSum`, `affine`, and any
 * polyhedron whose inequalities are all implicit equalities or redundant on its hull).
 *
 * @since 0.1.0
 * @category guards
 */
export const isAffine = (space: Space): boolean => {
  const s = structure(space)
  switch (s.kind) {
    case "reals":
    case "pinned":
    case "zeroSum":
    case "affine":
      return true
    case "coords":
      return Array.from(s.free).every((j) => s.lo[j] === -Infinity && s.hi[j] === Infinity)
    case "radial":
      return false
  }
}

/**
 * Whether the space is bounded. For a polyhedron this is decided exactly: in hull coordinates
 * (where the centre is interior) the recession cone `{z : Gz ≤ 0}` is `{0}` iff `G` has full column
 * rank and some `λ > 0` has `Gᵀλ = 0` (Stiemke's alternative), an LP.
 *
 * @since 0.1.0
 * @category guards
 */
export const isBounded = (space: Space): boolean => {
  const s = structure(space)
  switch (s.kind) {
    case "reals":
    case "pinned":
    case "zeroSum":
      return false
    case "coords":
      return Array.from(s.free).every((j) => Number.isFinite(s.lo[j]!) && Number.isFinite(s.hi[j]!))
    case "affine":
      return s.k === 0
    case "radial": {
      const { k, m, gauge } = s
      const rows = Array.from({ length: m }, (_, p) => gauge.subarray(p * k, (p + 1) * k))
      if (qrRows(k, rows).rank < k) return false
      const res = solveLp({
        numCols: m,
        colLower: new Float64Array(m).fill(1),
        colUpper: new Float64Array(m).fill(Infinity),
        rows: Array.from({ length: k }, (_, c) => ({
          idx: Array.from({ length: m }, (_, p) => p),
          val: Array.from({ length: m }, (_, p) => gauge[p * k + c]!),
          lo: 0,
          hi: 0
        }))
      })
      return res.status === "optimal"
    }
  }
}

const violation = (row: ArrayLike<number>, idx: ArrayLike<number> | undefined, theta: ArrayLike<number>) => {
  let s = 0
  let mag = 0
  for (let t = 0; t < row.length; t++) {
    const v = row[t]! * theta[idx === undefined ? t : idx[t]!]!
    s += v
    mag += Math.abs(v)
  }
  return { s, mag }
}

/**
 * Whether `θ` lies in the space, each constraint `a·θ ≤ β` (or `=`) allowed a violation of
 * `tol · max(1, |β|, Σ|a_i θ_i|)`, so the test is relative to the magnitudes involved.
 *
 * @since 0.1.0
 * @category guards
 */
export const contains = (space: Space, theta: ArrayLike<number>, tol = 1e-9): boolean => {
  requireSpace("space", space)
  if (!Array.isArray(theta) && !(ArrayBuffer.isView(theta) && !(theta instanceof DataView))) {
    throw new InvalidArgument({ argument: "contains.theta", value: theta, reason: "Expected an array of numbers" })
  }
  checkNumber(Schema.Number.check(Schema.isFinite(), Schema.isGreaterThanOrEqualTo(0)), (x) => Number.isFinite(x) && x >= 0, "contains.tol", tol)
  if (theta.length !== space.dim) {
    throw new DimensionMismatch({ argument: "contains.theta.length", expected: space.dim, received: theta.length })
  }
  for (let i = 0; i < theta.length; i++) if (!Number.isFinite(theta[i])) return false
  const le = (s: number, mag: number, beta: number) => s - beta <= tol * Math.max(1, Math.abs(beta), mag)
  const eq = (s: number, mag: number, beta: number) => Math.abs(s - beta) <= tol * Math.max(1, Math.abs(beta), mag)
  const go = (sp: Space): boolean => {
    switch (sp._tag) {
      case "Reals":
        return true
      case "Pinned": {
        const x = theta[sp.index]!
        return eq(x, Math.abs(x), sp.value)
      }
      case "ZeroSum": {
        let s = 0
        let mag = 0
        for (let i = 0; i < theta.length; i++) (s += theta[i]!, mag += Math.abs(theta[i]!))
        return eq(s, mag, 0)
      }
      case "Affine":
        return sp.C.every((r, i) => {
          const v = violation(r, undefined, theta)
          return eq(v.s, v.mag, sp.e[i]!)
        })
      case "Box":
        for (let i = 0; i < theta.length; i++) {
          const x = theta[i]!
          if (!le(x, Math.abs(x), sp.hi[i]!) || !le(-x, Math.abs(x), -sp.lo[i]!)) return false
        }
        return true
      case "Polyhedron":
        return sp.A.every((r, i) => {
          const v = violation(r, undefined, theta)
          return le(v.s, v.mag, sp.b[i]!)
        }) && sp.C.every((r, i) => {
          const v = violation(r, undefined, theta)
          return eq(v.s, v.mag, sp.e[i]!)
        })
      case "Intersection":
        return go(sp.left) && go(sp.right)
    }
  }
  return go(space)
}
