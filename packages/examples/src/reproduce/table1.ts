/**
 * Table 1 of the paper: fit Perturb-Softmax probabilities to four discrete targets by minimising
 * KL(p̂ ‖ target), Normal-Softmax against Gumbel-Softmax (docs/experiments.md has the protocol;
 * `protocol` below is printed beside every result so a reader can rerun it).
 */
import * as tf from "@tensorflow/tfjs"
import { compile, Model, Space } from "@perturb/core"
import { Key, Noise } from "@perturb/noise"
import { breather } from "./breathe.js"
import { type Target, targets } from "./targets.js"

export interface Table1Options {
  readonly seeds: number
  readonly steps: number
  readonly samples: number
  readonly finalSamples: number
  readonly temperature: number
  readonly learningRate: number
  readonly onProgress?: (done: number, total: number) => void
}

export const defaultTable1: Table1Options = {
  seeds: 10,
  steps: 200,
  samples: 1000,
  finalSamples: 100_000,
  temperature: 0.1,
  learningRate: 1e-2
}

export const protocol = (o: Table1Options) => ({
  experiment: "Table 1: approximating discrete distributions",
  targets: "Discrete [10,1,5,1,10,10,1,6,1,1]/46; Binomial(12, 0.3) k=0..11; Poisson(50) k=0..99; NegBinomial(50, 0.6) k=0..99 (not renormalised)",
  models: "Perturb-Softmax on θ ∈ ℝ^K with standard Normal noise vs standard Gumbel noise",
  temperature: o.temperature,
  initialisation: "θ = 0",
  objective: "KL(p̂ ‖ target), p̂ = mean of softmax((θ + γ)/τ) over the step's fresh noise",
  optimiser: `Adam, learning rate ${o.learningRate}, ${o.steps} steps, ${o.samples} noise samples per step`,
  seeds: o.seeds,
  reported: `final KL re-estimated with ${o.finalSamples} fresh samples, mean ± std over seeds; mean training curve`,
  keys: "seed s, target t, noise n: Key.fold(Key.fold(Key.fold(Key.make(1), s), t), n); step i uses Key.fold(key, i)"
})

export interface Fit {
  readonly target: string
  readonly noise: "Normal" | "Gumbel"
  readonly finalKL: ReadonlyArray<number>
  readonly curves: ReadonlyArray<ReadonlyArray<number>>
}

const klTo = (target: Float64Array, p: Float64Array): number => {
  let s = 0
  for (let i = 0; i < p.length; i++) if (p[i]! > 0) s += p[i]! * Math.log(p[i]! / target[i]!)
  return s
}

/** p̂ from many samples, summed in float64 chunk by chunk. */
const estimate = async (k: ReturnType<typeof compile>, theta: tf.Tensor, key: Key.Key, samples: number, breathe: () => Promise<void>): Promise<Float64Array> => {
  const d = theta.shape[0]!
  const acc = new Float64Array(d)
  const chunk = 10_000
  for (let s = 0, c = 0; s < samples; s += chunk, c++) {
    await breathe()
    const n = Math.min(chunk, samples - s)
    const sum = tf.tidy(() => tf.sum(k.sample(theta, { samples: n, key: Key.fold(key, c) }), 0))
    sum.dataSync().forEach((v, i) => (acc[i]! += v))
    sum.dispose()
  }
  return acc.map((v) => v / samples)
}

export const fitOne = async (
  target: Target,
  noiseName: "Normal" | "Gumbel",
  key: Key.Key,
  o: Table1Options,
  tick: () => void,
  breathe: () => Promise<void> = breather()
): Promise<{ finalKL: number; curve: Array<number> }> => {
  const K = target.pmf.length
  const noise = noiseName === "Normal" ? Noise.normal() : Noise.gumbel()
  const k = compile(Model.perturbSoftmax({ space: Space.reals(K), noise, temperature: o.temperature }))
  // tf.variable keeps its own reference to the data: tidy frees the initial zeros.
  const theta = tf.tidy(() => tf.variable(tf.zeros([K])))
  const logTarget = tf.tensor1d(Float32Array.from(target.pmf, Math.log))
  const optimizer = tf.train.adam(o.learningRate)
  const curve: Array<number> = []
  for (let step = 0; step < o.steps; step++) {
    await breathe()
    const loss = optimizer.minimize(() => {
      const p = tf.mean(k.sample(theta, { samples: o.samples, key: Key.fold(key, step) }), 0)
      return tf.sum(tf.mul(p, tf.sub(tf.log(tf.maximum(p, 1e-30)), logTarget))) as tf.Scalar
    }, true)!
    curve.push(loss.dataSync()[0]!)
    loss.dispose()
    tick()
  }
  const finalKL = klTo(target.pmf, await estimate(k, theta, Key.fold(key, 0x7fffffff), o.finalSamples, breathe))
  tf.dispose([theta, logTarget])
  optimizer.dispose()
  return { finalKL, curve }
}

/** Yields to the event loop every ~50 ms of training (a Ctrl-C is seen promptly); the numbers are unchanged. */
export const runTable1 = async (o: Table1Options): Promise<Array<Fit>> => {
  const fits: Array<Fit> = []
  const total = targets.length * 2 * o.seeds * o.steps
  let done = 0
  const tick = () => o.onProgress?.(++done, total)
  const breathe = breather()
  for (const [t, target] of targets.entries()) {
    for (const [n, noise] of (["Normal", "Gumbel"] as const).entries()) {
      const finalKL: Array<number> = []
      const curves: Array<Array<number>> = []
      for (let s = 0; s < o.seeds; s++) {
        const key = Key.fold(Key.fold(Key.fold(Key.make(1), s), t), n)
        const r = await fitOne(target, noise, key, o, tick, breathe)
        finalKL.push(r.finalKL)
        curves.push(r.curve)
      }
      fits.push({ target: target.name, noise, finalKL, curves })
    }
  }
  return fits
}

export const meanStd = (xs: ReadonlyArray<number>): [number, number] => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length
  const v = xs.length > 1 ? xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1) : 0
  return [m, Math.sqrt(v)]
}

export const table1Rows = (fits: ReadonlyArray<Fit>) =>
  targets.map((target) => {
    const normal = fits.find((f) => f.target === target.name && f.noise === "Normal")!
    const gumbel = fits.find((f) => f.target === target.name && f.noise === "Gumbel")!
    return {
      target: target.name,
      normal: meanStd(normal.finalKL),
      gumbel: meanStd(gumbel.finalKL),
      paperNormal: target.paper.normal,
      paperGumbel: target.paper.gumbel
    }
  })

export const meanCurve = (curves: ReadonlyArray<ReadonlyArray<number>>): Array<number> =>
  curves[0]!.map((_, i) => curves.reduce((s, c) => s + c[i]!, 0) / curves.length)
