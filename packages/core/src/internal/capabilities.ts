/**
 * What a compiled model can do, decided once per model: each kernel asks the functions here
 * whether to run and throws the refusal they return, and `Kernels.capabilities` reports the same
 * values, so the stated capabilities and the kernels' behaviour cannot drift apart.
 */
import { Noise } from "@perturb/noise"
import { InvalidArgument, NoClosedForm, NotUnique } from "../Errors.js"
import type { Model, PerturbArgmax, PerturbSoftmax } from "../Model.js"
import { affineHull, isAffine } from "../Space.js"
import type { NoiseClass } from "./classify.js"
import { densityForm } from "./density.js"
import { exactIsRandomised, exactRefusal } from "./exact.js"
import { scoreRefusal } from "./score.js"

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
 * @since 0.1.0
 * @category models
 */
export type Method = "exact" | "qmc" | "mc" | "quadrature" | "stratified"

/**
 * A capability the model lacks: the typed error the kernel throws when asked, and its tag.
 *
 * @since 0.2.0
 * @category kernels
 */
export interface Refusal<E extends InvalidArgument | NoClosedForm | NotUnique = InvalidArgument | NoClosedForm | NotUnique> {
  readonly available: false
  readonly error: E
}

/**
 * @since 0.2.0
 * @category kernels
 */
export type Availability<E extends InvalidArgument | NoClosedForm | NotUnique = InvalidArgument | NoClosedForm | NotUnique> =
  | { readonly available: true }
  | Refusal<E>

/**
 * A method the kernel runs: whether tf.grad through its result works (else the `InvalidArgument`
 * the backward pass throws), and how its result states its error — `exact` (neither `stdError` nor
 * `errorBound`: exact to float64 rounding, then float32), `stdError` or `errorBound`.
 *
 * @since 0.2.0
 * @category kernels
 */
export interface MethodCapability {
  readonly available: true
  readonly gradient: Availability<InvalidArgument>
  readonly accuracy: "exact" | "stdError" | "errorBound"
}

/**
 * Per method: what it does for this model and noise, or the `InvalidArgument` it throws.
 *
 * @since 0.2.0
 * @category kernels
 */
export type MethodCapabilities = { readonly [K in Method]: MethodCapability | Refusal<InvalidArgument> }

/**
 * Perturb-Softmax: `exact` is refused whatever the noise (no closed form for d ≥ 2).
 *
 * @since 0.2.0
 * @category kernels
 */
export type SoftmaxMethodCapabilities = MethodCapabilities & { readonly exact: Refusal<InvalidArgument> }

/**
 * Perturb-Argmax: `stratified` is refused whatever the noise (it stratifies Perturb-Softmax).
 *
 * @since 0.2.0
 * @category kernels
 */
export type ArgmaxMethodCapabilities = MethodCapabilities & { readonly stratified: Refusal<InvalidArgument> }

/** The method table of a model kind, so that a method the kind never runs is a refusal in the type. */
type MethodsOf<M extends Model> = M extends PerturbSoftmax ? SoftmaxMethodCapabilities
  : M extends PerturbArgmax ? ArgmaxMethodCapabilities
  : MethodCapabilities

/**
 * What the compiled kernels can do for this model and noise, stated before anything runs. Each
 * entry is what the kernel itself reads to decide: a refusal here is exactly the error the call
 * throws (after its arguments are checked).
 *
 * @since 0.2.0
 * @category kernels
 */
export interface Capabilities<M extends Model = Model> {
  readonly probs: MethodsOf<M>
  readonly potential: MethodsOf<M>
  /** `NotUnique` where the space is not affine, complete and minimal, or the noise gives no exact Hessian. */
  readonly identify: Availability<NotUnique>
  /** `NoClosedForm` where the noise's relaxed samples have no closed-form density. */
  readonly logDensity: Availability<NoClosedForm>
  /** `NoClosedForm` (correlated Gaussian, d ≥ 3) or `InvalidArgument` (mixed noise): no exact argmax probabilities. */
  readonly klToUniform: Availability<NoClosedForm | InvalidArgument>
}

