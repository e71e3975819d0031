/**
 * WebGPU in a browser: the page's own `navigator.gpu`. Selected by the `browser`/`default`
 * conditions of the `#gpu` import, so browser bundles carry neither Dawn nor Node built-ins.
 */
import { WebGPUUnavailable } from "./unavailable.js"

export const provideGpu = (): Promise<GPU> => {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu
  if (gpu === undefined) {
    return Promise.reject(
      new WebGPUUnavailable({
        missing: "navigator-gpu",
        reason: "this browser exposes no navigator.gpu: WebGPU needs a browser that supports it (Chrome/Edge 113+, Safari 26+, Firefox 141+) and a secure context (https or localhost)"
      })
    )
  }
  return Promise.resolve(gpu)
}

export const diagnose = (): WebGPUUnavailable =>
  new WebGPUUnavailable({ missing: "adapter", reason: "navigator.gpu offered no adapter (the GPU or its driver is blocklisted, or WebGPU is disabled in this browser)" })
