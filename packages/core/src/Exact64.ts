/**
 * The float64 public API of the exact Perturb-Argmax methods, without tfjs: probabilities,
 * potential and Jacobian-vector products as `Float64Array`, with the same numerics as the kernels'
 * `exact` method before its float32 rounding (for `analysis`, the CLI and users who need double
 * precision).
 *
 * @since 0.2.0
 */
import type { Key } from "@perturb/noise"
import { InvalidArgument } from "./Errors.js"
import type { Model } from "./Model.js"
import { classify } from "./internal/classify.js"
import { checkKey, checkSamples, DEFAULT_KEY, DEFAULT_LATTICE_POINTS } from "./internal/estimate.js"
import { exactJvpRows64, exactRows64 } from "./internal/exact.js"
import { checkEstimatorWork } from "./internal/limits.js"
import { checkModel, checkOptions } from "./internal/validate.js"
import { type ExactMethod, exactMethod, type Run } from "./methods/registry.js"

/**
 * Options of the float64 entry points, used by the correlated Gaussian's randomised lattice only:
 * `samples`, its points per row (default 65536), and `key`, that of its random shifts.
 *
 * @example
 * import { exactProbs64, type Exact64Options, Model, Space } from "@perturb/core"
 * import { Key, Noise } from "@perturb/noise"
 * const options: Exact64Options = { samples: 4096, key: Key.make(1) } // read by the correlated Gaussian's lattice
 * const probit = Noise.gaussian({ covariance: [[1, 0.5, 0], [0.5, 1, 0], [0, 0, 1]] })
 * exactProbs64(Model.perturbArgmax({ space: Space.pinned(3), noise: probit }), Float64Array.of(0, 1, 2), options).stdError
 * @since 0.2.0
 * @category kernels
 */
export interface Exact64Options {
  /** Lattice points for the correlated Gaussian (default 65536); the other noises are exact and ignore it. */
  readonly samples?: number
  /** The lattice's random shifts (default `Key.make(0)`). */
  readonly key?: Key.Key
}

/**
 * `exactProbs64`'s result: P(θ) row by row, and `stdError` where the rule is randomised.
 *
 * @example
 * import { exactProbs64, Model, type Probs64, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const r: Probs64 = exactProbs64(Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.gumbel() }), Float64Array.of(0, 1, 2))
 * r.probs // softmax([0, 1, 2]) in float64
 * @since 0.2.0
 * @category kernels
 */
export interface Probs64 {
  /** P(θ) per row, float64, row-major like θ. */
  readonly probs: Float64Array
  /** Present only for the correlated Gaussian's lattice estimate: its standard error per entry. */
  readonly stdError?: Float64Array
}

/**
 * `exactPotential64`'s result: M(θ) of each row, and `stdError` where the rule is randomised.
 *
 * @example
 * import { exactPotential64, Model, type Potential64, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const r: Potential64 = exactPotential64(Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.normal() }), Float64Array.of(0, 1, 2))
 * @since 0.2.0
 * @category kernels
 */
export interface Potential64 {
  /** The potential per row, float64. */
  readonly potential: Float64Array
  /** Present only for the correlated Gaussian's lattice estimate. */
  readonly stdError?: Float64Array
}

/**
 * `exactJvp64`'s result: J(θ) v row by row, and `stdError` where the rule is randomised.
 *
 * @example
 * import { exactJvp64, type Jvp64, Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const model = Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.normal() })
 * const r: Jvp64 = exactJvp64(model, Float64Array.of(0, 1, 2), Float64Array.of(1, 0, 0)) // ∂P/∂θ · v
 * @since 0.2.0
 * @category kernels
 */
export interface Jvp64 {
  /** (∂P/∂θ)·v per row, float64, row-major like θ. */
  readonly jvp: Float64Array
  /** Present only for the correlated Gaussian's lattice estimate. */
  readonly stdError?: Float64Array
}

/**
 * Exact Perturb-Argmax probabilities in float64, without tfjs: the same numerics as
 * `probs(θ, { method: "exact" })` before its float32 rounding. `theta` is one row (length d) or
 * rows × d row-major. Exact to float64 rounding for i.i.d. Gumbel (softmax), independent continuous,
 * discrete and mixed (atoms in some coordinates, densities in others) noise; for a correlated
 * Gaussian at d ≥ 3 it is Genz's randomised lattice (65536
 * points unless `samples` says otherwise), so the result carries `stdError`. A first, small float64
 * entry point (the CLI prints exact results with it).
 *
 * @example
 * import { exactProbs64, Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * exactProbs64(Model.perturbArgmax({ space: Space.reals(3), noise: Noise.gumbel() }), Float64Array.of(0, 1, 2)).probs
 * // softmax([0, 1, 2]) to float64 rounding
 * @since 0.2.0
 * @category kernels
 */
export const exactProbs64 = (model: Model, theta: Float64Array, options?: Exact64Options): Probs64 => {
  const { probs, errors } = rows64(model, theta, options)
  return errors === undefined ? { probs } : { probs, stdError: errors.probs }
}

