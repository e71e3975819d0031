/**
 * The float64 perturbed optimizer's vocabulary (Berthet et al. 2020): P_σ(θ) = E[y*(θ + σγ)] of a
 * `Solver` under independent noise γ, its Jacobian and the potential M_σ(θ) = E[⟨θ + σγ, y*⟩],
 * each with a standard error. No tfjs here: `Perturbed.ts` wraps it in ops.
 */
import type { Key, Law, NoiseLike } from "@perturb/noise"

/** The estimators of a perturbed optimizer: plain Monte Carlo, scrambled Sobol, or a closed form. */
export const PERTURBED_METHODS = ["mc", "qmc", "exact"] as const

export type PerturbedMethod = (typeof PERTURBED_METHODS)[number]

/** Options after their checks, with the defaults filled in. */
export interface PerturbedConfig {
  readonly noise: NoiseLike
  /** The independent marginal law of each coordinate of γ. */
  readonly laws: ReadonlyArray<Law>
  readonly sigma: number
  readonly samples: number
  readonly key: Key.Key
  readonly method: PerturbedMethod
  /** `mc` only: draws in antithetic pairs u, 1 − u (`qmc` always pairs them). */
  readonly antithetic: boolean
  /** Whether the Jacobian subtracts the score's control variate (coefficients from pilot draws). */
  readonly controlVariate: boolean
}

/**
 * Options of `perturbed` and `fenchelYoungLoss`.
 *
 * @example
 * import type { PerturbedOptions } from "@perturb/core"
 * import { Key, Noise } from "@perturb/noise"
 * const options: PerturbedOptions = { noise: Noise.gumbel(), sigma: 0.5, samples: 2048, key: Key.make(1), method: "qmc" }
 * @since 0.3.0
 * @category models
 */
export interface PerturbedOptions {
  /** The noise γ: a law (i.i.d. coordinates) or independent vector noise of dimension d (default `Noise.normal()`). */
  readonly noise?: NoiseLike
  /** The scale σ > 0 of the noise (default 1). */
  readonly sigma?: number
  /** Noise draws per row (default 1024; `qmc` rounds to 8 replicates of an even count). */
  readonly samples?: number
  /** The randomness (default `Key.make(0)`); ops fold it per call and per row. */
  readonly key?: Key.Key
  /** `"qmc"` (default), `"mc"`, or `"exact"` where the solver has a closed form (argmax). */
  readonly method?: PerturbedMethod
  /** `mc` only: draw in antithetic pairs u, 1 − u through each coordinate's quantile (default false). */
  readonly antithetic?: boolean
  /** The Jacobian's control variate (default true): subtracts c_ij·s_j, E[s_j] = 0, with c from pilot draws. */
  readonly controlVariate?: boolean
}

/**
 * The float64 estimate of one θ: P_σ(θ) with its standard error per coordinate and, when asked,
 * the Jacobian (outDim × d, row-major) with its own.
 *
 * @example
 * import { perturbed, type PerturbedEstimate, Solver } from "@perturb/core"
 * const e: PerturbedEstimate = perturbed(Solver.ranks(3)).estimate64(Float64Array.of(0, 1, 2))
 * e.mean // [1.320, 2.010, 2.670] ± e.stdError ≈ 0.01 (exact: 1 + Σ_j Φ((θ_i − θ_j)/√2) = [1.318, 2, 2.682])
 * @since 0.3.0
 * @category models
 */
export interface PerturbedEstimate {
  /** P_σ(θ), length outDim. */
  readonly mean: Float64Array
  /** Standard error per coordinate; for `exact`, the closed form's error bound (0: exact to rounding). */
  readonly stdError: Float64Array
  /** The method that ran. */
  readonly method: PerturbedMethod
  /** Noise draws used (0 for `exact`). */
  readonly samples: number
  /** ∂P_i/∂θ_j at [i·d + j], when asked. */
  readonly jacobian?: Float64Array
  /** The Jacobian's standard error, entry by entry. */
  readonly jacobianStdError?: Float64Array
}

/** The float64 estimate with the potential, which Fenchel–Young losses read. */
export interface RowEstimate extends PerturbedEstimate {
  /** M_σ(θ) = E[⟨θ + σγ, y*(θ + σγ)⟩], for linear solvers. */
  readonly potential?: number
  readonly potentialStdError?: number
}

/** What the caller needs beyond the mean: the Jacobian costs outDim × d per draw and a score. */
export interface Wants {
  readonly jacobian: boolean
  readonly potential: boolean
}
