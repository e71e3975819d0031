/**
 * useWasmThreads: tfjs-wasm's threaded build in Node really runs on the threads asked for, and a
 * training step gives the same bits on 2 threads as on 1 (the same binary, re-registered).
 */
import * as tf from "@tensorflow/tfjs"
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm"
import { Key, Random } from "@perturb/noise"
import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { adam, dense, InvalidArgument, useWasmThreads } from "../src/index.js"
import { registerThreadedWasm as registerThreaded } from "../src/internal/tfjs.js"

/** Three Adam steps of a 64-48-32 ReLU net on a fixed batch: every variable's bytes, as hex. */
const trainBits = (): string =>
  tf.tidy(() => {
    const values = (n: number, k: number) => Random.uniform32(Key.make(k), n).map((u) => u - 0.5)
    const x = tf.tensor2d(values(40 * 64, 1), [40, 64])
    const W1 = tf.variable(tf.tensor2d(values(64 * 48, 2), [64, 48]))
    const b1 = tf.variable(tf.zeros([48]) as tf.Tensor1D)
    const W2 = tf.variable(tf.tensor2d(values(48 * 32, 3), [48, 32]))
    const b2 = tf.variable(tf.zeros([32]) as tf.Tensor1D)
    const opt = adam(0.01)
    for (let s = 0; s < 3; s++) {
      opt.minimize(() => tf.sum(tf.square(dense(tf.relu(dense(x, W1, b1, { inputGradient: false })), W2, b2))) as tf.Scalar, false, [W1, b1, W2, b2])
    }
    const bits = [W1, b1, W2, b2].map((v) => Buffer.from(v.dataSync().buffer).toString("hex")).join("|")
    opt.dispose()
    tf.dispose([W1, b1, W2, b2])
    return bits
  })

describe("useWasmThreads", () => {
  it("refuses bad thread counts and a non-object", () => {
    for (const threads of [0, 9, 1.5, Number.NaN, "2"]) {
      expect(() => useWasmThreads({ threads } as { threads: number })).toThrow(InvalidArgument)
      expect(() => useWasmThreads({ threads } as { threads: number })).toThrow(/options.threads/)
    }
    expect(() => useWasmThreads(3 as unknown as { threads: number })).toThrow(/options/)
  })

  it("runs on 2 threads, with the bits of 1 thread, and refuses once the backend is up", async () => {
    expect(useWasmThreads({ threads: 2 })).toBe(2)
    expect(await tf.setBackend("wasm")).toBe(true)
    expect(getThreadsCount()).toBe(2)
    const before = tf.memory().numTensors
    const two = trainBits()
    expect(tf.memory().numTensors).toBe(before)
    expect(() => useWasmThreads({ threads: 2 })).toThrow(/already initialised/)

    registerThreaded(1)
    expect(await tf.setBackend("wasm")).toBe(true)
    expect(getThreadsCount()).toBe(1)
    expect(trainBits()).toBe(two)
  })
})

describe("a Node process on the threaded build", () => {
  // The pool's threads wait for work forever; a process that used them must still end by itself.
  // It runs the built package (pnpm test builds first), as the CLI tests do.
  it("ends when its work is done", () => {
    const core = fileURLToPath(new URL("../dist/src/index.js", import.meta.url))
    const script = [
      `import * as tf from "@tensorflow/tfjs"`,
      `import "@tensorflow/tfjs-backend-wasm"`,
      `import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm"`,
      `const { useWasmThreads } = await import(${JSON.stringify(core)})`,
      `useWasmThreads({ threads: 2 })`,
      `await tf.setBackend("wasm")`,
      `tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])).dataSync()`,
      `console.log(getThreadsCount())`
    ].join("\n")
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: fileURLToPath(new URL("..", import.meta.url)), timeout: 30_000, encoding: "utf8" })
    expect(out.trim()).toBe("2")
  })
})
