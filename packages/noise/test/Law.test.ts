/**
 * The built-in laws against the SciPy/mpmath reference in `fixtures/laws.json` (regenerate with
 * `python3 packages/noise/fixtures/make_fixtures.py`), plus their traits, equality and JSON form.
 */
import { readFileSync } from "node:fs"
import { Equal, Hash } from "effect"
import { describe, expect, it } from "vitest"
import { Noise } from "../src/index.js"
import type { Law } from "../src/Law.js"
import type { Traits } from "../src/Traits.js"
import { onAtoms, onInterval, smooth } from "./helpers/traits.js"

type Encoded = number | "nan" | "inf" | "-inf"
type Fn = "pdf" | "logpdf" | "cdf" | "logcdf" | "logsf"

interface Entry {
  readonly name: string
  readonly ctor: "normal" | "gumbel" | "logistic" | "laplace" | "cauchy" | "studentT" | "uniform" | "exponential" | "discrete"
  readonly params: Record<string, unknown>
  readonly kind: "continuous" | "discrete"
  readonly mean: Encoded
  readonly variance: Encoded
  readonly points: Record<Fn, ReadonlyArray<readonly [number, Encoded]>>
  readonly quantile: ReadonlyArray<readonly [number, Encoded]>
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/laws.json", import.meta.url), "utf8")) as {
  readonly laws: ReadonlyArray<Entry>
}

const decode = (v: Encoded): number => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v)

const build = (e: Entry): Law => (Noise[e.ctor] as (o: unknown) => Law)(e.params)

/**
 * Relative tolerances per family and function, a few times the worst error measured against the
 * 60-digit mpmath/SciPy reference, and each explained by the conditioning of the formula:
 * - `pdf = exp(logpdf)`: the absolute rounding of logpdf (≈ |logpdf|·ε) becomes a relative error
 *   of the pdf, ≈ 800·1.1e-16 ≈ 1e-13 at logpdf ≈ −800 (Normal ±40, Laplace ±700, Exponential
 *   rate·x = 700);
 * - the Normal's cdf goes through erfc(−z/√2): rounding z/√2 costs z²·ε ≈ 1.8e-13 at |z| = 40;
 * - the Student-t goes through stdlib's incomplete beta function (a few ulps, 2.6e-15 measured);
 * - everything else is a closed form in exp/log/log1p/expm1/atan2, exact to a few ulps.
 */
const FNS: ReadonlyArray<Fn> = ["pdf", "logpdf", "cdf", "logcdf", "logsf"]
type Tol = Record<Fn | "quantile", number>
const tol = (all: number, over: Partial<Tol> = {}): Tol => ({
  pdf: all,
  logpdf: all,
  cdf: all,
  logcdf: all,
  logsf: all,
  quantile: all,
  ...over
})
const TOLERANCE: Record<Entry["ctor"], Tol> = {
  normal: tol(5e-13, { pdf: 1e-13, logpdf: 1e-15, quantile: 2e-13 }),
  gumbel: tol(1e-15, { pdf: 1e-14 }),
  logistic: tol(1e-15, { pdf: 1e-14 }),
  laplace: tol(1e-15, { pdf: 2e-13 }),
  // logcdf/logsf/quantile: log1p(−atan2(1, |z|)/π) and tan(π(p − ½)) forms reach 2.2e-16 here.
  cauchy: tol(2e-15, { pdf: 1e-14 }),
  // The deep-tail series goes through gammaln and a log-space hypergeometric sum: ~1e-13 relative.
  studentT: tol(2e-13, { pdf: 5e-13 }),
  uniform: tol(1e-15),
  exponential: tol(1e-15, { pdf: 5e-14 }),
  discrete: tol(1e-15)
}
/** Where the reference is 0 (e.g. a cdf that underflows), anything below the smallest normal double passes. */
const ZERO_ABS = 2.2250738585072014e-308

const mismatch = (got: number, want: number, rtol: number): string | undefined => {
  if (Number.isNaN(want)) return Number.isNaN(got) ? undefined : "expected NaN"
  if (!Number.isFinite(want)) return got === want ? undefined : `expected exactly ${want}`
  if (!Number.isFinite(got)) return "not finite"
  if (want === 0) return Math.abs(got) <= ZERO_ABS ? undefined : "expected 0"
  const rel = Math.abs(got - want) / Math.abs(want)
  return rel <= rtol ? undefined : `relative error ${rel.toExponential(2)} > ${rtol}`
}

