/**
 * Issue #6 goal: a categorical-VAE training step (784-512-256-20×10, batch 100, Adam, τ = 1) at
 * ≤ 1/6 of the same step with plain tfjs layers (`tf.add(tf.matMul(x, W), b)`, default gradients),
 * both on tfjs-wasm, timed alternately in one run. Writes bench/results/examples.json.
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { Key, Random } from "@perturb/noise"
import { mkdirSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { createVae, defaultVae, type LayerKind } from "../src/reproduce/vae.js"

const median = (xs: ReadonlyArray<number>): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!

const main = async (): Promise<void> => {
  await tf.setBackend("wasm")
  tf.enableProdMode()
  const batch = defaultVae.batch
  const u = Random.uniform32(Key.make(1), batch * 784)
  const x = tf.tensor2d(Float32Array.from(u, (v) => (v < 0.13 ? 1 : 0)), [batch, 784])
  const goals: Array<Record<string, unknown>> = []
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
      goal: `VAE training step, ${noise}-Softmax, batch ${batch}, wasm`,
      figure: ours,
      baselineName: "plain tfjs-wasm layers (tf.matMul, default gradients)",
      baseline: plain,
      unit: "ms",
      ratio: plain / ours,
      target: "ratio ≥ 6",
      met: plain / ours >= 6,
      detail: { steps }
    })
    vaes.dense.dispose()
    vaes.plain.dispose()
  }
  x.dispose()
  console.log("| goal | ours (ms) | plain layers (ms) | ratio |")
  console.log("|---|---:|---:|---:|")
  for (const g of goals) console.log(`| ${g.goal} | ${(g.figure as number).toFixed(1)} | ${(g.baseline as number).toFixed(1)} | ${(g.ratio as number).toFixed(2)} |`)
  const root = join(dirname(fileURLToPath(import.meta.url)), "../../../..")
  const file = join(root, "bench/results/examples.json")
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, goals }, null, 2))
  console.log(`wrote ${file}`)
}

await main()
