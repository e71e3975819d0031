/**
 * The error a browser build raises for PNG: kept apart from `svg.ts` so both renderers can import it.
 */
import { Data } from "effect"

/**
 * No PNG renderer in this runtime: a browser build of `@perturb/analysis` draws SVG only (the
 * native resvg binary is Node's). Use `picture.svg`, e.g. as an `<img>` source or drawn on a canvas.
 *
 * @example
 * import { PngUnavailable, svgToPng } from "@perturb/analysis"
 * try { svgToPng("<svg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/>") }
 * catch (e) { if (e instanceof PngUnavailable) console.log(e.reason) }
 * @since 0.2.0
 * @category errors
 */
export class PngUnavailable extends Data.TaggedError("PngUnavailable")<{
  /** Why no PNG renderer is available here, and what to use instead. */
  readonly reason: string
}> {
  /** The error as one sentence with the reason. */
  override get message(): string {
    return `PNG rendering is unavailable: ${this.reason}`
  }
}
