/**
 * Shared-node Normal-Argmax (src/methods/normal/) against the independent SciPy references
 * (`fixtures/argmax_normal.json`: quad_vec probabilities, potential and J v up to d = 1000;
 * `fixtures/argmax.json`: QUADPACK per-coordinate integrals), the adaptive Gauss–Kronrod path at
 * tolerance 1e-14, and the laws of math.md §2: Σ P = 1, P(θ + c𝟙) = P(θ), Σ_i (J v)_i = 0, J 𝟙 = 0,
 * monotonicity, a symmetric J. Extreme inputs stay finite; bad inputs raise typed errors; the inverse
 * map round-trips at d = 10, 100, 1000. No timings (they live in bench/exact.ts).
 */
import { readFileSync } from "node:fs"
import { Key, Noise, type Law } from "@perturb/noise"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { compile, InvalidArgument, Model, Space } from "../src/index.js"
import { argmaxIndependent, argmaxJvp } from "../src/methods/independent.js"
import { exactRow } from "../src/internal/exact.js"
import { kronrod21, normalArgmax, normalFamily, normalLogCdfMills } from "../src/methods/normal/index.js"
import { f64, maxAbsDiff, sum } from "./helpers.js"

interface NormalCase {
  readonly name: string
  readonly theta: ReadonlyArray<number>
  readonly mean: ReadonlyArray<number>
  readonly sd: ReadonlyArray<number>
  readonly v: ReadonlyArray<number>
  readonly probs: ReadonlyArray<number>
  readonly jvp: ReadonlyArray<number>
  readonly potential: number
}

interface IndependentCase {
  readonly name: string
  readonly kind: string
  readonly laws?: ReadonlyArray<{ readonly ctor: string; readonly params: Record<string, number> }>
  readonly theta: ReadonlyArray<number>
  readonly probs: ReadonlyArray<number>
  readonly potential: number | "nan"
}

const normalFixture = JSON.parse(readFileSync(new URL("../fixtures/argmax_normal.json", import.meta.url), "utf8")) as {
  readonly cases: ReadonlyArray<NormalCase>
}
const argmaxFixture = JSON.parse(readFileSync(new URL("../fixtures/argmax.json", import.meta.url), "utf8")) as {
  readonly cases: ReadonlyArray<IndependentCase>
}

const iid = (d: number, law: Law = Noise.normal()): Array<Law> => new Array<Law>(d).fill(law)
const familyOf = (laws: ReadonlyArray<Law>) => {
  const f = normalFamily(laws)
  if (f === undefined) throw new Error("not a normal family")
  return f
}
const evaluate = (theta: Float64Array, laws: ReadonlyArray<Law>, v?: Float64Array, keep = false) => {
  const r = normalArgmax(theta, familyOf(laws), v, { keep })
  if (r === undefined) throw new Error("the shared nodes could not certify their error")
  return r
}

describe("the standard normal table", () => {
  it("matches the law's log cdf (absolute) and Mills ratio (relative) on [−16, 9.5]", () => {
    const N = Noise.normal()
    let eLog = 0
    let eMills = 0
    for (let k = 0; k <= 20000; k++) {
      const z = -16 + (25.5 * k) / 20000 - 1e-9
      const { logCdf, mills } = normalLogCdfMills(z)
      const lc = N.logcdf(z)
      const m = Math.exp(N.logpdf(z) - lc)
      eLog = Math.max(eLog, Math.abs(logCdf - lc) / Math.max(1, Math.abs(lc) * 1e-2))
      eMills = Math.max(eMills, Math.abs(mills - m) / Math.max(m, 1e-5))
    }
    expect(eLog).toBeLessThan(1e-13)
    expect(eMills).toBeLessThan(1e-11)
  })

  it("Gauss 10 / Kronrod 21 integrate x^k exactly up to degree 19 / 31", () => {
    const { x, wk, wg } = kronrod21()
    for (let k = 0; k <= 31; k++) {
      const exact = k % 2 === 1 ? 0 : 2 / (k + 1)
      let K = 0
      let G = 0
      for (let j = 0; j < 21; j++) {
        K += wk[j]! * x[j]! ** k
        G += wg[j]! * x[j]! ** k
      }
      expect(Math.abs(K - exact)).toBeLessThan(1e-14)
      if (k <= 19) expect(Math.abs(G - exact)).toBeLessThan(1e-14)
    }
  })
})