const failures = (
  f: (x: number) => number,
  points: ReadonlyArray<readonly [number, Encoded]>,
  rtol: number
): Array<string> =>
  points.flatMap(([x, v]) => {
    const want = decode(v)
    const got = f(x)
    const why = mismatch(got, want, rtol)
    return why === undefined ? [] : [`at ${x}: got ${got}, want ${want} (${why})`]
  })

describe("fixtures", () => {
  it("cover every built-in family, at two or more settings", () => {
    const counts = new Map<string, number>()
    for (const e of fixture.laws) counts.set(e.ctor, (counts.get(e.ctor) ?? 0) + 1)
    for (const ctor of Object.keys(TOLERANCE)) expect(counts.get(ctor) ?? 0, ctor).toBeGreaterThanOrEqual(2)
    expect(counts.get("studentT")).toBeGreaterThanOrEqual(3)
  })
})

describe.each(fixture.laws.map((e) => [e.name, e] as const))("%s vs SciPy", (_name, e) => {
  const law = build(e)
  const rt = TOLERANCE[e.ctor]

  it.each(FNS)("%s", (fn) => {
    const points = e.points[fn]
    expect(points.length).toBeGreaterThan(3)
    expect(failures((x) => law[fn](x), points, rt[fn]).join("\n")).toBe("")
  })

  it("quantile", () => {
    expect(failures((p) => law.quantile(p), e.quantile, rt.quantile).join("\n")).toBe("")
  })

  it("mean and variance", () => {
    // SciPy reports the Student-t mean as inf for df ≤ 1, where it does not exist; the package
    // documents NaN for undefined moments (as SciPy itself does for the Cauchy), so expect NaN.
    const undefinedMean = e.ctor === "studentT" && (e.params["df"] as number) <= 1
    if (undefinedMean) expect(decode(e.mean)).toBe(Infinity)
    expect(mismatch(law.mean, undefinedMean ? NaN : decode(e.mean), 1e-15)).toBeUndefined()
    expect(mismatch(law.variance, decode(e.variance), 1e-15)).toBeUndefined()
  })

  it("quantile is NaN outside [0, 1]", () => {
    for (const p of [-0.1, 1.1, NaN]) expect(law.quantile(p)).toBeNaN()
  })
})

describe("deep tails", () => {
  it("Normal logcdf(-40) is finite and right (log Φ(-40) = -804.6084420137538)", () => {
    const v = Noise.normal().logcdf(-40)
    expect(Number.isFinite(v)).toBe(true)
    expect(Math.abs(v - -804.6084420137538) / 804.6084420137538).toBeLessThan(1e-14)
    expect(Noise.normal().logsf(40)).toBe(v)
  })
})

// ---------------------------------------------------------------------------------------------
// Traits, exactly as specified for each family.
// ---------------------------------------------------------------------------------------------

const traitCases: ReadonlyArray<readonly [string, Law, Traits]> = [
  ["normal", Noise.normal({ mean: 2, sd: 3 }), smooth("light", true)],
  ["gumbel", Noise.gumbel({ loc: 1, scale: 2 }), smooth("light", false)],
  ["logistic", Noise.logistic(), smooth("light", true)],
  ["laplace", Noise.laplace(), { ...smooth("light", true), densityDifferentiable: "almostEverywhere" }],
  ["studentT df=3", Noise.studentT({ df: 3 }), smooth("heavy", true, true)],
  ["studentT df=1.5", Noise.studentT({ df: 1.5 }), smooth("heavy", true, true)],
  ["studentT df=1", Noise.studentT({ df: 1 }), smooth("heavy", true, false)],
  ["studentT df=0.5", Noise.studentT({ df: 0.5 }), smooth("heavy", true, false)],
  ["cauchy", Noise.cauchy({ loc: -1, scale: 2 }), smooth("heavy", true, false)],
  ["uniform", Noise.uniform({ a: -1, b: 2 }), onInterval(-1, 2, true)],
  ["exponential", Noise.exponential({ rate: 2.5 }), onInterval(0, Infinity, false, "light")],
  ["discrete asymmetric", Noise.discrete({ atoms: [2, -1, 0.5], weights: [0.3, 0.2, 0.5] }), onAtoms([-1, 0.5, 2], false)],
  ["discrete symmetric", Noise.discrete({ atoms: [0, 1] }), onAtoms([0, 1], true)]
]

