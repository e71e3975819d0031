/**
 * A small browser app, bundled by `test/browser.test.ts` with esbuild's defaults from the built
 * packages (resolved through their `exports`, browser conditions): it samples, identifies,
 * analyses a case that needs an LP (after `await Lp.ready()`, HiGHS fetched from `./highs.wasm`
 * next to the page) and draws its picture. Results go to `window.perturbResult` and the page.
 */
import * as tf from "@tensorflow/tfjs"
import { Key, Noise } from "@perturb/noise"
import { compile, Lp, Model, Space } from "@perturb/core"
import { enableWebGPU, WebGPUUnavailable } from "@perturb/core/gpu"
import { analyze, PngUnavailable, renderPicture } from "@perturb/analysis"

const show = (id: string, text: string): void => {
  const el = document.createElement("pre")
  el.id = id
  el.textContent = text
  document.body.append(el)
}

const run = async () => {
  await tf.setBackend("cpu")
  const space3 = Space.pinned(3)

  // sampling: Perturb-Softmax on Θ = {θ₀ = 0} ⊂ ℝ³, the same key twice
  const softmax = compile(Model.perturbSoftmax({ space: space3, noise: Noise.gumbel(), temperature: 0.5 }))
  const theta = tf.tensor1d([0, 1, -1])
  const draw = () => {
    const y = softmax.sample(theta, { samples: 64, key: Key.make(7) }) as tf.Tensor
    const values = Array.from(y.dataSync())
    y.dispose()
    return { shape: y.shape, values }
  }
  const a = draw()
  const b = draw()
  const rowSums = Array.from({ length: a.shape[0]! }, (_, s) => a.values[3 * s]! + a.values[3 * s + 1]! + a.values[3 * s + 2]!)
  const sampling = { shape: a.shape, sameKeySameNumbers: a.values.every((v, i) => v === b.values[i]), maxRowSumError: Math.max(...rowSums.map((s) => Math.abs(s - 1))) }

  // identify: the θ of a distribution under Perturb-Argmax (exact probabilities), then P(θ) back
  const argmax = compile(Model.perturbArgmax({ space: space3, noise: Noise.gumbel() }))
  const target = [0.5, 0.3, 0.2]
  const found = tf.tensor1d(Array.from(argmax.identify(target).theta))
  const back = argmax.probs(found).probs as tf.Tensor
  const identify = { theta: Array.from(found.dataSync()), probs: Array.from(back.dataSync()), target }
  tf.dispose([found, back, theta])

  // analyze a polyhedral space: refused before HiGHS is loaded, decided after
  const polyhedral = () => analyze(Space.polyhedron({ A: [[-1, 0, 0], [0, -1, 0]], b: [0, 0], C: [[0, 0, 1]], e: [0] }), Noise.gumbel())
  let before = "no error"
  try {
    polyhedral()
  } catch (e) {
    before = e instanceof Lp.LpNotReady ? "LpNotReady" : `unexpected: ${String(e)}`
  }
  const readyBefore = Lp.isReady()
  const t0 = performance.now()
  await Lp.ready()
  const lpLoadMs = performance.now() - t0
  const report = polyhedral()
  const verdicts = {
    softmaxComplete: report.softmax?.complete.verdict,
    argmaxComplete: report.argmax?.complete.verdict,
    argmaxMinimal: report.argmax?.minimal.verdict,
    reason: report.argmax?.complete.reasons[0]?.ref
  }

  // picture: SVG in the browser; PNG says why not
  const picture = renderPicture(analyze(Space.pinned(3), Noise.gumbel()))
  document.body.insertAdjacentHTML("beforeend", `<div id="picture">${picture.svg}</div>`)
  let png = "no error"
  try {
    void picture.png
  } catch (e) {
    png = e instanceof PngUnavailable ? "PngUnavailable" : `unexpected: ${String(e)}`
  }

  // WebGPU: the page's navigator.gpu; headless Chromium without a GPU says which part is missing
  let gpu: string
  try {
    gpu = `enabled: ${(await enableWebGPU()).backendName}`
    await tf.setBackend("cpu")
  } catch (e) {
    gpu = e instanceof WebGPUUnavailable ? `WebGPUUnavailable: ${e.missing}` : `unexpected: ${String(e)}`
  }

  const result = { gpu, sampling, identify, lp: { readyBefore, before, loadMs: lpLoadMs, readyAfter: Lp.isReady() }, verdicts, picture: { width: picture.width, height: picture.height, svgLength: picture.svg.length, png } }
  show("result", JSON.stringify(result, null, 2))
  return result
}

declare global {
  interface Window {
    perturbResult?: Promise<unknown>
  }
}
window.perturbResult = run()
