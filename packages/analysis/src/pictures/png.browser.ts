/**
 * PNG in a browser: none. A wasm rasteriser would need the fonts the page cannot read from the
 * system, and the browser already draws the SVG itself. Selected by the `browser`/`default`
 * conditions of the `#png` import.
 */
import { PngUnavailable } from "./unavailable.js"

export const renderPng = (_svg: string, _width: number): Uint8Array => {
  throw new PngUnavailable({ reason: "this is the browser build of @perturb/analysis, which draws SVG only: use picture.svg (an <img> source, or drawn on a canvas for a bitmap)" })
}
