/**
 * Samples as tfjs tensors. This entry point (`@perturb/noise/tfjs`) is the only part of the package
 * that touches tfjs, so the data layer stays backend-free. Numbers come from the same counter
 * stream as the typed-array samplers: the tensor equals `sampleVector(...)` rounded to float32.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"
import { InvalidArgument } from "./Errors.js"
import type { Key } from "./Key.js"
import * as Random from "./Random.js"
import { sampleVector32 } from "./Sample.js"
import type { Noise } from "./Vector.js"

const checkShape = (shape: readonly [number, number]): void => {
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((s) => Number.isInteger(s) && s >= 0)) {
    throw new InvalidArgument({ argument: "shape", value: shape, reason: "Expected [rows, columns] of non-negative integers" })
  }
}

/**
 * A float32 tensor of shape `[n, d]` whose rows are independent draws of the noise.
 *
 * @example
 * import "@tensorflow/tfjs" // a tfjs backend: this entry point needs one registered (cpu here)
 * import { Key, Noise } from "@perturb/noise"
 * import { noiseTensor } from "@perturb/noise/tfjs"
 * const g = noiseTensor(Noise.gumbel(), Key.make(1), [1024, 10])
 * @since 0.1.0
 * @category constructors
 */
export const noiseTensor = (noise: Noise, key: Key, shape: readonly [number, number], offset = 0): tf.Tensor2D => {
  checkShape(shape)
  const [n, d] = shape
  return tf.tensor2d(sampleVector32(noise, key, n, d, offset), [n, d], "float32")
}

/**
 * A float32 tensor of uniforms strictly inside (0, 1) (see `Random.uniform32`).
 *
 * @example
 * import "@tensorflow/tfjs" // a tfjs backend: this entry point needs one registered (cpu here)
 * import { Key } from "@perturb/noise"
 * import { uniformTensor } from "@perturb/noise/tfjs"
 * uniformTensor(Key.make(1), [2, 3]).print() // equals Random.uniform32(key, 6) as a [2, 3] tensor
 * @since 0.1.0
 * @category constructors
 */
export const uniformTensor = (key: Key, shape: readonly [number, number], offset = 0): tf.Tensor2D => {
  checkShape(shape)
  const [n, d] = shape
  return tf.tensor2d(Random.uniform32(key, n * d, offset), [n, d], "float32")
}