const ok = { available: true } as const
const refuse = <E extends InvalidArgument | NoClosedForm | NotUnique>(error: E): Refusal<E> => ({ available: false, error })
const orRefuse = <E extends InvalidArgument | NoClosedForm | NotUnique>(error: E | undefined): Availability<E> =>
  error === undefined ? ok : refuse(error)

/** The decision for one method of `probs` or `potential`. */
export const methodCapability = (
  model: Model,
  cls: NoiseClass,
  kernel: "probs" | "potential",
  method: Method
): MethodCapability | Refusal<InvalidArgument> => {
  const d = model.space.dim
  const softmax = model._tag === "PerturbSoftmax"
  const method_ = (reason: string) => refuse(new InvalidArgument({ argument: "method", value: method, reason }))
  // Perturb-Softmax is differentiated through the estimate; an argmax estimate by its score,
  // which noise without a smooth positive density lacks. The sampled potential's gradient is the
  // frequencies, so it needs no score.
  const score = softmax || kernel === "potential" ? undefined : scoreRefusal(model.noise, d)
  const gradient = orRefuse(score === undefined ? undefined : new InvalidArgument({
    argument: "method",
    value: method,
    reason: `No gradient for these argmax probabilities: ${score}; use method: "exact"`
  }))
  switch (method) {
    case "exact": {
      if (softmax) return method_("Perturb-Softmax has no closed form for d ≥ 2; use qmc, mc or quadrature")
      const refusal = exactRefusal(cls)
      if (refusal !== undefined) return refuse(refusal)
      return { available: true, gradient: ok, accuracy: exactIsRandomised(cls, d) ? "stdError" : "exact" }
    }
    case "qmc":
    case "mc":
      return { available: true, gradient, accuracy: "stdError" }
    case "quadrature":
      if (d > 4) return method_(`Tensor quadrature needs d ≤ 4, got d = ${d}`)
      return { available: true, gradient, accuracy: "errorBound" }
    case "stratified":
      if (!softmax || kernel === "potential") return method_("The stratified method applies to Perturb-Softmax probs only")
      if (!weightsFromExactArgmax(cls)) return method_(NEEDS_EXACT_ARGMAX)
      return { available: true, gradient: ok, accuracy: "stdError" }
  }
}

/**
 * Whether the estimators that lean on the exact argmax probabilities (stratified, the control
 * variate) can: they evaluate them at every row, so only the cheap, deterministic classes.
 */
export const weightsFromExactArgmax = (cls: NoiseClass): boolean => cls._tag === "Gumbel" || cls._tag === "Continuous"
export const NEEDS_EXACT_ARGMAX = "It needs exact argmax probabilities: i.i.d. Gumbel or independent continuous noise"

/** The affine hyperplane identify solves on: normal · θ = offset. */
export interface Plane {
  readonly normal: Float64Array
  readonly offset: number
  /** Perturb-Argmax: the noise, narrowed to the classes with an exact Newton oracle. */
  readonly newton?: NewtonClass
}

/** Noise classes whose argmax model has an exact potential, gradient and Hessian for Newton's method. */
export type NewtonClass = Extract<NoiseClass, { readonly _tag: "Gumbel" | "Continuous" }>

/**
 * Where identify applies, the hyperplane it solves on; else the `NotUnique` it throws. The space
 * must be affine, complete (dimension d − 1) and minimal (transversal to 𝟙); an argmax model also
 * needs noise with an exact Hessian whose P is one-to-one modulo 𝟙.
 */
export const identifyPlan = (model: Model, cls: NoiseClass): Plane | NotUnique => {
  const d = model.space.dim
  if (!isAffine(model.space)) {
    return new NotUnique({ property: "complete", reason: "identify needs an affine space (a complete and minimal convex space is an affine hyperplane transversal to 𝟙); see analyze(space, noise)" })
  }
  const hull = affineHull(model.space)
  // The component of 𝟙 orthogonal to the direction space V: zero iff 𝟙 ∈ V (not minimal).
  const normal = new Float64Array(d).fill(1)
  for (let j = 0; j < hull.k; j++) {
    let s = 0
    for (let i = 0; i < d; i++) s += hull.basis[i * hull.k + j]!
    for (let i = 0; i < d; i++) normal[i]! -= s * hull.basis[i * hull.k + j]!
  }
  const across = normal.reduce((s, v) => s + v * v, 0)
  if (hull.k !== d - 1 || across < 1e-9 * d) {
    const property = across < 1e-9 * d ? "minimal" : "complete"
    return new NotUnique({
      property,
      reason: property === "minimal"
        ? "the space contains θ and θ + c𝟙, which have the same probabilities; see analyze(space, noise)"
        : `the space has dimension ${hull.k}, so it cannot reach every p in the (d−1)-simplex; see analyze(space, noise)`
    })
  }
  const newton = model._tag === "PerturbArgmax" ? newtonClass(cls) : undefined
  if (newton instanceof NotUnique) return newton
  let offset = 0
  for (let i = 0; i < d; i++) offset += normal[i]! * hull.point[i]!
  return newton === undefined ? { normal, offset } : { normal, offset, newton }
}

