/**
 * Kernel benchmarks (issue #3): Perturb-Softmax sampling with Gumbel noise on the cpu and wasm
 * backends, forward and forward + backward, beside a hand-fused JS loop over the same noise; exact
 * Gaussian-Argmax probabilities (time and error against an independent finer quadrature); and
 * `identify` for d = 10, 100, 1000. Prints tables and writes bench/results/core-kernels.json.
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { mkdirSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { Key, Noise } from "@perturb/noise"
import { compile, Model, Space } from "../src/index.js"
import { argmaxIndependent } from "../src/internal/argmax.js"

const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
const timeit = async (f: () => Promise<void> | void, repeats: number): Promise<number> => {
  await f()
  const ts: Array<number> = []
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now()
    await f()
    ts.push(performance.now() - t0)
  }
  return median(ts)
}

const TAU = 0.5

/** The hand-fused reference: one pass for noise + tempered softmax, one for its backward. */
const fused = (theta: Float32Array, gumbel: Float32Array, n: number, d: number, backward: boolean): Float32Array => {
  const y = new Float32Array(n * d)
  for (let i = 0; i < n; i++) {
    const o = i * d
    let max = -Infinity
    for (let j = 0; j < d; j++) {
      const z = (theta[o + j]! + gumbel[o + j]!) / TAU
      y[o + j] = z
      if (z > max) max = z
    }
    let s = 0
    for (let j = 0; j < d; j++) s += y[o + j] = Math.exp(y[o + j]! - max)
    for (let j = 0; j < d; j++) y[o + j]! /= s
  }
  if (!backward) return y
  // Gradient of Σ w·y with weights w = 1..d: dθ = y ∘ (w − ⟨w, y⟩)/τ.
  const g = new Float32Array(n * d)
  for (let i = 0; i < n; i++) {
    const o = i * d
    let wy = 0
    for (let j = 0; j < d; j++) wy += (j + 1) * y[o + j]!
    for (let j = 0; j < d; j++) g[o + j] = (y[o + j]! * (j + 1 - wy)) / TAU
  }
  return g
}

const main = async (): Promise<void> => {
  const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version }
  const shapes: Array<[number, number]> = [[1024, 10], [256, 1000], [16384, 1000]]
  const kernelRows: Array<Record<string, unknown>> = []
  for (const backend of ["wasm", "cpu"]) {
    await tf.setBackend(backend)
    for (const [n, d] of shapes) {
      const k = compile(Model.perturbSoftmax({ space: Space.reals(d), noise: Noise.gumbel(), temperature: TAU }))
      const theta = tf.randomNormal([n, d]) as tf.Tensor2D
      const weights = tf.range(1, d + 1)
      const key = Key.make(1)
      const repeats = n * d > 1e6 ? (backend === "cpu" ? 1 : 3) : 10
      const fwd = await timeit(async () => {
        const y = k.sample(theta, { samples: 1, key })
        await y.data()
        y.dispose()
      }, repeats)
      const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(k.sample(t, { samples: 1, key }), weights)))
      const both = await timeit(async () => {
        const g = grad(theta)
        await g.data()
        g.dispose()
      }, repeats)
      const th = theta.dataSync() as Float32Array
      const gumbel = Noise.sample32(Noise.gumbel(), key, n * d)
      const jsF = await timeit(() => void fused(th, Noise.sample32(Noise.gumbel(), key, n * d), n, d, false), repeats)
      const jsB = await timeit(() => void fused(th, gumbel.map((x) => x), n, d, true), repeats)
      kernelRows.push({ backend, shape: [n, d], forwardMs: fwd, forwardBackwardMs: both, fusedJsForwardMs: jsF, fusedJsBackwardMs: jsB })
      tf.dispose([theta, weights])
    }
  }
  results.kernels = kernelRows
  console.log("Perturb-Softmax sample (Gumbel noise drawn from the key, τ = 0.5), median ms")
  console.log("| backend | shape | forward | fwd + bwd | fused JS: noise + fwd | fused JS: fwd + bwd (noise given) |")
  console.log("|---|---|---:|---:|---:|---:|")
  for (const r of kernelRows) {
    const f = (x: unknown) => (x as number).toFixed(1)
    console.log(`| ${r.backend} | [${(r.shape as Array<number>).join(", ")}] | ${f(r.forwardMs)} | ${f(r.forwardBackwardMs)} | ${f(r.fusedJsForwardMs)} | ${f(r.fusedJsBackwardMs)} |`)
  }

  await tf.setBackend("wasm")
  const exactRows: Array<Record<string, unknown>> = []
  const identifyRows: Array<Record<string, unknown>> = []
  for (const d of [10, 100, 1000]) {
    const laws = new Array(d).fill(Noise.normal())
    const theta = Float64Array.from(Noise.sample(Noise.normal(), Key.make(d), d))
    let probs: Float64Array = new Float64Array(d)
    const ms = await timeit(() => void (probs = argmaxIndependent(theta, laws).probs), 5)
    // Error against the same adaptive quadrature run to a 1000× tighter tolerance.
    const fine = argmaxIndependent(theta, laws, { tolerance: 1e-14 }).probs
    let err = 0
    for (let i = 0; i < d; i++) err = Math.max(err, Math.abs(fine[i]! - probs[i]!))
    exactRows.push({ d, ms, maxAbsErrorVsRefined: err, sumMinusOne: probs.reduce((s, x) => s + x, 0) - 1 })
    const k = compile(Model.perturbArgmax({ space: Space.zeroSum(d), noise: Noise.normal() }))
    const p = probs
    let out = { residual: NaN, iterations: 0 }
    const idMs = await timeit(() => void (out = k.identify(p, { tol: 1e-8 })), 1)
    identifyRows.push({ d, ms: idMs, residual: out.residual, iterations: out.iterations })
  }
  results.exactGaussianArgmax = exactRows
  results.identify = identifyRows
  console.log("\nExact Gaussian-Argmax probabilities (1-D quadrature, float64)")
  console.log("| d | ms | max |error| vs tolerance 1e-14 | Σp − 1 |")
  console.log("|---:|---:|---:|---:|")
  for (const r of exactRows) console.log(`| ${r.d} | ${(r.ms as number).toFixed(2)} | ${(r.maxAbsErrorVsRefined as number).toExponential(1)} | ${(r.sumMinusOne as number).toExponential(1)} |`)
  console.log("\nidentify (Gaussian-Argmax on the zero-sum space, Newton-CG, tol 1e-8)")
  console.log("| d | ms | residual ‖P(θ) − p‖₁ | Newton steps |")
  console.log("|---:|---:|---:|---:|")
  for (const r of identifyRows) console.log(`| ${r.d} | ${(r.ms as number).toFixed(1)} | ${(r.residual as number).toExponential(1)} | ${r.iterations} |`)

  const root = join(dirname(fileURLToPath(import.meta.url)), "../../../..")
  const file = join(root, "bench/results/core-kernels.json")
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, JSON.stringify(results, null, 2))
  console.log(`\nwrote ${file}`)
}

await main()
