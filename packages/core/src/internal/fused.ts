/**
 * Fused Perturb-Softmax sampling on the `cpu` and `wasm` backends: one WebAssembly SIMD pass draws
 * the Philox noise, applies the law's inverse cdf, adds θ and takes the tempered softmax (or the
 * one-hot argmax); one more pass computes the backward dθ = Σ_samples y ⊙ (dy − ⟨dy, y⟩)/τ. The
 * composed path (noise from `@perturb/noise` in JS, then tfjs ops) spends most of its time drawing
 * noise; here the noise never leaves L1.
 *
 * Numbers: output row R (of `samples·rows`) uses stream words `R·d … R·d + d − 1` of the key, as
 * `Noise.sampleVector32(noise, key, samples·rows, d)` does, and the uniforms are bit-identical to
 * `Random.uniform32`; the transforms are float32 polynomials within a few ulps of the float64 ones,
 * so the fused sample equals the composed one to float32 rounding.
 *
 * Memory: the kernels run in their own WebAssembly instance (wasm/instance.ts). Work is cut into chunks of at most
 * 2^24 output values, so the instance's memory stays near θ plus two chunks; an instance that had
 * to grow past 256 MiB is dropped after the call (WebAssembly memory cannot shrink). On the wasm
 * backend, inputs are copied straight from tfjs's heap, and outputs are refused with a typed error
 * when they would not fit in it: tfjs-wasm's heap is one 4 GiB WebAssembly memory, and a failed
 * allocation aborts the whole backend for the rest of the process.
 *
 * Threads: calls of at least 2^17 output values run on up to `Threads.get()` threads
 * (internal/threadsFused.ts), the forward pass split by output rows and the backward pass by θ
 * rows, with results equal bit for bit to one thread's. Each worker holds its own instance; on top
 * of the calling thread's, that is a shared exchange buffer of the inputs and outputs (kept up to
 * 256 MiB) and each worker's part of the memory above.
 *
 * @internal
 */
import * as tf from "@tensorflow/tfjs"
import { Key, type NoiseLike } from "@perturb/noise"
import { InvalidArgument } from "../Errors.js"
import type { Model } from "../Model.js"
import { kernelLaw, type KernelLaw } from "./kernelLaw.js"
import { checkSampleSize } from "./limits.js"
import { checkTensor, customOp } from "./tensors.js"
import { kernelFor } from "./kernels.js"
import { isTemperature } from "./temperature.js"
import { isTapeOn, tensorFromValues, valuesOf, WASM_HEAP_BYTES, wasmHeapUsed } from "./tfjs.js"
import { backwardShared, forwardArgs, forwardShared, recomputeShared, type Shape, type Source, threadsFor } from "./threadsFused.js"
import { BATCH, chunkRows, f32, type Instance, instance, layout, release, scratchWords, withInstance } from "./wasm/instance.js"

/** The kernel's law index and its two float32 parameters (see perturb.c `transform`). */
export type FusedLaw = KernelLaw

/**
 * The fused kernel's law for noise in d coordinates, or `undefined` when the noise is not i.i.d.
 * (or independent with one law) of a law with a closed-form quantile in the kernel.
 */
export const fusedLaw = (noise: NoiseLike, d: number): FusedLaw | undefined => {
  const law = kernelLaw(noise, d)
  return typeof law === "string" ? undefined : law
}

// ------------------------------------------------------------------------------------------ tfjs-wasm's heap

const HEAP_MARGIN = 256 * 2 ** 20

/**
 * Refuses, with a typed error naming `samples`, work whose tensors would not fit in tfjs-wasm's
 * 4 GiB heap: there a failed allocation aborts the backend for good ("RuntimeError: Aborted()",
 * and every later op fails too). `perValue` is the bytes the call keeps per output value.
 */
const checkHeap = (samples: number, values: number, perValue: number, what: string): void => {
  const used = wasmHeapUsed()
  if (used === undefined) return
  const need = values * perValue
  if (used + need > WASM_HEAP_BYTES - HEAP_MARGIN) {
    const gib = (x: number) => (x / 2 ** 30).toFixed(2)
    throw new InvalidArgument({
      argument: "samples",
      value: samples,
      reason: `${values} output values: ${what} needs about ${gib(need)} GiB of tfjs-wasm's 4 GiB heap, ${gib(used)} GiB of which tensors already hold (an allocation past it aborts the backend); draw fewer samples per call`
    })
  }
}

// ------------------------------------------------------------------------------------------ kernels

/** Receives a pass's float32 output (a view of the instance's memory unless `owned`). */
type Emit<A> = (values: Float32Array, owned: boolean) => A

/** `body` on the shared instance with the output rows per chunk for `shape`. */
const inChunks = <A>(shape: Shape, body: (inst: Instance, per: number) => A): A =>
  withInstance((inst) => body(inst, Math.min(shape.rows, chunkRows(shape.d))))

