/**
 * The fused dense layer and Adam on webgpu against tfjs on the cpu backend. Like gpu.test.ts,
 * these run only where a WebGPU adapter exists (a GPU, or Mesa's lavapipe); elsewhere the typed
 * errors of the non-webgpu path are tested.
 */
import * as tf from "@tensorflow/tfjs"
import { describe, expect, it } from "vitest"
import { DimensionMismatch, InvalidArgument } from "../src/index.js"
import { enableWebGPU, gpuAdam, gpuBernoulliNll, gpuCategoricalKl, gpuDense } from "../src/gpu/index.js"
import { onCpu } from "./helpers.js"

const available = await enableWebGPU().then(
  () => true,
  () => false
)
// Without an adapter only the error paths run, on the cpu backend.
await tf.setBackend(available ? "webgpu" : "cpu")

/** Max |a − b| / (atol + rtol·|b|): ≤ 1 means within tolerance. */
const worst = (a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol: number): number => {
  expect(a.length).toBe(b.length)
  let w = 0
  for (let i = 0; i < b.length; i++) {
    const e = Math.abs(a[i]! - b[i]!) / (atol + rtol * Math.abs(b[i]!))
    if (!(e <= w)) w = e
  }
  return w
}

const values = (n: number, seed: number, scale = 1): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed * 1.7) * scale + Math.cos(i * 0.011 * seed) * 0.25 * scale)


describe("gpuDense and gpuAdam off webgpu", () => {
  it("reject the cpu backend with InvalidArgument naming the backend", async () => {
    const previous = tf.getBackend()
    await tf.setBackend("cpu")
    try {
      const e = (() => {
        try {
          gpuDense(tf.ones([2, 3]) as tf.Tensor2D, tf.ones([3, 4]) as tf.Tensor2D, tf.zeros([4]) as tf.Tensor1D)
        } catch (error) {
          return error
        }
      })()
      expect(e).toBeInstanceOf(InvalidArgument)
      expect((e as InvalidArgument).argument).toBe("backend")
      expect((e as InvalidArgument).message).toMatch(/Invalid backend = .*cpu.*webgpu/)
      const w = tf.variable(tf.ones([3]))
      expect(() => gpuAdam(0.1).minimize(() => tf.sum(tf.square(w)) as tf.Scalar, false, [w])).toThrow(InvalidArgument)
      w.dispose()
    } finally {
      await tf.setBackend(previous)
    }
  })

  it("gpuAdam rejects bad hyper-parameters naming them", () => {
    expect(() => gpuAdam(0)).toThrow(/Invalid learningRate = 0/)
    expect(() => gpuAdam(1e-3, 1)).toThrow(/Invalid beta1 = 1: Expected a number in \[0, 1\)/)
    expect(() => gpuAdam(1e-3, 0)).not.toThrow()
    expect(() => gpuAdam(1e-3, 0.9, Number.NaN)).toThrow(/Invalid beta2 = NaN/)
    expect(() => gpuAdam(1e-3, 0.9, 0.999, -1)).toThrow(/Invalid epsilon = -1/)
  })
})

