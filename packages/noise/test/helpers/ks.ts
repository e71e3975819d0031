/**
 * Goodness-of-fit helpers for the sampler tests: the one-sample Kolmogorov–Smirnov test and the
 * chi-square test on counts, with p-values that need no special-function library.
 */

/** The KS statistic D = sup |F_n − F| of `xs` against the cdf `F`. */
export const ksStatistic = (xs: ArrayLike<number>, cdf: (x: number) => number): number => {
  const sorted = Float64Array.from(xs).sort()
  const n = sorted.length
  let d = 0
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]!)
    d = Math.max(d, (i + 1) / n - f, f - i / n)
  }
  return d
}

/**
 * P(D_n > d) from the Kolmogorov distribution, Q(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}, with
 * Stephens' finite-n correction λ = (√n + 0.12 + 0.11/√n)·d (accurate to a few per cent for
 * n ≥ 35, far better than the 1e-6 threshold needs).
 */
export const ksPValue = (d: number, n: number): number => {
  const sn = Math.sqrt(n)
  const lambda = (sn + 0.12 + 0.11 / sn) * d
  if (lambda < 0.2) return 1
  let sum = 0
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda)
    sum += (k % 2 === 1 ? 1 : -1) * term
    if (term < 1e-18) break
  }
  return Math.min(1, Math.max(0, 2 * sum))
}

/** Standard normal upper tail Q(z) = P(Z > z). */
const normalSf = (z: number): number => 0.5 * erfc(z / Math.SQRT2)

/**
 * erfc by Numerical Recipes' `erfcc` (Chebyshev fit, relative error < 1.2e-7 everywhere): ample
 * for a p-value compared with 1e-6. Kept independent of the package's own erfc on purpose.
 */
const erfc = (x: number): number => {
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 +
          t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
    )
  return x >= 0 ? r : 2 - r
}

/**
 * P(χ²_k > x): exact for k = 1 (2·Q(√x)) and k = 2 (e^{−x/2}), the Wilson–Hilferty normal
 * approximation otherwise.
 */
export const chiSquarePValue = (x: number, k: number): number => {
  if (k === 1) return 2 * normalSf(Math.sqrt(x))
  if (k === 2) return Math.exp(-x / 2)
  const v = 2 / (9 * k)
  return normalSf((Math.cbrt(x / k) - (1 - v)) / Math.sqrt(v))
}

/** Pearson's statistic Σ (O − E)²/E for observed counts against probabilities. */
export const chiSquareStatistic = (counts: ArrayLike<number>, probs: ArrayLike<number>, n: number): number => {
  let s = 0
  for (let i = 0; i < counts.length; i++) {
    const e = n * probs[i]!
    s += (counts[i]! - e) ** 2 / e
  }
  return s
}
