/**
 * Parameter spaces `Θ ⊆ ℝ^d` (math.md §1): plain immutable data with a closed `_tag` union, typed
 * by their dimension (`Space.pinned(10)` is a `Space<10>`).
 *
 * Laws every space honours (tested):
 * - it is non-empty: a constructor whose constraints admit no point throws `EmptySpace`, naming the
 *   conflicting constraints;
 * - `contains(space, affineHull(space).point)`, and the hull's basis has orthonormal columns spanning
 *   exactly the directions the space can move in (implicit equalities of a polyhedron included);
 * - `canonical(space)` describes the same set: `{θ : Aθ ≤ b, Cθ = e}`;
 * - equality is structural, and `fromJSON(space.toJSON())` equals `space`.
 *
 * Constructors never build dense `d × d` data: `reals`, `pinned` and `zeroSum` stay O(1) in memory so
 * `d = 100 000` is cheap; `canonical` and `affineHull` materialise matrices only when asked.
 * Polyhedral decisions (non-emptiness, implicit equalities, interior centre, boundedness) are LPs
 * solved by HiGHS, loaded once when this module is imported.
 *
 * @since 0.1.0
 */
import { Equal, Hash, Result, Schema } from "effect"
import { pipeArguments, type Pipeable } from "effect/Pipeable"
import { DimensionMismatch, EmptySpace, InvalidArgument } from "./Errors.js"
import * as Lp from "./Lp.js"

const solveLp = Lp.solve

/**
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: unique symbol = Symbol.for("@perturb/core/Space")

/**
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof TypeId

type Vector = ReadonlyArray<number>
type Matrix = ReadonlyArray<ReadonlyArray<number>>

interface SpaceBase<D extends number> extends Equal.Equal, Pipeable {
  readonly [TypeId]: TypeId
  /** The number of categories `d`. */
  readonly dim: D
  toJSON(): SpaceJson
}

/**
 * `ℝ^d`: every parameter is free.
 *
 * @since 0.1.0
 * @category models
 */
export interface Reals<D extends number = number> extends SpaceBase<D> {
  readonly _tag: "Reals"
}

/**
 * `{θ : θ[index] = value}`: one coordinate fixed (the paper's pinned space has `index = 0, value = 0`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Pinned<D extends number = number> extends SpaceBase<D> {
  readonly _tag: "Pinned"
  readonly index: number
  readonly value: number
}

/**
 * `{θ : Σ θ_i = 0}`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ZeroSum<D extends number = number> extends SpaceBase<D> {
  readonly _tag: "ZeroSum"
}

/**
 * `{θ : Cθ = e}` with `C` of shape `m × d`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Affine<D extends number = number> extends SpaceBase<D> {
  readonly _tag: "Affine"
  readonly C: Matrix
  readonly e: Vector
}

/**
 * `{θ : lo_i ≤ θ_i ≤ hi_i}` with `lo_i < hi_i`; infinite bounds make a coordinate one-sided or free.
 *
 * @since 0.1.0
 * @category models
 */
export interface Box<D extends number = number> extends SpaceBase<D> {
  readonly _tag: "Box"
  readonly lo: Vector
  readonly hi: Vector
}

/**
 * `{θ : Aθ ≤ b, Cθ = e}`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Polyhedron<D extends number = number> extends SpaceBase<D> {
  readonly _tag: "Polyhedron"
  readonly A: Matrix
  readonly b: Vector
  readonly C: Matrix
  readonly e: Vector
}

/**
 * `left ∩ right`, kept as a node so reports can say where each constraint came from.
 *
 * @since 0.1.0
 * @category models
 */
export interface Intersection<D extends number = number> extends SpaceBase<D> {
  readonly _tag: "Intersection"
  readonly left: Space<D>
  readonly right: Space<D>
}

/**
 * A non-empty convex parameter space of dimension `D`: a closed union of the shapes above.
 *
 * @since 0.1.0
 * @category models
 */
export type Space<D extends number = number> =
  | Reals<D>
  | Pinned<D>
  | ZeroSum<D>
  | Affine<D>
  | Box<D>
  | Polyhedron<D>
  | Intersection<D>

