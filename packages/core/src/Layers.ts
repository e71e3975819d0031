/**
 * `perturbSoftmaxLayer(options)`: a Perturb-Softmax sample as a `tf.layers` layer, for
 * `tf.sequential`, the functional API and `model.fit`, saved by `model.save` and restored by
 * `tf.loadLayersModel` (the class is registered with `tf.serialization.registerClass`).
 *
 * The layer reads its input as θ `[batch, ..., d]` and has no weights. The model behind it is
 * `Model.perturbSoftmax({ space: Space.reals(d), noise, temperature })`, d the input's last axis.
 *
 * Keys. The layer holds a `seed` and a `step` counter: each training call draws with
 * `Key.fold(Key.make(seed), step)` and advances `step`, so successive batches get fresh noise
 * while two layers with the same seed (or a model saved and loaded, which keeps `step`) repeat the
 * same run. Inference calls draw nothing and leave `step` alone.
 *
 * Training (`training: true`, as `model.fit` calls it): the mean of `samples` (default 1) draws of
 * softmax((θ + γ)/τ), or with `straightThrough` their one-hot argmaxes with the relaxed gradient.
 *
 * Inference (`predict`, `training` false): deterministic, chosen by `inference`:
 * - `"probs"` (the default without `straightThrough`): P(θ) = E softmax((θ + γ)/τ), the
 *   expectation of what training draws, as `compile(model).probs(θ)` estimates it by default
 *   (quasi-Monte Carlo on a fixed key: deterministic; its standard error, which `probs` reports,
 *   is not part of a layer's output). About 4096 · rows · d work per call: measured 65 ms on wasm
 *   and 2 s on tfjs's pure-JS cpu backend for a batch of 64 × 10 (`inferenceSamples` lowers it);
 * - `"argmax"` (the default with `straightThrough`): the one-hot of argmax θ, the noise-free
 *   limit and, for i.i.d. noise, the most probable category of the one-hot training draws.
 *
 * Saved form. tfjs rewrites every string of a layer config to snake_case on save and to camelCase
 * on load (`"Gumbel"` comes back `"gumbel"`), so the noise's JSON (`Noise.toJSON`) is stored as
 * lower-case hex of its UTF-8 text, which both rewrites leave as it is.
 *
 * @since 0.2.0
 */
import * as tf from "@tensorflow/tfjs"
import { Key, Noise, type NoiseLike } from "@perturb/noise"
import { compile, type Kernels } from "./Compile.js"
import { InvalidArgument } from "./Errors.js"
import * as Model from "./Model.js"
import * as Space from "./Space.js"
import { checkSamples } from "./internal/estimate.js"
import { checkTemperature } from "./internal/temperature.js"
import { checkBoolean, checkMethod, checkOptions } from "./internal/validate.js"

/** tfjs's own layer arguments (`name`, `inputShape`, `batchInputShape`, `trainable`, …). */
type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>

/**
 * The layer's options, beside tfjs's own (`name`, `inputShape`, …); every one is in its saved config.
 *
 * @example
 * import { type PerturbSoftmaxLayerOptions, perturbSoftmaxLayer } from "@perturb/core"
 * const options: PerturbSoftmaxLayerOptions = { temperature: 0.5, samples: 4, seed: 7, inputShape: [10] }
 * const layer = perturbSoftmaxLayer(options)
 * @since 0.2.0
 * @category models
 */
export interface PerturbSoftmaxLayerOptions extends LayerArgs {
  /** The noise law (default `Noise.gumbel()`: the Gumbel-Softmax layer). */
  readonly noise?: NoiseLike
  /** τ (default 1). */
  readonly temperature?: number
  /** One-hot forward, relaxed gradient backward (default false). */
  readonly straightThrough?: boolean
  /** Draws averaged per training call (default 1). */
  readonly samples?: number
  /** The seed of the layer's keys (default 0): a non-negative safe integer. */
  readonly seed?: number
  /** Training calls made so far (default 0): restored from a saved model, rarely set by hand. */
  readonly step?: number
  /** What inference returns: `"probs"` or `"argmax"` (default: `"argmax"` with `straightThrough`, else `"probs"`). */
  readonly inference?: "probs" | "argmax"
  /**
   * Quasi-Monte Carlo points of `inference: "probs"` (default: `probs`'s own, 4096 for small
   * batches). The work is linear in them: fewer points trade accuracy for speed on slow backends.
   */
  readonly inferenceSamples?: number
}

