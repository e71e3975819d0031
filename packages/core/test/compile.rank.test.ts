/**
 * θ of any rank `[..., d]`: every kernel on a rank-3/4 θ equals the same kernel on each row of θ
 * alone (so the reshape at the boundary puts each value back where it belongs), logDensity takes
 * the model's own `[S, ..., d]` samples against θ, and a loop over all of them leaks no tensor.
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { Key, Noise } from "@perturb/noise"
import { beforeAll, describe, expect, it } from "vitest"
import { compile, Model, Space } from "../src/index.js"
import { caught, maxAbsDiff, read } from "./helpers.js"
import { tensorsLeaked } from "./leaks.js"

const d = 3
/** θ [2, 3, 2, d]: 12 rows of distinct values. */
const theta4 = () => tf.tidy(() => tf.sin(tf.range(0, 2 * 3 * 2 * d, 1, "float32").mul(1.7)).mul(2).reshape([2, 3, 2, d]))
const softmax = () => compile(Model.perturbSoftmax({ space: Space.reals(d), noise: Noise.gumbel(), temperature: 0.7 }))
const argmax = () => compile(Model.perturbArgmax({ space: Space.reals(d), noise: Noise.gumbel() }))
const normalSoftmax = () => compile(Model.perturbSoftmax({ space: Space.reals(d), noise: Noise.normal(), temperature: 0.7 }))

/** The rows of x [..., d] as [d] tensors, in row-major order. */
const rows = (x: tf.Tensor): Array<tf.Tensor> => tf.unstack(x.reshape([-1, d]))