/**
 * The JSON form of a space (`space.toJSON()`, `fromJSON`). JSON has no infinities, so infinite box
 * bounds are written as the strings `"Infinity"` and `"-Infinity"`.
 *
 * @since 0.1.0
 * @category models
 */
export type SpaceJson =
  | { readonly _tag: "Reals"; readonly dim: number }
  | { readonly _tag: "Pinned"; readonly dim: number; readonly index: number; readonly value: number }
  | { readonly _tag: "ZeroSum"; readonly dim: number }
  | { readonly _tag: "Affine"; readonly dim: number; readonly C: Matrix; readonly e: Vector }
  | {
    readonly _tag: "Box"
    readonly dim: number
    readonly lo: JsonBound | ReadonlyArray<JsonBound>
    readonly hi: JsonBound | ReadonlyArray<JsonBound>
  }
  | {
    readonly _tag: "Polyhedron"
    readonly dim: number
    readonly A: Matrix
    readonly b: Vector
    readonly C: Matrix
    readonly e: Vector
  }
  | { readonly _tag: "Intersection"; readonly dim: number; readonly left: SpaceJson; readonly right: SpaceJson }

/**
 * A box bound in JSON: a finite number or a signed infinity spelt as a string.
 *
 * @since 0.1.0
 * @category models
 */
export type JsonBound = number | "Infinity" | "-Infinity"

// ---------------------------------------------------------------------------------------------
// Prototype: equality, hashing, JSON, pipe
// ---------------------------------------------------------------------------------------------

const jsonBound = (x: number): JsonBound => x === Infinity ? "Infinity" : x === -Infinity ? "-Infinity" : x

const bounds = (xs: Vector): JsonBound | ReadonlyArray<JsonBound> => {
  const first = xs[0] ?? 0
  return xs.every((x) => x === first) ? jsonBound(first) : xs.map(jsonBound)
}

const toJson = (s: Space): SpaceJson => {
  switch (s._tag) {
    case "Reals":
    case "ZeroSum":
      return { _tag: s._tag, dim: s.dim }
    case "Pinned":
      return { _tag: "Pinned", dim: s.dim, index: s.index, value: s.value }
    case "Affine":
      return { _tag: "Affine", dim: s.dim, C: s.C, e: s.e }
    case "Box":
      return { _tag: "Box", dim: s.dim, lo: bounds(s.lo), hi: bounds(s.hi) }
    case "Polyhedron":
      return { _tag: "Polyhedron", dim: s.dim, A: s.A, b: s.b, C: s.C, e: s.e }
    case "Intersection":
      return { _tag: "Intersection", dim: s.dim, left: toJson(s.left), right: toJson(s.right) }
  }
}

// Structural identity: `-0` and `0` are the same constraint, so the key normalises them away.
const key = (s: Space): string => JSON.stringify(toJson(s), (_k, v: unknown) => Object.is(v, -0) ? 0 : v)

const SpaceProto = {
  [TypeId]: TypeId,
  [Equal.symbol](this: Space, that: unknown): boolean {
    return isSpace(that) && that._tag === this._tag && that.dim === this.dim && key(this) === key(that)
  },
  [Hash.symbol](this: Space): number {
    return Hash.string(key(this))
  },
  pipe(this: Space) {
    return pipeArguments(this, arguments)
  },
  toJSON(this: Space): SpaceJson {
    return toJson(this)
  },
  toString(this: Space): string {
    return key(this)
  }
}

const make = <S extends Space>(fields: Omit<S, keyof SpaceBase<number>> & { readonly dim: number }): S => {
  const self = Object.create(SpaceProto)
  Object.assign(self, fields)
  return Object.freeze(self) as S
}

/**
 * @since 0.1.0
 * @category guards
 */
export const isSpace = (u: unknown): u is Space => typeof u === "object" && u !== null && TypeId in u

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

const Dim = Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(2))
const Index = Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0))
const Finite = Schema.Number.check(Schema.isFinite())

const firstLine = (message: string): string => message.split("\n")[0] ?? message

const check = <A>(schema: Schema.Codec<A, A>, argument: string, value: unknown): A => {
  const result = Schema.decodeUnknownResult(schema)(value)
  if (Result.isFailure(result)) {
    throw new InvalidArgument({ argument, value, reason: firstLine(result.failure.message) })
  }
  return result.success
}

