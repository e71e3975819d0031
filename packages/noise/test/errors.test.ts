/**
 * Every invalid parameter is a typed `InvalidArgument` whose message names the argument and shows
 * the offending value.
 */
import { describe, expect, it } from "vitest"
import { InvalidArgument, InvalidParameter, Noise } from "../src/index.js"
import type { Law } from "../src/Law.js"
import type { Traits } from "../src/Traits.js"
import { thrown } from "./helpers/errors.js"
import { onInterval } from "./helpers/traits.js"


/** `shown` is how the message must print the value (e.g. "NaN", "-Infinity", "[0,1,0]"). */
const expectInvalid = (f: () => unknown, argument: string, value: unknown, shown: string): void => {
  const e = thrown(f)
  expect(e).toBeInstanceOf(InvalidArgument)
  expect(e).toBeInstanceOf(Error)
  const err = e as InvalidArgument
  expect(err._tag).toBe("InvalidArgument")
  expect(err.argument).toBe(argument)
  if (typeof value === "number") expect(Object.is(err.value, value), `value ${String(err.value)}`).toBe(true)
  else expect(err.value).toEqual(value)
  expect(err.message).toContain(argument)
  expect(err.message).toContain(`${argument} = ${shown}`)
  expect(err.reason.length).toBeGreaterThan(0)
}

// Deliberately ill-typed inputs, as an untyped (JavaScript) caller could pass them.
const untyped = <A>(f: (o: A) => unknown) => (o: unknown) => f(o as A)

// ---------------------------------------------------------------------------------------------
// Numeric parameters of the scalar families.
// ---------------------------------------------------------------------------------------------

interface Param {
  readonly family: string
  readonly make: (o: Record<string, unknown>) => unknown
  readonly name: string
  /** Other parameters needed for a valid call (Student-t's df). */
  readonly base: Record<string, unknown>
  readonly positive: boolean
}

const params: ReadonlyArray<Param> = [
  { family: "gumbel", make: untyped(Noise.gumbel), name: "loc", base: {}, positive: false },
  { family: "gumbel", make: untyped(Noise.gumbel), name: "scale", base: {}, positive: true },
  { family: "normal", make: untyped(Noise.normal), name: "mean", base: {}, positive: false },
  { family: "normal", make: untyped(Noise.normal), name: "sd", base: {}, positive: true },
  { family: "logistic", make: untyped(Noise.logistic), name: "loc", base: {}, positive: false },
  { family: "logistic", make: untyped(Noise.logistic), name: "scale", base: {}, positive: true },
  { family: "laplace", make: untyped(Noise.laplace), name: "loc", base: {}, positive: false },
  { family: "laplace", make: untyped(Noise.laplace), name: "scale", base: {}, positive: true },
  { family: "studentT", make: untyped(Noise.studentT), name: "df", base: {}, positive: true },
  { family: "studentT", make: untyped(Noise.studentT), name: "loc", base: { df: 3 }, positive: false },
  { family: "studentT", make: untyped(Noise.studentT), name: "scale", base: { df: 3 }, positive: true },
  { family: "cauchy", make: untyped(Noise.cauchy), name: "loc", base: {}, positive: false },
  { family: "cauchy", make: untyped(Noise.cauchy), name: "scale", base: {}, positive: true },
  { family: "uniform", make: untyped(Noise.uniform), name: "a", base: {}, positive: false },
  { family: "uniform", make: untyped(Noise.uniform), name: "b", base: { a: -5 }, positive: false },
  { family: "exponential", make: untyped(Noise.exponential), name: "rate", base: {}, positive: true }
]

const nonFinite: ReadonlyArray<readonly [number, string]> = [
  [NaN, "NaN"],
  [Infinity, "Infinity"],
  [-Infinity, "-Infinity"]
]
const nonPositive: ReadonlyArray<readonly [number, string]> = [
  [0, "0"],
  [-1, "-1"],
  [-0, "-0"],
  [-1e-300, "-1e-300"]
]

const numericCases = params.flatMap((p) =>
  [...nonFinite, ...(p.positive ? nonPositive : [])].map(([value, shown]) =>
    [`${p.family}.${p.name} = ${shown}`, p, value, shown] as const
  )
)

describe("the deprecated name InvalidParameter", () => {
  it("is InvalidArgument itself", () => {
    expect(InvalidParameter).toBe(InvalidArgument)
    expect(thrown(() => Noise.gumbel({ scale: 0 }))).toBeInstanceOf(InvalidParameter)
  })
})

