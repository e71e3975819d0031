/**
 * perturbSoftmaxLayer as tfjs users use it: inside tf.sequential, trained by model.fit, saved by
 * model.save and restored by tf.loadLayersModel (through tfjs's snake_case config rewrite), its
 * config round-tripped, its keys advancing per training call, on the cpu and wasm backends.
 */
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { Equal } from "effect"
import { Key, Noise } from "@perturb/noise"
import { beforeAll, describe, expect, it } from "vitest"
import { compile, Model, PerturbSoftmaxLayer, perturbSoftmaxLayer, Space } from "../src/index.js"
import { caught, maxAbsDiff, read } from "./helpers.js"
import { tensorsLeaked } from "./leaks.js"

const d = 4
const seeded = (seed: number) => ({ kernelInitializer: tf.initializers.glorotUniform({ seed }), biasInitializer: "zeros" as const })

/** A toy task: x ∈ [-1, 1]^6, the class is argmax of a fixed linear map of x. */
const toyData = (n: number) =>
  tf.tidy(() => {
    const x = tf.randomUniform([n, 6], -1, 1, "float32", 17)
    const w = tf.randomNormal([6, d], 0, 1, "float32", 23)
    const y = tf.oneHot(tf.argMax(tf.matMul(x, w), -1), d).toFloat()
    return { x, y }
  })

const classifier = (options: Parameters<typeof perturbSoftmaxLayer>[0]) =>
  tf.sequential({ layers: [tf.layers.dense({ units: d, inputShape: [6], ...seeded(3) }), perturbSoftmaxLayer(options)] })

/** The model's artifacts, saved in memory (no filesystem). */
const saveToMemory = async (model: tf.LayersModel): Promise<tf.io.ModelArtifacts> => {
  let saved: tf.io.ModelArtifacts | undefined
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } }
  }))
  return saved!
}

const trainingCall = (model: tf.LayersModel, x: tf.Tensor) => model.apply(x, { training: true }) as tf.Tensor

