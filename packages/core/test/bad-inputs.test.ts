/**
 * Bad input across the public API of `@perturb/core`: every case must throw one of the packages'
 * typed errors (a `_tag` below) whose message names the argument and shows the value. The table of
 * what was tried and how each is handled is packages/core/test/BAD_INPUTS.md.
 */
import * as tf from "@tensorflow/tfjs"
import { formatValue, InvalidArgument as NoiseInvalidArgument, Key, Noise } from "@perturb/noise"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { adam, compile, dense, InvalidArgument, klCategorical, Model, normalArgmaxGrid, Space } from "../src/index.js"

const TYPED = ["InvalidArgument", "DimensionMismatch", "EmptySpace", "NotUnique", "NoClosedForm"]

export interface Case {
  readonly name: string
  readonly call: () => unknown
  /** Must appear in the message (the argument's name as the caller knows it). */
  readonly argument: string
  /** Must appear in the message (the value as shown); defaults to `formatValue(value)`. */
  readonly shown?: string
}

const thrown = (f: () => unknown): unknown => {
  try {
    f()
  } catch (e) {
    return e
  }
  return undefined
}

/** Why a case is not clean, or undefined when it is. */
const problem = (c: Case): string | undefined => {
  const e = thrown(c.call) as { _tag?: unknown; message?: unknown } | undefined
  if (e === undefined) return "no throw"
  const message = String(e.message)
  if (typeof e._tag !== "string" || !TYPED.includes(e._tag)) return `untyped ${(e as Error).name}: ${message}`
  if (!message.includes(c.argument)) return `message does not name ${c.argument}: ${message}`
  if (c.shown !== undefined && !message.includes(c.shown)) return `message does not show ${c.shown}: ${message}`
  return undefined
}

const any = <A>(f: (x: A) => unknown) => (x: unknown) => f(x as A)
const show = formatValue

const disposed = (): tf.Tensor => {
  const t = tf.tensor1d([0.1, 0.2, 0.3])
  t.dispose()
  return t
}

const key = Key.make(1)
const theta = tf.tensor1d([0.1, 0.2, 0.3])
const soft = compile(Model.perturbSoftmax({ space: Space.reals(3), noise: Noise.gumbel(), temperature: 0.5 }))
const arg = compile(Model.perturbArgmax({ space: Space.reals(3), noise: Noise.normal() }))
const pinned = compile(Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.gumbel() }))
const space3 = Space.reals(3)
const gauss = compile(Model.perturbArgmax({ space: space3, noise: Noise.gaussian({ covariance: [[1, 0.5, 0], [0.5, 1, 0], [0, 0, 1]] }) }))

/** Values that are never a tensor θ, with the name of what they are. */
const notTensors: ReadonlyArray<readonly [string, unknown]> = [
  ["null", null],
  ["undefined", undefined],
  ["NaN", NaN],
  ["a number", 3],
  ["a string", "0,1,2"],
  ["an array", [0, 1, 2]],
  ["an object", { shape: [3] }]
]

const tensorCases = (fn: string, argument: string, call: (x: unknown) => unknown): Array<Case> => [
  ...notTensors.map(([what, value]) => ({ name: `${fn}: ${argument} ${what}`, call: () => call(value), argument, shown: show(value) })),
  { name: `${fn}: ${argument} disposed`, call: () => call(disposed()), argument, shown: "disposed" }
]

const kernels = [["softmax", soft], ["argmax", arg]] as const

