/**
 * Perturb-Argmax float64 numerics (src/methods/{gumbel,independent,gaussian,discrete}.ts) against the independent SciPy reference in
 * `fixtures/argmax.json` (regenerate with `python3 packages/core/fixtures/make_argmax_fixtures.py`),
 * closed forms (Gumbel = softmax, d = 2 Normal, math.md §4 worked values), and the facts of math.md
 * §2: P ∈ Δ, translation, ∇M = P, a symmetric Jacobian with zero row sums, JVP = J v.
 */
import { readFileSync } from "node:fs"
import { Key, Noise, Random, type Law } from "@perturb/noise"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { InvalidArgument } from "../src/Errors.js"
import { argmaxDiscrete, argmaxDiscreteDirectional } from "../src/methods/discrete.js"
import { argmaxGaussian } from "../src/methods/gaussian.js"
import { argmaxGumbel } from "../src/methods/gumbel.js"
import { argmaxIndependent, argmaxJacobian, argmaxJvp } from "../src/methods/independent.js"
import { f64, lawOf, type LawSpec, maxAbsDiff, sum } from "./helpers.js"

interface IndependentCase {
  readonly name: string
  readonly kind: "independent"
  readonly laws: ReadonlyArray<LawSpec>
  readonly theta: ReadonlyArray<number>
  readonly probs: ReadonlyArray<number>
  readonly potential: number | "nan"
  readonly softmax?: ReadonlyArray<number>
  readonly logsumexp_plus_euler?: number
  readonly triangular?: ReadonlyArray<number>
}

interface GaussianCase {
  readonly name: string
  readonly kind: "gaussian"
  readonly theta: ReadonlyArray<number>
  readonly covariance: ReadonlyArray<ReadonlyArray<number>>
  readonly mean: ReadonlyArray<number>
  readonly probs: ReadonlyArray<number>
  readonly potential?: number
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/argmax.json", import.meta.url), "utf8")) as {
  readonly cases: ReadonlyArray<IndependentCase | GaussianCase>
}

const Phi = (x: number): number => Noise.normal().cdf(x)
const phi = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI)
const EULER_GAMMA = 0.5772156649015329

const independentCases = fixture.cases.filter((c): c is IndependentCase => c.kind === "independent")
const gaussianCases = fixture.cases.filter((c): c is GaussianCase => c.kind === "gaussian")

describe("argmaxIndependent against the SciPy fixtures", () => {
  it.each(independentCases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const laws = c.laws.map(lawOf)
    const r = argmaxIndependent(f64(c.theta), laws)
    expect(maxAbsDiff(r.probs, c.probs)).toBeLessThanOrEqual(1e-9)
    expect(Math.abs(sum(r.probs) - 1)).toBeLessThanOrEqual(1e-12)
    for (const p of r.probs) expect(p).toBeGreaterThanOrEqual(0)
    expect(r.error).toBeLessThan(1e-9)
    if (c.potential === "nan") expect(r.potential).toBeNaN()
    else expect(Math.abs(r.potential - c.potential)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(c.potential)))
    if (c.softmax !== undefined) {
      expect(maxAbsDiff(r.probs, c.softmax)).toBeLessThanOrEqual(1e-9)
      expect(Math.abs(r.potential - c.logsumexp_plus_euler!)).toBeLessThanOrEqual(1e-9)
    }
    if (c.triangular !== undefined) expect(maxAbsDiff(r.probs, c.triangular)).toBeLessThanOrEqual(1e-12)
  })

  it("reaches far below 1e-9 on every fixture (worst case recorded)", () => {
    let worstP = 0
    let worstM = 0
    let worstName = ""
    for (const c of independentCases) {
      const r = argmaxIndependent(f64(c.theta), c.laws.map(lawOf))
      const e = maxAbsDiff(r.probs, c.probs)
      if (e > worstP) {
        worstP = e
        worstName = c.name
      }
      if (c.potential !== "nan") worstM = Math.max(worstM, Math.abs(r.potential - c.potential) / Math.max(1, Math.abs(c.potential)))
    }
    console.log(`argmax fixtures: worst |ΔP| = ${worstP.toExponential(2)} (${worstName}), worst relative |ΔM| = ${worstM.toExponential(2)}`)
    expect(worstP).toBeLessThan(1e-11)
    expect(worstM).toBeLessThan(1e-11)
  })
})

