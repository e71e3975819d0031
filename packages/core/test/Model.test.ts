/**
 * Models as plain values: built one way (a TypeId on a shared prototype), equal specs are
 * `Equal.equals` with the same hash (so a model can key a cache), `fromJSON(toJSON(m))` equals `m`
 * (fast-check), look-alike objects with a model's `_tag` are not models, and bad JSON is refused
 * with an `InvalidArgument` naming the field.
 */
import { Noise } from "@perturb/noise"
import { Equal, Hash, HashMap } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { compile } from "../src/Compile.js"
import { InvalidArgument } from "../src/Errors.js"
import * as Model from "../src/Model.js"
import * as Space from "../src/Space.js"

const numRuns = 60

const spaceArb = (d: number): fc.Arbitrary<Space.Space> =>
  fc.oneof(
    fc.constant(Space.reals(d)),
    fc.integer({ min: 0, max: d - 1 }).map((index) => Space.pinned(d, { index })),
    fc.constant(Space.zeroSum(d)),
    fc.tuple(fc.integer({ min: -4, max: 0 }), fc.integer({ min: 1, max: 4 })).map(([lo, hi]) => Space.box(lo, hi, d))
  )

const lawArb: fc.Arbitrary<Noise.Law> = fc.oneof(
  fc.record({ loc: fc.integer({ min: -8, max: 8 }), scale: fc.integer({ min: 1, max: 8 }) }).map((o) => Noise.gumbel(o)),
  fc.record({ mean: fc.integer({ min: -8, max: 8 }), sd: fc.integer({ min: 1, max: 8 }) }).map((o) => Noise.normal(o)),
  fc.integer({ min: 1, max: 30 }).map((df) => Noise.studentT({ df })),
  fc.constant(Noise.uniform({ a: -1, b: 2 })),
  fc.constant(Noise.discrete({ atoms: [0, 1, 3], weights: [0.25, 0.25, 0.5] }))
)

const noiseArb = (d: number): fc.Arbitrary<Noise.Noise> =>
  fc.oneof(
    lawArb,
    lawArb.map((law) => Noise.iid(law, d)),
    fc.array(lawArb, { minLength: d, maxLength: d }).map((laws) => Noise.independent(laws)),
    fc.integer({ min: 1, max: 4 }).map((c) =>
      Noise.gaussian({ covariance: Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? c + 1 : 0.5))) })
    )
  )

