/**
 * Helpers shared by core's tests: reading tensors, catching typed errors, tolerance measures, and
 * the laws of the SciPy fixtures. Assertions stay in the test files; these only gather values.
 */
import * as tf from "@tensorflow/tfjs"
import { type Law, Noise } from "@perturb/noise"
import { afterAll, beforeAll, expect } from "vitest"

/** A tensor's values, disposing it. */
export const read = (t: tf.Tensor): Float32Array => {
  const v = t.dataSync() as Float32Array
  t.dispose()
  return v
}

/** The fields of a typed error that the tests look at. */
export interface Caught {
  readonly _tag: string
  readonly argument?: string
  readonly message: string
}

/** The error `f` throws; fails the test when it throws nothing. */
export const caught = (f: () => unknown): Caught => {
  try {
    f()
  } catch (e) {
    return e as Caught
  }
  throw new Error("expected a throw")
}

/** max over i of |a − b| / (atol + rtol·|b|): at most 1 when every element is within tolerance. */
export const worst = (a: ArrayLike<number>, b: ArrayLike<number>, rtol: number, atol: number): number => {
  expect(a.length).toBe(b.length)
  let w = 0
  for (let i = 0; i < a.length; i++) {
    expect(Number.isFinite(a[i]!)).toBe(true)
    w = Math.max(w, Math.abs(a[i]! - b[i]!) / (atol + rtol * Math.abs(b[i]!)))
  }
  return w
}

export const f64 = (xs: ArrayLike<number>): Float64Array => Float64Array.from(xs)

export const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!))
  return m
}

export const sum = (a: ArrayLike<number>): number => {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]!
  return s
}

/** A law as the fixtures (fixtures/argmax.json) name it: a constructor and its parameters. */
export interface LawSpec {
  readonly ctor: string
  readonly params: Record<string, number>
}

const constructors: Record<string, (p: Record<string, number>) => Law> = {
  normal: (p) => Noise.normal(p),
  gumbel: (p) => Noise.gumbel(p),
  logistic: (p) => Noise.logistic(p),
  laplace: (p) => Noise.laplace(p),
  studentT: (p) => Noise.studentT({ df: p["df"]!, ...p }),
  cauchy: (p) => Noise.cauchy(p),
  uniform: (p) => Noise.uniform(p),
  exponential: (p) => Noise.exponential(p)
}

export const lawOf = (s: LawSpec): Law => {
  const make = constructors[s.ctor]
  if (make === undefined) throw new Error(`unknown law ${s.ctor}`)
  return make(s.params)
}

/**
 * Runs f on the cpu backend and returns its tensors' values, then goes back to the backend before:
 * the reference of the WebGPU tests (compile validates its inputs with synchronous reads, which the
 * webgpu backend does not offer in Node).
 */
export const onCpu = async (f: () => Array<tf.Tensor>): Promise<Array<Float32Array>> => {
  const previous = tf.getBackend()
  await tf.setBackend("cpu")
  try {
    return tf.tidy(f).map(read)
  } finally {
    await tf.setBackend(previous)
  }
}

/**
 * Registers tfjs's cpu backend under another `name` for the enclosing describe, and removes it
 * after (back on cpu): the fused kernels run only on backends named cpu and wasm, so this runs the
 * composed tfjs-ops path with cpu's numerics.
 */
export const cpuUnderAnotherName = (name: string): void => {
  beforeAll(() => {
    const cpu = tf.findBackendFactory("cpu")
    if (cpu === null) throw new Error("no cpu backend")
    tf.registerBackend(name, cpu)
    for (const k of tf.getKernelsForBackend("cpu")) tf.registerKernel({ ...k, backendName: name })
  })
  afterAll(async () => {
    await tf.setBackend("cpu")
    for (const k of tf.getKernelsForBackend(name)) tf.unregisterKernel(k.kernelName, name)
    tf.removeBackend(name)
  })
}
