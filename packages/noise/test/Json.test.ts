/**
 * Noise as data: `fromJSON(toJSON(n))` equals `n` for every built-in law and vector noise (fast-check),
 * equality and hashing follow one rule (equal specs ⇒ equal and the same hash; different ⇒ not
 * equal), `law.params` narrows on `_tag`, and bad JSON is refused with an `InvalidArgument` naming
 * the field by its path in the JSON.
 */
import { Equal, Hash } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { InvalidArgument, Noise } from "../src/index.js"
import type { Law } from "../src/Law.js"

const numRuns = 100

const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true })
const positive = fc.double({ min: 1e-3, max: 1e3, noNaN: true })
const locScale = fc.record({ loc: finite, scale: positive })

const lawArb: fc.Arbitrary<Law> = fc.oneof(
  locScale.map((o) => Noise.gumbel(o)),
  fc.record({ mean: finite, sd: positive }).map((o) => Noise.normal(o)),
  locScale.map((o) => Noise.logistic(o)),
  locScale.map((o) => Noise.laplace(o)),
  fc.record({ df: positive, loc: finite, scale: positive }).map((o) => Noise.studentT(o)),
  locScale.map((o) => Noise.cauchy(o)),
  fc.tuple(finite, positive).map(([a, w]) => Noise.uniform({ a, b: a + w })),
  positive.map((rate) => Noise.exponential({ rate })),
  fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 6 }).chain((atoms) =>
    fc.array(fc.integer({ min: 1, max: 9 }), { minLength: atoms.length, maxLength: atoms.length }).map((w) => {
      const total = w.reduce((s, x) => s + x, 0)
      return Noise.discrete({ atoms: atoms.map((a) => a / 8), weights: w.map((x) => x / total) })
    })
  )
)

// A covariance B Bᵀ + I: symmetric positive definite for any B.
const covarianceArb = fc.integer({ min: 1, max: 4 }).chain((d) =>
  fc.tuple(
    fc.array(fc.array(fc.integer({ min: -4, max: 4 }), { minLength: d, maxLength: d }), { minLength: d, maxLength: d }),
    fc.array(fc.integer({ min: -8, max: 8 }), { minLength: d, maxLength: d })
  ).map(([B, mean]) => ({
    covariance: B.map((r, i) => B.map((s, j) => r.reduce((acc, x, k) => acc + x * s[k]!, 0) + (i === j ? 1 : 0))),
    mean: mean.map((m) => m / 4)
  }))
)

const noiseArb: fc.Arbitrary<Noise.Noise> = fc.oneof(
  lawArb,
  fc.tuple(lawArb, fc.integer({ min: 1, max: 8 })).map(([law, d]) => Noise.iid(law, d)),
  fc.array(lawArb, { minLength: 1, maxLength: 4 }).map((laws) => Noise.independent(laws)),
  covarianceArb.map((o) => Noise.gaussian(o))
)

const refusal = (f: () => unknown): InvalidArgument => {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidArgument)
    return e as InvalidArgument
  }
  throw new Error("expected an InvalidArgument")
}

describe("Noise JSON", () => {
  it("round-trips every law and vector noise, through a JSON string too", () => {
    fc.assert(
      fc.property(noiseArb, (n) => {
        const back = Noise.fromJSON(JSON.parse(JSON.stringify(Noise.toJSON(n))))
        expect(Equal.equals(back, n)).toBe(true)
        expect(Hash.hash(back)).toBe(Hash.hash(n))
        expect(back._tag).toBe(n._tag)
        expect(JSON.stringify(Noise.toJSON(back))).toBe(JSON.stringify(Noise.toJSON(n)))
      }),
      { numRuns }
    )
  })

  it("lawFromJSON round-trips every scalar law", () => {
    fc.assert(
      fc.property(lawArb, (law) => {
        expect(Equal.equals(Noise.lawFromJSON(law.toJSON()), law)).toBe(true)
      }),
      { numRuns }
    )
  })

  it("a Gaussian's JSON has its mean and covariance, not its Cholesky factor", () => {
    const g = Noise.gaussian({ covariance: [[4, 2], [2, 3]], mean: [1, -1] })
    expect(Noise.toJSON(g)).toEqual({ _tag: "Gaussian", mean: [1, -1], covariance: [[4, 2], [2, 3]] })
    expect(Array.from((Noise.fromJSON(Noise.toJSON(g)) as Noise.Gaussian).cholesky)).toEqual(Array.from(g.cholesky))
  })

  it("defaults omitted parameters as the constructors do", () => {
    expect(Equal.equals(Noise.fromJSON({ _tag: "Gumbel" }), Noise.gumbel())).toBe(true)
    expect(Equal.equals(Noise.fromJSON({ _tag: "Gaussian", covariance: [[1]] }), Noise.gaussian({ covariance: [[1]] }))).toBe(true)
  })
})

