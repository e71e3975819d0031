/**
 * Every access to tfjs internals, in one place: what the library reads of tfjs-wasm's heap, of the
 * engine's state and variables, and of tfjs-webgpu's backend. None of it is tfjs's public API, so a
 * tfjs upgrade may change any of it; each accessor has a test in test/tfjs-internals.test.ts that
 * fails when it stops reading what it should. Shapes are checked by structural guards, never cast.
 *
 * @internal
 */
import * as tf from "@tensorflow/tfjs-core"
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu"

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
