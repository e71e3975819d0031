/**
 * Reading a space from JSON (writing is each kind's `toJson`, in its record in `constructors.ts`):
 * the shape is checked with `effect/Schema`, then the constructors re-validate the content.
 *
 * @since 0.1.0
 */
import { Result, Schema } from "effect"
import { DimensionMismatch, InvalidArgument } from "../Errors.js"
import { affine, box, intersect, pinned, polyhedron, reals, zeroSum } from "./constructors.js"
import type { JsonBound, Space, SpaceJson, Vector } from "./types.js"
import { firstLine } from "./validate.js"

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
