/**
 * Noise points for the Perturb-Softmax estimators, as float64 `S × d` arrays with weights:
 * - `mc`: plain Monte Carlo draws from the key's stream;
 * - `qmc`: scrambled Sobol points pushed through each coordinate's inverse cdf (the Gaussian's
 *   through Φ⁻¹ and its Cholesky factor), each point paired with its antithetic 1 − u, in R
 *   independently scrambled replicates so the estimate carries a standard error;
 * - `quadrature`: a tensor Gauss–Legendre rule in u-space (small d only).
 */
import { Key, type NoiseLike, Noise, Numeric, Random, Sobol } from "@perturb/noise"
import { InvalidArgument } from "../Errors.js"

export interface Points {
  /** `S × d` row-major noise draws. */
  readonly gamma: Float64Array
  readonly count: number
  /** Quadrature weights (sum 1); `undefined` means equal weights. */
  readonly weights: Float64Array | undefined
  /** Replicate groups for the standard error: consecutive blocks of `count / replicates` rows. */
  readonly replicates: number
}

/** Maps uniforms (row-major `S × d`) to noise draws in place. */
const transformUniforms = (noise: NoiseLike, d: number, u: Float64Array): Float64Array => {
  if (!Noise.isLaw(noise) && noise._tag === "Gaussian") {
    const z = new Float64Array(u.length)
    const normal = Noise.normal()
    for (let i = 0; i < u.length; i++) z[i] = normal.quantile(u[i]!)
    Numeric.lowerAffine(noise.mean, noise.cholesky, z, d, u)
    return u
  }
  const laws = Array.from({ length: d }, (_, j) => Noise.marginal(noise, j))
  const S = u.length / d
  for (let s = 0; s < S; s++) for (let j = 0; j < d; j++) u[s * d + j] = laws[j]!.quantile(u[s * d + j]!)
  return u
}

export const mcPoints = (noise: NoiseLike, d: number, samples: number, key: Key.Key): Points => ({
  gamma: Noise.sampleVector(noise, key, samples, d),
  count: samples,
  weights: undefined,
  replicates: 1
})

/** QMC replicates; falls back to antithetic Monte Carlo above Sobol's supported dimension. */
export const qmcPoints = (noise: NoiseLike, d: number, samples: number, key: Key.Key, replicates = 8): Points => {
  const perReplicate = Math.max(2, Math.floor(samples / replicates / 2) * 2)
  const half = perReplicate / 2
  const u = new Float64Array(replicates * perReplicate * d)
  const keys = Key.split(key, replicates)
  for (let r = 0; r < replicates; r++) {
    const base = d <= Sobol.maxDim
      ? Sobol.sobol(d, half, { key: keys[r]! })
      : Random.uniform64(keys[r]!, half * d)
    const offset = r * perReplicate * d
    for (let i = 0; i < half * d; i++) {
      u[offset + i] = base[i]!
      u[offset + half * d + i] = 1 - base[i]!
    }
  }
  return { gamma: transformUniforms(noise, d, u), count: replicates * perReplicate, weights: undefined, replicates }
}

/** Tensor Gauss–Legendre in u-space; `nodes^d` points, so only for d ≤ 4. */
export const quadraturePoints = (noise: NoiseLike, d: number, nodes: number): Points => {
  if (d > 4) {
    throw new InvalidArgument({ argument: "method", value: "quadrature", reason: `Tensor quadrature needs d ≤ 4, got d = ${d}` })
  }
  const { nodes: x, weights: w } = Numeric.gaussLegendre01(nodes)
  const count = nodes ** d
  const u = new Float64Array(count * d)
  const weights = new Float64Array(count)
  for (let s = 0; s < count; s++) {
    let rest = s
    let weight = 1
    for (let j = 0; j < d; j++) {
      const k = rest % nodes
      rest = Math.floor(rest / nodes)
      u[s * d + j] = x[k]!
      weight *= w[k]!
    }
    weights[s] = weight
  }
  return { gamma: transformUniforms(noise, d, u), count, weights, replicates: 1 }
}