const hex = (text: string): string => Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, "0")).join("")

const unhex = (argument: string, s: string): string => {
  if (!/^(?:[0-9a-f]{2})*$/.test(s)) throw new InvalidArgument({ argument, value: s.slice(0, 32), reason: "Expected the hex-encoded JSON of a noise law" })
  return new TextDecoder().decode(Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16)))
}

const checkStep = (value: unknown): number => {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgument({ argument: "step", value, reason: "Expected a non-negative safe integer" })
  }
  return value
}

/**
 * The layer class (saved as `class_name: "PerturbSoftmax"`). Build it with `perturbSoftmaxLayer`;
 * the class is exported for `instanceof` and for `fromConfig`.
 *
 * @example
 * import { PerturbSoftmaxLayer, perturbSoftmaxLayer } from "@perturb/core"
 * const layer = perturbSoftmaxLayer({ temperature: 0.5 })
 * console.log(layer instanceof PerturbSoftmaxLayer) // true
 * @since 0.2.0
 * @category models
 */
export class PerturbSoftmaxLayer extends tf.layers.Layer {
  /** The name tfjs's serialization registry knows the layer by. */
  static readonly className = "PerturbSoftmax"
  /** The noise law (see `PerturbSoftmaxLayerOptions`). */
  readonly noise: NoiseLike
  /** τ. */
  readonly temperature: number
  /** Whether training samples are one-hot forward, relaxed backward. */
  readonly straightThrough: boolean
  /** Draws averaged per training call. */
  readonly samples: number
  /** The seed the per-call keys are folded from. */
  readonly seed: number
  /** What inference returns: the probabilities or the argmax one-hot. */
  readonly inference: "probs" | "argmax"
  /** Quasi-Monte Carlo points of `inference: "probs"` (undefined: `probs`'s default). */
  readonly inferenceSamples: number | undefined
  /** Training calls made so far: the next one draws with `Key.fold(Key.make(seed), step)`. */
  step: number
  private kernels: Kernels | undefined

  /** Prefer `perturbSoftmaxLayer(options)`; throws `InvalidArgument` for a bad option. */
  constructor(options: PerturbSoftmaxLayerOptions = {}) {
    const o = checkOptions("options", options)
    const { noise, temperature, straightThrough, samples, seed, step, inference, inferenceSamples, ...layerArgs } = o
    super(layerArgs)
    if (noise !== undefined && !Noise.isNoise(noise)) throw new InvalidArgument({ argument: "noise", value: noise, reason: "Expected a noise law" })
    this.noise = noise ?? Noise.gumbel()
    this.temperature = checkTemperature("temperature", temperature ?? 1)
    this.straightThrough = checkBoolean("straightThrough", straightThrough) ?? false
    this.samples = samples === undefined ? 1 : checkSamples("samples", samples)
    // Key.make validates the seed (InvalidArgument naming `seed`).
    Key.make(seed ?? 0)
    this.seed = seed ?? 0
    this.step = step === undefined ? 0 : checkStep(step)
    this.inference = checkMethod("inference", inference, ["probs", "argmax"] as const) ?? (this.straightThrough ? "argmax" : "probs")
    // null is what a saved config holds for "unset" (tfjs writes undefined as null).
    this.inferenceSamples = inferenceSamples === undefined || inferenceSamples === null ? undefined : checkSamples("inferenceSamples", inferenceSamples)
    this.kernels = undefined
  }

