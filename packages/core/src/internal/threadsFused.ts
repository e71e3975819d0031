/**
 * The fused sampler's passes split across threads (internal/threads.ts), with results equal bit
 * for bit to one thread's:
 *
 * - forward: output rows are independent (row R's noise is Philox words R·d … R·d + d − 1 of the
 *   key wherever it is drawn), so the rows are cut into contiguous parts;
 * - backward: the parts are rows of θ, and each thread adds its rows' contributions over the
 *   samples in increasing order, as the one-thread pass does, so every float64 sum (and its
 *   rounding) is the same. With fewer θ rows than threads the backward pass stays on one thread.
 *
 * Every part, the calling thread's included, runs the same step list (threads.ts `Job`): inputs
 * are copied once into a shared exchange buffer, each instance copies its part in, and writes its
 * output rows back. The kernels index θ (and dθ) by absolute row, `theta + (R mod rows)·d`, so a
 * part holding only θ rows [a, b) passes `pointer − a·d·4`: WebAssembly's i32 address arithmetic
 * wraps, and the rows it reads are all within the part's buffer (test/threads.test.ts checks the
 * results against one thread for every case).
 *
 * @internal
 */
import type { Key } from "@perturb/noise"
import type { KernelLaw } from "./kernelLaw.js"
import { exchange, type Job, runParallel, type Step, usableThreads } from "./threads.js"
import { BATCH, chunkRows, type Instance, layout, scratchWords } from "./wasm/instance.js"

export interface Shape {
  readonly d: number
  /** Rows of θ (1 for θ of shape [d]). */
  readonly thetaRows: number
  /** Output rows: samples · thetaRows. */
  readonly rows: number
}

/** What the backward pass reads y from: the saved samples, or θ and the key to recompute them. */
export type Source =
  | { readonly y: () => Float32Array }
  | { readonly theta: () => Float32Array; readonly key: Key.Key; readonly law: KernelLaw }

/**
 * Output values a thread must get to be worth its dispatch: posting a job and waking the waiting
 * thread measured 14 µs (min) / 20 µs (median) for an empty job on the shared 2-core machine
 * (load 10), against about 0.45 ms for 2^16 values of the forward kernel (111 ms per 1.6·10^7
 * when the machine was quiet), so a part is at least ~20 dispatches of work.
 */
const MIN_VALUES_PER_THREAD = 2 ** 16

/** Threads for `values` output values split into at most `parts` parts (1: the calling thread alone). */
export const threadsFor = (values: number, parts: number): number =>
  Math.max(1, Math.min(usableThreads(), parts, Math.floor(values / MIN_VALUES_PER_THREAD)))

/** `n` rows cut into `k` contiguous parts as equal as possible. */
const split = (n: number, k: number): Array<readonly [number, number]> =>
  Array.from({ length: k }, (_, i) => [Math.floor((n * i) / k), Math.floor((n * (i + 1)) / k)] as const)

/** Byte offsets of buffers (each 16-byte aligned) from `base`, and the end. */
const offsets = (base: number, sizes: ReadonlyArray<number>): { readonly at: Array<number>; readonly end: number } => {
  const at: Array<number> = []
  let p = base
  for (const s of sizes) {
    at.push(p)
    p += Math.ceil(s / 16) * 16
  }
  return { at, end: p }
}

/** A pointer to buffer `p` as if it started `rows` rows of `bytesPerRow` earlier (i32 wrap-around). */
const shifted = (p: number, rows: number, bytesPerRow: number): number => (p - rows * bytesPerRow) | 0

/** Where the calling thread reads an exchange range from instead (its own inputs, never copied there). */
type Local = (offset: number, bytes: number) => Uint8Array | undefined

/** Runs `job` on the calling thread's instance, reading and writing `buffer` as a worker would. */
const runHere = (inst: Instance, job: Job, buffer: SharedArrayBuffer, local: Local, argument: string, value: unknown): void => {
  layout(inst, [job.need - inst.base], argument, value)
  const shared = new Uint8Array(buffer)
  for (const s of job.steps) {
    if (s[0] === "in") new Uint8Array(inst.memory.buffer).set(local(s[1], s[3]) ?? shared.subarray(s[1], s[1] + s[3]), s[2])
    else if (s[0] === "out") shared.set(new Uint8Array(inst.memory.buffer, s[1], s[3]), s[2])
    else Reflect.apply(Reflect.get(inst.x, s[1]) as (...a: Array<number>) => void, undefined, s[2])
  }
}

/** Job 0 here (with `local` inputs), the others on workers (from the exchange buffer). */
const runAll = (inst: Instance, jobs: ReadonlyArray<Job>, buffer: SharedArrayBuffer, local: Local, argument: string, value: unknown): void => {
  let first = true
  runParallel(buffer, jobs, (job) => {
    runHere(inst, job, buffer, first ? local : () => undefined, argument, value)
    first = false
  }, argument, value)
}

