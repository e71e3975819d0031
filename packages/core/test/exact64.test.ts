/**
 * The float64 API beside `exactProbs64`: `exactPotential64` against the SciPy fixtures
 * (fixtures/argmax.json, made by make_argmax_fixtures.py), ∇M = P and J v = d/dε P(θ + εv) by
 * central differences in float64, and typed refusals for bad input.
 *
 * Tolerances: the fixtures' potentials are quad to ~1e-13, ours certified to 1e-9 relative (as in
 * argmax.test.ts). Central differences with h = 1e-4 have truncation ~h² · |P'''| ≈ 1e-8 and
 * rounding ~1e-16 / h plus the quadrature's own error / h (≤ 1e-12 / 1e-4), so 1e-6.
 */
import { readFileSync } from "node:fs"
import { Key, Noise, type NoiseLike } from "@perturb/noise"
import { describe, expect, it } from "vitest"
import { exactJvp64, exactPotential64, exactProbs64, InvalidArgument, Model, Space } from "../src/index.js"
import { lawOf, type LawSpec } from "./helpers.js"

interface Case {
  readonly name: string
  readonly kind: "independent" | "gaussian"
  readonly laws?: ReadonlyArray<LawSpec>
  readonly covariance?: ReadonlyArray<ReadonlyArray<number>>
  readonly mean?: ReadonlyArray<number>
  readonly theta: ReadonlyArray<number>
  readonly probs: ReadonlyArray<number>
  readonly potential?: number | "nan"
}
const fixture = JSON.parse(readFileSync(new URL("../fixtures/argmax.json", import.meta.url), "utf8")) as { readonly cases: ReadonlyArray<Case> }

const noiseOf = (c: Case): NoiseLike =>
  c.kind === "gaussian"
    ? Noise.gaussian({ covariance: c.covariance!.map((r) => [...r]), mean: [...c.mean!] })
    : Noise.independent(c.laws!.map(lawOf))
const modelOf = (c: Case) => Model.perturbArgmax({ space: Space.reals(c.theta.length), noise: noiseOf(c) })

const independent = fixture.cases.filter((c) => c.kind === "independent")
const h = 1e-4
const shifted = (theta: ReadonlyArray<number>, v: ArrayLike<number>, e: number) => Float64Array.from(theta, (t, i) => t + e * v[i]!)
/** A direction that moves every coordinate differently. */
const direction = (d: number) => Float64Array.from({ length: d }, (_, i) => Math.cos(1 + 2.3 * i))

describe("exactPotential64", () => {
  it.each(independent.filter((c) => c.potential !== undefined).map((c) => [c.name, c] as const))("%s matches SciPy", (_n, c) => {
    const r = exactPotential64(modelOf(c), Float64Array.from(c.theta))
    expect(r.stdError).toBeUndefined()
    if (c.potential === "nan") expect(r.potential[0]).toBeNaN()
    else expect(Math.abs(r.potential[0]! - c.potential!)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(c.potential!)))
  })

  it("the correlated Gaussian: exact at d = 2, with a standard error at d ≥ 3", () => {
    const c2 = fixture.cases.find((c) => c.name === "gaussian_corr_d2")!
    const r2 = exactPotential64(modelOf(c2), Float64Array.from(c2.theta))
    expect(r2.stdError).toBeUndefined()
    expect(Math.abs(r2.potential[0]! - (c2.potential as number))).toBeLessThan(1e-9)
    const c3 = fixture.cases.find((c) => c.name === "gaussian_corr_d3")!
    const r3 = exactPotential64(modelOf(c3), Float64Array.from([...c3.theta, ...c3.theta]), { samples: 16384, key: Key.make(3) })
    expect(r3.potential.length).toBe(2)
    expect(r3.stdError![0]!).toBeGreaterThan(0)
    expect(r3.stdError![0]!).toBeLessThan(1e-3)
  })

  it.each(independent.filter((c) => c.potential !== "nan").map((c) => [c.name, c] as const))("%s: ∇M = P by central differences", (_n, c) => {
    const m = modelOf(c)
    const p = exactProbs64(m, Float64Array.from(c.theta)).probs
    c.theta.forEach((_, i) => {
      const e = Float64Array.from(c.theta, (_, j) => (j === i ? 1 : 0))
      const up = exactPotential64(m, shifted(c.theta, e, h)).potential[0]!
      const down = exactPotential64(m, shifted(c.theta, e, -h)).potential[0]!
      expect(Math.abs((up - down) / (2 * h) - p[i]!)).toBeLessThan(1e-6 * Math.max(1, Math.abs(up)))
    })
  })
})

