/**
 * Models: a parameter space, a noise law and (for Perturb-Softmax) a temperature. Plain immutable
 * data: building a model never touches tfjs; `compile` does.
 *
 * - Perturb-Softmax: P(θ) = E softmax((θ + γ)/τ) = ∇F(θ), F(θ) = E τ·logsumexp((θ + γ)/τ).
 * - Perturb-Argmax:  P(θ)_i = Pr[i = argmax(θ + γ)] ∈ ∂M(θ), M(θ) = E max_i(θ_i + γ_i).
 *
 * @since 0.1.0
 */
import { Noise, type NoiseLike } from "@perturb/noise"
import { Equal, Hash, Result, Schema } from "effect"
import { pipeArguments, type Pipeable } from "effect/Pipeable"
import { DimensionMismatch, InvalidArgument } from "./Errors.js"
import { fromJSON as spaceFromJSON, isSpace, type Space, type SpaceJson } from "./Space.js"
// A temperature is a number in [1e-30, 1e30] (internal/temperature.ts says why); per-row temperatures
// are tensors given to the kernels.
import { checkTemperature } from "./internal/temperature.js"

/**
 * The brand every model carries (a registered symbol, so two copies of the package agree);
 * `isModel` tests for it.
 *
 * @example
 * import { Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * Model.TypeId in Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.gumbel() }) // true
 * @since 0.2.0
 * @category symbols
 */
export const TypeId: unique symbol = Symbol.for("@perturb/core/Model")

/**
 * The type of the brand `TypeId`.
 *
 * @example
 * import { Model } from "@perturb/core"
 * const brand: Model.TypeId = Model.TypeId // the key isModel looks for
 * @since 0.2.0
 * @category symbols
 */
export type TypeId = typeof TypeId

interface ModelBase<D extends number> extends Equal.Equal, Pipeable {
  /** The brand `isModel` tests for. */
  readonly [TypeId]: TypeId
  /** Θ, the parameter space. */
  readonly space: Space<D>
  /** The noise law γ added to θ (a law is i.i.d. at the space's d). */
  readonly noise: NoiseLike
  /** The JSON form, read back by `Model.fromJSON`. */
  toJSON(): ModelJson
}

/**
 * @example
 * import { Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const m: Model.PerturbSoftmax<3> = Model.perturbSoftmax({ space: Space.pinned(3), noise: Noise.gumbel(), temperature: 0.5 })
 * @since 0.1.0
 * @category models
 */
export interface PerturbSoftmax<D extends number = number> extends ModelBase<D> {
  /** The kind: softmax((θ + γ)/τ), a relaxed sample. */
  readonly _tag: "PerturbSoftmax"
  /** τ > 0: small τ approaches the argmax model. */
  readonly temperature: number
}

/**
 * @example
 * import { Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const m: Model.PerturbArgmax<3> = Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.normal() })
 * @since 0.1.0
 * @category models
 */
export interface PerturbArgmax<D extends number = number> extends ModelBase<D> {
  /** The kind: onehot(argmax(θ + γ)), a discrete sample. */
  readonly _tag: "PerturbArgmax"
}

/**
 * A model: a plain value (equal specs are `Equal.equals` and hash alike, so a model can key a cache)
 * built only by `perturbSoftmax`, `perturbArgmax` or `fromJSON`.
 *
 * @example
 * import { Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const models: Array<Model.Model> = [Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.normal() })]
 * @since 0.1.0
 * @category models
 */
export type Model<D extends number = number> = PerturbSoftmax<D> | PerturbArgmax<D>

/**
 * The JSON form of a model: its space's and its noise's JSON forms side by side.
 *
 * @example
 * import { Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const json: Model.ModelJson = Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.normal() }).toJSON()
 * Model.fromJSON(JSON.parse(JSON.stringify(json))) // an equal model
 * @since 0.2.0
 * @category models
 */
export type ModelJson =
  | {
    /** The model kind. */
    readonly _tag: "PerturbSoftmax"
    /** The space's JSON form. */
    readonly space: SpaceJson
    /** The noise's JSON form. */
    readonly noise: Noise.NoiseJson
    /** τ. */
    readonly temperature: number
  }
  | {
    /** The model kind. */
    readonly _tag: "PerturbArgmax"
    /** The space's JSON form. */
    readonly space: SpaceJson
    /** The noise's JSON form. */
    readonly noise: Noise.NoiseJson
  }

const temperatureOf = (m: Model): number | undefined => (m._tag === "PerturbSoftmax" ? m.temperature : undefined)

const ModelProto = {
  [TypeId]: TypeId,
  [Equal.symbol](this: Model, that: unknown): boolean {
    return isModel(that) && that._tag === this._tag && temperatureOf(that) === temperatureOf(this) &&
      Equal.equals(this.space, that.space) && Equal.equals(this.noise, that.noise)
  },
  [Hash.symbol](this: Model): number {
    const h = Hash.combine(Hash.hash(this.noise))(Hash.combine(Hash.hash(this.space))(Hash.string(this._tag)))
    return Hash.combine(Hash.number(temperatureOf(this) ?? 0))(h)
  },
  pipe(this: Model) {
    return pipeArguments(this, arguments)
  },
  toJSON(this: Model): ModelJson {
    const space = this.space.toJSON()
    const noise = Noise.toJSON(this.noise)
    return this._tag === "PerturbSoftmax"
      ? { _tag: this._tag, space, noise, temperature: this.temperature }
      : { _tag: this._tag, space, noise }
  },
  toString(this: Model): string {
    const t = this._tag === "PerturbSoftmax" ? `, temperature: ${this.temperature}` : ""
    return `${this._tag}(space: ${String(this.space)}, noise: ${String(this.noise)}${t})`
  }
}

