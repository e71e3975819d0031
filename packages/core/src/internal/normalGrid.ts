/**
 * Normal-Argmax (i.i.d. Normal noise) probabilities on a shared Gauss–Legendre grid: the fused WebAssembly kernel
 * (perturb.c `perturb_gauss_grid` and its backward pass) and the same formula as tfjs ops, which
 * other backends run and the tests compare the kernel with.
 *
 * Formula, per row of θ [rows, d], with m = max θ and the rule's offsets o_n ∈ (−h, h) and weights
 * w_n: z_in = (m − θ_i) + o_n and P_i = Σ_n w_n exp(log φ(z_in) + Σ_{j≠i} log Φ(z_jn)). The
 * gradient is the autodiff of this formula with the offsets fixed (the grid moves with m, and m's
 * gradient goes to every tied maximum, as tf.max's does).
 *
 * @internal
 */
import { Numeric } from "@perturb/noise"
import * as tf from "@tensorflow/tfjs"
import { f32, instance, type Instance, layout, release } from "./wasm/instance.js"

export interface GridRule {
  readonly nodes: number
  /** float32 offsets and weights, `nodes` of them. */
  readonly offsets: Float32Array
  readonly weights: Float32Array
  /** The same, padded with zero weights to a multiple of 4 (the kernel's lanes). */
  readonly padded: number
  readonly offsetsPadded: Float32Array
  readonly weightsPadded: Float32Array
}

const rules = new Map<string, GridRule>()

/** The n-node Gauss–Legendre rule on (−h, h), rounded to float32, cached. */
export const gridRule = (nodes: number, halfWidth: number): GridRule => {
  const id = `${nodes}:${halfWidth}`
  const hit = rules.get(id)
  if (hit !== undefined) return hit
  const { nodes: u, weights: w } = Numeric.gaussLegendre01(nodes)
  const offsets = Float32Array.from(u, (x) => halfWidth * (2 * x - 1))
  const weights = Float32Array.from(w, (x) => 2 * halfWidth * x)
  const padded = Math.ceil(nodes / 4) * 4
  const offsetsPadded = new Float32Array(padded)
  const weightsPadded = new Float32Array(padded)
  offsetsPadded.set(offsets)
  weightsPadded.set(weights)
  const rule: GridRule = { nodes, offsets, weights, padded, offsetsPadded, weightsPadded }
  rules.set(id, rule)
  return rule
}

/**
 * The formula as tfjs ops over [rows, d, nodes] tensors (the gradient is tfjs's autodiff). log Φ is
 * log(max(½(1 + erf(z/√2)), 10⁻³⁰)), which loses its digits below z ≈ −5 in float32; there the
 * integrand is negligible (see the module header of NormalArgmaxGrid.ts).
 */
export const gridOps = (theta: tf.Tensor2D, rule: GridRule): tf.Tensor2D =>
  tf.tidy(() => {
    const [rows, d] = theta.shape
    const n = rule.nodes
    const a = tf.sub(tf.max(theta, 1, true), theta).reshape([rows, d, 1])
    const z = tf.add(a, tf.tensor1d(rule.offsets).reshape([1, 1, n])) // [rows, d, n]
    const logCdf = tf.log(tf.maximum(tf.mul(tf.add(tf.erf(tf.mul(z, Math.SQRT1_2)), 1), 0.5), 1e-30))
    const logPdf = tf.sub(tf.mul(tf.square(z), -0.5), 0.5 * Math.log(2 * Math.PI))
    // log φ_i + Σ_{j≠i} log Φ_j: a clamped log Φ_i cancels exactly against its own term in the sum.
    const logIntegrand = tf.add(logPdf, tf.sub(tf.sum(logCdf, 1, true), logCdf))
    return tf.sum(tf.mul(tf.exp(logIntegrand), tf.tensor1d(rule.weights).reshape([1, 1, n])), 2) as tf.Tensor2D
  })