describe("exactJvp64", () => {
  it.each(independent.map((c) => [c.name, c] as const))("%s: J v = d/dε P(θ + εv) by central differences", (_n, c) => {
    const m = modelOf(c)
    const d = c.theta.length
    const v = direction(d)
    const r = exactJvp64(m, Float64Array.from(c.theta), v)
    expect(r.stdError).toBeUndefined()
    const up = exactProbs64(m, shifted(c.theta, v, h)).probs
    const down = exactProbs64(m, shifted(c.theta, v, -h)).probs
    // Uniform noise at d = 2: J is continuous but kinks where θ_0 − θ_1 ∈ {−1, 0, 1} (fixture
    // points), and there a central difference errs by O(h).
    const tol = c.laws!.every((l) => l.ctor === "uniform") && d === 2 ? 2 * h : 1e-6
    for (let i = 0; i < d; i++) expect(Math.abs(r.jvp[i]! - (up[i]! - down[i]!) / (2 * h)), `i = ${i}`).toBeLessThan(tol)
    // J has zero row sums (Σ P = 1) in every direction.
    expect(Math.abs(r.jvp.reduce((s, x) => s + x, 0))).toBeLessThan(1e-9)
  })

  it("Gumbel: softmax's Jacobian p_i(v_i − p·v), rows at once", () => {
    const m = Model.perturbArgmax({ space: Space.reals(3), noise: Noise.gumbel() })
    const theta = Float64Array.of(0, 1, 2, -1, 0.5, 0)
    const v = Float64Array.of(1, -2, 0.5, 0, 1, 3)
    const r = exactJvp64(m, theta, v)
    const p = exactProbs64(m, theta).probs
    for (let row = 0; row < 2; row++) {
      let pv = 0
      for (let i = 0; i < 3; i++) pv += p[row * 3 + i]! * v[row * 3 + i]!
      for (let i = 0; i < 3; i++) expect(Math.abs(r.jvp[row * 3 + i]! - p[row * 3 + i]! * (v[row * 3 + i]! - pv))).toBeLessThan(1e-15)
    }
  })

  it("the correlated Gaussian: exact at d = 3, with a standard error at d = 4, against differences of the lattice", () => {
    for (const name of ["gaussian_corr_d3", "gaussian_corr_d4"]) {
      const c = fixture.cases.find((x) => x.name === name)!
      const m = modelOf(c)
      const d = c.theta.length
      const v = direction(d)
      const r = exactJvp64(m, Float64Array.from(c.theta), v, { samples: 65536, key: Key.make(11) })
      // The lattice with a fixed key is smooth in θ; h = 1e-3 keeps its rounding out of the difference.
      const key = Key.make(12)
      const up = exactProbs64(m, shifted(c.theta, v, 1e-3), { key, samples: 262144 })
      const down = exactProbs64(m, shifted(c.theta, v, -1e-3), { key, samples: 262144 })
      for (let i = 0; i < d; i++) {
        const fd = (up.probs[i]! - down.probs[i]!) / 2e-3
        const fdError = Math.hypot(up.stdError![i]!, down.stdError![i]!) / 2e-3
        const se = d === 3 ? 0 : r.stdError![i]!
        if (d === 3) expect(r.stdError).toBeUndefined()
        else expect(se, `${name} se ${i}`).toBeGreaterThan(0)
        expect(Math.abs(r.jvp[i]! - fd), `${name} i = ${i}`).toBeLessThan(5 * se + 5 * fdError + 1e-5)
      }
    }
    const c2 = fixture.cases.find((c) => c.name === "gaussian_corr_d2")!
    const m2 = modelOf(c2)
    const r2 = exactJvp64(m2, Float64Array.from(c2.theta), Float64Array.of(1, -1))
    expect(r2.stdError).toBeUndefined()
    const up = exactProbs64(m2, shifted(c2.theta, [1, -1], h)).probs
    const down = exactProbs64(m2, shifted(c2.theta, [1, -1], -h)).probs
    expect(Math.abs(r2.jvp[0]! - (up[0]! - down[0]!) / (2 * h))).toBeLessThan(1e-7)
  })

  it("discrete noise: 0 where P is locally constant along v, refused where it jumps", () => {
    const m = Model.perturbArgmax({ space: Space.reals(3), noise: Noise.discrete({ atoms: [0, 1] }) })
    const generic = exactJvp64(m, Float64Array.of(0, 0.5, 0.2), Float64Array.of(1, -1, 0.3))
    expect(Array.from(generic.jvp)).toEqual([0, 0, 0])
    const up = exactProbs64(m, Float64Array.of(h, 0.5 - h, 0.2 + 0.3 * h)).probs
    const down = exactProbs64(m, Float64Array.of(-h, 0.5 + h, 0.2 - 0.3 * h)).probs
    up.forEach((x, i) => expect(x).toBe(down[i]))
    // θ_0 + 1 = θ_1 + 0: a tie that v = e_0 breaks, so P jumps along it.
    expect(() => exactJvp64(m, Float64Array.of(0, 1, -5), Float64Array.of(1, 0, 0))).toThrow(InvalidArgument)
    // Moving both tied coordinates together keeps the tie: P is constant along v.
    expect(Array.from(exactJvp64(m, Float64Array.of(0, 1, -5), Float64Array.of(1, 1, 0)).jvp)).toEqual([0, 0, 0])
  })

  it("bad input: typed errors naming the argument", () => {
    const m = Model.perturbArgmax({ space: Space.reals(3), noise: Noise.gumbel() })
    const soft = Model.perturbSoftmax({ space: Space.reals(3), noise: Noise.gumbel(), temperature: 1 })
    // Mixed noise has exact P (methods/mixed.ts); at θ = 0 the two coordinates on {0,1} tie with mass
    // left (the normal is below the tie with probability Φ(0) > 0), and v = e₀ moves them apart: no J v.
    const bit = Noise.discrete({ atoms: [0, 1] })
    const mixed = Model.perturbArgmax({ space: Space.reals(3), noise: Noise.independent([bit, bit, Noise.normal()]) })
    const theta = Float64Array.of(0, 1, 2)
    const cases: ReadonlyArray<readonly [() => unknown, string]> = [
      [() => exactJvp64(soft, theta, theta), "model"],
      [() => exactPotential64(soft, theta), "model"],
      [() => exactJvp64(m, Float64Array.of(0, 1), Float64Array.of(0, 1)), "theta"],
      [() => exactJvp64(m, theta, Float64Array.of(0, 1)), "v"],
      [() => exactJvp64(m, theta, Float64Array.of(0, 1, 2, 3, 4, 5)), "v"],
      [() => exactJvp64(m, theta, Float64Array.of(0, Infinity, 2)), "v[1]"],
      [() => exactJvp64(m, theta, [0, 1, 2] as unknown as Float64Array), "v"],
      [() => exactPotential64(m, Float64Array.of(0, NaN, 1)), "theta[1]"],
      [() => exactPotential64(m, theta, { samples: 0 }), "samples"],
      [() => exactPotential64(m, theta, { key: 3 as unknown as Key.Key }), "key"],
      [() => exactJvp64(mixed, Float64Array.of(0, 0, 0), Float64Array.of(1, 0, 0)), "theta"],
      [() => exactJvp64(null as unknown as Model.Model, theta, theta), "model"]
    ]
    for (const [f, argument] of cases) {
      let e: unknown
      try {
        f()
      } catch (x) {
        e = x
      }
      expect(e, argument).toBeInstanceOf(InvalidArgument)
      expect((e as InvalidArgument).argument, argument).toBe(argument)
    }
  })
})
