/**
 * Adam as a fused kernel: the update of tf.train.adam (tfjs 4.22), with one WebAssembly SIMD pass
 * per variable on the `cpu` and `wasm` backends instead of about a dozen tfjs ops.
 *
 * Law: after t steps with gradients g, m ← β1·m + (1 − β1)·g, s ← β2·s + (1 − β2)·g², and
 * θ ← θ − lr · (m / (1 − β1^t)) / (√(s / (1 − β2^t)) + ε) — ε added to the root of the
 * bias-corrected s, as tfjs does — each operation rounded to float32 in tfjs's order, so on the cpu
 * and wasm backends the variables equal tf.train.adam's bit for bit (test/adam.test.ts). Other
 * backends run the same formula as tfjs ops.
 *
 * Why: in the categorical-VAE step of issue #6, tf.train.adam's ~12 ops per variable over 1.17M
 * parameters cost ~10 ms of a ~51 ms step. The moments stay in the optimizer's own WebAssembly
 * memory between steps, so a step moves only g and θ.
 *
 * @since 0.2.0
 */
import * as tf from "@tensorflow/tfjs"
import { InvalidArgument } from "./Errors.js"
import { AdamState, adamScalars, type AdamScalars, updatesOf } from "./internal/adam.js"
import { kernelFor } from "./internal/kernels.js"
import { backendEpsilon } from "./internal/tfjs.js"

/** A named tensor, as tf.Optimizer's getWeights/setWeights exchange them. */
type NamedTensor = Awaited<ReturnType<tf.Optimizer["saveIterations"]>>

/**
 * The optimizer `adam` returns: a `tf.Optimizer`, so `minimize(f, returnCost, varList)`,
 * `computeGradients` and `applyGradients` work as with tf.train.adam. Moments are kept per variable
 * name; the bias correction counts the optimizer's steps, as tfjs's does. `getWeights` and
 * `setWeights` save and restore them in tf.train.adam's layout.
 *
 * @example
 * import { adam, FusedAdam } from "@perturb/core"
 * import * as tf from "@tensorflow/tfjs"
 * const opt: FusedAdam = adam(0.1)
 * const w = tf.variable(tf.ones([3]))
 * opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar, false, [w])
 * @since 0.2.0
 * @category kernels
 */
export class FusedAdam extends tf.Optimizer {
  /** The serialization name (not interchangeable with tfjs's "Adam"). */
  static readonly className = "PerturbFusedAdam"
  private readonly scalars: AdamScalars
  private readonly state = new AdamState()
  /** β1^t and β2^t as tfjs keeps them: float32 running products, t = steps taken + 1. */
  private acc1: number
  private acc2: number

  /** Prefer `adam(...)`, which validates and fills in the defaults. */
  constructor(
    /** The step size. */
    readonly learningRate: number,
    /** Decay of the first-moment average. */
    readonly beta1: number,
    /** Decay of the second-moment average. */
    readonly beta2: number,
    /** Added to the root of the second moment, against division by zero. */
    readonly epsilon: number
  ) {
    super()
    this.scalars = adamScalars(learningRate, beta1, beta2, epsilon)
    this.acc1 = this.scalars.b1
    this.acc2 = this.scalars.b2
  }

  override applyGradients(variableGradients: Parameters<tf.Optimizer["applyGradients"]>[0]): void {
    const updates = updatesOf(variableGradients)
    const c1 = Math.fround(1 - this.acc1)
    const c2 = Math.fround(1 - this.acc2)
    if (kernelFor("adam") === "wasm") this.state.fusedStep(updates, this.scalars, c1, c2)
    else this.state.composedStep(updates, this.scalars, c1, c2)
    this.acc1 = Math.fround(this.acc1 * this.scalars.b1)
    this.acc2 = Math.fround(this.acc2 * this.scalars.b2)
    this.incrementIterations()
  }

  /**
   * The iteration count, then every variable's first moments (`name/m`), then its second moments
   * (`name/v`): tf.train.adam's layout, so weights saved from either load into either.
   */
  override async getWeights(): Promise<Array<NamedTensor>> {
    const moments = this.state.snapshot()
    return [
      await this.saveIterations(),
      ...moments.map(({ name, m }) => ({ name: `${name}/m`, tensor: m })),
      ...moments.map(({ name, s }) => ({ name: `${name}/v`, tensor: s }))
    ]
  }

  /** Restores the moments and step count saved by `getWeights` (tf.train.adam's layout). */
  override async setWeights(weightValues: Array<NamedTensor>): Promise<void> {
    const rest = await this.extractIterations(weightValues)
    const half = rest.length / 2
    if (!Number.isInteger(half)) {
      throw new InvalidArgument({ argument: "weightValues", value: rest.map((w) => w.name), reason: "Expected first moments (name/m) then as many second moments (name/v)" })
    }
    const entries = rest.slice(0, half).map((w, i) => {
      const v = rest[half + i]!
      const name = w.name.replace(/\/m$/, "")
      if (!w.name.endsWith("/m") || v.name !== `${name}/v`) {
        throw new InvalidArgument({ argument: "weightValues", value: [w.name, v.name], reason: "Expected the pair name/m and name/v" })
      }
      return { name, m: w.tensor, s: v.tensor }
    })
    this.state.restore(entries)
    // As tf.train.adam restores them: β^(t+1) from the iteration count.
    this.acc1 = Math.fround(Math.pow(this.scalars.b1, this.iterations + 1))
    this.acc2 = Math.fround(Math.pow(this.scalars.b2, this.iterations + 1))
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon }
  }

  override dispose(): void {
    this.state.dispose()
    super.dispose()
  }
}

const check = (argument: string, value: unknown, ok: (x: number) => boolean, reason: string): number => {
  if (typeof value !== "number" || !ok(value)) throw new InvalidArgument({ argument, value, reason })
  return value
}

/** β in [0, 1) whose float32 rounding is below 1 (else 1 − β^t is 0 and the step divides by it). */
const isBeta = (b: number): boolean => Number.isFinite(b) && b >= 0 && Math.fround(b) < 1

/**
 * Adam with tf.train.adam's arguments and defaults (ε defaults to the backend's epsilon, 1e-7 on
 * float32 backends), fused into one WebAssembly SIMD pass per variable on the cpu and wasm
 * backends; the result equals tf.train.adam's. Throws `InvalidArgument` naming the argument for a
 * learning rate that is not finite and > 0, a β outside [0, 1), or an ε that is not finite and > 0.
 *
 * @example
 * import * as tf from "@tensorflow/tfjs"
 * import { adam } from "@perturb/core"
 * const w = tf.variable(tf.tensor1d([1, -2, 3]))
 * const optimizer = adam(0.1)
 * for (let i = 0; i < 100; i++) optimizer.minimize(() => tf.sum(tf.square(w)), false, [w])
 * optimizer.dispose()
 * @since 0.2.0
 * @category kernels
 */
export const adam = (learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon?: number): FusedAdam => {
  check("learningRate", learningRate, (x) => Number.isFinite(x) && x > 0, "Expected a finite learning rate > 0")
  check("beta1", beta1, isBeta, "Expected a number in [0, 1) (after rounding to float32)")
  check("beta2", beta2, isBeta, "Expected a number in [0, 1) (after rounding to float32)")
  const eps = epsilon === undefined ? backendEpsilon() : epsilon
  check("epsilon", eps, (x) => Number.isFinite(x) && Math.fround(x) > 0, "Expected a finite epsilon > 0")
  return new FusedAdam(learningRate, beta1, beta2, eps)
}
