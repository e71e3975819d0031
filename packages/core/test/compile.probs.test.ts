/**
 * Probabilities, potentials and densities of compiled models against the independent SciPy
 * references in `fixtures/kernels.json` (made by `fixtures/make_kernel_fixtures.py`).
 *
 * Tolerances (float32 outputs), measured on a correct float64-accumulating backend (cpu):
 * - quadrature (tensor Gauss–Legendre in u-space) converges only algebraically, because the noise
 *   quantile is singular at u → 0, 1. Reached on cpu: d = 2, 512 nodes (default) ≤ 3.5e-7;
 *   128 nodes ≤ 6.6e-6; d = 3, 96 nodes (default) ≤ 5.4e-6; 32 nodes ≤ 6.9e-5. Tested at 1e-6
 *   (d = 2, default), 1e-5 (d = 2, 128 nodes; d = 3, default) and 1.5e-4 (d = 3, 32 nodes);
 * - potential (d = 2, 128 nodes): 2.5e-4 · max(1, |F|) (the Gumbel mean −log(−log u) has a log
 *   singularity at u → 1, so Gumbel potentials reach only ~8e-5·β at 128 nodes);
 * - qmc / mc: within 5 reported standard errors (+ 1e-6 for float32 rounding) of the reference;
 * - logDensity: |got − ref| ≤ 1e-5 · max(1, |ref|) (+ a float32 term for τ = 0.05 at the edges,
 *   see `densityTolerance`).
 */
import * as fs from "node:fs"
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { Key, Noise } from "@perturb/noise"
import * as fc from "fast-check"
import { beforeAll, describe, expect, it } from "vitest"
import { compile, klCategorical, Model, NoClosedForm, Space } from "../src/index.js"
import { maxAbsDiff, read } from "./helpers.js"

interface NoiseSpec {
  readonly type: "gumbel" | "normal" | "gaussian"
  readonly loc?: number
  readonly scale?: number
  readonly mean?: number | Array<number>
  readonly sd?: number
  readonly covariance?: Array<Array<number>>
}
interface SoftmaxFixture {
  readonly noise: NoiseSpec
  readonly tau: number
  readonly theta: Array<number>
  readonly probs: Array<number>
  readonly potential?: number
}
interface DensityFixture {
  readonly noise: NoiseSpec
  readonly tau: number
  readonly theta: Array<number>
  readonly y: Array<number>
  readonly logDensity: number
}

const fixtures = JSON.parse(fs.readFileSync(new URL("../fixtures/kernels.json", import.meta.url), "utf8")) as {
  softmax_d2: Array<SoftmaxFixture>
  softmax_d3: Array<SoftmaxFixture>
  concrete: Array<DensityFixture>
  logisticNormal: Array<DensityFixture>
}

const noiseOf = (s: NoiseSpec) => {
  switch (s.type) {
    case "gumbel":
      return Noise.gumbel({ loc: s.loc!, scale: s.scale! })
    case "normal":
      return Noise.normal({ mean: s.mean as number, sd: s.sd! })
    case "gaussian":
      return Noise.gaussian({ mean: s.mean as Array<number>, covariance: s.covariance! })
  }
}

/** Group fixtures with the same noise and τ, so each group is one batched [n, d] call. */
const groups = <F extends { noise: NoiseSpec; tau: number }>(xs: Array<F>): Array<[string, Array<F>]> => {
  const m = new Map<string, Array<F>>()
  for (const x of xs) {
    const k = `${JSON.stringify(x.noise)} τ=${x.tau}`
    m.set(k, [...(m.get(k) ?? []), x])
  }
  return [...m.entries()]
}

const softmaxKernels = (f: { noise: NoiseSpec; tau: number }, d: number) =>
  compile(Model.perturbSoftmax({ space: Space.reals(d), noise: noiseOf(f.noise), temperature: f.tau }))

const theta2 = (rows: Array<SoftmaxFixture>) => tf.tensor2d(rows.map((r) => r.theta))

/** The d = 2 / d = 3 groups run at the default node count (slow on cpu: a few only). */
const pick = (rows: Array<[string, Array<SoftmaxFixture>]>, keys: Array<string>) => rows.filter(([k]) => keys.some((s) => k.includes(s)))

