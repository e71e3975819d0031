/**
 * identify(probs(θ)) = θ on complete, minimal spaces (pinned, zero-sum), and NotUnique elsewhere.
 *
 * Tolerances: argmax models are exact in float64 except that `probs` returns float32, so p carries
 * a relative error ~6e-8 and θ is recovered to ~1e-6; tested at 1e-5 · max(1, |θ|) (Gumbel, Normal).
 * Softmax models: p comes from a 16384-point stratified estimate and identify fits a 4096-point QMC
 * one, so θ̂ carries both estimates' errors (each ~1e-4 to 1e-3 in p at d = 4), divided by the
 * curvature p_i(1 − p_i)/τ: tested at 2e-2 · max(1, |θ|); the honest residual (measured on points
 * independent of the fit) is tested at 1e-3 + 4 standard errors (p's error plus the check's).
 * p is renormalised in float64 before the call (identify accepts Σp = 1 within 1e-6 and renormalises).
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { Key, Noise } from "@perturb/noise"
import * as fc from "fast-check"
import { beforeAll, describe, expect, it } from "vitest"
import { compile, InvalidArgument, Model, NotUnique, Space } from "../src/index.js"
import { read } from "./helpers.js"

const normalised = (p: Float32Array) => {
  const q = Float64Array.from(p)
  const s = q.reduce((a, b) => a + b, 0)
  return q.map((x) => x / s)
}

const d = 4
const vec = fc.array(fc.integer({ min: -200, max: 200 }).map((x) => x / 100), { minLength: d - 1, maxLength: d - 1 })

/** A point of the space from d − 1 free numbers. */
const pointIn = (space: "pinned" | "zeroSum", free: Array<number>): Array<number> => {
  if (space === "pinned") return [0, ...free]
  const s = free.reduce((a, b) => a + b, 0)
  return [...free, -s]
}

