/**
 * Learning to rank with a perturbed optimizer (issue #14, "Show it"): a linear scorer θ = X w is
 * trained on observed rankings with the Fenchel–Young loss of perturbed `ranks` (Berthet et al.
 * 2020), once with plain Monte Carlo and once with quasi-Monte Carlo at the same number of noise
 * samples. Two things are compared, per seed: the variance of the loss gradient across noise keys
 * at fixed parameters (the estimator's own quality), and the test Spearman correlation reached
 * (what the variance costs in learning).
 *
 * Data (synthetic, seeded): each query has `items` items with standard normal features x ∈ ℝ^f;
 * true scores wᵀx with w ~ N(0, I); the observed ranking is the ranks of wᵀx + label noise
 * (ascending: the best item gets rank `items`, as `Solver.ranks` writes it).
 */
import * as tf from "@tensorflow/tfjs"
import { fenchelYoungLoss, InvalidArgument, Solver } from "@perturb/core"
import { Key, Noise, Random } from "@perturb/noise"
import { breather } from "./breathe.js"
import { meanStd } from "./table1.js"

export type RankingMethod = "mc" | "qmc"
export const RANKING_METHODS: ReadonlyArray<RankingMethod> = ["mc", "qmc"]

/** The defaults run in about 22 s on two shared CPU cores (measured: `perturb reproduce ranking`). */
export const defaultRanking = {
  seeds: 5,
  steps: 100,
  items: 20,
  queries: 500,
  trainQueries: 400,
  features: 10,
  /** Standard deviation of the noise added to the true scores before ranking them. */
  labelNoise: 2,
  /** σ of the perturbed optimizer (standard normal noise). */
  sigma: 1,
  /** Noise samples per row, the same for both methods. */
  samples: 16,
  batch: 32,
  learningRate: 0.05,
  /** Keys over which the gradient variance is measured. */
  varianceKeys: 16
}

export type RankingOptions = Readonly<typeof defaultRanking> & { readonly onProgress?: (done: number, total: number) => void }

export const rankingProtocol = (o: RankingOptions) => ({
  experiment: "Learning to rank with perturbed ranks and the Fenchel–Young loss: quasi-Monte Carlo vs plain Monte Carlo",
  data: `${o.queries} queries (${o.trainQueries} train / ${o.queries - o.trainQueries} test) of ${o.items} items; features x ~ N(0, I_${o.features}); ` +
    `true scores w*ᵀx, w* ~ N(0, I); observed ranking = ranks of w*ᵀx + N(0, ${o.labelNoise}²)`,
  model: `θ = X w, w ∈ ℝ^${o.features}, initialised from N(0, 0.01²)`,
  loss: `Fenchel–Young loss of perturbed ranks, σ = ${o.sigma}, standard Normal noise, ${o.samples} samples per query, mean over the batch`,
  optimiser: `Adam, learning rate ${o.learningRate}, ${o.steps} steps of ${o.batch} train queries (a seeded shuffle, cycled)`,
  methods: "mc (plain Monte Carlo) and qmc (scrambled Sobol), same samples, same data, same initialisation per seed",
  gradientVariance: `Σ_j Var(∂loss/∂w_j) over ${o.varianceKeys} noise keys, at fixed w (the initial w and the mc run's final w), on the first ${o.batch} train queries`,
  reported: "test Spearman correlation (mean over test queries) between the ranks of θ and the observed ranking, mean ± std over seeds",
  seeds: o.seeds,
  keys: "seed s: data Key.fold(Key.fold(Key.make(14), s), 0), initial w fold 1, shuffle fold 2, step i of method m: Key.fold(Key.fold(fold 3, m), i), variance key r: Key.fold(Key.fold(fold 4, m), r)"
})

export interface RankingData {
  /** Features, query-major: x[q][i][j] at ((q·items) + i)·features + j. */
  readonly x: Float32Array
  /** Observed ranks, x's layout without the feature axis. */
  readonly ranks: Float32Array
  readonly trueW: Float64Array
}

export const makeRankingData = (key: Key.Key, o: RankingOptions): RankingData => {
  const n = o.queries * o.items
  const x = Float32Array.from(Random.normal64(Key.fold(key, 0), n * o.features))
  const trueW = Random.normal64(Key.fold(key, 1), o.features)
  const eps = Random.normal64(Key.fold(key, 2), n)
  const ranks = new Float32Array(n)
  const solver = Solver.ranks(o.items)
  const s = new Float64Array(o.items)
  const y = new Float64Array(o.items)
  for (let q = 0; q < o.queries; q++) {
    for (let i = 0; i < o.items; i++) s[i] = score(x, trueW, q * o.items + i) + o.labelNoise * eps[q * o.items + i]!
    solver.solve(s, y)
    ranks.set(y, q * o.items)
  }
  return { x, ranks, trueW }
}

