/**
 * The explicit opt-in to WebGPU from Node: Dawn (the npm package `webgpu`) provides
 * `navigator.gpu`, and `@tensorflow/tfjs-backend-webgpu` runs on the device it gives. Both are
 * imported dynamically here, and only here, so CPU-only users of `@perturb/core` never load them.
 *
 * On Linux Dawn talks to Vulkan: it needs the loader `libvulkan.so.1` (Debian: `libvulkan1`) and
 * a driver manifest (an ICD json; `VK_DRIVER_FILES` points at one, e.g. NVIDIA's
 * `/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json` or Mesa's software `lvp_icd*.json`).
 * When no adapter appears, `enableWebGPU` says which of the two is missing.
 *
 * @since 0.1.0
 */
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync } from "node:fs"
import * as tf from "@tensorflow/tfjs-core"
import { Data } from "effect"

/**
 * WebGPU could not be enabled. `missing` says what to install or configure:
 * - `"webgpu-package"`: the npm package `webgpu` (Dawn) or `@tensorflow/tfjs-backend-webgpu` (both optional peers) is not installed or failed to load;
 * - `"libvulkan"`: the Vulkan loader `libvulkan.so.1` is not on the library path;
 * - `"vulkan-driver"`: no Vulkan driver manifest (ICD json) was found, or `VK_DRIVER_FILES` names a missing file;
 * - `"adapter"`: Vulkan is present but offered no usable device;
 * - `"device"`: the adapter refused the device (limits or features).
 *
 * @since 0.1.0
 * @category errors
 */
export class WebGPUUnavailable extends Data.TaggedError("WebGPUUnavailable")<{
  readonly missing: "webgpu-package" | "libvulkan" | "vulkan-driver" | "adapter" | "device"
  readonly reason: string
}> {
  override get message(): string {
    return `WebGPU unavailable (${this.missing}): ${this.reason}`
  }
}

/**
 * What `enableWebGPU` set up: the tfjs backend (now active) and the device under it.
 *
 * @since 0.1.0
 * @category models
 */
export interface WebGPUContext {
  readonly backendName: "webgpu"
  readonly device: GPUDevice
  readonly adapter: { readonly vendor: string; readonly architecture: string; readonly description: string }
  readonly limits: { readonly maxStorageBufferBindingSize: number; readonly maxBufferSize: number }
}

const ICD_DIRS = [
  "/usr/share/vulkan/icd.d",
  "/etc/vulkan/icd.d",
  "/usr/local/share/vulkan/icd.d",
  "/usr/local/nvidia/share/vulkan/icd.d"
]

/** Whether the dynamic linker knows libvulkan.so.1 (`ldconfig -p`, then the usual paths). */
const hasLibVulkan = (): boolean => {
  for (const ldconfig of ["ldconfig", "/sbin/ldconfig", "/usr/sbin/ldconfig"]) {
    try {
      return execFileSync(ldconfig, ["-p"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).includes("libvulkan.so.1")
    } catch {
      // try the next location of ldconfig
    }
  }
  const dirs = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", ...(process.env.LD_LIBRARY_PATH ?? "").split(":")]
  return dirs.some((d) => d !== "" && existsSync(`${d}/libvulkan.so.1`))
}

/** The explicit driver manifests, or those in the loader's default directories. */
const driverFiles = (): { explicit: boolean; files: Array<string> } => {
  const env = process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES
  if (env !== undefined && env !== "") return { explicit: true, files: env.split(":").filter((f) => f !== "") }
  const files: Array<string> = []
  for (const dir of ICD_DIRS) {
    try {
      for (const f of readdirSync(dir)) if (f.endsWith(".json")) files.push(`${dir}/${f}`)
    } catch {
      // the directory does not exist
    }
  }
  return { explicit: false, files }
}

/** Explains a missing adapter by what is absent on this machine. */
const diagnose = (): WebGPUUnavailable => {
  if (process.platform === "linux") {
    if (!hasLibVulkan()) {
      return new WebGPUUnavailable({
        missing: "libvulkan",
        reason: "the Vulkan loader libvulkan.so.1 is not installed (ldconfig -p lists no libvulkan.so.1): install Debian's libvulkan1 (apt-get install libvulkan1, or dpkg -x its .deb into / and run ldconfig)"
      })
    }
    const { explicit, files } = driverFiles()
    const missingFiles = files.filter((f) => !existsSync(f))
    if (explicit && missingFiles.length === files.length) {
      return new WebGPUUnavailable({
        missing: "vulkan-driver",
        reason: `VK_DRIVER_FILES names no existing Vulkan driver manifest (${missingFiles.join(", ")}): point it at the GPU's ICD json (NVIDIA: /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json) or at Mesa's lavapipe (lvp_icd*.json)`
      })
    }
    if (files.length === 0) {
      return new WebGPUUnavailable({
        missing: "vulkan-driver",
        reason: `no Vulkan driver manifest (ICD json) in ${ICD_DIRS.join(", ")}: set VK_DRIVER_FILES to the GPU's ICD json (NVIDIA: /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json), or install mesa-vulkan-drivers for the software lavapipe driver`
      })
    }
    return new WebGPUUnavailable({
      missing: "adapter",
      reason: `Vulkan found no usable device with the drivers ${files.join(", ")}: check that the GPU driver matches the manifest (lavapipe needs Mesa ≥ 23 for Dawn)`
    })
  }
  return new WebGPUUnavailable({ missing: "adapter", reason: `no WebGPU adapter on ${process.platform}` })
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
  let dawn: { create: (flags: Array<string>) => GPU; globals: Record<string, unknown> }
  try {
    // A variable specifier keeps bundlers and type-checkers from pulling Dawn into CPU builds.
    const name = "webgpu"
    dawn = (await import(name)) as typeof dawn
  } catch (cause) {
    throw new WebGPUUnavailable({
      missing: "webgpu-package",
      reason: `the npm package "webgpu" (Dawn) could not be loaded (${String((cause as Error)?.message ?? cause).split("\n")[0]}): install it next to @perturb/core`
    })
  }
  Object.assign(globalThis, dawn.globals)
  const gpu = dawn.create([])
  // tfjs-backend-webgpu looks for navigator.gpu when it loads; Node 21+ already has a navigator.
  const previous = (globalThis as { navigator?: object }).navigator
  Object.defineProperty(globalThis, "navigator", { value: { ...(previous ?? {}), gpu }, configurable: true, writable: true })
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
 * Enable WebGPU: load Dawn, install `navigator.gpu`, request a high-performance adapter with its
 * largest buffer limits, register tfjs's webgpu backend on that device and make it the active
 * backend. Idempotent: later calls return the same context. Rejects with `WebGPUUnavailable`
 * naming what is missing (the `webgpu` package, `libvulkan.so.1`, a Vulkan driver manifest, or
 * a device); a failed attempt can be retried after fixing the cause.
 *
 * @example
 * import { enableWebGPU, webgpuFusedSample } from "@perturb/core/gpu"
 * const gpu = await enableWebGPU() // tf.getBackend() === "webgpu" from here on
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
