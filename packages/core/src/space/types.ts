/**
 * The types of a space kind, declared together: its fields (an entry in `Kinds`, from which the
 * `Space` union is built) and its JSON form (a member of `SpaceJson`), with the brand and base every
 * space shares. A new kind adds one entry to each here; its constructor, rows and `toJSON` case are
 * one record in `constructors.ts`, and its JSON reader is in `json.ts`. Apart from `model.ts` (the
 * generic machinery behind every kind) so the field docs do not crowd it; it imports no module
 * of its own, so no cycle.
 *
 * @since 0.1.0
 */
import type { Equal } from "effect"
import type { Pipeable } from "effect/Pipeable"

export type Vector = ReadonlyArray<number>
export type Matrix = ReadonlyArray<ReadonlyArray<number>>

/**
 * The JSON form of a space (`space.toJSON()`, `fromJSON`). JSON has no infinities, so infinite box
 * bounds are written as the strings `"Infinity"` and `"-Infinity"`.
 *
 * @example
 * import { Space } from "@perturb/core"
 * const json: Space.SpaceJson = Space.box(-1, Infinity, 2).toJSON() // Infinity as the string "Infinity"
 * Space.fromJSON(json) // an equal space
 * @since 0.1.0
 * @category models
 */
export type SpaceJson =
  | {
    /** The kind of space, as in `Space.Kind`. */
    readonly _tag: "Reals"
    /** The number of categories `d`. */
    readonly dim: number
  }
  | {
    /** The kind of space, as in `Space.Kind`. */
    readonly _tag: "Pinned"
    /** The number of categories `d`. */
    readonly dim: number
    /** The fixed coordinate (0-based). */
    readonly index: number
    /** The value it is fixed to. */
    readonly value: number
  }
  | {
    /** The kind of space, as in `Space.Kind`. */
    readonly _tag: "ZeroSum"
    /** The number of categories `d`. */
    readonly dim: number
  }
  | {
    /** The kind of space, as in `Space.Kind`. */
    readonly _tag: "Affine"
    /** The number of categories `d`. */
    readonly dim: number
    /** The `m × d` equation matrix of `Cθ = e`. */
    readonly C: Matrix
    /** The `m` right-hand sides of `Cθ = e`. */
    readonly e: Vector
  }
  | {
    /** The kind of space, as in `Space.Kind`. */
    readonly _tag: "Box"
    /** The number of categories `d`. */
    readonly dim: number
    /** The lower bounds: one bound shared by every coordinate, or `d` of them. */
    readonly lo: JsonBound | ReadonlyArray<JsonBound>
    /** The upper bounds: one bound shared by every coordinate, or `d` of them. */
    readonly hi: JsonBound | ReadonlyArray<JsonBound>
  }
  | {
    /** The kind of space, as in `Space.Kind`. */
    readonly _tag: "Polyhedron"
    /** The number of categories `d`. */
    readonly dim: number
    /** The `k × d` inequality matrix of `Aθ ≤ b`. */
    readonly A: Matrix
    /** The `k` right-hand sides of `Aθ ≤ b`. */
    readonly b: Vector
    /** The `m × d` equation matrix of `Cθ = e` (no rows when there are no equations). */
    readonly C: Matrix
    /** The `m` right-hand sides of `Cθ = e`. */
    readonly e: Vector
  }
  | {
    /** The kind of space, as in `Space.Kind`. */
    readonly _tag: "Intersection"
    /** The number of categories `d`. */
    readonly dim: number
    /** The first space intersected, in JSON form. */
    readonly left: SpaceJson
    /** The second space intersected, in JSON form. */
    readonly right: SpaceJson
  }

/**
 * A box bound in JSON: a finite number or a signed infinity spelt as a string.
 *
 * @example
 * import type { Space } from "@perturb/core"
 * const bounds: Array<Space.JsonBound> = [0, "Infinity", "-Infinity"] // JSON has no Infinity
 * @since 0.1.0
 * @category models
 */
export type JsonBound = number | "Infinity" | "-Infinity"

/**
 * The brand every space carries (a registered symbol, so two copies of the package agree);
 * `isSpace` tests for it.
 *
 * @example
 * import { Space } from "@perturb/core"
 * Space.TypeId in Space.reals(2) // true
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: unique symbol = Symbol.for("@perturb/core/Space")

/**
 * The type of the brand `TypeId`.
 *
 * @example
 * import { Space } from "@perturb/core"
 * const brand: Space.TypeId = Space.TypeId
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof TypeId

export interface SpaceBase<D extends number> extends Equal.Equal, Pipeable {
  readonly [TypeId]: TypeId
  /** The number of categories `d`. */
  readonly dim: D
  toJSON(): SpaceJson
}

