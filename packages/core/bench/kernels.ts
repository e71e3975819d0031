/**
 * `pnpm bench` for @perturb/core: the issue-#6 goal rows, each a figure of ours beside its
 * baseline measured in the same run —
 * - fused Perturb-Softmax sample + gradient against tfjs-wasm composed ops (fused.ts);
 * - exact Normal-Argmax probabilities + JVP, and `identify`, against the adaptive quadrature
 *   path (exact.ts);
 * - Perturb-Softmax probabilities: RMSE of the stratified estimator against plain Monte Carlo
 *   (qmc.ts);
 * - perturbed ranks (issue #14), d = 100, forward + backward: QMC against plain Monte Carlo at
 *   equal time (perturbed.ts).
 * Prints a table per group and writes bench/results/core-kernels.json; scripts/bench-summary.mjs
 * gathers every package's rows into bench/results/latest.json.
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { mkdirSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { exactGoals } from "./exact.js"
import { fusedGoals } from "./fused.js"
import type { GoalRow } from "./goal.js"
import { perturbedGoals } from "./perturbed.js"
import { qmcGoals } from "./qmc.js"

const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 0.1 ? x.toFixed(2) : x.toExponential(2))

const print = (title: string, rows: ReadonlyArray<GoalRow>): void => {
  console.log(`\n${title}`)
  console.log("| goal | ours | baseline | ratio | target | met |")
  console.log("|---|---:|---:|---:|---|---|")
  for (const r of rows) {
    console.log(`| ${r.goal} | ${fmt(r.figure)} ${r.unit} | ${fmt(r.baseline)} ${r.unit} | ${r.ratio.toFixed(2)} | ${r.target} | ${r.met ? "yes" : "**no**"} |`)
  }
}

const main = async (): Promise<void> => {
  await tf.setBackend("wasm")
  tf.enableProdMode()
  // The fused sampler last: its large shapes leave tfjs-wasm's heap (and V8's) large and busy.
  const groups: Array<[string, () => Promise<Array<GoalRow>>]> = [
    ["Exact Normal-Argmax (float64), median ms; baseline: adaptive Gauss–Kronrod path", exactGoals],
    ["Perturb-Softmax probabilities, d = 10, 4096 samples: RMSE over 30 keys; baseline: plain Monte Carlo", qmcGoals],
    ["Perturbed ranks, d = 100, forward + backward: RMSE over 20 keys, QMC (1000 samples) vs plain Monte Carlo at equal time", perturbedGoals],
    ["Fused Perturb-Softmax sample + gradient (Gumbel, τ = 0.5, wasm), median ms; baseline: tfjs-wasm composed ops", fusedGoals]
  ]
  const goals: Array<GoalRow> = []
  for (const [title, run] of groups) {
    const rows = await run()
    print(title, rows)
    goals.push(...rows)
  }
  const root = join(dirname(fileURLToPath(import.meta.url)), "../../../..")
  const file = join(root, "bench/results/core-kernels.json")
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, goals }, null, 2))
  console.log(`\nwrote ${file}`)
}

await main()
