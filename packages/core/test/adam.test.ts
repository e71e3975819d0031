/**
 * The fused Adam (Adam.ts, internal/adam.ts, perturb.c `perturb_adam`): equal to tf.train.adam on
 * the cpu and wasm backends over many steps and variables of many sizes (SIMD tails included);
 * equal to an independent float32 reference where tfjs's index-keyed state cannot serve (moments
 * per variable name); the composed fallback on a backend without the kernel, and moments carried
 * across a backend switch; tensor hygiene; θ assigned as a new tensor, never written into a buffer
 * tfjs holds; and the typed error for every bad hyper-parameter.
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { beforeAll, describe, expect, it } from "vitest"
import { adam, InvalidArgument } from "../src/index.js"
import { cpuUnderAnotherName, worst } from "./helpers.js"

const SHAPES: Array<Array<number>> = [[1], [3], [4], [5], [7], [13], [4, 5], [37, 11], [1025], [64, 33]]

/** Deterministic, non-trivial starting values and loss weights (no tfjs RNG). */
const values = (n: number, seed: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 1.5)

const makeVars = (seed: number): Array<tf.Variable> =>
  SHAPES.map((shape, k) => tf.variable(tf.tensor(values(shape.reduce((a, b) => a * b, 1), seed + k), shape), true))

/** A loss with gradients of varied sign and size, different at every step: Σ_k Σ c·sin(θ) + 0.05·θ⁴. */
const loss = (vars: ReadonlyArray<tf.Variable>, step: number): tf.Scalar =>
  tf.tidy(() =>
    vars
      .map((v, k) => {
        const c = tf.tensor(values(v.size, 100 + k + step), v.shape)
        return tf.sum(tf.add(tf.mul(c, tf.sin(v)), tf.mul(0.05, tf.pow(v, 4))))
      })
      .reduce((a, b) => tf.add(a, b)) as tf.Scalar
  )

/** Adam in float32, each operation rounded as tfjs rounds it: the reference for one variable's history. */
class ReferenceAdam {
  private readonly m: Float32Array
  private readonly s: Float32Array
  constructor(readonly theta: Float32Array) {
    this.m = new Float32Array(theta.length)
    this.s = new Float32Array(theta.length)
  }
  step(g: ArrayLike<number>, t: number, lr: number, beta1: number, beta2: number, eps: number): void {
    const f = Math.fround
    const [b1, b2, ob1, ob2] = [f(beta1), f(beta2), f(1 - beta1), f(1 - beta2)]
    let acc1 = b1
    let acc2 = b2
    for (let i = 1; i < t; i++) {
      acc1 = f(acc1 * b1)
      acc2 = f(acc2 * b2)
    }
    const [c1, c2] = [f(1 - acc1), f(1 - acc2)]
    for (let i = 0; i < this.theta.length; i++) {
      const gi = f(g[i]!)
      const m = f(f(this.m[i]! * b1) + f(gi * ob1))
      const s = f(f(this.s[i]! * b2) + f(f(gi * gi) * ob2))
      this.m[i] = m
      this.s[i] = s
      this.theta[i] = f(f(f(f(m / c1) / f(f(Math.sqrt(f(s / c2))) + f(eps))) * f(-lr)) + this.theta[i]!)
    }
  }
}

