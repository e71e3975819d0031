/**
 * Training-loop hygiene: kernels leave no tensors behind.
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { Key, Noise } from "@perturb/noise"
import { beforeAll, describe, expect, it } from "vitest"
import { compile, klCategorical, Model, Space } from "../src/index.js"

describe.each(["cpu", "wasm"])("tensor leaks on %s", (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend)
    await tf.ready()
  })

  it("1,000 sample-and-gradient steps with Adam leave numTensors unchanged", () => {
    const k = compile(Model.perturbSoftmax({ space: Space.reals(10), noise: Noise.normal(), temperature: 0.5 }))
    const theta = tf.variable(tf.zeros([8, 10]))
    const target = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], "int32"), 10).toFloat()
    const opt = tf.train.adam(0.01)
    const key = Key.make(3)
    const loss = (i: number, straight: boolean) => () => {
      const opts = { samples: 4, key: Key.fold(key, i) }
      const y = straight ? k.sampleStraightThrough(theta, opts) : k.sample(theta, opts)
      return tf.mean(tf.sum(tf.mul(y, target), -1)).neg() as tf.Scalar
    }
    opt.minimize(loss(0, false)) // Adam creates its slots on the first step
    const before = tf.memory().numTensors
    for (let i = 1; i <= 1000; i++) {
      if (i % 2 === 0) {
        opt.minimize(loss(i, i % 4 === 0))
      } else {
        tf.tidy(() => {
          const { grads } = tf.variableGrads(loss(i, false))
          opt.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })))
        })
      }
    }
    tf.tidy(() => {
      const g = tf.grad((t: tf.Tensor) => tf.sum(k.sample(k.theta(t), { samples: 2, key })))(tf.zeros([8, 10]))
      g.dataSync()
    })
    expect(tf.memory().numTensors).toBe(before)
    // it learned something: the targets' probabilities went up
    const p = k.probs(theta, { samples: 256 })
    const mean = tf.tidy(() => tf.mean(tf.sum(tf.mul(p.probs, target), -1)).dataSync()[0]!)
    expect(mean).toBeGreaterThan(0.2)
    p.probs.dispose()
    p.stdError?.dispose()
    theta.dispose()
    target.dispose()
    opt.dispose()
  })

  it("probs / potential / klToUniform / logDensity / identify in a loop leave numTensors unchanged", () => {
    const models = [
      compile(Model.perturbSoftmax({ space: Space.pinned(4), noise: Noise.gumbel(), temperature: 0.5 })),
      compile(Model.perturbArgmax({ space: Space.pinned(4), noise: Noise.normal() }))
    ]
    const theta = tf.tensor2d([[0, 1, -1, 0.5], [0, 0, 0, 0]])
    const y = tf.tensor2d([[0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25]])
    const before = tf.memory().numTensors
    for (let i = 0; i < 100; i++) {
      for (const k of models) {
        const r = k.probs(theta, { samples: 64, key: Key.make(i) })
        r.probs.dispose()
        r.stdError?.dispose()
        const m = k.potential(theta, { samples: 64, key: Key.make(i) })
        m.potential.dispose()
        m.stdError?.dispose()
        m.errorBound?.dispose()
        k.klToUniform(theta).dispose()
        tf.tidy(() => {
          tf.grad((t: tf.Tensor) => tf.sum(k.potential(t, { samples: 64 }).potential))(theta)
          tf.grad((t: tf.Tensor) => tf.sum(tf.mul(k.probs(t, { samples: 64 }).probs, tf.tensor1d([1, 2, 3, 4]))))(theta)
        })
      }
      models[0]!.logDensity(y, theta).dispose()
      klCategorical(y, y).dispose()
    }
    models[1]!.identify([0.1, 0.2, 0.3, 0.4])
    // errors thrown mid-kernel leave nothing behind either
    for (let i = 0; i < 10; i++) {
      expect(() => models[0]!.sample(tf.tidy(() => tf.zeros([2, 4])), { samples: 0, key: Key.make(1) })).toThrow()
    }
    expect(tf.memory().numTensors).toBe(before + 10)
    theta.dispose()
    y.dispose()
  })
})