describe("traits", () => {
  it.each(traitCases)("%s", (_name, law, traits) => {
    expect(law.traits).toEqual(traits)
  })

  it("Cauchy has no finite mean, and its mean and variance are NaN", () => {
    const c = Noise.cauchy()
    expect(c.traits.finiteMean).toBe(false)
    expect(c.mean).toBeNaN()
    expect(c.variance).toBeNaN()
  })

  it("Student-t has a finite mean iff df > 1", () => {
    for (const df of [0.25, 0.999, 1, 1.000001, 2, 30]) {
      expect(Noise.studentT({ df }).traits.finiteMean, `df = ${df}`).toBe(df > 1)
    }
  })

  it("discrete atoms and weights are stored sorted by atom", () => {
    const d = Noise.discrete({ atoms: [2, -1, 0.5], weights: [0.3, 0.2, 0.5] })
    expect(d.params).toEqual({ atoms: [-1, 0.5, 2], weights: [0.2, 0.5, 0.3] })
  })
})

// ---------------------------------------------------------------------------------------------
// Value semantics.
// ---------------------------------------------------------------------------------------------

describe("equality and hashing", () => {
  it("two default Gumbels are Equal.equals and hash alike", () => {
    const a = Noise.gumbel()
    const b = Noise.gumbel()
    expect(a).not.toBe(b)
    expect(Equal.equals(a, b)).toBe(true)
    expect(Hash.hash(a)).toBe(Hash.hash(b))
  })

  it("explicit default parameters equal omitted ones", () => {
    expect(Equal.equals(Noise.gumbel(), Noise.gumbel({ loc: 0, scale: 1 }))).toBe(true)
    expect(Equal.equals(Noise.normal(), Noise.normal({ mean: 0, sd: 1 }))).toBe(true)
  })

  it.each([
    ["different scale", Noise.gumbel(), Noise.gumbel({ scale: 2 })],
    ["different loc", Noise.gumbel(), Noise.gumbel({ loc: 0.5 })],
    ["different family, same parameters", Noise.gumbel(), Noise.logistic()],
    ["Laplace vs Gumbel", Noise.laplace(), Noise.gumbel()],
    ["different df", Noise.studentT({ df: 3 }), Noise.studentT({ df: 4 })],
    ["different weights", Noise.discrete({ atoms: [0, 1] }), Noise.discrete({ atoms: [0, 1], weights: [0.25, 0.75] })]
  ] as const)("%s: not equal", (_name, a, b) => {
    expect(Equal.equals(a, b)).toBe(false)
    expect(Equal.equals(b, a)).toBe(false)
  })

  it("a law is not equal to its JSON or to a plain object", () => {
    const g = Noise.gumbel()
    expect(Equal.equals(g, g.toJSON())).toBe(false)
    expect(Equal.equals(g, { _tag: "Gumbel", params: { loc: 0, scale: 1 } })).toBe(false)
  })

  it("laws are frozen", () => {
    const g = Noise.gumbel()
    expect(Object.isFrozen(g)).toBe(true)
    expect(Object.isFrozen(g.params)).toBe(true)
  })
})

describe("toJSON", () => {
  it.each([
    [Noise.gumbel({ loc: 1, scale: 2 }), { _tag: "Gumbel", loc: 1, scale: 2 }],
    [Noise.normal(), { _tag: "Normal", mean: 0, sd: 1 }],
    [Noise.studentT({ df: 3 }), { _tag: "StudentT", df: 3, loc: 0, scale: 1 }],
    [Noise.uniform({ a: -1, b: 2 }), { _tag: "Uniform", a: -1, b: 2 }],
    [Noise.exponential({ rate: 2.5 }), { _tag: "Exponential", rate: 2.5 }],
    [Noise.discrete({ atoms: [1, 0] }), { _tag: "Discrete", atoms: [0, 1], weights: [0.5, 0.5] }]
  ] as const)("%s", (law, json) => {
    expect(law.toJSON()).toEqual(json)
    expect(JSON.parse(JSON.stringify(law))).toEqual(json)
  })

  it("round trips: rebuilding from the JSON gives an equal law", () => {
    const ctors: Record<string, (o: never) => Law> = {
      Gumbel: Noise.gumbel,
      Normal: Noise.normal,
      Logistic: Noise.logistic,
      Laplace: Noise.laplace,
      StudentT: Noise.studentT,
      Cauchy: Noise.cauchy,
      Uniform: Noise.uniform,
      Exponential: Noise.exponential,
      Discrete: Noise.discrete
    }
    for (const e of fixture.laws) {
      const law = build(e)
      const { _tag, ...params } = JSON.parse(JSON.stringify(law)) as { _tag: string }
      const again = ctors[_tag]!(params as never)
      expect(Equal.equals(law, again), e.name).toBe(true)
      expect(Hash.hash(law)).toBe(Hash.hash(again))
    }
  })
})