const cases: Array<Case> = [
  // ---- compile and Model --------------------------------------------------------------------
  // Objects with a model's _tag are look-alikes, not models: refused as a whole.
  ...[null, undefined, 3, "softmax", {}, { _tag: "PerturbSoftmax" }, { _tag: "PerturbSoftmax", space: 3 }].map((m): Case => ({
    name: `compile(${show(m)})`,
    call: () => compile(m as never),
    argument: "model",
    shown: show(m)
  })),
  { name: "compile of a look-alike model without noise", call: () => compile({ _tag: "PerturbArgmax", space: space3 } as never), argument: "model", shown: "PerturbArgmax" },
  ...[null, undefined, 3].flatMap((o): Array<Case> => [
    { name: `Model.perturbSoftmax(${show(o)})`, call: () => Model.perturbSoftmax(o as never), argument: "options", shown: show(o) },
    { name: `Model.perturbArgmax(${show(o)})`, call: () => Model.perturbArgmax(o as never), argument: "options", shown: show(o) }
  ]),
  ...[null, 3, "reals:3"].map((s): Case => ({
    name: `Model.perturbArgmax space ${show(s)}`,
    call: () => Model.perturbArgmax({ space: s as never, noise: Noise.gumbel() }),
    argument: "space",
    shown: show(s)
  })),
  ...[null, 3, "gumbel"].map((n): Case => ({
    name: `Model.perturbSoftmax noise ${show(n)}`,
    call: () => Model.perturbSoftmax({ space: space3, noise: n as never }),
    argument: "noise",
    shown: show(n)
  })),
  { name: "Model noise of the wrong dimension", call: () => Model.perturbArgmax({ space: space3, noise: Noise.iid(Noise.gumbel(), 4) }), argument: "noise" },

  // ---- kernels ------------------------------------------------------------------------------
  ...kernels.flatMap(([label, k]): Array<Case> => [
    ...tensorCases(`${label}.sample`, "theta", (x) => k.sample(x as never, { samples: 2, key })),
    ...tensorCases(`${label}.sampleStraightThrough`, "theta", (x) => k.sampleStraightThrough(x as never, { samples: 2, key })),
    ...tensorCases(`${label}.probs`, "theta", (x) => k.probs(x as never)),
    ...tensorCases(`${label}.potential`, "theta", (x) => k.potential(x as never)),
    ...tensorCases(`${label}.klToUniform`, "theta", (x) => k.klToUniform(x as never)),
    ...tensorCases(`${label}.logDensity`, "theta", (x) => k.logDensity(tf.tensor1d([0.2, 0.3, 0.5]), x as never)),
    ...tensorCases(`${label}.logDensity`, "y", (x) => k.logDensity(x as never, theta)),
    ...tensorCases(`${label}.theta`, "u", (x) => k.theta(x as never)),
    // A missing or non-object options object.
    ...[undefined, null, 5, "fast"].flatMap((o): Array<Case> => [
      { name: `${label}.sample options ${show(o)}`, call: () => k.sample(theta, o as never), argument: "options", shown: show(o) },
      { name: `${label}.sampleStraightThrough options ${show(o)}`, call: () => k.sampleStraightThrough(theta, o as never), argument: "options", shown: show(o) }
    ]),
    ...[null, 5, "qmc"].flatMap((o): Array<Case> => [
      { name: `${label}.probs options ${show(o)}`, call: () => k.probs(theta, o as never), argument: "options", shown: show(o) },
      { name: `${label}.potential options ${show(o)}`, call: () => k.potential(theta, o as never), argument: "options", shown: show(o) }
    ]),
    ...["bogus", "EXACT", 5, null].flatMap((m): Array<Case> => [
      { name: `${label}.probs method ${show(m)}`, call: () => k.probs(theta, { method: m as never }), argument: "method", shown: show(m) },
      { name: `${label}.potential method ${show(m)}`, call: () => k.potential(theta, { method: m as never }), argument: "method", shown: show(m) }
    ]),
    ...[0, -1, 2.5, NaN, "10", null].flatMap((s): Array<Case> => [
      { name: `${label}.sample samples ${show(s)}`, call: () => k.sample(theta, { samples: s as never, key }), argument: "samples", shown: show(s) },
      { name: `${label}.probs samples ${show(s)}`, call: () => k.probs(theta, { method: "mc", samples: s as never }), argument: "samples", shown: show(s) }
    ]),
    ...[null, 5, "key", { _tag: "Key" }].flatMap((kk): Array<Case> => [
      { name: `${label}.sample key ${show(kk)}`, call: () => k.sample(theta, { samples: 2, key: kk as never }), argument: "key", shown: show(kk) },
      { name: `${label}.probs key ${show(kk)}`, call: () => k.probs(theta, { method: "mc", key: kk as never }), argument: "key", shown: show(kk) }
    ]),
    { name: `${label}.probs controlVariate "yes"`, call: () => k.probs(theta, { controlVariate: "yes" as never }), argument: "controlVariate", shown: show("yes") },
    { name: `${label}.probs dimension`, call: () => k.probs(tf.tensor1d([0, 1])), argument: "theta" },
    { name: `${label}.probs int32`, call: () => k.probs(tf.tensor1d([0, 1, 2], "int32")), argument: "theta", shown: "int32" },
    // θ [..., d] of any rank ≥ 1 is good (#15); a scalar has no last axis.
    { name: `${label}.probs rank 0`, call: () => k.probs(tf.scalar(0)), argument: "theta" },
    { name: `${label}.probs NaN entry`, call: () => k.probs(tf.tensor1d([0, NaN, 0])), argument: "theta[1]", shown: "NaN" },
    { name: `${label}.logDensity y off the simplex`, call: () => k.logDensity(tf.tensor1d([-0.2, 0.7, 0.5]), theta), argument: "y" }
  ]),
  // The exact correlated-Gaussian rule once passed `samples` on unchecked and failed as "Invalid n = …".
  ...[-1459326581, 0, 2.5, null].flatMap((s): Array<Case> => [
    { name: `correlated argmax probs samples ${show(s)}`, call: () => gauss.probs(theta, { samples: s as never }), argument: "samples", shown: show(s) },
    { name: `correlated argmax potential samples ${show(s)}`, call: () => gauss.potential(theta, { samples: s as never }), argument: "samples", shown: show(s) }
  ]),
  { name: "correlated argmax probs key 5", call: () => gauss.probs(theta, { key: 5 as never }), argument: "key", shown: "5" },
  // identify: p and the options object (the options' numbers are the identify engineer's).
  ...[null, undefined, 5, "0.2,0.3,0.5", { length: 3 }].map((p): Case => ({
    name: `identify(${show(p)})`,
    call: () => pinned.identify(p as never),
    argument: "p",
    shown: show(p)
  })),
  { name: "identify p of the wrong length", call: () => pinned.identify([0.5, 0.5]), argument: "p", shown: "[0.5,0.5]" },
  { name: "identify p with NaN", call: () => pinned.identify([NaN, 0.5, 0.5]), argument: "p[0]", shown: "NaN" },
  { name: "identify p with a string", call: () => pinned.identify(["0.2", 0.3, 0.5] as never), argument: "p[0]", shown: show("0.2") },
  { name: "identify p negative", call: () => pinned.identify([-0.2, 0.7, 0.5]), argument: "p[0]", shown: "-0.2" },
  { name: "identify p not summing to 1", call: () => pinned.identify([0.2, 0.3, 0.6]), argument: "p" },
  ...[null, 5, "fast"].map((o): Case => ({ name: `identify options ${show(o)}`, call: () => pinned.identify([0.2, 0.3, 0.5], o as never), argument: "options", shown: show(o) })),
  ...[-1, 0, NaN, "1e-8"].map((t): Case => ({ name: `identify tol ${show(t)}`, call: () => pinned.identify([0.2, 0.3, 0.5], { tol: t as never }), argument: "tol", shown: show(t) })),
  ...[-1, 2.5, NaN].map((m): Case => ({
    name: `identify maxIterations ${show(m)}`,
    call: () => pinned.identify([0.2, 0.3, 0.5], { maxIterations: m }),
    argument: "maxIterations",
    shown: show(m)
  })),
  { name: "identify key 5", call: () => pinned.identify([0.2, 0.3, 0.5], { key: 5 as never }), argument: "key", shown: "5" },

  // ---- klCategorical, dense, adam, normalArgmaxGrid ---------------------------------------
  ...tensorCases("klCategorical", "q", (x) => klCategorical(x as never, theta)),
  ...tensorCases("klCategorical", "p", (x) => klCategorical(theta, x as never)),
  { name: "klCategorical shapes differ", call: () => klCategorical(tf.tensor1d([0.5, 0.5]), theta), argument: "p" },
  ...tensorCases("dense", "x", (x) => dense(x as never, tf.ones([3, 2]), tf.zeros([2]))),
  ...tensorCases("dense", "W", (x) => dense(tf.ones([2, 3]), x as never, tf.zeros([2]))),
  ...tensorCases("dense", "b", (x) => dense(tf.ones([2, 3]), tf.ones([3, 2]), x as never)),
  { name: "dense W rows", call: () => dense(tf.ones([2, 3]), tf.ones([4, 2]), tf.zeros([2])), argument: "W" },
  { name: "dense options.inputGradient", call: () => dense(tf.ones([2, 3]), tf.ones([3, 2]), tf.zeros([2]), { inputGradient: "no" as never }), argument: "inputGradient", shown: show("no") },
  { name: "dense options 5", call: () => dense(tf.ones([2, 3]), tf.ones([3, 2]), tf.zeros([2]), 5 as never), argument: "options", shown: "5" },
  ...[-1, 0, NaN, Infinity, "0.1", null].map((lr): Case => ({ name: `adam(${show(lr)})`, call: () => adam(lr as never), argument: "learningRate", shown: show(lr) })),
  ...[-0.1, 1, NaN, "0.9"].map((b): Case => ({ name: `adam beta1 ${show(b)}`, call: () => adam(0.1, b as never), argument: "beta1", shown: show(b) })),
  ...[1.5, NaN].map((b): Case => ({ name: `adam beta2 ${show(b)}`, call: () => adam(0.1, 0.9, b), argument: "beta2", shown: show(b) })),
  ...[0, -1, NaN].map((eps): Case => ({ name: `adam epsilon ${show(eps)}`, call: () => adam(0.1, 0.9, 0.999, eps), argument: "epsilon", shown: show(eps) })),
  ...tensorCases("normalArgmaxGrid", "theta", (x) => normalArgmaxGrid(x as never)),
  { name: "normalArgmaxGrid rank 1", call: () => normalArgmaxGrid(theta as never), argument: "theta" },
  { name: "normalArgmaxGrid NaN", call: () => normalArgmaxGrid(tf.tensor2d([[0, NaN]])), argument: "theta", shown: "NaN" },
  ...[0, 1.5, 5000, "64"].map((n): Case => ({ name: `normalArgmaxGrid nodes ${show(n)}`, call: () => normalArgmaxGrid(tf.zeros([1, 3]), { nodes: n as never }), argument: "nodes", shown: show(n) })),
  ...[0, -1, NaN].map((h): Case => ({ name: `normalArgmaxGrid halfWidth ${show(h)}`, call: () => normalArgmaxGrid(tf.zeros([1, 3]), { halfWidth: h }), argument: "halfWidth", shown: show(h) })),
  { name: "normalArgmaxGrid options 5", call: () => normalArgmaxGrid(tf.zeros([1, 3]), 5 as never), argument: "options", shown: "5" },

  // ---- Space --------------------------------------------------------------------------------
  ...[0, -1, 2.5, NaN, Infinity, "3", null, undefined].flatMap((d): Array<Case> => [
    { name: `Space.reals(${show(d)})`, call: () => Space.reals(d as never), argument: "d", shown: show(d) },
    { name: `Space.pinned(${show(d)})`, call: () => Space.pinned(d as never), argument: "d", shown: show(d) },
    { name: `Space.zeroSum(${show(d)})`, call: () => Space.zeroSum(d as never), argument: "d", shown: show(d) }
  ]),
  ...[-1, 3, 1.5, "0"].map((i): Case => ({ name: `Space.pinned index ${show(i)}`, call: () => Space.pinned(3, { index: i as never }), argument: "index", shown: show(i) })),
  { name: "Space.pinned value NaN", call: () => Space.pinned(3, { value: NaN }), argument: "value", shown: "NaN" },
  { name: "Space.pinned options 5", call: () => Space.pinned(3, 5 as never), argument: "options", shown: "5" },
  { name: "Space.box lo NaN", call: () => Space.box(NaN, 1, 3), argument: "lo", shown: "NaN" },
  { name: "Space.box hi string", call: () => Space.box(0, "1" as never, 3), argument: "hi", shown: show("1") },
  { name: "Space.box d -1", call: () => Space.box(0, 1, -1), argument: "d", shown: "-1" },
  { name: "Space.box hi length", call: () => Space.box([0, 0], [1, 1, 1]), argument: "hi" },
  { name: "Space.box empty", call: () => Space.box(1, 0, 3), argument: "box" },
  { name: "Space.affine null", call: () => Space.affine(null as never), argument: "affine", shown: "null" },
  { name: "Space.affine C not a matrix", call: () => Space.affine({ C: 5 as never, e: [0], dim: 3 }), argument: "C", shown: "5" },
  { name: "Space.affine e NaN", call: () => Space.affine({ C: [[1, 1, 1]], e: [NaN] }), argument: "e[0]", shown: "NaN" },
  { name: "Space.affine e length", call: () => Space.affine({ C: [[1, 1, 1]], e: [0, 1] }), argument: "e" },
  { name: "Space.affine without rows or dim", call: () => Space.affine({ C: [], e: [] }), argument: "dim" },
  { name: "Space.polyhedron null", call: () => Space.polyhedron(null as never), argument: "polyhedron", shown: "null" },
  { name: "Space.polyhedron G row length", call: () => Space.polyhedron({ A: [[1, 1, 1], [1, 1]], b: [0, 0] }), argument: "A[1]" },
  { name: "Space.intersect null", call: () => Space.intersect(null as never, space3), argument: "intersect", shown: "null" },
  { name: "Space.intersect dims", call: () => Space.intersect(space3 as Space.Space, Space.reals(4) as Space.Space), argument: "intersect" },
  ...[null, 5, "reals:3", {}, { _tag: "Nope", dim: 3 }].map((j): Case => ({ name: `Space.fromJSON(${show(j)})`, call: () => Space.fromJSON(j), argument: "json", shown: show(j) })),
  { name: "Space.fromJSON reals of dim -1", call: () => Space.fromJSON({ _tag: "Reals", dim: -1 }), argument: "d", shown: "-1" },
  ...(["canonical", "system", "structure", "affineHull", "isAffine", "isBounded"] as const).flatMap((f) =>
    [null, 3, "reals:3"].map((s): Case => ({ name: `Space.${f}(${show(s)})`, call: () => (Space[f] as (s: unknown) => unknown)(s), argument: "space", shown: show(s) }))
  ),
  { name: "Space.contains null space", call: () => Space.contains(null as never, [0, 0, 0]), argument: "space", shown: "null" },
  { name: "Space.contains theta null", call: () => Space.contains(space3, null as never), argument: "theta", shown: "null" },
  { name: "Space.contains theta length", call: () => Space.contains(space3, [0, 0]), argument: "theta" },
  { name: "Space.contains tol -1", call: () => Space.contains(space3, [0, 0, 0], -1), argument: "tol", shown: "-1" }
]

