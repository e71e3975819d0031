/**
 * User-defined laws: correct numerics pass through unchanged; declared traits that the numerics
 * contradict are a `TraitMismatch` at construction.
 */
import { Equal } from "effect"
import { describe, expect, it } from "vitest"
import { Noise, TraitMismatch } from "../src/index.js"
import type { CustomOptions } from "../src/Custom.js"
import type { Traits } from "../src/Traits.js"
import { thrown } from "./helpers/errors.js"
import { onAtoms, onInterval, smooth } from "./helpers/traits.js"

const smoothTraits: Traits = smooth("light", true)

/** The standard logistic law, re-implemented. */
const logistic: CustomOptions = {
  name: "my-logistic",
  cdf: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  quantile: (p) => Math.log(p) - Math.log1p(-p),
  pdf: (x) => {
    const e = Math.exp(-Math.abs(x))
    return e / ((1 + e) * (1 + e))
  },
  mean: 0,
  variance: (Math.PI * Math.PI) / 3,
  traits: smoothTraits
}

/** The triangular-ish law on [0, 1] with cdf x² (density 2x). */
const triangleTraits: Traits = onInterval(0, 1, false)
const triangle: CustomOptions = {
  name: "triangle",
  cdf: (x) => (x <= 0 ? 0 : x >= 1 ? 1 : x * x),
  quantile: (p) => Math.sqrt(p),
  pdf: (x) => (x > 0 && x < 1 ? 2 * x : 0),
  mean: 2 / 3,
  variance: 1 / 18,
  traits: triangleTraits
}


describe("a correct custom law", () => {
  const law = Noise.custom(logistic)
  const ref = Noise.logistic()

  it("constructs, with the declared traits and a Custom tag", () => {
    expect(law._tag).toBe("Custom")
    expect(law.params).toEqual({ name: "my-logistic" })
    expect(law.traits).toEqual(smoothTraits)
    expect(law.mean).toBe(0)
    expect(law.variance).toBe((Math.PI * Math.PI) / 3)
  })

  it("passes its numerics through (and derives the log forms)", () => {
    for (const x of [-30, -5, -1, -0.25, 0, 0.25, 1, 5, 30]) {
      expect(law.cdf(x)).toBe(logistic.cdf(x))
      // pdf goes through exp(log(pdf(x))), which costs an ulp or two.
      expect(Math.abs(law.pdf(x) - logistic.pdf!(x))).toBeLessThanOrEqual(1e-14 * logistic.pdf!(x))
      expect(Math.abs(law.logpdf(x) - ref.logpdf(x))).toBeLessThanOrEqual(1e-14 * Math.abs(ref.logpdf(x)))
      // The derived logcdf is log(cdf): relative accuracy below the median, absolute above it.
      const logcdfTol = x <= 0 ? 1e-14 * Math.abs(ref.logcdf(x)) : 4 * Number.EPSILON
      expect(Math.abs(law.logcdf(x) - ref.logcdf(x))).toBeLessThanOrEqual(logcdfTol)
      // The derived logsf is log(1 − exp(logcdf)): only as good as the cdf where 1 − cdf cancels.
      if (x <= 5) expect(Math.abs(law.logsf(x) - ref.logsf(x))).toBeLessThanOrEqual(1e-12 * Math.abs(ref.logsf(x)))
    }
    for (const p of [1e-9, 0.1, 0.5, 0.9]) expect(law.quantile(p)).toBe(logistic.quantile(p))
  })

  it("uses user-supplied log forms when given", () => {
    const withLogs = Noise.custom({ ...logistic, name: "logs", logcdf: ref.logcdf, logsf: ref.logsf, logpdf: ref.logpdf })
    expect(withLogs.logsf(700)).toBe(ref.logsf(700))
    expect(withLogs.logcdf(-700)).toBe(ref.logcdf(-700))
  })

  it("a bounded law (the triangle x² on [0, 1]) constructs", () => {
    const t = Noise.custom(triangle)
    expect(t.cdf(0.5)).toBe(0.25)
    expect(t.quantile(0.25)).toBe(0.5)
    expect(t.traits.tails).toEqual({ lower: "bounded", upper: "bounded" })
  })

  it("a custom discrete law constructs", () => {
    const coin = Noise.custom({
      name: "coin",
      cdf: (x) => (x < 0 ? 0 : x < 1 ? 0.5 : 1),
      quantile: (p) => (p <= 0.5 ? 0 : 1),
      traits: onAtoms([0, 1], true)
    })
    expect(coin.quantile(0.7)).toBe(1)
  })

  it("equals itself only: its functions compare by identity", () => {
    const again = Noise.custom(logistic)
    expect(Equal.equals(law, law)).toBe(true)
    expect(Equal.equals(law, again)).toBe(false)
    expect(Equal.equals(law, ref)).toBe(false)
    expect(law.toJSON()).toEqual({ _tag: "Custom", name: "my-logistic" })
  })
})

