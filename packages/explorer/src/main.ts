/**
 * The perturb explorer: the toolkit run client-side on a space and noise the page's controls
 * describe. `analyze`'s verdicts (table and `renderText`), the picture of P over Θ (`renderPicture`:
 * the image of Θ in the triangle for d = 3, the probability curves for d = 2), a point θ = θ(u)
 * moved by sliders or a drag pad with P(θ) marked on the triangle, and `identify`'s θ for a p
 * clicked in the triangle. State for tests and scripts is on `window.explorer`.
 */
import * as tf from "@tensorflow/tfjs"
import { Key, Noise } from "@perturb/noise"
import { compile, type Kernels, Lp, Model, Space } from "@perturb/core"
import { analyze, renderPicture, renderText, toJSON } from "@perturb/analysis"
import highsWasm from "highs/runtime?url"
import { svgPoint, toBarycentric, toXY, type Vertices, verticesOf } from "./geometry.js"
import { type Dim, laws, spaces } from "./presets.js"

const started = performance.now()
// Vite emits the wasm as a hashed asset; HiGHS fetches it on Lp.ready(), before the first analyze
Lp.configure({ locateFile: () => highsWasm })

const el = <T extends Element>(id: string, type: abstract new () => T): T => {
  const found = document.getElementById(id)
  if (!(found instanceof type)) throw new Error(`index.html has no #${id} (${type.name})`)
  return found
}
const dimSelect = el("dim", HTMLSelectElement)
const spacePreset = el("space-preset", HTMLSelectElement)
const spaceJson = el("space-json", HTMLTextAreaElement)
const noisePreset = el("noise-preset", HTMLSelectElement)
const noiseJson = el("noise-json", HTMLTextAreaElement)
const temperatureInput = el("temperature", HTMLInputElement)
const sliders = el("sliders", HTMLElement)
const pad = el("pad", SVGSVGElement)
const padDot = el("pad-dot", SVGCircleElement)
const errorBox = el("error", HTMLElement)
const pictureBox = el("picture", HTMLElement)
const SVG_NS = "http://www.w3.org/2000/svg"
const U_RANGE = 5

export interface ExplorerState {
  /** ms from the script's start to the first verdict on the page (HiGHS's load included). */
  firstVerdictMs?: number
  verdicts?: Record<string, Record<string, string>>
  theta?: Array<number>
  probs?: Array<number>
  vertices?: Vertices | undefined
  updates: number
  /** tfjs's live tensor count after the last P(θ): flat while θ moves. */
  tensors?: number
}
declare global {
  interface Window {
    explorer: ExplorerState
  }
}
window.explorer = { updates: 0 }

const fmt = (xs: ArrayLike<number>) => `(${Array.from(xs, (x) => x.toFixed(4)).join(", ")})`
const describe = (e: unknown) => e instanceof Error ? `${e.name}: ${e.message}` : String(e)

/** Tensors made inside `f` are freed when it returns (results are read out as plain arrays). */
const scoped = <A>(f: () => A): A => {
  tf.engine().startScope()
  try {
    return f()
  } finally {
    tf.engine().endScope()
  }
}

interface Current {
  readonly d: Dim
  readonly kernels: Kernels
  readonly softmax: boolean
  vertices?: Vertices | undefined
  u: Array<number>
}
let current: Current | undefined

const modelChoice = (): "softmax" | "argmax" => document.querySelector<HTMLInputElement>("input[name=model]:checked")?.value === "softmax" ? "softmax" : "argmax"
const dimChoice = (): Dim => (dimSelect.value === "2" ? 2 : 3)

/** The controls read as a space, noise and model; a bad value throws the toolkit's typed error. */
const readInputs = () => {
  const d = dimChoice()
  const space = Space.fromJSON(JSON.parse(spaceJson.value))
  if (space.dim !== d) throw new Error(`the space JSON has dim ${space.dim}, the page's d is ${d}`)
  const noise = Noise.fromJSON(JSON.parse(noiseJson.value))
  const model = modelChoice()
  const temperature = Number(temperatureInput.value)
  return { d, space, noise, model, temperature }
}

