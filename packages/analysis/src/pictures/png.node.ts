/**
 * PNG in Node: resvg's native binary with the system fonts. Selected by the `node` condition of
 * the `#png` import, so browser bundles never meet the `.node` file or `fs`/`path`.
 */
import { Resvg } from "@resvg/resvg-js"

export const renderPng = (svg: string, width: number): Uint8Array => {
  const png = new Resvg(svg, {
    fitTo: { mode: "width", value: width },
    background: "white",
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" }
  }).render().asPng()
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength)
}
