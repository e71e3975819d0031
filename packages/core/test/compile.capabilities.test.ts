/**
 * `Kernels.capabilities` states what the kernels do: over a grid of models (argmax/softmax × seven
 * noises × four spaces), a capability says available ⇔ the call does not throw the refusal's typed
 * error, a method's gradient is available ⇔ tf.grad through it does not throw, and its stated
 * accuracy is the error field its result carries.
 */
import * as tf from "@tensorflow/tfjs"
import { Key, Noise, type NoiseLike } from "@perturb/noise"
import { describe, expect, it } from "vitest"
import { compile, type Kernels, type Method, Model, NotUnique, Space } from "../src/index.js"

const d = 3
const noises: ReadonlyArray<readonly [string, NoiseLike]> = [
  ["gumbel", Noise.gumbel()],
  ["normal", Noise.normal()],
  ["exponential", Noise.exponential({ rate: 2 })],
  ["uniform", Noise.uniform()],
  ["discrete", Noise.discrete({ atoms: [0, 1, 2.5], weights: [0.2, 0.5, 0.3] })],
  ["correlated gaussian", Noise.gaussian({ covariance: [[1, 0.5, 0.2], [0.5, 1, 0.3], [0.2, 0.3, 1]] })],
  ["student-t", Noise.studentT({ df: 3 })]
]
const spaces = [
  ["reals", Space.reals(d)],
  ["pinned", Space.pinned(d)],
  ["zeroSum", Space.zeroSum(d)],
  ["box", Space.box(-1, 1, d)]
] as const
const methods: ReadonlyArray<Method> = ["exact", "qmc", "mc", "quadrature", "stratified"]
const samplesFor: Record<Method, number> = { exact: 1024, qmc: 256, mc: 256, quadrature: 8, stratified: 1024 }

/** The error `f` throws, or undefined. */
const thrown = (f: () => unknown): unknown => {
  try {
    f()
    return undefined
  } catch (e) {
    return e
  }
}
const dispose = (r: unknown) => Object.values(r as Record<string, unknown>).forEach((t) => t instanceof tf.Tensor && t.dispose())

const check = (k: Kernels) => {
  const theta = tf.tensor1d([0.3, -0.2, 0.5])
  const options = (method: Method) => ({ method, samples: samplesFor[method], key: Key.make(7) })
  for (const kernel of ["probs", "potential"] as const) {
    for (const method of methods) {
      const cap = k.capabilities[kernel][method]
      const run = () => (kernel === "probs" ? k.probs(theta, options(method)) : k.potential(theta, options(method)))
      let result: Record<string, unknown> | undefined
      const e = thrown(() => (result = run() as unknown as Record<string, unknown>))
      if (!cap.available) {
        expect(e, `${kernel} ${method}`).toBe(cap.error)
        continue
      }
      expect(e, `${kernel} ${method}`).toBeUndefined()
      const has = { stdError: result!["stdError"] !== undefined, errorBound: result!["errorBound"] !== undefined }
      expect(has, `${kernel} ${method} accuracy`).toEqual({ stdError: cap.accuracy === "stdError", errorBound: cap.accuracy === "errorBound" })
      dispose(result)
      const grad = thrown(() =>
        tf.tidy(() => {
          const g = tf.grad((t: tf.Tensor) => {
            const r = kernel === "probs" ? k.probs(t, options(method)).probs : k.potential(t, options(method)).potential
            return tf.sum(tf.mul(r, tf.tensor1d([1, -2, 0.5])))
          })(theta)
          g.dataSync()
        })
      )
      if (cap.gradient.available) expect(grad, `${kernel} ${method} gradient`).toBeUndefined()
      else expect(grad, `${kernel} ${method} gradient`).toBe(cap.gradient.error)
    }
  }
  const identify = thrown(() => k.identify([0.2, 0.3, 0.5], { maxIterations: 1, samples: 64 }))
  if (k.capabilities.identify.available) expect(identify).not.toBeInstanceOf(NotUnique)
  else expect(identify).toBe(k.capabilities.identify.error)
  const y = tf.tensor1d([0.2, 0.3, 0.5])
  const density = thrown(() => k.logDensity(y, theta).dispose())
  expect(density).toBe(k.capabilities.logDensity.available ? undefined : k.capabilities.logDensity.error)
  const kl = thrown(() => k.klToUniform(theta).dispose())
  expect(kl).toBe(k.capabilities.klToUniform.available ? undefined : k.capabilities.klToUniform.error)
  tf.dispose([theta, y])
}

