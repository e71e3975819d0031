/**
 * The `denseAgreement` stage of `pnpm gpu:check` (gpu-check.ts): `gpuDense` forward and gradients
 * at the VAE's layer shapes, and 10 `gpuAdam` steps, against tfjs on the cpu backend.
 *
 * @since 0.2.0
 */
import * as tf from "@tensorflow/tfjs"
import { gpuAdam, gpuDense } from "../src/gpu/index.js"

/**
 * The largest differences of `a` from the reference `b`: absolute, relative, and scaled by 1 + |b|
 * (at `worstIndex`), with the largest |b|.
 */
export const compare = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let maxAbs = 0
  let maxRel = 0
  let maxScaled = 0
  let worstIndex = 0
  let maxEntry = 0
  for (let i = 0; i < b.length; i++) {
    const e = Math.abs(a[i]! - b[i]!)
    maxAbs = Math.max(maxAbs, e)
    maxRel = Math.max(maxRel, e / Math.max(Math.abs(b[i]!), 1e-30))
    maxEntry = Math.max(maxEntry, Math.abs(b[i]!))
    const scaled = e / (1 + Math.abs(b[i]!))
    if (scaled > maxScaled) {
      maxScaled = scaled
      worstIndex = i
    }
  }
  return { maxAbs, maxRel, maxScaled, worstIndex, maxEntry }
}

/** gpuDense and gpuAdam on webgpu against tfjs on the cpu backend. */
export const denseAgreement = async () => {
  const diff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    const { maxAbs, maxEntry } = compare(a, b)
    // Relative to the largest entry: the meaningful float32 figure for sums of products.
    return { maxAbs, maxAbsOverMaxEntry: maxAbs / Math.max(maxEntry, 1e-30), n: b.length }
  }
  const fill = (n: number, seed: number, scale: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * scale)
  const onCpu = async (f: () => Array<tf.Tensor>) => {
    await tf.setBackend("cpu")
    try {
      return tf.tidy(f).map((t) => {
        const v = t.dataSync()
        t.dispose()
        return v
      })
    } finally {
      await tf.setBackend("webgpu")
    }
  }
  const layers: Record<string, unknown> = {}
  for (const [n, k, m] of [[100, 784, 512], [100, 512, 256], [100, 256, 200], [100, 200, 256], [100, 512, 784], [37, 65, 33]] as const) {
    for (const relu of [true, false]) {
      const make = () => [tf.tensor2d(fill(n * k, 1, 1), [n, k]), tf.tensor2d(fill(k * m, 2, 1 / Math.sqrt(k)), [k, m]), tf.tensor1d(fill(m, 3, 0.1)), tf.tensor2d(fill(n * m, 4, 1), [n, m])] as const
      const ref = (x: tf.Tensor, W: tf.Tensor, b: tf.Tensor) => {
        const z = tf.add(tf.matMul(x as tf.Tensor2D, W as tf.Tensor2D), b)
        return relu ? tf.relu(z) : z
      }
      const expected = await onCpu(() => {
        const [x, W, b, dy] = make()
        return [ref(x, W, b), ...tf.grads(ref)([x, W, b], dy)]
      })
      const [x, W, b, dy] = make()
      const f = (xi: tf.Tensor, Wi: tf.Tensor, bi: tf.Tensor) => gpuDense(xi as tf.Tensor2D, Wi as tf.Tensor2D, bi as tf.Tensor1D, { relu })
      const got = [f(x, W, b), ...tf.grads(f)([x, W, b], dy)]
      const names = ["y", "dx", "dW", "db"]
      const entry: Record<string, unknown> = {}
      for (let i = 0; i < 4; i++) entry[names[i]!] = diff(await got[i]!.data(), expected[i]!)
      layers[`${n}x${k}·${k}x${m}${relu ? " relu" : ""}`] = entry
      tf.dispose([x, W, b, dy, ...got])
    }
  }
  // 10 Adam steps on a quadratic with a 784×512 and a 200 variable.
  const shapes = [[784, 512], [200]]
  const train = (opt: tf.Optimizer) => {
    const vars = shapes.map((s, i) => tf.variable(tf.tensor(fill(s.reduce((a, c) => a * c, 1), 5 + i, 1), s)))
    const targets = shapes.map((s, i) => tf.tensor(fill(s.reduce((a, c) => a * c, 1), 7 + i, 2), s))
    for (let t = 0; t < 10; t++) opt.minimize(() => tf.addN(vars.map((v, i) => tf.sum(tf.square(tf.sub(v, targets[i]!))))) as tf.Scalar, false, vars)
    tf.dispose(targets)
    return vars
  }
  const adamExpected = await onCpu(() => {
    const opt = tf.train.adam(1e-2)
    const vars = train(opt)
    const out = vars.map((v) => tf.clone(v))
    tf.dispose(vars)
    opt.dispose()
    return out
  })
  const opt = gpuAdam(1e-2)
  const vars = train(opt)
  const adam = await Promise.all(vars.map(async (v, i) => diff(await v.data(), adamExpected[i]!)))
  tf.dispose(vars)
  opt.dispose()
  return { gpuDense: layers, gpuAdam10Steps: adam }
}