const bytesOf = (x: Float32Array, offset: number, bytes: number): Uint8Array => new Uint8Array(x.buffer, x.byteOffset + offset, bytes)

/** The forward kernel's arguments for θ at `theta`, output at `out`, rows r0 … r0 + n − 1. */
export type ForwardArgs = (theta: number, out: number, scratch: number, r0: number, n: number) => Array<number>

/**
 * The forward pass on `k` threads, θ (thetaRows × d) being loaded in `inst` at `loaded` (the
 * calling thread's part uses it there): a view of the exchange buffer holding the [rows, d]
 * output, valid until the next threaded call.
 */
export const forwardShared = (inst: Instance, loaded: number, shape: Shape, k: number, args: ForwardArgs, from = 0, to = shape.rows): Float32Array => {
  const { d, thetaRows: T, rows } = shape
  const samples = rows / T
  const outBytes = (to - from) * d * 4
  const buffer = exchange(outBytes + T * d * 4, "samples", samples)
  const parts = split(to - from, k).map(([p0, p1]) => [from + p0, from + p1] as const).map(([r0, r1]) => {
    // θ rows the part reads: a contiguous range when it covers fewer than all rows without wrapping.
    const full = r1 - r0 >= T || (r0 % T) + (r1 - r0) > T
    return { r0, r1, ta: full ? 0 : r0 % T, tb: full ? T : (r0 % T) + (r1 - r0) }
  })
  // The workers' θ rows, once, into the exchange buffer (after the output).
  const theirs = parts.slice(1)
  const ta = Math.min(T, ...theirs.map((p) => p.ta))
  const tb = Math.max(ta, ...theirs.map((p) => p.tb))
  new Float32Array(buffer, outBytes + ta * d * 4, (tb - ta) * d).set(new Float32Array(inst.memory.buffer, loaded + ta * d * 4, (tb - ta) * d))
  const jobs = parts.map(({ r0, r1, ta, tb }, i): Job => {
    const per = Math.min(r1 - r0, chunkRows(d))
    // The calling thread's part: θ is already at `loaded`, and its layout is forwardValues' own.
    const mine = i === 0
    const { at: [pT, pO, pS], end } = offsets(loaded, [(mine ? T : tb - ta) * d * 4, per * d * 4 + 16, scratchWords(d) * 4])
    const theta = mine ? pT! : shifted(pT!, ta, d * 4)
    const steps: Array<Step> = mine ? [] : [["in", outBytes + ta * d * 4, pT!, (tb - ta) * d * 4]]
    for (let c0 = r0; c0 < r1; c0 += per) {
      const n = Math.min(per, r1 - c0)
      steps.push(["call", "perturb_forward", args(theta, pO!, pS!, c0, n)], ["out", pO!, (c0 - from) * d * 4, n * d * 4])
    }
    return { need: end, steps }
  })
  runAll(inst, jobs, buffer, () => undefined, "samples", samples)
  return new Float32Array(buffer, 0, (to - from) * d)
}

/** The forward kernel's arguments for `shape`, the key, the law and τ (one-hot with `hard`). */
export const forwardArgs = (shape: Shape, key: Key.Key, law: KernelLaw, tau: number, hard: boolean): ForwardArgs => (theta, out, scratch, r0, n) =>
  [theta, shape.thetaRows, shape.d, out, r0, n, key.k0, key.k1, 0, law.id, law.p0, law.p1, tau, hard ? 1 : 0, scratch]

/**
 * The straight-through backward pass with fewer θ rows than threads (θ of [d] and many samples):
 * block by block of output rows, y is recomputed on `k` threads, then added up here in row
 * order from the same y the one-thread pass recomputes, so dθ is the same to the bit. Returns a
 * view of `inst`'s memory.
 */
export const recomputeShared = (inst: Instance, dy: () => Float32Array, source: Extract<Source, { theta: unknown }>, shape: Shape, tau: number, k: number): Float32Array => {
  const { d, thetaRows: T, rows } = shape
  const size = T * d
  const direct = rows === T
  const per = Math.min(rows, chunkRows(d))
  const [pT, pY, , pDy, pG32, pG64] = layout(inst, [size * 4, per * d * 4 + 16, scratchWords(d) * 4, per * d * 4, size * 4, direct ? 0 : size * 8], "samples", rows / T)
  new Float32Array(inst.memory.buffer, pT!, size).set(source.theta())
  if (!direct) inst.x.perturb_zero(pG64!, size)
  const args = forwardArgs(shape, source.key, source.law, tau, false)
  for (let r0 = 0; r0 < rows; r0 += per) {
    const n = Math.min(per, rows - r0)
    const y = forwardShared(inst, pT!, shape, Math.max(1, Math.min(k, threadsFor(n * d, n))), args, r0, r0 + n)
    new Float32Array(inst.memory.buffer, pY!, n * d).set(y)
    new Float32Array(inst.memory.buffer, pDy!, n * d).set(dy().subarray(r0 * d, (r0 + n) * d))
    inst.x.perturb_backward(pY!, pDy!, d, r0, n, T, tau, direct ? pG32! : 0, direct ? 0 : pG64!)
  }
  if (!direct) inst.x.perturb_narrow(pG32!, pG64!, size)
  return new Float32Array(inst.memory.buffer, pG32!, size)
}