describe("argmaxGaussian (correlated, Genz + randomised lattice)", () => {
  it.each(gaussianCases.map((c) => [c.name, c] as const))("%s within 5 standard errors", (_name, c) => {
    const g = Noise.gaussian({ covariance: c.covariance, mean: c.mean })
    const r = argmaxGaussian(f64(c.theta), g)
    for (let i = 0; i < c.theta.length; i++) {
      expect(Math.abs(r.probs[i]! - c.probs[i]!)).toBeLessThanOrEqual(5 * r.stdError[i]! + 1e-12)
      expect(r.stdError[i]!).toBeLessThan(1e-4)
    }
    expect(r.error).toBeLessThan(1e-4)
    expect(Math.abs(sum(r.probs) - 1)).toBeLessThanOrEqual(5 * c.theta.length * r.error + 1e-12)
    if (c.potential !== undefined) expect(Math.abs(r.potential - c.potential)).toBeLessThanOrEqual(1e-12)
  })

  it("is deterministic given the key, and agrees with the quadrature for a diagonal covariance", () => {
    const theta = f64([0.3, -0.2, 0.5, 0.1])
    const sds = [1, 0.7, 1.5, 1.2]
    const g = Noise.gaussian({ covariance: sds.map((s, i) => sds.map((_, j) => (i === j ? s * s : 0))) })
    const a = argmaxGaussian(theta, g, { key: Key.make(7) })
    const b = argmaxGaussian(theta, g, { key: Key.make(7) })
    expect(Array.from(a.probs)).toEqual(Array.from(b.probs))
    const exact = argmaxIndependent(theta, sds.map((sd) => Noise.normal({ sd })))
    for (let i = 0; i < 4; i++) expect(Math.abs(a.probs[i]! - exact.probs[i]!)).toBeLessThanOrEqual(5 * a.stdError[i]! + 1e-12)
    expect(Math.abs(a.potential - exact.potential)).toBeLessThanOrEqual(5 * a.potentialStdError + 1e-9)
  })
})

describe("closed forms", () => {
  it("d = 2 Normal(0, σ²): P_1 = Φ(δ/(σ√2)), M = θ1Φ(a) + θ2Φ(−a) + σ√2φ(a)", () => {
    for (const sigma of [0.3, 1, 2.5]) {
      for (const delta of [-3, -0.7, 0, 0.2, 1.9, 6]) {
        const theta = f64([0.4 + delta, 0.4])
        const r = argmaxIndependent(theta, [Noise.normal({ sd: sigma }), Noise.normal({ sd: sigma })])
        const a = delta / (sigma * Math.SQRT2)
        expect(Math.abs(r.probs[0]! - Phi(a))).toBeLessThanOrEqual(1e-12)
        expect(Math.abs(r.probs[1]! - Phi(-a))).toBeLessThanOrEqual(1e-12)
        const m = theta[0]! * Phi(a) + theta[1]! * Phi(-a) + sigma * Math.SQRT2 * phi(a)
        expect(Math.abs(r.potential - m)).toBeLessThanOrEqual(1e-11)
      }
    }
  })

  it("Gumbel quadrature = softmax closed form (fast-check)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -8, max: 8, noNaN: true }), { minLength: 2, maxLength: 7 }),
        fc.double({ min: 0.3, max: 3, noNaN: true }),
        fc.double({ min: -2, max: 2, noNaN: true }),
        (xs, scale, loc) => {
          const theta = f64(xs)
          const law = Noise.gumbel({ loc, scale })
          const q = argmaxIndependent(theta, xs.map(() => law))
          const c = argmaxGumbel(theta, loc, scale)
          expect(maxAbsDiff(q.probs, c.probs)).toBeLessThanOrEqual(1e-10)
          expect(Math.abs(q.potential - c.potential)).toBeLessThanOrEqual(1e-9)
        }
      ),
      { numRuns: 25, seed: 11 }
    )
  })

  it("Gumbel closed form is stable at ±1e4", () => {
    const r = argmaxGumbel(f64([1e4, -1e4, 0, 1e4]))
    expect(Array.from(r.probs)).toEqual([0.5, 0, 0, 0.5])
    expect(Math.abs(r.potential - (1e4 + Math.LN2 + EULER_GAMMA))).toBeLessThanOrEqual(1e-11)
    const s = argmaxGumbel(f64([0.3, -1.2, 2, 0]), 0.5, 1)
    const z = [0.3, -1.2, 2, 0].map(Math.exp)
    const zs = sum(z)
    expect(maxAbsDiff(s.probs, z.map((v) => v / zs))).toBeLessThanOrEqual(1e-15)
    expect(Math.abs(s.potential - (Math.log(zs) + 0.5 + EULER_GAMMA))).toBeLessThanOrEqual(1e-14)
  })
})

