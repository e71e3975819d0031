/**
 * Normal-Argmax probabilities on a grid: for θ [rows, d] and i.i.d. standard normal noise,
 * P_i = P(argmax_j (θ_j + γ_j) = i) = ∫ φ(t − θ_i) Π_{j≠i} Φ(t − θ_j) dt (docs/math.md §2.4), by one
 * shared n-node Gauss–Legendre rule on max θ ± h per row, in log space, with its gradient — the KL
 * term of a categorical VAE with Normal noise. O(rows · d · n); `compile(Model.perturbArgmax(…)).probs`
 * gives the same probabilities by float64 adaptive quadrature at ~1 ms a row.
 *
 * Laws: P(θ + c𝟙) = P(θ); P is symmetric under permutations of a row; Σ_i P_i = 1 up to the rule's
 * error (below float32 rounding for the default 64 nodes on ± 8: beyond max θ ± 8 the integrand is
 * below 10⁻¹⁵).
 *
 * On the `cpu` and `wasm` backends a fused WebAssembly SIMD kernel computes the values and the
 * vector-Jacobian product in one pass over each row (log Φ from an erfc-type approximation, so the
 * lower tail keeps its digits, and the Mills ratio φ/Φ for the derivative); for d ≤ 32 the forward
 * pass also keeps each row's d×d Jacobian, so the backward pass is one small product per row instead
 * of a second pass over the rule (the Jacobian is held by the op's gradient closure, not as a
 * tensor); other backends run the
 * same formula as tfjs ops over [rows, d, n] tensors with tfjs's gradients. Both treat the offsets
 * of the grid as fixed while it moves with max θ, so they have the same gradient.
 *
 * Names: Normal means i.i.d. normal noise, Gaussian a correlated one (`Noise.gaussian`), so the
 * exports are `normalArgmaxGrid` / `NormalArgmaxGridOptions`; the earlier `gaussianArgmax…` names
 * remain as deprecated aliases.
 *
 * @since 0.2.0
 */
import * as tf from "@tensorflow/tfjs"
import { InvalidArgument } from "./Errors.js"
import { gridBackward, gridBackwardJacobian, gridForward, gridOps, gridRule } from "./internal/normalGrid.js"
import { kernelFor } from "./internal/kernels.js"
import { checkLive, checkTensor, customOp } from "./internal/tensors.js"
import { gradientDepth, tensorFromValues, valuesOf } from "./internal/tfjs.js"

/**
 * Options of `normalArgmaxGrid`: `nodes` (a positive integer ≤ 1024, default 64) and
 * `halfWidth` (finite and > 0, default 8) of the Gauss–Legendre rule on max θ ± halfWidth.
 *
 * @example
 * import { normalArgmaxGrid, type NormalArgmaxGridOptions } from "@perturb/core"
 * import * as tf from "@tensorflow/tfjs"
 * const options: NormalArgmaxGridOptions = { nodes: 256, halfWidth: 8 }
 * normalArgmaxGrid(tf.tensor2d([[0, 1, 2]]), options)
 * @since 0.2.0
 * @category kernels
 */
export interface NormalArgmaxGridOptions {
  /** Quadrature nodes on the grid (default chosen from d; at most 1024). */
  readonly nodes?: number
  /** The grid covers [−halfWidth, halfWidth] around the row's maximum, in standard deviations. */
  readonly halfWidth?: number
}

const MAX_NODES = 1024

/**
 * Normal-Argmax probabilities of each row of θ [rows, d] (float32, finite), as a [rows, d] tensor
 * with a gradient. Throws `InvalidArgument` naming the argument for a θ that is not a float32
 * tf.Tensor of rank 2 or holds a non-finite value, or for bad `nodes` / `halfWidth`.
 *
 * @example
 * import * as tf from "@tensorflow/tfjs"
 * import { normalArgmaxGrid } from "@perturb/core"
 * const theta = tf.tensor2d([[0, 1, 2], [0, 0, 0]])
 * normalArgmaxGrid(theta).print() // second row: [1/3, 1/3, 1/3]
 * const g = tf.grad((t) => tf.sum(tf.mul(normalArgmaxGrid(t as tf.Tensor2D), tf.tensor2d([[1, 0, 0], [0, 0, 1]]))))(theta)
 * @since 0.2.0
 * @category kernels
 */
