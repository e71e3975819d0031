/**
 * Exact Perturb-Argmax with independent mixed noise (src/methods/mixed.ts) against SciPy
 * (fixtures/mixed.json, made by make_mixed_fixtures.py: QUADPACK per atom combination and
 * coordinate, J v by central differences), plus hand-derived values and the typed refusals.
 *
 * Tolerances: P and M to 1e-9 (both sides integrate to ~1e-11); J v to 1e-6 (the reference's
 * central differences have truncation ~h²|P'''| ≈ 1e-8 and rounding ~1e-12/h).
 */
import { readFileSync } from "node:fs"
import * as tf from "@tensorflow/tfjs"
import { type Law, Noise } from "@perturb/noise"
import { describe, expect, it } from "vitest"
import { compile, exactJvp64, exactPotential64, exactProbs64, InvalidArgument, Model, Space } from "../src/index.js"

interface Spec {
  readonly law: string
  readonly [k: string]: unknown
}
const lawOf = (s: Spec): Law => {
  switch (s.law) {
    case "discrete":
      return Noise.discrete({ atoms: s["atoms"] as Array<number>, ...(s["weights"] === undefined ? {} : { weights: s["weights"] as Array<number> }) })
    case "normal":
      return Noise.normal({ sd: (s["sd"] as number | undefined) ?? 1 })
    case "uniform":
      return Noise.uniform({ a: s["a"] as number, b: s["b"] as number })
    case "exponential":
      return Noise.exponential({ rate: (s["rate"] as number | undefined) ?? 1 })
    case "gumbel":
      return Noise.gumbel()
    case "studentT":
      return Noise.studentT({ df: s["df"] as number })
    case "cauchy":
      return Noise.cauchy()
  }
  throw new Error(`unknown law ${s.law}`)
}
const fixture = JSON.parse(readFileSync(new URL("../fixtures/mixed.json", import.meta.url), "utf8")) as {
  readonly cases: ReadonlyArray<{ laws: Array<Spec>; theta: Array<number>; probs: Array<number>; potential: number | "nan" }>
  readonly jvp: ReadonlyArray<{ laws: Array<Spec>; theta: Array<number>; v: Array<number>; jvp: Array<number> }>
}
const modelOf = (laws: ReadonlyArray<Law>) => Model.perturbArgmax({ space: Space.reals(laws.length), noise: Noise.independent(laws) })
const name = (laws: ReadonlyArray<Spec>) => laws.map((l) => l.law).join(",")

describe("exact argmax probabilities of mixed noise against SciPy", () => {
  for (const c of fixture.cases) {
    it(`P and M · ${name(c.laws)} · θ = (${c.theta.join(", ")})`, () => {
      const model = modelOf(c.laws.map(lawOf))
      const theta = Float64Array.from(c.theta)
      const { probs } = exactProbs64(model, theta)
      c.probs.forEach((p, i) => expect(Math.abs(probs[i]! - p)).toBeLessThan(1e-9))
      const m = exactPotential64(model, theta).potential[0]!
      if (c.potential === "nan") expect(m).toBeNaN()
      else expect(Math.abs(m - c.potential)).toBeLessThan(1e-9 * Math.max(1, Math.abs(c.potential)))
    })
  }
  for (const c of fixture.jvp) {
    it(`J v · ${name(c.laws)} · θ = (${c.theta.join(", ")})`, () => {
      const { jvp } = exactJvp64(modelOf(c.laws.map(lawOf)), Float64Array.from(c.theta), Float64Array.from(c.v))
      c.jvp.forEach((x, i) => expect(Math.abs(jvp[i]! - x)).toBeLessThan(1e-6))
    })
  }
})

