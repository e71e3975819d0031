/**
 * Pictures of the representation properties, as SVG strings (PNG through `@resvg/resvg-js`), drawn
 * without a browser:
 *
 * - `d = 3` — **the image of Θ in the probability triangle**: the free parameters `u` run over a
 *   polar grid (rays and rings, radii growing geometrically to large values) and each `P(θ(u))` is
 *   plotted in barycentric coordinates. A complete space fills the triangle; an incomplete one
 *   leaves empty regions (`{θ₁ = θ₂}` collapses onto the median `p₁ = p₂`, a box onto a blob). With
 *   three or more free parameters the remaining ones take a few levels, drawn in different colours:
 *   on `ℝ³` the sheets `θ₃ = c` land on the same triangle, so the map is visibly many-to-one.
 * - `d = 2` — **probability curves** `P₂(θ = (0, t))` against `t`, as the paper's Figure 3: Gumbel
 *   and Normal are smooth and strictly increasing; Uniform[0, 1] saturates (flat at 0 for `t ≤ −1`,
 *   at 1 for `t ≥ 1`: Prop 5.4, not minimal); discrete {0, 1} noise is a step whose kinks are
 *   intervals (`∂M(0) = [1/4, 3/4]`: Prop 5.5, not identifiable), drawn as marked vertical bars.
 *
 * Perturb-Argmax probabilities are exact; Perturb-Softmax ones are QMC estimates with a fixed key,
 * so a picture is reproducible.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs"
import { Resvg } from "@resvg/resvg-js"
import { compile, DimensionMismatch, InvalidArgument, Model, Space } from "@perturb/core"
import { Key, Noise, type NoiseLike } from "@perturb/noise"
import type { Report } from "./Analyze.js"
import { scoped } from "./internal/numeric.js"
import { checkCount, checkNumbers, checkReport, optionsObject } from "./internal/checks.js"

/**
 * An SVG document and its PNG rendering.
 *
 * @since 0.1.0
 * @category models
 */
export interface Picture {
  readonly svg: string
  readonly png: Uint8Array
  readonly width: number
  readonly height: number
}

/**
 * What to draw when there is no report: a space and a noise (and which model).
 *
 * @since 0.1.0
 * @category models
 */
