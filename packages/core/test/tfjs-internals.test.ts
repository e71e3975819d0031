/**
 * The accessors of tfjs internals (src/internal/tfjs.ts) and the kernel registry
 * (src/internal/kernels.ts) still read what they should: each test fails when a tfjs upgrade moves
 * or renames what an accessor reads, before a wrong number can reach a user. The webgpu accessors
 * run where an adapter exists, as gpu.test.ts does; the threaded wasm build is registered last.
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { backendKernel, kernelFor, readsBackSync, requireWebGPU } from "../src/internal/kernels.js"
import {
  activeWebGPUBackend,
  backendEpsilon,
  gradientDepth,
  isTapeOn,
  registeredVariable,
  registerThreadedWasm,
  tensorFromValues,
  valuesOf,
  wasmHeapUsed,
  wasmHeapView,
  webgpuStorage
} from "../src/internal/tfjs.js"
import { enableWebGPU } from "../src/gpu/index.js"
import { InvalidArgument } from "../src/Errors.js"

describe.each(["cpu", "wasm"])("tfjs internals on %s", (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend)
  })

  it("wasmHeapView reads a tensor's values from tfjs-wasm's heap (undefined elsewhere)", () => {
    const t = tf.tensor1d([1.5, -2, 3.25, 7])
    const view = wasmHeapView(t)
    if (backend === "wasm") {
      expect(view).toBeDefined()
      expect(Array.from(view!)).toEqual([1.5, -2, 3.25, 7])
    } else {
      expect(view).toBeUndefined()
    }
    expect(Array.from(valuesOf(t))).toEqual([1.5, -2, 3.25, 7])
    t.dispose()
  })

  it("wasmHeapUsed counts the bytes of tfjs-wasm's tensors (undefined elsewhere)", () => {
    const before = wasmHeapUsed()
    const t = tf.zeros([1000])
    if (backend === "wasm") {
      expect(before).toBe(tf.memory().numBytes - 4000)
      expect(wasmHeapUsed()).toBe(before! + 4000)
    } else {
      expect(before).toBeUndefined()
    }
    t.dispose()
  })

  it("backendEpsilon is the float32 epsilon tf.train.adam defaults to", () => {
    expect(backendEpsilon()).toBe(1e-7)
  })

  it("tensorFromValues holds its own copy unless the values are handed over", () => {
    const values = Float32Array.from([1, 2, 3])
    const t = tensorFromValues<tf.Rank.R1>(values, [3])
    values[0] = 9
    expect(Array.from(t.dataSync())).toEqual([1, 2, 3])
    t.dispose()
  })

  it("gradientDepth and isTapeOn are positive / on inside tf.grad only", () => {
    expect(gradientDepth()).toBe(0)
    expect(isTapeOn()).toBe(false)
    const seen: Array<[number, boolean]> = []
    tf.grad((x: tf.Tensor) => {
      seen.push([gradientDepth(), isTapeOn()])
      return tf.sum(tf.square(x))
    })(tf.tensor1d([1, 2])).dispose()
    expect(seen).toEqual([[1, true]])
    expect(gradientDepth()).toBe(0)
  })

  it("registeredVariable finds a live variable by name and forgets it once disposed", () => {
    const name = `internals-${backend}`
    expect(registeredVariable(name)).toBeUndefined()
    const v = tf.variable(tf.tensor1d([4, 5]), true, name)
    expect(registeredVariable(name)).toBe(v)
    v.dispose()
    expect(registeredVariable(name)).toBeUndefined()
  })

  it("the registry runs the WebAssembly kernels here, and the WGSL ones nowhere", () => {
    expect(backendKernel()).toBe("wasm")
    expect(kernelFor("sample")).toBe("wasm")
    expect(kernelFor("adam")).toBe("wasm")
    expect(kernelFor("gaussianArgmaxGrid")).toBe("wasm")
    expect(kernelFor("gpuDense")).toBe("composed")
    expect(readsBackSync()).toBe(true)
    expect(activeWebGPUBackend()).toBeUndefined()
    expect(() => requireWebGPU("gpuSample")).toThrow(InvalidArgument)
  })
})

const webgpu = await enableWebGPU().then(
  () => true,
  () => false
)

describe.runIf(webgpu)("tfjs internals on webgpu", () => {
  let previous = "cpu"
  beforeAll(async () => {
    previous = tf.getBackend()
    await tf.setBackend("webgpu")
  })
  afterAll(async () => {
    await tf.setBackend(previous)
  })

  it("the active backend passes the structural guard, and the registry picks WGSL", () => {
    expect(activeWebGPUBackend()).toBeDefined()
    expect(requireWebGPU("gpuDense")).toBe(activeWebGPUBackend())
    expect(backendKernel()).toBe("webgpu")
    expect(kernelFor("gpuSample")).toBe("webgpu")
    expect(kernelFor("sample")).toBe("composed")
    expect(readsBackSync()).toBe(false)
  })

  it("webgpuStorage finds a float32 tensor's GPU buffer, and a cast from int32 keeps int32 storage", () => {
    const backend = requireWebGPU("gpuAdam")
    const t = tf.tensor1d([1, 2, 3])
    const storage = webgpuStorage(backend, t)
    expect(storage.dtype).toBe("float32")
    expect(storage.resource !== undefined && "mapAsync" in storage.resource).toBe(true)
    const cast = tf.cast(tf.tensor1d([1, 2], "int32"), "float32")
    expect(webgpuStorage(backend, cast).dtype).toBe("int32")
    tf.dispose([t, cast])
  })
})

// Last: it replaces the `wasm` backend of this file's process with the threaded build.
describe("tfjs internals of the threaded wasm build", () => {
  it("registerThreadedWasm finds the build's files and pool: the backend runs on the threads asked for", async () => {
    registerThreadedWasm(2)
    expect(await tf.setBackend("wasm")).toBe(true)
    expect(getThreadsCount()).toBe(2)
    const product = tf.matMul(tf.ones([64, 64]), tf.ones([64, 64]))
    expect(Array.from(product.dataSync()).every((v) => v === 64)).toBe(true)
    product.dispose()
  })
})