describe.each(["cpu", "wasm"])("adam on %s", (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend)
  })

  it("equals tf.train.adam over 15 steps on variables of 10 sizes (odd lengths, SIMD tails), bit for bit", () => {
    const ours = makeVars(1)
    const theirs = makeVars(1)
    const a = adam(0.05, 0.8, 0.95, 1e-6)
    const b = tf.train.adam(0.05, 0.8, 0.95, 1e-6)
    for (let step = 0; step < 15; step++) {
      const la = a.minimize(() => loss(ours, step), true, ours)!
      const lb = b.minimize(() => loss(theirs, step), true, theirs)!
      expect(la.dataSync()[0]).toBe(lb.dataSync()[0])
      tf.dispose([la, lb])
      ours.forEach((v, k) => {
        const x = v.dataSync()
        const y = theirs[k]!.dataSync()
        // Within float32 rounding in every case; in fact identical, which is what the doc claims.
        expect(worst(x, y, 1e-5, 1e-7)).toBeLessThanOrEqual(1)
        expect(Array.from(x)).toEqual(Array.from(y))
      })
    }
    expect(a.iterations).toBe(15)
    a.dispose()
    b.dispose()
    tf.dispose([...ours, ...theirs])
  })

  it("getWeights / setWeights: tf.train.adam's layout, both ways, and training resumes alike", async () => {
    const ours = makeVars(5)
    const theirs = makeVars(5)
    const a = adam(0.05)
    const b = tf.train.adam(0.05)
    for (let step = 0; step < 3; step++) {
      tf.dispose(a.minimize(() => loss(ours, step), true, ours)!)
      tf.dispose(b.minimize(() => loss(theirs, step), true, theirs)!)
    }
    const wa = await a.getWeights()
    const wb = await b.getWeights()
    // tfjs names its moments after the variable's name; ours are keyed by it too.
    expect(wa.length).toBe(wb.length)
    expect(wa[0]!.tensor.dataSync()[0]).toBe(3)
    wa.slice(1).forEach((w, i) => {
      const k = i % ours.length
      const suffix = i < ours.length ? "/m" : "/v"
      expect(w.name).toBe(`${ours[k]!.name}${suffix}`)
      expect(wb[i + 1]!.name).toBe(`${theirs[k]!.name}${suffix}`)
      expect(Array.from(w.tensor.dataSync())).toEqual(Array.from(wb[i + 1]!.tensor.dataSync()))
    })
    // Restore tf.train.adam's weights into a fresh fused Adam (renamed to our variables), and ours
    // into a fresh tf.train.adam; both continue from the same state.
    const c = adam(0.05)
    await c.setWeights([wb[0]!, ...wb.slice(1).map((w, i) => ({ name: `${ours[i % ours.length]!.name}${i < ours.length ? "/m" : "/v"}`, tensor: w.tensor }))])
    const d = tf.train.adam(0.05)
    await d.setWeights(wa)
    expect(c.iterations).toBe(3)
    for (let step = 3; step < 6; step++) {
      tf.dispose(c.minimize(() => loss(ours, step), true, ours)!)
      tf.dispose(d.minimize(() => loss(theirs, step), true, theirs)!)
    }
    ours.forEach((v, k) => expect(worst(v.dataSync(), theirs[k]!.dataSync(), 1e-6, 1e-7)).toBeLessThanOrEqual(1))
    await expect(c.setWeights([wa[0]!, wa[1]!])).rejects.toThrow(InvalidArgument)
    await expect(c.setWeights([wa[0]!, wa[1]!, { name: "other/v", tensor: wa[1]!.tensor }])).rejects.toThrow(/name\/m and name\/v/)
    tf.dispose([...wa.map((w) => w.tensor), ...wb.map((w) => w.tensor)])
    for (const o of [a, b, c, d]) o.dispose()
    tf.dispose([...ours, ...theirs])
  })

  it("equals tf.train.adam with the default hyper-parameters and minimize without a varList", () => {
    const ours = makeVars(2)
    const a = adam()
    const expected = ours.map((v) => new ReferenceAdam(Float32Array.from(v.dataSync())))
    for (let step = 1; step <= 12; step++) {
      const { grads, value } = tf.variableGrads(() => loss(ours, step), ours)
      const gs = ours.map((v) => grads[v.name]!.dataSync().slice())
      tf.dispose([value, ...Object.values(grads)])
      // Map form, as minimize(f) without a varList passes it.
      const { grads: g2, value: v2 } = tf.variableGrads(() => loss(ours, step), ours)
      a.applyGradients(g2)
      tf.dispose([v2, ...Object.values(g2)])
      expected.forEach((r, k) => r.step(gs[k]!, step, 0.001, 0.9, 0.999, tf.backend().epsilon()))
    }
    ours.forEach((v, k) => expect(Array.from(v.dataSync())).toEqual(Array.from(expected[k]!.theta)))
    a.dispose()
    tf.dispose(ours)
  })

  it("keeps moments per variable name: variables updated in different steps follow their own history", () => {
    const [x, y] = [tf.variable(tf.tensor1d(values(9, 3))), tf.variable(tf.tensor2d(values(15, 4), [3, 5]))]
    const rx = new ReferenceAdam(Float32Array.from(x.dataSync()))
    const ry = new ReferenceAdam(Float32Array.from(y.dataSync()))
    const a = adam(0.01)
    const eps = tf.backend().epsilon()
    // t counts the optimizer's steps, whichever variables a step touches (as in tfjs).
    const plan: Array<Array<"x" | "y">> = [["x"], ["y"], ["x", "y"], ["y", "x"], ["y"], ["x", "y"]]
    plan.forEach((which, i) => {
      const vars = which.map((w) => (w === "x" ? x : y))
      const { grads, value } = tf.variableGrads(() => loss(vars, i), vars)
      which.forEach((w, k) => (w === "x" ? rx : ry).step(grads[vars[k]!.name]!.dataSync(), i + 1, 0.01, 0.9, 0.999, eps))
      a.applyGradients(vars.map((v) => ({ name: v.name, tensor: grads[v.name]! })))
      tf.dispose([value, ...Object.values(grads)])
    })
    expect(Array.from(x.dataSync())).toEqual(Array.from(rx.theta))
    expect(Array.from(y.dataSync())).toEqual(Array.from(ry.theta))
    a.dispose()
    tf.dispose([x, y])
  })

  it("leaks no tensor: numTensors is flat over a training loop, and dispose releases everything", () => {
    const vars = makeVars(5)
    const before = tf.memory().numTensors
    const a = adam(0.01)
    a.minimize(() => loss(vars, 0), false, vars)
    const after1 = tf.memory().numTensors
    for (let step = 1; step < 20; step++) {
      const l = a.minimize(() => loss(vars, step), true, vars)!
      l.dispose()
    }
    expect(tf.memory().numTensors).toBe(after1)
    a.dispose()
    expect(tf.memory().numTensors).toBe(before)
    tf.dispose(vars)
  })

  it("assigns θ as a new tensor every step (a new dataId: tfjs-wasm's per-id matMul operators never see stale weights), freeing the old one", () => {
    const v = tf.variable(tf.tensor1d(values(21, 8)))
    const a = adam(0.1)
    a.minimize(() => loss([v], 0), false, [v])
    const bytes = tf.memory().numBytes
    const tensors = tf.memory().numTensors
    for (let step = 1; step < 4; step++) {
      const id = v.dataId
      const old = Array.from(v.dataSync())
      a.minimize(() => loss([v], step), false, [v])
      expect(Array.from(v.dataSync())).not.toEqual(old)
      // Before issue #11 the wasm backend kept the dataId and wrote into its buffer.
      expect(v.dataId).not.toBe(id)
      expect(tf.memory().numBytes).toBe(bytes)
      expect(tf.memory().numTensors).toBe(tensors)
    }
    a.dispose()
    v.dispose()
  })

  it("never writes into a buffer another tensor shares: a clone taken before the step keeps its values", () => {
    const v = tf.variable(tf.tensor1d(values(11, 6)))
    const a = adam(0.1)
    a.minimize(() => loss([v], 0), false, [v])
    const snapshot = v.clone()
    const kept = Array.from(snapshot.dataSync())
    const read = v.dataSync()
    const readCopy = Array.from(read)
    a.minimize(() => loss([v], 1), false, [v])
    expect(Array.from(snapshot.dataSync())).toEqual(kept)
    // An array dataSync handed out before the step is not changed by it (on cpu it is the buffer itself).
    expect(Array.from(read)).toEqual(readCopy)
    expect(Array.from(v.dataSync())).not.toEqual(kept)
    a.dispose()
    tf.dispose([v, snapshot])
  })
})

