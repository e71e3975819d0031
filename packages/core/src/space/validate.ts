/**
 * Argument checks shared by the space constructors, `fromJSON` and the guards: each failure is an
 * `InvalidArgument` or `DimensionMismatch` naming the argument and its value.
 *
 * @since 0.1.0
 */
import { Result, Schema } from "effect"
import { DimensionMismatch, InvalidArgument } from "../Errors.js"
import { isSpace, type Matrix, type Vector } from "./model.js"

export const Dim = Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(2))
export const Index = Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0))
export const Finite = Schema.Number.check(Schema.isFinite())

export const firstLine = (message: string): string => message.split("\n")[0] ?? message

export const check = <A>(schema: Schema.Codec<A, A>, argument: string, value: unknown): A => {
  const result = Schema.decodeUnknownResult(schema)(value)
  if (Result.isFailure(result)) {
    throw new InvalidArgument({ argument, value, reason: firstLine(result.failure.message) })
  }
  return result.success
}

export const requireSpace = (argument: string, value: unknown): void => {
  if (!isSpace(value)) throw new InvalidArgument({ argument, value, reason: "Expected a Space (Space.reals(3), Space.pinned(3), …)" })
}

export const requireObject = (argument: string, value: unknown, expected: string): void => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidArgument({ argument, value, reason: `Expected an object ${expected}` })
  }
}

export const checkDim = (argument: string, d: unknown): number => {
  const n = check(Dim, argument, d)
  if (n > 2 ** 31 - 1) throw new InvalidArgument({ argument, value: d, reason: "Expected at most 2^31 − 1" })
  return n
}

// Plain numbers are checked inline; the schema only runs to word the failure, so large inputs stay fast.
export const checkNumber = (schema: Schema.Codec<number, number>, ok: (x: number) => boolean, argument: string, x: unknown) =>
  typeof x === "number" && ok(x) ? x : check(schema, argument, x)

export const checkBound = (argument: string, x: unknown): number => {
  const n = check(Schema.Number, argument, x)
  if (Number.isNaN(n)) {
    throw new InvalidArgument({ argument, value: n, reason: "Expected a number or ±Infinity for an open side, not NaN" })
  }
  return n
}

export const checkVector = (argument: string, value: unknown, length?: number): Vector => {
  if (!Array.isArray(value) && !(ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    throw new InvalidArgument({ argument, value, reason: "Expected an array of numbers" })
  }
  const xs = Array.from(value as ArrayLike<unknown>)
  if (length !== undefined && xs.length !== length) {
    throw new DimensionMismatch({ argument: `${argument}.length`, expected: length, received: xs.length })
  }
  return Object.freeze(xs.map((x, i) => checkNumber(Finite, Number.isFinite, `${argument}[${i}]`, x)))
}

export const checkMatrix = (argument: string, value: unknown, cols: number | undefined): Matrix => {
  if (!Array.isArray(value)) throw new InvalidArgument({ argument, value, reason: "Expected an array of rows" })
  let width = cols
  return Object.freeze(value.map((row: unknown, i) => {
    const r = checkVector(`${argument}[${i}]`, row, width)
    width = r.length
    return r
  }))
}
