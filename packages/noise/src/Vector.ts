/**
 * Vector noise γ = (γ₁, …, γ_d): i.i.d. copies of one law, independent laws per coordinate, or a
 * correlated Gaussian (multinomial probit). A bare scalar `Law` is also accepted wherever noise is
 * expected and means "i.i.d. in every coordinate, whatever d is".
 *
 * @since 0.1.0
 */
import { InvalidArgument } from "./Errors.js"
import { normal } from "./internal/laws.js"
import { isLaw, type Law, type LawJson, sameLaw } from "./Law.js"
import * as Numeric from "./Numeric.js"
import { check, checkFiniteArray, checkOptions } from "./internal/validate.js"
import { Equal, Hash, Schema } from "effect"

/**
 * @example
 * import { Noise } from "@perturb/noise"
 * const n: Noise.IID = Noise.iid(Noise.normal(), 3)
 * @since 0.1.0
 * @category models
 */
export interface IID extends Equal.Equal {
  /** The kind: i.i.d. coordinates. */
  readonly _tag: "IID"
  /** The law of each coordinate. */
  readonly law: Law
  /** d, the number of coordinates. */
  readonly dim: number
  /** The JSON form, read back by `Noise.fromJSON`. */
  toJSON(): VectorNoiseJson
}

/**
 * @example
 * import { Noise } from "@perturb/noise"
 * const n: Noise.Independent = Noise.independent([Noise.gumbel(), Noise.normal()])
 * @since 0.1.0
 * @category models
 */
export interface Independent extends Equal.Equal {
  /** The kind: independent coordinates, each with its own law. */
  readonly _tag: "Independent"
  /** The coordinates' laws, in order. */
  readonly laws: ReadonlyArray<Law>
  /** d, the number of coordinates. */
  readonly dim: number
  /** The JSON form, read back by `Noise.fromJSON`. */
  toJSON(): VectorNoiseJson
}

/**
 * A Gaussian with the given mean and covariance; `cholesky` is the lower factor L (row-major,
 * `dim × dim`) with L Lᵀ = covariance, kept so sampling and quadrature never refactor.
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * const probit: Noise.Gaussian = Noise.gaussian({ covariance: [[1, 0.5], [0.5, 1]] })
 * @since 0.1.0
 * @category models
 */
export interface Gaussian extends Equal.Equal {
  /** The kind: a multivariate normal, possibly correlated. */
  readonly _tag: "Gaussian"
  /** d, the number of coordinates. */
  readonly dim: number
  /** The mean vector. */
  readonly mean: ReadonlyArray<number>
  /** The covariance matrix, symmetric positive definite. */
  readonly covariance: ReadonlyArray<ReadonlyArray<number>>
  /** Its lower Cholesky factor, row-major: the sampler's transform. */
  readonly cholesky: Float64Array
  /** The JSON form, read back by `Noise.fromJSON`. */
  toJSON(): VectorNoiseJson
}

/**
 * @example
 * import { Noise } from "@perturb/noise"
 * const vectors: Array<Noise.VectorNoise> = [Noise.iid(Noise.gumbel(), 2), Noise.gaussian({ covariance: [[1, 0], [0, 1]] })]
 * @since 0.1.0
 * @category models
 */
export type VectorNoise = IID | Independent | Gaussian

/**
 * Anything accepted as noise: a vector law, or a scalar law meaning i.i.d. copies.
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * const noises: Array<Noise.Noise> = [Noise.gumbel(), Noise.iid(Noise.normal(), 3)] // a law fits any d
 * @since 0.1.0
 * @category models
 */
export type Noise = Law | VectorNoise

/**
 * The JSON form of vector noise.
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * const json: Noise.VectorNoiseJson = Noise.iid(Noise.normal(), 2).toJSON()
 * @since 0.2.0
 * @category models
 */
export type VectorNoiseJson =
  | {
    /** I.i.d. coordinates. */
    readonly _tag: "IID"
    /** Each coordinate's law, as JSON. */
    readonly law: LawJson
    /** d. */
    readonly dim: number
  }
  | {
    /** Independent coordinates. */
    readonly _tag: "Independent"
    /** The coordinates' laws, as JSON. */
    readonly laws: ReadonlyArray<LawJson>
  }
  | {
    /** A multivariate normal. */
    readonly _tag: "Gaussian"
    /** The mean vector. */
    readonly mean: ReadonlyArray<number>
    /** The covariance matrix. */
    readonly covariance: ReadonlyArray<ReadonlyArray<number>>
  }

