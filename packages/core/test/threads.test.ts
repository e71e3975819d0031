/**
 * The fused sampler on several threads (internal/threads.ts, internal/threadsFused.ts, Threads.ts):
 * samples and gradients bit-identical for 1, 2 and 3 threads (relaxed and straight-through, several
 * laws, θ of [d] and [rows, d], many samples, parts whose θ rows wrap around), on the cpu and wasm
 * backends; tensors flat in a loop; a process using the threads exits by itself; bad thread counts
 * refused with typed errors.
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { spawnSync } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { Key, type Law, Noise } from "@perturb/noise"
import { afterAll, describe, expect, it } from "vitest"
import { compile, InvalidArgument, Model, Space, Threads } from "../src/index.js"
import { poolStats } from "../src/internal/threads.js"
import { tensorsLeaked } from "./leaks.js"

const here = dirname(fileURLToPath(import.meta.url))

afterAll(() => Threads.set("auto"))

/** Indices where two float32 arrays differ in any bit (NaN payloads and −0 included). */
const bitDiffs = (a: Float32Array, b: Float32Array): number => {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length)
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length)
  let n = 0
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) n++
  return n
}

type Mode = "relaxed" | "straightThrough"

/** The sample and dθ of Σ y ⊙ w for `threads` threads. */
const run = (threads: number, law: Law, thetaShape: ReadonlyArray<number>, samples: number, mode: Mode): [Float32Array, Float32Array] => {
  Threads.set(threads)
  const d = thetaShape[thetaShape.length - 1]!
  const k = compile(Model.perturbSoftmax({ space: Space.reals(d), noise: law, temperature: 0.7 }))
  const size = thetaShape.reduce((a, b) => a * b, 1)
  const key = Key.make(5)
  const draw = (t: tf.Tensor) => mode === "relaxed" ? k.sample(t, { samples, key }) : k.sampleStraightThrough(t, { samples, key })
  return tf.tidy(() => {
    const theta = tf.tensor(Noise.sample32(Noise.normal(), Key.make(9), size), [...thetaShape])
    const w = tf.sin(tf.range(0, d))
    const y = draw(theta)
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(draw(t), w)))(theta)
    return [y.dataSync() as Float32Array, g.dataSync() as Float32Array]
  })
}

const CASES: Array<[string, Law, Array<number>, number, Mode]> = [
  // θ rows = output rows: forward parts by θ rows, backward stores dθ directly.
  ["gumbel, θ [300, 700], 1 sample", Noise.gumbel(), [300, 700], 1, "relaxed"],
  // Parts of 200 rows over 300 θ rows: one from row 0, one wrapping past the last θ row, one from row 100.
  ["normal, θ [300, 700], 2 samples", Noise.normal(), [300, 700], 2, "relaxed"],
  // Seven θ rows in three parts (2, 2, 3 rows), float64 sums over 50 samples each.
  ["cauchy, θ [7, 1000], 50 samples", Noise.cauchy(), [7, 1000], 50, "relaxed"],
  // θ [d]: the forward pass on threads; the backward (cheap from the saved y) on one.
  ["logistic, θ [1000], 400 samples", Noise.logistic(), [1000], 400, "relaxed"],
  // Straight-through recomputes y in the backward pass; d not a multiple of 4.
  ["gumbel(0.3, 2), straight-through, θ [5, 999], 60 samples", Noise.gumbel({ loc: 0.3, scale: 2 }), [5, 999], 60, "straightThrough"],
  ["exponential(2), straight-through, θ [260, 1001], 1 sample", Noise.exponential({ rate: 2 }), [260, 1001], 1, "straightThrough"],
  // θ [d], straight-through: y recomputed on threads, summed on one.
  ["uniform(-1, 3), straight-through, θ [999], 300 samples", Noise.uniform({ a: -1, b: 3 }), [999], 300, "straightThrough"]
]

