/**
 * Pictures of the representation properties, as SVG strings (PNG through `@resvg/resvg-js` in Node;
 * SVG only in a browser), drawn without a browser:
 *
 * - `d = 3` — **the image of Θ in the probability triangle**: the free parameters `u` run over a
 *   polar grid (rays and rings, radii growing geometrically to large values) and each `P(θ(u))` is
 *   plotted in barycentric coordinates. A complete space fills the triangle; an incomplete one
 *   leaves empty regions (`{θ₀ = θ₁}` collapses onto the median `p₀ = p₁`, a box onto a blob). With
 *   three or more free parameters the remaining ones take a few levels, drawn in different colours:
 *   on `ℝ³` the sheets `θ₂ = c` land on the same triangle, so the map is visibly many-to-one.
 * - `d = 2` — **probability curves** `P₁(θ = (0, t))` against `t`, as the paper's Figure 3
 *   (`pictures/curves.ts`).
 *
 * Coordinates are numbered from 0, as in the reasons and the paper (`internal/format.ts`).
 *
 * Perturb-Argmax probabilities are exact; Perturb-Softmax ones are QMC estimates with a fixed key,
 * so a picture is reproducible.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs"
import { compile, DimensionMismatch, InvalidArgument, Model, Space } from "@perturb/core"
import { Key, Noise, type NoiseLike } from "@perturb/noise"
import type { Report } from "./Analyze.js"
import { checkCount, checkNumbers, checkReport, optionsObject } from "./internal/checks.js"
import { coordinate, spaceFormula } from "./internal/format.js"
import { scoped } from "./internal/numeric.js"
import { type CurvesOptions, paperLaws, renderProbabilityCurves } from "./pictures/curves.js"
import { esc, n2, type Picture, picture } from "./pictures/svg.js"

export { type CurvesOptions, renderProbabilityCurves } from "./pictures/curves.js"
export { type Picture, svgToPng } from "./pictures/svg.js"
export { PngUnavailable } from "./pictures/unavailable.js"

/**
 * What to draw when there is no report: a space and a noise (and which model).
 *
 * @example
 * import { type PictureSpec, simplexImage } from "@perturb/analysis"
 * import { Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const spec: PictureSpec = { space: Space.pinned(3), noise: Noise.normal(), model: "argmax" }
 * simplexImage(spec, { angles: 8, radii: [0, 1] }).points.length
 * @since 0.1.0
 * @category models
 */
export interface PictureSpec {
  /** Θ: its image under P is drawn. */
  readonly space: Space.Space
  /** The noise law of the model. */
  readonly noise: NoiseLike
  /** Perturb-Argmax (default) or Perturb-Softmax. */
  readonly model?: "softmax" | "argmax"
  /** τ for Perturb-Softmax (default 1). */
  readonly temperature?: number
}

/**
 * @example
 * import { simplexImage, type SimplexImageOptions } from "@perturb/analysis"
 * import { Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const coarse: SimplexImageOptions = { angles: 8, radii: [0, 0.5, 2] }
 * simplexImage({ space: Space.pinned(3), noise: Noise.gumbel() }, coarse)
 * @since 0.1.0
 * @category models
 */
export interface SimplexImageOptions {
  /** Perturb-Argmax (default; exact probabilities) or Perturb-Softmax (QMC). */
  readonly model?: "softmax" | "argmax"
  /** τ for Perturb-Softmax (default 1). */
  readonly temperature?: number
  /** Radii of the polar grid of free parameters (default: 0 and 24 geometric steps from 0.05 to 40). */
  readonly radii?: ReadonlyArray<number>
  /** Rays of the polar grid (default 64). */
  readonly angles?: number
  /** Levels of the third and further free parameters (default −2, 0, 2). */
  readonly levels?: ReadonlyArray<number>
  /** QMC points per Perturb-Softmax estimate (default 256) and their key (default `Key.make(0)`). */
  readonly samples?: number
  /** See `samples`. */
  readonly key?: Key.Key
  /** A title drawn above the triangle. */
  readonly title?: string
  /** PNG width in pixels (default 1120: the 560-unit SVG at 2×). */
  readonly pngWidth?: number
}

