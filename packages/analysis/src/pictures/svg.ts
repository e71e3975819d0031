/**
 * SVG documents as strings and their PNG rendering (resvg, system fonts, in Node; none in a
 * browser, where `#png` resolves to a renderer that raises `PngUnavailable`): what every picture
 * shares.
 */
import { InvalidArgument } from "@perturb/core"
import { renderPng } from "#png"
import { checkCount } from "../internal/checks.js"

/**
 * An SVG document and its PNG rendering. `png` is rendered when first read (then kept), so SVG-only
 * users never pay for rasterising, and in a browser reading it throws `PngUnavailable`.
 *
 * @example
 * import { type Picture, renderProbabilityCurves } from "@perturb/analysis"
 * const picture: Picture = renderProbabilityCurves()
 * picture.svg.startsWith("<svg") // true; picture.png where a renderer is available
 * @since 0.1.0
 * @category models
 */
export interface Picture {
  /** The picture as standalone SVG text. */
  readonly svg: string
  /** The same picture as PNG bytes. */
  readonly png: Uint8Array
  /** The SVG's width in user units. */
  readonly width: number
  /** The SVG's height in user units. */
  readonly height: number
}

export const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")
/** An SVG coordinate, to 2 decimals. */
export const n2 = (x: number): string => (Math.round(x * 100) / 100).toString()

/**
 * Renders an SVG document to PNG bytes with resvg (system fonts, white background). In a browser
 * build it throws `PngUnavailable`.
 *
 * @example
 * import { svgToPng } from "@perturb/analysis"
 * const png = svgToPng("<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>", 20) // Node: resvg
 * @since 0.1.0
 * @category constructors
 */
export const svgToPng = (svg: string, width = 1120): Uint8Array => {
  if (typeof svg !== "string") throw new InvalidArgument({ argument: "svg", value: svg, reason: "Expected an SVG document as a string" })
  checkCount("width", width, 1, 16384)
  return renderPng(svg, width)
}

/** A picture whose PNG is rendered on first read. */
export const picture = (svg: string, width: number, height: number): Picture => {
  let png: Uint8Array | undefined
  return {
    svg,
    width,
    height,
    get png() {
      return png ??= svgToPng(svg, width)
    }
  }
}