describe("against SciPy quad_vec (fixtures/argmax_normal.json)", () => {
  for (const c of normalFixture.cases) {
    it(`${c.name}: probabilities, J v and the potential within 1e-9`, () => {
      const laws = c.mean.map((m, i) => Noise.normal({ mean: m, sd: c.sd[i]! }))
      const v = f64(c.v)
      const r = evaluate(f64(c.theta), laws, v)
      expect(maxAbsDiff(r.probs, c.probs)).toBeLessThan(1e-9)
      let vmax = 0
      for (const x of c.v) vmax = Math.max(vmax, Math.abs(x))
      expect(maxAbsDiff(r.jvp!, c.jvp)).toBeLessThan(1e-9 * Math.max(1, vmax))
      expect(Math.abs(r.potential - c.potential)).toBeLessThan(1e-9 * Math.max(1, Math.abs(c.potential)))
      expect(Math.abs(sum(r.probs) - 1)).toBeLessThan(1e-12)
      expect(r.error).toBeLessThan(1e-9)
    })
  }
})

describe("against SciPy QUADPACK (fixtures/argmax.json, normal cases)", () => {
  const cases = argmaxFixture.cases.filter((c) => c.kind === "independent" && c.laws!.every((l) => l.ctor === "normal"))
  it("has normal cases", () => expect(cases.length).toBeGreaterThanOrEqual(8))
  for (const c of cases) {
    it(`${c.name}: within 1e-9 (shared nodes, or the adaptive fallback through exactRow)`, () => {
      const laws = c.laws!.map((l) => Noise.normal(l.params))
      const theta = f64(c.theta)
      const row = exactRow({ _tag: "Continuous", laws }, theta, { samples: 0, key: Key.make(0) })
      expect(maxAbsDiff(row.probs, c.probs)).toBeLessThan(1e-9)
      expect(Math.abs(row.potential - (c.potential as number))).toBeLessThan(1e-9 * Math.max(1, Math.abs(c.potential as number)))
      const fast = normalArgmax(theta, familyOf(laws))
      if (fast !== undefined) expect(maxAbsDiff(fast.probs, c.probs)).toBeLessThan(1e-9)
    })
  }
})

describe("against the adaptive Gauss–Kronrod path at tolerance 1e-14", () => {
  for (const [d, spread] of [[1000, 1], [1000, 0.1], [1000, 3], [200, 30], [50, 1e4]] as const) {
    it(`d = ${d}, θ ~ N(0, ${spread}²): probabilities and J v within 1e-9`, () => {
      const laws = iid(d)
      const theta = Float64Array.from(Noise.sample(Noise.normal(), Key.make(d + 1), d), (x) => spread * x)
      const v = Float64Array.from(Noise.sample(Noise.normal(), Key.make(d + 2), d))
      const r = evaluate(theta, laws, v)
      expect(maxAbsDiff(r.probs, argmaxIndependent(theta, laws, { tolerance: 1e-14 }).probs)).toBeLessThan(1e-9)
      expect(maxAbsDiff(r.jvp!, argmaxJvp(theta, laws, v, { tolerance: 1e-14 }))).toBeLessThan(1e-9)
    })
  }
})

