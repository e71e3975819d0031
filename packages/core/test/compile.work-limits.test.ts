/**
 * Unbounded work is a typed InvalidArgument naming the argument before anything is allocated
 * (before: `samples: 1e12` ran for weeks on a correlated Gaussian or threw an untyped RangeError,
 * and probs at d = 10⁵ with the default points allocated 3.3 GB). Extreme valid input still works:
 * at d = 10⁵ exact argmax probabilities are exact and the sampling default shrinks to fit.
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { Key, Noise } from "@perturb/noise"
import { beforeAll, describe, expect, it } from "vitest"
import { compile, InvalidArgument, type Kernels, Model, Space } from "../src/index.js"
import { caught } from "./helpers.js"

/** Refused fast (unless θ itself is huge), typed, naming the argument, leaking nothing. */
const refuses = (f: () => unknown, argument: string, fast = true) => {
  const t0 = performance.now()
  const before = tf.memory().numTensors
  const e = caught(f)
  expect(e, e.message).toBeInstanceOf(InvalidArgument)
  expect(e.argument).toBe(argument)
  if (fast) expect(performance.now() - t0).toBeLessThan(2000)
  expect(tf.memory().numTensors).toBe(before)
}

describe.each(["cpu", "wasm"])("work limits on %s", (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend)
    await tf.ready()
  })

  const models: Array<[string, Kernels]> = [
    ["softmax gumbel", compile(Model.perturbSoftmax({ space: Space.reals(3), noise: Noise.gumbel(), temperature: 0.5 }))],
    ["softmax normal", compile(Model.perturbSoftmax({ space: Space.reals(3), noise: Noise.normal(), temperature: 0.5 }))],
    ["argmax normal", compile(Model.perturbArgmax({ space: Space.reals(3), noise: Noise.normal() }))],
    ["argmax gumbel", compile(Model.perturbArgmax({ space: Space.reals(3), noise: Noise.gumbel() }))],
    ["argmax correlated", compile(Model.perturbArgmax({ space: Space.reals(3), noise: Noise.gaussian({ covariance: [[1, 0.5, 0], [0.5, 1, 0], [0, 0, 1]] }) }))]
  ]

  it.each(models)("%s: samples 1e12 / 2^24 + 1 / 2^53 are refused by every kernel", (_name, k) => {
    const t = tf.tensor1d([0.1, 0.2, 0.3])
    const key = Key.make(1)
    const softmax = k.model._tag === "PerturbSoftmax"
    for (const samples of [1e12, 2 ** 24 + 1, 2 ** 53]) {
      const methods = softmax ? ["qmc", "mc", "stratified"] as const : ["exact", "qmc", "mc"] as const
      for (const method of methods) refuses(() => k.probs(t, { method, samples }), "samples")
      refuses(() => k.potential(t, { method: "mc", samples }), "samples")
      refuses(() => k.potential(t, { method: softmax ? "qmc" : "exact", samples }), "samples")
      // sample's limit is on its output (2^28 values), so 2^24 + 1 draws at d = 3 are allowed.
      if (samples > 2 ** 25) {
        refuses(() => k.sample(t, { samples, key }), "samples")
        refuses(() => k.sampleStraightThrough(t, { samples, key }), "samples")
      }
    }
    // Quadrature: nodes^d points.
    refuses(() => k.probs(t, { method: "quadrature", samples: 1e6 }), "samples")
    t.dispose()
  })

  it("sample output over 2^28 values is refused (rows × samples × d)", () => {
    const k = models[0]![1]
    const t = tf.zeros([1000, 3])
    refuses(() => k.sample(t, { samples: 100_000, key: Key.make(1) }), "samples")
    refuses(() => k.sampleStraightThrough(t, { samples: 100_000, key: Key.make(1) }), "samples")
    t.dispose()
  })

})

describe("estimator options (cpu)", () => {
  it("an unknown method or a non-object options is InvalidArgument naming it", () => {
    const t = tf.tensor1d([0.1, 0.2, 0.3])
    for (const k of [
      compile(Model.perturbSoftmax({ space: Space.reals(3), noise: Noise.gumbel(), temperature: 0.5 })),
      compile(Model.perturbArgmax({ space: Space.reals(3), noise: Noise.normal() }))
    ]) {
      refuses(() => k.probs(t, { method: "bogus" as never }), "method")
      refuses(() => k.potential(t, { method: "bogus" as never }), "method")
      refuses(() => k.probs(t, null as never), "options")
      refuses(() => k.potential(t, 5 as never), "options")
    }
    t.dispose()
  })
})

describe("rows (cpu)", () => {
  beforeAll(async () => {
    await tf.setBackend("cpu")
    await tf.ready()
  })
  it("too many rows for even 16 default points is refused naming θ", () => {
    // 2^17 rows × d = 2^10 × 16 points > 2^30; checkTensor's finiteness scan of θ is the slow part.
    const k = compile(Model.perturbSoftmax({ space: Space.reals(1024), noise: Noise.gumbel(), temperature: 1 }))
    const t = tf.zeros([2 ** 17, 1024])
    refuses(() => k.probs(t), "theta", false)
    refuses(() => k.potential(t), "theta", false)
    t.dispose()
  })
})

describe("d = 10⁵ (cpu)", () => {
  beforeAll(async () => {
    await tf.setBackend("cpu")
    await tf.ready()
  })
  const d = 100_000
  const thetaValues = Float32Array.from({ length: d }, (_, i) => Math.sin(i) * 2)

  it("exact normal-argmax probabilities are finite and sum to 1", () => {
    const k = compile(Model.perturbArgmax({ space: Space.reals(d), noise: Noise.normal() }))
    const t = tf.tensor1d(thetaValues)
    const r = k.probs(t)
    const p = r.probs.dataSync()
    let sum = 0
    for (const x of p) {
      expect(Number.isFinite(x) && x >= 0).toBe(true)
      sum += x
    }
    expect(Math.abs(sum - 1)).toBeLessThan(1e-4)
    expect(r.stdError).toBeUndefined()
    tf.dispose([t, r.probs])
  })

  it("the default point count shrinks to fit (160 points) and the estimate is sound", () => {
    const k = compile(Model.perturbSoftmax({ space: Space.reals(d), noise: Noise.gumbel(), temperature: 1 }))
    const t = tf.tensor1d(thetaValues)
    const r = k.probs(t)
    const p = r.probs.dataSync()
    const se = r.stdError!.dataSync()
    let sum = 0
    for (let i = 0; i < d; i++) {
      expect(Number.isFinite(p[i]!) && Number.isFinite(se[i]!)).toBe(true)
      sum += p[i]!
    }
    expect(Math.abs(sum - 1)).toBeLessThan(1e-4)
    // Explicitly asking for the old default at this d is refused, naming samples.
    refuses(() => k.probs(t, { samples: 4096 }), "samples")
    tf.dispose([t, r.probs, r.stdError!])
  }, 300_000)
})
