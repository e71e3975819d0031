/**
 * The perturb.c WebAssembly instances behind the fused kernels (internal/fused.ts, internal/adam.ts,
 * internal/normalGrid.ts): compiling the embedded module, instances with their own memory, and
 * laying out buffers in it.
 *
 * @internal
 */
import { InvalidArgument } from "../../Errors.js"
import { wasmBase64 } from "./module.js"

// The WebAssembly JS API, typed here by what we use: the project's lib (ES2023 + node) has no
// WebAssembly declarations, and the guards below check the shapes at run time instead of casting.
export interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow(pages: number): number
}

interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object
  readonly Instance: new (module: object, imports: object) => { readonly exports: object }
  readonly Memory: new (descriptor: { initial: number }) => WasmMemory
}

type Kernel = (...args: Array<number>) => void

interface Exports {
  readonly perturb_forward: Kernel
  readonly perturb_backward: Kernel
  readonly perturb_backward_recompute: Kernel
  readonly perturb_noise: Kernel
  readonly perturb_narrow: Kernel
  readonly perturb_zero: Kernel
  readonly perturb_transform: Kernel
  readonly perturb_nonfinite: (x: number, n: number) => number
  readonly perturb_adam: Kernel
  readonly perturb_gauss_grid: Kernel
  readonly perturb_gauss_grid_backward: Kernel
  readonly perturb_gauss_grid_vjp: Kernel
  readonly __heap_base: { readonly value: unknown }
}

/** A WebAssembly instance of perturb.c with its own memory; buffers go above `base`. */
export interface Instance {
  readonly memory: WasmMemory
  readonly x: Exports
  readonly base: number
}

export const PAGE = 65536
/** Above this, the instance is dropped after the call, so a single huge call does not pin memory. */
const RETAIN_BYTES = 256 * 2 ** 20
/** Output values per kernel call: bounds the instance's memory whatever the request. */
export const CHUNK_VALUES = 2 ** 24
/** Values per batch in the kernels' scratch buffers. */
export const BATCH = 2048

/** Words of scratch the sampler kernels need for rows of d values. */
export const scratchWords = (d: number): number => Math.max(BATCH, d) + 64
/** Output rows per sampler kernel call for rows of d values (at most CHUNK_VALUES values). */
export const chunkRows = (d: number): number => Math.max(1, Math.floor(CHUNK_VALUES / d))

const isWasmApi = (w: unknown): w is WasmApi =>
  typeof w === "object" && w !== null && "Module" in w && "Instance" in w && "Memory" in w &&
  typeof w.Module === "function" && typeof w.Instance === "function" && typeof w.Memory === "function"

/** Whether this runtime has the WebAssembly API the instances need. */
export const hasWebAssembly = (): boolean => isWasmApi(Reflect.get(globalThis, "WebAssembly"))

const KERNELS = ["perturb_forward", "perturb_backward", "perturb_backward_recompute", "perturb_noise", "perturb_narrow", "perturb_zero", "perturb_transform", "perturb_nonfinite", "perturb_adam", "perturb_gauss_grid", "perturb_gauss_grid_backward", "perturb_gauss_grid_vjp"] as const

const isExports = (x: object): x is Exports =>
  KERNELS.every((name) => name in x && typeof Reflect.get(x, name) === "function") &&
  "__heap_base" in x && typeof x.__heap_base === "object" && x.__heap_base !== null && "value" in x.__heap_base

let compiled: object | undefined
let current: Instance | undefined

const decode = (b64: string): Uint8Array => {
  const s = atob(b64)
  const bytes = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i)
  return bytes
}

const wasmApi = (): WasmApi => {
  const api: unknown = Reflect.get(globalThis, "WebAssembly")
  if (!isWasmApi(api)) throw new Error("The fused kernels need WebAssembly, which this runtime lacks")
  return api
}

/** The compiled perturb.c module (compiled once; worker threads instantiate it too, internal/threads.ts). */
export const compiledModule = (): object => {
  // Synchronous compilation keeps `sample` synchronous; the module is 27 kB.
  compiled ??= new (wasmApi().Module)(decode(wasmBase64))
  return compiled
}

/**
 * A fresh instance with its own memory (the compiled module is shared). The samplers share one,
 * which they may drop between calls; the fused Adam keeps one per optimizer for its state.
 */
export const createInstance = (): Instance => {
  const api = wasmApi()
  const memory = new api.Memory({ initial: 4 })
  const { exports } = new api.Instance(compiledModule(), { env: { memory } })
  if (!isExports(exports)) throw new Error("perturb.wasm: unexpected exports (rebuild with scripts/build-wasm.sh)")
  return { memory, x: exports, base: Math.ceil(Number(exports.__heap_base.value) / 16) * 16 }
}

/** The samplers' shared instance (created on first use). */
export const instance = (): Instance => {
  current ??= createInstance()
  return current
}

/** Drops the shared instance when a call grew it past 256 MiB (WebAssembly memory cannot shrink). */
export const release = (): void => {
  if (current !== undefined && current.memory.buffer.byteLength > RETAIN_BYTES) current = undefined
}

/** `body` on the samplers' shared instance, which is then dropped if the call grew it past 256 MiB. */
export const withInstance = <A>(body: (inst: Instance) => A): A => {
  const inst = instance()
  try {
    return body(inst)
  } finally {
    release()
  }
}

/**
 * Lays out buffers (sizes in bytes, each 16-byte aligned) above the heap base, growing the memory
 * when needed; a memory the engine refuses becomes a typed error naming `argument`.
 */
export const layout = (inst: Instance, sizes: ReadonlyArray<number>, argument: string, value: unknown): Array<number> => {
  const ptrs: Array<number> = []
  let at = inst.base
  for (const size of sizes) {
    ptrs.push(at)
    at += Math.ceil(size / 16) * 16
  }
  const have = inst.memory.buffer.byteLength
  if (at > have) {
    try {
      if (at > 2 ** 32) throw new RangeError("beyond the 4 GiB of a 32-bit WebAssembly memory")
      inst.memory.grow(Math.ceil((at - have) / PAGE))
    } catch (e) {
      current = undefined
      throw new InvalidArgument({
        argument,
        value,
        reason: `the fused kernel needs ${(at / 2 ** 20).toFixed(0)} MiB of WebAssembly memory and the engine refused it (${String(e)}); draw fewer samples per call`
      })
    }
  }
  return ptrs
}

export const f32 = (inst: Instance, ptr: number, n: number): Float32Array => new Float32Array(inst.memory.buffer, ptr, n)
