/**
 * How many threads the fused CPU kernels use (the WebAssembly Perturb-Softmax sampler behind
 * `compile(model).sample` and `sampleStraightThrough` on the `cpu` and `wasm` backends). The
 * default is every core (`os.availableParallelism()`), or the environment variable
 * `PERTURB_THREADS` when it is set; `Threads.set(n)` overrides both for the process.
 *
 * Results do not depend on the count: output row R draws its noise from Philox words
 * `R·d … R·d + d − 1` of the key wherever it is computed, and the backward pass splits the work
 * by rows of θ, so every float64 sum runs over the samples in the same order on one thread or
 * many. Small calls stay on the calling thread (dispatch would cost more than it saves).
 *
 * Threads are Node `worker_threads` that the calling thread waits for with `Atomics.wait`, so the
 * tfjs ops stay synchronous. A browser's main thread may not block that way, and there (and in
 * any runtime without `worker_threads`) the kernels use one thread whatever is set.
 *
 * @since 0.3.0
 */
import { cores } from "./internal/node.js"
import { checkThreads } from "./internal/validate.js"

/** More threads than this is a typo, not a machine. */
const MAX_THREADS = 1024

let chosen: number | undefined

const envValue = (): string | undefined => {
  const p: unknown = Reflect.get(globalThis, "process")
  if (typeof p !== "object" || p === null || !("env" in p) || typeof p.env !== "object" || p.env === null) return undefined
  const v: unknown = Reflect.get(p.env, "PERTURB_THREADS")
  return typeof v === "string" && v.trim() !== "" ? v : undefined
}

/**
 * Sets the number of threads the fused kernels may use (1 = the calling thread only), for the
 * rest of the process; `"auto"` returns to the default (`PERTURB_THREADS`, else every core).
 * Anything but a whole number from 1 to 1024 is refused with `InvalidArgument` naming `threads`.
 *
 * @example
 * import { Threads } from "@perturb/core"
 * Threads.set(2)
 * Threads.get() // 2
 * Threads.set("auto")
 * @since 0.3.0
 * @category kernels
 */
export const set = (threads: number | "auto"): void => {
  chosen = threads === "auto" ? undefined : checkThreads("threads", threads, MAX_THREADS)
}

/**
 * The number of threads the fused kernels may use: the last `set`, else `PERTURB_THREADS`, else
 * `os.availableParallelism()` (1 outside Node). A `PERTURB_THREADS` that is not a whole number
 * from 1 to 1024 is refused with `InvalidArgument` naming `PERTURB_THREADS`.
 *
 * @example
 * import { Threads } from "@perturb/core"
 * const n = Threads.get() // e.g. 8 on an 8-core machine
 * @since 0.3.0
 * @category kernels
 */
export const get = (): number => {
  if (chosen !== undefined) return chosen
  const env = envValue()
  if (env !== undefined) return checkThreads("PERTURB_THREADS", env, MAX_THREADS, /^\s*\d+\s*$/.test(env) ? Number(env) : Number.NaN)
  return Math.min(MAX_THREADS, cores() ?? 1)
}
