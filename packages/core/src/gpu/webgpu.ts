/**
 * The explicit opt-in to WebGPU: in a browser the page's `navigator.gpu`, in Node Dawn (the npm
 * package `webgpu`, `dawn.ts`) provides it, and `@tensorflow/tfjs-backend-webgpu` runs on the
 * device it gives. Both are imported dynamically, so CPU-only users of `@perturb/core` never load
 * them; the `#gpu` import condition keeps Dawn and Node built-ins out of browser bundles.
 *
 * On Linux Dawn talks to Vulkan: it needs the loader `libvulkan.so.1` (Debian: `libvulkan1`) and
 * a driver manifest (an ICD json; `VK_DRIVER_FILES` points at one, e.g. NVIDIA's
 * `/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json` or Mesa's software `lvp_icd*.json`).
 * When no adapter appears, `enableWebGPU` says which of the two is missing.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"
import { diagnose, provideGpu } from "#gpu"
import { WebGPUUnavailable } from "./unavailable.js"

export { WebGPUUnavailable } from "./unavailable.js"

/**
 * What `enableWebGPU` set up: the tfjs backend (now active) and the device under it.
 *
 * @example
 * ```ts webgpu
 * import { enableWebGPU, type WebGPUContext } from "@perturb/core/gpu"
 * const gpu: WebGPUContext = await enableWebGPU()
 * console.log(gpu.adapter.description, gpu.limits.maxBufferSize)
 * ```
 * @since 0.1.0
 * @category models
 */
export interface WebGPUContext {
  /** tfjs's backend name, now active. */
  readonly backendName: "webgpu"
  /** The GPUDevice tfjs runs on, for your own kernels. */
  readonly device: GPUDevice
  /** The adapter, as the driver describes it (for logs and bug reports). */
  readonly adapter: {
    /** The GPU's vendor, e.g. `nvidia`. */
    readonly vendor: string
    /** Its architecture, as the driver names it. */
    readonly architecture: string
    /** The driver's description of the adapter. */
    readonly description: string
  }
  /** The device's buffer limits, which bound the largest tensors. */
  readonly limits: {
    /** The largest storage buffer one binding may hold, in bytes. */
    readonly maxStorageBufferBindingSize: number
    /** The largest buffer, in bytes. */
    readonly maxBufferSize: number
  }
}

const isAdapterInfo = (x: unknown): x is GPUAdapterInfo =>
  typeof x === "object" && x !== null && "vendor" in x && "architecture" in x && "description" in x &&
  typeof x.vendor === "string" && typeof x.architecture === "string" && typeof x.description === "string"

/** The adapter's `info`: @webgpu/types 0.1.38 (pinned by tfjs) predates `GPUAdapter.info`; Dawn has it. */
const adapterInfo = (adapter: GPUAdapter): GPUAdapterInfo => {
  const info: unknown = Reflect.get(adapter, "info")
  if (!isAdapterInfo(info)) throw new WebGPUUnavailable({ missing: "adapter", reason: "this Dawn build does not report GPUAdapter.info (vendor, architecture), which tfjs-backend-webgpu needs" })
  return info
}

let enabled: Promise<WebGPUContext> | undefined

const enable = async (): Promise<WebGPUContext> => {
  const gpu = await provideGpu()
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" })
  if (adapter === null) throw diagnose()
  const limits = adapter.limits
  const requiredFeatures: Array<GPUFeatureName> = adapter.features.has("timestamp-query") ? ["timestamp-query"] : []
  let device: GPUDevice
  try {
    // The defaults cap a storage binding at 128 MiB; a [65536, 1000] float32 tensor is 250 MiB.
    device = await adapter.requestDevice({
      requiredFeatures,
      requiredLimits: {
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
        maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup
      }
    })
  } catch (cause) {
    throw new WebGPUUnavailable({ missing: "device", reason: `the adapter refused a device: ${String((cause as Error)?.message ?? cause)}` })
  }
  let backendModule: typeof import("@tensorflow/tfjs-backend-webgpu")
  try {
    // An optional peer: a literal specifier so bundlers include it where it is installed.
    backendModule = await import("@tensorflow/tfjs-backend-webgpu")
  } catch (cause) {
    throw new WebGPUUnavailable({
      missing: "webgpu-package",
      reason: `the npm package "@tensorflow/tfjs-backend-webgpu" could not be loaded (${String((cause as Error)?.message ?? cause).split("\n")[0]}): install it next to @perturb/core, at the version of your @tensorflow/tfjs`
    })
  }
  // The package registers a factory that requests its own adapter; replace it with ours.
  if (tf.findBackendFactory("webgpu") !== null) tf.removeBackend("webgpu")
  const info = adapterInfo(adapter)
  tf.registerBackend("webgpu", () => new backendModule.WebGPUBackend(device, info))
  if (!(await tf.setBackend("webgpu"))) {
    throw new WebGPUUnavailable({ missing: "device", reason: "tfjs could not initialise its webgpu backend on the device" })
  }
  return {
    backendName: "webgpu",
    device,
    adapter: { vendor: info.vendor, architecture: info.architecture, description: info.description },
    limits: { maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize, maxBufferSize: device.limits.maxBufferSize }
  }
}

/**
 * Enable WebGPU: take the browser's `navigator.gpu` (in Node: load Dawn and install it), request
 * a high-performance adapter with its largest buffer limits, register tfjs's webgpu backend on
 * that device and make it the active backend. Idempotent: later calls return the same context. Rejects with `WebGPUUnavailable`
 * naming what is missing (`navigator.gpu`, the `webgpu` package, `libvulkan.so.1`, a Vulkan driver manifest, or
 * a device); a failed attempt can be retried after fixing the cause.
 *
 * @example
 * ```ts webgpu
 * import { enableWebGPU, webgpuFusedSample } from "@perturb/core/gpu"
 * const gpu = await enableWebGPU() // tf.getBackend() === "webgpu" from here on
 * ```
 * @since 0.1.0
 * @category constructors
 */
export const enableWebGPU = (): Promise<WebGPUContext> => {
  if (enabled === undefined) {
    enabled = enable()
    enabled.catch(() => {
      enabled = undefined
    })
  }
  return enabled
}