describe("laws of math.md §2 (properties)", () => {
  const arb = fc
    .integer({ min: 2, max: 40 })
    .chain((d) =>
      fc.record({
        theta: fc.array(fc.double({ min: -6, max: 6, noNaN: true }), { minLength: d, maxLength: d }),
        v: fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: d, maxLength: d }),
        shift: fc.double({ min: -50, max: 50, noNaN: true }),
        sd: fc.double({ min: 0.3, max: 3, noNaN: true })
      })
    )

  it("P ∈ Δ, P(θ + c𝟙) = P(θ), Σ_i (J v)_i = 0, J 𝟙 = 0, and M(θ + c𝟙) = M(θ) + c", () => {
    fc.assert(
      fc.property(arb, ({ theta, v, shift, sd }) => {
        const laws = iid(theta.length, Noise.normal({ sd }))
        const t = f64(theta)
        const r = evaluate(t, laws, f64(v))
        expect(Math.abs(sum(r.probs) - 1)).toBeLessThan(1e-12)
        for (const p of r.probs) expect(p).toBeGreaterThanOrEqual(0)
        const s = evaluate(t.map((x) => x + shift), laws)
        expect(maxAbsDiff(s.probs, r.probs)).toBeLessThan(1e-11)
        expect(Math.abs(s.potential - r.potential - shift)).toBeLessThan(1e-9 * (1 + Math.abs(shift)))
        expect(Math.abs(sum(r.jvp!))).toBeLessThan(1e-11)
        const ones = evaluate(t, laws, new Float64Array(t.length).fill(1)).jvp!
        expect(maxAbsDiff(ones, new Float64Array(t.length))).toBeLessThan(1e-11)
      }),
      { numRuns: 60 }
    )
  })

  it("monotone: raising θ_i raises P_i and lowers every other P_k (J_ii ≥ 0 ≥ J_ki)", () => {
    fc.assert(
      fc.property(arb, fc.nat(), ({ theta }, pick) => {
        const laws = iid(theta.length)
        const t = f64(theta)
        const i = pick % t.length
        const e = new Float64Array(t.length)
        e[i] = 1
        const r = evaluate(t, laws, e)
        const up = evaluate(t.map((x, k) => (k === i ? x + 0.1 : x)), laws)
        expect(r.jvp![i]!).toBeGreaterThanOrEqual(-1e-13)
        expect(up.probs[i]!).toBeGreaterThanOrEqual(r.probs[i]! - 1e-13)
        for (let k = 0; k < t.length; k++) {
          if (k === i) continue
          expect(r.jvp![k]!).toBeLessThanOrEqual(1e-13)
          expect(up.probs[k]!).toBeLessThanOrEqual(r.probs[k]! + 1e-13)
        }
      }),
      { numRuns: 40 }
    )
  })

  it("the kept low-rank J: J v as streamed, uᵀ J v = vᵀ J u, diagonal = J e_i", () => {
    const d = 300
    const laws = iid(d)
    const theta = Float64Array.from(Noise.sample(Noise.normal(), Key.make(5), d))
    const u = Float64Array.from(Noise.sample(Noise.normal(), Key.make(6), d))
    const v = Float64Array.from(Noise.sample(Noise.normal(), Key.make(7), d))
    const kept = evaluate(theta, laws, undefined, true).jacobian!
    const Jv = kept.times(v)
    expect(maxAbsDiff(Jv, evaluate(theta, laws, v).jvp!)).toBeLessThan(1e-13)
    const Ju = kept.times(u)
    let uJv = 0
    let vJu = 0
    for (let i = 0; i < d; i++) {
      uJv += u[i]! * Jv[i]!
      vJu += v[i]! * Ju[i]!
    }
    expect(Math.abs(uJv - vJu)).toBeLessThan(1e-13)
    const diag = kept.diagonal()
    for (const i of [0, 17, 150, 299]) {
      const e = new Float64Array(d)
      e[i] = 1
      expect(Math.abs(kept.times(e)[i]! - diag[i]!)).toBeLessThan(1e-13)
    }
  })
})

describe("extreme inputs", () => {
  it("spreads of ±1e4, ties, and d = 1e5 stay finite and sum to 1", () => {
    const cases: Array<Float64Array> = [
      Float64Array.from(Noise.sample(Noise.normal(), Key.make(8), 1000), (x) => 1e4 * x),
      Float64Array.from({ length: 1000 }, (_, i) => (i < 2 ? 1e4 : -1e4)),
      Float64Array.of(5, 5, 5, -1e4, 0),
      Float64Array.of(1e300, -1e300, 0),
      new Float64Array(100000),
      Float64Array.from(Noise.sample(Noise.normal(), Key.make(9), 100000))
    ]
    for (const theta of cases) {
      const laws = iid(theta.length)
      const v = Float64Array.from(theta, (_, i) => Math.sin(i))
      const row = exactRow({ _tag: "Continuous", laws }, theta, { samples: 0, key: Key.make(0) })
      const r = normalArgmax(theta, familyOf(laws), v)
      expect(r).toBeDefined()
      for (const x of [...row.probs, ...r!.jvp!]) expect(Number.isFinite(x)).toBe(true)
      expect(Math.abs(sum(row.probs) - 1)).toBeLessThan(1e-9)
      expect(Number.isFinite(row.potential)).toBe(true)
    }
    // All tied: exactly uniform.
    const tied = evaluate(new Float64Array(100000), iid(100000))
    expect(maxAbsDiff(tied.probs, new Float64Array(100000).fill(1e-5))).toBeLessThan(1e-12)
    // The vertex: P = (1, 0, 0), M = 1e4.
    const vertex = evaluate(Float64Array.of(1e4, -1e4, 0), iid(3))
    expect(maxAbsDiff(vertex.probs, [1, 0, 0])).toBeLessThan(1e-15)
    expect(Math.abs(vertex.potential - 1e4)).toBeLessThan(1e-9)
  })

  it("an unreachable tolerance is refused (undefined), and exactRow falls back to the adaptive path", () => {
    const theta = Float64Array.of(0.3, -1.2, 2)
    const laws = iid(3)
    expect(normalArgmax(theta, familyOf(laws), undefined, { tolerance: 1e-30 })).toBeUndefined()
    const mixed = [Noise.normal({ sd: 0.01 }), Noise.normal(), Noise.normal({ sd: 10, mean: 1 })]
    const row = exactRow({ _tag: "Continuous", laws: mixed }, Float64Array.of(1, 0, -5), { samples: 0, key: Key.make(0) })
    expect(maxAbsDiff(row.probs, argmaxIndependent(Float64Array.of(1, 0, -5), mixed, { tolerance: 1e-14 }).probs)).toBeLessThan(1e-9)
  })
})