/**
 * Copies θ into the instance (the first buffer of the forward layout) and returns the index of its
 * first non-finite value, or -1: the check costs a few ms in WebAssembly against ~25 ms for tfjs's
 * isFinite + all at 1.6·10^7 values. The instance is kept for the `forwardValues` that follows.
 */
export const loadTheta = (theta: Float32Array): number => {
  const inst = instance()
  const [p] = layout(inst, [theta.length * 4], "theta", theta.length)
  f32(inst, p!, theta.length).set(theta)
  return inst.x.perturb_nonfinite(p!, theta.length)
}

/**
 * The fused forward pass as float32 values (row-major [rows, d]) from the θ of the last `loadTheta`;
 * `emit` receives them (a view of the instance's memory when one chunk suffices) and must copy
 * what it keeps before returning.
 */
export const forwardValues = <A>(shape: Shape, key: Key.Key, law: FusedLaw, tau: number, hard: boolean, emit: Emit<A>): A =>
  inChunks(shape, (inst, per) => {
    const { d, thetaRows, rows } = shape
    const [pTheta, pOut, pScratch] = layout(inst, [thetaRows * d * 4, per * d * 4 + 16, scratchWords(d) * 4], "samples", rows / thetaRows)
    const args = forwardArgs(shape, key, law, tau, hard)
    const threads = threadsFor(rows * d, rows)
    if (threads > 1) return emit(forwardShared(inst, pTheta!, shape, threads, args), false)
    const run = (r0: number, n: number) => Reflect.apply(inst.x.perturb_forward, undefined, args(pTheta!, pOut!, pScratch!, r0, n))
    if (per === rows) {
      run(0, rows)
      return emit(f32(inst, pOut!, rows * d), false)
    }
    let all: Float32Array
    try {
      all = new Float32Array(rows * d)
    } catch (e) {
      throw new InvalidArgument({ argument: "samples", value: rows / thetaRows, reason: `${rows * d} output values do not fit in one Float32Array (${String(e)})` })
    }
    for (let r0 = 0; r0 < rows; r0 += per) {
      const n = Math.min(per, rows - r0)
      run(r0, n)
      all.set(f32(inst, pOut!, n * d), r0 * d)
    }
    return emit(all, true)
  })

/**
 * dθ (float32, thetaRows × d) from dy and either the saved samples y (`source.y`) or θ and the key
 * (`source.theta`), which recomputes y row batch by row batch (straight-through estimators).
 */
export const backwardValues = <A>(dy: () => Float32Array, source: Source, shape: Shape, tau: number, emit: Emit<A>): A =>
  inChunks(shape, (inst, per) => {
    const { d, thetaRows, rows } = shape
    // By θ rows, so at most thetaRows threads (see threadsFused.ts).
    const threads = threadsFor(rows * d, thetaRows)
    if (threads > 1) return emit(backwardShared(inst, dy, source, shape, tau, threads), false)
    // Fewer θ rows than threads: the straight-through pass can still recompute y on threads.
    const recomputeThreads = "theta" in source ? threadsFor(rows * d, rows) : 1
    if ("theta" in source && recomputeThreads > 1) return emit(recomputeShared(inst, dy, source, shape, tau, recomputeThreads), false)
    const size = thetaRows * d
    // One contribution per θ row (one sample of [rows, d]): store; several: add in float64.
    const direct = rows === thetaRows
    const recompute = "theta" in source
    const [pY, pDy, pG32, pG64, pTheta, pScratch] = layout(
      inst,
      [recompute ? (Math.max(BATCH, d) + 4) * 4 : per * d * 4, per * d * 4, size * 4, direct ? 0 : size * 8, recompute ? size * 4 : 0, scratchWords(d) * 4],
      "samples",
      rows / thetaRows
    )
    if (!direct) inst.x.perturb_zero(pG64!, size)
    if (recompute) f32(inst, pTheta!, size).set(source.theta())
    for (let r0 = 0; r0 < rows; r0 += per) {
      const n = Math.min(per, rows - r0)
      // Re-read per chunk: a view of tfjs's heap is invalidated by any allocation there.
      f32(inst, pDy!, n * d).set(dy().subarray(r0 * d, (r0 + n) * d))
      const g64 = direct ? 0 : pG64!
      const g32 = direct ? pG32! : 0
      if (recompute) {
        const { key, law } = source
        inst.x.perturb_backward_recompute(pTheta!, thetaRows, d, pDy!, r0, n, key.k0, key.k1, 0, law.id, law.p0, law.p1, tau, pScratch!, pY!, g32, g64)
      } else {
        f32(inst, pY!, n * d).set(source.y().subarray(r0 * d, (r0 + n) * d))
        inst.x.perturb_backward(pY!, pDy!, d, r0, n, thetaRows, tau, g32, g64)
      }
    }
    if (!direct) inst.x.perturb_narrow(pG32!, pG64!, size)
    return emit(f32(inst, pG32!, size), false)
  })

