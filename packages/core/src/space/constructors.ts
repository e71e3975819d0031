/**
 * The space constructors, each beside its kind's record: the constraint rows the kind stands for
 * (with the labels messages use) and its JSON form. Each constructor validates its arguments (typed
 * errors naming them) and proves the space non-empty before returning it: affine systems by a
 * least-squares solve, anything with inequalities by an LP. Structured constructors stay O(1) in
 * memory.
 *
 * @since 0.1.0
 */
import { DimensionMismatch, EmptySpace, InvalidArgument } from "../Errors.js"
import { denseRow, system } from "./constraints.js"
import { ensureNonEmpty } from "./feasibility.js"
import { solveEqualities } from "./linalg.js"
import {
  type Affine,
  type Box,
  coordinate,
  defineKind,
  type Intersection,
  isSpace,
  type JsonBound,
  make,
  type Matrix,
  type Pinned,
  type Polyhedron,
  type Reals,
  row,
  rowsInto,
  type Space,
  sparse,
  type Vector,
  type ZeroSum
} from "./model.js"
import { check, checkBound, checkDim, checkMatrix, checkVector, Finite, Index, requireObject } from "./validate.js"

const RealsKind = defineKind<"Reals">({
  rows: () => {},
  toJson: (s) => ({ _tag: "Reals", dim: s.dim })
})

