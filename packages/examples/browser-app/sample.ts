/**
 * A sampling-only app: what an app pays in bundle size for Perturb-Softmax samples alone (the
 * browser test bundles it with esbuild's defaults and prints raw and gzip sizes).
 */
import * as tf from "@tensorflow/tfjs"
import { Key, Noise } from "@perturb/noise"
import { compile, Model, Space } from "@perturb/core"

const kernel = compile(Model.perturbSoftmax({ space: Space.pinned(3), noise: Noise.gumbel(), temperature: 0.5 }))
const y = kernel.sample(tf.tensor1d([0, 1, -1]), { samples: 4, key: Key.make(1) }) as tf.Tensor
document.title = `samples ${y.shape.join("×")}`
