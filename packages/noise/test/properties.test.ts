/**
 * Laws every continuous family must honour for arbitrary valid parameters (fast-check): the
 * quantile inverts the cdf, the cdf is a monotone probability, the log forms agree with it, the
 * density is its derivative, symmetric laws are symmetric, positive densities are positive and
 * bounded supports are respected.
 */
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Noise } from "../src/index.js"
import type { Law } from "../src/Law.js"

const EPS = Number.EPSILON
const numRuns = 200

/** A law with a centre `c` and a scale `s`: points are generated as x = c + s·t. */
interface Drawn {
  readonly law: Law
  readonly c: number
  readonly s: number
}

interface Family {
  readonly name: string
  readonly arb: fc.Arbitrary<Drawn>
  /** t-range (in scales around c) where the density is a normal positive double (no underflow). */
  readonly window: readonly [number, number]
  readonly symmetric: boolean
  /** Exponential: points only on the half-line, where its mass is. */
  readonly halfLine?: boolean
}

// Dyadic locations (k/64) keep c ± t exact, so symmetry is tested without rounding of x.
const loc = fc.integer({ min: -6400, max: 6400 }).map((k) => k / 64)
const logUniform = (lo: number, hi: number) =>
  fc.double({ min: Math.log(lo), max: Math.log(hi), noNaN: true }).map(Math.exp)
const scale = logUniform(0.02, 50)

const locScale = (make: (o: { loc: number; scale: number }) => Law) =>
  fc.record({ loc, scale }).map(({ loc, scale }) => ({ law: make({ loc, scale }), c: loc, s: scale }))

const families: ReadonlyArray<Family> = [
  {
    name: "normal",
    arb: fc.record({ loc, scale }).map(({ loc, scale }) => ({ law: Noise.normal({ mean: loc, sd: scale }), c: loc, s: scale })),
    window: [-37, 37],
    symmetric: true
  },
  { name: "gumbel", arb: locScale(Noise.gumbel), window: [-6.5, 700], symmetric: false },
  { name: "logistic", arb: locScale(Noise.logistic), window: [-700, 700], symmetric: true },
  { name: "laplace", arb: locScale(Noise.laplace), window: [-700, 700], symmetric: true },
  { name: "cauchy", arb: locScale(Noise.cauchy), window: [-1e100, 1e100], symmetric: true },
  {
    name: "studentT",
    arb: fc.record({ loc, scale, df: logUniform(0.3, 200) }).map(({ loc, scale, df }) => ({
      law: Noise.studentT({ df, loc, scale }),
      c: loc,
      s: scale
    })),
    window: [-100, 100],
    symmetric: true
  },
  {
    name: "uniform",
    arb: fc.record({ a: loc, m: fc.integer({ min: 1, max: 6400 }) }).map(({ a, m }) => {
      const b = a + m / 64
      return { law: Noise.uniform({ a, b }), c: (a + b) / 2, s: (b - a) / 2 }
    }),
    window: [-1, 1],
    symmetric: true
  },
  {
    name: "exponential",
    arb: logUniform(0.02, 50).map((rate) => ({ law: Noise.exponential({ rate }), c: 0, s: 1 / rate })),
    window: [0, 700],
    symmetric: false,
    halfLine: true
  }
]

/** t in scales: mostly the bulk, sometimes far out. */
const tAll = fc.oneof(
  fc.double({ min: -5, max: 5, noNaN: true }),
  fc.double({ min: -60, max: 60, noNaN: true }),
  fc.double({ min: -1e12, max: 1e12, noNaN: true })
)

const check = <A>(arb: fc.Arbitrary<A>, pred: (a: A) => boolean | void): void => {
  fc.assert(fc.property(arb, pred), { numRuns, seed: 20240611 })
}