/** P and M of every row (one exact run gives both), behind `exactProbs64` and `exactPotential64`. */
const rows64 = (model: Model, theta: Float64Array, options: Exact64Options | undefined) => {
  const { method, d, run } = exact64Input(model, theta, options, 1)
  return exactRows64(method, theta, d, run)
}

/**
 * The float64 entry points' shared boundary: a Perturb-Argmax model whose noise has exact argmax
 * probabilities, θ as finite rows of d, and the lattice's points within the work limits (its cost
 * per row is samples · d² for P and M, and d times that for J v: `work`).
 */
const exact64Input = (
  model: Model,
  theta: Float64Array,
  options: Exact64Options | undefined,
  work: number
): { method: ExactMethod; d: number; run: Run } => {
  if (typeof model !== "object" || model === null || model._tag !== "PerturbArgmax") {
    throw new InvalidArgument({ argument: "model", value: (model as { _tag?: unknown } | null)?._tag ?? model, reason: "Expected a Perturb-Argmax model: Perturb-Softmax has no closed form" })
  }
  checkModel(model)
  const d = model.space.dim
  checkRows64("theta", theta, d)
  const method = exactMethod(classify(model.noise, d), d)
  if (method instanceof InvalidArgument) throw method
  const o = checkOptions("options", options)
  const given = o.samples === undefined ? undefined : checkSamples("samples", o.samples)
  const samples = given ?? DEFAULT_LATTICE_POINTS
  if (method.lattice) checkEstimatorWork(given === undefined ? "theta" : "samples", given ?? theta.length, samples, theta.length / d, d * d * work)
  const key = o.key === undefined ? DEFAULT_KEY : checkKey(o.key)
  return { method, d, run: { samples, key } }
}

/** A non-empty Float64Array of finite values, d per row. */
const checkRows64 = (argument: string, x: unknown, d: number): Float64Array => {
  if (!(x instanceof Float64Array) || x.length === 0 || x.length % d !== 0) {
    throw new InvalidArgument({ argument, value: x, reason: `Expected a Float64Array of d = ${d} values per row` })
  }
  const bad = x.findIndex((t) => !Number.isFinite(t))
  if (bad >= 0) throw new InvalidArgument({ argument: `${argument}[${bad}]`, value: x[bad], reason: "Expected a finite number" })
  return x
}

/**
 * The exact Perturb-Argmax potential M(θ) = E max(θ + γ) of each row in float64, without tfjs:
 * the numerics of `potential(θ, { method: "exact" })` before its float32 rounding, with the same
 * inputs as `exactProbs64`; its gradient is `exactProbs64`. Exact to float64 rounding for i.i.d.
 * Gumbel, independent continuous, discrete and mixed noise; the correlated Gaussian at d ≥ 3 is
 * Genz's randomised lattice, so the result carries `stdError`. (M is NaN where E max does not exist, as
 * for Cauchy noise.)
 *
 * @example
 * import { exactPotential64, Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * exactPotential64(Model.perturbArgmax({ space: Space.reals(3), noise: Noise.gumbel() }), Float64Array.of(0, 1, 2)).potential
 * // Float64Array [logsumexp(0, 1, 2) + γ_Euler]
 * @since 0.2.0
 * @category kernels
 */
export const exactPotential64 = (model: Model, theta: Float64Array, options?: Exact64Options): Potential64 => {
  const { potential, errors } = rows64(model, theta, options)
  return errors === undefined ? { potential } : { potential, stdError: errors.potential }
}

/**
 * The Jacobian-vector product J(θ) v = d/dε P(θ + εv) at ε = 0 of the exact Perturb-Argmax
 * probabilities, in float64, without tfjs: `v` holds one direction per row of `theta` (the same
 * length). J is the Hessian of M, symmetric, so this is also vᵀJ. Exact to float64 rounding for
 * i.i.d. Gumbel and independent continuous noise. Discrete and mixed noise: exact where P(θ + εv)
 * is smooth near ε = 0, and `InvalidArgument` (naming `theta`) where it jumps — there is no derivative there.
 * The correlated Gaussian: exact up to d = 3 (J needs orthant probabilities of dimension d − 2);
 * from d = 4 the mean of 8 independent lattice runs sharing `samples`, with their spread as
 * `stdError`.
 *
 * @example
 * import { exactJvp64, Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * exactJvp64(Model.perturbArgmax({ space: Space.reals(2), noise: Noise.gumbel() }), Float64Array.of(0, 0), Float64Array.of(1, 0)).jvp
 * // Float64Array [0.25, -0.25]: softmax's Jacobian p_i(δ_ik − p_k)
 * @since 0.2.0
 * @category kernels
 */
export const exactJvp64 = (model: Model, theta: Float64Array, v: Float64Array, options?: Exact64Options): Jvp64 => {
  const { method, d, run } = exact64Input(model, theta, options, model?.space?.dim ?? 1)
  checkRows64("v", v, d)
  if (v.length !== theta.length) throw new InvalidArgument({ argument: "v", value: v.length, reason: `Expected one direction per row of theta: ${theta.length} values` })
  return exactJvpRows64(method, theta, v, d, run)
}