const modelArb: fc.Arbitrary<Model.Model> = fc.integer({ min: 2, max: 4 }).chain((d) =>
  fc.tuple(spaceArb(d), noiseArb(d), fc.option(fc.double({ min: 1e-3, max: 1e3, noNaN: true }), { nil: undefined })).map(
    ([space, noise, temperature]) =>
      temperature === undefined ? Model.perturbArgmax({ space, noise }) : Model.perturbSoftmax({ space, noise, temperature })
  )
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

describe("Model JSON", () => {
  it("round-trips: fromJSON(toJSON(m)) equals m and hashes alike, through a JSON string too", () => {
    fc.assert(
      fc.property(modelArb, (m) => {
        const back = Model.fromJSON(JSON.parse(JSON.stringify(m)))
        expect(Model.isModel(back)).toBe(true)
        expect(back).not.toBe(m)
        expect(Equal.equals(back, m)).toBe(true)
        expect(Hash.hash(back)).toBe(Hash.hash(m))
        expect(JSON.stringify(back)).toBe(JSON.stringify(m))
      }),
      { numRuns }
    )
  })

  it("writes the space's and the noise's own JSON forms", () => {
    const m = Model.perturbSoftmax({ space: Space.pinned(3), noise: Noise.iid(Noise.gumbel(), 3), temperature: 0.5 })
    expect(m.toJSON()).toEqual({
      _tag: "PerturbSoftmax",
      space: Space.pinned(3).toJSON(),
      noise: { _tag: "IID", law: { _tag: "Gumbel", loc: 0, scale: 1 }, dim: 3 },
      temperature: 0.5
    })
  })
})

describe("Model equality and hashing", () => {
  it("equal specs ⇒ equal with the same hash; a model can key a HashMap", () => {
    fc.assert(
      fc.property(modelArb, (m) => {
        const twin = Model.fromJSON(m.toJSON())
        expect(Equal.equals(m, twin)).toBe(true)
        expect(Hash.hash(m)).toBe(Hash.hash(twin))
        const cache = HashMap.set(HashMap.empty<Model.Model, string>(), m, "compiled")
        expect(HashMap.get(cache, twin)._tag).toBe("Some")
      }),
      { numRuns }
    )
  })

  it("different specs ⇒ not equal", () => {
    fc.assert(
      fc.property(modelArb, modelArb, (a, b) => {
        expect(Equal.equals(a, b)).toBe(JSON.stringify(a) === JSON.stringify(b))
      }),
      { numRuns }
    )
    const space = Space.zeroSum(3)
    const base = Model.perturbSoftmax({ space, noise: Noise.gumbel(), temperature: 1 })
    const others = [
      Model.perturbSoftmax({ space, noise: Noise.gumbel(), temperature: 2 }),
      Model.perturbSoftmax({ space: Space.reals(3), noise: Noise.gumbel() }),
      Model.perturbSoftmax({ space, noise: Noise.gumbel({ scale: 2 }) }),
      Model.perturbSoftmax({ space, noise: Noise.iid(Noise.gumbel(), 3) }),
      Model.perturbArgmax({ space, noise: Noise.gumbel() })
    ]
    for (const o of others) expect(Equal.equals(base, o)).toBe(false)
    expect(Equal.equals(base, Model.perturbSoftmax({ space: Space.zeroSum(3), noise: Noise.gumbel() }))).toBe(true)
  })
})

describe("isModel", () => {
  it("accepts models built by the constructors and fromJSON", () => {
    const m = Model.perturbArgmax({ space: Space.reals(3), noise: Noise.gumbel() })
    expect(Model.isModel(m)).toBe(true)
    expect(Model.isModel(Model.fromJSON(m.toJSON()))).toBe(true)
  })

  it("rejects look-alike objects with a model's _tag, and compile refuses them as 'model'", () => {
    const real = Model.perturbSoftmax({ space: Space.reals(3), noise: Noise.gumbel(), temperature: 0.5 })
    const lookAlikes = [
      { _tag: "PerturbSoftmax", space: real.space, noise: real.noise, temperature: 0.5 },
      { _tag: "PerturbArgmax", space: real.space, noise: real.noise },
      { ...real },
      real.toJSON()
    ]
    for (const u of lookAlikes) {
      expect(Model.isModel(u)).toBe(false)
      expect(refusal(() => compile(u as never)).argument).toBe("model")
    }
  })
})

describe("Model.fromJSON refuses bad JSON, naming the field", () => {
  const space = { _tag: "Reals", dim: 3 }
  const noise = { _tag: "Gumbel" }
  const cases: ReadonlyArray<readonly [string, unknown, string]> = [
    ["not an object", 3, "json"],
    ["an unknown tag", { _tag: "PerturbMax", space, noise }, "json._tag"],
    ["no space", { _tag: "PerturbArgmax", noise }, "json.space"],
    ["no noise", { _tag: "PerturbArgmax", space }, "json.noise"],
    ["a bad space", { _tag: "PerturbArgmax", space: { _tag: "Reals", dim: "3" }, noise }, "json.space"],
    ["a bad law parameter", { _tag: "PerturbArgmax", space, noise: { _tag: "Gumbel", scale: -1 } }, "json.noise.scale"],
    ["a bad nested law", { _tag: "PerturbArgmax", space, noise: { _tag: "IID", law: { _tag: "Normal", sd: "1" }, dim: 3 } }, "json.noise.law.sd"],
    ["a zero temperature", { _tag: "PerturbSoftmax", space, noise, temperature: 0 }, "json.temperature"],
    ["a string temperature", { _tag: "PerturbSoftmax", space, noise, temperature: "1" }, "json.temperature"],
    ["a temperature on Perturb-Argmax", { _tag: "PerturbArgmax", space, noise, temperature: 1 }, "json.temperature"]
  ]
  it.each(cases)("%s", (_name, json, argument) => {
    const e = refusal(() => Model.fromJSON(json))
    expect(e.argument).toBe(argument)
    expect(e.message).toContain(argument)
  })

  it("a noise whose dimension disagrees with the space's is a DimensionMismatch", () => {
    expect(() => Model.fromJSON({ _tag: "PerturbArgmax", space, noise: { _tag: "IID", law: noise, dim: 4 } })).toThrow(/noise/)
  })
})
