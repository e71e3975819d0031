/**
 * Models: a parameter space, a noise law and (for Perturb-Softmax) a temperature. Plain immutable
 * data: building a model never touches tfjs; `compile` does.
 *
 * - Perturb-Softmax: P(θ) = E softmax((θ + γ)/τ) = ∇F(θ), F(θ) = E τ·logsumexp((θ + γ)/τ).
 * - Perturb-Argmax:  P(θ)_i = Pr[i = argmax(θ + γ)] ∈ ∂M(θ), M(θ) = E max_i(θ_i + γ_i).
 *
 * @since 0.1.0
 */
import { Noise, type NoiseLike } from "@perturb/noise"
import { DimensionMismatch, InvalidArgument } from "./Errors.js"
import { isSpace, type Space } from "./Space.js"
// A temperature is a number in [1e-30, 1e30] (internal/temperature.ts says why); per-row temperatures
// are tensors given to the kernels.
import { checkTemperature } from "./internal/temperature.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface PerturbSoftmax<D extends number = number> {
  readonly _tag: "PerturbSoftmax"
  readonly space: Space<D>
  readonly noise: NoiseLike
  readonly temperature: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface PerturbArgmax<D extends number = number> {
  readonly _tag: "PerturbArgmax"
  readonly space: Space<D>
  readonly noise: NoiseLike
}

/**
 * @since 0.1.0
 * @category models
 */
export type Model<D extends number = number> = PerturbSoftmax<D> | PerturbArgmax<D>

/** The options object and its space; then the noise against the space. */
const checkModelOptions = (argument: string, options: unknown): { space: Space } => {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InvalidArgument({ argument, value: options, reason: "Expected an options object { space, noise, … }" })
  }
  const space = (options as { space?: unknown }).space
  if (!isSpace(space)) throw new InvalidArgument({ argument: "space", value: space, reason: "Expected a Space (Space.reals(3), Space.pinned(3), …)" })
  return { space }
}

const checkNoise = (space: Space, noise: NoiseLike): void => {
  if (!Noise.isNoise(noise)) throw new InvalidArgument({ argument: "noise", value: noise, reason: "Expected a noise law" })
  const dim = Noise.dimOf(noise)
  if (dim !== undefined && dim !== space.dim) {
    throw new DimensionMismatch({ argument: "noise", expected: space.dim, received: dim })
  }
}

/**
 * Perturb-Softmax (Gumbel-Softmax / Concrete with Gumbel noise, Gaussian-Softmax with Normal noise).
 *
 * @example
 * import { Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const m = Model.perturbSoftmax({ space: Space.pinned(10), noise: Noise.normal(), temperature: 0.5 })
 * @since 0.1.0
 * @category constructors
 */
export const perturbSoftmax = <D extends number>(options: {
  readonly space: Space<D>
  readonly noise: NoiseLike
  readonly temperature?: number
}): PerturbSoftmax<D> => {
  checkModelOptions("options", options)
  checkNoise(options.space, options.noise)
  const temperature = checkTemperature("temperature", options.temperature ?? 1)
  return Object.freeze({ _tag: "PerturbSoftmax", space: options.space, noise: options.noise, temperature })
}

/**
 * Perturb-Argmax (Gumbel-Argmax = softmax, Gaussian-Argmax = probit, …).
 *
 * @example
 * import { Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const m = Model.perturbArgmax({ space: Space.zeroSum(5), noise: Noise.gumbel() })
 * @since 0.1.0
 * @category constructors
 */
export const perturbArgmax = <D extends number>(options: {
  readonly space: Space<D>
  readonly noise: NoiseLike
}): PerturbArgmax<D> => {
  checkModelOptions("options", options)
  checkNoise(options.space, options.noise)
  return Object.freeze({ _tag: "PerturbArgmax", space: options.space, noise: options.noise })
}

/**
 * @since 0.1.0
 * @category guards
 */
export const isModel = (u: unknown): u is Model =>
  typeof u === "object" && u !== null && ["PerturbSoftmax", "PerturbArgmax"].includes((u as { _tag: string })._tag)
