/**
 * The kernel registry: which implementation runs an op on this call. `wasm` is a fused WebAssembly
 * kernel (wasm/perturb.c in the library's own instance, on tfjs's cpu and wasm backends); `webgpu`
 * a fused WGSL kernel (gpu/, on tfjs's webgpu backend); `composed` tfjs's own ops, on any backend,
 * with tfjs's gradients. Every "fused backend?" question is answered here, from the active backend
 * and the table of which ops have which fused kernels.
 *
 * The fused kernels compute the same numbers as the composed ops (to float32 rounding; tests
 * compare them), so the choice changes speed and memory, not results. An op whose fused kernel
 * also depends on its arguments (the sampler: the noise law and the temperature) asks here first
 * and then checks those.
 *
 * @internal
 */
import * as tf from "@tensorflow/tfjs-core"
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu"
import { InvalidArgument } from "../Errors.js"
import { activeWebGPUBackend } from "./tfjs.js"
import { hasWebAssembly } from "./wasm/instance.js"

export type KernelKind = "wasm" | "webgpu" | "composed"

/**
 * The ops with fused kernels and the kinds each has. The WGSL kernels are the opt-in API of
 * `@perturb/core/gpu` (gpu/fused.ts, gpu/dense.ts, gpu/optimizer.ts, gpu/losses.ts); `compile`'s
 * sampler, `perturbAdam` and `gaussianArgmaxGrid` run composed ops on webgpu.
 */
const FUSED = {
  /** `compile(model).sample` / `sampleStraightThrough` (internal/fused.ts). */
  sample: ["wasm"],
  /** `perturbAdam` (internal/adam.ts). */
  adam: ["wasm"],
  /** `gaussianArgmaxGrid` (internal/normalGrid.ts). */
  gaussianArgmaxGrid: ["wasm"],
  /** `webgpuFusedSample`, `gpuNoise`, `gpuUniform32` (gpu/fused.ts). */
  gpuSample: ["webgpu"],
  /** `gpuDense` (gpu/dense.ts). */
  gpuDense: ["webgpu"],
  /** `gpuAdam` (gpu/optimizer.ts). */
  gpuAdam: ["webgpu"],
  /** `gpuBernoulliNll`, `gpuCategoricalKl` (gpu/losses.ts). */
  gpuLoss: ["webgpu"]
} as const satisfies Record<string, ReadonlyArray<Exclude<KernelKind, "composed">>>

export type FusedOp = keyof typeof FUSED

/** The fused kind the active backend can run: WebAssembly on cpu and wasm (when the runtime has it), WGSL on webgpu. */
export const backendKernel = (): KernelKind => {
  const backend = tf.getBackend()
  if (backend === "webgpu") return "webgpu"
  return (backend === "cpu" || backend === "wasm") && hasWebAssembly() ? "wasm" : "composed"
}

/** The kernel that runs `op` now: its fused kernel for the active backend, or the composed ops. */
export const kernelFor = (op: FusedOp): KernelKind => {
  const kind = backendKernel()
  const fused: ReadonlyArray<KernelKind> = FUSED[op]
  return fused.includes(kind) ? kind : "composed"
}

/**
 * Whether the active backend reads tensors back synchronously, so that argument checks of values
 * (finite θ, points of the simplex, probabilities) can run: tfjs-webgpu cannot in Node (its
 * readSync needs OffscreenCanvas), and there those checks are skipped rather than turned into a
 * ReferenceError; a bad value then gives non-finite results, as tfjs ops do (README, "On a GPU").
 */
export const readsBackSync = (): boolean => tf.getBackend() !== "webgpu"

/**
 * The active webgpu backend for a fused WGSL op, or `InvalidArgument` (argument `backend`) naming
 * the active one.
 */
export const requireWebGPU = (op: FusedOp): WebGPUBackend => {
  const backend = kernelFor(op) === "webgpu" ? activeWebGPUBackend() : undefined
  if (backend !== undefined) return backend
  const name = tf.getBackend()
  throw new InvalidArgument({
    argument: "backend",
    value: name,
    reason: name === "webgpu"
      ? "tfjs's webgpu backend lacks what the fused GPU kernels use (runWebGPUProgram, tensorMap): a tfjs version this library does not support"
      : "the fused GPU kernels run on the webgpu backend: await enableWebGPU() from @perturb/core/gpu first"
  })
}
