/**
 * Scalar noise laws: immutable values with validated parameters, statistical traits and float64
 * numerics.
 *
 * Laws every implementation honours (tested as properties):
 * - `cdf` is non-decreasing, `0 ≤ cdf ≤ 1`, and `exp(logcdf) = cdf`, `exp(logsf) = 1 − cdf`;
 * - `quantile(cdf(x)) = x` inside a continuous law's support;
 * - the traits agree with the numerics (support, positivity of the density, symmetry).
 *
 * @since 0.1.0
 */
import { Equal, Hash } from "effect"
import { pipeArguments, type Pipeable } from "effect/Pipeable"
import { InvalidArgument } from "./Errors.js"
import * as F from "./internal/families.js"
import type { LawTag, ParamsByTag } from "./internal/params.js"
import { check, checkFiniteArray, checkOptions, Finite, orDefault, Positive } from "./internal/validate.js"
import { realLine, type Traits } from "./Traits.js"

export type { LawSpec, LawTag, ParamsByTag } from "./internal/params.js"

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
 * A scalar law. `pdf`/`logpdf` are the density for continuous laws and the probability mass for
 * discrete ones. Undefined moments are `NaN` (Cauchy's mean), infinite ones `Infinity`.
 *
 * `Law` (any tag) is a union over the tags, so `switch (law._tag)` narrows `law.params`.
 *
 * @since 0.1.0
 * @category models
 */
export type Law<Tag extends LawTag = LawTag> = { readonly [K in Tag]: LawOf<K> }[Tag]

/**
 * The law of one tag.
 *
 * @since 0.2.0
 * @category models
 */
export interface LawOf<Tag extends LawTag> extends Equal.Equal, Pipeable {
  readonly [TypeId]: TypeId
  readonly _tag: Tag
  readonly params: ParamsByTag[Tag]
  readonly traits: Traits
  readonly mean: number
  readonly variance: number
  pdf(x: number): number
  logpdf(x: number): number
  cdf(x: number): number
  logcdf(x: number): number
  /** log(1 − cdf(x)): exact in the upper tail, where `1 − cdf` cancels. */
  logsf(x: number): number
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
  toJSON(): LawJson<Tag>
}

/**
 * The JSON form of a law: its tag and parameters side by side, `{ _tag: "Gumbel", loc: 0, scale: 1 }`.
 * A custom law's JSON names it only (`fromJSON` cannot rebuild user functions).
 *
 * @since 0.2.0
 * @category models
 */
export type LawJson<Tag extends LawTag = LawTag> = { readonly [K in Tag]: { readonly _tag: K } & ParamsByTag[K] }[Tag]

// The identity of a built-in law: its tag and parameters (JSON prints −0 as 0, the same law).
const key = (law: Law): string => `${law._tag}:${JSON.stringify(law.params)}`

/**
 * The one rule for "the same law": built-in laws of the same tag with the same parameters; a custom
 * law only as itself, since it carries user functions, which compare by identity. `Equal.equals`
 * on laws is this.
 *
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
  toJSON(this: Law): LawJson {
    return { _tag: this._tag, ...this.params } as LawJson
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
  numerics: F.Numerics
): Law<Tag> => {
  const self = Object.create(LawProto)
  self._tag = tag
  self.params = Object.freeze(params)
  self.traits = traits
  self.mean = numerics.mean
  self.variance = numerics.variance
  self.logpdf = numerics.logpdf
  self.cdf = numerics.cdf
  self.logcdf = numerics.logcdf
  self.logsf = numerics.logsf
  self.quantile = numerics.quantile
  self.dlogpdf = F.score(self)
  return Object.freeze(self) as Law<Tag>
}

/**
 * @since 0.1.0
 * @category guards
 */
export const isLaw = (u: unknown): u is Law => typeof u === "object" && u !== null && TypeId in u

const locScale = (family: string, options: { loc?: number; scale?: number } | undefined) => {
  const o = checkOptions(family, options)
  return {
    loc: check(Finite, `${family}.loc`, orDefault(o.loc, 0)),
    scale: check(Positive, `${family}.scale`, orDefault(o.scale, 1))
  }
}

const unbounded = (opts: {
  differentiable?: "everywhere" | "almostEverywhere"
  finiteMean?: boolean
  tails: "light" | "heavy"
  symmetric: boolean
}): Traits => ({
  support: realLine,
  kind: "continuous",
  densityPositive: true,
  densityDifferentiable: opts.differentiable ?? "everywhere",
  finiteMean: opts.finiteMean ?? true,
  tails: { lower: opts.tails, upper: opts.tails },
  symmetric: opts.symmetric
})

/**
 * The Gumbel (maximum) law; standard Gumbel noise makes Perturb-Argmax exactly softmax.
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * Noise.gumbel().cdf(0) // = exp(-1)
 * @since 0.1.0
 * @category constructors
 */
export const gumbel = (options?: { readonly loc?: number; readonly scale?: number }): Law<"Gumbel"> => {
  const { loc, scale } = locScale("gumbel", options)
  return makeLaw("Gumbel", { loc, scale }, unbounded({ tails: "light", symmetric: false }), F.gumbel(loc, scale))
}

/**
 * The normal law N(mean, sd²).
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * Noise.normal().logcdf(-40) // ≈ -804.608, finite
 * @since 0.1.0
 * @category constructors
 */
export const normal = (options?: { readonly mean?: number; readonly sd?: number }): Law<"Normal"> => {
  checkOptions("normal", options)
  const mean = check(Finite, "normal.mean", orDefault(options?.mean, 0))
  const sd = check(Positive, "normal.sd", orDefault(options?.sd, 1))
  return makeLaw("Normal", { mean, sd }, unbounded({ tails: "light", symmetric: true }), F.normal(mean, sd))
}

/**
 * The logistic law (the law of the difference of two standard Gumbels).
 *
 * @since 0.1.0
 * @category constructors
 */
export const logistic = (options?: { readonly loc?: number; readonly scale?: number }): Law<"Logistic"> => {
  const { loc, scale } = locScale("logistic", options)
  return makeLaw("Logistic", { loc, scale }, unbounded({ tails: "light", symmetric: true }), F.logistic(loc, scale))
}

/**
 * The Laplace (double exponential) law; its density has a kink at `loc`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const laplace = (options?: { readonly loc?: number; readonly scale?: number }): Law<"Laplace"> => {
  const { loc, scale } = locScale("laplace", options)
  return makeLaw(
    "Laplace",
    { loc, scale },
    unbounded({ tails: "light", symmetric: true, differentiable: "almostEverywhere" }),
    F.laplace(loc, scale)
  )
}

/**
 * Student's t law with `df` degrees of freedom; heavy tails, finite mean only when `df > 1`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const studentT = (options: {
  readonly df: number
  readonly loc?: number
  readonly scale?: number
}): Law<"StudentT"> => {
  checkOptions("studentT", options, true)
  const df = check(Positive, "studentT.df", options?.df)
  const { loc, scale } = locScale("studentT", options)
  return makeLaw(
    "StudentT",
    { df, loc, scale },
    unbounded({ tails: "heavy", symmetric: true, finiteMean: df > 1 }),
    F.studentT(df, loc, scale)
  )
}

/**
 * The Cauchy law: no finite mean, so the paper's completeness theorem for Perturb-Softmax does
 * not apply to it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const cauchy = (options?: { readonly loc?: number; readonly scale?: number }): Law<"Cauchy"> => {
  const { loc, scale } = locScale("cauchy", options)
  return makeLaw(
    "Cauchy",
    { loc, scale },
    unbounded({ tails: "heavy", symmetric: true, finiteMean: false }),
    F.cauchy(loc, scale)
  )
}

/**
 * The uniform law on [a, b] (Prop 5.4's bounded noise).
 *
 * @since 0.1.0
 * @category constructors
 */
export const uniform = (options?: { readonly a?: number; readonly b?: number }): Law<"Uniform"> => {
  checkOptions("uniform", options)
  const a = check(Finite, "uniform.a", orDefault(options?.a, 0))
  const b = check(Finite, "uniform.b", orDefault(options?.b, 1))
  if (!(a < b)) {
    throw new InvalidArgument({ argument: "uniform.b", value: b, reason: `Expected b > a = ${a}` })
  }
  return makeLaw(
    "Uniform",
    { a, b },
    {
      support: { _tag: "Interval", lower: a, upper: b },
      kind: "continuous",
      densityPositive: false,
      densityDifferentiable: "almostEverywhere",
      finiteMean: true,
      tails: { lower: "bounded", upper: "bounded" },
      symmetric: true
    },
    F.uniform(a, b)
  )
}

/**
 * The exponential law with the given rate: bounded below at 0, light upper tail.
 *
 * @since 0.1.0
 * @category constructors
 */
export const exponential = (options?: { readonly rate?: number }): Law<"Exponential"> => {
  checkOptions("exponential", options)
  const rate = check(Positive, "exponential.rate", orDefault(options?.rate, 1))
  return makeLaw(
    "Exponential",
    { rate },
    {
      support: { _tag: "Interval", lower: 0, upper: Infinity },
      kind: "continuous",
      densityPositive: false,
      densityDifferentiable: "almostEverywhere",
      finiteMean: true,
      tails: { lower: "bounded", upper: "light" },
      symmetric: false
    },
    F.exponential(rate)
  )
}

/**
 * A law on finitely many atoms (Prop 5.5's discrete noise). Atoms must be finite and distinct;
 * weights (uniform when omitted) non-negative and summing to 1 within 1e-9.
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * Noise.discrete({ atoms: [0, 1] }).cdf(0.5) // 0.5
 * @since 0.1.0
 * @category constructors
 */
export const discrete = (options: {
  readonly atoms: ReadonlyArray<number>
  readonly weights?: ReadonlyArray<number>
}): Law<"Discrete"> => {
  checkOptions("discrete", options, true)
  const atoms = checkFiniteArray("discrete.atoms", options?.atoms)
  if (atoms.length === 0) {
    throw new InvalidArgument({ argument: "discrete.atoms", value: atoms, reason: "Expected at least one atom" })
  }
  const weights = options.weights === undefined
    ? atoms.map(() => 1 / atoms.length)
    : checkFiniteArray("discrete.weights", options.weights)
  if (weights.length !== atoms.length) {
    throw new InvalidArgument({
      argument: "discrete.weights",
      value: weights,
      reason: `Expected ${atoms.length} weights (one per atom), got ${weights.length}`
    })
  }
  weights.forEach((w, i) => {
    if (w < 0) throw new InvalidArgument({ argument: `discrete.weights[${i}]`, value: w, reason: "Expected w ≥ 0" })
  })
  const total = weights.reduce((s, w) => s + w, 0)
  if (Math.abs(total - 1) > 1e-9) {
    throw new InvalidArgument({ argument: "discrete.weights", value: weights, reason: `Expected a sum of 1, got ${total}` })
  }
  const order = atoms.map((_, i) => i).sort((i, j) => atoms[i]! - atoms[j]!)
  const sortedAtoms = order.map((i) => atoms[i]!)
  const sortedWeights = order.map((i) => weights[i]!)
  for (let i = 1; i < sortedAtoms.length; i++) {
    if (sortedAtoms[i] === sortedAtoms[i - 1]) {
      throw new InvalidArgument({
        argument: "discrete.atoms",
        value: atoms,
        reason: `Expected distinct atoms, ${sortedAtoms[i]} repeats`
      })
    }
  }
  const lo = sortedAtoms[0]!
  const hi = sortedAtoms[sortedAtoms.length - 1]!
  const symmetric = sortedAtoms.every((a, i) => {
    const j = sortedAtoms.length - 1 - i
    return Math.abs(a - lo - (hi - sortedAtoms[j]!)) <= 1e-12 * (1 + Math.abs(hi - lo)) &&
      Math.abs(sortedWeights[i]! - sortedWeights[j]!) <= 1e-12
  })
  return makeLaw(
    "Discrete",
    { atoms: Object.freeze(sortedAtoms), weights: Object.freeze(sortedWeights) },
    {
      support: { _tag: "Atoms", atoms: sortedAtoms },
      kind: "discrete",
      densityPositive: false,
      densityDifferentiable: "no",
      finiteMean: true,
      tails: { lower: "bounded", upper: "bounded" },
      symmetric
    },
    F.discrete(sortedAtoms, sortedWeights)
  )
}