describe("numeric parameters", () => {
  it("the table covers every numeric parameter of every family", () => {
    expect(new Set(params.map((p) => p.family)).size).toBe(8)
    expect(numericCases.length).toBe(16 * 3 + 8 * 4) // 16 parameters, 8 of them scales/rates/df
  })

  it.each(numericCases)("%s", (_name, p, value, shown) => {
    expectInvalid(() => p.make({ ...p.base, [p.name]: value }), `${p.family}.${p.name}`, value, shown)
  })

  it.each(params)("$family.$name as a string is rejected", (p) => {
    expectInvalid(() => p.make({ ...p.base, [p.name]: "1" }), `${p.family}.${p.name}`, "1", "\"1\"")
  })

  it("studentT without df", () => {
    expectInvalid(() => untyped(Noise.studentT)({}), "studentT.df", undefined, "")
  })

  it.each([
    [0.5, 0.5],
    [1, 0],
    [2, -3],
    [1e-9, 0]
  ])("uniform with a = %s ≥ b = %s", (a, b) => {
    const e = thrown(() => Noise.uniform({ a, b })) as InvalidArgument
    expectInvalid(() => Noise.uniform({ a, b }), "uniform.b", b, String(b))
    expect(e.message).toContain(String(a))
  })

  it("valid boundary values are accepted", () => {
    expect(Noise.gumbel({ scale: 1e-300 }).params.scale).toBe(1e-300)
    expect(Noise.studentT({ df: 1e-3 }).params.df).toBe(1e-3)
    expect(Noise.uniform({ a: 0, b: 5e-324 }).params).toEqual({ a: 0, b: 5e-324 })
    expect(Noise.normal({ mean: -1e308 }).params.mean).toBe(-1e308)
  })
})

// ---------------------------------------------------------------------------------------------
// Discrete laws.
// ---------------------------------------------------------------------------------------------

describe("discrete", () => {
  const discrete = untyped(Noise.discrete)
  it.each([
    ["empty atoms", { atoms: [] }, "discrete.atoms", [], "[]"],
    ["missing atoms", {}, "discrete.atoms", undefined, ""],
    ["atoms not an array", { atoms: 3 }, "discrete.atoms", 3, "3"],
    ["repeated atoms", { atoms: [0, 1, 0] }, "discrete.atoms", [0, 1, 0], "[0,1,0]"],
    ["repeated atoms with weights", { atoms: [2, 2], weights: [0.5, 0.5] }, "discrete.atoms", [2, 2], "[2,2]"],
    ["NaN atom", { atoms: [0, NaN] }, "discrete.atoms[1]", NaN, "NaN"],
    ["infinite atom", { atoms: [-Infinity, 0] }, "discrete.atoms[0]", -Infinity, "-Infinity"],
    ["weights summing to 1.1", { atoms: [0, 1], weights: [0.5, 0.6] }, "discrete.weights", [0.5, 0.6], "[0.5,0.6]"],
    ["weights summing to 0.9", { atoms: [0, 1], weights: [0.5, 0.4] }, "discrete.weights", [0.5, 0.4], "[0.5,0.4]"],
    ["zero weights", { atoms: [0, 1], weights: [0, 0] }, "discrete.weights", [0, 0], "[0,0]"],
    ["negative weight", { atoms: [0, 1], weights: [1.5, -0.5] }, "discrete.weights[1]", -0.5, "-0.5"],
    ["NaN weight", { atoms: [0, 1], weights: [NaN, 1] }, "discrete.weights[0]", NaN, "NaN"],
    ["infinite weight", { atoms: [0, 1], weights: [Infinity, 1] }, "discrete.weights[0]", Infinity, "Infinity"],
    ["fewer weights than atoms", { atoms: [0, 1], weights: [1] }, "discrete.weights", [1], "[1]"],
    ["more weights than atoms", { atoms: [0, 1], weights: [0.5, 0.25, 0.25] }, "discrete.weights", [0.5, 0.25, 0.25],
      "[0.5,0.25,0.25]"]
  ])("%s", (_name, options, argument, value, shown) => {
    expectInvalid(() => discrete(options), argument, value, shown)
  })

  it("weights that sum to 1 up to rounding are accepted", () => {
    expect(Noise.discrete({ atoms: [0, 1, 2], weights: [0.1, 0.2, 0.7] }).params.weights).toEqual([0.1, 0.2, 0.7])
    expect(Noise.discrete({ atoms: [0, 1], weights: [1, 0] }).params.weights).toEqual([1, 0])
  })
})

