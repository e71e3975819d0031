/**
 * A pool of Node `worker_threads`, each with its own instance of the perturb.c module, for the
 * fused kernels' share-the-rows work (internal/threadsFused.ts). A job is a list of steps — copy
 * bytes from the shared exchange buffer into the worker's memory, call a kernel, copy bytes back —
 * so the worker knows nothing of the kernels and all planning stays here, in typed code.
 *
 * The calling thread posts the jobs, runs its own share, then blocks in `Atomics.wait` until every
 * worker has counted itself done: the tfjs op that called stays synchronous. Node allows
 * `Atomics.wait` on its main thread; a browser does not, so `available()` is false there (no
 * `worker_threads`) and the kernels run on one thread. Workers are `unref()`ed: an idle pool never
 * keeps a process alive.
 *
 * The worker is built from a string (`eval: true`), not a file, so it works the same from source
 * under vitest, from `dist`, and from a packed and installed tarball.
 *
 * @internal
 */
import { InvalidArgument } from "../Errors.js"
import { get as threadCount } from "../Threads.js"
import { builtin } from "./node.js"
import { compiledModule } from "./wasm/instance.js"

/** A worker's step: bytes in from the exchange buffer, a kernel call, or bytes out to it. */
export type Step =
  | readonly ["in", exchangeOffset: number, pointer: number, bytes: number]
  | readonly ["call", kernel: string, args: ReadonlyArray<number>]
  | readonly ["out", pointer: number, exchangeOffset: number, bytes: number]

/** One worker's work: its memory must reach `need` bytes (its buffers start at the module's heap base). */
export interface Job {
  readonly need: number
  readonly steps: ReadonlyArray<Step>
}

interface WorkerLike {
  postMessage(message: unknown): void
  unref(): void
  terminate(): Promise<number>
}

interface WorkerThreads {
  readonly Worker: new (code: string, options: { eval: true; workerData: unknown; execArgv: Array<string> }) => WorkerLike
  readonly isMainThread: boolean
}

// Plain JavaScript, run by each worker. The control buffer holds [done, failed, message length,
// message bytes…]; the count is bumped last, so the waiting thread sees any error first.
const WORKER_SOURCE = `
// getBuiltinModule, not require: under \`node --input-type=module\` the worker's code is a module too.
const { parentPort, workerData } = process.getBuiltinModule("node:worker_threads")
const RETAIN = 256 * 2 ** 20, PAGE = 65536
let inst
const fresh = () => {
  const memory = new WebAssembly.Memory({ initial: 4 })
  const { exports } = new WebAssembly.Instance(workerData.module, { env: { memory } })
  return { memory, x: exports }
}
parentPort.on("message", ({ control, exchange, need, steps }) => {
  const flags = new Int32Array(control, 0, 3)
  try {
    inst ??= fresh()
    const have = inst.memory.buffer.byteLength
    if (need > have) inst.memory.grow(Math.ceil((need - have) / PAGE))
    const shared = new Uint8Array(exchange)
    for (const s of steps) {
      if (s[0] === "in") new Uint8Array(inst.memory.buffer).set(shared.subarray(s[1], s[1] + s[3]), s[2])
      else if (s[0] === "out") shared.set(new Uint8Array(inst.memory.buffer, s[1], s[3]), s[2])
      else inst.x[s[1]](...s[2])
    }
  } catch (e) {
    inst = undefined
    const text = new TextEncoder().encode(String(e)).subarray(0, 1000)
    new Uint8Array(control, 12, 1000).set(text)
    Atomics.store(flags, 2, text.length)
    Atomics.store(flags, 1, 1)
  } finally {
    if (inst !== undefined && inst.memory.buffer.byteLength > RETAIN) inst = undefined
    Atomics.add(flags, 0, 1)
    Atomics.notify(flags, 0)
  }
})
const ready = new Int32Array(workerData.ready)
Atomics.store(ready, 0, 1)
Atomics.notify(ready, 0)
`

const isWorkerThreads = (m: unknown): m is WorkerThreads =>
  typeof m === "object" && m !== null && "Worker" in m && typeof m.Worker === "function" && "isMainThread" in m

const workerThreads = (): WorkerThreads | undefined => {
  const m = builtin("node:worker_threads")
  return isWorkerThreads(m) ? m : undefined
}

const hasAtomics = (): boolean => typeof SharedArrayBuffer === "function" && typeof Atomics === "object" && typeof Atomics.wait === "function"

/** Threads the kernels may use now: `Threads.get()` where worker threads and `Atomics.wait` exist, else 1. */
export const usableThreads = (): number => {
  const n = threadCount()
  return n > 1 && !broken && hasAtomics() && workerThreads() !== undefined ? n : 1
}

