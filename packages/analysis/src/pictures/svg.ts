/**
 * SVG documents as strings and their PNG rendering (resvg, system fonts): what every picture shares.
 */
import { Resvg } from "@resvg/resvg-js"
import { InvalidArgument } from "@perturb/core"
import { checkCount } from "../internal/checks.js"

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

export const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")
/** An SVG coordinate, to 2 decimals. */
export const n2 = (x: number): string => (Math.round(x * 100) / 100).toString()

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

