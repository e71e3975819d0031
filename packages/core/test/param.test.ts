// the cpu backend registers itself into the shared tfjs-core through the umbrella package
import "@tensorflow/tfjs"
import * as tf from "@tensorflow/tfjs-core"
import * as fc from "fast-check"
import { beforeAll, describe, expect, it } from "vitest"
import { DimensionMismatch, InvalidArgument } from "../src/Errors.js"
import { freeDim, fromTheta64, toTheta, toTheta64 } from "../src/internal/param.js"
import * as Space from "../src/Space.js"

beforeAll(async () => {
  await tf.setBackend("cpu")
})

const cases: Array<[string, Space.Space, number]> = [
  ["reals", Space.reals(4), 4],
  ["pinned (middle)", Space.pinned(4, { index: 2, value: 1.5 }), 3],
  ["zero-sum", Space.zeroSum(5), 4],
  ["box", Space.box([-1, 0, 2], [1, 5, 3]), 3],
  ["one-sided box", Space.box([0, -Infinity, -Infinity], [Infinity, 2, Infinity]), 3],
  ["pinned ∩ box", Space.intersect(Space.pinned(3), Space.box(-2, 2, 3)), 2],
  ["{θ₀ = θ₁}", Space.affine({ C: [[1, -1, 0]], e: [0] }), 2],
  ["zero-sum ∩ pinned", Space.intersect(Space.zeroSum(4), Space.pinned(4, { index: 3, value: 1 })), 2],
  ["simplex polytope", Space.polyhedron({ A: [[-1, 0], [0, -1], [1, 1]], b: [0, 0, 1] }), 2],
  ["half-space", Space.polyhedron({ A: [[1, 2, -1]], b: [3] }), 3],
  ["zero-sum ∩ box", Space.intersect(Space.zeroSum(3), Space.box(-1, 1, 3)), 2],
  [
    "polyhedron with an implicit equality",
    Space.polyhedron({ A: [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0]], b: [0, 0, 1, 1] }),
    2
  ]
]

const vec = (k: number) =>
  fc.array(fc.double({ min: -8, max: 8, noNaN: true, noDefaultInfinity: true }), { minLength: k, maxLength: k })

describe.each(cases)("%s", (_name, space, k) => {
  it("has the expected free dimension", () => {
    expect(freeDim(space)).toBe(k)
  })

  it("toTheta64 lands in the space and fromTheta64 inverts it", () => {
    fc.assert(
      fc.property(vec(k), (u) => {
        const theta = toTheta64(space, u)
        expect(Space.contains(space, theta, 1e-9)).toBe(true)
        const back = fromTheta64(space, theta)
        back.forEach((x, i) => expect(x).toBeCloseTo(u[i]!, 7))
      }),
      { numRuns: 100 }
    )
  })

  it("tfjs toTheta matches toTheta64 and has gradients", () => {
    const us = fc.sample(vec(k), { numRuns: 16, seed: 7 })
    const u = tf.tensor2d(us, [us.length, k])
    const theta = toTheta(space, u)
    expect(theta.shape).toStrictEqual([us.length, space.dim])
    const got = theta.arraySync()
    us.forEach((row, b) => {
      const want = toTheta64(space, row)
      want.forEach((x, i) => expect(Math.abs(got[b]![i]! - x)).toBeLessThan(1e-4 * Math.max(1, Math.abs(x))))
    })
    const weights = tf.randomNormal([us.length, space.dim], 0, 1, "float32", 3)
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(toTheta(space, v as tf.Tensor2D), weights)))(u)
    expect(g.shape).toStrictEqual(u.shape)
    const gs = g.dataSync()
    expect(gs.every(Number.isFinite)).toBe(true)
    // finite differences along one coordinate of one row, in float64
    const row = us[0]!
    const w = (weights.arraySync() as Array<Array<number>>)[0]!
    for (let c = 0; c < k; c++) {
      const h = 1e-5
      const plus = toTheta64(space, row.map((x, i) => i === c ? x + h : x))
      const minus = toTheta64(space, row.map((x, i) => i === c ? x - h : x))
      let fd = 0
      for (let i = 0; i < space.dim; i++) fd += w[i]! * (plus[i]! - minus[i]!) / (2 * h)
      expect(Math.abs(gs[c]! - fd)).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd)))
    }
    tf.dispose([u, theta, weights, g])
  })
})

