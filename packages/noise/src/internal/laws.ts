/**
 * The built-in scalar laws, each declared here and only here: its parameters (a line of
 * `ParamsByTag`, added to Law.ts's interface by module augmentation, below), its constructor
 * (validation, traits, and the numerics of `families.ts`) and its JSON form (a line of the table at
 * the end). `Noise` re-exports every constructor of this module, `Noise.fromJSON` reads every law
 * of the table, and the compiler refuses a tag of `ParamsByTag` that the table lacks.
 *
 * Traits are declared by hand and carefully: `@perturb/analysis` decides theorems from them.
 */
import { Schema } from "effect"
import { InvalidArgument } from "../Errors.js"
import { type Law, type LawTag, makeLaw } from "../Law.js"
import { realLine, type Traits } from "../Traits.js"
import * as F from "./families.js"
import { check, checkFiniteArray, checkOptions, Finite, orDefault, Positive } from "./validate.js"

// The parameters of each law, by tag: `Law<"Gumbel">["params"]` and the rest of Law.ts's types
// read them from here.
declare module "../Law.js" {
  interface ParamsByTag {
    /** Location and scale of the Gumbel (max) law. */
    readonly Gumbel: {
      /** Location: shifts the law. */
      readonly loc: number
      /** Scale > 0: stretches the law. */
      readonly scale: number
    }
    /** Mean and standard deviation. */
    readonly Normal: {
      /** The mean. */
      readonly mean: number
      /** The standard deviation, > 0. */
      readonly sd: number
    }
    /** Location and scale. */
    readonly Logistic: {
      /** Location: shifts the law. */
      readonly loc: number
      /** Scale > 0: stretches the law. */
      readonly scale: number
    }
    /** Location and scale. */
    readonly Laplace: {
      /** Location: shifts the law. */
      readonly loc: number
      /** Scale > 0: stretches the law. */
      readonly scale: number
    }
    /** Degrees of freedom, location and scale. */
    readonly StudentT: {
      /** Degrees of freedom, > 0. */
      readonly df: number
      /** Location: shifts the law. */
      readonly loc: number
      /** Scale > 0: stretches the law. */
      readonly scale: number
    }
    /** Location and scale. */
    readonly Cauchy: {
      /** Location: shifts the law. */
      readonly loc: number
      /** Scale > 0: stretches the law. */
      readonly scale: number
    }
    /** The interval [a, b]. */
    readonly Uniform: {
      /** The left end. */
      readonly a: number
      /** The right end, above `a`. */
      readonly b: number
    }
    /** The rate (1 / mean). */
    readonly Exponential: {
      /** The rate, > 0 (1 / mean). */
      readonly rate: number
    }
    /** The atoms and their probabilities. */
    readonly Discrete: {
      /** The values taken. */
      readonly atoms: ReadonlyArray<number>
      /** Their probabilities, summing to 1. */
      readonly weights: ReadonlyArray<number>
    }
  }
}

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
 * @example
 * import { Noise } from "@perturb/noise"
 * Noise.logistic({ scale: 2 }).cdf(0) // 0.5
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
 * @example
 * import { Noise } from "@perturb/noise"
 * Noise.laplace().cdf(0) // 0.5
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
 * @example
 * import { Noise } from "@perturb/noise"
 * Noise.studentT({ df: 3 }).traits // heavy tails on both sides
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
 * @example
 * import { Noise } from "@perturb/noise"
 * Noise.cauchy().cdf(1) // 0.75
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
 * @example
 * import { Noise } from "@perturb/noise"
 * Noise.uniform({ a: -1, b: 1 }).cdf(0) // 0.5
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
 * @example
 * import { Noise } from "@perturb/noise"
 * Noise.exponential({ rate: 2 }).cdf(Math.LN2 / 2) // 0.5: the median
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

const Num = Schema.Number
const opt = Schema.optionalKey(Num)
const Numbers = Schema.Array(Num)

/**
 * How a law is read from JSON: its shape (what `fromJSON` accepts before the constructor checks
 * the values) and its constructor. `read` is handed the decoder, which names a failing field by
 * its path in the file.
 */
interface JsonForm {
  readonly read: (decode: <A>(shape: Schema.Codec<A, A>) => A) => Law
}

const jsonForm = <A>(shape: Schema.Codec<A, A>, make: (options: A) => Law): JsonForm => ({
  read: (decode) => make(decode(shape))
})

/**
 * The JSON form of every built-in law, by tag, in the order `fromJSON` lists them. The default
 * export, so that `Noise`'s `export *` takes the constructors only.
 */
export default {
  Gumbel: jsonForm(Schema.Struct({ loc: opt, scale: opt }), gumbel),
  Normal: jsonForm(Schema.Struct({ mean: opt, sd: opt }), normal),
  Logistic: jsonForm(Schema.Struct({ loc: opt, scale: opt }), logistic),
  Laplace: jsonForm(Schema.Struct({ loc: opt, scale: opt }), laplace),
  StudentT: jsonForm(Schema.Struct({ df: Num, loc: opt, scale: opt }), studentT),
  Cauchy: jsonForm(Schema.Struct({ loc: opt, scale: opt }), cauchy),
  Uniform: jsonForm(Schema.Struct({ a: opt, b: opt }), uniform),
  Exponential: jsonForm(Schema.Struct({ rate: opt }), exponential),
  Discrete: jsonForm(Schema.Struct({ atoms: Numbers, weights: Schema.optionalKey(Numbers) }), discrete)
} satisfies { readonly [Tag in Exclude<LawTag, "Custom">]: JsonForm }