describe("math.md §4 worked values", () => {
  it("Normal(0,1), θ = 0, d = 3: P = 1/3, M = 3/(2√π)", () => {
    const n = Noise.normal()
    const r = argmaxIndependent(f64([0, 0, 0]), [n, n, n])
    for (const p of r.probs) expect(Math.abs(p - 1 / 3)).toBeLessThanOrEqual(1e-13)
    expect(Math.abs(r.potential - 3 / (2 * Math.sqrt(Math.PI)))).toBeLessThanOrEqual(1e-13)
  })

  it("Uniform[0,1], d = 2 (Prop 5.4): triangular cdf; saturates at t ≥ 1", () => {
    const u = Noise.uniform()
    const r = argmaxIndependent(f64([0, 0.5]), [u, u])
    expect(maxAbsDiff(r.probs, [0.125, 0.875])).toBeLessThanOrEqual(1e-13)
    for (const t of [1, 1.2, 3, 1e4]) expect(Array.from(argmaxIndependent(f64([0, t]), [u, u]).probs)).toEqual([0, 1])
    for (const t of [-0.99, -0.3, 0.01, 0.75]) {
      const p2 = t <= 0 ? (1 + t) ** 2 / 2 : 1 - (1 - t) ** 2 / 2
      expect(Math.abs(argmaxIndependent(f64([0, t]), [u, u]).probs[1]! - p2)).toBeLessThanOrEqual(1e-13)
    }
  })

  it("discrete uniform on {0,1}, d = 2 (Prop 5.5): M(0) = 0.75, ∂M = [1/4, 3/4]", () => {
    const b = Noise.discrete({ atoms: [0, 1] })
    const r = argmaxDiscrete(f64([0, 0]), [b, b])
    expect(r.potential).toBe(0.75)
    expect(Array.from(r.probs)).toEqual([0.5, 0.5]) // ties split evenly
    const dd = argmaxDiscreteDirectional(f64([0, 0]), [b, b], f64([0, 1]))
    expect(dd.left).toBe(0.25)
    expect(dd.right).toBe(0.75)
    // M(0, t) = 0.75 + 0.75 t for small t > 0 and 0.75 + 0.25 t for small t < 0.
    const h = 1e-3
    expect(Math.abs((argmaxDiscrete(f64([0, h]), [b, b]).potential - 0.75) / h - 0.75)).toBeLessThan(1e-9)
    expect(Math.abs((0.75 - argmaxDiscrete(f64([0, -h]), [b, b]).potential) / h - 0.25)).toBeLessThan(1e-9)
    // Away from a kink P is the gradient and both one-sided derivatives agree.
    const p = argmaxDiscrete(f64([0, 0.3]), [b, b])
    const d2 = argmaxDiscreteDirectional(f64([0, 0.3]), [b, b], f64([0, 1]))
    expect(d2.left).toBeCloseTo(p.probs[1]!, 15)
    expect(d2.right).toBeCloseTo(p.probs[1]!, 15)
  })

  it("discrete enumeration with unequal weights and three coordinates", () => {
    const a = Noise.discrete({ atoms: [0, 1, 2.5], weights: [0.2, 0.5, 0.3] })
    const c = Noise.discrete({ atoms: [-1, 0.5] })
    const theta = f64([0.1, -0.4, 0.2])
    const r = argmaxDiscrete(theta, [a, c, a])
    // brute force by hand
    const probs = [0, 0, 0]
    let m = 0
    const A = [[0, 1, 2.5], [-1, 0.5], [0, 1, 2.5]]
    const W = [[0.2, 0.5, 0.3], [0.5, 0.5], [0.2, 0.5, 0.3]]
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 2; j++) {
        for (let k = 0; k < 3; k++) {
          const v = [0.1 + A[0]![i]!, -0.4 + A[1]![j]!, 0.2 + A[2]![k]!]
          const w = W[0]![i]! * W[1]![j]! * W[2]![k]!
          const mx = Math.max(...v)
          const tied = v.map((x, q) => (x === mx ? q : -1)).filter((q) => q >= 0)
          for (const q of tied) probs[q]! += w / tied.length
          m += w * mx
        }
      }
    }
    expect(maxAbsDiff(r.probs, probs)).toBeLessThanOrEqual(1e-15)
    expect(Math.abs(r.potential - m)).toBeLessThanOrEqual(1e-14)
    expect(Math.abs(sum(r.probs) - 1)).toBeLessThanOrEqual(1e-15)
  })
})

