/**
 * A space's constraints as data: the sparse row form `g·θ ≤ rhs` / `g·θ = rhs` with labels naming
 * the constructor behind each row, and the read-only decisions built on it — a point of Θ, the
 * recession cone, a chord along a direction, the coordinates Θ forces equal. One constraint system
 * for core (canonical form, LP system, `contains`, the hull) and `@perturb/analysis` (its theorems).
 *
 * Laws (tested): `Space.contains(space, feasiblePoint(space))`; `rows` lists exactly the
 * constraints of `Space.canonical` (equations to `C, e`, inequalities to `A, b`), in the same order;
 * `reals` has no rows, and `pinned`, `zeroSum` and boxes have O(d) rows.
 *
 * Separate from the `Space` façade because it is the layer below the user's DSL: rows, LP rows and
 * cones are what one needs to write a new decision about spaces, not to build one.
 *
 * @since 0.2.0
 */
export type { Row } from "./space/model.js"
export { coordCentre } from "./space/hull.js"
export { chord, equalCoordinates, feasiblePoint, lpRows, recessionCone, rows } from "./space/polyhedral.js"