// ---------------------------------------------------------------------------------------------
// Vector noise.
// ---------------------------------------------------------------------------------------------

describe("gaussian", () => {
  const gaussian = untyped(Noise.gaussian)
  it.each([
    ["not positive definite", { covariance: [[1, 2], [2, 1]] }, "gaussian.covariance", [[1, 2], [2, 1]], "[[1,2],[2,1]]"],
    ["singular", { covariance: [[1, 1], [1, 1]] }, "gaussian.covariance", [[1, 1], [1, 1]], "[[1,1],[1,1]]"],
    ["negative variance", { covariance: [[-1]] }, "gaussian.covariance", [[-1]], "[[-1]]"],
    ["not symmetric", { covariance: [[1, 0.5], [0.2, 1]] }, "gaussian.covariance[1][0]", 0.2, "0.2"],
    ["non-square (ragged)", { covariance: [[1, 0], [0, 1, 0]] }, "gaussian.covariance[1]", [0, 1, 0], "[0,1,0]"],
    ["non-square (wide)", { covariance: [[1, 0]] }, "gaussian.covariance[0]", [1, 0], "[1,0]"],
    ["empty", { covariance: [] }, "gaussian.covariance", [], "[]"],
    ["missing", {}, "gaussian.covariance", undefined, ""],
    ["NaN entry", { covariance: [[1, NaN], [NaN, 1]] }, "gaussian.covariance[0][1]", NaN, "NaN"],
    ["infinite diagonal", { covariance: [[1, 0], [0, Infinity]] }, "gaussian.covariance[1][1]", Infinity, "Infinity"],
    ["mean too short", { covariance: [[1, 0], [0, 1]], mean: [0] }, "gaussian.mean", [0], "[0]"],
    ["mean too long", { covariance: [[1]], mean: [0, 0] }, "gaussian.mean", [0, 0], "[0,0]"],
    ["NaN mean", { covariance: [[1]], mean: [NaN] }, "gaussian.mean[0]", NaN, "NaN"]
  ])("%s", (_name, options, argument, value, shown) => {
    expectInvalid(() => gaussian(options), argument, value, shown)
  })
})

describe("iid and independent", () => {
  it.each([
    [0, "0"],
    [1.5, "1.5"],
    [-1, "-1"],
    [NaN, "NaN"],
    [Infinity, "Infinity"]
  ])("iid with dim %s", (dim, shown) => {
    expectInvalid(() => Noise.iid(Noise.gumbel(), dim), "iid.dim", dim, shown)
  })

  it("iid of something that is not a law", () => {
    expectInvalid(() => Noise.iid({} as Law, 2), "iid.law", {}, "{}")
  })

  it("independent with no laws, or a non-law", () => {
    expectInvalid(() => Noise.independent([]), "independent.laws", [], "[]")
    expectInvalid(() => Noise.independent([Noise.gumbel(), 1 as unknown as Law]), "independent.laws[1]", 1, "1")
  })
})

// ---------------------------------------------------------------------------------------------
// Custom laws.
// ---------------------------------------------------------------------------------------------

describe("custom", () => {
  const traits: Traits = onInterval(0, 1, true)
  const valid = {
    name: "uniform01",
    cdf: (x: number) => Math.min(1, Math.max(0, x)),
    quantile: (p: number) => p,
    traits
  }
  const custom = untyped(Noise.custom)

  it("the valid options construct (control)", () => {
    expect(Noise.custom(valid)._tag).toBe("Custom")
  })

  it.each([
    ["missing cdf", { ...valid, cdf: undefined }, "custom.cdf", undefined, "undefined"],
    ["cdf not a function", { ...valid, cdf: 0.5 }, "custom.cdf", 0.5, "0.5"],
    ["missing quantile", { ...valid, quantile: undefined }, "custom.quantile", undefined, "undefined"],
    ["missing name", { ...valid, name: undefined }, "custom.name", undefined, "undefined"],
    ["empty name", { ...valid, name: "" }, "custom.name", "", "\"\""]
  ])("%s", (_name, options, argument, value, shown) => {
    const e = thrown(() => custom(options)) as InvalidArgument
    expect(e).toBeInstanceOf(InvalidArgument)
    expect(e._tag).toBe("InvalidArgument")
    expect(e.argument).toBe(argument)
    expect(e.value).toBe(value)
    expect(e.message).toContain(argument)
    // undefined prints as "[object Undefined]" today; either spelling names the value.
    expect(e.message.toLowerCase()).toContain(shown.toLowerCase())
  })
})