describe("bad inputs to @perturb/core", () => {
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

  it("core and noise throw one InvalidArgument class", () => {
    expect(InvalidArgument).toBe(NoiseInvalidArgument)
    const fromNoise = thrown(() => Noise.gumbel({ scale: -1 }))
    const fromCore = thrown(() => Space.box(NaN, 1, 3))
    expect(fromNoise).toBeInstanceOf(InvalidArgument)
    expect(fromCore).toBeInstanceOf(NoiseInvalidArgument)
  })
})

/** Bad values for an argument position; `shown` is how the message prints them. */
const badValue = fc.oneof(
  fc.constantFrom<unknown>(null, undefined, NaN, Infinity, -Infinity, "", "3", true, {}, [], [1, 2]),
  fc.integer({ min: -1e9, max: 0 }),
  fc.double({ min: 0.01, max: 1e6, noNaN: true }).filter((x) => !Number.isInteger(x)),
  fc.string().filter((s) => s.length > 0)
)
/** Not a positive number: a bad rate, tolerance or scale. */
const badPositive = badValue.filter((v) => !(typeof v === "number" && Number.isFinite(v) && v > 0))
const badTensor = fc.oneof(
  badValue,
  fc.constant("disposed").map(() => disposed() as unknown),
  fc.integer({ min: 1, max: 6 }).filter((n) => n !== 3).map((n) => tf.zeros([n]) as unknown),
  // [..., 3] of any rank is a good θ for the kernels (#15): rank 3 with the wrong width, and rank 0.
  fc.constantFrom<Array<number>>([1, 1, 2], [], [3, 1], [2, 2]).map((s) => tf.zeros(s) as unknown)
)
/** For [rows, d] inputs: rank-2 tensors of any width are good, so only the rest. */
const badTensor2 = badTensor.filter((v) => !(v instanceof tf.Tensor && v.rank === 2 && !v.isDisposed))