export interface PictureSpec {
  readonly space: Space.Space
  readonly noise: NoiseLike
  readonly model?: "softmax" | "argmax"
  readonly temperature?: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface SimplexImageOptions {
  /** Perturb-Argmax (default; exact probabilities) or Perturb-Softmax (QMC). */
  readonly model?: "softmax" | "argmax"
  readonly temperature?: number
  /** Radii of the polar grid of free parameters (default: 0 and 24 geometric steps from 0.05 to 40). */
  readonly radii?: ReadonlyArray<number>
  /** Rays of the polar grid (default 64). */
  readonly angles?: number
  /** Levels of the third and further free parameters (default −2, 0, 2). */
  readonly levels?: ReadonlyArray<number>
  /** QMC points per Perturb-Softmax estimate (default 256) and their key (default `Key.make(0)`). */
  readonly samples?: number
  readonly key?: Key.Key
  readonly title?: string
  /** PNG width in pixels (default 1120: the 560-unit SVG at 2×). */
  readonly pngWidth?: number
}

/**
 * The sampled image of Θ: every point with its probabilities, its θ, and its sheet (level index).
 *
 * @since 0.1.0
 * @category models
 */
export interface SimplexImage {
  readonly points: ReadonlyArray<{ readonly p: ReadonlyArray<number>; readonly theta: ReadonlyArray<number>; readonly sheet: number }>
  /** Polylines (indices into `points`) along rays and rings of the grid, per sheet. */
  readonly lines: ReadonlyArray<ReadonlyArray<number>>
  readonly sheets: ReadonlyArray<string>
  readonly freeDim: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface CurvesOptions {
  /** The laws to draw (default: Gumbel, Normal, Uniform[0, 1], discrete {0, 1}). */
  readonly noises?: ReadonlyArray<{ readonly label: string; readonly noise: NoiseLike }>
  /** The range of t (default [−3, 3]). */
  readonly range?: readonly [number, number]
  readonly title?: string
  readonly pngWidth?: number
}

const defaultRadii = (): Array<number> => [0, ...Array.from({ length: 24 }, (_, i) => 0.05 * Math.pow(800, i / 23))]

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")
const n2 = (x: number): string => (Math.round(x * 100) / 100).toString()

/**
 * Renders an SVG document to PNG bytes with resvg (system fonts, white background).
 *
 * @since 0.1.0
 * @category constructors
 */
export const svgToPng = (svg: string, width = 1120): Uint8Array => {
  if (typeof svg !== "string") throw new InvalidArgument({ argument: "svg", value: svg, reason: "Expected an SVG document as a string" })
  checkCount("width", width, 1, 16384)
  const png = new Resvg(svg, {
    fitTo: { mode: "width", value: width },
    background: "white",
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" }
  }).render().asPng()
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength)
}

const checkSpec = (spec: PictureSpec, d: number): void => {
  if (typeof spec !== "object" || spec === null) throw new InvalidArgument({ argument: "spec", value: spec, reason: "Expected { space, noise }" })
  if (!Space.isSpace(spec.space)) throw new InvalidArgument({ argument: "space", value: spec.space, reason: "Expected a Space" })
  if (!Noise.isNoise(spec.noise)) throw new InvalidArgument({ argument: "noise", value: spec.noise, reason: "Expected a noise law" })
  if (spec.space.dim !== d) throw new DimensionMismatch({ argument: "space.dim", expected: d, received: spec.space.dim })
}

/**
 * Samples the image of Θ in the probability triangle (d = 3): the points `P(θ(u))` for `u` on a
 * polar grid, grouped into sheets by the levels of the free parameters beyond the second.
 *
 * @example
 * import { Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * import { coverage, simplexImage } from "@perturb/analysis"
 * const image = simplexImage({ space: Space.pinned(3), noise: Noise.gumbel() })
 * coverage(image.points.map((x) => x.p)) // ≈ 0.9: the triangle is filled
 * @since 0.1.0
 * @category constructors
 */
export const simplexImage = (spec: PictureSpec, options0?: SimplexImageOptions): SimplexImage => {
  checkSpec(spec, 3)
  const options = optionsObject("options", options0)
  const which = options.model ?? spec.model ?? "argmax"
  if (which !== "softmax" && which !== "argmax") throw new InvalidArgument({ argument: "options.model", value: which, reason: "Expected \"softmax\" or \"argmax\"" })
  // The grid is angles × radii × levels points, each a kernel evaluation: bounded before any work.
  if (options.angles !== undefined) checkCount("options.angles", options.angles, 1, 4096)
  if (options.radii !== undefined) checkNumbers("options.radii", options.radii, 4096)
  if (options.levels !== undefined) checkNumbers("options.levels", options.levels, 64)
  const model = which === "softmax"
    ? Model.perturbSoftmax({ space: spec.space, noise: spec.noise, temperature: options.temperature ?? spec.temperature ?? 1 })
    : Model.perturbArgmax({ space: spec.space, noise: spec.noise })
  const kernels = compile(model)
  const k = kernels.freeDim
  const radii = options.radii ?? defaultRadii()
  const angles = options.angles ?? 64
  const levels = k >= 3 ? options.levels ?? [-2, 0, 2] : [0]
  const us: Array<Array<number>> = []
  const sheetOf: Array<number> = []
  const lines: Array<Array<number>> = []
  const sheets: Array<string> = []
  levels.forEach((level, s) => {
    sheets.push(k === 3 ? `u₃ = ${level}` : k > 3 ? `u₃ = … = u${k} = ${level}` : "Θ")
    const base = us.length
    const index = (a: number, r: number) => base + a * radii.length + r
    if (k <= 1) {
      // A line: t = ±r.
      const ts = k === 0 ? [0] : [...radii.slice().reverse().map((r) => -r), ...radii.slice(1)]
      for (const t of ts) (us.push(k === 0 ? [] : [t]), sheetOf.push(s))
      lines.push(ts.map((_, i) => base + i))
      return
    }
    for (let a = 0; a < angles; a++) {
      const phi = (2 * Math.PI * a) / angles
      for (const r of radii) {
        const u = new Array<number>(k).fill(level)
        u[0] = r * Math.cos(phi)
        u[1] = r * Math.sin(phi)
        us.push(u)
        sheetOf.push(s)
      }
      lines.push(radii.map((_, r) => index(a, r)))
    }
    for (let r = 1; r < radii.length; r += 3) lines.push([...Array.from({ length: angles }, (_, a) => index(a, r)), index(0, r)])
  })
  const { thetas, probs } = scoped(() => {
    const u = tf.tensor2d(us.flat(), [us.length, k])
    const theta = kernels.theta(u)
    const opts = which === "softmax" ? { method: "qmc" as const, samples: options.samples ?? 256, key: options.key ?? Key.make(0) } : {}
    const r = kernels.probs(theta, opts)
    return { thetas: theta.arraySync() as Array<Array<number>>, probs: r.probs.arraySync() as Array<Array<number>> }
  })
  return {
    points: probs.map((p, i) => ({ p, theta: thetas[i]!, sheet: sheetOf[i]! })),
    lines,
    sheets,
    freeDim: k
  }
}

/**
 * The fraction of the cells of the triangle, cut into `cells²` equal small triangles, that hold at
 * least one of the points: near 1 for a complete space's image, near `2/cells` for a line.
 *
 * @since 0.1.0
 * @category combinators
 */
export const coverage = (points: ReadonlyArray<ArrayLike<number>>, cells = 20): number => {
  if (!Array.isArray(points)) throw new InvalidArgument({ argument: "points", value: points, reason: "Expected an array of points of the triangle" })
  checkCount("cells", cells, 1, 10_000)
  const hit = new Set<number>()
  for (const p of points) {
    const x = Math.min(Math.max(p[1]! * cells, 0), cells - 1e-9)
    const y = Math.min(Math.max(p[2]! * cells, 0), cells - 1e-9)
    const i = Math.floor(x)
    let j = Math.floor(y)
    // Cell (i, j) holds an upward triangle and, when i + j ≤ cells − 2, a downward one.
    let up = x - i + (y - j) < 1 ? 0 : 1
    if (i + j > cells - 1) (j = cells - 1 - i, up = 0)
    hit.add((i * (cells + 1) + j) * 2 + up)
  }
  return hit.size / (cells * cells)
}

const SHEET_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]

