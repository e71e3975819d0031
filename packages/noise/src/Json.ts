/**
 * The JSON form of noise, read and written here for every built-in law and vector noise, so that a
 * file, a cache key or a report round-trips to an equal value: `Equal.equals(fromJSON(toJSON(n)), n)`.
 *
 * - a scalar law is its tag beside its parameters: `{ "_tag": "Gumbel", "loc": 0, "scale": 1 }`;
 * - `{ "_tag": "IID", "law": LAW, "dim": 3 }`, `{ "_tag": "Independent", "laws": [LAW, …] }`,
 *   `{ "_tag": "Gaussian", "mean": [...], "covariance": [[...], ...] }` (the Cholesky factor is
 *   recomputed, never read).
 *
 * The shape is checked with `effect/Schema`, then the constructors check the content, so a file is
 * held to exactly the rules of code. Every failure is an `InvalidArgument` whose argument is the
 * path of the field in the JSON (`json.law.scale`, `json.covariance[1][0]`).
 *
 * @since 0.2.0
 */
import { Result, Schema } from "effect"
import { InvalidArgument } from "./Errors.js"
import jsonForms from "./internal/laws.js"
import type { Law } from "./Law.js"
import { gaussian, iid, independent, type Noise, type NoiseJson } from "./Vector.js"

const Num = Schema.Number
const Numbers = Schema.Array(Num)

type JsonTag = keyof typeof jsonForms

const vectorShapes = {
  IID: Schema.Struct({ law: Schema.Unknown, dim: Num }),
  Independent: Schema.Struct({ laws: Schema.Array(Schema.Unknown) }),
  Gaussian: Schema.Struct({ mean: Schema.optionalKey(Numbers), covariance: Schema.Array(Numbers) })
} as const

// `at ["law"]["scale"]` (the last line of a Schema message) → `.law.scale`.
const schemaPath = (message: string): string => {
  const at = message.split("\n").map((l) => l.trim()).find((l) => l.startsWith("at "))
  if (at === undefined) return ""
  return [...at.matchAll(/\["([^"]*)"\]|\[(\d+)\]/g)].map((m) => (m[1] !== undefined ? `.${m[1]}` : `[${m[2]}]`)).join("")
}

const decode = <A>(schema: Schema.Codec<A, A>, path: string, json: unknown): A => {
  const result = Schema.decodeUnknownResult(schema)(json)
  if (Result.isFailure(result)) {
    const message = result.failure.message
    const field = `${path}${schemaPath(message)}`
    const value = field === path ? json : fieldValue(json, field.slice(path.length))
    throw new InvalidArgument({ argument: field, value, reason: message.split("\n")[0] ?? message })
  }
  return result.success
}

const fieldValue = (json: unknown, suffix: string): unknown =>
  [...suffix.matchAll(/\.([^.[]+)|\[(\d+)\]/g)].reduce<unknown>(
    (v, m) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[m[1] ?? m[2]!] : undefined),
    json
  )

/**
 * Runs a constructor, renaming its argument (`gumbel.scale`, `iid.dim`) to the field's path in the
 * JSON (`json.law.scale`, `json.dim`): the user edits the file, not the call.
 */
const at = <A>(path: string, build: () => A): A => {
  try {
    return build()
  } catch (e) {
    // An argument already named by its path (a nested law's field) stays as it is.
    if (!(e instanceof InvalidArgument) || /^json\b/.test(e.argument)) throw e
    const dot = e.argument.search(/[.[]/)
    const field = dot < 0 ? path : `${path}${e.argument.slice(dot)}`
    throw new InvalidArgument({ argument: field, value: e.value, reason: e.reason })
  }
}

const tagOf = (path: string, json: unknown, tags: ReadonlyArray<string>): string => {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new InvalidArgument({ argument: path, value: json, reason: `Expected an object with a _tag (${tags.join(", ")})` })
  }
  const tag = (json as { _tag?: unknown })._tag
  if (typeof tag !== "string" || !tags.includes(tag)) {
    const reason = tag === "Custom"
      ? "A custom law's JSON names it only; build it with Noise.custom"
      : `Expected one of ${tags.join(", ")}`
    throw new InvalidArgument({ argument: `${path}._tag`, value: tag, reason })
  }
  return tag
}

const lawTags = Object.keys(jsonForms) as ReadonlyArray<JsonTag>

/** Reads a law at `path`: the shape first, then the constructor, whose errors are renamed to the field's path. */
const lawAt = (path: string, json: unknown): Law =>
  at(path, () => jsonForms[tagOf(path, json, lawTags) as JsonTag].read((shape) => decode(shape, path, json)))

/**
 * Reads a scalar law from its JSON form (`law.toJSON()`, or a hand-written file).
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * Noise.lawFromJSON({ _tag: "Normal", sd: 2 }) // Noise.normal({ sd: 2 })
 * @since 0.2.0
 * @category constructors
 */
export const lawFromJSON = (json: unknown): Law => lawAt("json", json)

const vectorTags = ["IID", "Independent", "Gaussian"] as const

/**
 * Reads noise (a scalar law or vector noise) from its JSON form (`Noise.toJSON(noise)`, or a
 * hand-written `file.json`).
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * Noise.fromJSON({ _tag: "IID", law: { _tag: "Gumbel" }, dim: 3 }) // Noise.iid(Noise.gumbel(), 3)
 * @since 0.2.0
 * @category constructors
 */
export const fromJSON = (json: unknown): Noise => {
  const path = "json"
  const tag = tagOf(path, json, [...vectorTags, ...lawTags])
  switch (tag) {
    case "IID": {
      const o = decode(vectorShapes.IID, path, json)
      const law = lawAt(`${path}.law`, o.law)
      return at(path, () => iid(law, o.dim))
    }
    case "Independent": {
      const o = decode(vectorShapes.Independent, path, json)
      return at(path, () => independent(o.laws.map((l, i) => lawAt(`${path}.laws[${i}]`, l))))
    }
    case "Gaussian": {
      const o = decode(vectorShapes.Gaussian, path, json)
      return at(path, () => gaussian(o))
    }
    default:
      return lawAt(path, json)
  }
}

/**
 * The JSON form of noise: `law.toJSON()` for a scalar law, the vector noise's own form otherwise.
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * JSON.stringify(Noise.toJSON(Noise.normal({ sd: 2 }))) // round-trips through Noise.fromJSON
 * @since 0.2.0
 * @category destructors
 */
export const toJSON = (noise: Noise): NoiseJson => noise.toJSON()