const LAWS: ReadonlyArray<Law> = [
  Noise.normal(),
  Noise.gumbel(),
  Noise.logistic({ scale: 0.7 }),
  Noise.laplace({ scale: 1.3 }),
  Noise.studentT({ df: 3 }),
  Noise.exponential({ rate: 2 })
]

describe("math.md §2 facts", () => {
  it("translation: P(θ + c𝟙) = P(θ), M(θ + c𝟙) = M(θ) + c (fast-check)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 2, maxLength: 5 }),
        fc.double({ min: -1e3, max: 1e3, noNaN: true }),
        fc.nat({ max: LAWS.length - 1 }),
        (xs, c, li) => {
          const laws = xs.map((_, i) => LAWS[(li + (i % 2)) % LAWS.length]!)
          const a = argmaxIndependent(f64(xs), laws)
          const b = argmaxIndependent(f64(xs.map((x) => x + c)), laws)
          expect(maxAbsDiff(a.probs, b.probs)).toBeLessThanOrEqual(1e-10)
          expect(Math.abs(b.potential - (a.potential + c))).toBeLessThanOrEqual(1e-9)
          expect(Math.abs(sum(a.probs) - 1)).toBeLessThanOrEqual(1e-12)
          for (const p of a.probs) expect(p).toBeGreaterThanOrEqual(0)
        }
      ),
      { numRuns: 30, seed: 3 }
    )
  })

  it("∇M = P by central finite differences", () => {
    const theta = f64([0.4, -0.3, 1.1, 0])
    const h = 1e-4
    for (const law of LAWS) {
      const laws = [law, law, Noise.normal({ sd: 0.8 }), law]
      const p = argmaxIndependent(theta, laws).probs
      for (let k = 0; k < 4; k++) {
        const up = Float64Array.from(theta)
        const dn = Float64Array.from(theta)
        up[k]! += h
        dn[k]! -= h
        const fd = (argmaxIndependent(up, laws).potential - argmaxIndependent(dn, laws).potential) / (2 * h)
        expect(Math.abs(fd - p[k]!)).toBeLessThanOrEqual(1e-7)
      }
    }
  })

  it("Jacobian: symmetric, zero row sums, = finite differences of P, and JVP = J v", () => {
    const theta = f64([0.4, -0.3, 1.1, 0, 0.2])
    const v = f64([0.3, -1, 2, 0.5, -0.7])
    const h = 1e-4
    for (const law of [...LAWS, Noise.uniform()]) {
      const laws = [law, law, law, Noise.normal({ sd: 0.8 }), law]
      const d = 5
      const J = argmaxJacobian(theta, laws)
      for (let i = 0; i < d; i++) {
        let row = 0
        for (let k = 0; k < d; k++) {
          row += J[i * d + k]!
          expect(J[i * d + k]).toBe(J[k * d + i])
          if (k !== i) expect(J[i * d + k]!).toBeLessThanOrEqual(0)
        }
        expect(Math.abs(row)).toBeLessThanOrEqual(1e-14)
      }
      for (let k = 0; k < d; k++) {
        const up = Float64Array.from(theta)
        const dn = Float64Array.from(theta)
        up[k]! += h
        dn[k]! -= h
        const pu = argmaxIndependent(up, laws).probs
        const pd = argmaxIndependent(dn, laws).probs
        for (let i = 0; i < d; i++) expect(Math.abs((pu[i]! - pd[i]!) / (2 * h) - J[i * d + k]!)).toBeLessThanOrEqual(1e-6)
      }
      const jv = argmaxJvp(theta, laws, v)
      for (let i = 0; i < d; i++) {
        let s = 0
        for (let k = 0; k < d; k++) s += J[i * d + k]! * v[k]!
        expect(Math.abs(jv[i]! - s)).toBeLessThanOrEqual(1e-10)
      }
    }
  })

  it("Gumbel JVP = softmax Jacobian p_i(v_i − p·v)", () => {
    const theta = f64([0.3, -1.2, 2, 0, 0.7])
    const v = f64([1, -2, 0.5, 3, 0])
    const g = Noise.gumbel()
    const p = argmaxGumbel(theta).probs
    const pv = sum(p.map((pi, i) => pi * v[i]!))
    const jv = argmaxJvp(theta, [g, g, g, g, g], v)
    for (let i = 0; i < 5; i++) expect(Math.abs(jv[i]! - p[i]! * (v[i]! - pv))).toBeLessThanOrEqual(1e-10)
  })

  it("Cauchy: probabilities exact, potential NaN (no finite mean)", () => {
    const c = Noise.cauchy()
    const r = argmaxIndependent(f64([0.5, -1, 0]), [c, c, c])
    expect(r.potential).toBeNaN()
    expect(Math.abs(sum(r.probs) - 1)).toBeLessThanOrEqual(1e-12)
  })
})