describe.runIf(available)("gpuDense on webgpu", () => {
  // Non-multiples of the 32 tile, single rows and columns, and the categorical VAE's layers.
  const shapes: Array<[number, number, number]> = [
    [1, 1, 1], [3, 5, 7], [33, 31, 65], [64, 32, 96], [100, 784, 512], [100, 512, 256], [100, 256, 200], [100, 200, 256], [100, 512, 784]
  ]
  const cases = shapes.flatMap(([n, k, m]) => [true, false].map((relu) => ({ n, k, m, relu, name: `${n}×${k} · ${k}×${m}${relu ? " relu" : ""}` })))

  it.each(cases)("forward and gradients equal tf.matMul's on cpu: $name", async ({ n, k, m, relu }) => {
    const xv = values(n * k, 1)
    const wv = values(k * m, 2, 1 / Math.sqrt(k))
    const bv = values(m, 3, 0.1)
    const dyv = values(n * m, 4)
    const reference = (x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D) => {
      const z = tf.add(tf.matMul(x, W), b) as tf.Tensor2D
      return relu ? tf.relu(z) : z
    }
    const tensors = () => [tf.tensor2d(xv, [n, k]), tf.tensor2d(wv, [k, m]), tf.tensor1d(bv), tf.tensor2d(dyv, [n, m])] as const
    const [y0, dx0, dW0, db0] = await onCpu(() => {
      const [x, W, b, dy] = tensors()
      const grads = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => reference(a as tf.Tensor2D, c as tf.Tensor2D, d as tf.Tensor1D))([x, W, b], dy)
      return [reference(x, W, b), ...grads]
    })
    const [x, W, b, dy] = tensors()
    const y = gpuDense(x, W, b, { relu })
    const [dx, dW, db] = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => gpuDense(a as tf.Tensor2D, c as tf.Tensor2D, d as tf.Tensor1D, { relu }))([x, W, b], dy)
    expect(y.shape).toEqual([n, m])
    // float32 sums of k (or n) products of O(1) terms: absolute error ~ √k·2^-24 relative to the
    // terms' size, so the tolerance scales with the length of the sum.
    const atol = (len: number) => 2e-6 * Math.sqrt(len) * 4
    expect(worst(await y.data(), y0!, atol(k), 1e-5)).toBeLessThanOrEqual(1)
    expect(worst(await dx!.data(), dx0!, atol(m), 1e-5)).toBeLessThanOrEqual(1)
    expect(worst(await dW!.data(), dW0!, atol(n), 1e-5)).toBeLessThanOrEqual(1)
    expect(worst(await db!.data(), db0!, atol(n), 1e-5)).toBeLessThanOrEqual(1)
    tf.dispose([x, W, b, dy, y, dx!, dW!, db!])
  })

  it("inputGradient: false gives the same W and b gradients and no dx", async () => {
    const [n, k, m] = [37, 50, 45]
    const x = tf.tensor2d(values(n * k, 5), [n, k])
    const W = tf.tensor2d(values(k * m, 6, 0.2), [k, m])
    const b = tf.tensor1d(values(m, 7, 0.1))
    const loss = (options: { relu: boolean; inputGradient: boolean }) => (Wi: tf.Tensor, bi: tf.Tensor) =>
      tf.sum(tf.square(gpuDense(x, Wi as tf.Tensor2D, bi as tf.Tensor1D, options)))
    for (const relu of [true, false]) {
      const full = tf.grads(loss({ relu, inputGradient: true }))([W, b])
      const partial = tf.grads(loss({ relu, inputGradient: false }))([W, b])
      expect(Array.from(await partial[0]!.data())).toEqual(Array.from(await full[0]!.data()))
      expect(Array.from(await partial[1]!.data())).toEqual(Array.from(await full[1]!.data()))
      tf.dispose([...full, ...partial])
    }
    tf.dispose([x, W, b])
  })

  it("reads a bool tensor cast to float32 (int32 storage on webgpu) like its float values", async () => {
    const [n, k, m] = [10, 40, 33]
    const mask = tf.greater(tf.tensor2d(values(n * k, 12), [n, k]), 0.2)
    const xCast = tf.cast(mask, "float32") as tf.Tensor2D
    const xFloat = tf.tensor2d(Float32Array.from(await mask.data()), [n, k])
    const W = tf.tensor2d(values(k * m, 13, 0.3), [k, m])
    const b = tf.tensor1d(values(m, 14, 0.1))
    const dy = tf.tensor2d(values(n * m, 15), [n, m])
    const f = (x: tf.Tensor2D) => tf.grads((a: tf.Tensor, c: tf.Tensor) => gpuDense(x, a as tf.Tensor2D, c as tf.Tensor1D, { relu: true, inputGradient: false }))([W, b], dy)
    const [yc, yf] = [gpuDense(xCast, W, b), gpuDense(xFloat, W, b)]
    expect(Array.from(await yc.data())).toEqual(Array.from(await yf.data()))
    const [gc, gf] = [f(xCast), f(xFloat)]
    expect(Array.from(await gc[0]!.data())).toEqual(Array.from(await gf[0]!.data()))
    tf.dispose([mask, xCast, xFloat, W, b, dy, yc, yf, ...gc, ...gf])
  })

  it("keeps the tensor count flat over forward and backward passes", () => {
    const x = tf.tensor2d(values(20 * 30, 8), [20, 30])
    const W = tf.variable(tf.tensor2d(values(30 * 40, 9, 0.2), [30, 40]))
    const b = tf.variable(tf.zeros([40]) as tf.Tensor1D)
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(gpuDense(x, W, b, { relu: true })) as tf.Scalar, [W, b])
      tf.dispose([value, ...Object.values(grads)])
    }
    step()
    const before = tf.memory().numTensors
    for (let i = 0; i < 10; i++) step()
    expect(tf.memory().numTensors).toBe(before)
    tf.dispose([x, W, b])
  })

  it("rejects bad shapes and dtypes with typed errors naming the argument", () => {
    const x = tf.zeros([4, 3]) as tf.Tensor2D
    const W = tf.zeros([3, 5]) as tf.Tensor2D
    const b = tf.zeros([5]) as tf.Tensor1D
    const error = (f: () => unknown) => {
      try {
        f()
      } catch (e) {
        return e
      }
      return undefined
    }
    const e1 = error(() => gpuDense(x, tf.zeros([4, 5]) as tf.Tensor2D, b))
    expect(e1).toBeInstanceOf(DimensionMismatch)
    expect((e1 as DimensionMismatch).argument).toBe("W.shape[0]")
    expect((e1 as DimensionMismatch).message).toMatch(/W\.shape\[0\]: expected 3, received 4/)
    const e2 = error(() => gpuDense(x, W, tf.zeros([6]) as tf.Tensor1D))
    expect(e2).toBeInstanceOf(DimensionMismatch)
    expect((e2 as DimensionMismatch).argument).toBe("b.shape[0]")
    const e3 = error(() => gpuDense(tf.zeros([4]) as unknown as tf.Tensor2D, W, b))
    expect(e3).toBeInstanceOf(InvalidArgument)
    expect((e3 as InvalidArgument).argument).toBe("x")
    const e4 = error(() => gpuDense(x, tf.zeros([3, 5], "int32") as tf.Tensor2D, b))
    expect((e4 as InvalidArgument).argument).toBe("W")
    expect((e4 as InvalidArgument).message).toMatch(/int32/)
    const e5 = error(() => gpuDense(x, W, tf.zeros([1, 5]) as unknown as tf.Tensor1D))
    expect((e5 as InvalidArgument).argument).toBe("b")
    const e6 = error(() => gpuDense(x, W, b, { relu: "yes" as unknown as boolean }))
    expect((e6 as InvalidArgument).argument).toBe("options.relu")
    tf.dispose([x, W, b])
  })
})