/**
 * The sampled image of Θ: every point with its probabilities, its θ, and its sheet (level index).
 *
 * @example
 * import { type SimplexImage, simplexImage } from "@perturb/analysis"
 * import { Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const image: SimplexImage = simplexImage({ space: Space.pinned(3), noise: Noise.gumbel() }, { angles: 8, radii: [0, 1] })
 * image.points[0]?.p // a point of the triangle, with the θ it came from
 * @since 0.1.0
 * @category models
 */
export interface SimplexImage {
  /** Each grid point's P(θ) in the triangle, its θ, and the sheet (level of the further free parameters) it lies on. */
  readonly points: ReadonlyArray<{
    /** P(θ), a point of the triangle. */
    readonly p: ReadonlyArray<number>
    /** The θ it came from. */
    readonly theta: ReadonlyArray<number>
    /** The sheet it lies on (an index into `sheets`). */
    readonly sheet: number
  }>
  /** Polylines (indices into `points`) along rays and rings of the grid, per sheet. */
  readonly lines: ReadonlyArray<ReadonlyArray<number>>
  /** Each sheet's label. */
  readonly sheets: ReadonlyArray<string>
  /** The space's number of free parameters. */
  readonly freeDim: number
}

const defaultRadii = (): Array<number> => [0, ...Array.from({ length: 24 }, (_, i) => 0.05 * Math.pow(800, i / 23))]

const checkSpec = (spec: PictureSpec, d: number): void => {
  if (typeof spec !== "object" || spec === null) throw new InvalidArgument({ argument: "spec", value: spec, reason: "Expected { space, noise }" })
  if (!Space.isSpace(spec.space)) throw new InvalidArgument({ argument: "space", value: spec.space, reason: "Expected a Space" })
  if (!Noise.isNoise(spec.noise)) throw new InvalidArgument({ argument: "noise", value: spec.noise, reason: "Expected a noise law" })
  if (spec.space.dim !== d) throw new DimensionMismatch({ argument: "space.dim", expected: d, received: spec.space.dim })
}

/**
 * The free parameters `u` to draw: per level of the third and further ones, a polar grid in the
 * first two (a line for k ≤ 1), with the polylines along its rays and every third ring.
 */
