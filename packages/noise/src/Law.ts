/**
 * Scalar noise laws: immutable values with validated parameters, statistical traits and float64
 * numerics.
 *
 * Laws every implementation honours (tested as properties):
 * - `cdf` is non-decreasing, `0 ≤ cdf ≤ 1`, and `exp(logcdf) = cdf`, `exp(logsf) = 1 − cdf`;
 * - `quantile(cdf(x)) = x` inside a continuous law's support;
 * - the traits agree with the numerics (support, positivity of the density, symmetry).
 *
 * The built-in laws are declared in `internal/laws.ts`, one entry each (its parameters, constructor
 * and JSON form); this module is what every law shares.
 *
 * @since 0.1.0
 */
import { Equal, Hash } from "effect"
import { pipeArguments, type Pipeable } from "effect/Pipeable"
import type { Numerics } from "./internal/families.js"
import type { Traits } from "./Traits.js"

/**
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: unique symbol = Symbol.for("@perturb/noise/Law")

/**
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof TypeId

/**
 * The parameters of each family, by tag. Each built-in law adds its entry where it is declared
 * (`internal/laws.ts`, by module augmentation), so a new law is written in one place.
 *
 * @example
 * import type { Noise } from "@perturb/noise"
 * const normal: Noise.ParamsByTag["Normal"] = { mean: 0, sd: 1 }
 * @since 0.1.0
 * @category models
 */
export interface ParamsByTag {
  /** The custom law's name (its numerics live on the law, not in its parameters). */
  readonly Custom: {
    /** The name given to `Noise.custom`. */
    readonly name: string
  }
}

/**
 * @example
 * import { Noise } from "@perturb/noise"
 * const tag: Noise.LawTag = Noise.gumbel()._tag // "Gumbel"
 * @since 0.1.0
 * @category models
 */
export type LawTag = keyof ParamsByTag

/**
 * A tag with its parameters: what identifies a law (its numerics follow from it).
 *
 * @example
 * import type { Noise } from "@perturb/noise"
 * const spec: Noise.LawSpec<"Normal"> = { _tag: "Normal", params: { mean: 0, sd: 2 } }
 * @since 0.2.0
 * @category models
 */
export type LawSpec<Tag extends LawTag = LawTag> = {
  readonly [K in Tag]: {
    /** The law's name, e.g. `"Normal"`. */
    readonly _tag: K
    /** The law's parameters: its tag's entry in `ParamsByTag`. */
    readonly params: ParamsByTag[K]
  }
}[Tag]

/**
 * A scalar law. `pdf`/`logpdf` are the density for continuous laws and the probability mass for
 * discrete ones. Undefined moments are `NaN` (Cauchy's mean), infinite ones `Infinity`.
 *
 * `Law` (any tag) is a union over the tags, so `switch (law._tag)` narrows `law.params`.
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * const laws: Array<Noise.Law> = [Noise.gumbel(), Noise.normal(), Noise.discrete({ atoms: [0, 1] })]
 * @since 0.1.0
 * @category models
 */
export type Law<Tag extends LawTag = LawTag> = { readonly [K in Tag]: LawOf<K> }[Tag]

/**
 * The law of one tag.
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * const g: Noise.LawOf<"Gumbel"> = Noise.gumbel()
 * g.cdf(0) // e^{-1}
 * @since 0.2.0
 * @category models
 */