describe.runIf(available)("gpuAdam on webgpu", () => {
  const shapes: Array<Array<number>> = [[7, 5], [300], [1], [33, 65], [2, 3, 4]]

  /** 10 steps of minimize on a loss with shape-varying gradients; returns the variables' values. */
  const train = (optimizer: tf.Optimizer, steps: number) => {
    const vars = shapes.map((s, i) => tf.variable(tf.tensor(values(s.reduce((a, b) => a * b, 1), i + 1), s), true, `adam-test-${tf.getBackend()}-${i}-${Math.random()}`))
    const targets = shapes.map((s, i) => tf.tensor(values(s.reduce((a, b) => a * b, 1), i + 11, 2), s))
    const losses: Array<tf.Scalar> = []
    for (let t = 0; t < steps; t++) {
      losses.push(optimizer.minimize(() => tf.addN(vars.map((v, i) => tf.sum(tf.mul(tf.square(tf.sub(v, targets[i]!)), 1 + i)))) as tf.Scalar, true, vars)!)
    }
    tf.dispose(targets)
    return { vars, losses }
  }

  it("equals tf.train.adam on cpu over 10 steps (values and losses)", async () => {
    for (const [lr, b1, b2, eps] of [[1e-2, 0.9, 0.999, undefined], [0.3, 0.5, 0.9, 1e-3]] as const) {
      const reference = await onCpu(() => {
        const opt = tf.train.adam(lr, b1, b2, eps)
        const { vars, losses } = train(opt, 10)
        const out = [...vars.map((v) => tf.clone(v)), tf.stack(losses)]
        tf.dispose([...vars, ...losses])
        opt.dispose()
        return out
      })
      const opt = gpuAdam(lr, b1, b2, eps)
      const { vars, losses } = train(opt, 10)
      expect(opt.iterations).toBe(10)
      for (let i = 0; i < vars.length; i++) {
        expect(worst(await vars[i]!.data(), reference[i]!, 1e-6, 1e-5)).toBeLessThanOrEqual(1)
      }
      const l = await Promise.all(losses.map(async (s) => (await s.data())[0]!))
      expect(worst(l, reference[vars.length]!, 1e-6, 1e-5)).toBeLessThanOrEqual(1)
      tf.dispose([...vars, ...losses])
      opt.dispose()
    }
  })

  it("matches tf.train.adam on webgpu step by step", async () => {
    const mk = () => tf.variable(tf.tensor2d(values(12 * 9, 3), [12, 9]))
    const [a, b] = [mk(), mk()]
    const target = tf.tensor2d(values(12 * 9, 4), [12, 9])
    const [ta, ga] = [tf.train.adam(0.05), gpuAdam(0.05)]
    for (let t = 0; t < 10; t++) {
      ta.minimize(() => tf.sum(tf.square(tf.sub(a, target))) as tf.Scalar, false, [a])
      ga.minimize(() => tf.sum(tf.square(tf.sub(b, target))) as tf.Scalar, false, [b])
      expect(worst(await b.data(), await a.data(), 1e-6, 4e-6)).toBeLessThanOrEqual(1)
    }
    const weights = await ga.getWeights()
    expect(weights.map((w) => w.name)).toEqual(["iter", `${b.name}/m`, `${b.name}/v`])
    tf.dispose([a, b, target])
    ta.dispose()
    ga.dispose()
  })

  it("keeps the tensor count flat", () => {
    const w = tf.variable(tf.ones([50, 3]))
    const opt = gpuAdam(0.01)
    const step = () => opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar, false, [w])
    step()
    const before = tf.memory().numTensors
    for (let i = 0; i < 10; i++) step()
    expect(tf.memory().numTensors).toBe(before)
    opt.dispose()
    w.dispose()
  })

  it("rejects a gradient of the wrong shape", () => {
    const w = tf.variable(tf.ones([2, 3]))
    const g = tf.ones([3, 2])
    expect(() => gpuAdam(0.01).applyGradients({ [w.name]: g })).toThrow(DimensionMismatch)
    tf.dispose([w, g])
  })
})