describe("typed errors", () => {
  const fam = familyOf(iid(3))
  it("rejects bad θ and v with InvalidArgument", () => {
    expect(() => normalArgmax(Float64Array.of(0, NaN, 1), fam)).toThrow(InvalidArgument)
    expect(() => normalArgmax(Float64Array.of(0, Infinity, 1), fam)).toThrow(InvalidArgument)
    expect(() => normalArgmax(Float64Array.of(0, 1), fam)).toThrow(InvalidArgument)
    expect(() => normalArgmax(Float64Array.of(0), familyOf(iid(1)))).toThrow(InvalidArgument)
    expect(() => normalArgmax([0, 1, 2] as unknown as Float64Array, fam)).toThrow(InvalidArgument)
    expect(() => normalArgmax(Float64Array.of(0, 1, 2), fam, Float64Array.of(1, 2))).toThrow(InvalidArgument)
    expect(() => normalArgmax(Float64Array.of(0, 1, 2), fam, Float64Array.of(1, NaN, 2))).toThrow(InvalidArgument)
  })
  it("normalFamily is undefined unless every law is Normal", () => {
    expect(normalFamily([Noise.normal(), Noise.gumbel()])).toBeUndefined()
    expect(normalFamily(iid(2, Noise.normal({ mean: 1, sd: 2 })))?.sd[1]).toBe(2)
  })
})

describe("identify: P(identify(p)) = p (Normal-Argmax on the zero-sum space)", () => {
  for (const d of [10, 100, 1000]) {
    it(`d = ${d} to residual 1e-8`, () => {
      const laws = iid(d)
      const theta = Float64Array.from(Noise.sample(Noise.normal(), Key.make(d + 3), d))
      const p = evaluate(theta, laws).probs.map((x) => Math.max(x, 1e-300))
      const q = p.map((x) => x / sum(p))
      const k = compile(Model.perturbArgmax({ space: Space.zeroSum(d), noise: Noise.normal() }))
      const out = k.identify(q, { tol: 1e-8 })
      expect(out.residual).toBeLessThanOrEqual(1e-8)
      expect(Math.abs(sum(out.theta))).toBeLessThan(1e-9 * d)
      const back = argmaxIndependent(out.theta, laws, { tolerance: 1e-13 }).probs
      let l1 = 0
      for (let i = 0; i < d; i++) l1 += Math.abs(back[i]! - q[i]!)
      expect(l1).toBeLessThan(1e-8)
      // Coordinates with p well above the quadrature's floor are recovered.
      const mean = sum(theta) / d
      for (let i = 0; i < d; i++) if (q[i]! > 1e-6) expect(Math.abs(out.theta[i]! - (theta[i]! - mean))).toBeLessThan(1e-5)
    })
  }
  it("location-scale normal noise (pinned space) round-trips too", () => {
    const d = 20
    const noise = Noise.normal({ mean: 0.5, sd: 2 })
    const theta = Float64Array.from(Noise.sample(Noise.normal(), Key.make(11), d), (x, i) => (i === 0 ? 0 : 2 * x))
    const p = evaluate(theta, iid(d, noise)).probs
    const out = compile(Model.perturbArgmax({ space: Space.pinned(d), noise })).identify(p, { tol: 1e-8 })
    expect(out.residual).toBeLessThanOrEqual(1e-8)
    expect(maxAbsDiff(out.theta, theta)).toBeLessThan(1e-6)
  })
})
