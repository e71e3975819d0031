import * as tf from "@tensorflow/tfjs"
import { compile, Model, Space } from "@perturb/core"
import { Key, Noise } from "@perturb/noise"
import { it } from "vitest"

it("probe", async () => {
  await tf.setBackend("cpu")
  let t0 = performance.now()
  const lap = (s: string) => { console.log(s, (performance.now() - t0).toFixed(0)); t0 = performance.now() }
  const ks = compile(Model.perturbSoftmax({ space: Space.reals(3), noise: Noise.normal(), temperature: 1 }))
  const ka = compile(Model.perturbArgmax({ space: Space.reals(3), noise: Noise.normal() }))
  const theta = tf.randomNormal([32, 3])
  lap("start")
  for (let it = 0; it < 10; it++) ka.probs(theta).probs.dispose()
  lap("10 argmax forward n32")
  for (let it = 0; it < 10; it++) { const r = ks.probs(theta, { method: "qmc", samples: 512, key: Key.make(2) }); r.probs.dispose(); r.stdError?.dispose() }
  lap("10 softmax qmc512 forward n32")
  for (let it = 0; it < 10; it++) { const r = ks.probs(theta, { method: "quadrature" }); r.probs.dispose(); r.stdError?.dispose() }
  lap("10 softmax quadrature forward n32")
  const kg = compile(Model.perturbSoftmax({ space: Space.reals(3), noise: Noise.gumbel(), temperature: 1 }))
  for (let it = 0; it < 10; it++) { const r = kg.probs(theta, { method: "quadrature" }); r.probs.dispose(); r.stdError?.dispose() }
  lap("10 softmax gumbel quadrature forward n32")
  const kd = compile(Model.perturbArgmax({ space: Space.reals(3), noise: Noise.discrete({ atoms: [0, 1] }) }))
  for (let it = 0; it < 10; it++) kd.probs(theta).probs.dispose()
  lap("10 disc forward n32")
  const tt = tf.tensor1d([0, 0.3, -0.2])
  for (let it = 0; it < 10; it++) for (let i = 0; i < 3; i++) tf.grad((th: tf.Tensor) => tf.sum(ks.probs(th, { method: "qmc", samples: 2048, key: Key.make(2) }).probs.slice([i], [1])))(tt).dispose()
  lap("30 grads one row qmc 2048")
})
