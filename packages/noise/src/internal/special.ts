/**
 * Small numerically careful helpers shared by the laws. Special functions proper (erfc, erfcx,
 * erfcinv, the Student-t cdf) come from `@stdlib`; these are the identities around them.
 */
import erfc from "@stdlib/math-base-special-erfc"
import erfcinv from "@stdlib/math-base-special-erfcinv"
import erfcx from "@stdlib/math-base-special-erfcx"

export const LN2 = Math.LN2
export const SQRT2 = Math.SQRT2
export const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI)
export const EULER_GAMMA = 0.5772156649015329

/** log(1 − e^x) for x ≤ 0, accurate on both sides of −ln 2 (Mächler 2012). */
export const log1mexp = (x: number): number =>
  x > -LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x))

/** log(1 + e^x) without overflow. */
export const softplus = (x: number): number =>
  x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))

/** Φ(z), the standard normal cdf, with full relative accuracy in the lower tail. */
export const normalCdf = (z: number): number => 0.5 * erfc(-z / SQRT2)

/**
 * log Φ(z). Below z = −1 the scaled complementary error function keeps it finite and exact far into
 * the tail (log Φ(−40) ≈ −804.6 where Φ itself underflows).
 */
export const normalLogCdf = (z: number): number => {
  if (z < -1) {
    const t = -z / SQRT2
    return Math.log(0.5 * erfcx(t)) - t * t
  }
  return Math.log1p(-0.5 * erfc(z / SQRT2))
}

/** Φ⁻¹(p). */
export const normalQuantile = (p: number): number => -SQRT2 * erfcinv(2 * p)