/** The noise narrowed to a class with an exact Newton oracle, or why the argmax model has none. */
const newtonClass = (cls: NoiseClass): NewtonClass | NotUnique => {
  if (cls._tag === "Gumbel") return cls
  if (cls._tag === "Continuous") {
    // The criterion analyze reads too: one source of truth for "P is one-to-one modulo 𝟙".
    return Noise.argmaxOneToOneSide(cls.laws) !== undefined ? cls : new NotUnique({
      property: "minimal",
      reason: "the noise laws share no tail with a positive density (Noise.argmaxOneToOneSide), so P need not be one-to-one modulo 𝟙: bounded noise saturates (Prop 5.4), and so do laws unbounded on opposite sides; see analyze(space, noise)"
    })
  }
  return new NotUnique({
    property: "identifiable",
    reason: cls._tag === "Discrete"
      ? "discrete noise makes ∂M set-valued at kinks (Prop 5.5); see analyze(space, noise)"
      : "the inverse map needs an exact Hessian, which this noise's argmax model lacks; use Perturb-Softmax"
  })
}

/** Why klToUniform refuses, or `undefined`: it needs exact argmax probabilities without a standard error. */
export const klRefusal = (cls: NoiseClass, d: number): NoClosedForm | InvalidArgument | undefined => {
  if (exactIsRandomised(cls, d) && cls._tag === "Correlated") {
    return new NoClosedForm({
      what: "klToUniform",
      noise: `Gaussian(covariance: ${JSON.stringify(cls.gaussian.covariance)})`,
      reason: `the argmax probabilities of correlated Gaussian noise at d = ${d} are a randomised lattice estimate, and klToUniform returns no standard error; use probs(theta, { method: "exact" }), which carries its stdError, with klCategorical`
    })
  }
  return exactRefusal(cls)
}

/**
 * Every capability of a compiled model, each decided on first read: the identify plan needs the
 * affine hull, which a kernel that never identifies should not pay for.
 */
export const capabilities = <M extends Model>(model: M, cls: NoiseClass): { readonly capabilities: Capabilities<M>; readonly plan: () => Plane | NotUnique } => {
  const d = model.space.dim
  const methods = (kernel: "probs" | "potential") =>
    Object.fromEntries((["exact", "qmc", "mc", "quadrature", "stratified"] as const).map((m) => [m, methodCapability(model, cls, kernel, m)])) as MethodsOf<M>
  const once = <A>(f: () => A): () => A => {
    let value: { a: A } | undefined
    return () => (value ??= { a: f() }).a
  }
  const probs = once(() => methods("probs"))
  const potential = once(() => methods("potential"))
  // identify throws this very refusal, so the capability and the kernel share one plan.
  const plan = once(() => identifyPlan(model, cls))
  const identify = once((): Availability<NotUnique> => {
    const p = plan()
    return p instanceof NotUnique ? refuse(p) : ok
  })
  const logDensity = once((): Availability<NoClosedForm> => {
    const form = densityForm(model.noise, d)
    return form instanceof NoClosedForm ? refuse(form) : ok
  })
  const klToUniform = once(() => orRefuse(klRefusal(cls, d)))
  const stated: Capabilities<M> = {
    get probs() {
      return probs()
    },
    get potential() {
      return potential()
    },
    get identify() {
      return identify()
    },
    get logDensity() {
      return logDensity()
    },
    get klToUniform() {
      return klToUniform()
    }
  }
  return { capabilities: stated, plan }
}
