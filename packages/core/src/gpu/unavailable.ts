/**
 * The error both WebGPU providers (Dawn in Node, `navigator.gpu` in a browser) raise.
 */
import { Data } from "effect"

/**
 * WebGPU could not be enabled. `missing` says what to install or configure:
 * - `"webgpu-package"`: the npm package `webgpu` (Dawn, Node) or `@tensorflow/tfjs-backend-webgpu` (both
 *   optional peers) is not installed or failed to load;
 * - `"navigator-gpu"`: the browser exposes no `navigator.gpu` (no WebGPU, or not a secure context);
 * - `"libvulkan"`: the Vulkan loader `libvulkan.so.1` is not on the library path;
 * - `"vulkan-driver"`: no Vulkan driver manifest (ICD json) was found, or `VK_DRIVER_FILES` names a missing file;
 * - `"adapter"`: Vulkan is present but offered no usable device;
 * - `"device"`: the adapter refused the device (limits or features).
 *
 * @example
 * import { enableWebGPU, WebGPUUnavailable } from "@perturb/core/gpu"
 * await enableWebGPU().catch((e: unknown) => {
 *   if (e instanceof WebGPUUnavailable) console.log(e.missing, e.reason) // what to install, e.g. libvulkan1
 * })
 * @since 0.1.0
 * @category errors
 */
export class WebGPUUnavailable extends Data.TaggedError("WebGPUUnavailable")<{
  /** What is missing, from the package down to the device: the first check that failed. */
  readonly missing: "webgpu-package" | "navigator-gpu" | "libvulkan" | "vulkan-driver" | "adapter" | "device"
  /** What was found and how to fix it. */
  readonly reason: string
}> {
  /** The error as one sentence naming what is missing and how to fix it. */
  override get message(): string {
    return `WebGPU unavailable (${this.missing}): ${this.reason}`
  }
}
