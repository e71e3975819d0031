/**
 * Issue #6, first goal: Perturb-Softmax sample + gradient on the wasm backend, ours (the fused
 * WebAssembly kernel behind `compile(model).sample`) against what a tfjs user writes with
 * tfjs-wasm's composed ops, `softmax((θ − log(−log U))/τ)` with `tf.randomUniform`. Both are timed
 * in the same run, alternating call by call so that the load of a shared machine hits both alike.
 * Target: ratio ≥ 2 at [16384, 1000] and [256, 1000] on one thread (#6), ≥ 3 with every core
 * (#16: a row per thread count, each against the baseline of the same run), ≥ 1 (no slower) at
 * [1024, 10].
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { Key, Noise } from "@perturb/noise"
import { compile, Model, Space, Threads } from "../src/index.js"
import { type GoalRow, median } from "./goal.js"

const TAU = 0.5
/** Keeps log(U) finite: tf.randomUniform draws from [min, 1). */
const TINY = 1e-20

const SHAPES: ReadonlyArray<readonly [number, number, number]> = [
  // rows, d, timed repeats
  [16384, 1000, 7],
  [256, 1000, 41],
  [1024, 10, 101]
]

/** Threads each of our rows uses: one, and every core (2 on the 2-core machine). */
const threadCounts = (): Array<number> => {
  Threads.set("auto")
  return [...new Set([1, 2, Threads.get()])].sort((a, b) => a - b)
}

const SPIN = "let x = 0; for (let i = 0; i < 2e7; i++) x = (x * 1.0000001 + i) % 1e9; return x"

/**
 * A control for the thread rows: pure arithmetic on the calling thread alone, then on it and a
 * worker at once; 2·alone/together is how many cores the run could actually use (2 when a second
 * core is free; near 1 when other processes hold it, and then no thread count can gain).
 */
const usableCores = async (): Promise<number> => {
  const { Worker } = await import("node:worker_threads")
  const spin = new Function(SPIN) as () => number
  const done = new Int32Array(new SharedArrayBuffer(4))
  const code = `const { parentPort } = require("node:worker_threads"); const f = new Function(${JSON.stringify(SPIN)}); parentPort.on("message", (c) => { f(); Atomics.add(c, 0, 1); Atomics.notify(c, 0) })`
  const w = new Worker(code, { eval: true })
  const time = (both: boolean): number => {
    const t0 = performance.now()
    const before = Atomics.load(done, 0)
    if (both) w.postMessage(done)
    spin()
    if (both) while (Atomics.load(done, 0) === before) Atomics.wait(done, 0, before)
    return performance.now() - t0
  }
  time(true)
  const alone = median(Array.from({ length: 5 }, () => time(false)))
  const together = median(Array.from({ length: 5 }, () => time(true)))
  await w.terminate()
  return (2 * alone) / together
}

/** Median ms of each of the timed calls, interleaved, after one warm-up call of each. */
const interleaved = async (fs: ReadonlyArray<() => Promise<void>>, repeats: number): Promise<Array<number>> => {
  for (const f of fs) await f()
  const times = fs.map(() => [] as Array<number>)
  for (let r = 0; r < repeats; r++) {
    for (let i = 0; i < fs.length; i++) {
      const t0 = performance.now()
      await fs[i]!()
      times[i]!.push(performance.now() - t0)
    }
  }
  return times.map(median)
}

/** `f` with the fused kernels on `threads` threads. */
const on = (threads: number, f: () => Promise<void>) => async () => {
  Threads.set(threads)
  await f()
}

/**
 * @since 0.1.0
 * @category kernels
 */
export const fusedGoals = async (): Promise<Array<GoalRow>> => {
  // Undefined (despite its type) before any backend has been initialised.
  const previous: string | undefined = tf.getBackend()
  await tf.setBackend("wasm")
  await tf.ready()
  const rows: Array<GoalRow> = []
  const cores = await usableCores()
  for (const [n, d, repeats] of SHAPES) {
    const k = compile(Model.perturbSoftmax({ space: Space.reals(d), noise: Noise.gumbel(), temperature: TAU }))
    const theta = tf.tensor2d(Noise.sample32(Noise.normal(), Key.make(n + d), n * d), [n, d])
    const w = tf.range(1, d + 1)
    const key = Key.make(1)
    const ours = (t: tf.Tensor) => k.sample(t, { samples: 1, key })
    const baseline = (t: tf.Tensor) => tf.softmax(tf.div(tf.add(t, tf.neg(tf.log(tf.neg(tf.log(tf.randomUniform(t.shape, TINY, 1)))))), TAU))
    const loss = (f: (t: tf.Tensor) => tf.Tensor) => (t: tf.Tensor) => tf.sum(tf.mul(f(t), w))
    const forward = (f: (t: tf.Tensor) => tf.Tensor) => async () => {
      const y = tf.tidy(() => f(theta))
      await y.data()
      y.dispose()
    }
    const both = (f: (t: tf.Tensor) => tf.Tensor) => {
      const grad = tf.grad(loss(f))
      return async () => {
        const g = grad(theta)
        await g.data()
        g.dispose()
      }
    }
    const counts = threadCounts()
    // Ours on each thread count and the baseline, interleaved call by call in the same run.
    const calls = counts.flatMap((c) => [on(c, both(ours)), on(c, forward(ours))])
    const times = await interleaved([...calls, both(baseline), forward(baseline)], repeats)
    const [baseBoth, baseFwd] = times.slice(-2) as [number, number]
    counts.forEach((threads, i) => {
      const [oursBoth, oursFwd] = [times[2 * i]!, times[2 * i + 1]!]
      const ratio = baseBoth / oursBoth
      // Issue #6 asked ≥ 2 on one thread; issue #16 asks ≥ 3 with every core.
      const need = n * d >= 256_000 ? (threads > 1 ? 3 : 2) : 1
      rows.push({
        goal: `Perturb-Softmax sample + gradient (Gumbel, τ = ${TAU}), wasm, [${n}, ${d}], ${threads} thread${threads > 1 ? "s" : ""}`,
        figure: oursBoth,
        baselineName: "tfjs-wasm composed ops (one thread)",
        baseline: baseBoth,
        unit: "ms",
        ratio,
        target: `ratio ≥ ${need}`,
        met: ratio >= need,
        detail: { threads, usableCores: cores, forwardMs: oursFwd, baselineForwardMs: baseFwd, forwardRatio: baseFwd / oursFwd, repeats, samples: 1 }
      })
    })
    tf.dispose([theta, w])
  }
  Threads.set("auto")
  if (previous !== undefined && previous !== "wasm") await tf.setBackend(previous)
  return rows
}