const renderVerdicts = (report: ReturnType<typeof analyze>) => {
  const json = toJSON(report)
  const rows: Array<string> = ["<tr><th>model</th><th>complete</th><th>minimal</th><th>identifiable</th></tr>"]
  const verdicts: Record<string, Record<string, string>> = {}
  for (const which of ["softmax", "argmax"] as const) {
    const props = json[which]
    if (props === undefined) continue
    verdicts[which] = {}
    const cells = (["complete", "minimal", "identifiable"] as const).map((p) => {
      const v = props[p]
      verdicts[which]![p] = v.verdict
      const why = v.reasons.map((r) => `${r.ref}: ${r.text}`).join("\n")
      return `<td data-model="${which}" data-property="${p}" data-verdict="${v.verdict}" title="${why.replace(/"/g, "&quot;")}">${v.verdict}</td>`
    })
    rows.push(`<tr><th>Perturb-${which === "softmax" ? "Softmax" : "Argmax"}</th>${cells.join("")}</tr>`)
  }
  el("verdicts", HTMLElement).innerHTML = rows.join("")
  // renderText has the reasons and witnesses in full; the JSON is there to copy
  el("report", HTMLElement).textContent = renderText(report)
  el("report-json", HTMLElement).textContent = JSON.stringify(json, null, 2)
  window.explorer.verdicts = verdicts
}

const marker = (svg: SVGSVGElement, id: string, fill: string, stroke = "white"): SVGCircleElement => {
  const existing = svg.querySelector<SVGCircleElement>(`#${id}`)
  if (existing !== null) return existing
  const c = document.createElementNS(SVG_NS, "circle")
  c.id = id
  c.setAttribute("r", "6")
  c.setAttribute("fill", fill)
  c.setAttribute("stroke", stroke)
  c.setAttribute("stroke-width", "1.5")
  svg.append(c)
  return c
}

const placeMarker = (id: string, p: ArrayLike<number>, fill: string, stroke?: string) => {
  const svg = pictureBox.querySelector<SVGSVGElement>("svg")
  if (current?.vertices === undefined || svg === null) return
  const [x, y] = toXY(p, current.vertices)
  const c = marker(svg, id, fill, stroke)
  c.setAttribute("cx", x.toFixed(2))
  c.setAttribute("cy", y.toFixed(2))
}

/** θ(u) and P(θ) for the current u: numbers, pad and triangle marker. */
const updatePoint = () => {
  if (current === undefined) return
  const { kernels, softmax, u } = current
  try {
    const { theta, probs } = scoped(() => {
      const t = kernels.theta(tf.tensor1d(u))
      // Perturb-Softmax probabilities are QMC estimates with a fixed key: the same θ, the same P
      const r = kernels.probs(t, softmax ? { method: "qmc", samples: 4096, key: Key.make(0) } : {})
      return { theta: Array.from(t.dataSync()), probs: Array.from(r.probs.dataSync()) }
    })
    el("theta", HTMLElement).textContent = fmt(theta)
    const out = el("probs", HTMLElement)
    out.textContent = fmt(probs)
    out.dataset.p = JSON.stringify(probs)
    Object.assign(window.explorer, { theta, probs, updates: window.explorer.updates + 1, tensors: tf.memory().numTensors })
    if (current.d === 3) placeMarker("marker", probs, "#d62728")
    errorBox.textContent = ""
  } catch (e) {
    errorBox.textContent = describe(e)
  }
  padDot.setAttribute("cx", String(u[0] ?? 0))
  padDot.setAttribute("cy", String(-(u[1] ?? 0)))
}

const buildSliders = (k: number, previous: ReadonlyArray<number>) => {
  sliders.replaceChildren()
  const u = Array.from({ length: k }, (_, i) => previous[i] ?? (i === 0 ? 1 : 0))
  for (let i = 0; i < k; i++) {
    const label = document.createElement("label")
    label.innerHTML = `u<sub>${i}</sub> <input id="u${i}" type="range" min="${-U_RANGE}" max="${U_RANGE}" step="0.01" value="${u[i]}"> <output id="u${i}-value">${u[i]!.toFixed(2)}</output>`
    sliders.append(label)
    const input = label.querySelector("input")!
    input.addEventListener("input", () => setU(i, Number(input.value)))
  }
  if (k === 0) sliders.textContent = "Θ is a single point: no free parameters"
  pad.style.display = k >= 2 ? "" : "none"
  return u
}

const setU = (i: number, value: number) => {
  if (current === undefined || i >= current.u.length) return
  const v = Math.max(-U_RANGE, Math.min(U_RANGE, value))
  current.u[i] = v
  const input = document.getElementById(`u${i}`)
  if (input instanceof HTMLInputElement && Number(input.value) !== v) input.value = String(v)
  const shown = document.getElementById(`u${i}-value`)
  if (shown !== null) shown.textContent = v.toFixed(2)
  updatePoint()
}

