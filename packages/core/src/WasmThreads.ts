/**
 * `useWasmThreads()`: tfjs-wasm's threaded SIMD build in Node, so XNNPACK's matrix products and
 * element-wise ops use every core.
 *
 * Why it needs a function: tfjs-backend-wasm 4.x reports `WASM_HAS_MULTITHREAD_SUPPORT` false in
 * Node (tfjs issue 3830), and forcing the flag makes its init fail, because it hands Emscripten
 * browser-only things: the pthread worker script as a `blob:` URL (Node's `worker_threads` take a
 * file path) and the main script as a `Blob` (the worker's `importScripts` reads a file). The
 * Emscripten glue of the threaded build itself supports Node's `worker_threads`. This module
 * registers the `wasm` backend again with the threaded build, giving the workers the script as a
 * file and the main script by path. tfjs also caps its thread pool at half the logical cores
 * (it assumes two hyper-threads a core, so a 2-core machine got 1 thread); the Emscripten import
 * that reports the core count answers the count asked for.
 *
 * Same numbers: XNNPACK splits a product's output tiles across threads and every output element is
 * summed in the same order, so results are bit for bit those of one thread (test/wasmThreads.test.ts).
 *
 * @since 0.3.0
 */
import * as tf from "@tensorflow/tfjs"
import { InvalidArgument } from "./Errors.js"
import { checkOptions, checkThreads } from "./internal/validate.js"
import { cores } from "./internal/node.js"
import { registerThreadedWasm, WASM_MAX_THREADS as MAX_THREADS } from "./internal/tfjs.js"

/**
 * Options of `useWasmThreads`.
 *
 * @example
 * import { type WasmThreadsOptions } from "@perturb/core"
 * const two: WasmThreadsOptions = { threads: 2 }
 * @since 0.3.0
 * @category kernels
 */
export interface WasmThreadsOptions {
  /** Threads for tfjs-wasm's pool, 1 to 8 (default: the machine's cores, at most 8; 1 keeps the one-thread build). */
  readonly threads?: number
}

/**
 * In Node, makes the `wasm` backend tfjs-wasm's threaded SIMD build with `threads` threads (default:
 * the machine's cores, at most 8); returns the thread count asked for. Call it before the wasm
 * backend is first initialised (`tf.setBackend("wasm")`). Results equal the one-thread build's bit
 * for bit. Elsewhere (browsers pick the threaded build themselves when cross-origin isolated, or a
 * Node without `process.getBuiltinModule`) it changes nothing and returns 1; `threads: 1` keeps the
 * one-thread build. Throws `InvalidArgument` for a thread count that is not an integer in [1, 8],
 * or when the wasm backend is already initialised.
 *
 * @example
 * import * as tf from "@tensorflow/tfjs"
 * import "@tensorflow/tfjs-backend-wasm"
 * import { useWasmThreads } from "@perturb/core"
 * useWasmThreads({ threads: 2 })
 * await tf.setBackend("wasm")
 * @since 0.3.0
 * @category kernels
 */
export const useWasmThreads = (options?: WasmThreadsOptions): number => {
  const given = checkOptions("options", options).threads
  const asked = given === undefined ? undefined : checkThreads("options.threads", given, MAX_THREADS)
  if (tf.findBackend("wasm") !== null) {
    throw new InvalidArgument({ argument: "useWasmThreads", value: tf.getBackend(), reason: "The wasm backend is already initialised: call useWasmThreads before tf.setBackend(\"wasm\")" })
  }
  const machine = cores()
  if (machine === undefined || typeof SharedArrayBuffer === "undefined") return 1
  const threads = asked ?? Math.min(MAX_THREADS, machine)
  if (threads > 1) registerThreadedWasm(threads)
  return threads
}
