/**
 * Sampling from noise laws with explicit keys: the same key always gives the same numbers, and
 * samples are a pure function of (key, index), so a chunked draw equals a whole one.
 *
 * Continuous laws use the inverse cdf of `Random.uniform64` (one uniform per sample), which keeps
 * every law, and every backend, on the same counter stream; Gumbel, Exponential, Logistic and
 * Normal have direct transforms that are algebraically the same inverse cdf, only faster.
 *
 * @since 0.1.0
 */
import { InvalidArgument } from "./Errors.js"
import type { Key } from "./Key.js"
import { isLaw, type Law } from "./Law.js"
import * as Numeric from "./Numeric.js"
import * as Random from "./Random.js"
import type { Gaussian, Noise } from "./Vector.js"
import { check, NonNegativeInt, PositiveInt } from "./internal/validate.js"

/** Applies the law's inverse cdf to uniforms in place. */
const transform = (law: Law, u: Float64Array): Float64Array => {
  const n = u.length
  switch (law._tag) {
    case "Gumbel": {
      const { loc, scale } = law.params
      for (let i = 0; i < n; i++) u[i] = loc - scale * Math.log(-Math.log(u[i]!))
      return u
    }
    case "Logistic": {
      const { loc, scale } = law.params
      for (let i = 0; i < n; i++) u[i] = loc + scale * (Math.log(u[i]!) - Math.log1p(-u[i]!))
      return u
    }
    case "Exponential": {
      const { rate } = law.params
      for (let i = 0; i < n; i++) u[i] = -Math.log1p(-u[i]!) / rate
      return u
    }
    default:
      for (let i = 0; i < n; i++) u[i] = law.quantile(u[i]!)
      return u
  }
}

const checkKey = (key: Key): void => {
  if (typeof key !== "object" || key === null || key._tag !== "Key") {
    throw new InvalidArgument({ argument: "key", value: key, reason: "Expected a Key (Key.make(seed))" })
  }
}

/**
 * `n` float64 samples of a scalar law; `offset` skips the first samples of the key's stream.
 *
 * @example
 * import { Key, Noise } from "@perturb/noise"
 * Noise.sample(Noise.gumbel(), Key.make(0), 4) // Float64Array(4), the same on every run
 * @since 0.1.0
 * @category constructors
 */
export const sample = (law: Law, key: Key, n: number, offset = 0): Float64Array => {
  if (!isLaw(law)) throw new InvalidArgument({ argument: "law", value: law, reason: "Expected a Law" })
  checkKey(key)
  check(NonNegativeInt, "n", n)
  check(NonNegativeInt, "offset", offset)
  if (law._tag === "Normal") {
    const { mean, sd } = law.params
    const z = Random.normal64(key, n, offset)
    for (let i = 0; i < n; i++) z[i] = mean + sd * z[i]!
    return z
  }
  return transform(law, Random.uniform64(key, n, offset))
}

/**
 * Fills `u` (float32 uniforms) with the law's inverse cdf, computed in float64 and rounded once.
 * The hot laws are inlined so the loop is one pass over the array.
 */
const transform32 = (law: Law, u: Float32Array): Float32Array => {
  const n = u.length
  switch (law._tag) {
    case "Gumbel": {
      const { loc, scale } = law.params
      for (let i = 0; i < n; i++) u[i] = loc - scale * Math.log(-Math.log(u[i]!))
      return u
    }
    case "Normal": {
      const { mean, sd } = law.params
      for (let i = 0; i < n; i++) u[i] = mean + sd * Random.normalQuantile(u[i]!)
      return u
    }
    case "Uniform": {
      const { a, b } = law.params
      for (let i = 0; i < n; i++) u[i] = a + (b - a) * u[i]!
      return u
    }
    case "Exponential": {
      const { rate } = law.params
      for (let i = 0; i < n; i++) u[i] = -Math.log1p(-u[i]!) / rate
      return u
    }
    case "Logistic": {
      const { loc, scale } = law.params
      for (let i = 0; i < n; i++) u[i] = loc + scale * (Math.log(u[i]!) - Math.log1p(-u[i]!))
      return u
    }
    default:
      for (let i = 0; i < n; i++) u[i] = law.quantile(u[i]!)
      return u
  }
}

/**
 * `n` float32 samples of a scalar law: the inverse cdf of `Random.uniform32` (one 32-bit word per
 * sample, strictly inside (0, 1)), computed in float64 and rounded once. This is the stream the
 * tensor samplers and the GPU kernels share, so a key gives the same uniforms on every backend.
 * The price of 23-bit uniforms is a bounded range (|standard normal| ≤ 5.3, Gumbel in
 * [−2.8, 16.6]): use `sample` when far tails matter.
 *
 * @example
 * import { Key, Noise } from "@perturb/noise"
 * Noise.sample32(Noise.gumbel(), Key.make(1), 4) // Float32Array(4)
 * @since 0.1.0
 * @category constructors
 */