describe("large d and large logits", () => {
  // Timings belong to `pnpm bench` (packages/core/bench/kernels.ts), not to tests.
  it("d = 10, 100, 1000: Σp = 1, Gumbel = softmax, JVPs finite with zero sum", () => {
    for (const d of [10, 100, 1000]) {
      const theta = Random.normal64(Key.make(d), d)
      const n = Noise.normal()
      const laws = Array.from({ length: d }, () => n)
      const r = argmaxIndependent(theta, laws)
      expect(Math.abs(sum(r.probs) - 1)).toBeLessThanOrEqual(1e-12)
      expect(r.error).toBeLessThan(1e-9)
      // A tighter tolerance moves no probability by more than 1e-12.
      const tight = argmaxIndependent(theta, laws, { tolerance: 1e-14 })
      expect(maxAbsDiff(r.probs, tight.probs)).toBeLessThanOrEqual(1e-12)
      const g = Noise.gumbel()
      const rg = argmaxIndependent(theta, Array.from({ length: d }, () => g))
      expect(maxAbsDiff(rg.probs, argmaxGumbel(theta).probs)).toBeLessThanOrEqual(1e-10)
      expect(Math.abs(rg.potential - argmaxGumbel(theta).potential)).toBeLessThanOrEqual(1e-9)
      const v = Random.normal64(Key.make(d + 1), d)
      // J has zero row sums and is symmetric, so Σ_i (J v)_i = 0.
      const jv = argmaxJvp(theta, laws, v)
      expect(jv.every(Number.isFinite)).toBe(true)
      expect(Math.abs(sum(jv))).toBeLessThan(1e-10)
      const sds = Array.from({ length: d }, (_, i) => Noise.normal({ sd: 0.5 + (i % 7) / 4 }))
      const rs = argmaxIndependent(theta, sds)
      expect(Math.abs(sum(rs.probs) - 1)).toBeLessThanOrEqual(1e-12)
    }
  })

  it("d = 1000 with logits ±1e4: finite, exact vertex structure", () => {
    const d = 1000
    const u = Random.uniform64(Key.make(5), d)
    const theta = Float64Array.from(u, (x, i) => (x < 0.5 ? -1e4 : 1e4) + (i % 3) * 0.25)
    const n = Noise.normal()
    const laws = Array.from({ length: d }, () => n)
    const r = argmaxIndependent(theta, laws)
    expect(Number.isFinite(r.potential)).toBe(true)
    expect(Math.abs(sum(r.probs) - 1)).toBeLessThanOrEqual(1e-12)
    // Only the top group can win; its probabilities are those of the top group alone.
    const top: Array<number> = []
    theta.forEach((t, i) => {
      if (t > 0) top.push(i)
    })
    const sub = argmaxIndependent(Float64Array.from(top, (i) => theta[i]!), top.map(() => n))
    const full = Float64Array.from(top, (i) => r.probs[i]!)
    expect(maxAbsDiff(full, sub.probs)).toBeLessThanOrEqual(1e-12)
    expect(Math.abs(r.potential - sub.potential)).toBeLessThanOrEqual(1e-9)
    theta.forEach((t, i) => {
      if (t < 0) expect(r.probs[i]).toBe(0)
    })
    // Gumbel against the closed form at the same logits.
    const g = Noise.gumbel()
    const rg = argmaxIndependent(theta, laws.map(() => g))
    expect(maxAbsDiff(rg.probs, argmaxGumbel(theta).probs)).toBeLessThanOrEqual(1e-10)
  })
})