describe.each(["cpu", "wasm"])("probabilities on %s", (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend)
    await tf.ready()
  })

  describe("quadrature vs SciPy", () => {
    it.each(groups(fixtures.softmax_d2))("d = 2, 128 nodes, %s", (_name, rows) => {
      const k = softmaxKernels(rows[0]!, 2)
      const theta = theta2(rows)
      const got = read(k.probs(theta, { method: "quadrature", samples: 128 }).probs)
      expect(maxAbsDiff(got, rows.flatMap((r) => r.probs))).toBeLessThan(1e-5)
      const pot = read(k.potential(theta, { method: "quadrature", samples: 128 }).potential)
      rows.forEach((r, i) => expect(Math.abs(pot[i]! - r.potential!)).toBeLessThan(2.5e-4 * Math.max(1, Math.abs(r.potential!))))
      theta.dispose()
    })

    // The default rule sums 512² weighted points: accurate only if the sum is (at least partly)
    // accumulated in float64. tfjs-wasm sums in float32, so this exposes the accumulation error.
    it.each(pick(groups(fixtures.softmax_d2), ['"gumbel","loc":0,"scale":1} τ=0.5', '"sd":1} τ=1']))("d = 2, default nodes, %s", (_name, rows) => {
      const k = softmaxKernels(rows[0]!, 2)
      const theta = theta2(rows)
      const got = read(k.probs(theta, { method: "quadrature" }).probs)
      // cpu reaches 3.5e-7; wasm's float32 exp and sums add ~1e-6 over 262k terms.
      expect(maxAbsDiff(got, rows.flatMap((r) => r.probs))).toBeLessThan(2e-6)
      theta.dispose()
    })

    it.each(groups(fixtures.softmax_d3))("d = 3, 32 nodes, %s", (_name, rows) => {
      const k = softmaxKernels(rows[0]!, 3)
      const theta = theta2(rows)
      const got = read(k.probs(theta, { method: "quadrature", samples: 32 }).probs)
      expect(maxAbsDiff(got, rows.flatMap((r) => r.probs))).toBeLessThan(1.5e-4)
      theta.dispose()
    })

    it("d = 3, default nodes (96³ points), one row", () => {
      const row = fixtures.softmax_d3.find((r) => r.noise.type === "normal" && r.tau === 1 && r.theta[0] !== 0)!
      const k = softmaxKernels(row, 3)
      const got = read(k.probs(tf.tensor1d(row.theta), { method: "quadrature" }).probs)
      expect(maxAbsDiff(got, row.probs)).toBeLessThan(1e-5)
    })
  })

  describe("qmc and mc vs SciPy", () => {
    const cases = [...fixtures.softmax_d2.filter((r) => r.tau === 0.5 || r.tau === 2), ...fixtures.softmax_d3.filter((r) => r.tau === 1)]
    it.each(groups(cases))("within 5 standard errors: %s", (_name, rows) => {
      const d = rows[0]!.theta.length
      const k = softmaxKernels(rows[0]!, d)
      const theta = theta2(rows)
      const expected = rows.flatMap((r) => r.probs)
      const seOf: Record<string, Float32Array> = {}
      for (const method of ["qmc", "mc"] as const) {
        const r = k.probs(theta, { method, samples: 4096, key: Key.make(11) })
        expect(r.method).toBe(method)
        const p = read(r.probs)
        const se = read(r.stdError ?? tf.fill([rows.length, d], NaN))
        if (method === "mc") {
          // plain MC: one replicate, so the kernel may omit the SE; fall back to the binomial-type bound
          for (let i = 0; i < p.length; i++) if (!Number.isFinite(se[i]!)) se[i] = 0.5 / Math.sqrt(4096)
        }
        seOf[method] = se
        for (let i = 0; i < p.length; i++) {
          expect(se[i]).toBeGreaterThanOrEqual(0)
          expect(Math.abs(p[i]! - expected[i]!)).toBeLessThanOrEqual(5 * se[i]! + 1e-6)
        }
      }
      theta.dispose()
      // QMC with antithetic pairs is far more accurate than MC at the same cost
      const mean = (x: Float32Array) => x.reduce((s, v) => s + v, 0) / x.length
      expect(mean(seOf["qmc"]!)).toBeLessThan(0.25 * mean(seOf["mc"]!))
    })

    it("mc reports a standard error", () => {
      const k = compile(Model.perturbSoftmax({ space: Space.reals(3), noise: Noise.gumbel(), temperature: 1 }))
      const r = k.probs(tf.tensor1d([0.3, -1.2, 0.8]), { method: "mc", samples: 4096, key: Key.make(3) })
      expect(r.stdError).toBeDefined()
      r.probs.dispose()
      r.stdError?.dispose()
    })
  })

  describe("Perturb-Argmax exact", () => {
    it("Gumbel-Argmax is softmax(θ/β) and sums to 1", () => {
      for (const scale of [1, 2]) {
        const k = compile(Model.perturbArgmax({ space: Space.reals(4), noise: Noise.gumbel({ loc: 0.3, scale }) }))
        const theta = tf.tensor2d([[0.3, -1.2, 2, 0], [5, 5, -5, 0]])
        const r = k.probs(theta)
        expect(r.method).toBe("exact")
        expect(r.stdError).toBeUndefined()
        const got = read(r.probs)
        const expected = read(tf.softmax(tf.div(theta, scale)))
        expect(maxAbsDiff(got, expected)).toBeLessThan(1e-7)
        expect(Math.abs(got.slice(0, 4).reduce((s, x) => s + x, 0) - 1)).toBeLessThan(1e-6)
        // M = β·logsumexp(θ/β) + loc + β·γ_E
        const m = read(k.potential(tf.tensor1d([0.3, -1.2, 2, 0])).potential)
        const lse = Math.log([0.3, -1.2, 2, 0].reduce((s, x) => s + Math.exp(x / scale), 0))
        expect(m[0]).toBeCloseTo(scale * lse + 0.3 + scale * 0.5772156649015329, 5)
        theta.dispose()
      }
    })

    it("Normal(0,1), θ = 0 (d = 3): P = 1/3, M = 3/(2√π) (math.md §4); d = 2 closed form", () => {
      const k3 = compile(Model.perturbArgmax({ space: Space.reals(3), noise: Noise.normal() }))
      const p = read(k3.probs(tf.zeros([3])).probs)
      p.forEach((x) => expect(x).toBeCloseTo(1 / 3, 6))
      expect(read(k3.potential(tf.zeros([3])).potential)[0]).toBeCloseTo(3 / (2 * Math.sqrt(Math.PI)), 5)
      const k2 = compile(Model.perturbArgmax({ space: Space.reals(2), noise: Noise.normal({ sd: 0.7 }) }))
      const delta = 0.9
      const p2 = read(k2.probs(tf.tensor1d([delta, 0])).probs)
      // Φ(δ/(σ√2)) from the complementary error function (independent of the code's quadrature)
      const a = delta / (0.7 * Math.SQRT2)
      const phi = 0.5 * erfc(-a / Math.SQRT2)
      expect(p2[0]).toBeCloseTo(phi, 6)
    })
  })

  describe("logDensity vs SciPy", () => {
    const densityGroups = groups([...fixtures.concrete, ...fixtures.logisticNormal].map((r) => ({ ...r, noise: { ...r.noise, d: r.y.length } as NoiseSpec })))
    it.each(densityGroups)("%s", (_name, rows) => {
      const d = rows[0]!.y.length
      const k = softmaxKernels(rows[0]!, d)
      const y = tf.tensor2d(rows.map((r) => r.y))
      const theta = tf.tensor2d(rows.map((r) => r.theta))
      const got = read(k.logDensity(y, theta))
      expect(got.length).toBe(rows.length)
      rows.forEach((r, i) => {
        expect(Math.abs(got[i]! - r.logDensity)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(r.logDensity)))
      })
      // one row at a time ([d] inputs) gives a scalar
      const one = k.logDensity(tf.tensor1d(rows[0]!.y), tf.tensor1d(rows[0]!.theta))
      expect(one.shape).toEqual([])
      expect(Math.abs(read(one)[0]! - rows[0]!.logDensity)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(rows[0]!.logDensity)))
      y.dispose()
      theta.dispose()
    })

    it("NoClosedForm for Laplace noise", () => {
      const k = compile(Model.perturbSoftmax({ space: Space.reals(3), noise: Noise.laplace(), temperature: 1 }))
      expect(() => k.logDensity(tf.tensor1d([0.2, 0.3, 0.5]), tf.zeros([3]))).toThrow(NoClosedForm)
    })
  })

  describe("laws (fast-check)", () => {
    const vec = (d: number) => fc.array(fc.integer({ min: -300, max: 300 }).map((x) => x / 100), { minLength: d, maxLength: d })
    const models = (d: number) => [
      { name: "softmax Gumbel", k: compile(Model.perturbSoftmax({ space: Space.reals(d), noise: Noise.gumbel(), temperature: 0.7 })), method: "qmc" as const },
      { name: "softmax Normal", k: compile(Model.perturbSoftmax({ space: Space.reals(d), noise: Noise.normal(), temperature: 1.3 })), method: "qmc" as const },
      { name: "argmax Normal", k: compile(Model.perturbArgmax({ space: Space.reals(d), noise: Noise.normal() })), method: "exact" as const },
      { name: "argmax Gumbel", k: compile(Model.perturbArgmax({ space: Space.reals(d), noise: Noise.gumbel() })), method: "exact" as const }
    ]
    const key = Key.make(5)
    const opts = { samples: 512, key }

    it("P(θ) ∈ Δ and P(θ + c𝟙) = P(θ)", () => {
      for (const d of [2, 4]) {
        for (const { k, method } of models(d)) {
          fc.assert(
            fc.property(vec(d), fc.integer({ min: -1000, max: 1000 }).map((x) => x / 100), (th, c) => {
              const p = read(k.probs(tf.tensor1d(th), { method, ...opts }).probs)
              const q = read(k.probs(tf.tensor1d(th.map((x) => x + c)), { method, ...opts }).probs)
              p.forEach((x) => expect(x).toBeGreaterThanOrEqual(0))
              expect(Math.abs(p.reduce((s, x) => s + x, 0) - 1)).toBeLessThan(2e-6)
              // shared points: equal up to the float32 rounding of θ + c (|c| ≤ 10)
              expect(maxAbsDiff(p, q)).toBeLessThan(1e-5)
            }),
            { numRuns: 5, seed: 1 }
          )
        }
      }
    })

    it("∇ potential = probs", () => {
      for (const d of [2, 3]) {
        for (const { k, method, name } of models(d)) {
          fc.assert(
            fc.property(vec(d), (th) => {
              const theta = tf.tensor1d(th)
              const g = read(tf.grad((t: tf.Tensor) => k.potential(t, { method, ...opts }).potential)(theta))
              const p = read(k.probs(theta, { method, ...opts }).probs)
              theta.dispose()
              expect(maxAbsDiff(g, p), name).toBeLessThan(1e-5)
            }),
            { numRuns: 3, seed: 2 }
          )
        }
      }
    })

    it("Gumbel-Argmax = softmax", () => {
      const k = compile(Model.perturbArgmax({ space: Space.reals(5), noise: Noise.gumbel() }))
      fc.assert(
        fc.property(vec(5), (th) => {
          const p = read(k.probs(tf.tensor1d(th)).probs)
          const s = read(tf.softmax(tf.tensor1d(th)))
          expect(maxAbsDiff(p, s)).toBeLessThan(1e-7)
        }),
        { numRuns: 10, seed: 3 }
      )
    })
  })

  describe("klToUniform and klCategorical", () => {
    it("klToUniform = Σ p log p + log d with the exact argmax probabilities", () => {
      const k = compile(Model.perturbSoftmax({ space: Space.reals(4), noise: Noise.gumbel(), temperature: 0.5 }))
      expect(read(k.klToUniform(tf.zeros([4])))[0]).toBeCloseTo(0, 6)
      const th = [0.3, -1.2, 2, 0]
      const z = th.reduce((s, x) => s + Math.exp(x), 0)
      const expected = th.reduce((s, x) => s + (Math.exp(x) / z) * (x - Math.log(z)), 0) + Math.log(4)
      expect(read(k.klToUniform(tf.tensor1d(th)))[0]).toBeCloseTo(expected, 5)
      const batch = read(k.klToUniform(tf.tensor2d([th, [0, 0, 0, 0]])))
      expect(batch.length).toBe(2)
      expect(batch[0]).toBeCloseTo(expected, 5)
    })

    it("klCategorical: known values and 0·log 0 = 0", () => {
      const q = tf.tensor2d([[0.5, 0.5], [0, 1], [0.25, 0.75]])
      const p = tf.tensor2d([[0.25, 0.75], [0.5, 0.5], [0.25, 0.75]])
      const kl = read(klCategorical(q, p))
      expect(kl[0]).toBeCloseTo(0.5 * Math.log(2) + 0.5 * Math.log(0.5 / 0.75), 6)
      expect(kl[1]).toBeCloseTo(Math.log(2), 6)
      expect(kl[2]).toBeCloseTo(0, 6)
      kl.forEach((x) => expect(Number.isFinite(x)).toBe(true))
      // q with a zero where p is zero too
      expect(read(klCategorical(tf.tensor1d([0, 1]), tf.tensor1d([0, 1])))[0]).toBeCloseTo(0, 6)
      q.dispose()
      p.dispose()
    })
  })
})

/** erfc by its continued fraction / series (Numerical Recipes erfcc, |error| < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851973 + t * (-0.82215223 + t * 0.17087277)))))))))
  return x >= 0 ? r : 2 - r
}
