/**
 * The options of `probs` / `potential` and their checks. Defaults shared by every entry point (key,
 * sample counts) live here so the kernels, the inverse map and the float64 API read the same ones;
 * the estimators themselves are in `../methods/softmax/`.
 */
import * as tf from "@tensorflow/tfjs"
import { Key } from "@perturb/noise"
import { InvalidArgument } from "../Errors.js"
import { type Method, METHODS } from "../methods/method.js"
import { checkBoolean, checkMethod, checkOptions } from "./validate.js"

/**
 * @example
 * import { compile, type EstimateOptions, Model, Space } from "@perturb/core"
 * import { Key, Noise } from "@perturb/noise"
 * import * as tf from "@tensorflow/tfjs"
 * const options: EstimateOptions = { method: "mc", samples: 2048, key: Key.make(3) }
 * compile(Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.normal() })).probs(tf.zeros([3]), options).stdError?.print()
 * @since 0.1.0
 * @category models
 */
export interface EstimateOptions {
  /** How to compute: the best the model has by default (`capabilities` lists each one's availability). */
  readonly method?: Method
  /**
   * Noise points for `qmc`/`mc`/`stratified`, Gauss–Legendre nodes per axis for `quadrature`,
   * lattice points for the correlated Gaussian's `exact` (ignored by the other exact methods).
   * Defaults: 4096 points, or fewer where d > 4096 or rows · d > 2^18: at most 2^24 / d and
   * 2^30 / (rows · d) (a multiple of 16, at least 16; e.g. 160 at d = 10⁵, with correspondingly
   * larger standard errors); 512/96/32 nodes at d ≤ 2/3/4; 65536 lattice points.
   *
   * Work limits, checked before anything is allocated (a typed `InvalidArgument` naming `samples`,
   * or `theta` when the default does not fit): at most 2^24 points per call; points × d ≤ 2^25
   * noise values (held in float64); points × rows × d ≤ 2^30 evaluated values (× d again for the
   * lattice and for `jacobian`). Quadrature counts nodes^d points.
   */
  readonly samples?: number
  /** Randomness of sampled and randomised methods (default `Key.make(0)`): the same key gives the same estimate. */
  readonly key?: Key.Key
  /**
   * Perturb-Softmax with `qmc` or `mc`: use the noise's exact Perturb-Argmax probabilities as a
   * control variate (i.i.d. Gumbel or independent continuous noise). Lowers the error most at small
   * τ; the gradient stays that of the plain estimate. Off by default, so that `∇potential = probs`
   * holds exactly for the same points.
   */
  readonly controlVariate?: boolean
  /**
   * Perturb-Argmax with `mc`, `qmc` or `quadrature`: also return the estimated Jacobian ∂P/∂θ
   * (the score-function estimator that is these methods' gradient) with its standard error.
   *
   * @since 0.2.0
   */
  readonly jacobian?: boolean
}

export const DEFAULT_KEY = Key.make(0)

/** The options of `probs` / `potential`, checked as a whole at the entry so no field is read from a non-object. */
export const estimateOptions = (options: EstimateOptions | undefined): EstimateOptions => {
  const o = checkOptions("options", options)
  checkMethod("method", o.method, METHODS)
  checkBoolean("controlVariate", o.controlVariate)
  // null is not "absent": `?? default` would silently read it as the default count.
  if (o.samples !== undefined) checkSamples("samples", o.samples)
  return o
}
export const DEFAULT_SAMPLES = 4096
/** The correlated Gaussian's randomised lattice: 65536 points (standard error 3.4e-6 at d = 3; 1.2e-5 at 4096). */
export const DEFAULT_LATTICE_POINTS = 65536

export const checkSamples = (argument: string, n: unknown): number => {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
    throw new InvalidArgument({ argument, value: n, reason: "Expected a positive integer" })
  }
  return n
}

export const checkKey = (key: unknown): Key.Key => {
  if (!Key.isKey(key)) throw new InvalidArgument({ argument: "key", value: key, reason: "Expected a Key (Key.make(seed))" })
  return key
}

/**
 * Runs `f` in a tidy that keeps only the tensors of its result: the result object itself is
 * returned, its tensors moved out of the scope (its other fields, `method`, travel along).
 */
export const tidyResult = <R extends { readonly method: Method }>(f: () => R): R => {
  let result: R | undefined
  tf.tidy(() => {
    const r = f()
    result = r
    return tensorsIn(r)
  })
  return result!
}

const tensorsIn = (o: object): Array<tf.Tensor> => Object.values(o).filter((v): v is tf.Tensor => v instanceof tf.Tensor)

export const squeezeRows = (x: tf.Tensor, theta: tf.Tensor): tf.Tensor => (theta.rank === 1 ? x.reshape(x.shape.slice(1)) : x)