describe("mixed noise, hand-derived", () => {
  const bit = Noise.discrete({ atoms: [0, 1] })
  const Phi = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2))

  it("γ = ({0,1}, N(0,1)), θ = 0: P_0 = Pr[a ≥ z] = (Φ(0) + Φ(1))/2", () => {
    // The atom wins when a > z (z = a has probability 0): a = 0 w.p. ½ gives Φ(0), a = 1 gives Φ(1).
    const p = exactProbs64(modelOf([bit, Noise.normal()]), Float64Array.of(0, 0)).probs
    expect(p[0]!).toBeCloseTo((Phi(0) + Phi(1)) / 2, 10)
    expect(p[1]!).toBeCloseTo(1 - (Phi(0) + Phi(1)) / 2, 10)
  })

  it("ties among atoms split evenly: ({0,1}, {0,1}, U[0,1]) at θ = (0, 1, 0)", () => {
    // Atoms (a0, a1): values (a0, 1 + a1). m = 1 + a1 always (coordinate 1 ≥ 1 ≥ coordinate 0, with a
    // tie exactly when a0 = 1, a1 = 0, weight ¼). The uniform u ∈ [0,1] never exceeds m ≥ 1 (u = 1 has
    // probability 0), so P_2 = 0 and the tie's ¼ splits: P = (⅛, ⅞, 0).
    const p = exactProbs64(modelOf([bit, bit, Noise.uniform()]), Float64Array.of(0, 1, 0)).probs
    expect(p[0]!).toBeCloseTo(1 / 8, 14)
    expect(p[1]!).toBeCloseTo(7 / 8, 14)
    expect(p[2]!).toBeCloseTo(0, 14)
  })

  it("the issue's witness: γ = ({0,1}, {0,1}, N(0,1)), P(0,2,0) = P(0,3,1) to rounding", () => {
    // Coordinate 1 (values 2 or 3, resp. 3 or 4) always beats coordinate 0 (0 or 1), and against the
    // normal only θ_1 − θ_2 = 2 matters, which both points share.
    const model = modelOf([bit, bit, Noise.normal()])
    const a = exactProbs64(model, Float64Array.of(0, 2, 0)).probs
    const b = exactProbs64(model, Float64Array.of(0, 3, 1)).probs
    a.forEach((x, i) => expect(Math.abs(x - b[i]!)).toBeLessThan(1e-12))
  })

  it("J v is refused where a tie of atoms with mass left is moved apart, and 0-free elsewhere", () => {
    const model = modelOf([bit, bit, Noise.normal()])
    // θ = (0, 0, 0): atoms tie at m ∈ {0, 1} (a0 = a1) with H(m) = Φ(m) > 0; v moves 0 and 1 apart.
    expect(() => exactJvp64(model, Float64Array.of(0, 0, 0), Float64Array.of(1, 0, 0))).toThrow(InvalidArgument)
    // Along 𝟙 P is invariant: J 𝟙 = 0 (ties move together).
    const j = exactJvp64(model, Float64Array.of(0, 0, 0), Float64Array.of(1, 1, 1)).jvp
    j.forEach((x) => expect(Math.abs(x)).toBeLessThan(1e-12))
  })

  it("compile: probs by `exact` is available, with a gradient where the discrete method has one", () => {
    const k = compile(modelOf([bit, Noise.normal()]))
    const cap = k.capabilities.probs.exact
    expect(cap.available).toBe(true)
    expect(cap.available && cap.accuracy).toBe("exact")
  })

  it("compile(model).probs by `exact` matches exactProbs64, and tf.grad through it is vᵀJ", () => {
    // A generic point (no tie of atoms): J exists there; J is symmetric, so vᵀJ = (J v)ᵀ.
    const laws = [bit, Noise.normal(), Noise.discrete({ atoms: [-1, 0.5] }), Noise.gumbel()]
    const model = modelOf(laws)
    const k = compile(model)
    const theta = Float64Array.of(0.2, -0.4, 0.9, 0.1)
    const v = Float64Array.of(0.3, -1, 0.5, 0.2)
    const want = exactProbs64(model, theta).probs
    const got = tf.tidy(() => k.probs(tf.tensor1d(Float32Array.from(theta)), { method: "exact" }).probs.dataSync())
    want.forEach((x, i) => expect(Math.abs(got[i]! - x)).toBeLessThan(1e-6))
    const g = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(k.probs(x, { method: "exact" }).probs, tf.tensor1d(Float32Array.from(v)))))(tf.tensor1d(Float32Array.from(theta))).dataSync())
    const jv = exactJvp64(model, theta, v).jvp
    jv.forEach((x, i) => expect(Math.abs(g[i]! - x)).toBeLessThan(1e-5))
  })

  it("∇M = P and J is symmetric at a generic point (central differences of exactPotential64)", () => {
    // M is C¹ away from atom ties with mass; h = 1e-5 keeps every θ ± h e_j off the ties here.
    const model = modelOf([bit, Noise.normal(), Noise.uniform(), Noise.discrete({ atoms: [0, 2] })])
    const theta = Float64Array.of(0.1, 0.35, -0.2, -0.6)
    const P = exactProbs64(model, theta).probs
    const h = 1e-5
    for (let j = 0; j < 4; j++) {
      const up = exactPotential64(model, theta.map((x, i) => (i === j ? x + h : x))).potential[0]!
      const down = exactPotential64(model, theta.map((x, i) => (i === j ? x - h : x))).potential[0]!
      expect(Math.abs((up - down) / (2 * h) - P[j]!)).toBeLessThan(1e-6)
    }
    const u = Float64Array.of(1, -0.5, 0.25, 0.7)
    const w = Float64Array.of(-0.3, 0.8, 0.1, -1)
    const Ju = exactJvp64(model, theta, u).jvp
    const Jw = exactJvp64(model, theta, w).jvp
    const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i]!, 0)
    expect(Math.abs(dot(w, Ju) - dot(u, Jw))).toBeLessThan(1e-9)
  })

  it("bad input: typed errors naming the argument", () => {
    const named = (f: () => unknown): string | undefined => {
      try {
        f()
      } catch (e) {
        return e instanceof InvalidArgument ? e.argument : `not InvalidArgument: ${String(e)}`
      }
      return undefined
    }
    expect(named(() => exactProbs64(modelOf([bit, Noise.normal()]), Float64Array.of(0, NaN)))).toBe("theta[1]")
    // 2^17 atom combinations exceed the enumeration's 1e5.
    const many = [...Array.from({ length: 17 }, () => bit), Noise.normal()]
    expect(named(() => exactProbs64(modelOf(many), new Float64Array(18)))).toBe("laws")
  })
})

/** Abramowitz–Stegun 7.1.26 is too coarse here; the series/continued fraction of erf to 1e-15. */
function erf(x: number): number {
  const s = Math.sign(x)
  const a = Math.abs(x)
  if (a < 3) {
    // Maclaurin series: erf x = 2/√π Σ (−1)^n x^{2n+1} / (n! (2n+1)).
    let term = a
    let sum = a
    for (let n = 1; n < 60; n++) {
      term *= (-a * a) / n
      sum += term / (2 * n + 1)
    }
    return (s * 2 * sum) / Math.sqrt(Math.PI)
  }
  return s
}