/**
 * The JSON form of any noise.
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * const json: Noise.NoiseJson = Noise.toJSON(Noise.gumbel())
 * Noise.fromJSON(json) // an equal noise
 * @since 0.2.0
 * @category models
 */
export type NoiseJson = LawJson | VectorNoiseJson

// Structural identity, laws compared by `sameLaw` (a custom law only as itself).
const sameNoise = (a: VectorNoise, b: VectorNoise): boolean => {
  if (a.dim !== b.dim) return false
  switch (a._tag) {
    case "IID":
      return b._tag === "IID" && sameLaw(a.law, b.law)
    case "Independent":
      return b._tag === "Independent" && a.laws.every((l, i) => sameLaw(l, b.laws[i]!))
    case "Gaussian":
      return b._tag === "Gaussian" && a.mean.every((m, i) => m === b.mean[i]) &&
        a.covariance.every((row, i) => row.every((c, j) => c === b.covariance[i]![j]))
  }
}

const vectorJson = (n: VectorNoise): VectorNoiseJson => {
  switch (n._tag) {
    case "IID":
      return { _tag: "IID", law: n.law.toJSON(), dim: n.dim }
    case "Independent":
      return { _tag: "Independent", laws: n.laws.map((l) => l.toJSON()) }
    case "Gaussian":
      return { _tag: "Gaussian", mean: n.mean, covariance: n.covariance }
  }
}

const VectorProto = {
  [Equal.symbol](this: VectorNoise, that: unknown): boolean {
    return isNoise(that) && !isLaw(that) && sameNoise(this, that)
  },
  [Hash.symbol](this: VectorNoise): number {
    // JSON prints −0 as 0, as `===` compares them.
    return Hash.string(JSON.stringify(vectorJson(this)))
  },
  toJSON(this: VectorNoise): VectorNoiseJson {
    return vectorJson(this)
  }
}

const make = <N extends VectorNoise>(fields: Omit<N, keyof Equal.Equal | "toJSON">): N =>
  Object.freeze(Object.assign(Object.create(VectorProto), fields))

const Dim = Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1))

/**
 * `d` i.i.d. copies of `law`.
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * const g3 = Noise.iid(Noise.gumbel(), 3) // three independent Gumbel coordinates
 * @since 0.1.0
 * @category constructors
 */
export const iid = (law: Law, dim: number): IID => {
  if (!isLaw(law)) throw new InvalidArgument({ argument: "iid.law", value: law, reason: "Expected a Law" })
  return make<IID>({ _tag: "IID", law, dim: check(Dim, "iid.dim", dim) })
}

/**
 * Independent coordinates with their own laws (e.g. per-coordinate scales).
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * const mixed = Noise.independent([Noise.gumbel(), Noise.normal(), Noise.exponential()])
 * @since 0.1.0
 * @category constructors
 */
export const independent = (laws: ReadonlyArray<Law>): Independent => {
  if (!Array.isArray(laws) || laws.length === 0) {
    throw new InvalidArgument({ argument: "independent.laws", value: laws, reason: "Expected a non-empty array of laws" })
  }
  laws.forEach((l, i) => {
    if (!isLaw(l)) throw new InvalidArgument({ argument: `independent.laws[${i}]`, value: l, reason: "Expected a Law" })
  })
  return make<Independent>({ _tag: "Independent", laws: Object.freeze([...laws]), dim: laws.length })
}

/** The lower Cholesky factor of a covariance; throws naming the first pivot that is not positive. */
const cholesky = (c: ReadonlyArray<ReadonlyArray<number>>): Float64Array => {
  const f = Numeric.cholesky(c.flat(), c.length)
  if ("L" in f) return f.L
  throw new InvalidArgument({
    argument: "gaussian.covariance",
    value: c,
    reason: `Expected a positive definite matrix; the Cholesky pivot at row ${f.row} is ${f.pivot}`
  })
}

/**
 * A correlated Gaussian N(mean, covariance). The covariance must be a finite, symmetric,
 * positive definite `d × d` matrix (d ≥ 1); the mean defaults to 0.
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * Noise.gaussian({ covariance: [[1, 0.5], [0.5, 1]] }).cholesky // [1, 0, 0.5, 0.866…]
 * @since 0.1.0
 * @category constructors
 */