/** θ (row-major [rows, d]) into the shared instance; returns the index of its first non-finite value, or −1. */
const load = (inst: Instance, values: Float32Array, extra: ReadonlyArray<number>): Array<number> => {
  const ptrs = layout(inst, [values.length * 4, ...extra], "theta", values.length)
  f32(inst, ptrs[0]!, values.length).set(values)
  return ptrs
}

/**
 * Runs `body` with the shared instance and drops it afterwards when it grew large; `body` must copy
 * out what it keeps.
 */
const withInstance = <A>(body: (inst: Instance) => A): A => {
  try {
    return body(instance())
  } finally {
    release()
  }
}

/** Up to this many columns the forward pass also writes each row's d×d Jacobian (O(d² n) more work, rows·d² floats), and the backward pass is its product with dP. */
export const JACOBIAN_MAX_D = 32

/**
 * The forward pass: `emit` gets the probabilities and, for d ≤ JACOBIAN_MAX_D and `wantJacobian`, the rows' transposed
 * Jacobians [rows, d, d] (views of the instance's memory, valid until the next kernel call) or, for a
 * non-finite θ, the index of the first bad value.
 */
export const gridForward = <A>(
  theta: Float32Array,
  rows: number,
  d: number,
  rule: GridRule,
  emit: (p: Float32Array, jacobian: Float32Array | undefined) => A,
  bad: (index: number) => A,
  wantJacobian = true
): A =>
  withInstance((inst) => {
    const size = rows * d
    const withJac = wantJacobian && d <= JACOBIAN_MAX_D
    const jacSize = withJac ? size * d : 0
    const [pTheta, pOffs, pWts, pOut, pJac, pScratch] = load(inst, theta, [rule.padded * 4, rule.padded * 4, size * 4, jacSize * 4, (20 * d + 4 * d * d) * 4])
    const at = inst.x.perturb_nonfinite(pTheta!, size)
    if (at >= 0) return bad(at)
    f32(inst, pOffs!, rule.padded).set(rule.offsetsPadded)
    f32(inst, pWts!, rule.padded).set(rule.weightsPadded)
    inst.x.perturb_gauss_grid(pTheta!, rows, d, pOffs!, pWts!, rule.padded, pOut!, withJac ? pJac! : 0, pScratch!)
    return emit(f32(inst, pOut!, size), withJac ? f32(inst, pJac!, jacSize) : undefined)
  })

/** The backward pass from the forward pass's Jacobians: dθ_i = Σ_j jacobian[r, i, j] dP_j (dP read lazily). */
export const gridBackwardJacobian = <A>(jacobian: Float32Array, dP: () => Float32Array, rows: number, d: number, emit: (g: Float32Array) => A): A =>
  withInstance((inst) => {
    const size = rows * d
    const [pJac, pDp, pGrad] = layout(inst, [jacobian.length * 4, size * 4, size * 4], "theta", size)
    f32(inst, pJac!, jacobian.length).set(jacobian)
    f32(inst, pDp!, size).set(dP())
    inst.x.perturb_gauss_grid_vjp(pJac!, pDp!, rows, d, pGrad!)
    return emit(f32(inst, pGrad!, size))
  })

/** The backward pass: dθ from θ and dP (both [rows, d], read lazily: views of tfjs's heap move). */
export const gridBackward = <A>(theta: () => Float32Array, dP: () => Float32Array, rows: number, d: number, rule: GridRule, emit: (g: Float32Array) => A): A =>
  withInstance((inst) => {
    const size = rows * d
    const [pTheta, pDp, pOffs, pWts, pGrad, pScratch] = load(inst, theta(), [size * 4, rule.padded * 4, rule.padded * 4, size * 4, 20 * d * 4])
    f32(inst, pDp!, size).set(dP())
    f32(inst, pOffs!, rule.padded).set(rule.offsetsPadded)
    f32(inst, pWts!, rule.padded).set(rule.weightsPadded)
    inst.x.perturb_gauss_grid_backward(pTheta!, pDp!, rows, d, pOffs!, pWts!, rule.padded, pGrad!, pScratch!)
    return emit(f32(inst, pGrad!, size))
  })