const pool: Array<WorkerLike> = []

/** Set when a worker failed to start: the kernels then stay on one thread for the process. */
let broken = false
/** How long a new worker may take to start (tens of ms when the machine is idle). */
const START_MS = 10_000

/**
 * At least `n` workers (an idle one costs nothing but its memory; it is unref()ed), or fewer when
 * one does not start: its error could only be reported to an event loop that `Atomics.wait` blocks,
 * so each new worker signals that it runs, and one that does not within START_MS is given up.
 */
const workers = (n: number): ReadonlyArray<WorkerLike> => {
  const wt = workerThreads()
  while (pool.length < n && wt !== undefined && !broken) {
    const ready = new Int32Array(new SharedArrayBuffer(4))
    const w = new wt.Worker(WORKER_SOURCE, { eval: true, workerData: { module: compiledModule(), ready: ready.buffer }, execArgv: [] })
    w.unref()
    if (Atomics.wait(ready, 0, 0, START_MS) === "timed-out" && Atomics.load(ready, 0) === 0) {
      broken = true
      void w.terminate()
    } else pool.push(w)
  }
  return pool
}

/** Above this, the exchange buffer is dropped after the call rather than kept for the next. */
const RETAIN_EXCHANGE = 256 * 2 ** 20
let kept: SharedArrayBuffer | undefined

/** A shared buffer of at least `bytes` (reused between calls), whose views the jobs' steps address. */
export const exchange = (bytes: number, argument: string, value: unknown): SharedArrayBuffer => {
  if (kept !== undefined && kept.byteLength >= bytes) return kept
  // Doubling (up to what is retained), so calls of slowly growing size do not allocate every time.
  const grown = Math.min(2 * (kept?.byteLength ?? 0), RETAIN_EXCHANGE)
  kept = undefined
  try {
    kept = new SharedArrayBuffer(Math.max(bytes, grown, 16))
  } catch (e) {
    throw new InvalidArgument({ argument, value, reason: `the threaded kernel needs a ${(bytes / 2 ** 20).toFixed(0)} MiB shared buffer, which the engine refused (${String(e)}); draw fewer samples per call` })
  }
  return kept
}

// One control buffer for every call (made on the first: a page that is not cross-origin isolated
// has no SharedArrayBuffer): calls do not overlap, and no worker writes to it once counted done.
let controlFlags: Int32Array<SharedArrayBuffer> | undefined

/**
 * Runs `jobs[0]` on the calling thread (`here`) and the others on workers, and returns once all
 * are done. A worker's failure (its memory refused) becomes a typed error naming `argument`.
 */
export const runParallel = (buffer: SharedArrayBuffer, jobs: ReadonlyArray<Job>, here: (job: Job) => void, argument: string, value: unknown): void => {
  const flags = (controlFlags ??= new Int32Array(new SharedArrayBuffer(12 + 1000), 0, 3))
  const control = flags.buffer
  for (let i = 0; i < 3; i++) Atomics.store(flags, i, 0)
  const rest = jobs.slice(1)
  const ws = workers(rest.length)
  dispatched++
  let posted = 0
  try {
    for (; posted < Math.min(ws.length, rest.length); posted++) {
      const job = rest[posted]!
      ws[posted]!.postMessage({ control, exchange: buffer, need: job.need, steps: job.steps })
    }
    here(jobs[0]!)
    // Jobs without a worker (one failed to start) run here too.
    for (const job of rest.slice(posted)) here(job)
  } finally {
    // Wait even when `here` threw: the workers are still writing into the exchange buffer.
    for (let done = Atomics.load(flags, 0); done < posted; done = Atomics.load(flags, 0)) Atomics.wait(flags, 0, done)
    if (buffer.byteLength > RETAIN_EXCHANGE && kept === buffer) kept = undefined
  }
  if (Atomics.load(flags, 1) !== 0) {
    const text = new TextDecoder().decode(new Uint8Array(control, 12, Atomics.load(flags, 2)).slice())
    throw new InvalidArgument({ argument, value, reason: `a worker thread of the fused kernel failed (${text}); draw fewer samples per call or use fewer threads (Threads.set)` })
  }
}

/** Ends the pool's workers (tests; the pool is otherwise kept, unref()ed, for the process). */
export const endWorkers = async (): Promise<void> => {
  await Promise.all(pool.splice(0).map((w) => w.terminate()))
}

let dispatched = 0

/** Workers in the pool, and how many calls have used them (tests: the threaded path ran). */
export const poolStats = (): { readonly workers: number; readonly calls: number } => ({ workers: pool.length, calls: dispatched })