interface Position {
  readonly name: string
  readonly argument: string
  readonly values: fc.Arbitrary<unknown>
  readonly call: (x: unknown) => unknown
}

const positions: ReadonlyArray<Position> = [
  { name: "compile(model)", argument: "model", values: badValue, call: any(compile) },
  { name: "probs(theta)", argument: "theta", values: badTensor, call: (x) => soft.probs(x as never) },
  { name: "argmax probs(theta)", argument: "theta", values: badTensor, call: (x) => arg.probs(x as never) },
  { name: "sample(theta)", argument: "theta", values: badTensor, call: (x) => soft.sample(x as never, { samples: 2, key }) },
  { name: "sample options", argument: "options", values: badValue.filter((v) => typeof v !== "object" || v === null), call: (x) => soft.sample(theta, x as never) },
  { name: "sample samples", argument: "samples", values: badValue, call: (x) => soft.sample(theta, { samples: x as never, key }) },
  { name: "probs method", argument: "method", values: badValue.filter((v) => v !== undefined), call: (x) => soft.probs(theta, { method: x as never }) },
  { name: "identify(p)", argument: "p", values: badValue, call: (x) => pinned.identify(x as never) },
  { name: "klCategorical(q)", argument: "q", values: badTensor.filter((v) => !(v instanceof tf.Tensor && !v.isDisposed && v.shape[v.rank - 1] === 3)), call: (x) => klCategorical(x as never, theta) },
  { name: "Space.reals(d)", argument: "d", values: badValue, call: (x) => Space.reals(x as never) },
  { name: "adam(learningRate)", argument: "learningRate", values: badPositive.filter((v) => v !== undefined), call: (x) => adam(x as never) },
  { name: "normalArgmaxGrid(theta)", argument: "theta", values: badTensor2, call: (x) => normalArgmaxGrid(x as never) }
]

describe("bad inputs generated (property)", () => {
  it.each(positions.map((p) => [p.name, p] as const))("%s answers every bad value with a typed error naming it", (_name, p) => {
    fc.assert(
      fc.property(p.values, (value) => {
        const why = problem({ name: p.name, call: () => p.call(value), argument: p.argument })
        if (why !== undefined) throw new Error(`${p.name} with ${show(value)}: ${why}`)
      }),
      { numRuns: 60 }
    )
  })
})
