/**
 * The fused Adam keeps its own copy of each variable's θ and skips copying it in while the variable
 * still holds the tensor the last step wrote. A user's assign in between must be seen: the fused
 * Adam equals tf.train.adam bit for bit through such assigns, on the cpu and wasm backends.
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { describe, expect, it } from "vitest"
import { adam } from "../src/index.js"

const values = (n: number, seed: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 1.5)

const loss = (v: tf.Variable, step: number): tf.Scalar =>
  tf.tidy(() => tf.sum(tf.add(tf.mul(tf.tensor(values(v.size, 50 + step), v.shape), tf.sin(v)), tf.mul(0.05, tf.pow(v, 4)))) as tf.Scalar)

/** 12 steps of `make()`'s optimizer on one [37, 11] variable, which the user assigns anew at steps 4 and 8. */
const run = (make: () => tf.Optimizer): Float32Array => {
  const v = tf.tidy(() => tf.variable(tf.tensor2d(values(37 * 11, 1), [37, 11])))
  const opt = make()
  for (let step = 0; step < 12; step++) {
    if (step === 4 || step === 8) {
      const moved = step === 4 ? tf.mul(v, 0.5) : tf.add(v, 0.25)
      v.assign(moved as tf.Tensor2D)
      moved.dispose()
    }
    opt.minimize(() => loss(v, step), false, [v])
  }
  const out = Float32Array.from(v.dataSync())
  opt.dispose()
  v.dispose()
  return out
}

describe("fused Adam's own θ", () => {
  it.each(["cpu", "wasm"])("on %s, sees a user's assigns: equal to tf.train.adam bit for bit", async (backend) => {
    await tf.setBackend(backend)
    const before = tf.memory().numTensors
    const ours = run(() => adam(0.05))
    const ref = run(() => tf.train.adam(0.05))
    expect(Array.from(ours)).toEqual(Array.from(ref))
    expect(tf.memory().numTensors).toBe(before)
  })
})
