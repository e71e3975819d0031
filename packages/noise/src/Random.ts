/**
 * Random streams from a key. Word w of a key's stream is word (w mod 4) of the Philox-4x32-10 block
 * with counter (b mod 2^32, floor(b / 2^32), 0, 0), b = floor(w / 4). Every value is therefore a pure
 * function of (key, position): `offset` skips ahead without generating the skipped part, and any
 * chunking of a request yields the same numbers as one large request (and as a GPU kernel that
 * implements the same counter layout).
 *
 * @since 0.1.0
 */
import { InvalidArgument } from "./Errors.js"
import { isKey, type Key } from "./Key.js"
import { fillStream } from "./internal/philox.js"

const TWO_26 = 67108864
const TWO_M23 = 1 / 8388608
const TWO_M52 = 1 / 4503599627370496

const checkKey = (key: unknown): Key => {
  if (!isKey(key)) throw new InvalidArgument({ argument: "key", value: key, reason: "expected a Key (use Key.make)" })
  return key
}

const checkCount = (value: unknown, argument: string): number => {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgument({ argument, value, reason: "expected a non-negative safe integer" })
  }
  return value
}

// Word positions must stay below 2^53 so that block indices and offsets remain exact.
const checkSpan = (offset: number, n: number, wordsPerValue: number): void => {
  if (!Number.isSafeInteger((offset + n) * wordsPerValue)) {
    throw new InvalidArgument({
      argument: "offset",
      value: offset,
      reason: `offset + n = ${offset + n} values exceeds the 2^53-word stream`
    })
  }
}

const words = (key: unknown, n: unknown, offset: unknown, wordsPerValue: number): Uint32Array => {
  const k = checkKey(key)
  const count = checkCount(n, "n")
  const start = checkCount(offset, "offset")
  checkSpan(start, count, wordsPerValue)
  const out = new Uint32Array(count * wordsPerValue)
  fillStream(out, k.k0, k.k1, start * wordsPerValue)
  return out
}

/**
 * `n` raw uint32 words of the key's stream, starting at word `offset`.
 * `uint32(key, n, offset)` equals `uint32(key, offset + n).subarray(offset)`.
 *
 * @example
 * import { Key, Random } from "@perturb/noise"
 * Random.uint32(Key.make(1), 4) // Uint32Array(4) of raw Philox words
 * @since 0.1.0
 * @category constructors
 */
export const uint32 = (key: Key, n: number, offset: number = 0): Uint32Array => words(key, n, offset, 1)

/**
 * `n` float32 uniforms strictly inside (0, 1), one word each: `((w >>> 9) + 0.5) / 2^23`.
 *
 * The 23 kept bits plus the half-step need exactly 24 significand bits, so every value is exactly
 * representable in float32: the smallest is 2^-24 and the largest is 1 - 2^-24, and storing into a
 * Float32Array never rounds up to 1. The usual `w / 2^32` rounds to 1.0f for the top 2^7 words, and
 * a uniform of 0 or 1 turns `-log(-log(u))` (Gumbel-softmax, Gumbel-max sampling) into ±Infinity and
 * then NaN.
 *
 * @example
 * import { Key, Random } from "@perturb/noise"
 * const u = Random.uniform32(Key.make(1), 1024)
 * u.every((x) => x > 0 && x < 1) // true: never 0 or 1, so log(u) is finite
 * @since 0.1.0
 * @category constructors
 */
export const uniform32 = (key: Key, n: number, offset: number = 0): Float32Array => {
  const w = words(key, n, offset, 1)
  const out = new Float32Array(w.length)
  for (let i = 0; i < w.length; i++) out[i] = (((w[i] ?? 0) >>> 9) + 0.5) * TWO_M23
  return out
}

/**
 * Fill `out` with float64 uniforms from pairs of words: `((hi >>> 6)·2^26 + (lo >>> 6) + 0.5) / 2^52`.
 *
 * 52 bits, not 53: with 53 bits the centred value m + 0.5 needs 54 significand bits, and the top
 * value rounds (ties-to-even) to exactly 1. With 52 bits every value is exact, the smallest is
 * 2^-53 and the largest 1 - 2^-53.
 */
const fillUniform64 = (w: Uint32Array, out: Float64Array): void => {
  for (let i = 0; i < out.length; i++) {
    const hi = (w[2 * i] ?? 0) >>> 6
    const lo = (w[2 * i + 1] ?? 0) >>> 6
    out[i] = (hi * TWO_26 + lo + 0.5) * TWO_M52
  }
}

