/**
 * Bad input across the public API of `@perturb/noise`: every case must throw `InvalidArgument`
 * (or another typed error of the packages) whose message names the argument and shows the value.
 * The table of what was tried is packages/core/test/BAD_INPUTS.md.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { formatValue, Key, Noise, Random, Sobol } from "../src/index.js"

const show = formatValue

interface Case {
  readonly name: string
  readonly call: () => unknown
  readonly argument: string
  readonly shown?: string
}

const problem = (c: Case): string | undefined => {
  let e: { _tag?: unknown; message?: unknown } | undefined
  try {
    c.call()
  } catch (x) {
    e = x as typeof e
  }
  if (e === undefined) return "no throw"
  const message = String(e.message)
  if (e._tag !== "InvalidArgument" && e._tag !== "TraitMismatch") return `untyped ${(e as Error).name}: ${message}`
  if (!message.includes(c.argument)) return `message does not name ${c.argument}: ${message}`
  if (c.shown !== undefined && !message.includes(c.shown)) return `message does not show ${c.shown}: ${message}`
  return undefined
}

const key = Key.make(1)
const badCounts: ReadonlyArray<unknown> = [-1, 1.5, NaN, Infinity, "3", null, -1459326581, 2 ** 53]
const notKeys: ReadonlyArray<unknown> = [null, undefined, 5, "key", {}, { _tag: "Key", k0: -1, k1: 0 }]
const notLaws: ReadonlyArray<unknown> = [null, undefined, 5, "gumbel", {}]
type Sampler = (key: Key.Key, n: number, offset?: number) => unknown
const samplers: ReadonlyArray<readonly [string, Sampler]> = [
  ["uint32", Random.uint32],
  ["uniform32", Random.uniform32],
  ["uniform64", Random.uniform64],
  ["normal64", Random.normal64],
  ["normal32", Random.normal32]
]

const cases: Array<Case> = [
  ...[-1, 1.5, NaN, Infinity, "1", null, undefined, 2 ** 53, -1n, 2n ** 64n].map((s): Case => ({ name: `Key.make(${show(s)})`, call: () => Key.make(s as never), argument: "seed", shown: show(s) })),
  ...notKeys.map((k): Case => ({ name: `Key.split(${show(k)})`, call: () => Key.split(k as never), argument: "key", shown: show(k) })),
  ...[0, -1, 1.5, NaN, "2", null].map((n): Case => ({ name: `Key.split n ${show(n)}`, call: () => Key.split(key, n as never), argument: "n", shown: show(n) })),
  ...notKeys.map((k): Case => ({ name: `Key.fold(${show(k)})`, call: () => Key.fold(k as never, 1), argument: "key", shown: show(k) })),
  ...[-1, 1.5, NaN, "1"].map((x): Case => ({ name: `Key.fold data ${show(x)}`, call: () => Key.fold(key, x as never), argument: "data", shown: show(x) })),
  ...samplers.flatMap(([name, f]): Array<Case> => [
    ...notKeys.map((k): Case => ({ name: `Random.${name} key ${show(k)}`, call: () => f(k as never, 2), argument: "key", shown: show(k) })),
    ...badCounts.map((n): Case => ({ name: `Random.${name} n ${show(n)}`, call: () => f(key, n as never), argument: "n", shown: show(n) })),
    ...[-1, 0.5, NaN, "0"].map((o): Case => ({ name: `Random.${name} offset ${show(o)}`, call: () => f(key, 2, o as never), argument: "offset", shown: show(o) }))
  ]),
  ...[0, -1, 1.5, Sobol.maxDim + 1, NaN, "2"].map((d): Case => ({ name: `Sobol.sobol dim ${show(d)}`, call: () => Sobol.sobol(d as never, 4), argument: "dim", shown: show(d) })),
  ...badCounts.map((n): Case => ({ name: `Sobol.sobol n ${show(n)}`, call: () => Sobol.sobol(2, n as never), argument: "n", shown: show(n) })),
  ...[-1, 0.5, "0"].map((s): Case => ({ name: `Sobol.sobol skip ${show(s)}`, call: () => Sobol.sobol(2, 4, { skip: s as never }), argument: "skip", shown: show(s) })),
  ...[5, "key", {}].map((k): Case => ({ name: `Sobol.sobol key ${show(k)}`, call: () => Sobol.sobol(2, 4, { key: k as never }), argument: "key", shown: show(k) })),
  ...[null, 5, "fast"].map((o): Case => ({ name: `Sobol.sobol options ${show(o)}`, call: () => Sobol.sobol(2, 4, o as never), argument: "options", shown: show(o) })),
  // Law constructors
  ...[-1, 0, NaN, Infinity, "1", null].map((x): Case => ({ name: `Noise.gumbel scale ${show(x)}`, call: () => Noise.gumbel({ scale: x as never }), argument: "scale", shown: show(x) })),
  ...[NaN, Infinity, "0"].map((x): Case => ({ name: `Noise.normal mean ${show(x)}`, call: () => Noise.normal({ mean: x as never }), argument: "mean", shown: show(x) })),
  ...[5, "x", null].map((o): Case => ({ name: `Noise.normal(${show(o)})`, call: () => Noise.normal(o as never), argument: "options", shown: show(o) })),
  ...[-1, 0, NaN].map((x): Case => ({ name: `Noise.studentT df ${show(x)}`, call: () => Noise.studentT({ df: x }), argument: "df", shown: show(x) })),
  { name: "Noise.studentT()", call: () => Noise.studentT(undefined as never), argument: "options", shown: "undefined" },
  { name: "Noise.uniform a > b", call: () => Noise.uniform({ a: 1, b: 0 }), argument: "uniform", shown: "1" },
  ...[0, -2, NaN].map((x): Case => ({ name: `Noise.exponential rate ${show(x)}`, call: () => Noise.exponential({ rate: x }), argument: "rate", shown: show(x) })),
  { name: "Noise.discrete no atoms", call: () => Noise.discrete({ atoms: [] }), argument: "atoms", shown: "[]" },
  { name: "Noise.discrete NaN atom", call: () => Noise.discrete({ atoms: [0, NaN] }), argument: "atoms[1]", shown: "NaN" },
  { name: "Noise.discrete weights", call: () => Noise.discrete({ atoms: [0, 1], weights: [1, -1] }), argument: "weights", shown: "-1" },
  { name: "Noise.discrete()", call: () => Noise.discrete(undefined as never), argument: "options", shown: "undefined" },
  // Vector noise
  ...notLaws.map((l): Case => ({ name: `Noise.iid law ${show(l)}`, call: () => Noise.iid(l as never, 3), argument: "law", shown: show(l) })),
  ...[0, -1, 1.5, NaN, "3"].map((d): Case => ({ name: `Noise.iid dim ${show(d)}`, call: () => Noise.iid(Noise.gumbel(), d as never), argument: "dim", shown: show(d) })),
  ...[null, 5, []].map((l): Case => ({ name: `Noise.independent(${show(l)})`, call: () => Noise.independent(l as never), argument: "laws", shown: show(l) })),
  { name: "Noise.independent([null])", call: () => Noise.independent([null] as never), argument: "laws[0]", shown: "null" },
  { name: "Noise.gaussian not symmetric", call: () => Noise.gaussian({ covariance: [[1, 0.5], [0, 1]] }), argument: "covariance" },
  { name: "Noise.gaussian not positive definite", call: () => Noise.gaussian({ covariance: [[1, 2], [2, 1]] }), argument: "covariance" },
  { name: "Noise.gaussian NaN", call: () => Noise.gaussian({ covariance: [[1, NaN], [NaN, 1]] }), argument: "covariance", shown: "NaN" },
  { name: "Noise.gaussian mean length", call: () => Noise.gaussian({ covariance: [[1, 0], [0, 1]], mean: [0] }), argument: "mean" },
  { name: "Noise.gaussian()", call: () => Noise.gaussian(null as never), argument: "options", shown: "null" },
  ...[-1, 3, 1.5].map((i): Case => ({ name: `Noise.marginal index ${show(i)}`, call: () => Noise.marginal(Noise.iid(Noise.gumbel(), 3), i), argument: "i", shown: show(i) })),
  // Samplers
  ...notLaws.map((l): Case => ({ name: `Noise.sample law ${show(l)}`, call: () => Noise.sample(l as never, key, 2), argument: "law", shown: show(l) })),
  ...badCounts.map((n): Case => ({ name: `Noise.sample n ${show(n)}`, call: () => Noise.sample(Noise.gumbel(), key, n as never), argument: "n", shown: show(n) })),
  ...notKeys.map((k): Case => ({ name: `Noise.sample key ${show(k)}`, call: () => Noise.sample(Noise.gumbel(), k as never, 2), argument: "key", shown: show(k) })),
  ...badCounts.map((n): Case => ({ name: `Noise.sampleVector n ${show(n)}`, call: () => Noise.sampleVector(Noise.gumbel(), key, n as never, 3), argument: "n", shown: show(n) })),
  ...[0, -1, 1.5, "3"].map((d): Case => ({ name: `Noise.sampleVector d ${show(d)}`, call: () => Noise.sampleVector(Noise.gumbel(), key, 2, d as never), argument: "d", shown: show(d) })),
  { name: "Noise.sampleVector d against the noise", call: () => Noise.sampleVector(Noise.iid(Noise.gumbel(), 4), key, 2, 3), argument: "d", shown: "3" },
  ...badCounts.map((n): Case => ({ name: `Noise.sampleVector32 n ${show(n)}`, call: () => Noise.sampleVector32(Noise.normal(), key, n as never, 3), argument: "n", shown: show(n) }))
]

describe("bad inputs to @perturb/noise", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    expect(problem(c)).toBeUndefined()
  })

  it(`all ${cases.length} cases are clean`, () => {
    const bad = cases.flatMap((c) => {
      const p = problem(c)
      return p === undefined ? [] : [`${c.name}: ${p}`]
    })
    if (process.env.BAD_INPUTS_LOG !== undefined) console.log(bad.join("\n"))
    expect(bad, `${cases.length - bad.length}/${cases.length} clean`).toEqual([])
  })

  it("counts: any value that is not a non-negative safe integer is refused by name (property)", () => {
    const bad = fc.oneof(
      fc.integer({ max: -1 }),
      fc.double({ noNaN: false }).filter((x) => !Number.isSafeInteger(x) || x < 0),
      fc.constantFrom<unknown>(null, undefined, "1", [], {}, true)
    )
    fc.assert(
      fc.property(bad, fc.constantFrom(...samplers), (n, [name, f]) => {
        const why = problem({ name, call: () => f(key, n as never), argument: "n", shown: show(n) })
        if (why !== undefined) throw new Error(`Random.${name}(key, ${show(n)}): ${why}`)
      })
    )
  })
})
