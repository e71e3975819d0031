/**
 * WebGPU in Node: Dawn (the npm package `webgpu`) installs `navigator.gpu`; a missing adapter is
 * explained by what this machine lacks (libvulkan, a Vulkan driver manifest). Selected by the
 * `node` condition of the `#gpu` import, so browser bundles never see `node:child_process`.
 */
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync } from "node:fs"
import { WebGPUUnavailable } from "./unavailable.js"

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
export const diagnose = (): WebGPUUnavailable => {
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

/** Dawn's `GPU`, installed as `navigator.gpu` (tfjs-backend-webgpu looks for it when it loads). */
export const provideGpu = async (): Promise<GPU> => {
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
  // Node 21+ already has a navigator; keep its other fields.
  const previous = (globalThis as { navigator?: object }).navigator
  Object.defineProperty(globalThis, "navigator", { value: { ...(previous ?? {}), gpu }, configurable: true, writable: true })
  return gpu
}
