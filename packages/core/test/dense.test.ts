/**
 * dense(x, W, b) with its hand-written backward pass equals tf.add(tf.matMul(x, W), b).
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { beforeAll, describe, expect, it } from "vitest"
import { dense, DimensionMismatch, InvalidArgument } from "../src/index.js"

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!)

describe.each(["cpu", "wasm"])("dense on %s", (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend)
    await tf.ready()
  })

  it.each([[1, 1, 1], [4, 3, 5], [7, 16, 2], [32, 64, 10]])("values and gradients, n=%i in=%i out=%i", (n, i, o) => {
    tf.tidy(() => {
      const x = tf.randomNormal([n, i], 0, 1, "float32", 1) as tf.Tensor2D
      const W = tf.randomNormal([i, o], 0, 1, "float32", 2) as tf.Tensor2D
      const b = tf.randomNormal([o], 0, 1, "float32", 3) as tf.Tensor1D
      const w = tf.randomNormal([n, o], 0, 1, "float32", 4)
      const ours = dense(x, W, b)
      const ref = tf.add(tf.matMul(x, W), b)
      expect(ours.shape).toEqual([n, o])
      const scale = Math.sqrt(i)
      expect(maxAbsDiff(ours, ref)).toBeLessThan(1e-5 * scale)
      const f = (g: (x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor) =>
        tf.grads((a: tf.Tensor, c: tf.Tensor, e: tf.Tensor) => tf.sum(tf.mul(tf.tanh(g(a as tf.Tensor2D, c as tf.Tensor2D, e as tf.Tensor1D)), w)))([x, W, b])
      const gOurs = f(dense)
      const gRef = f((a, c, e) => tf.add(tf.matMul(a, c), e))
      for (let j = 0; j < 3; j++) {
        expect(gOurs[j]!.shape).toEqual(gRef[j]!.shape)
        expect(maxAbsDiff(gOurs[j]!, gRef[j]!)).toBeLessThan(1e-5 * Math.max(scale, Math.sqrt(n)))
      }
    })
  })

  it("inputGradient: false gives zeros for x and the same W and b gradients", () => {
    tf.tidy(() => {
      const x = tf.randomNormal([6, 5], 0, 1, "float32", 7) as tf.Tensor2D
      const W = tf.randomNormal([5, 3], 0, 1, "float32", 8) as tf.Tensor2D
      const b = tf.randomNormal([3], 0, 1, "float32", 9) as tf.Tensor1D
      const g = (inputGradient: boolean) =>
        tf.grads((a: tf.Tensor, c: tf.Tensor, e: tf.Tensor) => tf.sum(tf.tanh(dense(a as tf.Tensor2D, c as tf.Tensor2D, e as tf.Tensor1D, { inputGradient }))))([x, W, b])
      const [gx, gW, gb] = g(false)
      const [fx, fW, fb] = g(true)
      expect(Array.from(gx!.dataSync()).every((v) => v === 0)).toBe(true)
      expect(maxAbsDiff(fx!, tf.zerosLike(fx!))).toBeGreaterThan(0)
      expect(Array.from(gW!.dataSync())).toEqual(Array.from(fW!.dataSync()))
      expect(Array.from(gb!.dataSync())).toEqual(Array.from(fb!.dataSync()))
    })
    expect(() => dense(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([3, 2]) as tf.Tensor2D, tf.zeros([2]) as tf.Tensor1D, { inputGradient: "no" as unknown as boolean })).toThrow(/options.inputGradient/)
  })

  it("works inside a variableGrads / optimizer step", () => {
    const W = tf.variable(tf.randomNormal([3, 2], 0, 1, "float32", 5))
    const b = tf.variable(tf.zeros([2]))
    const x = tf.randomNormal([5, 3], 0, 1, "float32", 6) as tf.Tensor2D
    const { grads, value } = tf.variableGrads(() => tf.sum(tf.square(dense(x, W as unknown as tf.Tensor2D, b as unknown as tf.Tensor1D))) as tf.Scalar)
    expect(Object.keys(grads).length).toBe(2)
    expect(Number.isFinite(value.dataSync()[0]!)).toBe(true)
    tf.dispose([W, b, x, value, ...Object.values(grads)])
  })

  it("shape and rank errors", () => {
    const x = tf.zeros([2, 3]) as tf.Tensor2D
    expect(() => dense(x, tf.zeros([4, 2]) as tf.Tensor2D, tf.zeros([2]) as tf.Tensor1D)).toThrow(DimensionMismatch)
    expect(() => dense(x, tf.zeros([3, 2]) as tf.Tensor2D, tf.zeros([3]) as tf.Tensor1D)).toThrow(DimensionMismatch)
    expect(() => dense(tf.zeros([3]) as unknown as tf.Tensor2D, tf.zeros([3, 2]) as tf.Tensor2D, tf.zeros([2]) as tf.Tensor1D)).toThrow(InvalidArgument)
    expect(() => dense(x, tf.zeros([3, 2]) as tf.Tensor2D, tf.zeros([1, 2]) as unknown as tf.Tensor1D)).toThrow(InvalidArgument)
  })
})
