/**
 * Timing helpers of `pnpm gpu:check` (gpu-check.ts): synchronising with the GPU, milliseconds per
 * call, and the Dawn calls (dispatches, queue submits) and tfjs kernels of one step.
 *
 * @since 0.2.0
 */
import * as tf from "@tensorflow/tfjs"

/** Flush tfjs's command encoder and wait for the GPU: reading one value back does both. */
export const sync = async (t: tf.Tensor): Promise<void> => {
  const one = tf.tidy(() => t.reshape([-1]).slice(0, 1))
  await one.data()
  one.dispose()
}

/** Milliseconds per call of `step`, after `warmup` calls, synchronised once at the end. */
export const time = async (iters: number, warmup: number, step: (i: number) => tf.Tensor): Promise<number> => {
  for (let i = 0; i < warmup; i++) {
    const t = step(i)
    await sync(t)
    t.dispose()
  }
  let last: tf.Tensor | undefined
  const start = performance.now()
  for (let i = 0; i < iters; i++) {
    const t = step(warmup + i)
    last?.dispose()
    last = t
  }
  await sync(last!)
  const ms = (performance.now() - start) / iters
  last!.dispose()
  return ms
}

/** Dispatches and submits recorded at Dawn's compute-pass and queue (every path counts). */
const counters = { dispatches: 0, submits: 0 }

/** The prototype of the global class `name` (Dawn installs GPUQueue and the others on globalThis). */
const prototypeOf = (name: string): object | undefined => {
  const ctor: unknown = Reflect.get(globalThis, name)
  const proto: unknown = typeof ctor === "function" ? Reflect.get(ctor, "prototype") : undefined
  return typeof proto === "object" && proto !== null ? proto : undefined
}

/** Wraps `proto[method]` so that each call runs `count` first. */
const countCalls = (proto: object, method: string, count: () => void): boolean => {
  const original: unknown = Reflect.get(proto, method)
  if (typeof original !== "function") return false
  Reflect.set(proto, method, function (this: unknown, ...args: Array<unknown>) {
    count()
    return Reflect.apply(original, this, args)
  })
  return true
}

/** Starts counting Dawn's `dispatchWorkgroups` and `submit` calls; false where Dawn's classes are not global. */
export const countDawnCalls = (): boolean => {
  const pass = prototypeOf("GPUComputePassEncoder")
  const queue = prototypeOf("GPUQueue")
  if (pass === undefined || queue === undefined) return false
  return countCalls(pass, "dispatchWorkgroups", () => counters.dispatches++) && countCalls(queue, "submit", () => counters.submits++)
}

/** Dispatches, submits and tfjs kernels of one call of `step` (the result is disposed). */
export const countStep = async (step: () => tf.Tensor) => {
  const [d0, s0] = [counters.dispatches, counters.submits]
  const t = step()
  const [dispatches, submits] = [counters.dispatches - d0, counters.submits - s0]
  await sync(t)
  t.dispose()
  let tfjsKernels: number | string
  let kernelNames: Record<string, number> = {}
  try {
    const info = await tf.profile(() => {
      step().dispose()
    })
    tfjsKernels = info.kernels.length
    kernelNames = {}
    for (const k of info.kernels) kernelNames[k.name] = (kernelNames[k.name] ?? 0) + 1
  } catch (e) {
    tfjsKernels = `tf.profile failed: ${String(e)}`
  }
  return { dispatchesPerStep: dispatches, submitsPerStep: submits, tfjsKernelsPerStep: tfjsKernels, tfjsKernelNames: kernelNames }
}
