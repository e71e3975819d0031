/**
 * Issue #16 goal: a categorical-VAE training step (784-512-256-20×10, batch 100, Adam, τ = 1) at
 * ≤ 1/10 of the same step with plain tfjs layers (`tf.add(tf.matMul(x, W), b)`, default gradients),
 * both on tfjs-wasm, timed alternately in one run; a row per thread count (1: tfjs-wasm's default
 * one-thread build; more: its threaded build through `useWasmThreads`, which both sides then use).
 * tfjs-wasm is initialised once per process, so each thread count runs in a child process of this
 * script. Writes bench/results/examples.json.
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { useWasmThreads } from "@perturb/core"
import { Key, Random } from "@perturb/noise"
import { execFileSync } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import { availableParallelism } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { createVae, defaultVae, type LayerKind } from "../src/reproduce/vae.js"

const median = (xs: ReadonlyArray<number>): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
const TARGET = 10
const THREADS_ENV = "PERTURB_BENCH_THREADS"

type Goal = Record<string, unknown> & { goal: string; figure: number; baseline: number; ratio: number }

/** One thread count, in this process: both noises, ours and plain alternating step by step. */
const measure = async (threads: number): Promise<Array<Goal>> => {
  if (threads > 1) useWasmThreads({ threads })
  await tf.setBackend("wasm")
  tf.enableProdMode()
  const batch = defaultVae.batch
  const u = Random.uniform32(Key.make(1), batch * 784)
  const x = tf.tensor2d(Float32Array.from(u, (v) => (v < 0.13 ? 1 : 0)), [batch, 784])
  const goals: Array<Goal> = []
  for (const noise of ["Gumbel", "Normal"] as const) {
    const vaes = Object.fromEntries((["dense", "plain"] as const).map((kind) => [kind, createVae(noise, Key.make(2), defaultVae, kind)])) as Record<LayerKind, ReturnType<typeof createVae>>
    const times: Record<LayerKind, Array<number>> = { dense: [], plain: [] }
    const steps = 12
    for (let s = -2; s < steps; s++) {
      // Alternate the two so that load on the shared machine hits both alike.
      for (const kind of ["plain", "dense"] as const) {
        const t0 = performance.now()
        vaes[kind].step(x, Key.fold(Key.make(3), s + 2))
        if (s >= 0) times[kind].push(performance.now() - t0)
      }
    }
    const ours = median(times.dense)
    const plain = median(times.plain)
    goals.push({
      goal: `VAE training step, ${noise}-Softmax, batch ${batch}, wasm, ${threads} thread${threads > 1 ? "s" : ""}`,
      figure: ours,
      baselineName: `plain tfjs-wasm layers (tf.matMul, default gradients), ${threads} thread${threads > 1 ? "s" : ""}`,
      baseline: plain,
      unit: "ms",
      ratio: plain / ours,
      target: `ratio ≥ ${TARGET}`,
      met: plain / ours >= TARGET,
      detail: { steps, threads }
    })
    vaes.dense.dispose()
    vaes.plain.dispose()
  }
  x.dispose()
  return goals
}

const main = async (): Promise<void> => {
  const child = process.env[THREADS_ENV]
  if (child !== undefined) {
    console.log(JSON.stringify(await measure(Number(child))))
    return
  }
  const counts = [...new Set([1, Math.min(8, availableParallelism())])]
  const goals = counts.flatMap((threads) => {
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url)], { env: { ...process.env, [THREADS_ENV]: String(threads) }, encoding: "utf8" })
    return JSON.parse(out.trim().split("\n").at(-1)!) as Array<Goal>
  })
  console.log("| goal | ours (ms) | plain layers (ms) | ratio |")
  console.log("|---|---:|---:|---:|")
  for (const g of goals) console.log(`| ${g.goal} | ${g.figure.toFixed(1)} | ${g.baseline.toFixed(1)} | ${g.ratio.toFixed(2)} |`)
  const root = join(dirname(fileURLToPath(import.meta.url)), "../../../..")
  const file = join(root, "bench/results/examples.json")
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, goals }, null, 2))
  console.log(`wrote ${file}`)
}

await main()