const polarGrid = (k: number, radii: ReadonlyArray<number>, angles: number, levels: ReadonlyArray<number>) => {
  const us: Array<Array<number>> = []
  const sheetOf: Array<number> = []
  const lines: Array<Array<number>> = []
  const sheets: Array<string> = []
  levels.forEach((level, s) => {
    sheets.push(k === 3 ? `${coordinate("u", 2)} = ${level}` : k > 3 ? `${coordinate("u", 2)} = … = ${coordinate("u", k - 1)} = ${level}` : "Θ")
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
  return { us, sheetOf, lines, sheets }
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
  const { us, sheetOf, lines, sheets } = polarGrid(k, radii, angles, levels)
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
 * @example
 * import { coverage } from "@perturb/analysis"
 * coverage([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1 / 3, 1 / 3, 1 / 3]]) // share of the triangle's cells hit
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

// The triangle's layout, in SVG units: a 560 × 560 document, the side 440 wide.
const W = 560
const H = 560
const side = 440
const x0 = (W - side) / 2
const yBase = 470
const h = (side * Math.sqrt(3)) / 2
const V = [[x0, yBase], [x0 + side, yBase], [x0 + side / 2, yBase - h]] as const
/** A point of the simplex in barycentric coordinates, in SVG units. */
const xy = (p: ReadonlyArray<number>): [number, number] => [
  p[0]! * V[0][0] + p[1]! * V[1][0] + p[2]! * V[2][0],
  p[0]! * V[0][1] + p[1]! * V[1][1] + p[2]! * V[2][1]
]

/** The triangle and its guide lines. */
const triangle = (): Array<string> => {
  const out: Array<string> = []
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
  return out
}

/** The vertices: e_i where p_i = 1. */
const vertexLabels = (): Array<string> => {
  const vertex = (i: number) => `${coordinate("e", i)} (${coordinate("p", i)} = 1)`
  return [
    `<text x="${V[0][0] - 8}" y="${V[0][1] + 20}" text-anchor="middle" font-size="14">${vertex(0)}</text>`,
    `<text x="${V[1][0] + 8}" y="${V[1][1] + 20}" text-anchor="middle" font-size="14">${vertex(1)}</text>`,
    `<text x="${V[2][0]}" y="${n2(V[2][1] - 10)}" text-anchor="middle" font-size="14">${vertex(2)}</text>`
  ]
}

/** The sheets' colours, and what their overlap says. */
const legend = (sheets: ReadonlyArray<string>, colour: (s: number) => string): Array<string> => {
  const out: Array<string> = []
  sheets.forEach((name, s) => {
    out.push(`<rect x="${W - 150}" y="${70 + s * 20}" width="12" height="12" fill="${colour(s)}"/>`)
    out.push(`<text x="${W - 132}" y="${80 + s * 20}" font-size="12">${esc(name)}</text>`)
  })
  out.push(`<text x="${W - 150}" y="${80 + sheets.length * 20 + 6}" font-size="11" fill="#444">overlapping sheets:</text>`)
  out.push(`<text x="${W - 150}" y="${80 + sheets.length * 20 + 20}" font-size="11" fill="#444">P is many-to-one</text>`)
  return out
}

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
export const renderSimplexImage = (spec: PictureSpec, options0?: SimplexImageOptions): Picture & {
  /** The sampled image the picture was drawn from (`simplexImage` of the same spec and options). */
  readonly image: SimplexImage
} => {
  const options = optionsObject("options", options0)
  if (options.pngWidth !== undefined) checkCount("options.pngWidth", options.pngWidth, 1, 16384)
  const image = simplexImage(spec, options)
  const which = options.model ?? spec.model ?? "argmax"
  const out: Array<string> = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, sans-serif">`)
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`)
  const title = options.title ?? `Image of Θ in the probability triangle`
  out.push(`<text x="${W / 2}" y="26" text-anchor="middle" font-size="18" font-weight="bold">${esc(title)}</text>`)
  const spaceName = Space.isSpace(spec.space) ? spaceFormula(spec.space) : ""
  out.push(`<text x="${W / 2}" y="48" text-anchor="middle" font-size="13" fill="#444">${esc(`Perturb-${which === "softmax" ? "Softmax" : "Argmax"}, Θ = ${spaceName}, noise ${String(spec.noise)}, ${image.freeDim} free parameter${image.freeDim === 1 ? "" : "s"}`)}</text>`)
  out.push(...triangle())
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
  out.push(...vertexLabels())
  const cov = coverage(image.points.map((x) => x.p))
  out.push(`<text x="14" y="${H - 14}" font-size="12" fill="#444">${esc(`cells of a 20×20 triangular grid hit: ${Math.round(cov * 100)}% · P(θ(u)), u on a polar grid`)}</text>`)
  if (image.sheets.length > 1) out.push(...legend(image.sheets, colour))
  out.push(`</svg>`)
  const svg = out.join("\n")
  const width = options.pngWidth ?? 2 * W
  // assigned onto the picture, not spread, so `png` stays a lazy getter
  return Object.assign(picture(svg, width, Math.round((width * H) / W)), { image })
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
    const base = paperLaws()
    const own = String(spec.noise)
    const noises = options.noises ?? [
      ...(base.some((b) => String(b.noise) === own) ? [] : [{ label: `${own} (this report)`, noise: spec.noise }]),
      ...base
    ]
    return renderProbabilityCurves({ ...options, noises })
  }
  throw new InvalidArgument({ argument: "space.dim", value: d, reason: "Pictures exist for d = 2 (probability curves) and d = 3 (the probability triangle)" })
}
