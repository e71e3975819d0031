/**
 * Every access to tfjs internals, in one place: what the library reads of tfjs-wasm's heap, of the
 * engine's state and variables, how it registers tfjs-wasm's threaded build, and of tfjs-webgpu's
 * backend. None of it is tfjs's public API, so a
 * tfjs upgrade may change any of it; each accessor has a test in test/tfjs-internals.test.ts that
 * fails when it stops reading what it should. Shapes are checked by structural guards, never cast.
 *
 * @internal
 */
import * as tf from "@tensorflow/tfjs-core"
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu"
import { here } from "#here"
import { builtin } from "./node.js"

// ------------------------------------------------------------------------------------------ wasm

/** The parts of tfjs-wasm's backend we read: its tensors' heap offsets (no casts: a structural guard). */
interface WasmHeap {
  readonly dataIdMap: { get(dataId: object): { readonly memoryOffset: number } | undefined }
  readonly wasm: { readonly HEAPU8: Uint8Array }
}

const isWasmHeap = (b: unknown): b is WasmHeap =>
  typeof b === "object" && b !== null && "dataIdMap" in b && "wasm" in b &&
  typeof b.wasm === "object" && b.wasm !== null && "HEAPU8" in b.wasm && b.wasm.HEAPU8 instanceof Uint8Array &&
  typeof b.dataIdMap === "object" && b.dataIdMap !== null && "get" in b.dataIdMap && typeof b.dataIdMap.get === "function"

/**
 * A float32 tensor's values in tfjs-wasm's heap (valid until the next tfjs call), or `undefined` on
 * other backends. Read only: tfjs-wasm caches operators holding packed copies of tensors (matMul's
 * right operand, a convolution's filter, their bias; keyed by tensor id, dropped on dispose), so a
 * write here would change the tensor for some ops and not others (issue #11).
 */
export const wasmHeapView = (t: tf.Tensor): Float32Array | undefined => {
  if (tf.getBackend() !== "wasm" || t.dtype !== "float32") return undefined
  const b: unknown = tf.backend()
  if (!isWasmHeap(b)) return undefined
  const entry = b.dataIdMap.get(t.dataId)
  const heap = b.wasm.HEAPU8
  return entry === undefined ? undefined : new Float32Array(heap.buffer, heap.byteOffset + entry.memoryOffset, t.size)
}

/**
 * A tensor's float32 values, to read: on the wasm backend a view of tfjs's heap (valid until the
 * next tfjs call; never written, see `wasmHeapView`), elsewhere `dataSync()`.
 */
export const valuesOf = (t: tf.Tensor): Float32Array => {
  const view = wasmHeapView(t)
  if (view !== undefined) return view
  const v = t.dataSync()
  return v instanceof Float32Array ? v : Float32Array.from(v)
}

/** tfjs-wasm's heap: one 32-bit WebAssembly memory of at most 65535 pages. */
export const WASM_HEAP_BYTES = 4294901760

/** Bytes tfjs-wasm's tensors hold in its heap, or `undefined` on other backends (which have no such heap). */
export const wasmHeapUsed = (): number | undefined => (tf.getBackend() === "wasm" ? tf.memory().numBytes : undefined)

/**
 * A float32 tensor of `values`. tfjs-wasm copies them into its heap; the cpu backend keeps the
 * array itself, so there the tensor gets its own copy unless the caller hands the array over
 * (`owned`: nothing else holds it).
 */
export const tensorFromValues = <R extends tf.Rank>(values: Float32Array, shape: tf.ShapeMap[R], owned = false): tf.Tensor<R> =>
  tf.tensor<R>(owned || tf.getBackend() === "wasm" ? values : values.slice(), shape, "float32")

// ------------------------------------------------------------------------------------------ engine

/** The active backend's epsilon (1e-7 in float32, 1e-4 on a float16 webgl), tf.train.adam's default. */
export const backendEpsilon = (): number => tf.backend().epsilon()

/** How many `tf.grad` / `minimize` scopes are recording gradients now (0 outside them). */
export const gradientDepth = (): number => tf.engine().state.gradientDepth

/** Whether an op run now is recorded on the gradient tape (inside a gradient scope, outside a kernel). */
export const isTapeOn = (): boolean => tf.engine().isTapeOn()

/** The live variable registered under `name` (`tf.variable(…, …, name)`), if any. */
export const registeredVariable = (name: string): tf.Variable | undefined => tf.engine().registeredVariables[name]

// ------------------------------------------------------------------------------------ wasm threads

// `useWasmThreads` (WasmThreads.ts): tfjs-wasm's threaded SIMD build registered as the `wasm` backend
// in Node. It reads files of tfjs-backend-wasm's package (wasm-out/), the worker script's escaping,
// one Emscripten import by name and the pthread pool; test/wasmThreads.test.ts pins it too.

/** tfjs-wasm's build starts 8 pthread workers; its pool cannot use more. */
export const WASM_MAX_THREADS = 8

interface EmscriptenModule {
  cwrap(name: string, returns: string | null, args: Array<string>): unknown
  tfjs?: Record<string, unknown>
  readonly PThread?: { readonly runningWorkers: ReadonlyArray<{ unref(): void }> }
}
type Factory = (config: Record<string, unknown>) => Promise<EmscriptenModule>
interface WasmPackage {
  readonly BackendWasm: new (module: EmscriptenModule) => tf.KernelBackend
  readonly setThreadsCount: (n: number) => void
  readonly version_wasm: string
}