/**
 * `ℝ^d`.
 *
 * @example
 * ```ts
 * import { Space } from "@perturb/core"
 * const space = Space.reals(3) // Space<3>
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const reals = <D extends number>(d: D): Space<D> => make<Reals<D>>(RealsKind, { _tag: "Reals", dim: checkDim("reals.d", d) })

const PinnedKind = defineKind<"Pinned">({
  rows: (s, out) => {
    out.push(row(coordinate(s.index, 1), s.value, true, `pinned θ[${s.index}] = ${s.value}`, true))
  },
  toJson: (s) => ({ _tag: "Pinned", dim: s.dim, index: s.index, value: s.value })
})

/**
 * `{θ : θ[index] = value}`; the defaults give the paper's pinned space (first coordinate zero).
 *
 * @example
 * ```ts
 * import { Space } from "@perturb/core"
 * const space = Space.pinned(10)                      // θ₀ = 0, a Space<10>
 * const last = Space.pinned(10, { index: 9, value: 1 })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const pinned = <D extends number>(
  d: D,
  options?: { readonly index?: number; readonly value?: number }
): Space<D> => {
  const dim = checkDim("pinned.d", d)
  if (options !== undefined) requireObject("pinned.options", options, "{ index?, value? }")
  const index = check(Index, "pinned.index", options?.index ?? 0)
  if (index >= dim) {
    throw new InvalidArgument({ argument: "pinned.index", value: index, reason: `Expected an index below d = ${dim}` })
  }
  const value = check(Finite, "pinned.value", options?.value ?? 0)
  return make<Pinned<D>>(PinnedKind, { _tag: "Pinned", dim, index, value })
}

const ZeroSumKind = defineKind<"ZeroSum">({
  rows: (s, out) => {
    const all = { idx: Int32Array.from({ length: s.dim }, (_, j) => j), val: new Float64Array(s.dim).fill(1) }
    out.push(row(all, 0, true, "zero-sum Σθ = 0"))
  },
  toJson: (s) => ({ _tag: "ZeroSum", dim: s.dim })
})

/**
 * `{θ : Σ θ_i = 0}`.
 *
 * @example
 * ```ts
 * import { Space } from "@perturb/core"
 * const space = Space.zeroSum(4)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const zeroSum = <D extends number>(d: D): Space<D> =>
  make<ZeroSum<D>>(ZeroSumKind, { _tag: "ZeroSum", dim: checkDim("zeroSum.d", d) })

const widthOf = (argument: string, rows: unknown, dim: unknown): number => {
  if (dim !== undefined) return checkDim(`${argument}.dim`, dim)
  const first: unknown = Array.isArray(rows) ? rows[0] : undefined
  if (first === undefined) {
    throw new InvalidArgument({ argument: `${argument}.dim`, value: dim, reason: "Needed when the constraint matrices have no rows" })
  }
  const n = Array.isArray(first) || ArrayBuffer.isView(first) ? (first as ArrayLike<unknown>).length : NaN
  return checkDim(`${argument}.C[0].length`, n)
}

const AffineKind = defineKind<"Affine">({
  rows: (s, out) => {
    s.C.forEach((r, q) => out.push(row(sparse(r), s.e[q]!, true, `affine C[${q}]·θ = ${s.e[q]}`)))
  },
  toJson: (s) => ({ _tag: "Affine", dim: s.dim, C: s.C, e: s.e })
})

/**
 * `{θ : Cθ = e}`; `dim` is only needed when `C` has no rows. An inconsistent system throws
 * `EmptySpace` naming the equations involved.
 *
 * @example
 * ```ts
 * import { Space } from "@perturb/core"
 * const tied = Space.affine({ C: [[1, -1, 0]], e: [0] }) // θ₀ = θ₁ in ℝ³
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const affine = <D extends number = number>(spec: {
  readonly C: Matrix
  readonly e: Vector
  readonly dim?: D
}): Space<D> => {
  requireObject("affine", spec, "{ C, e, dim? }")
  const dim = widthOf("affine", spec.C, spec.dim)
  const C = checkMatrix("affine.C", spec.C, dim)
  const e = checkVector("affine.e", spec.e, C.length)
  const space = make<Affine<D>>(AffineKind, { _tag: "Affine", dim, C, e })
  const sys = system(space)
  const sol = solveEqualities(dim, sys.rows.map(denseRow(dim)), sys.rows.map((r) => r.lo))
  if (sol.violated.length > 0) {
    const involved = [...new Set([...sol.pivots, ...sol.violated])].sort((a, b) => a - b)
    throw new EmptySpace({
      constraints: involved.map((i) => sys.rows[i]!.label),
      reason: `the equations are inconsistent (residual ${sol.residual.toPrecision(3)})`
    })
  }
  return space
}

const expand = (argument: string, value: unknown, dim: number | undefined): { xs: Vector; dim: number | undefined } => {
  if (typeof value === "number" || (typeof value !== "object" || value === null)) {
    const x = checkBound(argument, value)
    return { xs: dim === undefined ? [] : new Array<number>(dim).fill(x), dim }
  }
  const arr = Array.from(value as ArrayLike<unknown>)
  if (dim !== undefined && arr.length !== dim) {
    throw new DimensionMismatch({ argument: `${argument}.length`, expected: dim, received: arr.length })
  }
  return { xs: arr.map((x, i) => checkBound(`${argument}[${i}]`, x)), dim: arr.length }
}

const jsonBound = (x: number): JsonBound => x === Infinity ? "Infinity" : x === -Infinity ? "-Infinity" : x

const bounds = (xs: Vector): JsonBound | ReadonlyArray<JsonBound> => {
  const first = xs[0] ?? 0
  return xs.every((x) => x === first) ? jsonBound(first) : xs.map(jsonBound)
}

const BoxKind = defineKind<"Box">({
  rows: (s, out) => {
    for (let j = 0; j < s.dim; j++) {
      if (s.hi[j]! < Infinity) out.push(row(coordinate(j, 1), s.hi[j]!, false, `box θ[${j}] ≤ ${s.hi[j]}`, true))
      if (s.lo[j]! > -Infinity) out.push(row(coordinate(j, -1), -s.lo[j]!, false, `box θ[${j}] ≥ ${s.lo[j]}`, true))
    }
  },
  toJson: (s) => ({ _tag: "Box", dim: s.dim, lo: bounds(s.lo), hi: bounds(s.hi) })
})

/**
 * `{θ : lo_i ≤ θ_i ≤ hi_i}`. Bounds are scalars (shared by every coordinate) or arrays; `±Infinity`
 * leaves a side open. Each coordinate needs `lo_i < hi_i`: a fixed coordinate is an equation, so say
 * it with `pinned` or `affine` and intersect. `d` is required when both bounds are scalars.
 *
 * @example
 * ```ts
 * import { Space } from "@perturb/core"
 * const unit = Space.box(-1, 1, 3)                // [−1, 1]³
 * const half = Space.box([0, -Infinity], Infinity) // θ₀ ≥ 0 in ℝ²
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export function box<D extends number>(lo: number | Vector, hi: number | Vector, d: D): Space<D>
export function box(lo: number | Vector, hi: number | Vector): Space<number>
export function box(lo: number | Vector, hi: number | Vector, d?: number): Space<number> {
  let dim = d === undefined ? undefined : checkDim("box.d", d)
  const l0 = expand("box.lo", lo, dim)
  dim = l0.dim
  const h0 = expand("box.hi", hi, dim)
  if (dim === undefined && h0.dim === undefined) {
    throw new InvalidArgument({ argument: "box.d", value: d, reason: "Needed when both bounds are scalars" })
  }
  if (dim === undefined) {
    dim = checkDim("box.hi.length", h0.dim)
  } else {
    checkDim(d === undefined ? "box.lo.length" : "box.d", dim)
  }
  const l = l0.xs.length === dim ? l0.xs : expand("box.lo", lo, dim).xs
  const h = h0.xs.length === dim ? h0.xs : expand("box.hi", hi, dim).xs
  for (let i = 0; i < dim; i++) {
    const a = l[i]!
    const b = h[i]!
    if (a === Infinity) throw new InvalidArgument({ argument: `box.lo[${i}]`, value: a, reason: "Expected a value below +Infinity" })
    if (b === -Infinity) throw new InvalidArgument({ argument: `box.hi[${i}]`, value: b, reason: "Expected a value above -Infinity" })
    if (a === b) {
      throw new InvalidArgument({
        argument: `box.hi[${i}]`,
        value: b,
        reason: `Expected a value above box.lo[${i}] = ${a}: a fixed coordinate is an equation, so use pinned or affine`
      })
    }
    if (a > b) {
      throw new EmptySpace({
        constraints: [`box θ[${i}] ≥ ${a}`, `box θ[${i}] ≤ ${b}`],
        reason: `box.lo[${i}] = ${a} > box.hi[${i}] = ${b}`
      })
    }
  }
  return make<Box>(BoxKind, { _tag: "Box", dim, lo: Object.freeze([...l]), hi: Object.freeze([...h]) })
}

const PolyhedronKind = defineKind<"Polyhedron">({
  rows: (s, out) => {
    s.A.forEach((r, q) => out.push(row(sparse(r), s.b[q]!, false, `polyhedron A[${q}]·θ ≤ ${s.b[q]}`)))
    s.C.forEach((r, q) => out.push(row(sparse(r), s.e[q]!, true, `polyhedron C[${q}]·θ = ${s.e[q]}`)))
  },
  toJson: (s) => ({ _tag: "Polyhedron", dim: s.dim, A: s.A, b: s.b, C: s.C, e: s.e })
})

/**
 * `{θ : Aθ ≤ b, Cθ = e}`. Non-emptiness is decided by an LP; an infeasible system throws
 * `EmptySpace` naming an irreducible conflicting subset of its rows.
 *
 * @example
 * ```ts
 * import { Space } from "@perturb/core"
 * // the ordered cone θ₀ ≤ θ₁ ≤ θ₂
 * const ordered = Space.polyhedron({ A: [[1, -1, 0], [0, 1, -1]], b: [0, 0] })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const polyhedron = <D extends number = number>(spec: {
  readonly A: Matrix
  readonly b: Vector
  readonly C?: Matrix
  readonly e?: Vector
  readonly dim?: D
}): Space<D> => {
  requireObject("polyhedron", spec, "{ A, b, C?, e?, dim? }")
  const C0 = spec.C ?? []
  const dim = widthOf("polyhedron", Array.isArray(spec.A) && spec.A.length > 0 ? spec.A : C0, spec.dim)
  const A = checkMatrix("polyhedron.A", spec.A, dim)
  const b = checkVector("polyhedron.b", spec.b, A.length)
  const C = checkMatrix("polyhedron.C", C0, dim)
  const e = checkVector("polyhedron.e", spec.e ?? [], C.length)
  const space = make<Polyhedron<D>>(PolyhedronKind, { _tag: "Polyhedron", dim, A, b, C, e })
  ensureNonEmpty(system(space))
  return space
}

const IntersectionKind = defineKind<"Intersection">({
  rows: (s, out) => {
    rowsInto(s.left, out)
    rowsInto(s.right, out)
  },
  toJson: (s) => ({ _tag: "Intersection", dim: s.dim, left: s.left.toJSON(), right: s.right.toJSON() })
})

/**
 * `a ∩ b`. Both must have the same dimension: a compile error when TypeScript knows both, a
 * `DimensionMismatch` otherwise. An empty intersection throws `EmptySpace` naming the conflicting
 * constraints (e.g. `pinned θ[0] = 0` and `box θ[0] ≥ 1`).
 *
 * @example
 * ```ts
 * import { Space } from "@perturb/core"
 * const space = Space.intersect(Space.pinned(3), Space.box(-5, 5, 3))
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const intersect = <A extends number, B extends number>(
  a: Space<A>,
  b: Space<B> & SameDim<A, B>
): Space<number extends A ? B : A> => {
  if (!isSpace(a)) throw new InvalidArgument({ argument: "intersect.a", value: a, reason: "Expected a Space" })
  if (!isSpace(b)) throw new InvalidArgument({ argument: "intersect.b", value: b, reason: "Expected a Space" })
  if ((a.dim as number) !== (b.dim as number)) throw new DimensionMismatch({ argument: "intersect.b.dim", expected: a.dim, received: b.dim })
  const space = make<Intersection>(IntersectionKind, { _tag: "Intersection", dim: a.dim, left: a, right: b })
  ensureNonEmpty(system(space))
  // Only the type-level dimension is narrowed: the check above made A and B the same number.
  return space as Space<number extends A ? B : A>
}

/**
 * The compile-time half of `intersect`'s dimension check: literal dimensions must agree.
 *
 * @example
 * import { Space } from "@perturb/core"
 * const both = Space.intersect(Space.pinned(3), Space.box(-1, 1, 3)) // Space.intersect(pinned(3), box(…, 4)) is a type error
 * @since 0.1.0
 * @category models
 */
export type SameDim<A extends number, B extends number> = number extends A ? unknown
  : number extends B ? unknown
  : [A] extends [B] ? unknown
  : {
    /** No space has this key, so requiring it fails to compile with a message naming both dimensions. */
    readonly "dimensions differ": [A, B]
  }
