/**
 * Correlated Gaussian noise (multinomial probit): Genz's method with a randomised lattice.
 * `argmaxGaussian`: P_i is the orthant probability of the d−1 differences
 * Y_j = γ_j − γ_i ≤ θ_i − θ_j, computed by Genz's separation of variables (Genz 1992; Genz & Bretz
 * 2009) with the Genz–Bretz variable reordering and a randomly shifted Richtmyer lattice
 * (generators frac(√prime), baker's periodising transform; `gaussian/lattice.ts`), averaged over
 * `shifts` independent shifts (default 16) whose spread gives the standard error `stdError[i]`
 * (an unbiased estimate; measured for d = 4: ≈ 4e-5 with 4096 points, ≈ 4e-6 with the default
 * 65536, decaying like N^−1.2). M is the same rule applied to E max(θ + μ + Lz) in d dimensions
 * (its standard error is `potentialStdError`). d = 2 is the exact closed form
 * P_1 = Φ((θ_1 − θ_2 + μ_1 − μ_2)/s), s² = var(γ_1 − γ_2), with zero error. The probabilities are
 * not renormalised: Σ p = 1 within a few standard errors.
 */
import { type Gaussian, Key, Noise, Random } from "@perturb/noise"
import { InvalidArgument, NoClosedForm } from "../Errors.js"
import { condition, differences, INV_SQRT_2PI, type Lattice, latticeMax, orthant, phiCdf, richtmyer, STD_NORMAL } from "./gaussian/lattice.js"
import { type ExactMethod, noExactHessian } from "./method.js"
import { checkTheta, setZeroRowSumDiagonal } from "./shared.js"

export interface GaussianArgmaxResult {
  readonly probs: Float64Array
  /** Standard error of each probability across the random shifts (0 for d = 2). */
  readonly stdError: Float64Array
  readonly potential: number
  readonly potentialStdError: number
  /** max_i stdError[i]. */
  readonly error: number
}

export interface GaussianArgmaxOptions {
  /** Lattice points per probability, over all shifts (default 65536). */
  readonly samples?: number
  /** Number of independent random shifts (default 16, at least 2). */
  readonly shifts?: number
  /** Key of the random shifts (default Key.make(0x5eed)). */
  readonly key?: Key.Key
}

/** The shape of this module's entry points: θ (float64), the correlated Gaussian, lattice options. */
type Entry<R> = (theta: Float64Array, gaussian: Noise.Gaussian, options?: GaussianArgmaxOptions) => R

/** Checks θ and that `gaussian` is a correlated Gaussian of θ's dimension; returns that dimension. */
const checkArguments = (theta: Float64Array, gaussian: Noise.Gaussian): number => {
  const d = checkTheta(theta)
  if (typeof gaussian !== "object" || gaussian === null || gaussian._tag !== "Gaussian") {
    throw new InvalidArgument({ argument: "gaussian", value: gaussian, reason: "Expected Noise.gaussian(...)" })
  }
  if (gaussian.dim !== d) {
    throw new InvalidArgument({ argument: "gaussian", value: gaussian.dim, reason: `Expected dimension ${d} (theta's)` })
  }
  return d
}

/**
 * The Jacobian ∂P_i/∂θ_k (row-major d×d) of the correlated-Gaussian argmax probabilities. With
 * Y_j = γ_j − γ_i and bounds b_j = x_i − x_j, ∂P_i/∂θ_k = −f_{Y_k}(b_k)·Pr[Y_{−k} ≤ b_{−k} | Y_k = b_k]
 * for k ≠ i: a Gaussian density times a (d−2)-dimensional orthant probability of the conditioned
 * Gaussian, by the same lattice rule (exact for d ≤ 3). Rows sum to zero; the result is symmetrised
 * (it is the Hessian of M).
 */
export const argmaxGaussianJacobian: Entry<Float64Array> = (theta, gaussian, options) => {
  const d = checkArguments(theta, gaussian)
  const cov = gaussian.covariance
  const x = Float64Array.from(theta, (t, i) => t + gaussian.mean[i]!)
  const J = new Float64Array(d * d)
  const m = d - 1
  const shifts = options?.shifts ?? 16
  const perShift = Math.max(1, Math.ceil((options?.samples ?? 16384) / shifts))
  const dims = Math.max(m, 2)
  const L: Lattice = {
    z: richtmyer(dims),
    u: Random.uniform64(options?.key ?? Key.make(0x5eed), shifts * dims),
    dims,
    shifts,
    perShift,
    yv: new Float64Array(m),
    est: new Float64Array(shifts)
  }
  const S = new Float64Array(m * m)
  const b = new Float64Array(m)
  const Sc = new Float64Array(Math.max(1, (m - 1) * (m - 1)))
  const bc = new Float64Array(Math.max(1, m - 1))
  for (let i = 0; i < d; i++) {
    const idx = differences(x, cov, i, S, b)
    for (let p = 0; p < m; p++) {
      const spp = S[p * m + p]!
      const density = Math.exp(STD_NORMAL.logpdf(b[p]! / Math.sqrt(spp))) / Math.sqrt(spp)
      let conditional = 1
      if (m > 1 && density > 0) {
        condition(S, b, m, p, Sc, bc)
        conditional = orthant(Sc, bc, m - 1, L).mean
      }
      J[i * d + idx[p]!] = -density * conditional
    }
  }
  // Symmetrise (exact in exact arithmetic) and set the diagonal from the zero row sums.
  for (let i = 0; i < d; i++) {
    for (let k = i + 1; k < d; k++) {
      const v = 0.5 * (J[i * d + k]! + J[k * d + i]!)
      J[i * d + k] = v
      J[k * d + i] = v
    }
  }
  setZeroRowSumDiagonal(J, d)
  return J
}

