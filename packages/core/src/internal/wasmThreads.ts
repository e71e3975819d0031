/**
 * The mechanics of `useWasmThreads` (WasmThreads.ts): tfjs-wasm's threaded SIMD build registered as
 * the `wasm` backend in Node. It reads files of tfjs-backend-wasm's package (wasm-out/) and one
 * Emscripten import by name, none of it tfjs's public API; test/wasmThreads.test.ts fails when a tfjs
 * upgrade breaks it.
 *
 * @internal
 */
import * as tf from "@tensorflow/tfjs"
import { here } from "#here"

/** tfjs-wasm's build starts 8 pthread workers; its pool cannot use more. */
export const MAX_THREADS = 8

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

/** Node's built-in modules without an import statement, so browser bundles of the package stay clean. */
export const builtin = <T>(name: string): T | undefined => {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  return typeof p?.getBuiltinModule === "function" ? (p.getBuiltinModule(name) as T) : undefined
}

/** The pthread worker as a file: Node's workers load scripts from files, not `blob:` URLs. */
const workerFile = (contents: string, version: string): string => {
  const fs = builtin<typeof import("node:fs")>("node:fs")!
  const os = builtin<typeof import("node:os")>("node:os")!
  const path = builtin<typeof import("node:path")>("node:path")!
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
export const registerThreaded = (threads: number): void => {
  const req = builtin<typeof import("node:module")>("node:module")!.createRequire(here!)
  const path = builtin<typeof import("node:path")>("node:path")!
  const fs = builtin<typeof import("node:fs")>("node:fs")!
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

