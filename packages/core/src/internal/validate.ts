/**
 * Entry guards shared by the public functions: options objects, `method` strings, thread counts,
 * models and spaces. Each failure is a typed error naming the argument and showing the value, raised before
 * any work, so a JavaScript caller (or a typo) never meets a `TypeError` from deep inside.
 */
import { Noise } from "@perturb/noise"
import { InvalidArgument } from "../Errors.js"
import { isModel, type Model } from "../Model.js"
import { isSpace, type Space } from "../Space.js"

/**
 * An options object: a plain object, or (when `required` is false) undefined, which reads as `{}`.
 * Arrays, strings and numbers are refused here rather than read as an object without fields.
 */
export const checkOptions = <A extends object>(argument: string, value: A | undefined, required = false): Partial<A> => {
  if (value === undefined && !required) return {}
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidArgument({ argument, value, reason: required ? "Expected an options object" : "Expected an options object or undefined" })
  }
  return value
}

/** One of `allowed`; undefined passes through (the caller's default applies). */
export const checkMethod = <M extends string>(argument: string, value: unknown, allowed: ReadonlyArray<M>): M | undefined => {
  if (value === undefined) return undefined
  if (typeof value !== "string" || !(allowed as ReadonlyArray<string>).includes(value)) {
    throw new InvalidArgument({ argument, value, reason: `Expected one of ${allowed.join(", ")}` })
  }
  return value as M
}

/** A boolean flag; undefined passes through. */
export const checkBoolean = (argument: string, value: unknown): boolean | undefined => {
  if (value !== undefined && typeof value !== "boolean") throw new InvalidArgument({ argument, value, reason: "Expected a boolean" })
  return value
}

/**
 * A thread count: a whole number from 1 to `max`. `parsed` is what `value` reads as, when it is
 * text (an environment variable); the error shows `value` itself.
 */
export const checkThreads = (argument: string, value: unknown, max: number, parsed: unknown = value): number => {
  if (typeof parsed !== "number" || !Number.isInteger(parsed) || parsed < 1 || parsed > max) {
    throw new InvalidArgument({ argument, value, reason: `Expected a whole number of threads from 1 to ${max}` })
  }
  return parsed
}

export const checkSpace = (argument: string, value: unknown): Space => {
  if (!isSpace(value)) throw new InvalidArgument({ argument, value, reason: "Expected a Space (Space.reals(3), Space.pinned(3), …)" })
  return value
}

/** A model made by `Model.perturbSoftmax` / `Model.perturbArgmax` / `Model.fromJSON` (look-alike objects are refused). */
export const checkModel = (value: unknown): Model => {
  if (!isModel(value)) {
    throw new InvalidArgument({ argument: "model", value, reason: "Expected a model (Model.perturbSoftmax(…) or Model.perturbArgmax(…))" })
  }
  checkSpace("model.space", value.space)
  if (!Noise.isNoise(value.noise)) throw new InvalidArgument({ argument: "model.noise", value: value.noise, reason: "Expected a noise law" })
  return value
}

/** The temperature of the relaxed samples: the model's for Perturb-Softmax, 1 for Perturb-Argmax. */
export const relaxedTemperature = (model: Model): number => (model._tag === "PerturbSoftmax" ? model.temperature : 1)