describe.each(families)("$name", (fam) => {
  // On the half-line, log-uniform points reach both the lower tail (t ≈ 1e-11) and the upper one.
  const t = fam.halfLine === true ? fc.double({ min: -25, max: 4, noNaN: true }).map(Math.exp) : tAll
  it("traits agree with the family's symmetry and continuity", () => {
    check(fam.arb, ({ law }) => {
      expect(law.traits.kind).toBe("continuous")
      expect(law.traits.symmetric).toBe(fam.symmetric)
    })
  })

  it("quantile(cdf(x)) ≈ x where cdf(x) ∈ [1e-10, 1 − 1e-10]", () => {
    let tested = 0
    check(fc.tuple(fam.arb, t), ([{ law, c, s }, tt]) => {
      const x = c + s * tt
      const F = law.cdf(x)
      if (!(F >= 1e-10 && F <= 1 - 1e-10)) return
      tested++
      // The cdf is rounded (relatively in the lower tail, by ε near 1), which moves the
      // quantile by about ε·F/pdf; the quantile itself then errs by a few ulps of x.
      const back = law.quantile(F)
      const tol = 1e-12 * (Math.abs(x) + s) + 16 * EPS * Math.max(F, 1e-10) / law.pdf(x)
      expect(Math.abs(back - x), `x = ${x}, cdf = ${F}, quantile = ${back}`).toBeLessThanOrEqual(tol)
    })
    expect(tested).toBeGreaterThan(numRuns / 10)
  })

  it("cdf is a non-decreasing probability, also at ±Infinity", () => {
    check(fc.tuple(fam.arb, t, t), ([{ law, c, s }, t1, t2]) => {
      const [lo, hi] = t1 <= t2 ? [t1, t2] : [t2, t1]
      const a = law.cdf(c + s * lo)
      const b = law.cdf(c + s * hi)
      expect(a).toBeGreaterThanOrEqual(0)
      expect(b).toBeLessThanOrEqual(1)
      expect(a, `cdf(${c + s * lo}) > cdf(${c + s * hi})`).toBeLessThanOrEqual(b)
      expect(law.cdf(-Infinity)).toBe(0)
      expect(law.cdf(Infinity)).toBe(1)
    })
  })

  it("exp(logcdf) ≈ cdf and exp(logsf) ≈ 1 − cdf where 1 − cdf does not cancel", () => {
    check(fc.tuple(fam.arb, t), ([{ law, c, s }, tt]) => {
      const x = c + s * tt
      const F = law.cdf(x)
      const logF = law.logcdf(x)
      const logS = law.logsf(x)
      expect(logF).toBeLessThanOrEqual(0)
      expect(logS).toBeLessThanOrEqual(0)
      // exp turns the absolute rounding of the log (|log|·ε) into a relative error.
      if (F > 1e-300) {
        expect(Math.abs(Math.exp(logF) - F), `x = ${x}`).toBeLessThanOrEqual((1e-13 + 4 * EPS * Math.abs(logF)) * F)
      } else {
        expect(logF, `x = ${x}`).toBeLessThan(-690)
      }
      if (F <= 0.5) {
        expect(Math.abs(Math.exp(logS) - (1 - F)), `x = ${x}`).toBeLessThanOrEqual(1e-13 * (1 - F))
      }
    })
  })

  it("pdf ≈ the numerical derivative of cdf", () => {
    let tested = 0
    check(fc.tuple(fam.arb, t), ([{ law, c, s }, tt]) => {
      const x = c + s * tt
      const F = law.cdf(x)
      if (!(F >= 1e-6 && F <= 1 - 1e-6)) return
      const h = 1e-5 * s * Math.max(1, Math.abs(tt))
      // Stay clear of the support's ends, where the density jumps.
      const { support } = law.traits
      if (support._tag === "Interval" && (x - h <= support.lower || x + h >= support.upper)) return
      tested++
      const fd = (law.cdf(x + h) - law.cdf(x - h)) / (2 * h)
      const pdf = law.pdf(x)
      // O((h/ℓ)²) truncation (h is 1e-5 of the local length scale ℓ) plus the cdf's rounding over 2h.
      expect(Math.abs(fd - pdf), `x = ${x}: pdf ${pdf}, cdf' ≈ ${fd}`).toBeLessThanOrEqual(1e-4 * pdf + (4 * EPS) / h)
      expect(Math.abs(law.logpdf(x) - Math.log(pdf))).toBeLessThanOrEqual(1e-13 * (1 + Math.abs(law.logpdf(x))))
    })
    expect(tested).toBeGreaterThan(numRuns / 10)
  })

  if (fam.symmetric) {
    it("is symmetric: cdf(c − t) + cdf(c + t) = 1 and the median is c", () => {
      const dyadic = fc.integer({ min: 0, max: 1 << 24 }).map((k) => k / 4096)
      check(fc.tuple(fam.arb, dyadic), ([{ law, c, s }, d]) => {
        const dt = d * s
        const sum = law.cdf(c - dt) + law.cdf(c + dt)
        expect(Math.abs(sum - 1), `c = ${c}, t = ${dt}`).toBeLessThanOrEqual(4 * EPS)
        const lower = law.logcdf(c - dt)
        const upper = law.logsf(c + dt)
        if (lower === -Infinity) expect(upper, `t = ${dt}`).toBe(-Infinity)
        else expect(Math.abs(upper - lower), `t = ${dt}`).toBeLessThanOrEqual(4 * EPS * Math.abs(lower))
        expect(Math.abs(law.quantile(0.5) - c)).toBeLessThanOrEqual(4 * EPS * (Math.abs(c) + s))
      })
    })
  } else {
    it("is not symmetric about its median", () => {
      check(fam.arb, ({ law }) => {
        const m = law.quantile(0.5)
        const d = law.quantile(0.9) - m
        expect(Math.abs(law.cdf(m - d) + law.cdf(m + d) - 1)).toBeGreaterThan(1e-3)
      })
    })
  }

  if (fam.name !== "uniform" && fam.name !== "exponential") {
    it("a positive density is positive across the representable window", () => {
      check(fc.tuple(fam.arb, fc.double({ min: fam.window[0], max: fam.window[1], noNaN: true })), ([
        { law, c, s },
        tt
      ]) => {
        expect(law.traits.densityPositive).toBe(true)
        const x = c + s * tt
        expect(law.pdf(x), `x = ${x}`).toBeGreaterThan(0)
        expect(Number.isFinite(law.logpdf(x))).toBe(true)
      })
    })
  } else {
    it("a bounded end has cdf 0 below and 1 above, and no density outside", () => {
      check(fc.tuple(fam.arb, fc.double({ min: 1e-9, max: 1e300, noNaN: true })), ([{ law }, gap]) => {
        expect(law.traits.densityPositive).toBe(false)
        const { support } = law.traits
        if (support._tag !== "Interval") throw new Error("interval support expected")
        expect(Number.isFinite(support.lower)).toBe(true)
        const below = support.lower - gap * (1 + Math.abs(support.lower))
        expect(law.cdf(below)).toBe(0)
        expect(law.logcdf(below)).toBe(-Infinity)
        expect(law.logsf(below)).toBe(0)
        expect(law.pdf(below)).toBe(0)
        expect(law.cdf(support.lower)).toBe(0)
        if (Number.isFinite(support.upper)) {
          const above = support.upper + gap * (1 + Math.abs(support.upper))
          expect(law.cdf(above)).toBe(1)
          expect(law.logcdf(above)).toBe(0)
          expect(law.logsf(above)).toBe(-Infinity)
          expect(law.pdf(above)).toBe(0)
          expect(law.cdf(support.upper)).toBe(1)
        } else {
          expect(law.traits.tails.upper).toBe("light")
        }
        expect(law.quantile(0)).toBe(support.lower)
        expect(law.quantile(1)).toBe(support.upper)
      })
    })
  }
})
