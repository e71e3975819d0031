/**
 * The probability triangle as `renderSimplexImage` draws it, read back from its SVG: the outer
 * `<polygon>`'s three vertices are e₀, e₁, e₂ (where p_i = 1), so a marker for P sits at Σ p_i V_i
 * and a click at (x, y) is the p whose barycentric coordinates those are. Reading the vertices
 * from the picture (not copying its layout constants) keeps the marker on the drawn triangle if
 * the picture's layout changes.
 */

export type Point = readonly [number, number]
export type Vertices = readonly [Point, Point, Point]

/** The triangle's vertices in SVG user units, from the first `<polygon>` (the picture draws exactly one). */
export const verticesOf = (svg: SVGSVGElement): Vertices => {
  const polygon = svg.querySelector("polygon")
  const nums = (polygon?.getAttribute("points") ?? "").trim().split(/[\s,]+/).map(Number)
  if (nums.length !== 6 || nums.some((x) => !Number.isFinite(x))) {
    throw new Error(`the picture has no triangle <polygon> with three vertices (points="${polygon?.getAttribute("points") ?? ""}")`)
  }
  return [[nums[0]!, nums[1]!], [nums[2]!, nums[3]!], [nums[4]!, nums[5]!]]
}

/** Σ p_i V_i: where the picture plots probabilities p. */
export const toXY = (p: ArrayLike<number>, V: Vertices): Point => [
  p[0]! * V[0][0] + p[1]! * V[1][0] + p[2]! * V[2][0],
  p[0]! * V[0][1] + p[1]! * V[1][1] + p[2]! * V[2][1]
]

/** The barycentric coordinates of (x, y), or undefined outside the triangle (a click on the margin). */
export const toBarycentric = ([x, y]: Point, V: Vertices): [number, number, number] | undefined => {
  const [[x0, y0], [x1, y1], [x2, y2]] = V
  const det = (y1 - y2) * (x0 - x2) + (x2 - x1) * (y0 - y2)
  const a = ((y1 - y2) * (x - x2) + (x2 - x1) * (y - y2)) / det
  const b = ((y2 - y0) * (x - x2) + (x0 - x2) * (y - y2)) / det
  const c = 1 - a - b
  return a < 0 || b < 0 || c < 0 ? undefined : [a, b, c]
}

/** A client (pixel) position inside `svg`, in its user units (the picture is scaled to fit the page). */
export const svgPoint = (svg: SVGSVGElement, clientX: number, clientY: number): Point => {
  const m = svg.getScreenCTM()
  if (m === null) return [clientX, clientY]
  const q = new DOMPoint(clientX, clientY).matrixTransform(m.inverse())
  return [q.x, q.y]
}