/** The one WebAssembly call made here (the project's lib has no WebAssembly declarations). */
interface WasmApi {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ readonly instance: object; readonly module: object }>
}
const wasmApi = (): WasmApi => Reflect.get(globalThis, "WebAssembly") as WasmApi

/** A Node built-in; only reached in Node (useWasmThreads returns early elsewhere). */
const node = <T>(name: string): T => builtin(name) as T

/** The pthread worker as a file: Node's workers load scripts from files, not `blob:` URLs. */
const workerFile = (contents: string, version: string): string => {
  const fs = node<typeof import("node:fs")>("node:fs")
  const os = node<typeof import("node:os")>("node:os")
  const path = node<typeof import("node:path")>("node:path")
  // tfjs ships it inside a template literal, whose escapes became real newlines; restore them.
  const text = contents.replace(/\n/g, "\\n")
  const file = path.join(os.tmpdir(), `perturb-tfjs-wasm-${version}-${text.length}.worker.cjs`)
  if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) {
    // Written aside and renamed, so a concurrent process never loads half a file.
    const part = `${file}.${process.pid}.part`
    fs.writeFileSync(part, text)
    fs.renameSync(part, file)
  }
  return file
}

const wrap = (m: EmscriptenModule): Record<string, unknown> => ({
  init: m.cwrap("init", null, []),
  initWithThreadsCount: m.cwrap("init_with_threads_count", null, ["number"]),
  getThreadsCount: m.cwrap("get_threads_count", "number", []),
  registerTensor: m.cwrap("register_tensor", null, ["number", "number", "number"]),
  disposeData: m.cwrap("dispose_data", null, ["number"]),
  dispose: m.cwrap("dispose", null, [])
})

/** Registers the `wasm` backend with the threaded build on `threads` workers (tfjs's priority, 2). */
export const registerThreadedWasm = (threads: number): void => {
  const req = node<typeof import("node:module")>("node:module").createRequire(here!)
  const path = node<typeof import("node:path")>("node:path")
  const fs = node<typeof import("node:fs")>("node:fs")
  const pkg = req("@tensorflow/tfjs-backend-wasm") as WasmPackage
  const out = path.join(path.dirname(req.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "wasm-out")
  const mainJs = path.join(out, "tfjs-backend-wasm-threaded-simd.js")
  const factory = req(mainJs) as Factory
  const { wasmWorkerContents } = req(path.join(out, "tfjs-backend-wasm-threaded-simd.worker.js")) as { wasmWorkerContents: string }
  const worker = workerFile(wasmWorkerContents, pkg.version_wasm)
  const binary = path.join(out, "tfjs-backend-wasm-threaded-simd.wasm")
  tf.removeBackend("wasm")
  tf.registerBackend("wasm", async () => {
    const module = await factory({
      locateFile: (file: string, prefix: string) => (file.endsWith(".worker.js") ? worker : file.endsWith(".wasm") ? binary : prefix + file),
      mainScriptUrlOrBlob: mainJs,
      instantiateWasm: (info: { env: Record<string, unknown> }, receive: (instance: object, module: object) => void) => {
        // tfjs sizes its pool min(asked, cores / 2): report twice the threads asked for.
        info.env["emscripten_num_logical_cores"] = () => 2 * threads
        void wasmApi().instantiate(fs.readFileSync(binary), info).then(({ instance, module }) => receive(instance, module))
        return {}
      }
    })
    module.tfjs = wrap(module)
    const backend = new pkg.BackendWasm(module)
    // The pool's pthreads (started by the constructor) wait for work forever, each on a ref'd worker,
    // so Node would never exit; they only ever serve synchronous calls of this thread.
    for (const w of module.PThread?.runningWorkers ?? []) w.unref()
    return backend
  }, 2)
  pkg.setThreadsCount(threads)
}


// ------------------------------------------------------------------------------------------ webgpu

/**
 * Whether `b` has what gpu/ uses of tfjs-webgpu's backend: `runWebGPUProgram`, `device`, and a
 * tensor's storage (`uploadToGPU`, `tensorMap`). The package itself is loaded only by
 * `enableWebGPU`, so the check is structural rather than `instanceof`.
 */
export const isWebGPUBackend = (b: unknown): b is WebGPUBackend =>
  typeof b === "object" && b !== null && "runWebGPUProgram" in b && typeof b.runWebGPUProgram === "function" &&
  "uploadToGPU" in b && typeof b.uploadToGPU === "function" && "device" in b && typeof b.device === "object" &&
  "tensorMap" in b && typeof b.tensorMap === "object" && b.tensorMap !== null && "get" in b.tensorMap && typeof b.tensorMap.get === "function"

/** tfjs's active backend when it is webgpu, else `undefined`. */
export const activeWebGPUBackend = (): WebGPUBackend | undefined => {
  if (tf.getBackend() !== "webgpu") return undefined
  const b: unknown = tf.backend()
  return isWebGPUBackend(b) ? b : undefined
}

/**
 * The storage of a tensor on tfjs-webgpu, uploaded first if it lives on the CPU: its GPU resource
 * (a buffer, or a texture for some imports) and the dtype of that storage, which for a cast from
 * bool or int32 stays int32.
 */
export const webgpuStorage = (
  backend: WebGPUBackend,
  t: tf.TensorInfo
): { readonly resource: GPUBuffer | GPUTexture | GPUExternalTexture | undefined; readonly dtype: tf.DataType } => {
  backend.uploadToGPU(t.dataId)
  const data = backend.tensorMap.get(t.dataId)
  return { resource: data.resource, dtype: data.dtype }
}
