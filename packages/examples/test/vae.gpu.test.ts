/**
 * The categorical VAE with kind "gpu" (gpuDense, gpuAdam, fusedSample on webgpu) against kind
 * "dense" on the cpu backend, from the same key: the same initialisation, noise and batches, so
 * the −ELBO of each step agrees to float32 accuracy. Runs where a WebGPU adapter exists (a GPU or
 * Mesa's lavapipe); elsewhere only the typed error of the gpu kind off webgpu is checked.
 */
import * as tf from "@tensorflow/tfjs"
import { InvalidArgument } from "@perturb/core"
import { enableWebGPU } from "@perturb/core/gpu"
import { Key } from "@perturb/noise"
import { describe, expect, it } from "vitest"
import { loadMnist } from "../src/reproduce/mnist.js"
import { createVae, defaultVae } from "../src/reproduce/vae.js"

const available = await enableWebGPU().then(
  () => true,
  () => false
)
await tf.setBackend(available ? "webgpu" : "cpu")

const digits = loadMnist(400)
const batch = (s: number) => tf.tensor2d(digits.train.subarray(s * 100 * 784, (s + 1) * 100 * 784), [100, 784])
const STEPS = 3

describe("the VAE's gpu kind off webgpu", () => {
  it("fails with InvalidArgument naming the backend", async () => {
    const previous = tf.getBackend()
    await tf.setBackend("cpu")
    try {
      const vae = createVae("Gumbel", Key.make(3), defaultVae, "gpu")
      const x = batch(0)
      expect(() => vae.stepLoss(x, Key.make(4))).toThrow(InvalidArgument)
      x.dispose()
      vae.dispose()
    } finally {
      await tf.setBackend(previous)
    }
  })
})

describe.runIf(available)("the VAE's gpu kind on webgpu", () => {
  it.each(["Gumbel", "Normal"] as const)("%s: step losses and the hard −ELBO equal the dense kind's on cpu", async (noise) => {
    const key = Key.make(5)
    const stepKey = (s: number) => Key.fold(Key.make(6), s)
    await tf.setBackend("cpu")
    const reference = createVae(noise, key, defaultVae, "dense")
    const expected: Array<number> = []
    for (let s = 0; s < STEPS; s++) {
      const x = batch(s)
      expected.push(reference.step(x, stepKey(s)))
      x.dispose()
    }
    const xe = batch(0)
    const expectedHard = tf.tidy(() => reference.negElbo(xe, Key.make(7), "hard").dataSync()[0]!)
    xe.dispose()
    reference.dispose()

    await tf.setBackend("webgpu")
    const vae = createVae(noise, key, defaultVae, "gpu")
    const got: Array<number> = []
    for (let s = 0; s < STEPS; s++) {
      const x = batch(s)
      const loss = vae.stepLoss(x, stepKey(s))
      got.push((await loss.data())[0]!)
      tf.dispose([x, loss])
    }
    const x0 = batch(0)
    const hard = vae.negElbo(x0, Key.make(7), "hard")
    const gotHard = (await hard.data())[0]!
    tf.dispose([x0, hard])
    vae.dispose()
    // −ELBO ≈ 540 nats, sums of 78,400 float32 terms (lavapipe: within 2e-7 relative after 3 steps).
    for (let s = 0; s < STEPS; s++) expect(Math.abs(got[s]! - expected[s]!)).toBeLessThan(2e-5 * Math.abs(expected[s]!))
    expect(Math.abs(gotHard - expectedHard)).toBeLessThan(2e-5 * Math.abs(expectedHard))
    expect(got[STEPS - 1]!).toBeLessThan(got[0]!)
  })

  it("keeps the tensor count flat over training steps", async () => {
    await tf.setBackend("webgpu")
    const vae = createVae("Gumbel", Key.make(8), defaultVae, "gpu")
    const x = batch(0)
    const step = async (s: number) => {
      const loss = vae.stepLoss(x, Key.make(s))
      await loss.data()
      loss.dispose()
    }
    await step(0)
    const before = tf.memory().numTensors
    for (let s = 1; s <= 5; s++) await step(s)
    expect(tf.memory().numTensors).toBe(before)
    x.dispose()
    vae.dispose()
  })
})
