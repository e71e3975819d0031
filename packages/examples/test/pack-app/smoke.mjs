// Run inside a fresh app that installed the packed packages and tfjs from the registry (see
// ../pack.test.ts). Prints one JSON line with what it measured; the test asserts on it.
import * as tf from "@tensorflow/tfjs"
import { Key, Noise } from "@perturb/noise"
import { adam, compile, dense, Model, normalArgmaxGrid, Space } from "@perturb/core"
import { analyze, toJSON } from "@perturb/analysis"

const backend = process.argv[2] ?? "cpu"
if (backend === "wasm") await import("@tensorflow/tfjs-backend-wasm")
if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not initialise`)
tf.enableProdMode()

const softmax = compile(Model.perturbSoftmax({ space: Space.pinned(3), noise: Noise.normal(), temperature: 0.5 }))
const theta = softmax.theta(tf.tensor1d([1, 2]))
const y = softmax.sample(theta, { samples: 64, key: Key.make(7) })
const softmaxProbs = softmax.probs(theta)
const argmax = compile(Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.gumbel() }))
const report = toJSON(analyze(Space.pinned(3), Noise.normal()))

// The training path: the fused Adam against tf.train.adam, dense's gradient, the grid kernel, tf.grad.
const adamSteps = (optimizer) => {
  const w = tf.variable(tf.tensor1d([1, -2, 3]))
  for (let i = 0; i < 5; i++) optimizer.minimize(() => tf.sum(tf.square(w)), false, [w])
  const out = Array.from(w.dataSync())
  w.dispose()
  optimizer.dispose()
  return out
}
const fusedAdam = adamSteps(adam(0.1))
const tfAdam = adamSteps(tf.train.adam(0.1))
const denseGrad = tf.grad((W) => tf.sum(dense(tf.ones([2, 3]), W, tf.zeros([4]))))(tf.ones([3, 4])).arraySync()
const grid = normalArgmaxGrid(tf.tensor2d([[0, 1, 2], [0, 0, 0]])).arraySync()
const probsGrad = tf.grad((t) => tf.sum(tf.mul(argmax.probs(t).probs, tf.tensor1d([0, 0, 1]))))(theta).arraySync()

let gpu
try {
  const { enableWebGPU } = await import("@perturb/core/gpu")
  await enableWebGPU()
  gpu = "enabled"
} catch (e) {
  gpu = `${e?._tag ?? "Error"}:${e?.missing ?? e?.message}`
}

console.log(JSON.stringify({
  backend: tf.getBackend(),
  tfjs: tf.version.tfjs,
  sampleShape: y.shape,
  rowSums: y.sum(-1).arraySync(),
  firstRow: y.arraySync()[0],
  softmaxProbs: softmaxProbs.probs.arraySync(),
  argmaxProbs: argmax.probs(theta).probs.arraySync(),
  identified: Array.from(argmax.identify([0.2, 0.3, 0.5]).theta),
  verdicts: Object.fromEntries(Object.entries(report).map(([m, p]) => [m, Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.verdict]))])),
  fusedAdam,
  tfAdam,
  denseGrad,
  grid,
  probsGrad,
  gpu
}))
