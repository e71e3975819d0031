/**
 * Parameter spaces `Θ ⊆ ℝ^d` (docs/math.md §1): plain immutable data with a closed `_tag` union, typed
 * by their dimension (`Space.pinned(10)` is a `Space<10>`).
 *
 * Laws every space honours (tested):
 * - it is non-empty: a constructor whose constraints admit no point throws `EmptySpace`, naming the
 *   conflicting constraints;
 * - `contains(space, affineHull(space).point)`, and the hull's basis has orthonormal columns spanning
 *   exactly the directions the space can move in (implicit equalities of a polyhedron included);
 * - `canonical(space)` describes the same set: `{θ : Aθ ≤ b, Cθ = e}`;
 * - equality is structural, and `fromJSON(space.toJSON())` equals `space`.
 *
 * Constructors never build dense `d × d` data: `reals`, `pinned` and `zeroSum` stay O(1) in memory so
 * `d = 100 000` is cheap; `canonical` and `affineHull` materialise matrices only when asked.
 * Polyhedral decisions (non-emptiness, implicit equalities, interior centre, boundedness) are LPs
 * solved by HiGHS, loaded once when this module is imported. The constraints as sparse labelled
 * rows, and the decisions read off them, are the `Polyhedral` module.
 *
 * @since 0.1.0
 */
export {
  type Affine,
  type Box,
  type Intersection,
  isSpace,
  type JsonBound,
  type Kind,
  type Kinds,
  type Pinned,
  type Polyhedron,
  type Reals,
  type Space,
  type SpaceJson,
  TypeId,
  type ZeroSum
} from "./space/model.js"
// Every constructor is public: a new space kind's constructor is exported with no edit here.
export * from "./space/constructors.js"
export { fromJSON } from "./space/json.js"
export { canonical, type Canonical, type Row, system, type System } from "./space/constraints.js"
export { structure, type Structure } from "./space/structure.js"
export { affineHull, type AffineHull, contains, isAffine, isBounded } from "./space/hull.js"