describe("adam without the fused kernel", () => {
  // The fused step runs only on backends named cpu and wasm.
  cpuUnderAnotherName("composed-cpu")

  it("runs tf.train.adam's formula as tfjs ops, and carries the moments across backend switches", async () => {
    await tf.setBackend("cpu")
    const ours = makeVars(7)
    const theirs = makeVars(7)
    const a = adam(0.02)
    const b = tf.train.adam(0.02)
    const backends = ["composed-cpu", "composed-cpu", "cpu", "cpu", "wasm", "composed-cpu", "wasm", "cpu", "cpu", "composed-cpu"]
    for (const [step, name] of backends.entries()) {
      await tf.setBackend(name)
      a.minimize(() => loss(ours, step), false, ours)
      b.minimize(() => loss(theirs, step), false, theirs)
      ours.forEach((v, k) => expect(Array.from(v.dataSync())).toEqual(Array.from(theirs[k]!.dataSync())))
    }
    const before = tf.memory().numTensors
    a.dispose()
    // The moments were tensors on the last, composed step: dispose releases them.
    expect(tf.memory().numTensors).toBe(before - 2 * ours.length)
    b.dispose()
    tf.dispose([...ours, ...theirs])
  })
})

describe("adam's hyper-parameters", () => {
  const bad: Array<[string, (x: number) => unknown]> = [
    ["learningRate", (x) => adam(x)],
    ["beta1", (x) => adam(0.1, x)],
    ["beta2", (x) => adam(0.1, 0.9, x)],
    ["epsilon", (x) => adam(0.1, 0.9, 0.999, x)]
  ]
  const values: Record<string, Array<unknown>> = {
    learningRate: [0, -0.1, Number.NaN, Number.POSITIVE_INFINITY, "0.1"],
    beta1: [-0.1, 1, 1.5, 1 - 1e-10, Number.NaN, Number.POSITIVE_INFINITY, "0.9"],
    beta2: [-0.1, 1, 1.5, 1 - 1e-10, Number.NaN, Number.NEGATIVE_INFINITY, "0.999"],
    epsilon: [0, -1e-7, 1e-50, Number.NaN, Number.POSITIVE_INFINITY, "1e-7"]
  }

  it.each(bad)("a bad %s is an InvalidArgument naming it and the value", (argument, make) => {
    for (const value of values[argument]!) {
      let error: unknown
      try {
        make(value as number)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(InvalidArgument)
      const e = error as InvalidArgument
      expect(e.argument).toBe(argument)
      expect(Object.is(e.value, value)).toBe(true)
      expect(e.message).toContain(argument)
    }
  })

  it("accepts the edges: β = 0, tiny ε, and reports its config", () => {
    const a = adam(1e-3, 0, 0, 1e-30)
    expect(a.getConfig()).toEqual({ learningRate: 1e-3, beta1: 0, beta2: 0, epsilon: 1e-30 })
    expect(a.getClassName()).toBe("PerturbFusedAdam")
    a.dispose()
  })
})
