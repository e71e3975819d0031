/**
 * Sampler throughput: uniforms, Gumbel and Normal per second, into a Float32Array and into a tfjs
 * tensor, beside a plain hand-written JS loop (Math.random-based) as the reference. Prints a table
 * and writes bench/results/noise-samplers.json at the repository root.
 */
import * as tf from "@tensorflow/tfjs-core"
import "@tensorflow/tfjs-backend-cpu"
import { mkdirSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { Key, Noise, Random } from "../src/index.js"
import { noiseTensor, uniformTensor } from "../src/tfjs.js"

const N = 1 << 20
const REPEATS = 7

/** Median of REPEATS timings in milliseconds, after one warm-up call. */
const time = (f: () => unknown): number => {
  f()
  const ts: Array<number> = []
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now()
    f()
    ts.push(performance.now() - t0)
  }
  ts.sort((a, b) => a - b)
  return ts[REPEATS >> 1]!
}

const plainUniform = (): Float32Array => {
  const out = new Float32Array(N)
  for (let i = 0; i < N; i++) out[i] = Math.random()
  return out
}
const plainGumbel = (): Float32Array => {
  const out = new Float32Array(N)
  for (let i = 0; i < N; i++) out[i] = -Math.log(-Math.log(Math.random()))
  return out
}
const plainNormal = (): Float32Array => {
  // Box–Muller, the textbook loop a user would write by hand.
  const out = new Float32Array(N)
  for (let i = 0; i < N; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - Math.random()))
    const t = 2 * Math.PI * Math.random()
    out[i] = r * Math.cos(t)
    out[i + 1] = r * Math.sin(t)
  }
  return out
}

const main = async (): Promise<void> => {
  await tf.setBackend("cpu")
  const key = Key.make(2026)
  const gumbel = Noise.gumbel()
  const normal = Noise.normal()
  const rows: Array<{ what: string; ours: number; plain: number }> = []
  const add = (what: string, ours: () => unknown, plain: () => unknown) => {
    rows.push({ what, ours: time(ours), plain: time(plain) })
  }
  const disposing = (f: () => tf.Tensor) => () => f().dispose()
  add("uniform → Float32Array", () => Random.uniform32(key, N), plainUniform)
  add("gumbel → Float32Array", () => Noise.sample32(gumbel, key, N), plainGumbel)
  add("normal → Float32Array", () => Noise.sample32(normal, key, N), plainNormal)
  add("uniform → tf.Tensor", disposing(() => uniformTensor(key, [N / 1024, 1024])), disposing(() => tf.tensor1d(plainUniform())))
  add("gumbel → tf.Tensor", disposing(() => noiseTensor(gumbel, key, [N / 1024, 1024])), disposing(() => tf.tensor1d(plainGumbel())))
  add("normal → tf.Tensor", disposing(() => noiseTensor(normal, key, [N / 1024, 1024])), disposing(() => tf.tensor1d(plainNormal())))

  const perSec = (ms: number) => (N / (ms / 1000) / 1e6).toFixed(1)
  console.log(`@perturb/noise samplers, ${N} draws, median of ${REPEATS} (Node ${process.version})`)
  console.log("| sampler | ours (M/s) | plain JS loop (M/s) | ours / plain |")
  console.log("|---|---:|---:|---:|")
  for (const r of rows) {
    console.log(`| ${r.what} | ${perSec(r.ours)} | ${perSec(r.plain)} | ${(r.plain / r.ours).toFixed(2)} |`)
  }
  const root = join(dirname(fileURLToPath(import.meta.url)), "../../../..")
  const out = join(root, "bench/results/noise-samplers.json")
  mkdirSync(dirname(out), { recursive: true })
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, draws: N, rows }, null, 2))
  console.log(`wrote ${out}`)
}

void main()
