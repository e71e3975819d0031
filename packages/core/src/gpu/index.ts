/**
 * `@perturb/core/gpu`: the opt-in WebGPU path. Nothing here is loaded by `@perturb/core`'s main
 * entry, and Dawn (`webgpu`) and `@tensorflow/tfjs-backend-webgpu` are imported only when
 * `enableWebGPU()` runs, so CPU-only users never pay for them.
 *
 * @since 0.1.0
 */
export { enableWebGPU, type WebGPUContext, WebGPUUnavailable } from "./webgpu.js"
export { type FusedMode, type FusedSampleOptions, fusedSample, gpuLaw, gpuNoise, gpuUniform32, webgpuFusedSample } from "./fused.js"
export { type GpuDenseOptions, gpuDense } from "./dense.js"
export { gpuAdam, GpuAdamOptimizer } from "./optimizer.js"
export { gpuBernoulliNll, gpuCategoricalKl, type GpuLossOptions } from "./losses.js"
export { LAW_IDS, type GpuLaw } from "./kernels.js"
export { lawsWgsl, philoxWgsl } from "./philox.wgsl.js"