/**
 * The backward pass on `k` threads (k ≤ thetaRows): dθ (thetaRows × d) as a view of the exchange
 * buffer, valid until the next threaded call. Only the workers' rows of the inputs are copied to
 * the exchange buffer; the calling thread reads its own from where they are.
 */
export const backwardShared = (inst: Instance, dy: () => Float32Array, source: Source, shape: Shape, tau: number, k: number): Float32Array => {
  const { d, thetaRows: T, rows } = shape
  const samples = rows / T
  const recompute = "theta" in source
  const gBytes = T * d * 4
  const inBytes = rows * d * 4
  const buffer = exchange(gBytes + inBytes + (recompute ? gBytes : inBytes), "samples", samples)
  const dyAt = gBytes
  const yAt = gBytes + inBytes
  const parts = split(T, k)
  const b0 = parts[0]![1]
  const dys = dy()
  const ys = recompute ? source.theta() : source.y()
  // Rows b0 … T − 1 of every sample (of θ, once, when y is recomputed).
  for (let s = 0; s < (recompute ? 1 : samples); s++) {
    const [r0, r1] = [s * T + b0, (s + 1) * T]
    new Float32Array(buffer, yAt + r0 * d * 4, (r1 - r0) * d).set(ys.subarray(r0 * d, r1 * d))
  }
  for (let s = 0; s < samples; s++) {
    const [r0, r1] = [s * T + b0, (s + 1) * T]
    new Float32Array(buffer, dyAt + r0 * d * 4, (r1 - r0) * d).set(dys.subarray(r0 * d, r1 * d))
  }
  const jobs = parts.map(([a, b]) => backwardJob(inst.base, shape, tau, source, a, b, dyAt, yAt))
  const local: Local = (offset, bytes) =>
    offset >= yAt ? bytesOf(ys, offset - yAt, bytes) : offset >= dyAt ? bytesOf(dys, offset - dyAt, bytes) : undefined
  runAll(inst, jobs, buffer, local, "samples", samples)
  return new Float32Array(buffer, 0, T * d)
}

/** The steps of θ rows [a, b): each sample's rows in turn, so each float64 sum runs in sample order. */
const backwardJob = (base: number, shape: Shape, tau: number, source: Source, a: number, b: number, dyAt: number, yAt: number): Job => {
  const { d, thetaRows: T, rows } = shape
  const n = b - a
  const direct = rows === T
  const per = Math.min(n, chunkRows(d))
  const { at: [pY, pDy, pG32, pG64, pTheta], end } = offsets(base, [
    "theta" in source ? (Math.max(BATCH, d) + 4) * 4 : per * d * 4,
    per * d * 4,
    n * d * 4,
    direct ? 0 : n * d * 8,
    "theta" in source ? n * d * 4 : 0,
    scratchWords(d) * 4
  ])
  const pScratch = end - Math.ceil((scratchWords(d) * 4) / 16) * 16
  const g32 = direct ? shifted(pG32!, a, d * 4) : 0
  const g64 = direct ? 0 : shifted(pG64!, a, d * 8)
  const steps: Array<Step> = []
  if ("theta" in source) steps.push(["in", yAt + a * d * 4, pTheta!, n * d * 4])
  if (!direct) steps.push(["call", "perturb_zero", [pG64!, n * d]])
  for (let s = 0; s < rows / T; s++) {
    for (let c0 = a; c0 < b; c0 += per) {
      const m = Math.min(per, b - c0)
      const R = s * T + c0
      steps.push(["in", dyAt + R * d * 4, pDy!, m * d * 4])
      if ("theta" in source) {
        const { key, law } = source
        const theta = shifted(pTheta!, a, d * 4)
        steps.push(["call", "perturb_backward_recompute", [theta, T, d, pDy!, R, m, key.k0, key.k1, 0, law.id, law.p0, law.p1, tau, pScratch, pY!, g32, g64]])
      } else {
        steps.push(["in", yAt + R * d * 4, pY!, m * d * 4], ["call", "perturb_backward", [pY!, pDy!, d, R, m, T, tau, g32, g64]])
      }
    }
  }
  if (!direct) steps.push(["call", "perturb_narrow", [pG32!, pG64!, n * d]])
  steps.push(["out", pG32!, a * d * 4, n * d * 4])
  return { need: end, steps }
}
