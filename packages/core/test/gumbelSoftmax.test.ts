/**
 * gumbelSoftmax(logits, { tau, hard, key }): PyTorch's shapes (no sample axis, any rank, last
 * axis), rows on the simplex, hard = one-hot with the soft gradient, same key same numbers as
 * the general API, and the argmax of the sample distributed as softmax(logits).
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { Key, Noise } from "@perturb/noise"
import { beforeAll, describe, expect, it } from "vitest"
import { compile, gumbelSoftmax, Model, Space } from "../src/index.js"
import { caught, maxAbsDiff, read } from "./helpers.js"
import { tensorsLeaked } from "./leaks.js"

const shapes: ReadonlyArray<Array<number>> = [[5], [3, 5], [2, 3, 4], [2, 1, 3, 6]]
const logitsOf = (shape: Array<number>) => tf.tidy(() => tf.cos(tf.range(0, shape.reduce((a, b) => a * b, 1), 1, "float32").mul(2.3)).mul(2).reshape(shape))

describe.each(["cpu", "wasm"])("gumbelSoftmax on %s", (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend)
    await tf.ready()
  })

  it("keeps the logits' shape at rank 1 to 4; soft rows sum to 1; hard rows are one-hot at the soft argmax", () => {
    for (const shape of shapes) {
      const logits = logitsOf(shape)
      const d = shape[shape.length - 1]!
      const soft = gumbelSoftmax(logits, { tau: 0.5, key: Key.make(7) })
      const hard = gumbelSoftmax(logits, { tau: 0.5, hard: true, key: Key.make(7) })
      expect(soft.shape).toEqual(shape)
      expect(hard.shape).toEqual(shape)
      const s = read(soft)
      const h = read(hard)
      for (let r = 0; r < s.length / d; r++) {
        const row = Array.from(s.subarray(r * d, (r + 1) * d))
        expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5)
        row.forEach((v) => expect(v).toBeGreaterThanOrEqual(0))
        const hrow = Array.from(h.subarray(r * d, (r + 1) * d))
        expect(hrow.filter((v) => v === 1).length).toBe(1)
        expect(hrow.filter((v) => v === 0).length).toBe(d - 1)
        expect(hrow.indexOf(1)).toBe(row.indexOf(Math.max(...row)))
      }
      logits.dispose()
    }
  })

  it("the same key gives the same numbers as compile(…).sample / sampleStraightThrough; another key others", () => {
    const logits = logitsOf([3, 4])
    const k = compile(Model.perturbSoftmax({ space: Space.reals(4), noise: Noise.gumbel(), temperature: 0.3 }))
    const a = read(gumbelSoftmax(logits, { tau: 0.3, key: Key.make(11) }))
    expect(maxAbsDiff(a, read(gumbelSoftmax(logits, { tau: 0.3, key: Key.make(11) })))).toBe(0)
    expect(maxAbsDiff(a, read(k.sample(logits, { samples: 1, key: Key.make(11) })))).toBe(0)
    const h = read(gumbelSoftmax(logits, { tau: 0.3, hard: true, key: Key.make(11) }))
    expect(maxAbsDiff(h, read(k.sampleStraightThrough(logits, { samples: 1, key: Key.make(11) })))).toBe(0)
    expect(maxAbsDiff(a, read(gumbelSoftmax(logits, { tau: 0.3, key: Key.make(12) })))).toBeGreaterThan(1e-3)
    logits.dispose()
  })

  it("hard: true has the soft sample's gradient", () => {
    const logits = logitsOf([2, 3, 4])
    const w = tf.tensor1d([0.3, -1, 2, 0.5])
    const grad = (hard: boolean) => tf.grad((l: tf.Tensor) => tf.sum(tf.mul(gumbelSoftmax(l, { tau: 0.7, hard, key: Key.make(5) }), w)))(logits)
    const gs = read(grad(false))
    const gh = read(grad(true))
    expect(gs.some((v) => Math.abs(v) > 1e-3)).toBe(true)
    expect(maxAbsDiff(gh, gs)).toBeLessThan(1e-5)
    tf.dispose([logits, w])
  })

  it("argmax frequencies of hard samples match softmax(logits) within 4 standard errors", () => {
    const n = 20000
    const l = [1.2, -0.4, 0.3, 2.0, 0]
    const d = l.length
    const logits = tf.tidy(() => tf.tile(tf.tensor2d([l]), [n, 1]))
    const h = read(gumbelSoftmax(logits, { tau: 0.9, hard: true, key: Key.make(2026) }))
    const counts = new Array<number>(d).fill(0)
    for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) counts[j]! += h[r * d + j]!
    const z = l.map(Math.exp)
    const total = z.reduce((a, b) => a + b, 0)
    for (let j = 0; j < d; j++) {
      const p = z[j]! / total
      const se = Math.sqrt((p * (1 - p)) / n)
      expect(Math.abs(counts[j]! / n - p)).toBeLessThan(4 * se)
    }
    logits.dispose()
  })

  it("bad arguments are typed errors naming them", () => {
    const logits = logitsOf([2, 3])
    const key = Key.make(0)
    const cases: Array<[() => unknown, string]> = [
      [() => gumbelSoftmax(logits, { tau: 0, key }), "tau"],
      [() => gumbelSoftmax(logits, { tau: -1, key }), "tau"],
      [() => gumbelSoftmax(logits, { hard: "yes" as never, key }), "hard"],
      [() => gumbelSoftmax(logits, { key: 3 as never }), "key"],
      [() => gumbelSoftmax(logits, undefined as never), "options"],
      [() => gumbelSoftmax([1, 2] as never, { key }), "logits"],
      [() => gumbelSoftmax(tf.tensor2d([[1], [2]]), { key }), "logits"],
      [() => gumbelSoftmax(tf.tensor1d([1, 2], "int32"), { key }), "logits"],
      [() => gumbelSoftmax(tf.tensor1d([1, NaN, 2]), { key }), "logits[1]"]
    ]
    for (const [f, argument] of cases) {
      const e = caught(f)
      expect(e._tag).toBe("InvalidArgument")
      expect(e.argument).toBe(argument)
    }
    logits.dispose()
  })

  it("leaves numTensors unchanged in a loop, under tf.grad too", () => {
    const logits = logitsOf([4, 3, 5])
    const step = () => {
      tf.dispose([
        gumbelSoftmax(logits, { key: Key.make(1) }),
        gumbelSoftmax(logits, { tau: 0.2, hard: true, key: Key.make(1) }),
        tf.grad((l: tf.Tensor) => tf.sum(gumbelSoftmax(l, { hard: true, key: Key.make(1) })))(logits)
      ])
    }
    expect(tensorsLeaked(step, 30)).toBe(0)
    logits.dispose()
  })
})
