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

/** What one estimate of one θ returns. Arrays are row-major; the Jacobian is outDim × d. */
export interface RowEstimate {
  readonly mean: Float64Array
  /** Per coordinate; for `exact`, the method's error bound (0 where exact to rounding). */
  readonly stdError: Float64Array
  readonly method: PerturbedMethod
  /** Noise draws used (0 for `exact`). */
  readonly samples: number
  /** ∂mean_i/∂θ_j at [i·d + j]. */
  readonly jacobian?: Float64Array
  readonly jacobianStdError?: Float64Array
  /** M_σ(θ) = E[⟨θ + σγ, y*(θ + σγ)⟩], for linear solvers. */
  readonly potential?: number
  readonly potentialStdError?: number
}

/** What the caller needs beyond the mean: the Jacobian costs outDim × d per draw and a score. */
export interface Wants {
  readonly jacobian: boolean
  readonly potential: boolean
}