const requireSpace = (argument: string, value: unknown): void => {
  if (!isSpace(value)) throw new InvalidArgument({ argument, value, reason: "Expected a Space (Space.reals(3), Space.pinned(3), …)" })
}

const requireObject = (argument: string, value: unknown, expected: string): void => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidArgument({ argument, value, reason: `Expected an object ${expected}` })
  }
}

const checkDim = (argument: string, d: unknown): number => {
  const n = check(Dim, argument, d)
  if (n > 2 ** 31 - 1) throw new InvalidArgument({ argument, value: d, reason: "Expected at most 2^31 − 1" })
  return n
}

// Plain numbers are checked inline; the schema only runs to word the failure, so large inputs stay fast.
const checkNumber = (schema: Schema.Codec<number, number>, ok: (x: number) => boolean, argument: string, x: unknown) =>
  typeof x === "number" && ok(x) ? x : check(schema, argument, x)

const checkBound = (argument: string, x: unknown): number => {
  const n = check(Schema.Number, argument, x)
  if (Number.isNaN(n)) {
    throw new InvalidArgument({ argument, value: n, reason: "Expected a number or ±Infinity for an open side, not NaN" })
  }
  return n
}

const checkVector = (argument: string, value: unknown, length?: number): Vector => {
  if (!Array.isArray(value) && !(ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    throw new InvalidArgument({ argument, value, reason: "Expected an array of numbers" })
  }
  const xs = Array.from(value as ArrayLike<unknown>)
  if (length !== undefined && xs.length !== length) {
    throw new DimensionMismatch({ argument: `${argument}.length`, expected: length, received: xs.length })
  }
  return Object.freeze(xs.map((x, i) => checkNumber(Finite, Number.isFinite, `${argument}[${i}]`, x)))
}

const checkMatrix = (argument: string, value: unknown, cols: number | undefined): Matrix => {
  if (!Array.isArray(value)) throw new InvalidArgument({ argument, value, reason: "Expected an array of rows" })
  let width = cols
  return Object.freeze(value.map((row: unknown, i) => {
    const r = checkVector(`${argument}[${i}]`, row, width)
    width = r.length
    return r
  }))
}

// ---------------------------------------------------------------------------------------------
// Constructors
// ---------------------------------------------------------------------------------------------

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
export const reals = <D extends number>(d: D): Space<D> => make<Reals<D>>({ _tag: "Reals", dim: checkDim("reals.d", d) })

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
  return make<Pinned<D>>({ _tag: "Pinned", dim, index, value })
}

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
  make<ZeroSum<D>>({ _tag: "ZeroSum", dim: checkDim("zeroSum.d", d) })

const widthOf = (argument: string, rows: unknown, dim: unknown): number => {
  if (dim !== undefined) return checkDim(`${argument}.dim`, dim)
  const first: unknown = Array.isArray(rows) ? rows[0] : undefined
  if (first === undefined) {
    throw new InvalidArgument({ argument: `${argument}.dim`, value: dim, reason: "Needed when the constraint matrices have no rows" })
  }
  const n = Array.isArray(first) || ArrayBuffer.isView(first) ? (first as ArrayLike<unknown>).length : NaN
  return checkDim(`${argument}.C[0].length`, n)
}

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
  const space = make<Affine<D>>({ _tag: "Affine", dim, C, e })
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
  return make<Box>({ _tag: "Box", dim, lo: Object.freeze([...l]), hi: Object.freeze([...h]) })
}

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
  const space = make<Polyhedron<D>>({ _tag: "Polyhedron", dim, A, b, C, e })
  ensureNonEmpty(system(space))
  return space
}

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
  const space = make<Intersection>({ _tag: "Intersection", dim: a.dim, left: a as Space, right: b as Space })
  ensureNonEmpty(system(space))
  return space as Space<number extends A ? B : A>
}

/**
 * The compile-time half of `intersect`'s dimension check: literal dimensions must agree.
 *
 * @since 0.1.0
 * @category models
 */
export type SameDim<A extends number, B extends number> = number extends A ? unknown
  : number extends B ? unknown
  : [A] extends [B] ? unknown
  : { readonly "dimensions differ": [A, B] }

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