const make = <M extends Model>(fields: Omit<M, keyof ModelBase<number>> & Pick<M, "space" | "noise">): M =>
  Object.freeze(Object.assign(Object.create(ModelProto), fields))

/** The options object and its space; then the noise against the space. */
const checkModelOptions = (argument: string, options: unknown): { space: Space } => {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InvalidArgument({ argument, value: options, reason: "Expected an options object { space, noise, … }" })
  }
  const space = (options as { space?: unknown }).space
  if (!isSpace(space)) throw new InvalidArgument({ argument: "space", value: space, reason: "Expected a Space (Space.reals(3), Space.pinned(3), …)" })
  return { space }
}

const checkNoise = (space: Space, noise: NoiseLike): void => {
  if (!Noise.isNoise(noise)) throw new InvalidArgument({ argument: "noise", value: noise, reason: "Expected a noise law" })
  const dim = Noise.dimOf(noise)
  if (dim !== undefined && dim !== space.dim) {
    throw new DimensionMismatch({ argument: "noise", expected: space.dim, received: dim })
  }
}

/**
 * Perturb-Softmax (Gumbel-Softmax / Concrete with Gumbel noise, Gaussian-Softmax with Normal noise).
 *
 * @example
 * import { Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const m = Model.perturbSoftmax({ space: Space.pinned(10), noise: Noise.normal(), temperature: 0.5 })
 * @since 0.1.0
 * @category constructors
 */
export const perturbSoftmax = <D extends number>(options: {
  readonly space: Space<D>
  readonly noise: NoiseLike
  readonly temperature?: number
}): PerturbSoftmax<D> => {
  checkModelOptions("options", options)
  checkNoise(options.space, options.noise)
  const temperature = checkTemperature("temperature", options.temperature ?? 1)
  return make<PerturbSoftmax<D>>({ _tag: "PerturbSoftmax", space: options.space, noise: options.noise, temperature })
}

/**
 * Perturb-Argmax (Gumbel-Argmax = softmax, Gaussian-Argmax = probit, …).
 *
 * @example
 * import { Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const m = Model.perturbArgmax({ space: Space.zeroSum(5), noise: Noise.gumbel() })
 * @since 0.1.0
 * @category constructors
 */
export const perturbArgmax = <D extends number>(options: {
  readonly space: Space<D>
  readonly noise: NoiseLike
}): PerturbArgmax<D> => {
  checkModelOptions("options", options)
  checkNoise(options.space, options.noise)
  return make<PerturbArgmax<D>>({ _tag: "PerturbArgmax", space: options.space, noise: options.noise })
}

/**
 * True for models built by this module only: an object that merely has the right `_tag` is not a
 * model (it has no equality, hash or JSON form, and nothing checked its parts).
 *
 * @example
 * import { Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * Model.isModel(Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.gumbel() })) // true
 * @since 0.1.0
 * @category guards
 */
export const isModel = (u: unknown): u is Model => typeof u === "object" && u !== null && TypeId in u

const firstLine = (message: string): string => message.split("\n")[0] ?? message

const ModelJsonSchema = Schema.Struct({
  _tag: Schema.Literals(["PerturbSoftmax", "PerturbArgmax"]),
  space: Schema.Unknown,
  noise: Schema.Unknown,
  temperature: Schema.optionalKey(Schema.Unknown)
})

// `json` (or `json.…`) in a part's error becomes that part's path in the model's JSON.
const within = <A>(path: string, build: () => A): A => {
  try {
    return build()
  } catch (e) {
    const argument = (e as { argument?: unknown } | null)?.argument
    if (typeof argument !== "string" || !/^json\b/.test(argument)) throw e
    const field = `${path}${argument.slice(4)}`
    throw new InvalidArgument({ argument: field, value: (e as { value?: unknown }).value, reason: (e as { reason?: string }).reason ?? String(e) })
  }
}

/**
 * Reads a model from its JSON form (`model.toJSON()`, or a hand-written file): the shape is checked
 * with `effect/Schema`, the space by `Space.fromJSON`, the noise by `Noise.fromJSON`, the
 * temperature as `perturbSoftmax` checks it. Errors are `InvalidArgument` naming the field
 * (`json.noise.law.scale`, `json.temperature`). A model whose noise is a custom law has no JSON
 * form that can be read back (its functions are code).
 *
 * @example
 * ```ts
 * import { Model } from "@perturb/core"
 * const m = Model.fromJSON({ _tag: "PerturbArgmax", space: { _tag: "ZeroSum", dim: 3 }, noise: { _tag: "Gumbel" } })
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const fromJSON = (json: unknown): Model => {
  const result = Schema.decodeUnknownResult(ModelJsonSchema)(json)
  if (Result.isFailure(result)) {
    const message = result.failure.message
    const field = /at \["(\w+)"\]/.exec(message)?.[1]
    const value = field === undefined ? json : (json as Record<string, unknown>)[field]
    throw new InvalidArgument({ argument: field === undefined ? "json" : `json.${field}`, value, reason: firstLine(message) })
  }
  const o = result.success
  const space = within("json.space", () => spaceFromJSON(o.space))
  const noise = within("json.noise", () => Noise.fromJSON(o.noise))
  if (o._tag === "PerturbArgmax") {
    if (o.temperature !== undefined) {
      throw new InvalidArgument({ argument: "json.temperature", value: o.temperature, reason: "A Perturb-Argmax model has no temperature" })
    }
    return perturbArgmax({ space, noise })
  }
  const temperature = checkTemperature("json.temperature", o.temperature ?? 1)
  return perturbSoftmax({ space, noise, temperature })
}
