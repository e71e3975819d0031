/**
 * Typed errors raised by `@perturb/noise`. Every message names the offending argument and value,
 * so a user can fix the call without reading the source.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * How error messages print a value: numbers exactly (−0, NaN, ±Infinity included), strings quoted,
 * typed arrays as arrays, anything long cut at 120 characters.
 *
 * @example
 * import { formatValue } from "@perturb/noise"
 * formatValue([1, NaN, -0]) // how errors show a value: "[1, NaN, -0]"
 * @since 0.1.0
 * @category errors
 */
export const formatValue = (value: unknown): string => show(value)

// Every ArrayBuffer view but a DataView is a typed array, which is array-like (of bigints for the
// BigInt64 kinds, which `show` prints with their `n`).
const isTypedArray = (value: unknown): value is ArrayLike<number | bigint> =>
  ArrayBuffer.isView(value) && !(value instanceof DataView)

const show = (value: unknown): string => {
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value)
  if (typeof value === "bigint") return `${value}n`
  if (typeof value === "string") return JSON.stringify(value)
  if (value === undefined) return "undefined"
  if (isTypedArray(value)) return show(Array.from(value))
  try {
    const json = JSON.stringify(value, (_k, v: unknown) =>
      typeof v === "number" && !Number.isFinite(v) ? String(v) : v)
    if (json !== undefined) return json.length > 120 ? `${json.slice(0, 117)}...` : json
  } catch {
    // fall through: cyclic or exotic values are shown by their type
  }
  return Object.prototype.toString.call(value)
}

/**
 * An argument failed validation: `argument` names it (e.g. `"gumbel.scale"`, `"box.lo[2]"`), `value`
 * is what was given. The one bad-argument error of every package: `@perturb/core` re-exports this
 * class, so `instanceof` and `_tag` agree wherever it was thrown.
 *
 * @example
 * import { InvalidArgument, Key } from "@perturb/noise"
 * try { Key.make(-1) } catch (e) {
 *   if (e instanceof InvalidArgument) console.log(e.argument, e.value, e.reason) // names what was wrong
 * }
 * @since 0.1.0
 * @category errors
 */
export class InvalidArgument extends Data.TaggedError("InvalidArgument")<{
  /** The argument's name as the caller wrote it, with a path into options (e.g. `options.samples`). */
  readonly argument: string
  /** The value that was given. */
  readonly value: unknown
  /** What was expected instead. */
  readonly reason: string
}> {
  /** The error as one sentence naming the argument, the value and what was expected. */
  override get message(): string {
    return `Invalid ${this.argument} = ${show(this.value)}: ${this.reason}`
  }
}

/**
 * The former name of {@link InvalidArgument} (same class; its `_tag` is now `"InvalidArgument"`).
 *
 * @example
 * import { InvalidArgument, InvalidParameter } from "@perturb/noise"
 * InvalidParameter === InvalidArgument // true: old code catching InvalidParameter still works
 * @since 0.1.0
 * @category errors
 * @deprecated since 0.2.0: use InvalidArgument
 */
export const InvalidParameter = InvalidArgument

/**
 * @example
 * import type { InvalidParameter } from "@perturb/noise"
 * const describe = (e: InvalidParameter): string => e.message // the type of the same class
 * @since 0.1.0
 * @category errors
 * @deprecated since 0.2.0: use InvalidArgument
 */
export type InvalidParameter = InvalidArgument

/**
 * A user-defined law declared traits its own numerics contradict.
 *
 * @example
 * import { TraitMismatch } from "@perturb/noise"
 * const e = new TraitMismatch({ trait: "support", declared: [0, 1], observed: "cdf(2) < 1" })
 * e.message // names the trait, what was declared and what the numbers show
 * @since 0.1.0
 * @category errors
 */
export class TraitMismatch extends Data.TaggedError("TraitMismatch")<{
  /** The declared trait the numerics contradict, e.g. `support`. */
  readonly trait: string
  /** What the traits declared. */
  readonly declared: unknown
  /** What the law's numerics show instead. */
  readonly observed: string
}> {
  /** The error as one sentence naming the trait, the declaration and the observation. */
  override get message(): string {
    return `Declared trait ${this.trait} = ${show(this.declared)} contradicts the law's numerics: ${this.observed}`
  }
}