const JsonNumber = Schema.Number.check(Schema.isFinite())
const JsonBoundSchema = Schema.Union([JsonNumber, Schema.Literals(["Infinity", "-Infinity"])])
const JsonVector = Schema.Array(JsonNumber)
const JsonMatrix = Schema.Array(JsonVector)
const JsonBounds = Schema.Union([JsonBoundSchema, Schema.Array(JsonBoundSchema)])

const SpaceJsonSchema: Schema.Codec<SpaceJson> = Schema.Union([
  Schema.Struct({ _tag: Schema.Literal("Reals"), dim: Schema.Number }),
  Schema.Struct({ _tag: Schema.Literal("Pinned"), dim: Schema.Number, index: Schema.Number, value: JsonNumber }),
  Schema.Struct({ _tag: Schema.Literal("ZeroSum"), dim: Schema.Number }),
  Schema.Struct({ _tag: Schema.Literal("Affine"), dim: Schema.Number, C: JsonMatrix, e: JsonVector }),
  Schema.Struct({ _tag: Schema.Literal("Box"), dim: Schema.Number, lo: JsonBounds, hi: JsonBounds }),
  Schema.Struct({
    _tag: Schema.Literal("Polyhedron"),
    dim: Schema.Number,
    A: JsonMatrix,
    b: JsonVector,
    C: JsonMatrix,
    e: JsonVector
  }),
  Schema.Struct({
    _tag: Schema.Literal("Intersection"),
    dim: Schema.Number,
    left: Schema.suspend((): Schema.Codec<SpaceJson> => SpaceJsonSchema),
    right: Schema.suspend((): Schema.Codec<SpaceJson> => SpaceJsonSchema)
  })
])

const fromBound = (x: JsonBound): number => x === "Infinity" ? Infinity : x === "-Infinity" ? -Infinity : x
const fromBounds = (x: JsonBound | ReadonlyArray<JsonBound>): number | Vector =>
  typeof x === "object" ? x.map(fromBound) : fromBound(x)

const build = (j: SpaceJson): Space => {
  switch (j._tag) {
    case "Reals":
      return reals(j.dim)
    case "Pinned":
      return pinned(j.dim, { index: j.index, value: j.value })
    case "ZeroSum":
      return zeroSum(j.dim)
    case "Affine":
      return affine({ C: j.C, e: j.e, dim: j.dim })
    case "Box":
      return box(fromBounds(j.lo), fromBounds(j.hi), j.dim)
    case "Polyhedron":
      return polyhedron({ A: j.A, b: j.b, C: j.C, e: j.e, dim: j.dim })
    case "Intersection": {
      const left = build(j.left)
      const right = build(j.right)
      if (left.dim !== j.dim) throw new DimensionMismatch({ argument: "json.left.dim", expected: j.dim, received: left.dim })
      return intersect(left, right)
    }
  }
}