describe("Noise equality: one rule", () => {
  it("equal specs are equal and hash alike; a changed parameter is not equal", () => {
    fc.assert(
      fc.property(noiseArb, (n) => {
        const twin = Noise.fromJSON(Noise.toJSON(n))
        expect(twin).not.toBe(n)
        expect(Equal.equals(twin, n)).toBe(true)
        expect(Hash.hash(twin)).toBe(Hash.hash(n))
      }),
      { numRuns }
    )
    fc.assert(
      fc.property(lawArb, lawArb, (a, b) => {
        const same = JSON.stringify(a.toJSON()) === JSON.stringify(b.toJSON())
        expect(Equal.equals(a, b)).toBe(same)
        expect(Noise.sameLaw(a, b)).toBe(same)
        expect(Equal.equals(Noise.iid(a, 3), Noise.iid(b, 3))).toBe(same)
      }),
      { numRuns }
    )
  })

  it("tells apart what differs: tag, dimension, a coordinate's law, a covariance entry", () => {
    const g = Noise.gumbel()
    expect(Equal.equals(Noise.iid(g, 3), Noise.iid(g, 4))).toBe(false)
    expect(Equal.equals(Noise.iid(g, 2), Noise.independent([g, g]))).toBe(false)
    expect(Equal.equals(Noise.independent([g, g]), Noise.independent([g, Noise.gumbel({ scale: 2 })]))).toBe(false)
    expect(Equal.equals(Noise.gaussian({ covariance: [[1, 0], [0, 1]] }), Noise.gaussian({ covariance: [[1, 0.5], [0.5, 1]] }))).toBe(false)
    expect(Equal.equals(g, Noise.iid(g, 1))).toBe(false)
    expect(Equal.equals(Noise.normal({ mean: -0 }), Noise.normal({ mean: 0 }))).toBe(true)
  })

  it("a custom law is the same law only as itself", () => {
    const options = {
      name: "logistic-like",
      cdf: (x: number) => 1 / (1 + Math.exp(-x)),
      pdf: (x: number) => Math.exp(-Math.abs(x)) / (1 + Math.exp(-Math.abs(x))) ** 2,
      quantile: (p: number) => Math.log(p / (1 - p)),
      traits: Noise.logistic().traits
    }
    const a = Noise.custom(options)
    const b = Noise.custom(options)
    expect(Noise.sameLaw(a, a)).toBe(true)
    expect(Noise.sameLaw(a, b)).toBe(false)
    expect(Equal.equals(a, b)).toBe(false)
    expect(refusal(() => Noise.fromJSON(a.toJSON())).argument).toBe("json._tag")
  })
})

describe("Law narrows on _tag", () => {
  it("params have the tag's type after a switch", () => {
    const describe = (law: Law): string => {
      switch (law._tag) {
        case "Normal":
          return `${law.params.mean},${law.params.sd}`
        case "Discrete":
          return law.params.atoms.join(",")
        case "Exponential":
          return `${law.params.rate}`
        default:
          return law._tag
      }
    }
    expect(describe(Noise.normal({ mean: 1, sd: 2 }))).toBe("1,2")
    expect(describe(Noise.discrete({ atoms: [2, 1] }))).toBe("1,2")
    expect(describe(Noise.exponential({ rate: 3 }))).toBe("3")
  })
})

describe("Noise.fromJSON refuses bad JSON, naming the field", () => {
  const cases: ReadonlyArray<readonly [string, unknown, string]> = [
    ["not an object", 3, "json"],
    ["null", null, "json"],
    ["an array", [], "json"],
    ["no tag", { loc: 0 }, "json._tag"],
    ["an unknown tag", { _tag: "Gumbell" }, "json._tag"],
    ["a string parameter", { _tag: "Gumbel", scale: "1" }, "json.scale"],
    ["a negative scale", { _tag: "Gumbel", scale: -1 }, "json.scale"],
    ["a null sd", { _tag: "Normal", sd: null }, "json.sd"],
    ["no df", { _tag: "StudentT" }, "json.df"],
    ["b ≤ a", { _tag: "Uniform", a: 1, b: 1 }, "json.b"],
    ["atoms not an array", { _tag: "Discrete", atoms: 1 }, "json.atoms"],
    ["a string atom", { _tag: "Discrete", atoms: [0, "1"] }, "json.atoms[1]"],
    ["a negative weight", { _tag: "Discrete", atoms: [0, 1], weights: [1.5, -0.5] }, "json.weights[1]"],
    ["an IID without a law", { _tag: "IID", dim: 3 }, "json.law"],
    ["an IID law with a bad scale", { _tag: "IID", law: { _tag: "Laplace", scale: 0 }, dim: 3 }, "json.law.scale"],
    ["an IID of fractional dimension", { _tag: "IID", law: { _tag: "Gumbel" }, dim: 2.5 }, "json.dim"],
    ["an IID of a custom law", { _tag: "IID", law: { _tag: "Custom", name: "x" }, dim: 2 }, "json.law._tag"],
    ["no laws", { _tag: "Independent", laws: [] }, "json.laws"],
    ["a bad second law", { _tag: "Independent", laws: [{ _tag: "Gumbel" }, { _tag: "Cauchy", loc: "0" }] }, "json.laws[1].loc"],
    ["a ragged covariance", { _tag: "Gaussian", covariance: [[1, 0], [0]] }, "json.covariance[1]"],
    ["an asymmetric covariance", { _tag: "Gaussian", covariance: [[1, 0.5], [0, 1]] }, "json.covariance[1][0]"],
    ["a string covariance entry", { _tag: "Gaussian", covariance: [[1, "0"], [0, 1]] }, "json.covariance[0][1]"],
    ["a mean of the wrong length", { _tag: "Gaussian", covariance: [[1]], mean: [0, 0] }, "json.mean"]
  ]
  it.each(cases)("%s", (_name, json, argument) => {
    const e = refusal(() => Noise.fromJSON(json))
    expect(e.argument).toBe(argument)
    expect(e.message).toContain(argument)
  })
})