/**
 * Draws the image of Θ in the probability triangle (d = 3). See the module header.
 *
 * @example
 * import { Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * import { renderSimplexImage } from "@perturb/analysis"
 * const { svg, png } = renderSimplexImage({ space: Space.affine({ C: [[1, -1, 0]], e: [0] }), noise: Noise.normal() })
 * @since 0.1.0
 * @category constructors
 */
export const renderSimplexImage = (spec: PictureSpec, options0?: SimplexImageOptions): Picture & { readonly image: SimplexImage } => {
  const options = optionsObject("options", options0)
  if (options.pngWidth !== undefined) checkCount("options.pngWidth", options.pngWidth, 1, 16384)
  const image = simplexImage(spec, options)
  const which = options.model ?? spec.model ?? "argmax"
  const W = 560
  const H = 560
  const side = 440
  const x0 = (W - side) / 2
  const yBase = 470
  const h = (side * Math.sqrt(3)) / 2
  const V = [[x0, yBase], [x0 + side, yBase], [x0 + side / 2, yBase - h]] as const
  const xy = (p: ReadonlyArray<number>): [number, number] => [
    p[0]! * V[0][0] + p[1]! * V[1][0] + p[2]! * V[2][0],
    p[0]! * V[0][1] + p[1]! * V[1][1] + p[2]! * V[2][1]
  ]
  const out: Array<string> = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, sans-serif">`)
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`)
  const title = options.title ?? `Image of Θ in the probability triangle`
  out.push(`<text x="${W / 2}" y="26" text-anchor="middle" font-size="18" font-weight="bold">${esc(title)}</text>`)
  const spaceName = Space.isSpace(spec.space) ? describe(spec.space) : ""
  out.push(`<text x="${W / 2}" y="48" text-anchor="middle" font-size="13" fill="#444">${esc(`Perturb-${which === "softmax" ? "Softmax" : "Argmax"}, Θ = ${spaceName}, noise ${String(spec.noise)}, ${image.freeDim} free parameter${image.freeDim === 1 ? "" : "s"}`)}</text>`)
  // Guide lines p_i = 1/4, 1/2, 3/4.
  for (const q of [0.25, 0.5, 0.75]) {
    for (let i = 0; i < 3; i++) {
      const a = [0, 0, 0]
      const b = [0, 0, 0]
      a[i] = q
      b[i] = q
      a[(i + 1) % 3] = 1 - q
      b[(i + 2) % 3] = 1 - q
      const [ax, ay] = xy(a)
      const [bx, by] = xy(b)
      out.push(`<line x1="${n2(ax)}" y1="${n2(ay)}" x2="${n2(bx)}" y2="${n2(by)}" stroke="#ddd" stroke-width="0.8"/>`)
    }
  }
  out.push(`<polygon points="${V.map(([x, y]) => `${x},${n2(y)}`).join(" ")}" fill="none" stroke="#222" stroke-width="1.5"/>`)
  const colour = (s: number) => SHEET_COLOURS[s % SHEET_COLOURS.length]!
  for (const line of image.lines) {
    const pts = line.map((i) => xy(image.points[i]!.p))
    const s = image.points[line[0]!]!.sheet
    out.push(`<polyline points="${pts.map(([x, y]) => `${n2(x)},${n2(y)}`).join(" ")}" fill="none" stroke="${colour(s)}" stroke-opacity="0.45" stroke-width="0.9"/>`)
  }
  for (const pt of image.points) {
    const [x, y] = xy(pt.p)
    out.push(`<circle cx="${n2(x)}" cy="${n2(y)}" r="1.4" fill="${colour(pt.sheet)}" fill-opacity="0.6"/>`)
  }
  out.push(`<text x="${V[0][0] - 8}" y="${V[0][1] + 20}" text-anchor="middle" font-size="14">e₁ (p₁ = 1)</text>`)
  out.push(`<text x="${V[1][0] + 8}" y="${V[1][1] + 20}" text-anchor="middle" font-size="14">e₂ (p₂ = 1)</text>`)
  out.push(`<text x="${V[2][0]}" y="${n2(V[2][1] - 10)}" text-anchor="middle" font-size="14">e₃ (p₃ = 1)</text>`)
  const cov = coverage(image.points.map((x) => x.p))
  out.push(`<text x="14" y="${H - 14}" font-size="12" fill="#444">${esc(`cells of a 20×20 triangular grid hit: ${Math.round(cov * 100)}% · P(θ(u)), u on a polar grid`)}</text>`)
  if (image.sheets.length > 1) {
    image.sheets.forEach((name, s) => {
      out.push(`<rect x="${W - 150}" y="${70 + s * 20}" width="12" height="12" fill="${colour(s)}"/>`)
      out.push(`<text x="${W - 132}" y="${80 + s * 20}" font-size="12">${esc(name)}</text>`)
    })
    out.push(`<text x="${W - 150}" y="${80 + image.sheets.length * 20 + 6}" font-size="11" fill="#444">overlapping sheets:</text>`)
    out.push(`<text x="${W - 150}" y="${80 + image.sheets.length * 20 + 20}" font-size="11" fill="#444">P is many-to-one</text>`)
  }
  out.push(`</svg>`)
  const svg = out.join("\n")
  const width = options.pngWidth ?? 2 * W
  return { svg, png: svgToPng(svg, width), width, height: Math.round((width * H) / W), image }
}

const describe = (s: Space.Space): string => {
  switch (s._tag) {
    case "Reals":
      return `ℝ^${s.dim}`
    case "Pinned":
      return `{θ${s.index + 1} = ${s.value}}`
    case "ZeroSum":
      return "{Σθ = 0}"
    case "Affine":
      return s.C.map((row, q) => `${row.map((c, j) => (c === 0 ? "" : `${c === 1 ? "+" : c === -1 ? "−" : c > 0 ? `+${c}` : `${c}`}θ${j + 1}`)).join("").replace(/^\+/, "")} = ${s.e[q]}`).join(", ")
    case "Box":
      return `box [${Math.min(...s.lo)}, ${Math.max(...s.hi)}]^${s.dim}`
    case "Polyhedron":
      return "polyhedron"
    case "Intersection":
      return `${describe(s.left)} ∩ ${describe(s.right)}`
  }
}

const CURVE_COLOURS = ["#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#ff7f0e", "#8c564b"]

/**
 * Draws Perturb-Argmax's `P₂(θ = (0, t))` against `t` for several laws (d = 2), as the paper's
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
  const noises = options.noises ?? [
    { label: "Gumbel (= logistic P₂)", noise: Noise.gumbel() },
    { label: "Normal", noise: Noise.normal() },
    { label: "Uniform[0, 1] (Prop 5.4: saturates)", noise: Noise.uniform() },
    { label: "discrete {0, 1} (Prop 5.5: jumps)", noise: Noise.discrete({ atoms: [0, 1] }) }
  ]
  const [t0, t1] = options.range ?? [-3, 3]
  if (!(t1 > t0) || !Number.isFinite(t0) || !Number.isFinite(t1)) throw new InvalidArgument({ argument: "options.range", value: options.range, reason: "Expected [lo, hi] with lo < hi" })
  const W = 720
  const H = 480
  const L = 70
  const R = W - 30
  const T = 70
  const B = H - 60
  const X = (t: number) => L + ((t - t0) / (t1 - t0)) * (R - L)
  const Y = (p: number) => B - p * (B - T)
  const out: Array<string> = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, sans-serif">`)
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`)
  out.push(`<text x="${W / 2}" y="28" text-anchor="middle" font-size="18" font-weight="bold">${esc(options.title ?? "Perturb-Argmax, d = 2: P₂(θ = (0, t)) against t")}</text>`)
  out.push(`<text x="${W / 2}" y="50" text-anchor="middle" font-size="13" fill="#444">pinned space θ₁ = 0, i.i.d. noise; exact probabilities</text>`)
  // Axes, ticks and grid.
  for (let t = Math.ceil(t0); t <= t1; t++) {
    out.push(`<line x1="${n2(X(t))}" y1="${T}" x2="${n2(X(t))}" y2="${B}" stroke="#eee"/>`)
    out.push(`<text x="${n2(X(t))}" y="${B + 18}" text-anchor="middle" font-size="12">${t}</text>`)
  }
  for (const p of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(`<line x1="${L}" y1="${n2(Y(p))}" x2="${R}" y2="${n2(Y(p))}" stroke="#eee"/>`)
    out.push(`<text x="${L - 8}" y="${n2(Y(p) + 4)}" text-anchor="end" font-size="12">${p}</text>`)
  }
  out.push(`<rect x="${L}" y="${T}" width="${R - L}" height="${B - T}" fill="none" stroke="#222"/>`)
  out.push(`<text x="${(L + R) / 2}" y="${H - 18}" text-anchor="middle" font-size="14">t = θ₂ − θ₁</text>`)
  out.push(`<text x="18" y="${(T + B) / 2}" text-anchor="middle" font-size="14" transform="rotate(-90 18 ${(T + B) / 2})">P₂(0, t)</text>`)
  const n = 601
  const ts = Array.from({ length: n }, (_, i) => t0 + ((t1 - t0) * (i + 0.5)) / n)
  noises.forEach(({ label, noise }, c) => {
    const kernels = compile(Model.perturbArgmax({ space: Space.pinned(2), noise }))
    const p2 = (rows: ReadonlyArray<number>): Array<number> =>
      scoped(() => (kernels.probs(tf.tensor2d(rows.flatMap((t) => [0, t]), [rows.length, 2])).probs.arraySync() as Array<Array<number>>).map((r) => r[1]!))
    const ys = p2(ts)
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
    if (atoms !== undefined) {
      // Kinks of M along t: where t + a = b for atoms a, b of the two coordinates.
      const kinks = [...new Set(atoms.flatMap((a) => atoms.map((b) => b - a)))].filter((t) => t > t0 && t < t1).sort((a, b) => a - b)
      const eps = 1e-7
      const sides = p2(kinks.flatMap((t) => [t - eps, t + eps]))
      kinks.forEach((t, i) => {
        const lo = sides[2 * i]!
        const hi = sides[2 * i + 1]!
        out.push(`<line x1="${n2(X(t))}" y1="${n2(Y(lo))}" x2="${n2(X(t))}" y2="${n2(Y(hi))}" stroke="${colour}" stroke-width="5" stroke-opacity="0.45"/>`)
        out.push(`<circle cx="${n2(X(t))}" cy="${n2(Y(lo))}" r="3.5" fill="white" stroke="${colour}" stroke-width="1.5"/>`)
        out.push(`<circle cx="${n2(X(t))}" cy="${n2(Y(hi))}" r="3.5" fill="white" stroke="${colour}" stroke-width="1.5"/>`)
        out.push(annotation(X(t) + 8, Y((lo + hi) / 2) + 4, `∂M: P₂ ∈ [${fmtFrac(lo)}, ${fmtFrac(hi)}]`, colour, "start"))
      })
    } else if (isBounded(noise)) {
      // Saturation: the curve reaches 0 and 1 at finite t and stays there.
      const first1 = ts.find((_, i) => ys[i]! >= 1 - 1e-9)
      const last0 = [...ts].reverse().find((t) => ys[ts.indexOf(t)]! <= 1e-9)
      // Labels sit where no curve passes: below the curves right of t = 1, above them left of t = −1.
      for (const [t, text, anchor] of [[last0, "P = (1, 0) for t ≤ −1", "end"], [first1, "P = (0, 1) for t ≥ 1", "start"]] as const) {
        if (t === undefined) continue
        const tt = Math.round(t)
        out.push(`<line x1="${n2(X(tt))}" y1="${T}" x2="${n2(X(tt))}" y2="${B}" stroke="${colour}" stroke-dasharray="5 4"/>`)
        out.push(annotation(X(tt) + (anchor === "start" ? 6 : -6), anchor === "start" ? Y(0.55) : Y(0.45), `saturates: ${text}`, colour, anchor))
      }
    }
    out.push(`<line x1="${L + 12}" y1="${T + 18 + c * 20}" x2="${L + 40}" y2="${T + 18 + c * 20}" stroke="${colour}" stroke-width="3"/>`)
    out.push(`<text x="${L + 46}" y="${T + 22 + c * 20}" font-size="12">${esc(label)}</text>`)
  })
  out.push(`</svg>`)
  const svg = out.join("\n")
  const width = options.pngWidth ?? 2 * W
  return { svg, png: svgToPng(svg, width), width, height: Math.round((width * H) / W) }
}

/** An annotation on a white box (resvg ignores `paint-order`, so a halo needs a real rectangle). */
const annotation = (x: number, y: number, text: string, colour: string, anchor: "start" | "end"): string => {
  const w = 6.4 * [...text].length + 6
  const left = anchor === "start" ? x - 3 : x - w + 3
  return `<rect x="${n2(left)}" y="${n2(y - 13)}" width="${w}" height="17" fill="white" fill-opacity="0.85"/>\n<text x="${n2(x)}" y="${n2(y)}" text-anchor="${anchor}" font-size="12" fill="${colour}">${esc(text)}</text>`
}

const fmtFrac = (x: number): string => {
  for (const q of [2, 3, 4, 8]) {
    const m = Math.round(x * q)
    if (Math.abs(x * q - m) < 1e-6) return m === 0 ? "0" : m === q ? "1" : `${m}/${q}`
  }
  return String(Number(x.toPrecision(3)))
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

/**
 * The picture that fits a report (or a space and noise): the image of Θ in the triangle for d = 3,
 * the probability curves for d = 2 (the report's noise first, then the paper's comparison laws).
 * Throws `InvalidArgument` for any other dimension.
 *
 * @example
 * import { Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * import { analyze, renderPicture } from "@perturb/analysis"
 * const { svg, png } = renderPicture(analyze(Space.reals(3), Noise.gumbel()))
 * @since 0.1.0
 * @category constructors
 */
export const renderPicture = (input: Report | PictureSpec, options0?: SimplexImageOptions & CurvesOptions): Picture => {
  if (typeof input !== "object" || input === null) throw new InvalidArgument({ argument: "input", value: input, reason: "Expected a Report or { space, noise }" })
  const options = optionsObject("options", options0)
  if ("dim" in input) checkReport(input, "input")
  else checkSpec(input, (input.space as { dim?: number } | null)?.dim ?? 0)
  const spec: PictureSpec = "dim" in input
    ? { space: input.space, noise: input.noise, model: input.argmax !== undefined ? "argmax" : "softmax", temperature: input.temperature }
    : input
  const d = spec.space.dim
  if (d === 3) return renderSimplexImage(spec, options)
  if (d === 2) {
    const base = [
      { label: "Gumbel (= logistic P₂)", noise: Noise.gumbel() as NoiseLike },
      { label: "Normal", noise: Noise.normal() as NoiseLike },
      { label: "Uniform[0, 1] (Prop 5.4: saturates)", noise: Noise.uniform() as NoiseLike },
      { label: "discrete {0, 1} (Prop 5.5: jumps)", noise: Noise.discrete({ atoms: [0, 1] }) as NoiseLike }
    ]
    const own = String(spec.noise)
    const noises = options.noises ?? [
      ...(base.some((b) => String(b.noise) === own) ? [] : [{ label: `${own} (this report)`, noise: spec.noise }]),
      ...base
    ]
    return renderProbabilityCurves({ ...options, noises })
  }
  throw new InvalidArgument({ argument: "space.dim", value: d, reason: "Pictures exist for d = 2 (probability curves) and d = 3 (the probability triangle)" })
}