/**
 * Perturb-Argmax for a correlated Gaussian (multinomial probit) by Genz's method with a randomly
 * shifted lattice rule; see the module header. Deterministic given the key.
 */
export const argmaxGaussian: Entry<GaussianArgmaxResult> = (theta, gaussian, options) => {
  const d = checkArguments(theta, gaussian)
  const samples = options?.samples ?? 65536
  const shifts = options?.shifts ?? 16
  if (!(Number.isSafeInteger(samples) && samples >= 1)) {
    throw new InvalidArgument({ argument: "samples", value: samples, reason: "Expected a positive integer" })
  }
  if (!(Number.isSafeInteger(shifts) && shifts >= 2)) {
    throw new InvalidArgument({ argument: "shifts", value: shifts, reason: "Expected an integer ≥ 2" })
  }
  const key = options?.key ?? Key.make(0x5eed)
  const cov = gaussian.covariance
  const mu = gaussian.mean
  const x = Float64Array.from(theta, (t, i) => t + mu[i]!)
  const probs = new Float64Array(d)
  const stdError = new Float64Array(d)

  if (d === 2) return closedForm2(x, cov, probs, stdError)

  const perShift = Math.max(1, Math.ceil(samples / shifts))
  const m = d - 1
  const dims = Math.max(m - 1, d)
  const z = richtmyer(dims)
  const u = Random.uniform64(key, shifts * dims)
  const S = new Float64Array(m * m)
  const b = new Float64Array(m)
  const yv = new Float64Array(m)
  const est = new Float64Array(shifts)
  for (let i = 0; i < d; i++) {
    differences(x, cov, i, S, b)
    const { mean, se } = orthant(S, b, m, { z, u, dims, shifts, perShift, yv, est })
    probs[i] = mean
    stdError[i] = se
  }

  const pm = latticeMax(x, gaussian.cholesky, { z, u, dims, shifts, perShift, yv, est })
  let error = 0
  for (let i = 0; i < d; i++) error = Math.max(error, stdError[i]!)
  return { probs, stdError, potential: pm.mean, potentialStdError: pm.se, error }
}

/** d = 2 in closed form: P_1 = Φ((x_1 − x_2)/s), s² = var(γ_1 − γ_2), with zero error. */
const closedForm2 = (x: Float64Array, cov: ReadonlyArray<ReadonlyArray<number>>, probs: Float64Array, stdError: Float64Array): GaussianArgmaxResult => {
  const s = Math.sqrt(cov[0]![0]! + cov[1]![1]! - 2 * cov[0]![1]!)
  const a = (x[0]! - x[1]!) / s
  probs[0] = phiCdf(a)
  probs[1] = phiCdf(-a)
  // E max(X1, X2) = X2 + (X1 − X2)Φ(a) + s φ(a), written symmetrically.
  const potential = x[0]! * probs[0]! + x[1]! * probs[1]! + s * INV_SQRT_2PI * Math.exp(-0.5 * a * a)
  return { probs, stdError, potential, potentialStdError: 0, error: 0 }
}

/**
 * The exact method of correlated Gaussian noise: Genz's lattice, exact at d = 2 (one normal cdf),
 * a randomised estimate with its standard error from d = 3 on. J v reads the lattice Jacobian (J is
 * the symmetric Hessian of M: conditioned orthant probabilities on the same rule), whose entries
 * need orthant probabilities of dimension d − 2: exact up to d = 3.
 */
export const gaussianMethod = (gaussian: Gaussian, d: number): ExactMethod => ({
  family: "gaussian",
  row: (theta, run) => argmaxGaussian(theta, gaussian, { samples: run.samples, key: run.key }),
  jvp: (theta, v, run) => {
    const J = argmaxGaussianJacobian(theta, gaussian, { samples: run.samples, key: run.key })
    const out = new Float64Array(d)
    for (let i = 0; i < d; i++) {
      let s = 0
      for (let k = 0; k < d; k++) s += J[i * d + k]! * v[k]!
      out[i] = s
    }
    return out
  },
  exactness: d >= 3 ? "estimate-with-se" : "exact",
  jvpExactness: d >= 4 ? "estimate-with-se" : "exact",
  gradient: "analytic",
  lattice: true,
  weights: false,
  oracle: noExactHessian,
  ...(d >= 3
    ? {
      klRefusal: () =>
        new NoClosedForm({
          what: "klToUniform",
          noise: `Gaussian(covariance: ${JSON.stringify(gaussian.covariance)})`,
          reason: `the argmax probabilities of correlated Gaussian noise at d = ${d} are a randomised lattice estimate, and klToUniform returns no standard error; use probs(theta, { method: "exact" }), which carries its stdError, with klCategorical`
        })
    }
    : {})
})