describe.each(["cpu", "wasm"])("perturbSoftmaxLayer on %s", (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend)
    await tf.ready()
  })

  for (const straightThrough of [false, true]) {
    it(`model.fit lowers the loss on a toy task (straightThrough: ${straightThrough}); one key per batch`, async () => {
      const { x, y } = toyData(256)
      const model = classifier({ temperature: 0.5, straightThrough, samples: 4, seed: 5 })
      model.compile({ optimizer: tf.train.adam(0.05), loss: "meanSquaredError" })
      const history = await model.fit(x, y, { epochs: 12, batchSize: 64, shuffle: false, verbose: 0 })
      const loss = history.history["loss"] as Array<number>
      expect(loss[loss.length - 1]!).toBeLessThan(0.6 * loss[0]!)
      // 4 batches × 12 epochs: one step each, so every batch drew with its own key.
      expect((model.layers[1] as PerturbSoftmaxLayer).step).toBe(48)
      // Inference: the trained classifier's deterministic output picks the right class mostly.
      const predicted = read(tf.tidy(() => tf.argMax(model.predict(x) as tf.Tensor, -1)))
      const truth = read(tf.argMax(y, -1))
      const accuracy = predicted.filter((c, i) => c === truth[i]).length / predicted.length
      expect(accuracy).toBeGreaterThan(0.8)
      tf.dispose([x, y])
      model.dispose()
    })
  }

  it("training calls differ from each other; the same seed repeats them; inference draws nothing", () => {
    const x = tf.tensor2d([[0.2, -1, 0.5, 0.3, 0, 1], [1, 1, -1, 0, 0.4, 0.2]])
    const a = classifier({ seed: 9 })
    const b = classifier({ seed: 9 })
    const a1 = read(trainingCall(a, x))
    const a2 = read(trainingCall(a, x))
    expect(maxAbsDiff(a1, a2)).toBeGreaterThan(1e-3)
    expect(maxAbsDiff(a1, read(trainingCall(b, x)))).toBe(0)
    expect(maxAbsDiff(a2, read(trainingCall(b, x)))).toBe(0)
    const layer = a.layers[1] as PerturbSoftmaxLayer
    const p1 = read(a.predict(x) as tf.Tensor)
    expect(maxAbsDiff(p1, read(a.predict(x) as tf.Tensor))).toBe(0)
    expect(layer.step).toBe(2)
    x.dispose()
    a.dispose()
    b.dispose()
  })

  it("training outputs are the general API's samples with Key.fold(Key.make(seed), step); inference is probs or argmax", () => {
    const theta = tf.tensor2d([[0.5, -1, 2, 0], [0, 0, 0, 0.1]])
    const layer = perturbSoftmaxLayer({ noise: Noise.normal(), temperature: 0.4, seed: 3, step: 7 })
    const k = compile(Model.perturbSoftmax({ space: Space.reals(d), noise: Noise.normal(), temperature: 0.4 }))
    const y = read(layer.apply(theta, { training: true }) as tf.Tensor)
    const expected = read(k.sample(theta, { samples: 1, key: Key.fold(Key.make(3), 7) }))
    expect(maxAbsDiff(y, expected)).toBe(0)
    const probs = read(layer.apply(theta) as tf.Tensor)
    expect(maxAbsDiff(probs, read(k.probs(theta).probs))).toBeLessThan(1e-7)
    const fewer = perturbSoftmaxLayer({ noise: Noise.normal(), temperature: 0.4, inferenceSamples: 64 })
    expect(maxAbsDiff(read(fewer.apply(theta) as tf.Tensor), read(k.probs(theta, { samples: 64 }).probs))).toBeLessThan(1e-7)
    const hard = perturbSoftmaxLayer({ straightThrough: true })
    expect(hard.inference).toBe("argmax")
    expect(Array.from(read(hard.apply(theta) as tf.Tensor))).toEqual([0, 0, 1, 0, 0, 0, 0, 1])
    theta.dispose()
  })

  it("model.save → tf.loadLayersModel gives the same outputs, training and inference, for the same inputs and seed", async () => {
    const { x } = toyData(32)
    for (const noise of [Noise.gumbel(), Noise.normal({ mean: 0.5, sd: 2 })]) {
      for (const straightThrough of [false, true]) {
        const model = classifier({ noise, temperature: 0.3, straightThrough, samples: 2, seed: 41 })
        trainingCall(model, x).dispose()
        const artifacts = await saveToMemory(model)
        const topology = JSON.stringify(artifacts.modelTopology)
        expect(topology).toContain(`"class_name":"PerturbSoftmax"`)
        const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts))
        const layer = loaded.layers[1]!
        expect(layer).toBeInstanceOf(PerturbSoftmaxLayer)
        const restored = layer as PerturbSoftmaxLayer
        expect(Equal.equals(restored.noise, noise)).toBe(true)
        expect([restored.temperature, restored.straightThrough, restored.samples, restored.seed, restored.step]).toEqual([0.3, straightThrough, 2, 41, 1])
        expect(maxAbsDiff(read(loaded.predict(x) as tf.Tensor), read(model.predict(x) as tf.Tensor))).toBe(0)
        // The saved step continues the stream: the next training call of each is the same draw.
        expect(maxAbsDiff(read(trainingCall(loaded, x)), read(trainingCall(model, x)))).toBe(0)
        model.dispose()
        loaded.dispose()
      }
    }
    x.dispose()
  })

  it("an input [batch, steps, d] draws one sample per step, as compile(…).sample on θ [batch, steps, d]", () => {
    const theta = tf.tidy(() => tf.sin(tf.range(0, 2 * 5 * d, 1, "float32")).mul(3).reshape([2, 5, d]))
    const model = tf.sequential({ layers: [perturbSoftmaxLayer({ inputShape: [5, d], temperature: 0.6, seed: 8 })] })
    const y = trainingCall(model, theta)
    expect(y.shape).toEqual([2, 5, d])
    const k = compile(Model.perturbSoftmax({ space: Space.reals(d), noise: Noise.gumbel(), temperature: 0.6 }))
    expect(maxAbsDiff(read(y), read(k.sample(theta, { samples: 1, key: Key.fold(Key.make(8), 0) })))).toBe(0)
    expect((model.predict(theta) as tf.Tensor).shape).toEqual([2, 5, d])
    theta.dispose()
    model.dispose()
  })

  it("getConfig → fromConfig round trip", () => {
    const layer = perturbSoftmaxLayer({ noise: Noise.iid(Noise.logistic(), d), temperature: 0.25, straightThrough: true, samples: 3, seed: 12, step: 4, inference: "probs", inferenceSamples: 64, name: "relax" })
    const config = layer.getConfig()
    const again = PerturbSoftmaxLayer.fromConfig<PerturbSoftmaxLayer>(PerturbSoftmaxLayer, config)
    expect(again).toBeInstanceOf(PerturbSoftmaxLayer)
    expect(again.getConfig()).toEqual(config)
    expect(Equal.equals(again.noise, layer.noise)).toBe(true)
    expect(again.name).toBe("relax")
    const e = caught(() => PerturbSoftmaxLayer.fromConfig<PerturbSoftmaxLayer>(PerturbSoftmaxLayer, { ...config, noise: "ZZ" }))
    expect([e._tag, e.argument]).toEqual(["InvalidArgument", "config.noise"])
  })

  it("bad options are typed errors naming them", () => {
    const cases: Array<[() => unknown, string]> = [
      [() => perturbSoftmaxLayer({ temperature: 0 }), "temperature"],
      [() => perturbSoftmaxLayer({ noise: "gumbel" as never }), "noise"],
      [() => perturbSoftmaxLayer({ straightThrough: 1 as never }), "straightThrough"],
      [() => perturbSoftmaxLayer({ samples: 0 }), "samples"],
      [() => perturbSoftmaxLayer({ seed: -1 }), "seed"],
      [() => perturbSoftmaxLayer({ step: 1.5 }), "step"],
      [() => perturbSoftmaxLayer({ inference: "mode" as never }), "inference"],
      [() => perturbSoftmaxLayer({ inferenceSamples: 2.5 }), "inferenceSamples"],
      [() => perturbSoftmaxLayer([] as never), "options"]
    ]
    for (const [f, argument] of cases) {
      const e = caught(f)
      expect([e._tag, e.argument]).toEqual(["InvalidArgument", argument])
    }
    // A noise of fixed dimension that the input's last axis contradicts.
    const model = () => tf.sequential({ layers: [perturbSoftmaxLayer({ noise: Noise.iid(Noise.gumbel(), 3), inputShape: [d] })] })
    expect(caught(model)._tag).toBe("DimensionMismatch")
  })

  it("predict and training calls in a loop leave numTensors unchanged", () => {
    const { x } = toyData(16)
    const model = classifier({ samples: 3, straightThrough: true, inference: "probs", inferenceSamples: 64, seed: 2 })
    const step = () => {
      tf.dispose([model.predict(x) as tf.Tensor, trainingCall(model, x)])
      const { value, grads } = tf.variableGrads(() => tf.sum(trainingCall(model, x)) as tf.Scalar)
      tf.dispose([value, ...Object.values(grads)])
    }
    expect(tensorsLeaked(step, 20)).toBe(0)
    x.dispose()
    model.dispose()
  })
})