export interface LawOf<Tag extends LawTag> extends Equal.Equal, Pipeable {
  /** The brand `isLaw` tests for. */
  readonly [TypeId]: TypeId
  /** The family, e.g. `"Gumbel"`. */
  readonly _tag: Tag
  /** The family's parameters, validated. */
  readonly params: ParamsByTag[Tag]
  /** What the theorems read: support, tails, density. */
  readonly traits: Traits
  /** E[X] (`NaN` where it does not exist, as for Cauchy). */
  readonly mean: number
  /** Var[X] (`Infinity` or `NaN` where it does not exist). */
  readonly variance: number
  /** The density (for a discrete law, the mass at x). */
  pdf(x: number): number
  /** log pdf(x), exact where pdf underflows. */
  logpdf(x: number): number
  /** P(X ≤ x). */
  cdf(x: number): number
  /** log cdf(x): exact in the lower tail, where cdf underflows. */
  logcdf(x: number): number
  /** log(1 − cdf(x)): exact in the upper tail, where `1 − cdf` cancels. */
  logsf(x: number): number
  /** The inverse cdf: the smallest x with cdf(x) ≥ p. */
  quantile(p: number): number
  /**
   * d/dx log pdf(x) (the score), for laws whose density is positive and absolutely continuous on
   * ℝ, so that E[f(X) · dlogpdf(X)] = −E[f′(X)]: what score-function (perturbed-optimizer)
   * gradient estimators need. `undefined` where that identity fails: densities with jumps
   * (uniform, exponential), no density (discrete), and custom laws.
   *
   * @since 0.2.0
   */
  readonly dlogpdf: ((x: number) => number) | undefined
  /** The JSON form, read back by `Noise.lawFromJSON`. */
  toJSON(): LawJson<Tag>
}

/**
 * The JSON form of a law: its tag and parameters side by side, `{ _tag: "Gumbel", loc: 0, scale: 1 }`.
 * A custom law's JSON names it only (`fromJSON` cannot rebuild user functions).
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * const json: Noise.LawJson = Noise.lawFromJSON({ _tag: "Normal", mean: 0, sd: 1 }).toJSON()
 * @since 0.2.0
 * @category models
 */
export type LawJson<Tag extends LawTag = LawTag> = {
  readonly [K in Tag]: {
    /** The law's name; its parameters sit beside it. */
    readonly _tag: K
  } & ParamsByTag[K]
}[Tag]

// The identity of a built-in law: its tag and parameters (JSON prints −0 as 0, the same law).
const key = (law: Law): string => `${law._tag}:${JSON.stringify(law.params)}`

/**
 * The one rule for "the same law": built-in laws of the same tag with the same parameters; a custom
 * law only as itself, since it carries user functions, which compare by identity. `Equal.equals`
 * on laws is this.
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * Noise.sameLaw(Noise.normal(), Noise.normal({ mean: 0, sd: 1 })) // true
 * @since 0.2.0
 * @category equivalence
 */
export const sameLaw = (a: Law, b: Law): boolean =>
  a === b || (a._tag === b._tag && a._tag !== "Custom" && key(a) === key(b))

const LawProto = {
  [TypeId]: TypeId,
  [Equal.symbol](this: Law, that: unknown): boolean {
    return isLaw(that) && sameLaw(this, that)
  },
  [Hash.symbol](this: Law): number {
    return Hash.string(key(this))
  },
  pipe(this: Law) {
    return pipeArguments(this, arguments)
  },
  pdf(this: Law, x: number): number {
    return Math.exp(this.logpdf(x))
  },
  toJSON<Tag extends LawTag>(this: LawOf<Tag>): LawJson<Tag> {
    return { _tag: this._tag, ...this.params }
  },
  toString(this: Law): string {
    const args = Object.entries(this.params).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(", ")
    return `${this._tag}(${args})`
  }
}

/** @internal */
export const makeLaw = <Tag extends LawTag>(
  tag: Tag,
  params: ParamsByTag[Tag],
  traits: Traits,
  numerics: Numerics
): Law<Tag> => {
  // Object.create is untyped: the fields below are what LawOf adds to the prototype's methods.
  const law: LawOf<Tag> = Object.assign(Object.create(LawProto), {
    _tag: tag,
    params: Object.freeze(params),
    traits,
    mean: numerics.mean,
    variance: numerics.variance,
    logpdf: numerics.logpdf,
    cdf: numerics.cdf,
    logcdf: numerics.logcdf,
    logsf: numerics.logsf,
    quantile: numerics.quantile,
    dlogpdf: numerics.dlogpdf
  })
  return Object.freeze(law)
}

/**
 * @example
 * import { Noise } from "@perturb/noise"
 * Noise.isLaw(Noise.gumbel()) // true
 * Noise.isLaw(Noise.iid(Noise.gumbel(), 3)) // false: a vector noise
 * @since 0.1.0
 * @category guards
 */
export const isLaw = (u: unknown): u is Law => typeof u === "object" && u !== null && TypeId in u
