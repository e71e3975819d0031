/**
 * The probability curves of Perturb-Argmax for d = 2, as the paper's Figure 3: `P₁(θ = (0, t))`
 * against `t` on the pinned space `θ₀ = 0`. Gumbel and Normal are smooth and strictly increasing;
 * Uniform[0, 1] saturates (flat at 0 for `t ≤ −1`, at 1 for `t ≥ 1`: Prop 5.4, not minimal);
 * discrete {0, 1} noise is a step whose kinks are intervals (`∂M(0) = [1/4, 3/4]`: Prop 5.5, not
 * identifiable), drawn as marked vertical bars.
 */
import * as tf from "@tensorflow/tfjs"
import { compile, InvalidArgument, Model, Space } from "@perturb/core"
import { Noise, type NoiseLike } from "@perturb/noise"
import { checkCount, optionsObject } from "../internal/checks.js"
import { coordinate, fraction } from "../internal/format.js"
import { scoped } from "../internal/numeric.js"
import { esc, n2, type Picture, picture } from "./svg.js"

/**
 * @example
 * import { type CurvesOptions, renderProbabilityCurves } from "@perturb/analysis"
 * import { Noise } from "@perturb/noise"
 * const options: CurvesOptions = { noises: [{ label: "Cauchy", noise: Noise.cauchy() }], range: [-5, 5] }
 * renderProbabilityCurves(options).svg
 * @since 0.1.0
 * @category models
 */
export interface CurvesOptions {
  /** The laws to draw (default: Gumbel, Normal, Uniform[0, 1], discrete {0, 1}). */
  readonly noises?: ReadonlyArray<{
    /** The curve's label in the legend. */
    readonly label: string
    /** The law drawn. */
    readonly noise: NoiseLike
  }>
  /** The range of t (default [−3, 3]). */
  readonly range?: readonly [number, number]
  /** A title drawn above the curves. */
  readonly title?: string
  /** PNG width in pixels (default 1120). */
  readonly pngWidth?: number
}

const P1 = coordinate("P", 1)

/** The paper's comparison laws, drawn by default and after a report's own noise. */
export const paperLaws = (): Array<{ readonly label: string; readonly noise: NoiseLike }> => [
  { label: `Gumbel (= logistic ${P1})`, noise: Noise.gumbel() },
  { label: "Normal", noise: Noise.normal() },
  { label: "Uniform[0, 1] (Prop 5.4: saturates)", noise: Noise.uniform() },
  { label: "discrete {0, 1} (Prop 5.5: jumps)", noise: Noise.discrete({ atoms: [0, 1] }) }
]

const CURVE_COLOURS = ["#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#ff7f0e", "#8c564b"]

/** The plot area: pixels of t and of a probability. */
interface Frame {
  readonly W: number
  readonly H: number
  readonly L: number
  readonly R: number
  readonly T: number
  readonly B: number
  readonly t0: number
  readonly t1: number
  readonly X: (t: number) => number
  readonly Y: (p: number) => number
}

const frameOf = (t0: number, t1: number): Frame => {
  const W = 720
  const H = 480
  const L = 70
  const R = W - 30
  const T = 70
  const B = H - 60
  return { W, H, L, R, T, B, t0, t1, X: (t) => L + ((t - t0) / (t1 - t0)) * (R - L), Y: (p) => B - p * (B - T) }
}

