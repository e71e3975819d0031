/**
 * Issue #14 row: perturbed ranks at d = 100 with standard Normal noise (σ = 1), 1000 samples, one
 * forward + backward call of the tfjs op (θ [1, 100], a fixed cotangent v). Plain Monte Carlo
 * against quasi-Monte Carlo at EQUAL TIME: QMC runs 1000 samples; MC gets the sample count whose
 * measured time matches (MC is cheaper per sample), re-timed to confirm. Error: RMSE over
 * independent keys of the forward value E[rank] and of the backward value Jᵀv, against the exact
 * Gaussian pairwise closed form E[rank_i] = 1 + Σ_{j≠i} Φ((θ_i − θ_j)/(σ√2)) and its derivative
 * (independent of the op's own exact method). Run alone: `node packages/core/dist/bench/perturbed.js`.
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { fileURLToPath } from "node:url"
import { Key, Noise } from "@perturb/noise"
import { perturbed, Solver } from "../src/index.js"
import { type GoalRow, timeit } from "./goal.js"

const D = 100
const SAMPLES = 1000
const SIGMA = 1
const REPEATS = 20
// Medians of this many calls: one call takes tens of ms, and the machine is shared.
const TIMING_REPEATS = 40

const thetaRow = Float64Array.from({ length: D }, (_, i) => 2 * Math.sin(0.7 * i))
const cotangent = Float64Array.from({ length: D }, (_, i) => Math.cos(1.1 * i))

/** The exact E[rank] and Jᵀv for i.i.d. N(0, σ²) perturbations: pairwise Φ terms. */
export const exactRanksNormal = (theta: Float64Array, sigma: number, v: Float64Array): { mean: Float64Array; vjp: Float64Array } => {
  const law = Noise.normal()
  const d = theta.length
  const s = sigma * Math.SQRT2
  const mean = new Float64Array(d).fill(1)
  const vjp = new Float64Array(d)
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      if (i === j) continue
      const z = (theta[i]! - theta[j]!) / s
      mean[i] = mean[i]! + law.cdf(z)
      // ∂/∂θ_i and ∂/∂θ_j of Φ(z): ± φ(z)/s, weighted by the cotangent of output i
      const g = (Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI) / s) * v[i]!
      vjp[i] = vjp[i]! + g
      vjp[j] = vjp[j]! - g
    }
  }
  return { mean, vjp }
}

const rmse = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0
  for (let i = 0; i < b.length; i++) s += (a[i]! - b[i]!) ** 2
  return Math.sqrt(s / b.length)
}

type Method = "mc" | "qmc"

/** One forward + backward call: value and Jᵀv. */
const forwardBackward = (method: Method, samples: number, key: Key.Key) => {
  const op = perturbed(Solver.ranks(D), { noise: Noise.normal(), sigma: SIGMA, samples, key, method })
  const theta = tf.tensor2d(Float32Array.from(thetaRow), [1, D])
  const v = tf.tensor2d(Float32Array.from(cotangent), [1, D])
  return () => {
    let value: tf.Tensor | undefined
    const grad = tf.grad((t: tf.Tensor) => {
      // One op call for both passes: the forward value is kept out of grad's scope.
      value = tf.keep(op(t))
      return tf.sum(tf.mul(value, v)) as tf.Scalar
    })(theta)
    if (value === undefined) throw new Error("the op was not called")
    const out = { mean: value.dataSync() as Float32Array, vjp: grad.dataSync() as Float32Array }
    tf.dispose([value, grad])
    return out
  }
}

/** Median ms per forward + backward call. */
const timePerCall = async (method: Method, samples: number, repeats: number): Promise<number> => {
  const call = forwardBackward(method, samples, Key.make(99))
  return timeit(() => void call(), repeats)
}

const errors = (method: Method, samples: number, repeats: number, exact: { mean: Float64Array; vjp: Float64Array }) => {
  let forward = 0
  let backward = 0
  for (let r = 0; r < repeats; r++) {
    const out = forwardBackward(method, samples, Key.make(r + 1))()
    forward += rmse(out.mean, exact.mean) ** 2
    backward += rmse(out.vjp, exact.vjp) ** 2
  }
  return { forward: Math.sqrt(forward / repeats), backward: Math.sqrt(backward / repeats) }
}

export const perturbedGoals = async (options: { repeats?: number } = {}): Promise<Array<GoalRow>> => {
  const repeats = options.repeats ?? REPEATS
  const exact = exactRanksNormal(thetaRow, SIGMA, cotangent)
  const msQmc = await timePerCall("qmc", SAMPLES, TIMING_REPEATS)
  const msMc1000 = await timePerCall("mc", SAMPLES, TIMING_REPEATS)
  const mcSamples = Math.max(1, Math.round((SAMPLES * msQmc) / msMc1000))
  const msMc = await timePerCall("mc", mcSamples, TIMING_REPEATS)
  const qmc = errors("qmc", SAMPLES, repeats, exact)
  const mc = errors("mc", mcSamples, repeats, exact)
  const detail = { msQmc, msMc, msMc1000, qmcSamples: SAMPLES, mcSamples, repeats, d: D, sigma: SIGMA }
  return (["forward", "backward"] as const).map((part) => ({
    goal: `Perturbed ranks, d = ${D}, Normal σ = ${SIGMA}, ${SAMPLES} QMC samples, forward + backward: ${part === "forward" ? "E[rank]" : "Jᵀv"} RMSE at equal time`,
    figure: qmc[part],
    baselineName: `plain Monte Carlo, ${mcSamples} samples (same time)`,
    baseline: mc[part],
    unit: "RMSE",
    ratio: mc[part] / qmc[part],
    target: "ratio > 1",
    met: mc[part] / qmc[part] > 1,
    detail
  }))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await tf.setBackend("wasm")
  tf.enableProdMode()
  const rows = await perturbedGoals()
  const d = rows[0]!.detail!
  console.log(`forward + backward per call: qmc ${Number(d["msQmc"]).toFixed(2)} ms (${SAMPLES} samples), mc ${Number(d["msMc1000"]).toFixed(2)} ms (${SAMPLES}), mc ${Number(d["msMc"]).toFixed(2)} ms (${d["mcSamples"]})`)
  console.log("| goal | ours (QMC) | baseline (MC) | ratio | target | met |")
  console.log("|---|---:|---:|---:|---|---|")
  for (const r of rows) console.log(`| ${r.goal} | ${r.figure.toExponential(3)} | ${r.baseline.toExponential(3)} | ${r.ratio.toFixed(2)} | ${r.target} | ${r.met ? "yes" : "**no**"} |`)
}
