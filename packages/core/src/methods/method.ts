/**
 * What a method is: the names `probs` / `potential` accept (`Method`) with what each states about
 * itself (`MethodCapability`, public through `Kernels.capabilities`), and the record every exact
 * Perturb-Argmax method fills in (one per noise family, chosen by `registry.ts`): its float64
 * numerics per row, how exact they are, what identify's Newton method may use, and whether the
 * softmax estimators may lean on it. The kernels, the float64 API,
 * `capabilities` and identify read these fields instead of asking which noise they have.
 */
import type * as tf from "@tensorflow/tfjs"
import type { Key } from "@perturb/noise"
import { type InvalidArgument, type NoClosedForm, NotUnique } from "../Errors.js"
import type { Oracle } from "../internal/newton.js"

/**
 * The names `probs` / `potential` accept: `exact` and one per estimator record
 * (`softmax/estimators.ts`, whose type requires one record per name here). Option validation and
 * `capabilities` list them from here.
 */
export const METHODS = ["exact", "qmc", "mc", "quadrature", "stratified"] as const

/**
 * How `probs` and `potential` are computed.
 * - `exact`: Perturb-Argmax only — closed form (Gumbel), 1-D quadrature (independent continuous
 *   noise), enumeration (discrete noise): exact to float64 rounding; Genz's randomised lattice rule
 *   (correlated Gaussian, d ≥ 3): an estimate, so it carries its standard error;
 * - `qmc` (Perturb-Softmax default): scrambled Sobol + antithetic, with standard errors;
 * - `mc`: plain Monte Carlo, with standard errors;
 * - `quadrature`: tensor Gauss–Legendre, d ≤ 4, with an error bound (`errorBound`);
 * - `stratified`: Perturb-Softmax `probs` with i.i.d. Gumbel or independent continuous noise —
 *   scrambled Sobol stratified on the argmax, weighted by the exact argmax probabilities, with a
 *   linear control variate: the lowest error per sample at every τ (12–26× below `mc` at d = 10),
 *   but each point costs more (the maximum's quantile by Newton's method, in float64, row by row):
 *   measured 3× the time of `qmc` per call at d = 10 with Gumbel noise, 10× with Normal noise.
 *
 * Gradients: `exact` is differentiated analytically; `qmc`/`mc`/`quadrature` of Perturb-Softmax
 * through the estimate; of Perturb-Argmax (one-hot frequencies, whose own derivative is zero) by
 * the score-function estimator of Berthet et al. 2020 on the same points (see `jacobian`). Noise
 * whose density jumps or that has none (uniform, exponential, discrete, custom laws) has no such
 * estimator: there `probs` succeeds and its gradient throws `InvalidArgument` (argument `method`);
 * use `exact`. The `potential` of an argmax model by `qmc`/`mc` has the frequencies as gradient.
 *
 * @example
 * import { compile, type Method, Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * import * as tf from "@tensorflow/tfjs"
 * const method: Method = "qmc"
 * compile(Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.normal() })).probs(tf.zeros([3]), { method })
 * @since 0.1.0
 * @category models
 */
export type Method = (typeof METHODS)[number]

/**
 * A capability the model lacks: the typed error the kernel throws when asked, and its tag.
 *
 * @example
 * import { compile, Model, type Refusal, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const exact = compile(Model.perturbSoftmax({ space: Space.pinned(3), noise: Noise.gumbel(), temperature: 1 })).capabilities.probs.exact
 * const refusal: Refusal = exact
 * refusal.error.message // the InvalidArgument that probs(θ, { method: "exact" }) throws
 * @since 0.2.0
 * @category kernels
 */
export interface Refusal<E extends InvalidArgument | NoClosedForm | NotUnique = InvalidArgument | NoClosedForm | NotUnique> {
  /** Always false: the capability is missing. */
  readonly available: false
  /** The typed error the kernel throws when asked, saying why. */
  readonly error: E
}