describe.each(["cpu", "wasm"])("identify on %s", (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend)
    await tf.ready()
  })

  const key = Key.make(21)
  const cases = [
    { name: "argmax Gumbel", model: (s: Space.Space) => Model.perturbArgmax({ space: s, noise: Noise.gumbel() }), tol: 1e-5, opts: {} },
    { name: "argmax Normal", model: (s: Space.Space) => Model.perturbArgmax({ space: s, noise: Noise.normal() }), tol: 1e-5, opts: {} },
    { name: "softmax Gumbel", model: (s: Space.Space) => Model.perturbSoftmax({ space: s, noise: Noise.gumbel(), temperature: 0.7 }), tol: 2e-2, opts: { method: "stratified" as const, samples: 16384, key } },
    { name: "softmax Normal", model: (s: Space.Space) => Model.perturbSoftmax({ space: s, noise: Noise.normal(), temperature: 1 }), tol: 2e-2, opts: { method: "stratified" as const, samples: 16384, key } }
  ]

  for (const c of cases) {
    for (const spaceName of ["pinned", "zeroSum"] as const) {
      it(`${c.name} on ${spaceName}: identify(probs(θ)) = θ`, () => {
        const space = spaceName === "pinned" ? Space.pinned(d) : Space.zeroSum(d)
        const k = compile(c.model(space))
        fc.assert(
          fc.property(vec, (free) => {
            const theta = pointIn(spaceName, free)
            const p = normalised(read(k.probs(tf.tensor1d(theta), c.opts).probs))
            const r = k.identify(p, { samples: 4096, key })
            expect(r.logResidual).toBeLessThanOrEqual(1e-8)
            // Softmax: p's own error (stratified, 16384 points: ~1e-4) plus the check's, whose scale is its standard error.
            expect(r.residual).toBeLessThan(c.name.startsWith("softmax") ? 1e-3 + 4 * r.residualStdError! : 1e-6)
            expect(r.iterations).toBeGreaterThanOrEqual(0)
            expect(r.theta.length).toBe(d)
            r.theta.forEach((x, i) => expect(Math.abs(x - theta[i]!), `${c.name} θ=${theta} got ${Array.from(r.theta)}`).toBeLessThan(c.tol * Math.max(1, Math.abs(theta[i]!))))
            // the answer lies in the space
            if (spaceName === "pinned") expect(r.theta[0]).toBe(0)
            else expect(Math.abs(r.theta.reduce((a, b) => a + b, 0))).toBeLessThan(1e-9)
          }),
          { numRuns: 3, seed: 7 }
        )
      })
    }
  }

  it("default identify options on a softmax model recover θ from an accurate p", () => {
    const k = compile(Model.perturbSoftmax({ space: Space.pinned(3), noise: Noise.normal(), temperature: 1 }))
    const theta = [0, 0.7, -0.4]
    const p = normalised(read(k.probs(tf.tensor1d(theta), { method: "stratified", samples: 16384 }).probs))
    const r = k.identify(p)
    expect(r.measure).toBe("qmc")
    r.theta.forEach((x, i) => expect(Math.abs(x - theta[i]!)).toBeLessThan(5e-3))
  })

  describe("errors", () => {
    const k = compile(Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.normal() }))
    it("p outside the open simplex", () => {
      expect(() => k.identify([0, 0.5, 0.5])).toThrow(InvalidArgument)
      expect(() => k.identify([0.2, 0.3, 0.4])).toThrow(InvalidArgument)
      expect(() => k.identify([0.2, 0.8])).toThrow(InvalidArgument)
      expect(() => k.identify([NaN, 0.5, 0.5])).toThrow(InvalidArgument)
      expect(() => k.identify([-0.1, 0.6, 0.5])).toThrow(InvalidArgument)
    })

    it("ℝ^d: NotUnique, property minimal", () => {
      for (const m of [
        Model.perturbArgmax({ space: Space.reals(3), noise: Noise.gumbel() }),
        Model.perturbSoftmax({ space: Space.reals(3), noise: Noise.normal(), temperature: 1 })
      ]) {
        let err: unknown
        try {
          compile(m).identify([0.2, 0.3, 0.5])
        } catch (e) {
          err = e
        }
        expect(err).toBeInstanceOf(NotUnique)
        expect((err as { property: string }).property).toBe("minimal")
      }
    })

    it("{θ₁ = θ₂} and a box: NotUnique", () => {
      const tied = Space.affine({ C: [[1, -1, 0]], e: [0] })
      const box = Space.box(-1, 1, 3)
      for (const space of [tied, box]) {
        expect(() => compile(Model.perturbArgmax({ space, noise: Noise.gumbel() })).identify([0.2, 0.3, 0.5])).toThrow(NotUnique)
      }
      // a line through the origin transversal to 𝟙 is minimal but not complete
      const line = Space.affine({ C: [[1, 0, 0], [0, 1, 1]], e: [0, 0] })
      expect(() => compile(Model.perturbArgmax({ space: line, noise: Noise.gumbel() })).identify([0.2, 0.3, 0.5])).toThrow(NotUnique)
    })

    it("Uniform or discrete argmax noise: NotUnique", () => {
      for (const noise of [Noise.uniform(), Noise.discrete({ atoms: [0, 1] })]) {
        expect(() => compile(Model.perturbArgmax({ space: Space.pinned(2), noise })).identify([0.3, 0.7])).toThrow(NotUnique)
      }
    })
  })
})

describe("identify near a vertex", () => {
  it("recovers θ for p = (0.001, 0.001, 0.998) with Normal-Argmax on the pinned space (a 0/0 in CG once gave NaN)", () => {
    const k = compile(Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.normal() }))
    const r = k.identify([0.001, 0.001, 0.998])
    expect(r.residual).toBeLessThan(1e-8)
    expect(r.logResidual).toBeLessThanOrEqual(1e-8)
    expect(r.theta[0]).toBe(0)
    expect(Math.abs(r.theta[1]!)).toBeLessThan(1e-6)
    expect(r.theta[2]!).toBeGreaterThan(4)
  })
})