describe.runIf(available)("gpuBernoulliNll and gpuCategoricalKl on webgpu", () => {
  const bernoulliRef = (o: tf.Tensor, x: tf.Tensor, scale: number) => tf.mul(tf.sum(tf.sub(tf.softplus(o), tf.mul(x, o))), scale)
  const klRef = (t: tf.Tensor, scale: number) => {
    const logq = tf.logSoftmax(t)
    return tf.mul(tf.add(tf.sum(tf.mul(tf.exp(logq), logq)), t.shape[0]! * Math.log(t.shape[1]!)), scale)
  }

  it.each([[1, 1], [3, 7], [100, 784], [300, 333]])("Bernoulli NLL and its gradient equal tfjs's on cpu: [%i, %i]", async (n, m) => {
    const ov = values(n * m, 21, 6)
    const xv = Float32Array.from(values(n * m, 22), (v) => (v > 0 ? 1 : 0))
    const scale = 1 / n
    const [value0, grad0] = await onCpu(() => {
      const [o, x] = [tf.tensor2d(ov, [n, m]), tf.tensor2d(xv, [n, m])]
      return [bernoulliRef(o, x, scale), tf.grad((t: tf.Tensor) => bernoulliRef(t, x, scale))(o)]
    })
    const [o, x] = [tf.tensor2d(ov, [n, m]), tf.tensor2d(xv, [n, m])]
    const value = gpuBernoulliNll(o, x, { scale })
    const grad = tf.grad((t: tf.Tensor) => gpuBernoulliNll(t, x, { scale }))(o)
    expect(value.shape).toEqual([])
    expect(worst(await value.data(), value0!, 1e-6, 1e-5)).toBeLessThanOrEqual(1)
    expect(worst(await grad.data(), grad0!, 1e-7, 1e-5)).toBeLessThanOrEqual(1)
    tf.dispose([o, x, value, grad])
  })

  it.each([[1, 2], [5, 3], [2000, 10], [77, 129]])("categorical KL to uniform and its gradient equal tfjs's on cpu: [%i, %i]", async (rows, K) => {
    const tv = values(rows * K, 23, 4)
    const scale = 0.01
    const [value0, grad0] = await onCpu(() => {
      const t = tf.tensor2d(tv, [rows, K])
      return [klRef(t, scale), tf.grad((u: tf.Tensor) => klRef(u, scale))(t)]
    })
    const t = tf.tensor2d(tv, [rows, K])
    const value = gpuCategoricalKl(t, { scale })
    const grad = tf.grad((u: tf.Tensor) => gpuCategoricalKl(u as tf.Tensor2D, { scale }))(t)
    expect(worst(await value.data(), value0!, 1e-6, 1e-5)).toBeLessThanOrEqual(1)
    expect(worst(await grad.data(), grad0!, 1e-8, 1e-4)).toBeLessThanOrEqual(1)
    const zero = gpuCategoricalKl(tf.zeros([4, 10]) as tf.Tensor2D)
    expect(Math.abs((await zero.data())[0]!)).toBeLessThan(1e-6)
    tf.dispose([t, value, grad, zero])
  })

  it("keep the tensor count flat and reject bad arguments by name", () => {
    const o = tf.tensor2d(values(60, 24), [6, 10])
    const x = tf.zeros([6, 10])
    const step = () => {
      tf.grad((t: tf.Tensor) => tf.add(gpuBernoulliNll(t, x), gpuCategoricalKl(t as tf.Tensor2D)))(o).dispose()
    }
    step()
    const before = tf.memory().numTensors
    for (let i = 0; i < 10; i++) step()
    expect(tf.memory().numTensors).toBe(before)
    expect(() => gpuBernoulliNll(o, tf.zeros([6, 11]))).toThrow(DimensionMismatch)
    expect(() => gpuBernoulliNll(o, x, { scale: Number.NaN })).toThrow(/Invalid options.scale = NaN/)
    expect(() => gpuBernoulliNll(o, tf.zeros([6, 10], "int32"))).toThrow(/Invalid x = "?int32/)
    expect(() => gpuCategoricalKl(tf.zeros([60]) as unknown as tf.Tensor2D)).toThrow(/Invalid theta/)
    tf.dispose([o, x])
  })
})