export const normalArgmaxGrid = (theta: tf.Tensor2D, options?: NormalArgmaxGridOptions): tf.Tensor2D => {
  if (options !== undefined && (typeof options !== "object" || options === null || Array.isArray(options))) {
    throw new InvalidArgument({ argument: "options", value: options, reason: "Expected { nodes?, halfWidth? } or undefined" })
  }
  const nodes = options?.nodes === undefined ? 64 : options.nodes
  const halfWidth = options?.halfWidth === undefined ? 8 : options.halfWidth
  if (typeof nodes !== "number" || !Number.isInteger(nodes) || nodes < 1 || nodes > MAX_NODES) {
    throw new InvalidArgument({ argument: "options.nodes", value: nodes, reason: `Expected an integer in [1, ${MAX_NODES}]` })
  }
  if (typeof halfWidth !== "number" || !Number.isFinite(halfWidth) || !(halfWidth > 0)) {
    throw new InvalidArgument({ argument: "options.halfWidth", value: halfWidth, reason: "Expected a finite number > 0" })
  }
  if (checkLive("theta", theta, "a tf.Tensor of rank 2 ([rows, d])").rank !== 2) {
    throw new InvalidArgument({ argument: "theta", value: theta instanceof tf.Tensor ? theta.shape : theta, reason: "Expected a tf.Tensor of rank 2 ([rows, d])" })
  }
  const [rows, d] = theta.shape
  if (d < 1) throw new InvalidArgument({ argument: "theta", value: theta.shape, reason: "Expected at least one column" })
  const rule = gridRule(nodes, halfWidth)
  if (kernelFor("gaussianArgmaxGrid") !== "wasm") {
    checkTensor("theta", theta, d)
    return gridOps(theta, rule)
  }
  // Dtype as the composed path checks it; finiteness in WebAssembly, before tfjs records anything.
  checkTensor("theta", theta, d, { finite: false })
  // The forward pass keeps each row's Jacobian (small d), so the backward pass is a product with dP
  // rather than a second pass over the rule; the copy lives in this op's closure, not in tfjs.
  const forward = gridForward(
    valuesOf(theta),
    rows,
    d,
    rule,
    (p, jacobian): { values: Float32Array; jacobian: Float32Array | undefined } | number => ({ values: p.slice(), jacobian: jacobian?.slice() }),
    (index): { values: Float32Array; jacobian: Float32Array | undefined } | number => index,
    // Only while tfjs records gradients (tf.grad, optimizer.minimize): otherwise none is ever asked for.
    gradientDepth() > 0
  )
  if (typeof forward === "number") {
    throw new InvalidArgument({ argument: `theta[${forward}]`, value: valuesOf(theta)[forward], reason: "Expected a finite number" })
  }
  const { jacobian, values } = forward
  const op = customOp(([x], save) => {
    save([x!])
    return {
      value: tf.tensor2d(values, [rows, d], "float32"),
      gradFunc: (dy, [xs]) =>
        jacobian === undefined
          ? gridBackward(() => valuesOf(xs!), () => valuesOf(dy), rows, d, rule, (g) => tensorFromValues<tf.Rank.R2>(g, [rows, d]))
          : gridBackwardJacobian(jacobian, () => valuesOf(dy), rows, d, (g) => tensorFromValues<tf.Rank.R2>(g, [rows, d]))
    }
  })
  return op(theta) as tf.Tensor2D
}

/**
 * The former name of {@link normalArgmaxGrid} (the noise is i.i.d. Normal, not a correlated Gaussian).
 *
 * @example
 * import { gaussianArgmaxGrid } from "@perturb/core"
 * import * as tf from "@tensorflow/tfjs"
 * gaussianArgmaxGrid(tf.tensor2d([[0, 0, 0]])).print() // [[1/3, 1/3, 1/3]]
 * @since 0.2.0
 * @category kernels
 * @deprecated since 0.2.0: use normalArgmaxGrid
 */
export const gaussianArgmaxGrid = normalArgmaxGrid

/**
 * The former name of {@link NormalArgmaxGridOptions}.
 *
 * @example
 * import { gaussianArgmaxGrid, type GaussianArgmaxGridOptions } from "@perturb/core"
 * import * as tf from "@tensorflow/tfjs"
 * const options: GaussianArgmaxGridOptions = { nodes: 256 }
 * gaussianArgmaxGrid(tf.tensor2d([[0, 1, 2]]), options)
 * @since 0.2.0
 * @category kernels
 * @deprecated since 0.2.0: use NormalArgmaxGridOptions
 */
export type GaussianArgmaxGridOptions = NormalArgmaxGridOptions