/**
 * Every kind of space with its own fields (beside `_tag` and `dim`). `Space<D>` is the union over
 * this table, so a kind is declared by its entry here.
 *
 * @example
 * ```ts
 * import type { Space } from "@perturb/core"
 * type BoxFields = Space.Kinds["Box"] // { readonly lo: Vector; readonly hi: Vector }
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export interface Kinds<D extends number = number> {
  /** `ℝ^d`: every parameter is free. */
  readonly Reals: Record<never, never>
  /** `{θ : θ[index] = value}`: one coordinate fixed (the paper's pinned space has `index = 0, value = 0`). */
  readonly Pinned: {
    /** The fixed coordinate (0-based). */
    readonly index: number
    /** The value it is fixed to. */
    readonly value: number
  }
  /** `{θ : Σ θ_i = 0}`. */
  readonly ZeroSum: Record<never, never>
  /** `{θ : Cθ = e}` with `C` of shape `m × d`. */
  readonly Affine: {
    /** The `m × d` equation matrix. */
    readonly C: Matrix
    /** The `m` right-hand sides. */
    readonly e: Vector
  }
  /** `{θ : lo_i ≤ θ_i ≤ hi_i}` with `lo_i < hi_i`; infinite bounds make a coordinate one-sided or free. */
  readonly Box: {
    /** The `d` lower bounds (`-Infinity` where a coordinate is unbounded below). */
    readonly lo: Vector
    /** The `d` upper bounds (`Infinity` where a coordinate is unbounded above). */
    readonly hi: Vector
  }
  /** `{θ : Aθ ≤ b, Cθ = e}`. */
  readonly Polyhedron: {
    /** The `k × d` inequality matrix of `Aθ ≤ b`. */
    readonly A: Matrix
    /** The `k` right-hand sides of `Aθ ≤ b`. */
    readonly b: Vector
    /** The `m × d` equation matrix of `Cθ = e` (no rows when there are no equations). */
    readonly C: Matrix
    /** The `m` right-hand sides of `Cθ = e`. */
    readonly e: Vector
  }
  /** `left ∩ right`, kept as a node so reports can say where each constraint came from. */
  readonly Intersection: {
    /** The first space intersected. */
    readonly left: Space<D>
    /** The second space intersected. */
    readonly right: Space<D>
  }
}

/**
 * The space of kind `T` (a key of `Kinds`): the shared base, the tag and the kind's fields.
 *
 * @example
 * ```ts
 * import { Space } from "@perturb/core"
 * const lower = (s: Space.Kind<"Box">) => s.lo
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export type Kind<T extends keyof Kinds, D extends number = number> = SpaceBase<D> & {
  /** The kind's name, a key of `Kinds`: switch on it to narrow a `Space`. */
  readonly _tag: T
} & Kinds<D>[T]

/**
 * A non-empty convex parameter space of dimension `D`: a closed union of the kinds in `Kinds`.
 *
 * @example
 * import { Space } from "@perturb/core"
 * const spaces: Array<Space.Space> = [Space.reals(3), Space.pinned(3), Space.box(-1, 1, 3)]
 * @since 0.1.0
 * @category models
 */
export type Space<D extends number = number> = { readonly [T in keyof Kinds]: Kind<T, D> }[keyof Kinds]

/**
 * The kinds by name, for narrowing (`Pinned<D>` is `Kind<"Pinned", D>`; `Kinds` documents each).
 *
 * @example
 * import { Space } from "@perturb/core"
 * const s = Space.pinned(3) as Space.Space
 * if (s._tag === "Pinned") { const p: Space.Pinned = s } // narrowing by kind; likewise Reals, ZeroSum, Affine, Box, Polyhedron, Intersection
 * @since 0.1.0
 * @category models
 */
export type Reals<D extends number = number> = Kind<"Reals", D>
/**
 * The `Pinned` kind, for narrowing a `Space` by its `_tag`.
 *
 * @example
 * import { Space } from "@perturb/core"
 * const s: Space.Space = Space.pinned(3)
 * if (s._tag === "Pinned") { const narrowed: Space.Pinned = s }
 * @since 0.1.0
 * @category models
 */
export type Pinned<D extends number = number> = Kind<"Pinned", D>
/**
 * The `ZeroSum` kind, for narrowing a `Space` by its `_tag`.
 *
 * @example
 * import { Space } from "@perturb/core"
 * const s: Space.Space = Space.zeroSum(3)
 * if (s._tag === "ZeroSum") { const narrowed: Space.ZeroSum = s }
 * @since 0.1.0
 * @category models
 */
export type ZeroSum<D extends number = number> = Kind<"ZeroSum", D>
/**
 * The `Affine` kind, for narrowing a `Space` by its `_tag`.
 *
 * @example
 * import { Space } from "@perturb/core"
 * const s: Space.Space = Space.affine({ C: [[1, -1, 0]], e: [0] })
 * if (s._tag === "Affine") { const narrowed: Space.Affine = s }
 * @since 0.1.0
 * @category models
 */
export type Affine<D extends number = number> = Kind<"Affine", D>
/**
 * The `Box` kind, for narrowing a `Space` by its `_tag`.
 *
 * @example
 * import { Space } from "@perturb/core"
 * const s: Space.Space = Space.box(-1, 1, 3)
 * if (s._tag === "Box") { const narrowed: Space.Box = s }
 * @since 0.1.0
 * @category models
 */
export type Box<D extends number = number> = Kind<"Box", D>
/**
 * The `Polyhedron` kind, for narrowing a `Space` by its `_tag`.
 *
 * @example
 * import { Space } from "@perturb/core"
 * const s: Space.Space = Space.polyhedron({ A: [[1, 1]], b: [1] })
 * if (s._tag === "Polyhedron") { const narrowed: Space.Polyhedron = s }
 * @since 0.1.0
 * @category models
 */
export type Polyhedron<D extends number = number> = Kind<"Polyhedron", D>
/**
 * The `Intersection` kind, for narrowing a `Space` by its `_tag`.
 *
 * @example
 * import { Space } from "@perturb/core"
 * const s: Space.Space = Space.intersect(Space.pinned(3), Space.box(-1, 1, 3))
 * if (s._tag === "Intersection") { const narrowed: Space.Intersection = s }
 * @since 0.1.0
 * @category models
 */
export type Intersection<D extends number = number> = Kind<"Intersection", D>