export const sample32 = (law: Law, key: Key, n: number, offset = 0): Float32Array => {
  if (!isLaw(law)) throw new InvalidArgument({ argument: "law", value: law, reason: "Expected a Law" })
  checkKey(key)
  check(NonNegativeInt, "n", n)
  check(NonNegativeInt, "offset", offset)
  return transform32(law, Random.uniform32(key, n, offset))
}

/** Rows of a float32 Gaussian draw mixed per `Numeric.lowerAffine` call. */
const CORRELATE_BLOCK = 256

/**
 * Float32 draws of `d`-dimensional noise, row-major `n × d`, on the one-word-per-coordinate stream
 * of `sample32` (coordinate j of row i uses word `i·d + j`; a Gaussian's normals are mixed by its
 * Cholesky factor).
 *
 * @example
 * import { Key, Noise } from "@perturb/noise"
 * Noise.sampleVector32(Noise.normal(), Key.make(1), 4, 3) // 4 draws of a 3-vector, row-major
 * @since 0.1.0
 * @category constructors
 */
export const sampleVector32 = (noise: Noise, key: Key, n: number, d?: number, offset = 0): Float32Array =>
  vectorDraws(noise, key, n, d, offset, {
    scalar: sample32,
    uniforms: Random.uniform32,
    gaussian: (g, dim, start) => {
      const u = Random.uniform32(key, n * dim, start)
      // The normals are kept in float64 (one rounding, at the store) a block of rows at a time, so
      // the extra memory stays small and the per-call cost of `lowerAffine` is spread over the block.
      const z = new Float64Array(Math.min(n, CORRELATE_BLOCK) * dim)
      for (let i = 0; i < n; i += CORRELATE_BLOCK) {
        const from = i * dim
        const to = Math.min(n, i + CORRELATE_BLOCK) * dim
        for (let k = from; k < to; k++) z[k - from] = Random.normalQuantile(u[k]!)
        Numeric.lowerAffine(g.mean, g.cholesky, z.subarray(0, to - from), dim, u.subarray(from, to))
      }
      return u
    }
  })

/** How one precision draws: scalar laws, uniforms, and the rows of a correlated Gaussian. */
interface Precision<A extends Float32Array | Float64Array> {
  readonly scalar: (law: Law, key: Key, count: number, start: number) => A
  readonly uniforms: (key: Key, count: number, start: number) => A
  readonly gaussian: (g: Gaussian, dim: number, start: number) => A
}

/** The vector samplers' shared body: validate, then one case per kind of noise. */
const vectorDraws = <A extends Float32Array | Float64Array>(
  noise: Noise,
  key: Key,
  n: number,
  d: number | undefined,
  offset: number,
  p: Precision<A>
): A => {
  const dim = vectorArgs(noise, key, n, d, offset)
  const start = offset * dim
  if (isLaw(noise)) return p.scalar(noise, key, n * dim, start)
  switch (noise._tag) {
    case "IID":
      return p.scalar(noise.law, key, n * dim, start)
    case "Independent":
      return quantilesInPlace(noise.laws, p.uniforms(key, n * dim, start), n, dim)
    case "Gaussian":
      return p.gaussian(noise, dim, start)
  }
}

/** Row-major uniforms pushed through coordinate j's quantile in column j, in place. */
const quantilesInPlace = <A extends Float32Array | Float64Array>(laws: ReadonlyArray<Law>, u: A, n: number, dim: number): A => {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) u[i * dim + j] = laws[j]!.quantile(u[i * dim + j]!)
  }
  return u
}

/** Validates the arguments of the vector samplers; returns the dimension. */
const vectorArgs = (noise: Noise, key: Key, n: number, d: number | undefined, offset: number): number => {
  checkKey(key)
  check(NonNegativeInt, "n", n)
  check(NonNegativeInt, "offset", offset)
  const dim = isLaw(noise) ? d : noise.dim
  if (dim === undefined) {
    throw new InvalidArgument({ argument: "d", value: d, reason: "Expected a dimension for scalar (i.i.d.) noise" })
  }
  check(PositiveInt, "d", dim)
  if (d !== undefined && d !== dim) {
    throw new InvalidArgument({ argument: "d", value: d, reason: `The noise has dimension ${dim}` })
  }
  return dim
}

/**
 * `n` draws of `d`-dimensional noise, row-major `n × d` (row i is γ⁽ⁱ⁾). Coordinate j of row i
 * uses stream index `i·d + j`, so i.i.d. noise equals `sample(law, key, n·d)` reshaped.
 *
 * @example
 * import { Key, Noise } from "@perturb/noise"
 * const probit = Noise.gaussian({ covariance: [[1, 0.5], [0.5, 1]] })
 * Noise.sampleVector(probit, Key.make(1), 1000) // 1000 × 2, correlated
 * @since 0.1.0
 * @category constructors
 */
export const sampleVector = (noise: Noise, key: Key, n: number, d?: number, offset = 0): Float64Array =>
  vectorDraws(noise, key, n, d, offset, {
    scalar: sample,
    uniforms: Random.uniform64,
    gaussian: (g, dim, start) => {
      const z = Random.normal64(key, n * dim, start)
      const out = new Float64Array(n * dim)
      Numeric.lowerAffine(g.mean, g.cholesky, z, dim, out)
      return out
    }
  })