/** The custom op of a fused sample of θ, once `loadTheta` has loaded it. */
const sampleOp = (theta: tf.Tensor, mode: "relaxed" | "straightThrough" | "hard", shape: Shape, key: Key.Key, law: FusedLaw, tau: number): tf.Tensor => {
  const { d, thetaRows, rows } = shape
  const samples = rows / thetaRows
  const outShape = theta.rank === 1 ? [samples, d] : [samples, thetaRows, d]
  const toTensor = (s: Array<number>) => (v: Float32Array, owned: boolean) => tensorFromValues(v, s, owned)
  const forward = (hard: boolean) => forwardValues(shape, key, law, tau, hard, toTensor(outShape))
  if (mode === "hard") {
    // Perturb-Argmax samples: one-hot, so the derivative is zero (as tfjs's argMax gives).
    return customOp(([x]) => ({ value: forward(true), gradFunc: () => tf.zeros(x!.shape) }))(theta)
  }
  const op = mode === "relaxed"
    ? customOp(([x], save) => {
      const y = forward(false)
      save([y])
      return {
        value: y,
        gradFunc: (dy, [ys]) => backwardValues(() => valuesOf(dy), { y: () => valuesOf(ys!) }, shape, tau, toTensor(x!.shape))
      }
    })
    : customOp(([x], save) => {
      save([x!])
      return {
        value: forward(true),
        gradFunc: (dy, [xs]) => backwardValues(() => valuesOf(dy), { theta: () => valuesOf(xs!), key, law }, shape, tau, toTensor(x!.shape))
      }
    })
  return op(theta)
}

// ------------------------------------------------------------------------------------------ the hook

const isPositiveInt = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && n >= 1

/**
 * The fused sample when it applies, else `undefined` (the caller then checks θ and runs the composed
 * ops, which report bad arguments). Call it before `checkTensor("theta", …)`: it checks θ itself
 * (rank, dtype and dimension with the same typed errors; finiteness in WebAssembly). It applies
 * where the kernel registry picks the WebAssembly sampler (`kernelFor("sample")`: the `cpu` and
 * `wasm` backends), to i.i.d. noise of a law the kernel implements, with a plain-number temperature
 * in the accepted range (internal/temperature.ts), whose reciprocal is a normal float32. `mode`:
 * `relaxed` = softmax((θ + γ)/τ); `hard` = the one-hot argmax (Perturb-Argmax samples, zero
 * gradient); `straightThrough` = the one-hot argmax forward and the relaxed gradient backward
 * (recomputed from θ and the key, so nothing of size samples × rows × d is kept for it).
 *
 * On the wasm backend it also guards the composed path: work that cannot fit in tfjs-wasm's heap
 * is refused with a typed error before it starts (see `checkHeap`).
 */
export const wasmFusedSample = (
  model: Model,
  theta: tf.Tensor,
  options: { readonly samples: number; readonly key: Key.Key; readonly temperature?: number | tf.Tensor },
  mode: "relaxed" | "straightThrough" | "hard"
): tf.Tensor | undefined => {
  const d = model.space.dim
  // Rank, dtype and dimension as the composed path checks them; finiteness below, in WebAssembly.
  checkTensor("theta", theta, d, { finite: false })
  const samples = options.samples
  if (!isPositiveInt(samples) || !Key.isKey(options.key)) return undefined
  const thetaRows = theta.rank === 1 ? 1 : theta.shape[0]!
  const values = samples * thetaRows * d
  const taping = isTapeOn()
  const t = options.temperature ?? (model._tag === "PerturbSoftmax" ? model.temperature : 1)
  const law = kernelFor("sample") === "wasm" ? fusedLaw(model.noise, d) : undefined
  // Outside the accepted temperatures (which keep 1/τ a normal float32) the composed path refuses
  // the call with a typed error; here Math.fround(3.5e38) = ∞ used to run and give NaN samples.
  const tau = isTemperature(t) ? Math.fround(t) : 0
  if (law === undefined || !(tau > 0)) {
    // The composed path keeps about four [samples, rows, d] tensors alive in the forward pass and
    // about fourteen under tf.grad (measured: 3.9 GiB at 7·10^7 values).
    checkHeap(samples, values, taping ? 56 : 16, "the composed path (noise, θ + γ, /τ, softmax" + (taping ? ", their gradients)" : ")"))
    return undefined
  }
  // The output, and under tf.grad the dy that comes back for it.
  checkHeap(samples, values, taping ? 8 : 4, "the fused sample")
  // Past tfjs-wasm's own heap check (the more specific message there): the library's output limit.
  // The composed path (undefined above) is checked by its caller.
  checkSampleSize(samples, thetaRows, d)
  const key = options.key
  const shape: Shape = { d, thetaRows, rows: samples * thetaRows }
  // θ is loaded and checked here, outside the custom op, so a bad value throws before tfjs records anything.
  const bad = loadTheta(valuesOf(theta))
  if (bad >= 0) {
    release()
    throw new InvalidArgument({ argument: `theta[${bad}]`, value: valuesOf(theta)[bad], reason: "Expected a finite number" })
  }
  return sampleOp(theta, mode, shape, key, law, tau)
}
