/**
 * What the exact Perturb-Argmax families share: the float64 result record, the quadrature options
 * and the argument checks of their entry points (no tfjs; the callers wrap them in custom
 * gradients).
 */
import { Noise, type Law } from "@perturb/noise"
import { InvalidArgument } from "../Errors.js"


/**
 * Probabilities and potential of Perturb-Argmax. `error` estimates the largest absolute error of a
 * probability; `potentialError` that of the potential.
 */
export interface ArgmaxResult {
  readonly probs: Float64Array
  readonly potential: number
  readonly error: number
  readonly potentialError: number
  /** Quadrature panels used (diagnostics). */
  readonly panels: number
}

export interface QuadratureOptions {
  /** Target for Σ_panels max_i |K15 − G7| (default 1e-11). */
  readonly tolerance?: number
  /** Cap on the number of panels (default 20000). */
  readonly maxPanels?: number
}


/**
 * Sets the diagonal of the row-major d×d Jacobian J = ∂P/∂θ from its off-diagonal entries: P sums
 * to 1 for every θ, so each row of J sums to 0 and J_ii = −Σ_{k≠i} J_ik.
 */
export const setZeroRowSumDiagonal = (J: Float64Array, d: number): void => {
  for (let i = 0; i < d; i++) {
    let sum = 0
    for (let k = 0; k < d; k++) if (k !== i) sum += J[i * d + k]!
    J[i * d + i] = -sum
  }
}

export const checkTheta = (theta: Float64Array, argument = "theta"): number => {
  if (!(theta instanceof Float64Array)) {
    throw new InvalidArgument({ argument, value: theta, reason: "Expected a Float64Array" })
  }
  const d = theta.length
  if (d < 2) throw new InvalidArgument({ argument, value: theta, reason: `Expected d ≥ 2 coordinates, got ${d}` })
  for (let i = 0; i < d; i++) {
    if (!Number.isFinite(theta[i]!)) {
      throw new InvalidArgument({ argument: `${argument}[${i}]`, value: theta[i], reason: "Expected a finite number" })
    }
  }
  return d
}

export const checkLaws = (laws: ReadonlyArray<Law>, d: number, kind: "continuous" | "discrete"): void => {
  if (!Array.isArray(laws) || laws.length !== d) {
    throw new InvalidArgument({
      argument: "laws",
      value: Array.isArray(laws) ? laws.length : laws,
      reason: `Expected ${d} laws, one per coordinate of theta`
    })
  }
  laws.forEach((l, i) => {
    if (!Noise.isLaw(l)) throw new InvalidArgument({ argument: `laws[${i}]`, value: l, reason: "Expected a Law" })
    if (l.traits.kind !== kind) {
      throw new InvalidArgument({ argument: `laws[${i}]`, value: String(l), reason: `Expected a ${kind} law` })
    }
  })
}

export const checkVector = (v: Float64Array, d: number, argument: string): void => {
  if (!(v instanceof Float64Array) || v.length !== d) {
    throw new InvalidArgument({ argument, value: v, reason: `Expected a Float64Array of length ${d}` })
  }
  for (let i = 0; i < d; i++) {
    if (!Number.isFinite(v[i]!)) {
      throw new InvalidArgument({ argument: `${argument}[${i}]`, value: v[i], reason: "Expected a finite number" })
    }
  }
}
