/**
 * Typed errors at the kernels' boundary: temperatures, non-finite θ, shapes, dtypes.
 */
import * as tf from "@tensorflow/tfjs"
import { Key, Noise } from "@perturb/noise"
import { describe, expect, it } from "vitest"
import { compile, DimensionMismatch, InvalidArgument, Model, Space } from "../src/index.js"
import { caught } from "./helpers.js"

describe("kernel argument errors (cpu)", () => {
  const k = compile(Model.perturbSoftmax({ space: Space.reals(3), noise: Noise.gumbel(), temperature: 0.5 }))
  const a = compile(Model.perturbArgmax({ space: Space.reals(3), noise: Noise.normal() }))
  const theta = tf.tensor1d([0.1, 0.2, 0.3])
  const key = Key.make(1)

  it("τ ≤ 0 (model and call) is InvalidArgument", () => {
    for (const t of [0, -1, NaN, Infinity]) {
      const e = caught(() => Model.perturbSoftmax({ space: Space.reals(3), noise: Noise.gumbel(), temperature: t }))
      expect(e).toBeInstanceOf(InvalidArgument)
      expect(e.argument).toBe("temperature")
      expect(() => k.sample(theta, { samples: 2, key, temperature: t })).toThrow(InvalidArgument)
      expect(() => k.sampleStraightThrough(theta, { samples: 2, key, temperature: t })).toThrow(InvalidArgument)
    }
  })

  it("a temperature tensor with a negative entry, or of the wrong length", () => {
    const rows = tf.tensor2d([[0, 1, 2], [1, 1, 1]])
    const e = caught(() => k.sample(rows, { samples: 2, key, temperature: tf.tensor1d([0.5, -0.5]) }))
    expect(e).toBeInstanceOf(InvalidArgument)
    expect(e.argument).toBe("temperature[1]")
    expect(() => k.sample(rows, { samples: 2, key, temperature: tf.tensor1d([0.5, 0.5, 0.5]) })).toThrow(DimensionMismatch)
    expect(() => k.sample(rows, { samples: 2, key, temperature: tf.tensor1d([0.5, NaN]) })).toThrow(InvalidArgument)
  })

  it("NaN or ±Infinity in θ names the entry", () => {
    const bad = tf.tensor1d([0.1, NaN, 0.3])
    for (const f of [
      () => k.sample(bad, { samples: 2, key }),
      () => k.probs(bad),
      () => k.potential(bad),
      () => a.probs(bad),
      () => a.klToUniform(bad),
      () => k.logDensity(tf.tensor1d([0.2, 0.3, 0.5]), bad)
    ]) {
      const e = caught(f)
      expect(e).toBeInstanceOf(InvalidArgument)
      expect(e.argument).toBe("theta[1]")
    }
    expect(() => k.probs(tf.tensor1d([Infinity, 0, 0]))).toThrow(InvalidArgument)
  })

  it("wrong last dimension is DimensionMismatch", () => {
    for (const f of [
      () => k.sample(tf.tensor1d([0, 1]), { samples: 2, key }),
      () => k.probs(tf.zeros([2, 4])),
      () => a.potential(tf.zeros([4])),
      () => k.logDensity(tf.tensor1d([0.5, 0.5]), tf.zeros([3]))
    ]) {
      expect(f).toThrow(DimensionMismatch)
    }
  })

  it("int32 θ, scalar θ and non-tensors are InvalidArgument", () => {
    expect(() => k.sample(tf.tensor1d([0, 1, 2], "int32"), { samples: 2, key })).toThrow(InvalidArgument)
    expect(() => a.probs(tf.tensor1d([0, 1, 2], "int32"))).toThrow(InvalidArgument)
    expect(() => k.probs(tf.scalar(1))).toThrow(InvalidArgument)
    expect(() => k.probs([0, 1, 2] as unknown as tf.Tensor)).toThrow(InvalidArgument)
  })

  it("bad samples, keys and methods", () => {
    for (const samples of [0, -1, 1.5, NaN]) {
      expect(() => k.sample(theta, { samples, key })).toThrow(InvalidArgument)
    }
    expect(() => k.sample(theta, { samples: 2, key: 1 as unknown as Key.Key })).toThrow(InvalidArgument)
    expect(() => k.probs(theta, { method: "exact" })).toThrow(InvalidArgument)
    expect(() => k.probs(theta, { method: "qmc", key: "k" as unknown as Key.Key })).toThrow(InvalidArgument)
    const big = compile(Model.perturbSoftmax({ space: Space.reals(5), noise: Noise.gumbel(), temperature: 1 }))
    expect(() => big.probs(tf.zeros([5]), { method: "quadrature" })).toThrow(InvalidArgument)
  })

  it("logDensity needs y on the simplex", () => {
    expect(() => k.logDensity(tf.tensor1d([0.1, 0.5, 0.5]), theta)).toThrow(InvalidArgument)
    expect(() => k.logDensity(tf.tensor1d([-0.1, 0.6, 0.5]), theta)).toThrow(InvalidArgument)
  })

  it("the messages name the argument and the value", () => {
    const e = caught(() => k.sample(tf.tensor1d([0.1, NaN, 0.3]), { samples: 2, key }))
    expect(e.message).toContain("theta[1]")
    expect(e.message).toContain("NaN")
  })
})
