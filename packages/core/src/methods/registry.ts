/**
 * The one place that decides which method runs for which model and noise. The noise class
 * (`internal/classify.ts`) picks the exact Perturb-Argmax family: i.i.d. Gumbel (closed forms),
 * independent continuous laws (1-D quadrature; the i.i.d. Normal fast path first where its shared
 * nodes certify the result), independent discrete laws (enumeration), a correlated Gaussian
 * (Genz's lattice), independent mixed laws (enumeration of the atoms, 1-D quadrature of the
 * densities; `mixed.ts`). The model
 * kind then decides which of `exact` and the estimators (`softmax/estimators.ts`) run, and with
 * which gradient (`methodFor`), which `capabilities` states and the kernels obey.
 */
import type { Law } from "@perturb/noise"
import { InvalidArgument } from "../Errors.js"
import type { Model } from "../Model.js"
import type { NoiseClass } from "../internal/classify.js"
import { scoreRefusal } from "../internal/score.js"
import { normalArgmax, type NormalFamily, normalFamily, normalOracle } from "./normal/index.js"
import { discreteMethod } from "./discrete.js"
import { gaussianMethod } from "./gaussian.js"
import { gumbelMethod } from "./gumbel.js"
import { mixedMethod } from "./mixed.js"
import { argmaxIndependent, argmaxJvp, independentMethod, oneToOneOracle } from "./independent.js"
import type { ExactMethod, Method, MethodCapability, Refusal } from "./method.js"
import { estimators } from "./softmax/estimators.js"

export type { ExactMethod, ExactRow, Exactness, NewtonOracle, Run } from "./method.js"

/** The exact method of a noise class at dimension d, or the `InvalidArgument` the kernels throw. */
export const exactMethod = (cls: NoiseClass, d: number): ExactMethod | InvalidArgument => {
  switch (cls._tag) {
    case "Gumbel":
      return gumbelMethod(cls.loc, cls.scale)
    case "Continuous": {
      const family = normalFamily(cls.laws)
      return family === undefined ? independentMethod(cls.laws) : normalMethod(cls.laws, family)
    }
    case "Discrete":
      return discreteMethod(cls.laws)
    case "Correlated":
      return gaussianMethod(cls.gaussian, d)
    case "Mixed":
      return mixedMethod(cls.laws)
  }
}

/**
 * Independent Normal laws: the shared nodes of `normalArgmax` with a certified error, else (where
 * they cannot certify it) the adaptive quadrature of independent continuous noise.
 */
const normalMethod = (laws: ReadonlyArray<Law>, family: NormalFamily): ExactMethod => ({
  ...independentMethod(laws),
  family: "normal",
  row: (theta) => normalArgmax(theta, family) ?? argmaxIndependent(theta, laws),
  jvp: (theta, v) => normalArgmax(theta, family, v)?.jvp ?? argmaxJvp(theta, laws, v),
  oracle: () => oneToOneOracle(laws, () => normalOracle(laws, family))
})

const ok = { available: true } as const

/**
 * What one method of `probs` or `potential` does for this model and exact method, or the
 * `InvalidArgument` it throws. Perturb-Softmax is differentiated through the estimate; an argmax
 * estimate by its score, which noise without a smooth positive density lacks. The sampled
 * potential's gradient is the frequencies, so it needs no score.
 */
export const methodFor = (
  model: Model,
  exact: ExactMethod | InvalidArgument,
  kernel: "probs" | "potential",
  method: Method
): MethodCapability | Refusal<InvalidArgument> => {
  const d = model.space.dim
  const softmax = model._tag === "PerturbSoftmax"
  const refuse = (reason: string) => ({ available: false, error: new InvalidArgument({ argument: "method", value: method, reason }) }) as const
  if (method === "exact") {
    if (softmax) return refuse("Perturb-Softmax has no closed form for d ≥ 2; use qmc, mc or quadrature")
    if (exact instanceof InvalidArgument) return { available: false, error: exact }
    return { available: true, gradient: ok, accuracy: exact.exactness === "exact" ? "exact" : "stdError" }
  }
  const estimator = estimators[method]
  const refusal = estimator.refusal(model, kernel, exact)
  if (refusal !== undefined) return refuse(refusal)
  const score = softmax || kernel === "potential" ? undefined : scoreRefusal(model.noise, d)
  const gradient = score === undefined ? ok : {
    available: false,
    error: new InvalidArgument({ argument: "method", value: method, reason: `No gradient for these argmax probabilities: ${score}; use method: "exact"` })
  } as const
  return { available: true, gradient, accuracy: estimator.accuracy }
}
