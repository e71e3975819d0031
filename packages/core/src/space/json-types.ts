/**
 * The JSON form of a space: its `_tag`, `dim` and fields, one object per kind, and the plain arrays
 * spaces are written with. Apart from `model.ts` (the space value, which re-exports these) so that
 * the many field docs of the JSON union do not crowd the model; it imports nothing, so no cycle.
 *
 * @since 0.1.0
 */

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
