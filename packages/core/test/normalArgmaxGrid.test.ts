/**
 * normalArgmaxGrid (NormalArgmaxGrid.ts, perturb.c `perturb_gauss_grid`): the fused kernel
 * equals the tfjs-ops formulation in values and gradients on the cpu and wasm backends (one row,
 * the VAE's [2000, 10], d up to 1000, sizes off the SIMD width, extreme θ and ties); it agrees with
 * core's float64 adaptive quadrature; Σ_i P_i = 1; the composed path on other backends; tensor
 * hygiene; typed errors.
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { Key, Noise } from "@perturb/noise"
import { beforeAll, describe, expect, it } from "vitest"
import { compile, gaussianArgmaxGrid, InvalidArgument, Model, normalArgmaxGrid, Space } from "../src/index.js"
import { gridOps, gridRule } from "../src/internal/normalGrid.js"
import { cpuUnderAnotherName, worst } from "./helpers.js"

const thetaOf = (rows: number, d: number, sd: number, seed: number): tf.Tensor2D =>
  tf.tensor2d(Float32Array.from(Noise.sample(Noise.normal({ sd }), Key.make(seed), rows * d)), [rows, d])

/** Probabilities and the gradient of ⟨c, P⟩ for a fixed random c, by `f`. */
const valueAndGrad = (f: (t: tf.Tensor2D) => tf.Tensor2D, theta: tf.Tensor2D, seed: number) =>
  tf.tidy(() => {
    const c = thetaOf(theta.shape[0], theta.shape[1], 1, seed)
    const p = f(theta).dataSync().slice()
    const g = tf.grad((t) => tf.sum(tf.mul(f(t.as2D(...theta.shape)), c)))(theta).dataSync().slice()
    return { p, g, scale: Math.max(...Array.from(c.dataSync(), Math.abs)) }
  })

const ops = (t: tf.Tensor2D) => gridOps(t, gridRule(64, 8))

