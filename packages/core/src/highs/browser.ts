/**
 * HiGHS in a browser (or any non-Node runtime): nothing at import, so sampling never waits for
 * or needs the 3.5 MB `highs.wasm`; `Lp.ready()` loads it on first need. The loader is the
 * package's own, with its Node branch removed (`glue.ts`), because browser bundlers refuse its
 * `import("node:module")`. Selected by the `browser`/`default` conditions of `#highs`.
 */
import type { Highs, LoadOptions } from "./types.js"

export const preloaded: Highs | undefined = undefined

// The WebAssembly API as used here (core's lib settings carry no WebAssembly declarations).
type Instance = object
interface Wasm {
  readonly Module: abstract new (...args: never) => object
  instantiate(bytes: ArrayBuffer | Uint8Array, imports: object): Promise<{ readonly instance: Instance }>
  instantiate(module: object, imports: object): Promise<Instance>
}
type Instantiate = (imports: object, done: (instance: Instance) => void) => object

// The library's lib has no WebAssembly types (the tests' has them, typed differently): the global is
// read as unknown and checked for the slice of it used here.
const isWasm = (value: unknown): value is Wasm =>
  typeof value === "object" && value !== null && typeof Reflect.get(value, "instantiate") === "function" &&
  typeof Reflect.get(value, "Module") === "function"

const webAssembly = (): Wasm => {
  const value: unknown = Reflect.get(globalThis, "WebAssembly")
  if (!isWasm(value)) throw new Error("highs: this JavaScript engine has no WebAssembly")
  return value
}

export const load = async (options: LoadOptions): Promise<Highs> => {
  const { default: factory } = await import("./glue.js")
  const { wasmBinary, wasmModule, ...rest } = options
  const source = wasmModule ?? wasmBinary
  if (source === undefined) return (await factory({ ...rest })) as Highs
  // highs 1.15.3's glue reads neither `wasmBinary` nor `wasmModule` (its types promise both), only
  // `instantiateWasm`; and it never settles when that fails, so the failure is raced beside it.
  let fail: (cause: unknown) => void = () => undefined
  const failed = new Promise<never>((_, reject) => (fail = reject))
  const wasm = webAssembly()
  const instantiateWasm: Instantiate = (imports, done) => {
    const instantiated = source instanceof wasm.Module
      ? wasm.instantiate(source, imports)
      : wasm.instantiate(ArrayBuffer.isView(source) ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength) : source as ArrayBuffer, imports).then((r) => r.instance)
    // `done` throws when the module is not HiGHS (its exports are missing)
    instantiated.then((instance) => {
      try {
        done(instance)
      } catch (cause) {
        fail(cause)
      }
    }, fail)
    return {}
  }
  return (await Promise.race([factory({ ...rest, instantiateWasm }), failed])) as Highs
}