const axes = (f: Frame, title: string | undefined): Array<string> => {
  const { W, H, L, R, T, B, X, Y } = f
  const out: Array<string> = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, sans-serif">`)
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`)
  out.push(`<text x="${W / 2}" y="28" text-anchor="middle" font-size="18" font-weight="bold">${esc(title ?? `Perturb-Argmax, d = 2: ${P1}(θ = (0, t)) against t`)}</text>`)
  out.push(`<text x="${W / 2}" y="50" text-anchor="middle" font-size="13" fill="#444">pinned space ${coordinate("θ", 0)} = 0, i.i.d. noise; exact probabilities</text>`)
  // Axes, ticks and grid.
  for (let t = Math.ceil(f.t0); t <= f.t1; t++) {
    out.push(`<line x1="${n2(X(t))}" y1="${T}" x2="${n2(X(t))}" y2="${B}" stroke="#eee"/>`)
    out.push(`<text x="${n2(X(t))}" y="${B + 18}" text-anchor="middle" font-size="12">${t}</text>`)
  }
  for (const p of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(`<line x1="${L}" y1="${n2(Y(p))}" x2="${R}" y2="${n2(Y(p))}" stroke="#eee"/>`)
    out.push(`<text x="${L - 8}" y="${n2(Y(p) + 4)}" text-anchor="end" font-size="12">${p}</text>`)
  }
  out.push(`<rect x="${L}" y="${T}" width="${R - L}" height="${B - T}" fill="none" stroke="#222"/>`)
  out.push(`<text x="${(L + R) / 2}" y="${H - 18}" text-anchor="middle" font-size="14">t = ${coordinate("θ", 1)} − ${coordinate("θ", 0)}</text>`)
  out.push(`<text x="18" y="${(T + B) / 2}" text-anchor="middle" font-size="14" transform="rotate(-90 18 ${(T + B) / 2})">${P1}(0, t)</text>`)
  return out
}

/** An annotation on a white box (resvg ignores `paint-order`, so a halo needs a real rectangle). */
const annotation = (x: number, y: number, text: string, colour: string, anchor: "start" | "end"): string => {
  const w = 6.4 * [...text].length + 6
  const left = anchor === "start" ? x - 3 : x - w + 3
  return `<rect x="${n2(left)}" y="${n2(y - 13)}" width="${w}" height="17" fill="white" fill-opacity="0.85"/>\n<text x="${n2(x)}" y="${n2(y)}" text-anchor="${anchor}" font-size="12" fill="${colour}">${esc(text)}</text>`
}

const lawOf = (noise: NoiseLike) => (Noise.isLaw(noise) ? noise : Noise.marginal(noise, 0))
const noiseAtoms = (noise: NoiseLike): Array<number> | undefined => {
  const s = lawOf(noise).traits.support
  return s._tag === "Atoms" ? [...s.atoms] : undefined
}
const isBounded = (noise: NoiseLike): boolean => {
  const t = lawOf(noise).traits
  return t.tails.lower === "bounded" && t.tails.upper === "bounded"
}

/** Kinks of M along t, where t + a = b for atoms a, b of the two coordinates: ∂M's interval as a bar. */
const kinkBars = (f: Frame, atoms: ReadonlyArray<number>, p1: (rows: ReadonlyArray<number>) => Array<number>, colour: string): Array<string> => {
  const { X, Y } = f
  const out: Array<string> = []
  const kinks = [...new Set(atoms.flatMap((a) => atoms.map((b) => b - a)))].filter((t) => t > f.t0 && t < f.t1).sort((a, b) => a - b)
  const eps = 1e-7
  const sides = p1(kinks.flatMap((t) => [t - eps, t + eps]))
  kinks.forEach((t, i) => {
    const lo = sides[2 * i]!
    const hi = sides[2 * i + 1]!
    out.push(`<line x1="${n2(X(t))}" y1="${n2(Y(lo))}" x2="${n2(X(t))}" y2="${n2(Y(hi))}" stroke="${colour}" stroke-width="5" stroke-opacity="0.45"/>`)
    out.push(`<circle cx="${n2(X(t))}" cy="${n2(Y(lo))}" r="3.5" fill="white" stroke="${colour}" stroke-width="1.5"/>`)
    out.push(`<circle cx="${n2(X(t))}" cy="${n2(Y(hi))}" r="3.5" fill="white" stroke="${colour}" stroke-width="1.5"/>`)
    out.push(annotation(X(t) + 8, Y((lo + hi) / 2) + 4, `∂M: ${P1} ∈ [${fraction(lo)}, ${fraction(hi)}]`, colour, "start"))
  })
  return out
}

/** Saturation: the curve reaches 0 and 1 at finite t and stays there. */
const saturationMarks = (f: Frame, ts: ReadonlyArray<number>, ys: ReadonlyArray<number>, colour: string): Array<string> => {
  const { X, Y, T, B } = f
  const out: Array<string> = []
  const first1 = ts.find((_, i) => ys[i]! >= 1 - 1e-9)
  const last0 = [...ts].reverse().find((t) => ys[ts.indexOf(t)]! <= 1e-9)
  // Labels sit where no curve passes: below the curves right of t = 1, above them left of t = −1.
  for (const [t, text, anchor] of [[last0, "P = (1, 0) for t ≤ −1", "end"], [first1, "P = (0, 1) for t ≥ 1", "start"]] as const) {
    if (t === undefined) continue
    const tt = Math.round(t)
    out.push(`<line x1="${n2(X(tt))}" y1="${T}" x2="${n2(X(tt))}" y2="${B}" stroke="${colour}" stroke-dasharray="5 4"/>`)
    out.push(annotation(X(tt) + (anchor === "start" ? 6 : -6), anchor === "start" ? Y(0.55) : Y(0.45), `saturates: ${text}`, colour, anchor))
  }
  return out
}

/** One law's curve, its kinks or saturation marks, and its legend entry. */
const curve = (f: Frame, label: string, noise: NoiseLike, c: number): Array<string> => {
  const { X, Y, L, T } = f
  const out: Array<string> = []
  const n = 601
  const ts = Array.from({ length: n }, (_, i) => f.t0 + ((f.t1 - f.t0) * (i + 0.5)) / n)
  const kernels = compile(Model.perturbArgmax({ space: Space.pinned(2), noise }))
  const p1 = (rows: ReadonlyArray<number>): Array<number> =>
    scoped(() => (kernels.probs(tf.tensor2d(rows.flatMap((t) => [0, t]), [rows.length, 2])).probs.arraySync() as Array<Array<number>>).map((r) => r[1]!))
  const ys = p1(ts)
  const colour = CURVE_COLOURS[c % CURVE_COLOURS.length]!
  // Break the polyline at jumps, which are drawn separately as ∂M intervals.
  let seg: Array<string> = []
  const flush = () => {
    if (seg.length > 1) out.push(`<polyline points="${seg.join(" ")}" fill="none" stroke="${colour}" stroke-width="2.2"/>`)
    seg = []
  }
  ys.forEach((y, i) => {
    if (i > 0 && Math.abs(y - ys[i - 1]!) > 0.05) flush()
    seg.push(`${n2(X(ts[i]!))},${n2(Y(y))}`)
  })
  flush()
  const atoms = noiseAtoms(noise)
  if (atoms !== undefined) out.push(...kinkBars(f, atoms, p1, colour))
  else if (isBounded(noise)) out.push(...saturationMarks(f, ts, ys, colour))
  out.push(`<line x1="${L + 12}" y1="${T + 18 + c * 20}" x2="${L + 40}" y2="${T + 18 + c * 20}" stroke="${colour}" stroke-width="3"/>`)
  out.push(`<text x="${L + 46}" y="${T + 22 + c * 20}" font-size="12">${esc(label)}</text>`)
  return out
}

/**
 * Draws Perturb-Argmax's `P₁(θ = (0, t))` against `t` for several laws (d = 2), as the paper's
 * Figure 3; discrete laws' kinks are drawn as vertical bars spanning `∂M`'s interval, and bounded
 * laws' saturation points are marked.
 *
 * @example
 * import { renderProbabilityCurves } from "@perturb/analysis"
 * const { png } = renderProbabilityCurves()
 * @since 0.1.0
 * @category constructors
 */
export const renderProbabilityCurves = (options0?: CurvesOptions): Picture => {
  const options = optionsObject("options", options0)
  if (options.pngWidth !== undefined) checkCount("options.pngWidth", options.pngWidth, 1, 16384)
  options.noises?.forEach((n, i) => {
    if (typeof n !== "object" || n === null) throw new InvalidArgument({ argument: `options.noises[${i}]`, value: n, reason: "Expected { label, noise }" })
    if (!Noise.isNoise(n.noise)) throw new InvalidArgument({ argument: `options.noises[${i}].noise`, value: n.noise, reason: "Expected a noise law" })
  })
  const noises = options.noises ?? paperLaws()
  const [t0, t1] = options.range ?? [-3, 3]
  if (!(t1 > t0) || !Number.isFinite(t0) || !Number.isFinite(t1)) throw new InvalidArgument({ argument: "options.range", value: options.range, reason: "Expected [lo, hi] with lo < hi" })
  const f = frameOf(t0, t1)
  const out = axes(f, options.title)
  noises.forEach(({ label, noise }, c) => out.push(...curve(f, label, noise, c)))
  out.push(`</svg>`)
  const svg = out.join("\n")
  const width = options.pngWidth ?? 2 * f.W
  return picture(svg, width, Math.round((width * f.H) / f.W))
}
