/**
 * The tfjs ops of Perturbed.ts on the cpu and wasm backends: shapes [..., d] → [..., outDim],
 * rows and gradients equal to the float64 entry under the op's per-call, per-row keys, keys
 * advancing per call, the Fenchel–Young gradient against finite differences of its estimate with
 * common random numbers, a tiny linear model trained with adam on top-k targets, flat memory, and
 * bad input.
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { Key, Noise } from "@perturb/noise"
import { beforeAll, describe, expect, it } from "vitest"
import { adam, DimensionMismatch, fenchelYoungLoss, InvalidArgument, perturbed, Solver } from "../src/index.js"
import { caught, read } from "./helpers.js"
import { tensorsLeaked } from "./leaks.js"

const thetaOf = (shape: Array<number>): tf.Tensor =>
  tf.tidy(() => tf.sin(tf.range(0, shape.reduce((a, b) => a * b, 1), 1, "float32").mul(1.7)).reshape(shape))

describe.each(["cpu", "wasm"])("perturbed ops on %s", (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend)
    await tf.ready()
  })

  it("maps [..., d] to [..., outDim] at ranks 1 to 3; rows equal the float64 entry under the folded keys", () => {
    const key = Key.make(4)
    const solver = Solver.custom({ d: 4, outDim: 2, solve: (t) => [Math.max(...t), t[0]! > t[3]! ? 1 : 0] })
    for (const shape of [[4], [3, 4], [2, 2, 4]]) {
      const op = perturbed(solver, { sigma: 0.5, samples: 256, key })
      const theta = thetaOf(shape)
      const out = op(theta)
      expect(out.shape).toEqual([...shape.slice(0, -1), 2])
      const rows = read(theta)
      const got = read(out)
      for (let r = 0; r < rows.length / 4; r++) {
        const alone = perturbed(solver, { sigma: 0.5, samples: 256, key: Key.fold(Key.fold(key, 0), r) })
        const e = alone.estimate64(Float64Array.from(rows.subarray(4 * r, 4 * r + 4)))
        expect(got[2 * r]).toBeCloseTo(e.mean[0]!, 5)
        expect(got[2 * r + 1]).toBeCloseTo(e.mean[1]!, 5)
      }
      tf.dispose([theta, out])
    }
  })

  it("the gradient is the vector–Jacobian product of each row's estimated Jacobian", () => {
    const key = Key.make(9)
    const op = perturbed(Solver.ranks(3), { noise: Noise.gumbel(), sigma: 0.4, samples: 512, key, method: "mc" })
    const theta = tf.tensor2d([[0.2, 0.6, 0.1], [1, -1, 0.5]])
    const dy = tf.tensor2d([[1, -2, 0.5], [0, 1, 3]])
    const g = read(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(op(t), dy)))(theta))
    const rows = read(theta)
    const w = read(dy)
    for (let r = 0; r < 2; r++) {
      const alone = perturbed(Solver.ranks(3), { noise: Noise.gumbel(), sigma: 0.4, samples: 512, key: Key.fold(Key.fold(key, 0), r), method: "mc" })
      const J = alone.estimate64(Float64Array.from(rows.subarray(3 * r, 3 * r + 3)), { jacobian: true }).jacobian!
      for (let j = 0; j < 3; j++) {
        const vjp = [0, 1, 2].reduce((s, i) => s + w[3 * r + i]! * J[i * 3 + j]!, 0)
        expect(g[3 * r + j]).toBeCloseTo(vjp, 4)
      }
    }
  })

  it("method exact (argmax, Gumbel): softmax(θ/σ) forward, its Jacobian backward; the loss's gradient is softmax − y", () => {
    const sigma = 0.5
    const op = perturbed(Solver.argmax(3), { noise: Noise.gumbel(), sigma, method: "exact" })
    const theta = tf.tensor2d([[0.2, -0.1, 0.4], [1, 0, -1]])
    const dy = tf.tensor2d([[1, 0, -1], [0.5, 2, 0]])
    const p = tf.softmax(tf.div(theta, sigma)).dataSync()
    read(op(theta)).forEach((v, i) => expect(v).toBeCloseTo(p[i]!, 6))
    const g = read(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(op(t), dy)))(theta))
    const ref = read(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.softmax(tf.div(t, sigma)), dy)))(theta))
    g.forEach((v, i) => expect(v).toBeCloseTo(ref[i]!, 5))
    const loss = fenchelYoungLoss(Solver.argmax(3), { noise: Noise.gumbel(), sigma, method: "exact" })
    const y = tf.tensor2d([[0, 0, 1], [1, 0, 0]])
    const gl = read(tf.grad((t: tf.Tensor) => tf.sum(loss(t, y)))(theta))
    const want = read(tf.sub(tf.tensor(p, [2, 3]), y))
    gl.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6))
  })

  it("past 64 MiB of kept draws the backward pass draws again from the same keys: the same gradient", () => {
    // 1 row × (2^21 + 16) draws × (d + outDim = 4) values is just over the 2^23 the forward keeps
    const samples = 2 ** 21 + 16
    const key = Key.make(12)
    const op = perturbed(Solver.argmax(2), { noise: Noise.gumbel(), samples, key, method: "mc" })
    const g = read(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(op(t), tf.tensor1d([1, -1]))))(tf.tensor1d([0.3, -0.2])))
    const alone = perturbed(Solver.argmax(2), { noise: Noise.gumbel(), samples, key: Key.fold(Key.fold(key, 0), 0), method: "mc" })
    const J = alone.estimate64(Float64Array.of(0.3, -0.2), { jacobian: true }).jacobian!
    expect(g[0]).toBeCloseTo(J[0]! - J[2]!, 5)
    expect(g[1]).toBeCloseTo(J[1]! - J[3]!, 5)
  }, 60_000)

  it("calls draw fresh noise; the same key replays the same calls", () => {
    const a = perturbed(Solver.topK(4, 2), { samples: 64, key: Key.make(1), method: "mc" })
    const b = perturbed(Solver.topK(4, 2), { samples: 64, key: Key.make(1), method: "mc" })
    const theta = tf.tensor1d([0.1, 0.2, 0.3, 0.4])
    const [a1, a2, b1, b2] = [a(theta), a(theta), b(theta), b(theta)].map(read)
    expect(a1).toEqual(b1)
    expect(a2).toEqual(b2)
    expect(a1).not.toEqual(a2)
  })

  it("Fenchel–Young: the gradient P_σ(θ) − y matches central differences of the estimate (same key), and ∂/∂y = −θ", () => {
    const solver = Solver.topK(5, 2)
    const theta = Float64Array.of(0.3, -0.2, 0.8, 0.1, 0.5)
    const y = Float64Array.of(0, 1, 1, 0, 0)
    for (const method of ["mc", "qmc"] as const) {
      const loss = fenchelYoungLoss(solver, { noise: Noise.gumbel(), sigma: 0.5, samples: 1024, key: Key.make(2), method })
      const r = loss.estimate64(theta, y)
      // The estimate is piecewise linear in θ for fixed draws, so a small step crosses no kink.
      const h = 1e-6
      for (let j = 0; j < 5; j++) {
        const up = Float64Array.from(theta)
        const down = Float64Array.from(theta)
        up[j] = up[j]! + h
        down[j] = down[j]! - h
        const fd = (loss.estimate64(up, y).loss - loss.estimate64(down, y).loss) / (2 * h)
        expect(fd).toBeCloseTo(r.gradient[j]!, 6)
      }
    }
    const loss = fenchelYoungLoss(solver, { noise: Noise.gumbel(), sigma: 0.5, samples: 256, key: Key.make(2) })
    const t = tf.tensor1d(Array.from(theta))
    const yt = tf.tensor1d(Array.from(y))
    const [gt, gy] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.mul(loss(a, b), 2))([t, yt])
    const alone = fenchelYoungLoss(solver, { noise: Noise.gumbel(), sigma: 0.5, samples: 256, key: Key.fold(Key.fold(Key.make(2), 0), 0) })
    const ref = alone.estimate64(theta, y).gradient
    read(gt!).forEach((v, j) => expect(v).toBeCloseTo(2 * ref[j]!, 5))
    read(gy!).forEach((v, j) => expect(v).toBeCloseTo(-2 * theta[j]!, 5))
  })

  it("a linear model trained with adam on top-k targets lowers the Fenchel–Young loss", () => {
    const d = 6
    const features = 3
    const n = 24
    const X = tf.tidy(() => tf.cos(tf.range(0, n * features).reshape([n, features]).mul(0.9)))
    const Wtrue = tf.tensor2d([[1, -1, 0.5, 0, 2, -0.5], [0, 1, -1, 1.5, 0, 0.5], [-1, 0, 1, 0.5, -0.5, 1]])
    const targets = tf.tidy(() => {
      const scores = X.matMul(Wtrue).arraySync() as Array<Array<number>>
      return tf.tensor2d(scores.map((row) => Array.from(Solver.topK(d, 2).apply(Float64Array.from(row)))))
    })
    const W = tf.variable(tf.zeros([features, d]))
    const loss = fenchelYoungLoss(Solver.topK(d, 2), { sigma: 0.5, samples: 128, key: Key.make(3) })
    const opt = adam(0.1)
    const meanLoss = () => tf.mean(loss(X.matMul(W), targets)) as tf.Scalar
    const first = meanLoss().dataSync()[0]!
    let last = first
    for (let i = 0; i < 40; i++) last = opt.minimize(meanLoss, true, [W])!.dataSync()[0]!
    expect(last).toBeLessThan(first - 0.3)
    const accuracy = tf.tidy(() => {
      const pred = X.matMul(W).arraySync() as Array<Array<number>>
      const hits = pred.map((row, i) => Array.from(Solver.topK(d, 2).apply(Float64Array.from(row))).reduce((s, v, j) => s + v * (targets.arraySync() as Array<Array<number>>)[i]![j]!, 0))
      return hits.reduce((a, b) => a + b, 0) / (2 * n)
    })
    expect(accuracy).toBeGreaterThan(0.8)
    tf.dispose([X, Wtrue, targets, W])
  })

  it("memory stays flat over forward and backward passes of both ops", () => {
    const op = perturbed(Solver.ranks(4), { samples: 64 })
    const loss = fenchelYoungLoss(Solver.ranks(4), { samples: 64 })
    const theta = tf.variable(tf.randomNormal([3, 4], 0, 1, "float32", 1))
    const y = tf.tensor2d([[1, 2, 3, 4], [4, 3, 2, 1], [2, 1, 4, 3]])
    const opt = tf.train.adam(0.05)
    const leaked = tensorsLeaked(() => {
      opt.minimize(() => tf.add(tf.sum(loss(theta, y)), tf.sum(tf.square(op(theta)))) as tf.Scalar, false, [theta])
      tf.tidy(() => {
        tf.grad((t: tf.Tensor) => tf.sum(op(t)))(theta)
      })
    })
    expect(leaked).toBe(0)
    tf.dispose([theta, y])
  })

  it("refuses bad input: θ's last axis, dtype and values, targets' shape, non-linear solvers, gradients without a score", () => {
    const op = perturbed(Solver.ranks(3), { samples: 16 })
    expect(caught(() => op(tf.tensor1d([1, 2])))).toBeInstanceOf(DimensionMismatch)
    expect(caught(() => op(tf.tensor1d([1, 2, 3], "int32"))).argument).toBe("theta")
    expect(caught(() => op(tf.tensor1d([1, Number.NaN, 3]))).argument).toBe("theta[1]")
    const loss = fenchelYoungLoss(Solver.ranks(3), { samples: 16 })
    expect(caught(() => loss(tf.zeros([2, 3]), tf.zeros([3])))).toBeInstanceOf(DimensionMismatch)
    expect(caught(() => fenchelYoungLoss(Solver.sort(3))).argument).toBe("solver")
    const atomic = perturbed(Solver.ranks(3), { noise: Noise.discrete({ atoms: [-1, 1] }), samples: 16, method: "mc" })
    expect(read(atomic(tf.tensor1d([0, 1, 2]))).length).toBe(3)
    const refusal = caught(() => tf.grad((t: tf.Tensor) => tf.sum(atomic(t)))(tf.tensor1d([0, 1, 2])))
    expect(refusal).toBeInstanceOf(InvalidArgument)
    expect(refusal.argument).toBe("noise")
  })
})