describe.each(["cpu", "wasm"])("θ [..., d] on %s", (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend)
    await tf.ready()
  })

  it("probs, potential and klToUniform of a rank-4 θ equal each row's alone", () => {
    const theta = theta4()
    for (const k of [softmax(), argmax()]) {
      const p = k.probs(theta, { key: Key.make(3) })
      expect(p.probs.shape).toEqual([2, 3, 2, d])
      const pot = k.potential(theta, { key: Key.make(3) })
      expect(pot.potential.shape).toEqual([2, 3, 2])
      const all = p.probs.reshape([-1, d]).arraySync() as Array<Array<number>>
      const allPot = pot.potential.reshape([-1]).arraySync() as Array<number>
      rows(theta).forEach((row, i) => {
        // A [1, d] θ: the quasi-Monte Carlo points depend on the key and d only, so row i alone
        // must give the same estimate as row i inside the batch.
        const one = k.probs(row.reshape([1, d]), { key: Key.make(3) })
        expect(maxAbsDiff(read(one.probs), all[i]!)).toBeLessThan(1e-6)
        const onePot = k.potential(row.reshape([1, d]), { key: Key.make(3) })
        expect(Math.abs(read(onePot.potential)[0]! - allPot[i]!)).toBeLessThan(1e-5)
        row.dispose()
      })
      if (p.stdError !== undefined) expect(p.stdError.shape).toEqual([2, 3, 2, d])
      tf.dispose([p.probs, p.stdError, pot.potential, pot.stdError])
    }
    const kl = argmax().klToUniform(theta)
    expect(kl.shape).toEqual([2, 3, 2])
    const klRows = read(kl)
    rows(theta).forEach((row, i) => {
      expect(Math.abs(read(argmax().klToUniform(row))[0]! - klRows[i]!)).toBeLessThan(1e-6)
      row.dispose()
    })
    theta.dispose()
  })

  it("the argmax jacobian of a rank-3 θ is [..., d, d]", () => {
    const theta = tf.tensor3d([[[0.1, 0.5, -1], [2, 0, 0]], [[0, 0, 0], [1, 1, 3]]])
    const r = argmax().probs(theta, { method: "mc", samples: 256, key: Key.make(1), jacobian: true })
    expect(r.jacobian!.shape).toEqual([2, 2, d, d])
    expect(r.jacobianStdError!.shape).toEqual([2, 2, d, d])
    tf.dispose([theta, r.probs, r.stdError, r.jacobian, r.jacobianStdError])
  })

  it("samples of a rank-3 θ are [S, ..., d] and equal the samples of θ flattened to [rows, d]", () => {
    const theta = theta4().reshape([6, 2, d])
    for (const k of [softmax(), argmax(), normalSoftmax()]) {
      for (const kernel of ["sample", "sampleStraightThrough"] as const) {
        const y = k[kernel](theta, { samples: 4, key: Key.make(9) })
        expect(y.shape).toEqual([4, 6, 2, d])
        const flat = k[kernel](theta.reshape([12, d]), { samples: 4, key: Key.make(9) })
        expect(maxAbsDiff(read(y), read(flat))).toBe(0)
      }
    }
    // A per-row temperature shaped like θ's leading axes, and its refusal when it is not.
    const t = tf.fill([6, 2], 0.5)
    const y = softmax().sample(theta, { samples: 2, key: Key.make(1), temperature: t })
    const flat = softmax().sample(theta.reshape([12, d]), { samples: 2, key: Key.make(1), temperature: 0.5 })
    expect(maxAbsDiff(read(y), read(flat))).toBeLessThan(1e-6)
    const bad = tf.fill([2, 6], 0.5)
    const e = caught(() => softmax().sample(theta, { samples: 2, key: Key.make(1), temperature: bad }))
    expect(e._tag).toBe("DimensionMismatch")
    expect(e.argument).toBe("temperature.shape")
    tf.dispose([theta, t, bad])
  })

  it("the gradient through a rank-3 sample equals the gradient through its rows", () => {
    const theta = theta4().reshape([6, 2, d])
    const w = tf.tidy(() => tf.range(0, d, 1, "float32").add(1))
    const k = softmax()
    const loss = (t: tf.Tensor) => tf.sum(tf.mul(k.sample(t, { samples: 3, key: Key.make(2) }), w))
    const g = tf.grad(loss)(theta)
    const gFlat = tf.grad(loss)(theta.reshape([12, d]))
    expect(g.shape).toEqual([6, 2, d])
    expect(maxAbsDiff(read(g), read(gFlat))).toBeLessThan(1e-6)
    tf.dispose([theta, w])
  })

  it("logDensity of the model's own [S, ..., d] samples against θ [..., d]", () => {
    const theta = tf.tensor3d([[[0.1, 0.5, -1], [2, 0, 0]], [[0, 0, 0], [1, 1, 3]]])
    for (const k of [softmax(), normalSoftmax()]) {
      const y = k.sample(theta, { samples: 5, key: Key.make(4) })
      const lp = k.logDensity(y, theta)
      expect(lp.shape).toEqual([5, 2, 2])
      const values = read(lp)
      values.forEach((v) => expect(Number.isFinite(v)).toBe(true))
      // Each entry is the density of that sample under its own row of θ.
      const ys = y.reshape([5, 4, d]).arraySync() as Array<Array<Array<number>>>
      const thetas = theta.reshape([4, d]).arraySync() as Array<Array<number>>
      for (let s = 0; s < 5; s++) {
        for (let r = 0; r < 4; r++) {
          const one = read(k.logDensity(tf.tensor1d(ys[s]![r]!), tf.tensor1d(thetas[r]!)))
          expect(Math.abs(one[0]! - values[s * 4 + r]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(one[0]!)))
        }
      }
      y.dispose()
    }
    // θ broadcasting the other way: one y row against every row of a [2, 2, d] θ.
    const y1 = tf.tensor1d([0.2, 0.3, 0.5])
    expect(softmax().logDensity(y1, theta).shape).toEqual([2, 2])
    const e = caught(() => softmax().logDensity(tf.fill([5, 3, d], 1 / 3), theta))
    expect(e._tag).toBe("DimensionMismatch")
    expect(e.argument).toBe("theta")
    const off = tf.tensor3d([[[0.2, 0.3, 0.5]], [[0.2, 0.3, 0.6]]])
    const bad = caught(() => softmax().logDensity(off, theta))
    expect(bad._tag).toBe("InvalidArgument")
    expect(bad.argument).toBe("y[1][0]")
    tf.dispose([theta, y1, off])
  })

  it("refuses a rank-0 θ and names a non-finite entry by its full index", () => {
    const s = tf.scalar(1)
    expect(caught(() => softmax().probs(s))._tag).toBe("InvalidArgument")
    const nan = tf.tensor3d([[[0, 1, 2]], [[0, NaN, 2]]])
    const e = caught(() => argmax().klToUniform(nan))
    expect(e.argument).toBe("theta[1][0][1]")
    tf.dispose([s, nan])
  })

  it("a loop over every kernel with a rank-4 θ leaves numTensors unchanged", () => {
    const theta = theta4()
    const k = softmax()
    const a = argmax()
    const step = () => {
      const y = k.sample(theta, { samples: 2, key: Key.make(1) })
      const r = [
        y,
        k.sampleStraightThrough(theta, { samples: 2, key: Key.make(1) }),
        k.logDensity(y, theta),
        ...Object.values(k.probs(theta, { samples: 64 })).filter((v) => v instanceof tf.Tensor),
        ...Object.values(k.potential(theta, { samples: 64 })).filter((v) => v instanceof tf.Tensor),
        a.klToUniform(theta),
        tf.grad((t: tf.Tensor) => tf.sum(k.sample(t, { samples: 2, key: Key.make(1) })))(theta)
      ]
      tf.dispose(r)
    }
    expect(tensorsLeaked(step, 20)).toBe(0)
    theta.dispose()
  })
})
