/**
 * Boundary validation: every user-facing number goes through an `effect/Schema` check, and a
 * failure becomes an `InvalidArgument` that names the argument, so messages read
 * "Invalid gumbel.scale = -1: Expected a value greater than 0".
 */
import { Result, Schema } from "effect"
import { InvalidArgument } from "../Errors.js"

export const Finite = Schema.Number.check(Schema.isFinite())
export const Positive = Schema.Number.check(Schema.isFinite(), Schema.isGreaterThan(0))
export const PositiveInt = Schema.Number.check(Schema.isInt(), Schema.isGreaterThan(0))
export const NonNegativeInt = Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0))
export const Probability = Schema.Number.check(Schema.isFinite(), Schema.isBetween({ minimum: 0, maximum: 1 }))

const firstLine = (message: string): string => message.split("\n")[0] ?? message

/** Decodes `value` with `schema` or throws `InvalidArgument` naming `argument`. */
export const check = <A>(schema: Schema.Codec<A, A>, argument: string, value: unknown): A => {
  const result = Schema.decodeUnknownResult(schema)(value)
  if (Result.isFailure(result)) {
    throw new InvalidArgument({ argument, value, reason: firstLine(result.failure.message) })
  }
  return result.success
}

/** Validates a finite number array element by element so the message names the bad index. */
export const checkFiniteArray = (argument: string, value: unknown): ReadonlyArray<number> => {
  if (!Array.isArray(value) && !ArrayBuffer.isView(value)) {
    throw new InvalidArgument({ argument, value, reason: "Expected an array of numbers" })
  }
  const xs = Array.from(value as ArrayLike<unknown>)
  xs.forEach((x, i) => check(Finite, `${argument}[${i}]`, x))
  return xs as ReadonlyArray<number>
}

/**
 * A constructor's options object: undefined reads as `{}` unless `required`; null, numbers, strings
 * and arrays are refused rather than read as an object without fields.
 */
export const checkOptions = <A extends object>(family: string, value: A | undefined, required = false): Partial<A> => {
  if (value === undefined && !required) return {}
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidArgument({ argument: `${family} options`, value, reason: "Expected an options object" })
  }
  return value
}

/** `value ?? fallback` for undefined only: a null field is a (bad) value, checked like any other. */
export const orDefault = <A>(value: A | undefined, fallback: A): A => (value === undefined ? fallback : value)
