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
import { rowsOf, type Space } from "./model.js"
import { type Structure, structure } from "./structure.js"
import { checkNumber, requireSpace } from "./validate.js"

const solveLp = Lp.solve

/**
 * The affine hull `{point + basis·u : u ∈ ℝ^k}`: `basis` is `d × k` row-major with orthonormal columns.
 *
 * @example
 * import { Space } from "@perturb/core"
 * const hull: Space.AffineHull = Space.affineHull(Space.pinned(3)) // θ₀ = 0: dimension 2
 * @since 0.1.0
 * @category models
 */
export interface AffineHull {
  /** A point of the hull. */
  readonly point: Float64Array
  /** Its directions: `d × k` row-major, orthonormal columns. */
  readonly basis: Float64Array
  /** Its dimension. */
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

/**
 * The centre of the interval `[lo, hi]` when it is bounded, a point one unit inside a half-line,
 * `0` on the whole line: a coordinate of a relative-interior point of a box.
 *
 * @example
 * ```ts
 * import { Polyhedral } from "@perturb/core"
 * Polyhedral.coordCentre(0, Infinity) // 1
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const coordCentre = (lo: number, hi: number): number =>
  lo === hi ? lo : Number.isFinite(lo) && Number.isFinite(hi) ? lo + (hi - lo) / 2 : Number.isFinite(lo) ? lo + 1 : Number.isFinite(hi) ? hi - 1 : 0

/** A relative-interior point: closed forms for the O(d) kinds, the structure's centre otherwise. */
export const interiorPoint = (s: Structure): Float64Array => {
  switch (s.kind) {
    case "reals":
    case "zeroSum":
      return new Float64Array(s.d)
    case "pinned": {
      const point = new Float64Array(s.d)
      point[s.index] = s.value
      return point
    }
    case "coords":
      return Float64Array.from({ length: s.d }, (_, j) => coordCentre(s.lo[j]!, s.hi[j]!))
    case "affine":
    case "radial":
      return Float64Array.from(s.point)
  }
}

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
  const all = () => Int32Array.from({ length: d }, (_, j) => j)
  if (s.kind === "affine" || s.kind === "radial") return { point: interiorPoint(s), basis: Float64Array.from(s.basis), k: s.k }
  guardDense(d, s.kind === "coords" ? s.k : s.kind === "reals" ? d : d - 1, "affineHull")
  const basis = s.kind === "zeroSum"
    ? helmert(d)
    : unitBasis(d, s.kind === "coords" ? s.free : s.kind === "pinned" ? all().filter((j) => j !== s.index) : all())
  return { point: interiorPoint(s), basis, k: s.k }
}

/**
 * Whether the space is an affine subspace (`reals`, `pinned`, `zeroSum`, `affine`, and any
 * polyhedron whose inequalities are all implicit equalities or redundant on its hull).
 *
 * @example
 * import { Space } from "@perturb/core"
 * Space.isAffine(Space.zeroSum(3)) // true
 * Space.isAffine(Space.box(-1, 1, 3)) // false
 * @since 0.1.0
 * @category guards
 */
export const isAffine = (space: Space): boolean => {
  const s = structure(space)
  if (s.kind === "coords") return Array.from(s.free).every((j) => s.lo[j] === -Infinity && s.hi[j] === Infinity)
  return s.kind !== "radial"
}

/**
 * Whether the space is bounded. For a polyhedron this is decided exactly: in hull coordinates
 * (where the centre is interior) the recession cone `{z : Gz ≤ 0}` is `{0}` iff `G` has full column
 * rank and some `λ > 0` has `Gᵀλ = 0` (Stiemke's alternative), an LP.
 *
 * @example
 * import { Space } from "@perturb/core"
 * Space.isBounded(Space.box(-1, 1, 3)) // true
 * Space.isBounded(Space.pinned(3)) // false
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

/**
 * Whether `θ` lies in the space, each constraint `a·θ ≤ β` (or `=`) allowed a violation of
 * `tol · max(1, |β|, Σ|a_i θ_i|)`, so the test is relative to the magnitudes involved.
 *
 * @example
 * import { Space } from "@perturb/core"
 * Space.contains(Space.pinned(3), [0, 1, 2]) // true
 * Space.contains(Space.pinned(3), [1, 1, 2]) // false: θ₀ must be 0
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
  return rowsOf(space).every((r) => {
    let s = 0
    let mag = 0
    for (let t = 0; t < r.idx.length; t++) {
      const v = r.val[t]! * theta[r.idx[t]!]!
      s += v
      mag += Math.abs(v)
    }
    const allowed = tol * Math.max(1, Math.abs(r.rhs), mag)
    return r.eq ? Math.abs(s - r.rhs) <= allowed : s - r.rhs <= allowed
  })
}
