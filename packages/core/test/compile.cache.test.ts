/**
 * compile caches by the model's value: equal models (Equal/Hash) share one kernels object, unequal
 * ones do not, and the cache is bounded (least recently used dropped after 64 models). Also: the
 * kernels of a single-point space (no free parameters) take the empty u.
 */
import { Noise } from "@perturb/noise"
import * as tf from "@tensorflow/tfjs"
import { describe, expect, it } from "vitest"
import { compile, Model, Space } from "../src/index.js"

const softmax = (tau: number, d = 3) => Model.perturbSoftmax({ space: Space.pinned(d), noise: Noise.gumbel(), temperature: tau })

describe("compile cache", () => {
  it("returns the same kernels for equal models built separately", () => {
    const a = compile(softmax(0.5))
    const b = compile(softmax(0.5))
    expect(b).toBe(a)
    expect(compile(Model.perturbArgmax({ space: Space.zeroSum(4), noise: Noise.normal() })))
      .toBe(compile(Model.perturbArgmax({ space: Space.zeroSum(4), noise: Noise.normal() })))
  })

  it("tells apart models that differ in temperature, kind, space or noise", () => {
    const base = compile(softmax(0.5))
    expect(compile(softmax(0.25))).not.toBe(base)
    expect(compile(softmax(0.5, 4))).not.toBe(base)
    expect(compile(Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.gumbel() }))).not.toBe(base)
    expect(compile(Model.perturbSoftmax({ space: Space.pinned(3), noise: Noise.normal(), temperature: 0.5 }))).not.toBe(base)
  })

  it("drops the least recently used model after 64 others", () => {
    const first = compile(softmax(0.125))
    for (let i = 1; i <= 64; i++) compile(softmax(0.125 + i / 1024))
    const again = compile(softmax(0.125))
    expect(again).not.toBe(first)
    // Recently used entries survive the same churn.
    for (let i = 1; i <= 10; i++) compile(softmax(2 + i / 1024))
    expect(compile(softmax(0.125))).toBe(again)
  })

  it("cached kernels compute what fresh ones do, and hold no tensors", async () => {
    await tf.setBackend("cpu")
    const before = tf.memory().numTensors
    const k = compile(softmax(0.7))
    const theta = tf.tensor1d([0, 0.3, -0.2])
    const r1 = k.probs(theta)
    const p1 = r1.probs.arraySync()
    tf.dispose(Object.values(r1).filter((v): v is tf.Tensor => v instanceof tf.Tensor))
    tf.disposeVariables()
    const r2 = compile(softmax(0.7)).probs(theta)
    expect(r2.probs.arraySync()).toEqual(p1)
    tf.dispose(Object.values(r2).filter((v): v is tf.Tensor => v instanceof tf.Tensor))
    tf.dispose(theta)
    expect(tf.memory().numTensors).toBe(before)
  })
})

describe("a single-point space", () => {
  it("maps the empty free-parameter tensor to its point", async () => {
    await tf.setBackend("cpu")
    const k = compile(Model.perturbArgmax({ space: Space.affine({ C: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], e: [0, 1, 2] }), noise: Noise.gumbel() }))
    expect(k.freeDim).toBe(0)
    const u = tf.zeros([0])
    const theta = k.theta(u)
    expect(theta.arraySync()).toEqual([0, 1, 2])
    tf.dispose([u, theta])
  })
})