describe("capabilities agree with the kernels", () => {
  for (const [noiseName, noise] of noises) {
    for (const [spaceName, space] of spaces) {
      it(`argmax · ${noiseName} · ${spaceName}`, () => check(compile(Model.perturbArgmax({ space, noise }))))
      it(`softmax · ${noiseName} · ${spaceName}`, () => check(compile(Model.perturbSoftmax({ space, noise, temperature: 0.5 }))))
    }
  }
})

describe("capabilities state what is known", () => {
  const argmax = (noise: NoiseLike, space: Space.Space<number> = Space.pinned(d)) => compile(Model.perturbArgmax({ space, noise })).capabilities
  it("score-free noise: sampled argmax probs have no gradient, exact ones do", () => {
    const c = argmax(Noise.uniform())
    expect(c.probs.qmc).toMatchObject({ available: true, accuracy: "stdError", gradient: { available: false } })
    expect(c.probs.exact).toMatchObject({ available: true, accuracy: "exact", gradient: { available: true } })
    expect(argmax(Noise.normal()).probs.mc).toMatchObject({ gradient: { available: true } })
  })
  it("the correlated Gaussian's exact method is an estimate at d ≥ 3", () => {
    const c = argmax(Noise.gaussian({ covariance: [[1, 0.5, 0.2], [0.5, 1, 0.3], [0.2, 0.3, 1]] }))
    expect(c.probs.exact).toMatchObject({ available: true, accuracy: "stdError" })
    expect(c.klToUniform).toMatchObject({ available: false, error: { _tag: "NoClosedForm" } })
    expect(c.identify).toMatchObject({ available: false, error: { _tag: "NotUnique", property: "identifiable" } })
  })
  it("identify: why not, by space and noise", () => {
    expect(argmax(Noise.gumbel(), Space.reals(d)).identify).toMatchObject({ available: false, error: { property: "minimal" } })
    expect(argmax(Noise.gumbel(), Space.box(-1, 1, d)).identify).toMatchObject({ available: false, error: { property: "complete" } })
    expect(argmax(Noise.uniform()).identify).toMatchObject({ available: false, error: { property: "minimal" } })
    expect(argmax(Noise.discrete({ atoms: [0, 1] })).identify).toMatchObject({ available: false, error: { property: "identifiable" } })
    expect(argmax(Noise.gumbel()).identify).toEqual({ available: true })
  })
  it("softmax: no exact method, stratified only with exact argmax probabilities", () => {
    const c = compile(Model.perturbSoftmax({ space: Space.reals(d), noise: Noise.gumbel(), temperature: 1 })).capabilities
    // The type knows it too: exact is a refusal for every Perturb-Softmax model.
    const exact: { readonly available: false } = c.probs.exact
    expect(exact.available).toBe(false)
    expect(c.probs.stratified).toMatchObject({ available: true, accuracy: "stdError" })
    expect(c.potential.stratified.available).toBe(false)
    expect(c.logDensity).toEqual({ available: true })
  })
  it("quadrature is refused above d = 4", () => {
    const c = compile(Model.perturbArgmax({ space: Space.reals(5), noise: Noise.normal() })).capabilities
    expect(c.probs.quadrature).toMatchObject({ available: false, error: { _tag: "InvalidArgument", argument: "method" } })
  })
})
