/**
 * The statistical traits of a noise law: the facts `@perturb/analysis` reads to decide which of the
 * paper's theorems apply (finite mean for Thm 4.1, a positive differentiable density for Thm 5.3,
 * bounded support for Prop 5.4, atoms for Prop 5.5). They must be right for every law.
 *
 * @since 0.1.0
 */

/**
 * How fast the law's mass decays at one end of its support.
 * - `bounded`: the support ends at a finite point;
 * - `light`: faster than every power (exponential or Gaussian decay);
 * - `heavy`: polynomial decay (Student-t, Cauchy).
 *
 * @since 0.1.0
 * @category models
 */
export type Tail = "bounded" | "light" | "heavy"

/**
 * Where the law puts its mass: an interval (possibly half-bounded or all of ℝ) or finitely many atoms.
 *
 * @since 0.1.0
 * @category models
 */
export type Support =
  | { readonly _tag: "Interval"; readonly lower: number; readonly upper: number }
  | { readonly _tag: "Atoms"; readonly atoms: ReadonlyArray<number> }

/**
 * Whether the density is differentiable on all of ℝ, except on a null set (kinks or jumps, e.g. the
 * edges of a Uniform law), or not at all (no density: discrete laws).
 *
 * @since 0.1.0
 * @category models
 */
export type Differentiability = "everywhere" | "almostEverywhere" | "no"

/**
 * @since 0.1.0
 * @category models
 */
export interface Traits {
  readonly support: Support
  readonly kind: "continuous" | "discrete"
  /** The density is strictly positive on all of ℝ (needed by Thm 5.3). */
  readonly densityPositive: boolean
  readonly densityDifferentiable: Differentiability
  readonly finiteMean: boolean
  readonly tails: { readonly lower: Tail; readonly upper: Tail }
  /** The law is symmetric about some point. */
  readonly symmetric: boolean
}

/**
 * Support of all of ℝ.
 *
 * @since 0.1.0
 * @category constructors
 */
export const realLine: Support = { _tag: "Interval", lower: -Infinity, upper: Infinity }

/**
 * True when the support is bounded on both sides.
 *
 * @since 0.1.0
 * @category guards
 */
export const isBounded = (traits: Traits): boolean =>
  traits.tails.lower === "bounded" && traits.tails.upper === "bounded"