/**
 * @example
 * import { type Availability, compile, Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const a: Availability = compile(Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.gumbel() })).capabilities.identify
 * a.available ? "identify works here" : a.error.message
 * @since 0.2.0
 * @category kernels
 */
export type Availability<E extends InvalidArgument | NoClosedForm | NotUnique = InvalidArgument | NoClosedForm | NotUnique> =
  | {
    /** The capability is there: the call runs. */
    readonly available: true
  }
  | Refusal<E>

/**
 * A method the kernel runs: whether tf.grad through its result works (else the `InvalidArgument`
 * the backward pass throws), and how its result states its error — `exact` (neither `stdError` nor
 * `errorBound`: exact to float64 rounding, then float32), `stdError` or `errorBound`.
 *
 * @example
 * import { compile, type MethodCapability, Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const qmc = compile(Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.gumbel() })).capabilities.probs.qmc
 * if (qmc.available) { const c: MethodCapability = qmc; console.log(c) } // gradient, exactness
 * @since 0.2.0
 * @category kernels
 */
export interface MethodCapability {
  /** Always true: the method runs for this model. */
  readonly available: true
  /** Whether tf.grad flows through the result, or the error saying why not. */
  readonly gradient: Availability<InvalidArgument>
  /** Whether the result is exact or carries `stdError` or `errorBound`. */
  readonly accuracy: "exact" | "stdError" | "errorBound"
}

/** Lattice points and key of a randomised rule (ignored by the deterministic ones). */
export interface Run {
  readonly samples: number
  readonly key: Key.Key
}

export interface ExactRow {
  readonly probs: Float64Array
  readonly potential: number
  readonly stdError?: Float64Array
  /** The potential's standard error where the rule is randomised (correlated Gaussian, d ≥ 3). */
  readonly potentialStdError?: number
}

/** `estimate-with-se`: a randomised rule, whose results carry their standard error. */
export type Exactness = "exact" | "estimate-with-se"

/** identify's Newton oracle: exact potential, gradient and Hessian of an argmax model. */
export interface NewtonOracle {
  readonly make: () => Oracle
  /** Smallest p_i identify accepts, where the probabilities are certified relatively only above it. */
  readonly certifiedDownTo?: number
}

export interface ExactMethod {
  readonly family: "gumbel" | "independent" | "normal" | "gaussian" | "discrete" | "mixed"
  /** P and M of one row: one run gives both (probs64 and potential64). */
  readonly row: (theta: Float64Array, run: Run) => ExactRow
  /** J v at one row; J is symmetric, so this is also the vector-Jacobian product of the gradient. */
  readonly jvp: (theta: Float64Array, v: Float64Array, run: Run) => Float64Array
  /** Where J v may not exist (discrete noise: P jumps along v), the error for this row. */
  readonly jvpRefusal?: (theta: Float64Array, v: Float64Array) => InvalidArgument | undefined
  readonly exactness: Exactness
  readonly jvpExactness: Exactness
  /** Gradients of P and M are analytic (J v and P): no estimator is differentiated. */
  readonly gradient: "analytic"
  /** Whether the rule takes lattice points (`samples`), which the work limits then count. */
  readonly lattice: boolean
  /** Cheap and deterministic: the stratified and control-variate estimators may weight every row by it. */
  readonly weights: boolean
  /** P and M as tf ops where the closed form is one (softmax, logsumexp), else a custom op runs `row`. */
  readonly ops?: {
    readonly probs: (theta: tf.Tensor) => tf.Tensor
    readonly potential: (theta: tf.Tensor) => tf.Tensor
  }
  /** identify's oracle, or why the argmax model has none. */
  readonly oracle: () => NewtonOracle | NotUnique
  /** Why klToUniform, which returns no standard error, refuses this method. */
  readonly klRefusal?: () => NoClosedForm
}

/** The refusal of noise whose argmax model has no exact Hessian (correlated Gaussian, mixed laws). */
export const noExactHessian = (): NotUnique =>
  new NotUnique({
    property: "identifiable",
    reason: "the inverse map needs an exact Hessian, which this noise's argmax model lacks; use Perturb-Softmax"
  })