const score = (x: Float32Array, w: ArrayLike<number>, row: number): number => {
  let t = 0
  for (let j = 0; j < w.length; j++) t += x[row * w.length + j]! * w[j]!
  return t
}

/** Mean Spearman correlation over queries [from, to) between the ranks of θ = X w and the observed ranks. */
export const spearman = (data: RankingData, w: ArrayLike<number>, from: number, to: number, items: number): number => {
  const solver = Solver.ranks(items)
  const theta = new Float64Array(items)
  const r = new Float64Array(items)
  let total = 0
  for (let q = from; q < to; q++) {
    for (let i = 0; i < items; i++) theta[i] = score(data.x, w, q * items + i)
    solver.solve(theta, r)
    let d2 = 0
    for (let i = 0; i < items; i++) d2 += (r[i]! - data.ranks[q * items + i]!) ** 2
    total += 1 - (6 * d2) / (items * (items * items - 1))
  }
  return total / (to - from)
}

export interface RankingRun {
  readonly method: RankingMethod
  readonly initialSpearman: number
  readonly finalSpearman: number
  /** Test Spearman after each step. */
  readonly curve: ReadonlyArray<number>
  readonly finalW: ReadonlyArray<number>
}

export interface RankingSeed {
  readonly seed: number
  /** Test Spearman of the true scorer w*: the ceiling the label noise leaves. */
  readonly oracleSpearman: number
  readonly runs: ReadonlyArray<RankingRun>
  /** Gradient variance per method, at the initial w and at the mc run's final w. */
  readonly variance: ReadonlyArray<{ readonly method: RankingMethod; readonly initial: number; readonly trained: number }>
}

interface Tensors {
  readonly x: tf.Tensor3D
  readonly ranks: tf.Tensor2D
}

const lossOf = (o: RankingOptions, method: RankingMethod, key: Key.Key) =>
  fenchelYoungLoss(Solver.ranks(o.items), { noise: Noise.normal(), sigma: o.sigma, samples: o.samples, key, method })

const batchLoss = (loss: ReturnType<typeof lossOf>, t: Tensors, idx: tf.Tensor1D, w: tf.Tensor1D): tf.Scalar => {
  const [, items, features] = t.x.shape
  const x = tf.reshape(tf.gather(t.x, idx), [-1, features])
  const theta = tf.reshape(tf.matMul(x, tf.reshape(w, [features, 1])), [-1, items])
  return tf.mean(loss(theta, tf.gather(t.ranks, idx))) as tf.Scalar
}

/** What both methods of one seed share: data, initial w, batch order, keys. */
interface SeedRun {
  readonly o: RankingOptions
  readonly t: Tensors
  readonly data: RankingData
  readonly seedKey: Key.Key
  readonly w0: Float64Array
  readonly order: Int32Array
  readonly tick: () => void
  readonly breathe: () => Promise<void>
}

const train = async ({ o, t, data, seedKey, w0, order, tick, breathe }: SeedRun, method: RankingMethod): Promise<RankingRun> => {
  // tf.variable keeps its own copy: tidy frees the initial tensor.
  const w = tf.tidy(() => tf.variable(tf.tensor1d(Float32Array.from(w0))))
  const optimizer = tf.train.adam(o.learningRate)
  const stepKey = Key.fold(Key.fold(seedKey, 3), RANKING_METHODS.indexOf(method))
  const curve: Array<number> = []
  for (let step = 0; step < o.steps; step++) {
    await breathe()
    const loss = lossOf(o, method, Key.fold(stepKey, step))
    const idx = tf.tensor1d(Int32Array.from({ length: o.batch }, (_, b) => order[(step * o.batch + b) % o.trainQueries]!), "int32")
    optimizer.minimize(() => batchLoss(loss, t, idx, w), false, [w])
    idx.dispose()
    curve.push(spearman(data, w.dataSync(), o.trainQueries, o.queries, o.items))
    tick()
  }
  const finalW = Array.from(w.dataSync())
  optimizer.dispose()
  w.dispose()
  return { method, initialSpearman: spearman(data, w0, o.trainQueries, o.queries, o.items), finalSpearman: curve[curve.length - 1]!, curve, finalW }
}