  override build(inputShape: tf.Shape | Array<tf.Shape>): void {
    // One input: a shape ([null, d], the batch axis unknown), or a list holding one shape.
    const shape = Array.isArray(inputShape[0]) ? inputShape[0] : (inputShape as tf.Shape)
    const d = shape[shape.length - 1]
    if (typeof d !== "number") throw new InvalidArgument({ argument: "inputShape", value: shape, reason: "Expected a known last axis d (the categories)" })
    this.kernels = compile(Model.perturbSoftmax({ space: Space.reals(d), noise: this.noise, temperature: this.temperature }))
    super.build(inputShape)
  }

  override computeOutputShape(inputShape: tf.Shape | Array<tf.Shape>): tf.Shape | Array<tf.Shape> {
    return inputShape
  }

  override call(inputs: tf.Tensor | Array<tf.Tensor>, kwargs: Record<string, unknown>): tf.Tensor {
    const theta = Array.isArray(inputs) ? inputs[0]! : inputs
    if (this.kernels === undefined) this.build(theta.shape)
    const kernels = this.kernels!
    return tf.tidy(() => {
      if (kwargs["training"] !== true) {
        if (this.inference === "probs") return kernels.probs(theta, this.inferenceSamples === undefined ? {} : { samples: this.inferenceSamples }).probs
        return tf.cast(tf.oneHot(tf.argMax(theta, -1), kernels.dim), "float32")
      }
      const key = Key.fold(Key.make(this.seed), this.step)
      this.step += 1
      const options = { samples: this.samples, key }
      const y = this.straightThrough ? kernels.sampleStraightThrough(theta, options) : kernels.sample(theta, options)
      return this.samples === 1 ? y.squeeze([0]) : tf.mean(y, 0)
    })
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      noise: hex(JSON.stringify(Noise.toJSON(this.noise))),
      temperature: this.temperature,
      straightThrough: this.straightThrough,
      samples: this.samples,
      seed: this.seed,
      step: this.step,
      inference: this.inference,
      inferenceSamples: this.inferenceSamples ?? null
    }
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict
  ): T {
    const { noise, ...rest } = config
    if (typeof noise !== "string") throw new InvalidArgument({ argument: "config.noise", value: noise, reason: "Expected the hex-encoded JSON of a noise law" })
    const layer = new PerturbSoftmaxLayer({ ...rest, noise: Noise.fromJSON(JSON.parse(unhex("config.noise", noise))) })
    if (!(layer instanceof cls)) throw new InvalidArgument({ argument: "cls", value: cls.className, reason: "Expected PerturbSoftmaxLayer or a subclass" })
    return layer
  }
}

/**
 * Registers the layer with tfjs's serialization again and returns its class. Importing this
 * module registers it already; a bundle that only loads saved models (never naming the layer)
 * calls this so that tree-shaking keeps the module and `tf.loadLayersModel` finds the class.
 *
 * @example
 * import * as tf from "@tensorflow/tfjs"
 * import { registerLayers } from "@perturb/core"
 * registerLayers()
 * // const model = await tf.loadLayersModel("indexeddb://my-model")
 * @since 0.2.0
 * @category constructors
 */
export const registerLayers = (): typeof PerturbSoftmaxLayer => {
  tf.serialization.registerClass(PerturbSoftmaxLayer, "perturb")
  return PerturbSoftmaxLayer
}

registerLayers()

/**
 * A Perturb-Softmax layer: training calls draw softmax((θ + γ)/τ) (or its straight-through
 * one-hot) with a fresh key per call from the layer's seed; inference returns the probabilities
 * or the argmax one-hot (see the module notes). Bad options are an `InvalidArgument` naming them.
 *
 * @example
 * import * as tf from "@tensorflow/tfjs"
 * import { perturbSoftmaxLayer } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const model = tf.sequential({
 *   layers: [
 *     tf.layers.dense({ units: 4, inputShape: [8] }),
 *     perturbSoftmaxLayer({ noise: Noise.gumbel(), temperature: 0.5, straightThrough: true, seed: 1 })
 *   ]
 * })
 * model.compile({ optimizer: "adam", loss: "meanSquaredError" })
 * @since 0.2.0
 * @category constructors
 */
export const perturbSoftmaxLayer = (options: PerturbSoftmaxLayerOptions = {}): PerturbSoftmaxLayer => new PerturbSoftmaxLayer(options)
