/**
 * The fused Adam against tf.train.adam on the categorical VAE's parameter shapes (issue #6:
 * 784-512-256-200-256-512-784, 1.17M parameters in 12 variables), one `applyGradients` each,
 * alternated in one run on the chosen backend (default wasm), medians of 40 steps after 5 warm-up
 * steps. Run: `pnpm build && node packages/core/dist/bench/adam.js [wasm|cpu]`.
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { adam } from "../src/index.js"

const median = (xs: ReadonlyArray<number>): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!

const SIZES = [784, 512, 256, 200, 256, 512, 784]
const SHAPES = SIZES.slice(1).flatMap((out, i) => [[SIZES[i]!, out], [out]])

const main = async (): Promise<void> => {
  await tf.setBackend(process.argv[2] ?? "wasm")
  tf.enableProdMode()
  const make = () => SHAPES.map((s) => tf.variable(tf.randomNormal(s, 0, 0.05, "float32", 1)))
  const sets = { fused: make(), tfjs: make() }
  const grads = SHAPES.map((s, i) => tf.randomNormal(s, 0, 1e-2, "float32", 2 + i))
  const optimizers = { fused: adam(1e-3), tfjs: tf.train.adam(1e-3) }
  const times: Record<"fused" | "tfjs", Array<number>> = { fused: [], tfjs: [] }
  for (let step = -5; step < 40; step++) {
    for (const kind of ["tfjs", "fused"] as const) {
      const list = sets[kind].map((v, i) => ({ name: v.name, tensor: grads[i]! }))
      const t0 = performance.now()
      // The cpu and wasm backends run ops synchronously: the step is done when this returns.
      optimizers[kind].applyGradients(list)
      if (step >= 0) times[kind].push(performance.now() - t0)
    }
  }
  const n = SHAPES.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0)
  const [f, t] = [median(times.fused), median(times.tfjs)]
  console.log(`backend ${tf.getBackend()}, ${n} parameters in ${SHAPES.length} variables`)
  console.log(`| optimizer step | median (ms) |\n|---|---:|\n| tf.train.adam | ${t.toFixed(2)} |\n| fused adam | ${f.toFixed(2)} |\n| ratio | ${(t / f).toFixed(2)} |`)
  optimizers.fused.dispose()
  optimizers.tfjs.dispose()
  tf.dispose([...sets.fused, ...sets.tfjs, ...grads])
}

await main()