for (const backend of ["cpu", "wasm"] as const) {
  describe(`normalArgmaxGrid on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend)
    })

    const cases: Array<[string, () => tf.Tensor2D]> = [
      ["[1, 10]", () => thetaOf(1, 10, 2, 1)],
      ["[1, 1]", () => tf.tensor2d([[0.3]])],
      ["[2000, 10] (the VAE's KL term)", () => thetaOf(2000, 10, 2, 2)],
      ["[7, 3] (odd sizes)", () => thetaOf(7, 3, 1, 3)],
      ["[3, 13]", () => thetaOf(3, 13, 3, 4)],
      ["[4, 32] (the widest rows whose Jacobian the forward pass keeps)", () => thetaOf(4, 32, 2, 8)],
      ["[4, 33] (the narrowest rows whose backward pass recomputes)", () => thetaOf(4, 33, 2, 9)],
      ["[2, 1000]", () => thetaOf(2, 1000, 1, 5)],
      ["[5, 257], spread 10", () => thetaOf(5, 257, 10, 6)],
      ["ties", () => tf.tensor2d([[1, 1, 1, 0], [0, 0, 0, 0], [2, -1, 2, 2]])],
      ["±1e4", () => tf.tensor2d([[1e4, -1e4, 0, 1e4 - 1], [-1e4, -1e4 + 0.5, -1e4 - 3, -1e4]])]
    ]
    for (const [name, make] of cases) {
      it(`equals the tfjs-ops formulation in values and gradients: ${name}`, () => {
        const theta = make()
        const fused = valueAndGrad((t) => normalArgmaxGrid(t), theta, 7)
        const composed = valueAndGrad(ops, theta, 7)
        expect(worst(fused.p, composed.p, 2e-5, 2e-6)).toBeLessThan(1)
        // Gradients scale with c (up to ~4): absolute tolerance relative to it.
        expect(worst(fused.g, composed.g, 1e-4, 4e-6 * fused.scale)).toBeLessThan(1)
        theta.dispose()
      })
    }

    it("agrees with core's float64 Normal-Argmax probabilities to ~1e-6, and Σ_i P_i = 1", () => {
      for (const [rows, d, sd] of [[40, 10, 3], [10, 3, 1], [5, 37, 2]] as const) {
        const theta = thetaOf(rows, d, sd, 11 + d)
        const got = Float32Array.from(tf.tidy(() => normalArgmaxGrid(theta).dataSync()))
        const exact = tf.tidy(() => compile(Model.perturbArgmax({ space: Space.reals(d), noise: Noise.normal() })).probs(theta).probs.dataSync().slice())
        expect(worst(got, exact, 0, 2e-6)).toBeLessThan(1)
        for (let r = 0; r < rows; r++) {
          const s = got.subarray(r * d, (r + 1) * d).reduce((a, b) => a + b, 0)
          expect(Math.abs(s - 1)).toBeLessThan(1e-5)
        }
        theta.dispose()
      }
    })

    it("is invariant to θ + c𝟙 and gives the uniform law on ties", () => {
      const theta = thetaOf(4, 6, 2, 21)
      const a = tf.tidy(() => normalArgmaxGrid(theta).dataSync().slice())
      const b = tf.tidy(() => normalArgmaxGrid(tf.add(theta, 3.25) as tf.Tensor2D).dataSync().slice())
      expect(worst(a, b, 1e-5, 1e-7)).toBeLessThan(1)
      const u = tf.tidy(() => normalArgmaxGrid(tf.zeros([1, 7]) as tf.Tensor2D).dataSync().slice())
      expect(worst(u, new Float32Array(7).fill(1 / 7), 1e-6, 0)).toBeLessThan(1)
      theta.dispose()
    })

    it("keeps the tensor count flat (forward and backward)", () => {
      const theta = thetaOf(50, 10, 2, 31)
      const before = tf.memory().numTensors
      tf.dispose(normalArgmaxGrid(theta))
      tf.dispose(tf.grad((t) => tf.sum(tf.square(normalArgmaxGrid(t.as2D(50, 10)))))(theta))
      const v = tf.variable(theta)
      const afterVariable = tf.memory().numTensors
      const { value, grads } = tf.variableGrads(() => tf.sum(normalArgmaxGrid(v)) as tf.Scalar, [v])
      tf.dispose([value, grads])
      expect(tf.memory().numTensors).toBe(afterVariable)
      v.dispose()
      expect(tf.memory().numTensors).toBe(before)
      theta.dispose()
    })

    it("throws typed errors naming the argument and the value", () => {
      const theta = tf.tensor2d([[0, 1], [2, 3]])
      const bad = tf.tensor2d([[0, 1], [Number.NaN, 3]])
      const rank1 = tf.tensor1d([1, 2])
      const int = tf.tensor2d([[1, 2]], [1, 2], "int32")
      const empty = tf.zeros([2, 0])
      const before = tf.memory().numTensors
      expect(() => normalArgmaxGrid(bad)).toThrow(/theta\[2\] = NaN/)
      expect(() => normalArgmaxGrid(bad)).toThrow(InvalidArgument)
      expect(() => normalArgmaxGrid(rank1 as unknown as tf.Tensor2D)).toThrow(InvalidArgument)
      expect(() => normalArgmaxGrid([[1, 2]] as unknown as tf.Tensor2D)).toThrow(/theta/)
      expect(() => normalArgmaxGrid(int as tf.Tensor2D)).toThrow(/dtype float32/)
      expect(() => normalArgmaxGrid(empty as tf.Tensor2D)).toThrow(InvalidArgument)
      expect(() => normalArgmaxGrid(theta, { nodes: 0 })).toThrow(/options.nodes = 0/)
      expect(() => normalArgmaxGrid(theta, { nodes: 2.5 })).toThrow(InvalidArgument)
      expect(() => normalArgmaxGrid(theta, { halfWidth: -1 })).toThrow(/options.halfWidth = -1/)
      expect(() => normalArgmaxGrid(theta, { halfWidth: Number.POSITIVE_INFINITY })).toThrow(InvalidArgument)
      expect(tf.memory().numTensors).toBe(before)
      tf.dispose([theta, bad, rank1, int, empty])
    })

    it("honours nodes and halfWidth (a rule padded to the SIMD width)", () => {
      const theta = thetaOf(3, 5, 1, 41)
      for (const nodes of [13, 30, 64, 97]) {
        const fused = valueAndGrad((t) => normalArgmaxGrid(t, { nodes, halfWidth: 9 }), theta, 5)
        const composed = valueAndGrad((t) => gridOps(t, gridRule(nodes, 9)), theta, 5)
        expect(worst(fused.p, composed.p, 2e-5, 2e-6)).toBeLessThan(1)
        expect(worst(fused.g, composed.g, 1e-4, 4e-6 * fused.scale)).toBeLessThan(1)
      }
      theta.dispose()
    })
  })
}

describe("normalArgmaxGrid without the fused kernel", () => {
  // The kernel runs only on backends named cpu and wasm.
  cpuUnderAnotherName("grid-cpu")
  beforeAll(async () => {
    await tf.setBackend("grid-cpu")
  })

  it("runs the tfjs-ops formulation, with the same typed errors", () => {
    const theta = thetaOf(20, 10, 2, 51)
    const got = valueAndGrad((t) => normalArgmaxGrid(t), theta, 3)
    const want = valueAndGrad(ops, theta, 3)
    expect(got.p).toEqual(want.p)
    expect(got.g).toEqual(want.g)
    const bad = tf.tensor2d([[0, Number.POSITIVE_INFINITY]])
    expect(() => normalArgmaxGrid(bad)).toThrow(/theta\[1\] = Infinity/)
    tf.dispose([theta, bad])
  })
})

describe("the deprecated names", () => {
  it("gaussianArgmaxGrid is normalArgmaxGrid under its former name", () => {
    expect(gaussianArgmaxGrid).toBe(normalArgmaxGrid)
  })
})