describe("structured fast paths at d = 100 000", () => {
  const d = 100_000
  it.each([["pinned", Space.pinned(d, { index: 5, value: 2 })], ["zero-sum", Space.zeroSum(d)]] as const)(
    "%s",
    (_name, space) => {
      expect(freeDim(space)).toBe(d - 1)
      const u = Float64Array.from({ length: d - 1 }, (_, i) => Math.sin(i))
      const theta = toTheta64(space, u)
      expect(Space.contains(space, theta, 1e-9)).toBe(true)
      const back = fromTheta64(space, theta)
      let err = 0
      for (let i = 0; i < d - 1; i++) err = Math.max(err, Math.abs(back[i]! - u[i]!))
      expect(err).toBeLessThan(1e-9)
      const ut = tf.tensor2d(Float32Array.from(u), [1, d - 1])
      const tt = toTheta(space, ut)
      expect(tt.shape).toStrictEqual([1, d])
      const got = tt.dataSync()
      let terr = 0
      for (let i = 0; i < d; i++) terr = Math.max(terr, Math.abs(got[i]! - theta[i]!))
      expect(terr).toBeLessThan(1e-3)
      tf.dispose([ut, tt])
    }
  )

  it("zero-sum's Helmert map is an isometry", () => {
    const space = Space.zeroSum(7)
    const u = [0.3, -1, 2, 0.5, 0, -0.7]
    const theta = toTheta64(space, u)
    const norm = (x: ArrayLike<number>) => Math.hypot(...Array.from(x))
    expect(norm(theta)).toBeCloseTo(norm(u), 12)
  })
})

describe("errors and edge cases", () => {
  it("checks shapes", () => {
    expect(() => toTheta64(Space.pinned(3), [1, 2, 3])).toThrow(DimensionMismatch)
    expect(() => fromTheta64(Space.pinned(3), [1, 2])).toThrow(DimensionMismatch)
    const u = tf.zeros([2, 3]) as tf.Tensor2D
    expect(() => toTheta(Space.pinned(3), u)).toThrow(DimensionMismatch)
    u.dispose()
  })

  it("fromTheta64 rejects points outside the relative interior", () => {
    expect(() => fromTheta64(Space.box(0, 1, 2), [0, 0.5])).toThrow(InvalidArgument)
    const simplex = Space.polyhedron({ A: [[-1, 0], [0, -1], [1, 1]], b: [0, 0, 1] })
    expect(() => fromTheta64(simplex, [0.5, 0.5])).toThrow(InvalidArgument)
  })

  it("box bijections are accurate far into the tails", () => {
    const space = Space.box([0, 0], [1, Infinity])
    const theta = toTheta64(space, [30, -30])
    expect(theta[0]).toBeLessThan(1)
    expect(theta[1]).toBeGreaterThan(0)
    const back = fromTheta64(space, theta)
    expect(back[1]).toBeCloseTo(-30, 8)
  })

  it("the gauge map is the identity along recession directions", () => {
    const half = Space.polyhedron({ A: [[1, 0]], b: [0] }) // θ₀ ≤ 0
    const { point } = Space.affineHull(half)
    const u = fromTheta64(half, [point[0]!, point[1]! + 100])
    const theta = toTheta64(half, u)
    expect(theta[1]).toBeCloseTo(point[1]! + 100, 9)
  })

  it("does not leak tensors", () => {
    const space = Space.intersect(Space.zeroSum(3), Space.box(-1, 1, 3))
    const before = tf.memory().numTensors
    const u = tf.ones([4, 2]) as tf.Tensor2D
    toTheta(space, u).dispose()
    u.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })
})
