/**
 * One source of truth for what a Perturb-Argmax model can do (issue #11, item 6): `analyze` says the
 * argmax model is minimal (P one-to-one on Θ) exactly where `compile(…).identify` inverts it, because
 * both read `Noise.argmaxOneToOneSide`. Before, identify refused Exponential noise ("bounded-support
 * noise saturates") while analyze left minimality undecided for it.
 *
 * Where both say yes, identify must also be right: θ = (0, 0.4, −0.7) is recovered from its own
 * exact P to 1e-5 (P is float32 from `probs`, a relative 6e-8; θ moves by that over ∂P/∂θ). Heavy
 * tails (Cauchy, Student-t with 1.5 degrees of freedom) flatten P, so θ is checked at 1e-4 there.
 */
import * as tf from "@tensorflow/tfjs"
import { compile, Model, NotUnique, Space } from "@perturb/core"
import { Noise, type NoiseLike } from "@perturb/noise"
import { beforeAll, describe, expect, it } from "vitest"
import { analyze } from "../src/index.js"

beforeAll(async () => {
  await tf.setBackend("cpu")
})

const noises: ReadonlyArray<[string, NoiseLike, boolean, number]> = [
  ["gumbel", Noise.gumbel(), true, 1e-5],
  ["normal", Noise.normal(), true, 1e-5],
  ["logistic", Noise.logistic(), true, 1e-5],
  ["laplace", Noise.laplace(), true, 1e-5],
  ["student-t", Noise.studentT({ df: 1.5 }), true, 1e-4],
  ["cauchy", Noise.cauchy(), true, 1e-4],
  ["exponential", Noise.exponential(), true, 1e-5],
  ["uniform", Noise.uniform(), false, 0],
  ["discrete", Noise.discrete({ atoms: [0, 1] }), false, 0]
]

describe("analyze and identify agree on Perturb-Argmax minimality (pinned, d = 3)", () => {
  for (const [name, noise, oneToOne, tol] of noises) {
    it(`${name}: ${oneToOne ? "both say one-to-one, and θ is recovered" : "both refuse"}`, () => {
      const space = Space.pinned(3)
      const verdict = analyze(space, noise).argmax!.minimal.verdict
      expect(verdict === "holds", `analyze says ${verdict}`).toBe(oneToOne)
      const k = compile(Model.perturbArgmax({ space, noise }))
      if (!oneToOne) {
        expect(() => k.identify([0.2, 0.3, 0.5])).toThrow(NotUnique)
        return
      }
      const theta = [0, 0.4, -0.7]
      const r = k.probs(tf.tensor1d(theta))
      const p = Float64Array.from(r.probs.dataSync())
      r.probs.dispose()
      const s = p.reduce((a, b) => a + b, 0)
      const out = k.identify(p.map((x) => x / s))
      out.theta.forEach((x, i) => expect(Math.abs(x - theta[i]!), `θ${i}: ${Array.from(out.theta)}`).toBeLessThan(tol))
    })
  }
})

describe("Noise.argmaxOneToOneSide", () => {
  const traitsOf = (lower: "bounded" | "light", upper: "bounded" | "light", densityPositive = false) => ({
    _tag: "Exponential",
    traits: {
      support: { _tag: "Interval" as const, lower: lower === "bounded" ? 0 : -Infinity, upper: upper === "bounded" ? 1 : Infinity },
      kind: "continuous" as const,
      densityPositive,
      densityDifferentiable: "almostEverywhere" as const,
      finiteMean: true,
      tails: { lower, upper },
      symmetric: false
    }
  })
  it("laws unbounded on the same side share a tail; opposite sides (γ₁ − γ₂ ≥ 0: saturation) do not", () => {
    expect(Noise.argmaxOneToOneSide([traitsOf("bounded", "light"), traitsOf("bounded", "light")])).toBe("upper")
    expect(Noise.argmaxOneToOneSide([traitsOf("light", "bounded"), traitsOf("light", "bounded")])).toBe("lower")
    expect(Noise.argmaxOneToOneSide([traitsOf("bounded", "light"), traitsOf("light", "bounded")])).toBeUndefined()
    expect(Noise.argmaxOneToOneSide([traitsOf("light", "light", true), traitsOf("light", "bounded")])).toBe("lower")
    expect(Noise.argmaxOneToOneSide([traitsOf("bounded", "bounded"), traitsOf("bounded", "bounded")])).toBeUndefined()
  })
  it("a custom law counts only with densityPositive (its traits do not say where inside the support the density vanishes)", () => {
    expect(Noise.argmaxOneToOneSide([{ ...traitsOf("bounded", "light"), _tag: "Custom" }])).toBeUndefined()
    expect(Noise.argmaxOneToOneSide([{ ...traitsOf("light", "light", true), _tag: "Custom" }])).toBe("upper")
  })
})