/** Σ_j Var(∂loss/∂w_j) over keys, at w. */
const gradientVariance = (o: RankingOptions, method: RankingMethod, t: Tensors, w: ArrayLike<number>, key: Key.Key): number => {
  const grads: Array<Float32Array> = []
  const idx = tf.tensor1d(Int32Array.from({ length: o.batch }, (_, b) => b), "int32")
  const wt = tf.tensor1d(Float32Array.from(w))
  for (let r = 0; r < o.varianceKeys; r++) {
    const loss = lossOf(o, method, Key.fold(key, r))
    const g = tf.tidy(() => tf.grad((v: tf.Tensor) => batchLoss(loss, t, idx, v as tf.Tensor1D))(wt))
    grads.push(g.dataSync() as Float32Array)
    g.dispose()
  }
  tf.dispose([idx, wt])
  let total = 0
  for (let j = 0; j < o.features; j++) total += meanStd(grads.map((g) => g[j]!))[1] ** 2
  return total
}

const runSeed = async (o: RankingOptions, seed: number, tick: () => void, breathe: () => Promise<void>): Promise<RankingSeed> => {
  const seedKey = Key.fold(Key.make(14), seed)
  const data = makeRankingData(Key.fold(seedKey, 0), o)
  const w0 = Random.normal64(Key.fold(seedKey, 1), o.features).map((v) => 0.01 * v)
  // A seeded Fisher–Yates shuffle of the training queries, shared by both methods.
  const u = Random.uniform64(Key.fold(seedKey, 2), o.trainQueries)
  const order = Int32Array.from({ length: o.trainQueries }, (_, i) => i)
  for (let i = o.trainQueries - 1; i > 0; i--) {
    const j = Math.floor(u[i]! * (i + 1))
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  const t: Tensors = {
    x: tf.tensor3d(data.x, [o.queries, o.items, o.features]),
    ranks: tf.tensor2d(data.ranks, [o.queries, o.items])
  }
  const runs: Array<RankingRun> = []
  const run: SeedRun = { o, t, data, seedKey, w0, order, tick, breathe }
  for (const method of RANKING_METHODS) runs.push(await train(run, method))
  const trained = runs[0]!.finalW
  const variance = RANKING_METHODS.map((method, m) => {
    const key = Key.fold(Key.fold(seedKey, 4), m)
    return { method, initial: gradientVariance(o, method, t, w0, key), trained: gradientVariance(o, method, t, trained, key) }
  })
  tf.dispose([t.x, t.ranks])
  return { seed, oracleSpearman: spearman(data, data.trueW, o.trainQueries, o.queries, o.items), runs, variance }
}

const check = (o: RankingOptions): void => {
  const positive = ["seeds", "steps", "items", "queries", "trainQueries", "features", "samples", "batch", "varianceKeys"] as const
  for (const name of positive) {
    if (!Number.isInteger(o[name]) || o[name] < 1) throw new InvalidArgument({ argument: name, value: o[name], reason: "Expected a positive integer" })
  }
  if (o.trainQueries >= o.queries) throw new InvalidArgument({ argument: "trainQueries", value: o.trainQueries, reason: `Expected fewer than queries = ${o.queries}` })
  if (o.varianceKeys < 2) throw new InvalidArgument({ argument: "varianceKeys", value: o.varianceKeys, reason: "Expected at least 2 keys (a variance)" })
}

/** Every seed, both methods; yields to the event loop between steps (a Ctrl-C is seen promptly). */
export const runRanking = async (o: RankingOptions): Promise<ReadonlyArray<RankingSeed>> => {
  check(o)
  const total = o.seeds * RANKING_METHODS.length * o.steps
  let done = 0
  const tick = () => o.onProgress?.(++done, total)
  const breathe = breather()
  const seeds: Array<RankingSeed> = []
  for (let s = 0; s < o.seeds; s++) seeds.push(await runSeed(o, s, tick, breathe))
  return seeds
}

/** Per method: final and initial test Spearman, gradient variance at both points, mean ± std over seeds. */
export const rankingRows = (seeds: ReadonlyArray<RankingSeed>) =>
  RANKING_METHODS.map((method) => {
    const runs = seeds.map((s) => s.runs.find((r) => r.method === method)!)
    const variance = seeds.map((s) => s.variance.find((v) => v.method === method)!)
    return {
      method,
      finalSpearman: meanStd(runs.map((r) => r.finalSpearman)),
      initialSpearman: meanStd(runs.map((r) => r.initialSpearman)),
      varianceInitial: meanStd(variance.map((v) => v.initial)),
      varianceTrained: meanStd(variance.map((v) => v.trained))
    }
  })
