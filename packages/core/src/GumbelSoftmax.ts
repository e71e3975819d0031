/**
 * `gumbelSoftmax(logits, { tau, hard, key })`: PyTorch's `F.gumbel_softmax` in one call, with its
 * shape conventions — logits `[..., d]` of any rank, one sample of the same shape (no leading
 * sample axis), the softmax over the last axis — and an explicit key instead of a global RNG.
 *
 * It is the general API on a fixed model: `compile(Model.perturbSoftmax({ space: Space.reals(d),
 * noise: Noise.gumbel(), temperature: tau }))`, whose `sample` (or `sampleStraightThrough` for
 * `hard: true`) with `samples: 1` and the same key gives the same numbers, with the leading
 * sample axis dropped. So it runs the fused WebAssembly sampler on `cpu` and `wasm` and the
 * composed ops elsewhere, exactly as `compile` decides.
 *
 * Laws: every row sums to 1; `hard: true` is the one-hot of the soft sample's argmax, and its
 * gradient is the soft sample's; `argmax` of the sample is distributed as `softmax(logits)`.
 *
 * @since 0.2.0
 */
import * as tf from "@tensorflow/tfjs"
import { Noise, type Key } from "@perturb/noise"
import { compile } from "./Compile.js"
import { InvalidArgument } from "./Errors.js"
import * as Model from "./Model.js"
import * as Space from "./Space.js"
import { checkKey } from "./internal/estimate.js"
import { checkLive, checkTensor } from "./internal/tensors.js"
import { checkTemperature } from "./internal/temperature.js"
import { checkBoolean, checkOptions } from "./internal/validate.js"

/**
 * `F.gumbel_softmax`'s options, with the key that replaces its global RNG.
 *
 * @example
 * import { type GumbelSoftmaxOptions } from "@perturb/core"
 * import { Key } from "@perturb/noise"
 * const options: GumbelSoftmaxOptions = { tau: 0.5, hard: true, key: Key.make(0) }
 * @since 0.2.0
 * @category models
 */
export interface GumbelSoftmaxOptions {
  /** The temperature τ > 0 (default 1), as `F.gumbel_softmax`'s `tau`. */
  readonly tau?: number
  /** One-hot forward, the soft sample's gradient backward (straight-through; default false). */
  readonly hard?: boolean
  /** The randomness: the same key gives the same sample. Required (there is no global RNG). */
  readonly key: Key.Key
}

/**
 * One Gumbel-Softmax (Concrete) sample softmax((logits + g)/τ), g i.i.d. standard Gumbel, of the
 * shape of `logits` `[..., d]` (d ≥ 2); with `hard: true`, its one-hot argmax whose gradient is
 * that of the soft sample. Bad input is an `InvalidArgument` (or `DimensionMismatch`) naming
 * `logits`, `tau`, `hard` or `key`.
 *
 * @example
 * import * as tf from "@tensorflow/tfjs"
 * import { gumbelSoftmax } from "@perturb/core"
 * import { Key } from "@perturb/noise"
 * const logits = tf.tensor2d([[1, 2, 0.5], [0, 0, 3]])
 * const y = gumbelSoftmax(logits, { tau: 0.5, hard: true, key: Key.make(0) }) // [2, 3], one-hot rows
 * @since 0.2.0
 * @category kernels
 */
export const gumbelSoftmax = (logits: tf.Tensor, options: GumbelSoftmaxOptions): tf.Tensor => {
  const o = checkOptions("options", options, true)
  const tau = checkTemperature("tau", o.tau ?? 1)
  const hard = checkBoolean("hard", o.hard) ?? false
  const key = checkKey(o.key)
  const x = checkLive("logits", logits, "a tf.Tensor of shape [..., d]")
  const d = x.rank === 0 ? 0 : x.shape[x.rank - 1]!
  if (d < 2) throw new InvalidArgument({ argument: "logits", value: x.shape, reason: "Expected shape [..., d] with d ≥ 2 categories" })
  checkTensor("logits", x, d, { anyRank: true, finite: false })
  const kernels = compile(Model.perturbSoftmax({ space: Space.reals(d), noise: Noise.gumbel(), temperature: tau }))
  try {
    return tf.tidy(() => {
      const y = hard ? kernels.sampleStraightThrough(x, { samples: 1, key }) : kernels.sample(x, { samples: 1, key })
      return y.reshape(x.shape)
    })
  } catch (e) {
    // The kernels check finiteness (in WebAssembly on cpu and wasm, cheaper than a second
    // read-back here) and name the value θ: renamed to the argument the caller knows.
    if (e instanceof InvalidArgument && e.argument.startsWith("theta")) {
      throw new InvalidArgument({ argument: `logits${e.argument.slice("theta".length)}`, value: e.value, reason: e.reason })
    }
    throw e
  }
}
