/**
 * What a compiled model can do, decided once per model: each kernel asks the functions here
 * whether to run and throws the refusal they return, and `Kernels.capabilities` reports the same
 * values, so the stated capabilities and the kernels' behaviour cannot drift apart. Which method
 * runs for which model and noise is the method registry's (`methods/registry.ts`); this module
 * gathers its answers with the space's (identify) and the density's (logDensity).
 */
import { InvalidArgument, NoClosedForm, NotUnique } from "../Errors.js"
import { type Availability, type Method, type MethodCapability, METHODS, noExactHessian, type Refusal } from "../methods/method.js"
import { type ExactMethod, exactMethod, methodFor, type NewtonOracle } from "../methods/registry.js"
import type { Model, PerturbArgmax, PerturbSoftmax } from "../Model.js"
import { affineHull, isAffine } from "../Space.js"
import type { NoiseClass } from "./classify.js"
import { densityForm } from "./density.js"

export type { Availability, Method, MethodCapability, Refusal } from "../methods/method.js"

/**
 * Per method: what it does for this model and noise, or the `InvalidArgument` it throws.
 *
 * @example
 * import { compile, type MethodCapabilities, Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const caps: MethodCapabilities = compile(Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.normal() })).capabilities.probs
 * caps.exact.available // true: 1-D quadrature
 * @since 0.2.0
 * @category kernels
 */
export type MethodCapabilities = { readonly [K in Method]: MethodCapability | Refusal<InvalidArgument> }

/**
 * Perturb-Softmax: `exact` is refused whatever the noise (no closed form for d ≥ 2).
 *
 * @example
 * import { compile, Model, type SoftmaxMethodCapabilities, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const model = Model.perturbSoftmax({ space: Space.pinned(3), noise: Noise.gumbel(), temperature: 1 })
 * const caps: SoftmaxMethodCapabilities = compile(model).capabilities.probs
 * caps.exact.available // false, in the type too
 * @since 0.2.0
 * @category kernels
 */
export type SoftmaxMethodCapabilities = MethodCapabilities & {
  /** Refused: Perturb-Softmax has no exact probabilities. */
  readonly exact: Refusal<InvalidArgument>
}

/**
 * Perturb-Argmax: `stratified` is refused whatever the noise (it stratifies Perturb-Softmax).
 *
 * @example
 * import { type ArgmaxMethodCapabilities, compile, Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const caps: ArgmaxMethodCapabilities = compile(Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.gumbel() })).capabilities.probs
 * caps.stratified.available // false: stratifying on the argmax only helps a relaxed sample
 * @since 0.2.0
 * @category kernels
 */
export type ArgmaxMethodCapabilities = MethodCapabilities & {
  /** Refused: stratifying on the argmax is for relaxed samples. */
  readonly stratified: Refusal<InvalidArgument>
}

/** The method table of a model kind, so that a method the kind never runs is a refusal in the type. */
type MethodsOf<M extends Model> = M extends PerturbSoftmax ? SoftmaxMethodCapabilities
  : M extends PerturbArgmax ? ArgmaxMethodCapabilities
  : MethodCapabilities

/**
 * What the compiled kernels can do for this model and noise, stated before anything runs. Each
 * entry is what the kernel itself reads to decide: a refusal here is exactly the error the call
 * throws (after its arguments are checked).
 *
 * @example
 * import { type Capabilities, compile, Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const caps: Capabilities = compile(Model.perturbArgmax({ space: Space.reals(3), noise: Noise.gumbel() })).capabilities
 * if (!caps.identify.available) console.log(caps.identify.error.message) // NotUnique: θ + c𝟙
 * @since 0.2.0
 * @category kernels
 */
export interface Capabilities<M extends Model = Model> {
  /** The `probs` methods: each available (with gradient and accuracy) or refused. */
  readonly probs: MethodsOf<M>
  /** The `potential` methods, as for `probs`. */
  readonly potential: MethodsOf<M>
  /** `NotUnique` where the space is not affine, complete and minimal, or the noise gives no exact Hessian. */
  readonly identify: Availability<NotUnique>
  /** `NoClosedForm` where the noise's relaxed samples have no closed-form density. */
  readonly logDensity: Availability<NoClosedForm>
  /** `NoClosedForm` (correlated Gaussian, d ≥ 3) or `InvalidArgument` (a noise whose exact method refuses): no exact argmax probabilities. */
  readonly klToUniform: Availability<NoClosedForm | InvalidArgument>
}

const ok = { available: true } as const
const refuse = <E extends InvalidArgument | NoClosedForm | NotUnique>(error: E): Refusal<E> => ({ available: false, error })
const orRefuse = <E extends InvalidArgument | NoClosedForm | NotUnique>(error: E | undefined): Availability<E> =>
  error === undefined ? ok : refuse(error)

/** The affine hyperplane identify solves on: normal · θ = offset. */
export interface Plane {
  readonly normal: Float64Array
  readonly offset: number
  /** Perturb-Argmax: the exact method's Newton oracle. */
  readonly newton?: NewtonOracle
}

/**
 * Where identify applies, the hyperplane it solves on; else the `NotUnique` it throws. The space
 * must be affine, complete (dimension d − 1) and minimal (transversal to 𝟙); an argmax model also
 * needs noise with an exact Hessian whose P is one-to-one modulo 𝟙.
 */
export const identifyPlan = (model: Model, exact: () => ExactMethod | InvalidArgument): Plane | NotUnique => {
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
  const method = model._tag === "PerturbArgmax" ? exact() : undefined
  const newton = method === undefined ? undefined : method instanceof InvalidArgument ? noExactHessian() : method.oracle()
  if (newton instanceof NotUnique) return newton
  let offset = 0
  for (let i = 0; i < d; i++) offset += normal[i]! * hull.point[i]!
  return newton === undefined ? { normal, offset } : { normal, offset, newton }
}

/** Why klToUniform refuses, or `undefined`: it needs exact argmax probabilities without a standard error. */
export const klRefusal = (exact: ExactMethod | InvalidArgument): NoClosedForm | InvalidArgument | undefined =>
  exact instanceof InvalidArgument ? exact : exact.klRefusal?.()

/**
 * Every capability of a compiled model, each decided on first read: the identify plan needs the
 * affine hull, which a kernel that never identifies should not pay for.
 */
export const capabilities = <M extends Model>(model: M, cls: NoiseClass): {
  readonly capabilities: Capabilities<M>
  readonly plan: () => Plane | NotUnique
  readonly exact: () => ExactMethod | InvalidArgument
} => {
  const d = model.space.dim
  const once = <A>(f: () => A): () => A => {
    let value: { a: A } | undefined
    return () => (value ??= { a: f() }).a
  }
  // The registry's choice for this noise, made once: every kernel, capability and plan reads it.
  const exact = once(() => exactMethod(cls, d))
  const methods = (kernel: "probs" | "potential") =>
    Object.fromEntries(METHODS.map((m) => [m, methodFor(model, exact(), kernel, m)])) as MethodsOf<M>
  const probs = once(() => methods("probs"))
  const potential = once(() => methods("potential"))
  // identify throws this very refusal, so the capability and the kernel share one plan.
  const plan = once(() => identifyPlan(model, exact))
  const identify = once((): Availability<NotUnique> => {
    const p = plan()
    return p instanceof NotUnique ? refuse(p) : ok
  })
  const logDensity = once((): Availability<NoClosedForm> => {
    const form = densityForm(model.noise, d)
    return form instanceof NoClosedForm ? refuse(form) : ok
  })
  const klToUniform = once(() => orRefuse(klRefusal(exact())))
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
  return { capabilities: stated, plan, exact }
}