describe("validation", () => {
  const n = Noise.normal()
  it.each([
    ["non-finite theta", () => argmaxIndependent(f64([0, NaN]), [n, n])],
    ["d = 1", () => argmaxIndependent(f64([0]), [n])],
    ["wrong number of laws", () => argmaxIndependent(f64([0, 1, 2]), [n, n])],
    ["discrete law in the quadrature", () => argmaxIndependent(f64([0, 1]), [n, Noise.discrete({ atoms: [0, 1] })])],
    ["continuous law in the enumeration", () => argmaxDiscrete(f64([0, 1]), [n, Noise.discrete({ atoms: [0, 1] })])],
    ["jvp vector of the wrong length", () => argmaxJvp(f64([0, 1]), [n, n], f64([1]))],
    ["gaussian of the wrong dimension", () => argmaxGaussian(f64([0, 1, 2]), Noise.gaussian({ covariance: [[1, 0], [0, 1]] }))],
    ["gumbel scale", () => argmaxGumbel(f64([0, 1]), 0, -1)],
    ["too many atom combinations", () => {
      const b = Noise.discrete({ atoms: [0, 1, 2, 3] })
      return argmaxDiscrete(new Float64Array(11), Array.from({ length: 11 }, () => b))
    }]
  ])("%s throws InvalidArgument", (_name, f) => {
    expect(f).toThrow(InvalidArgument)
  })
})