/**
 * `n` float64 uniforms strictly inside (0, 1). Value i uses stream words 2(offset + i) and
 * 2(offset + i) + 1 (first word high): 52 random bits, centred, so no value is 0 or 1.
 *
 * @example
 * import { Key, Random } from "@perturb/noise"
 * Random.uniform64(Key.make(1), 3, 8) // words from offset 8 on: chunks of one stream
 * @since 0.1.0
 * @category constructors
 */
export const uniform64 = (key: Key, n: number, offset: number = 0): Float64Array => {
  const w = words(key, n, offset, 2)
  const out = new Float64Array(w.length / 2)
  fillUniform64(w, out)
  return out
}

// Wichura's AS 241 (PPND16), Applied Statistics 37 (1988): the standard normal quantile to about
// 1e-16 relative error, with no iteration; several times faster than -√2·erfcinv(2u).
const A = [
  3.3871328727963666080e0, 1.3314166789178437745e2, 1.9715909503065514427e3, 1.3731693765509461125e4,
  4.5921953931549871457e4, 6.7265770927008700853e4, 3.3430575583588128105e4, 2.5090809287301226727e3
] as const
const B = [
  1, 4.2313330701600911252e1, 6.8718700749205790830e2, 5.3941960214247511077e3,
  2.1213794301586595867e4, 3.9307895800092710610e4, 2.8729085735721942674e4, 5.2264952788528545610e3
] as const
const C = [
  1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0, 3.64784832476320460504e0,
  1.27045825245236838258e0, 2.41780725177450611770e-1, 2.27238449892691845833e-2, 7.74545014278341407640e-4
] as const
const D = [
  1, 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1,
  1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4, 1.05075007164441684324e-9
] as const
const E = [
  6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0, 2.96560571828504891230e-1,
  2.65321895265761230930e-2, 1.24266094738807843860e-3, 2.71155556874348757815e-5, 2.01033439929228813265e-7
] as const
const F = [
  1, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
  7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7, 2.04426310338993978564e-15
] as const

type Coefficients = readonly [number, number, number, number, number, number, number, number]

const horner = (c: Coefficients, x: number): number =>
  (((((((c[7] * x + c[6]) * x + c[5]) * x + c[4]) * x + c[3]) * x + c[2]) * x + c[1]) * x + c[0])

/**
 * Standard normal quantile Φ⁻¹(u) for u in (0, 1) (AS 241). Exported for tests only.
 *
 * @internal
 */
export const normalQuantile = (u: number): number => {
  const q = u - 0.5
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q
    return q * horner(A, r) / horner(B, r)
  }
  // 1 - u is exact for u >= 0.5 (Sterbenz), so the upper tail keeps full relative accuracy.
  let r = Math.sqrt(-Math.log(q < 0 ? u : 1 - u))
  let z: number
  if (r <= 5) {
    r -= 1.6
    z = horner(C, r) / horner(D, r)
  } else {
    r -= 5
    z = horner(E, r) / horner(F, r)
  }
  return q < 0 ? -z : z
}

/**
 * `n` standard normals in float64: Φ⁻¹ of `uniform64(key, n, offset)`, value for value. Inversion
 * (rather than Box–Muller or a ziggurat) keeps each normal a function of exactly one counter
 * position, so offsets, chunking and GPU ports agree; |z| < 8.21 since the uniforms avoid 0 and 1.
 *
 * @example
 * import { Key, Random } from "@perturb/noise"
 * const z = Random.normal64(Key.make(1), 10_000)
 * z.reduce((s, x) => s + x, 0) / z.length // ≈ 0
 * @since 0.1.0
 * @category constructors
 */
export const normal64 = (key: Key, n: number, offset: number = 0): Float64Array => {
  const out = uniform64(key, n, offset)
  for (let i = 0; i < out.length; i++) out[i] = normalQuantile(out[i] ?? 0.5)
  return out
}

/**
 * `n` standard normals rounded to float32: `normal32(key, n, offset)[i]` is
 * `Math.fround(normal64(key, n, offset)[i])` (same stream words, two per value).
 *
 * @example
 * import { Key, Random } from "@perturb/noise"
 * Random.normal32(Key.make(1), 4) // Float32Array(4) of standard normals
 * @since 0.1.0
 * @category constructors
 */
export const normal32 = (key: Key, n: number, offset: number = 0): Float32Array => {
  const u = uniform64(key, n, offset)
  const out = new Float32Array(u.length)
  for (let i = 0; i < u.length; i++) out[i] = normalQuantile(u[i] ?? 0.5)
  return out
}
