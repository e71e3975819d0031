/**
 * The four target distributions of the paper's Table 1 (docs/experiments.md). Truncated pmfs are
 * not renormalised, as in the code the paper built on (the missing mass is below 1e-6).
 */
import gammaln from "@stdlib/math-base-special-gammaln"

export interface Target {
  readonly name: string
  readonly pmf: Float64Array
  /** The paper's final objective, Normal-Softmax vs Gumbel-Softmax (mean, std). */
  readonly paper: { readonly normal: readonly [number, number]; readonly gumbel: readonly [number, number] }
}

const range = (k: number) => Array.from({ length: k }, (_, i) => i)

const binomial = (n: number, p: number, K: number) =>
  Float64Array.from(range(K), (k) => Math.exp(gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p)))

const poisson = (lambda: number, K: number) =>
  Float64Array.from(range(K), (k) => Math.exp(k * Math.log(lambda) - lambda - gammaln(k + 1)))

/** SciPy's nbinom(r, p): failures before the r-th success. */
const negativeBinomial = (r: number, p: number, K: number) =>
  Float64Array.from(range(K), (k) => Math.exp(gammaln(k + r) - gammaln(k + 1) - gammaln(r) + r * Math.log(p) + k * Math.log1p(-p)))

export const targets: ReadonlyArray<Target> = [
  {
    name: "Discrete",
    pmf: Float64Array.from([10, 1, 5, 1, 10, 10, 1, 6, 1, 1], (w) => w / 46),
    paper: { normal: [0.026, 0.002], gumbel: [0.027, 0.002] }
  },
  { name: "Binomial", pmf: binomial(12, 0.3, 12), paper: { normal: [0.036, 0.003], gumbel: [0.177, 0.014] } },
  { name: "Poisson", pmf: poisson(50, 100), paper: { normal: [0.09, 0.001], gumbel: [0.618, 0.007] } },
  { name: "Negative binomial", pmf: negativeBinomial(50, 0.6, 100), paper: { normal: [0.083, 0.001], gumbel: [0.417, 0.004] } }
]