/** Everything that depends on the space, noise and model: verdicts, picture, kernels. */
const recompute = () => {
  let inputs
  try {
    inputs = readInputs()
  } catch (e) {
    errorBox.textContent = describe(e)
    return
  }
  const { d, space, noise, model, temperature } = inputs
  try {
    const report = analyze(space, noise, { temperature })
    renderVerdicts(report)
    if (window.explorer.firstVerdictMs === undefined) window.explorer.firstVerdictMs = performance.now() - started
    const softmax = model === "softmax"
    const kernels = compile(softmax ? Model.perturbSoftmax({ space, noise, temperature }) : Model.perturbArgmax({ space, noise }))
    const picture = renderPicture({ space, noise, model, temperature })
    pictureBox.innerHTML = picture.svg
    const svg = pictureBox.querySelector<SVGSVGElement>("svg")!
    const u = buildSliders(kernels.freeDim, current?.u ?? [])
    current = { d, kernels, softmax, u, ...(d === 3 ? { vertices: verticesOf(svg) } : {}) }
    window.explorer.vertices = current.vertices
    if (d === 3) svg.addEventListener("click", (ev) => identifyAt(svg, ev))
    // an incompleteness witness is a p no θ reaches (UnreachableTarget, OutsideImage): ringed in the
    // triangle, away from the image
    const witness = (model === "softmax" ? report.softmax : report.argmax)?.complete.witness
    const unreached = witness !== undefined && "p" in witness ? witness.p : undefined
    svg.querySelector("#witness")?.remove()
    if (d === 3 && unreached?.length === 3) placeMarker("witness", unreached, "none", "#111")
    el("identified", HTMLElement).textContent = d === 3 ? "" : "(d = 3 only)"
    errorBox.textContent = ""
    updatePoint()
  } catch (e) {
    errorBox.textContent = describe(e)
  }
}

const identifyAt = (svg: SVGSVGElement, ev: MouseEvent) => {
  if (current?.vertices === undefined) return
  const p = toBarycentric(svgPoint(svg, ev.clientX, ev.clientY), current.vertices)
  if (p === undefined) return
  placeMarker("target", p, "#1f77b4")
  const out = el("identified", HTMLElement)
  out.dataset.p = JSON.stringify(p)
  try {
    const found = current.kernels.identify(p)
    out.textContent = `p = ${fmt(p)} → θ = ${fmt(found.theta)} (residual ${found.residual.toExponential(1)})`
    out.dataset.theta = JSON.stringify(Array.from(found.theta))
  } catch (e) {
    // NotUnique on a space where P is not one-to-one: the verdicts above say why
    out.textContent = `p = ${fmt(p)}: ${describe(e)}`
    delete out.dataset.theta
  }
}

let timer: ReturnType<typeof setTimeout> | undefined
const later = () => {
  clearTimeout(timer)
  timer = setTimeout(recompute, 200)
}

const fillSpace = () => {
  spaceJson.value = JSON.stringify(spaces[spacePreset.value]!(dimChoice()))
}
const fillNoise = () => {
  noiseJson.value = JSON.stringify(Noise.toJSON(laws[noisePreset.value]!()))
}

const start = async () => {
  await tf.setBackend("cpu")
  for (const name of Object.keys(spaces)) spacePreset.add(new Option(name, name))
  for (const name of Object.keys(laws)) noisePreset.add(new Option(name, name))
  fillSpace()
  fillNoise()
  dimSelect.addEventListener("change", () => (fillSpace(), recompute()))
  spacePreset.addEventListener("change", () => (fillSpace(), recompute()))
  noisePreset.addEventListener("change", () => (fillNoise(), recompute()))
  spaceJson.addEventListener("input", later)
  noiseJson.addEventListener("input", later)
  temperatureInput.addEventListener("input", later)
  for (const radio of document.querySelectorAll("input[name=model]")) radio.addEventListener("change", recompute)
  const drag = (ev: PointerEvent) => {
    if (ev.type === "pointermove" && ev.buttons === 0) return
    const [x, y] = svgPoint(pad, ev.clientX, ev.clientY)
    setU(0, x)
    setU(1, -y)
  }
  pad.addEventListener("pointerdown", (ev) => (pad.setPointerCapture(ev.pointerId), drag(ev)))
  pad.addEventListener("pointermove", drag)
  await Lp.ready()
  recompute()
}

start().catch((e: unknown) => (errorBox.textContent = describe(e)))