describe("declared traits that contradict the numerics", () => {
  const cases: ReadonlyArray<readonly [string, CustomOptions, string]> = [
    [
      "densityPositive for a bounded law",
      { ...triangle, traits: { ...triangleTraits, densityPositive: true } },
      "densityPositive"
    ],
    [
      "densityPositive for a density that vanishes on part of ℝ",
      {
        ...logistic,
        // A logistic cdf that is flat on [-0.5, 0.5]-ish: the density there is 0.
        pdf: (x) => (Math.abs(x) < 0.01 ? 0 : logistic.pdf!(x)),
        traits: smoothTraits
      },
      "densityPositive"
    ],
    [
      "a support that starts too late",
      { ...triangle, traits: { ...triangleTraits, support: { _tag: "Interval", lower: 0.2, upper: 1 } } },
      "support.lower"
    ],
    [
      "a support that ends too early",
      { ...triangle, traits: { ...triangleTraits, support: { _tag: "Interval", lower: 0, upper: 0.9 } } },
      "support.upper"
    ],
    [
      "a bounded tail on an unbounded support",
      { ...logistic, traits: { ...smoothTraits, tails: { lower: "bounded", upper: "light" } } },
      "tails.lower"
    ],
    [
      "an unbounded upper tail on a bounded support",
      { ...triangle, traits: { ...triangleTraits, tails: { lower: "bounded", upper: "light" } } },
      "tails.upper"
    ],
    ["symmetry claimed for an asymmetric law", { ...triangle, traits: { ...triangleTraits, symmetric: true } }, "symmetric"],
    [
      "symmetry claimed for the (asymmetric) type-I skew logistic, cdf σ(x)²",
      {
        name: "skew-logistic",
        cdf: (x) => logistic.cdf(x) ** 2,
        quantile: (p) => logistic.quantile(Math.sqrt(p)),
        pdf: (x) => 2 * logistic.cdf(x) * logistic.pdf!(x),
        traits: smoothTraits
      },
      "symmetric"
    ],
    ["a pdf that is not the cdf's derivative", { ...logistic, pdf: (x) => 2 * logistic.pdf!(x) }, "pdf"],
    ["a shifted pdf", { ...logistic, pdf: (x) => logistic.pdf!(x - 0.1) }, "pdf"],
    ["a quantile that does not invert the cdf", { ...logistic, quantile: (p) => 1.1 * logistic.quantile(p) }, "quantile"],
    ["a quantile that is infinite inside (0, 1)", { ...logistic, quantile: (p) => (p > 0.99 ? Infinity : logistic.quantile(p)) }, "quantile"],
    ["a cdf that is NaN", { ...logistic, cdf: () => NaN }, "cdf"],
    ["light tails with finiteMean false", { ...logistic, traits: { ...smoothTraits, finiteMean: false } }, "finiteMean"],
    ["bounded tails with finiteMean false", { ...triangle, traits: { ...triangleTraits, finiteMean: false } }, "finiteMean"],
    ["an interval support with kind discrete", { ...triangle, traits: { ...triangleTraits, kind: "discrete" } }, "support"],
    [
      "atoms with kind continuous",
      { ...triangle, traits: { ...triangleTraits, support: { _tag: "Atoms", atoms: [0, 1] } } },
      "kind"
    ]
  ]

  it.each(cases)("%s", (_name, options, trait) => {
    const e = thrown(() => Noise.custom(options))
    expect(e).toBeInstanceOf(TraitMismatch)
    const err = e as TraitMismatch
    expect(err._tag).toBe("TraitMismatch")
    expect(err.trait).toBe(trait)
    expect(err.message).toContain(trait)
  })

  // Correct laws must not be rejected (no false alarms).
  it("a correct custom Gumbel constructs (its density underflows, but stays positive, far in the lower tail)", () => {
    const g = Noise.gumbel()
    const law = Noise.custom({
      name: "gumbel",
      cdf: (x) => g.cdf(x),
      quantile: (p) => g.quantile(p),
      pdf: (x) => g.pdf(x),
      logpdf: (x) => g.logpdf(x),
      traits: { ...smoothTraits, symmetric: false }
    })
    expect(law.traits.densityPositive).toBe(true)
  })

  it("a correct custom Cauchy constructs: heavy tails may have an infinite mean", () => {
    const c = Noise.cauchy()
    const law = Noise.custom({
      name: "cauchy",
      cdf: (x) => c.cdf(x),
      quantile: (p) => c.quantile(p),
      pdf: (x) => c.pdf(x),
      traits: { ...smoothTraits, tails: { lower: "heavy", upper: "heavy" }, finiteMean: false }
    })
    expect(law.traits.finiteMean).toBe(false)
  })
})