describe.each(["cpu", "wasm"])("threads on the %s backend", (backend) => {
  it("sets the backend", async () => {
    await tf.setBackend(backend)
    await tf.ready()
    expect(tf.getBackend()).toBe(backend)
  })

  it.each(CASES)("%s: sample and gradient bit-identical for 1, 2 and 3 threads", (_, law, shape, samples, mode) => {
    const calls = poolStats().calls
    const [y1, g1] = run(1, law, shape, samples, mode)
    expect(poolStats().calls).toBe(calls)
    for (const threads of [2, 3]) {
      const before = poolStats().calls
      const [y, g] = run(threads, law, shape, samples, mode)
      expect(bitDiffs(y, y1)).toBe(0)
      expect(bitDiffs(g, g1)).toBe(0)
      // The threaded path ran (not a silent fallback to one thread): both forward passes, and the
      // backward pass where θ has several rows or y is recomputed (straight-through).
      expect(poolStats().calls - before).toBe(shape.length === 2 || mode === "straightThrough" ? 3 : 2)
      expect(poolStats().workers).toBeGreaterThanOrEqual(threads - 1)
    }
    expect(g1.every(Number.isFinite)).toBe(true)
  })

  it("keeps tensors flat in a loop on 2 threads", () => {
    Threads.set(2)
    const k = compile(Model.perturbSoftmax({ space: Space.reals(500), noise: Noise.gumbel(), temperature: 0.5 }))
    const theta = tf.randomNormal([400, 500])
    const step = () => tf.tidy(() => {
      tf.grad((t: tf.Tensor) => tf.sum(k.sample(t, { samples: 1, key: Key.make(3) })))(theta).dataSync()
    })
    expect(tensorsLeaked(step, 10)).toBe(0)
    theta.dispose()
  })
})

describe("Threads", () => {
  it("refuses bad thread counts with InvalidArgument naming threads", () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1025]) {
      expect(() => Threads.set(bad)).toThrow(InvalidArgument)
      try {
        Threads.set(bad)
      } catch (e) {
        expect(e).toMatchObject({ argument: "threads" })
      }
    }
    Threads.set(3)
    expect(Threads.get()).toBe(3)
  })

  it("reads PERTURB_THREADS, and refuses a bad one naming it", () => {
    Threads.set("auto")
    const before = process.env["PERTURB_THREADS"]
    try {
      process.env["PERTURB_THREADS"] = "2"
      expect(Threads.get()).toBe(2)
      for (const bad of ["0", "two", "2.5", "-3"]) {
        process.env["PERTURB_THREADS"] = bad
        expect(() => Threads.get()).toThrow(expect.objectContaining({ argument: "PERTURB_THREADS", value: bad }))
      }
    } finally {
      if (before === undefined) delete process.env["PERTURB_THREADS"]
      else process.env["PERTURB_THREADS"] = before
    }
    expect(Threads.get()).toBeGreaterThanOrEqual(1)
  })

  it("a process that sampled on worker threads exits by itself (the built package; pnpm build first)", () => {
    const dist = join(here, "../dist/src")
    const script = `
      const tf = await import("@tensorflow/tfjs")
      const { compile, Model, Space, Threads } = await import(${JSON.stringify(join(dist, "index.js"))})
      const { poolStats } = await import(${JSON.stringify(join(dist, "internal/threads.js"))})
      const { Key, Noise } = await import("@perturb/noise")
      Threads.set(2)
      const k = compile(Model.perturbSoftmax({ space: Space.reals(1000), noise: Noise.gumbel(), temperature: 1 }))
      const g = tf.grad((t) => tf.sum(k.sample(t, { samples: 1, key: Key.make(1) })))(tf.ones([300, 1000]))
      console.log(poolStats().workers, g.shape.join("x"))
    `
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: join(here, ".."), encoding: "utf8", timeout: 30_000 })
    // Run as \`node --input-type=module -e\`, whose execArgv a worker would inherit by default.
    expect({ status: r.status, stdout: r.stdout.trim().split("\n").at(-1), stderr: r.status === 0 ? "" : r.stderr }).toEqual({ status: 0, stdout: "1 300x1000", stderr: "" })
  })
})
