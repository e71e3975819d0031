/**
 * The space value: its closed `_tag` union typed by dimension, and the shared prototype that gives
 * every space structural equality, hashing, `toJSON` and `pipe`. Constructors live in
 * `constructors.ts`; this module only knows how a space is represented.
 *
 * @since 0.1.0
 */
import { Equal, Hash } from "effect"
import { pipeArguments, type Pipeable } from "effect/Pipeable"

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

export type Vector = ReadonlyArray<number>
export type Matrix = ReadonlyArray<ReadonlyArray<number>>

export interface SpaceBase<D extends number> extends Equal.Equal, Pipeable {
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

export const make = <S extends Space>(fields: Omit<S, keyof SpaceBase<number>> & { readonly dim: number }): S => {
  const self = Object.create(SpaceProto)
  Object.assign(self, fields)
  return Object.freeze(self) as S
}

/**
 * @since 0.1.0
 * @category guards
 */
export const isSpace = (u: unknown): u is Space => typeof u === "object" && u !== null && TypeId in u