export const gaussian = (options: {
  readonly covariance: ReadonlyArray<ReadonlyArray<number>>
  readonly mean?: ReadonlyArray<number>
}): Gaussian => {
  checkOptions("gaussian", options, true)
  const cov = options?.covariance
  if (!Array.isArray(cov) || cov.length === 0) {
    throw new InvalidArgument({ argument: "gaussian.covariance", value: cov, reason: "Expected a non-empty square matrix" })
  }
  const d = cov.length
  const rows = cov.map((row, i) => {
    const r = checkFiniteArray(`gaussian.covariance[${i}]`, row)
    if (r.length !== d) {
      throw new InvalidArgument({ argument: `gaussian.covariance[${i}]`, value: row, reason: `Expected ${d} entries` })
    }
    return r
  })
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < i; j++) {
      const a = rows[i]![j]!
      const b = rows[j]![i]!
      if (Math.abs(a - b) > 1e-12 * Math.max(1, Math.abs(a), Math.abs(b))) {
        throw new InvalidArgument({
          argument: `gaussian.covariance[${i}][${j}]`,
          value: a,
          reason: `Expected a symmetric matrix, but covariance[${j}][${i}] = ${b}`
        })
      }
    }
  }
  const mean = options.mean === undefined ? new Array<number>(d).fill(0) : checkFiniteArray("gaussian.mean", options.mean)
  if (mean.length !== d) {
    throw new InvalidArgument({ argument: "gaussian.mean", value: mean, reason: `Expected ${d} entries` })
  }
  return make<Gaussian>({
    _tag: "Gaussian",
    dim: d,
    mean: Object.freeze([...mean]),
    covariance: Object.freeze(rows.map((r) => Object.freeze([...r]))),
    cholesky: cholesky(rows)
  })
}

/**
 * True for a scalar law or a vector noise value.
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * Noise.isNoise(Noise.normal()) // true: a law is a noise (i.i.d. at any d)
 * Noise.isNoise({ _tag: "Normal" }) // false
 * @since 0.1.0
 * @category guards
 */
export const isNoise = (u: unknown): u is Noise =>
  isLaw(u) || (typeof u === "object" && u !== null && ["IID", "Independent", "Gaussian"].includes((u as { _tag?: unknown })._tag as string))

/**
 * The dimension the noise fixes, or `undefined` for a bare scalar law (any dimension).
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * Noise.dimOf(Noise.iid(Noise.normal(), 4)) // 4
 * Noise.dimOf(Noise.normal()) // undefined: fits any d
 * @since 0.1.0
 * @category guards
 */
export const dimOf = (noise: Noise): number | undefined => (isLaw(noise) ? undefined : noise.dim)

/**
 * The marginal law of coordinate `i` (Gaussian marginals are normal).
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * Noise.marginal(Noise.independent([Noise.gumbel(), Noise.normal()]), 1)._tag // "Normal"
 * @since 0.1.0
 * @category combinators
 */
export const marginal = (noise: Noise, i: number): Law => {
  if (isLaw(noise)) return noise
  const dim = noise.dim
  if (!Number.isInteger(i) || i < 0 || i >= dim) {
    throw new InvalidArgument({ argument: "i", value: i, reason: `Expected an integer in [0, ${dim - 1}]` })
  }
  switch (noise._tag) {
    case "IID":
      return noise.law
    case "Independent":
      return noise.laws[i]!
    case "Gaussian":
      return normal({ mean: noise.mean[i]!, sd: Math.sqrt(noise.covariance[i]![i]!) })
  }
}

/**
 * The scalar laws of `d` coordinates when they are independent, `undefined` for a correlated
 * Gaussian with non-zero off-diagonal covariance.
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * Noise.independentMarginals(Noise.normal(), 2)?.length // 2
 * Noise.independentMarginals(Noise.gaussian({ covariance: [[1, 0.5], [0.5, 1]] }), 2) // undefined: correlated
 * @since 0.1.0
 * @category combinators
 */
export const independentMarginals = (noise: Noise, d: number): ReadonlyArray<Law> | undefined => {
  const dim = dimOf(noise)
  if (dim !== undefined && dim !== d) {
    throw new InvalidArgument({ argument: "d", value: d, reason: `The noise has dimension ${dim}` })
  }
  if (!isLaw(noise) && noise._tag === "Gaussian") {
    const diagonal = noise.covariance.every((row, i) => row.every((v, j) => i === j || v === 0))
    if (!diagonal) return undefined
  }
  return Array.from({ length: d }, (_, i) => marginal(noise, i))
}