/**
 * Reads a space from its JSON form (`space.toJSON()`, or a hand-written `file.json`). The shape is
 * checked with `effect/Schema`, then the constructors re-validate the content, so a file is held to
 * exactly the rules of code.
 *
 * @example
 * ```ts
 * import { Space } from "@perturb/core"
 * const space = Space.fromJSON({ _tag: "Box", dim: 3, lo: -1, hi: "Infinity" })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromJSON = (json: unknown): Space => {
  const result = Schema.decodeUnknownResult(SpaceJsonSchema)(json)
  if (Result.isFailure(result)) {
    throw new InvalidArgument({ argument: "json", value: json, reason: firstLine(result.failure.message) })
  }
  return build(result.success)
}

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

const unit = (d: number, i: number, s = 1): Array<number> => {
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

const sparse = (row: Vector): { idx: Int32Array; val: Float64Array } => {
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

const denseRow = (d: number) => (r: Row): Float64Array => {
  const out = new Float64Array(d)
  r.idx.forEach((j, k) => (out[j] = r.val[k]!))
  return out
}

const allLabels = (s: System): Array<string> => {
  const out = new Set<string>()
  for (let j = 0; j < s.dim; j++) {
    if (s.loLabel[j] !== undefined) out.add(s.loLabel[j]!)
    if (s.hiLabel[j] !== undefined) out.add(s.hiLabel[j]!)
  }
  for (const r of s.rows) out.add(r.label)
  return [...out]
}

// HiGHS IIS bound codes: 2 lower, 3 upper, 4 both.
const IIS_LOWER = 2
const IIS_UPPER = 3
const IIS_BOXED = 4

const ensureNonEmpty = (s: System): void => {
  for (let j = 0; j < s.dim; j++) {
    if (s.colLo[j]! > s.colHi[j]!) {
      throw new EmptySpace({
        constraints: [s.loLabel[j]!, s.hiLabel[j]!],
        reason: `θ[${j}] cannot be both ≥ ${s.colLo[j]} and ≤ ${s.colHi[j]}`
      })
    }
  }
  if (s.rows.length === 0) return
  const result = solveLp({ numCols: s.dim, colLower: s.colLo, colUpper: s.colHi, rows: s.rows, iis: true })
  if (result.status === "optimal" || result.status === "unbounded") return
  if (result.status === "failed") {
    throw new EmptySpace({ constraints: allLabels(s), reason: "the LP solver could not establish feasibility" })
  }
  const named = new Set<string>()
  for (const i of result.iis?.rows ?? []) named.add(s.rows[i]!.label)
  for (const { bound, col } of result.iis?.cols ?? []) {
    if ((bound === IIS_LOWER || bound === IIS_BOXED) && s.loLabel[col] !== undefined) named.add(s.loLabel[col]!)
    if ((bound === IIS_UPPER || bound === IIS_BOXED) && s.hiLabel[col] !== undefined) named.add(s.hiLabel[col]!)
  }
  throw new EmptySpace({
    constraints: named.size > 0 ? [...named] : allLabels(s),
    reason: "the LP solver proved the constraints infeasible"
  })
}

// ---------------------------------------------------------------------------------------------
// Dense linear algebra (internal): Householder QR with column pivoting
// ---------------------------------------------------------------------------------------------

// Dense bases are d × k; past this many entries a structured fast path is the only sane route.
const DENSE_LIMIT = 2 ** 25

const guardDense = (d: number, k: number, what: string): void => {
  if (d * Math.max(k, 1) > DENSE_LIMIT) {
    throw new InvalidArgument({
      argument: "space",
      value: `Space<${d}>`,
      reason: `${what} needs a dense ${d}×${k} basis; only reals, pinned, zero-sum and coordinate boxes have O(d) forms`
    })
  }
}

interface QR {
  readonly d: number
  readonly rank: number
  /** Householder vectors, one per pivot step. */
  readonly vs: ReadonlyArray<Float64Array>
  /** Pivot order: `pivots[j]` is the equation eliminated at step j. */
  readonly pivots: ReadonlyArray<number>
  /** `R[j]` holds the transformed equation `pivots[j]` (entries 0..j meaningful). */
  readonly R: ReadonlyArray<Float64Array>
}

const norm2 = (x: ArrayLike<number>): number => {
  let s = 0
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!
  return Math.sqrt(s)
}

// QR of Eᵀ: the pivoted rows of E span the row space, and the trailing Householder columns span
// its orthogonal complement, i.e. null(E), with exactly orthonormal columns.
const qrRows = (d: number, rows: ReadonlyArray<Float64Array>): QR => {
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
const nullBasis = (qr: QR): { basis: Float64Array; k: number } => {
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
const solveEqualities = (d: number, E: ReadonlyArray<Float64Array>, f: ReadonlyArray<number>): EqSolution => {
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

// ---------------------------------------------------------------------------------------------
// Structure (internal): what the parameterisation and the decisions need, computed once per space
// ---------------------------------------------------------------------------------------------

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

const polyhedral = (sys: System): Structure => {
  const d = sys.dim
  guardDense(d, d, "a general polyhedral or affine space")
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

  // Implicit equalities: maximise Σ y_p with a_p·θ + y_p ≤ β_p, 0 ≤ y_p ≤ 1 over the rows not yet
  // known to be strict. Rows reaching y_p > 0 are strict; when none of the rest can, they are all
  // implicit equalities (if one could be slack, the optimum would be positive).
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
  const hullRows: Array<{ g: Float64Array; slack: number; norm: number }> = []
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

  // Chebyshev centre within the hull, radius capped at 1 so an unbounded space still has an optimum.
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

// ---------------------------------------------------------------------------------------------
// Affine hull, guards and decisions
// ---------------------------------------------------------------------------------------------

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
