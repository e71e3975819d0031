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
 * @example
 * import { Noise } from "@perturb/noise"
 * const tail: Noise.Tail = Noise.cauchy().traits.tails.upper // "heavy"
 * @since 0.1.0
 * @category models
 */
export type Tail = "bounded" | "light" | "heavy"

/**
 * Where the law puts its mass: an interval (possibly half-bounded or all of ℝ) or finitely many atoms.
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * const s: Noise.Support = Noise.uniform().traits.support // { _tag: "Interval", lower: 0, upper: 1 }
 * @since 0.1.0
 * @category models
 */
export type Support =
  | {
    /** A continuous law's support: the closed interval [lower, upper]. */
    readonly _tag: "Interval"
    /** The left end (`-Infinity`: unbounded below). */
    readonly lower: number
    /** The right end (`Infinity`: unbounded above). */
    readonly upper: number
  }
  | {
    /** A discrete law's support: its atoms. */
    readonly _tag: "Atoms"
    /** The atoms, increasing. */
    readonly atoms: ReadonlyArray<number>
  }

/**
 * Whether the density is differentiable on all of ℝ, except on a null set (kinks or jumps, e.g. the
 * edges of a Uniform law), or not at all (no density: discrete laws).
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * const d: Noise.Differentiability = Noise.laplace().traits.densityDifferentiable // not at 0
 * @since 0.1.0
 * @category models
 */
export type Differentiability = "everywhere" | "almostEverywhere" | "no"

/**
 * @example
 * import { Noise } from "@perturb/noise"
 * const t: Noise.Traits = Noise.exponential().traits // what the theorems read: support, tails, atoms…
 * @since 0.1.0
 * @category models
 */
export interface Traits {
  /** Where the law puts its mass: an interval, or the atoms of a discrete law. */
  readonly support: Support
  /** Continuous (a density) or discrete (atoms). */
  readonly kind: "continuous" | "discrete"
  /** The density is strictly positive on all of ℝ (needed by Thm 5.3). */
  readonly densityPositive: boolean
  /** Where the density is differentiable. */
  readonly densityDifferentiable: Differentiability
  /** E[|X|] < ∞. */
  readonly finiteMean: boolean
  /** The weight of each tail: bounded, light (exponential or faster) or heavy. */
  readonly tails: {
    /** The left tail. */
    readonly lower: Tail
    /** The right tail. */
    readonly upper: Tail
  }
  /** The law is symmetric about some point. */
  readonly symmetric: boolean
}

/**
 * Support of all of ℝ.
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * Noise.normal().traits.support // { _tag: "Interval", lower: -Infinity, upper: Infinity }, i.e. realLine
 * @since 0.1.0
 * @category constructors
 */
export const realLine: Support = { _tag: "Interval", lower: -Infinity, upper: Infinity }

/**
 * True when the support is bounded on both sides.
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * Noise.isBounded(Noise.uniform().traits) // true
 * Noise.isBounded(Noise.normal().traits) // false
 * @since 0.1.0
 * @category guards
 */
export const isBounded = (traits: Traits): boolean =>
  traits.tails.lower === "bounded" && traits.tails.upper === "bounded"

/**
 * Whether a law has a strictly positive density on a whole tail at `side` (some half-line
 * (c, ∞) for `"upper"`, (−∞, c) for `"lower"`). A positive density on all of ℝ has both; a built-in
 * continuous law has a positive density on the interior of its support interval, so it has the
 * tail wherever that side is unbounded (Exponential: the upper one). A custom law's traits do not
 * say where inside its support the density vanishes, so only `densityPositive` counts for it.
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * Noise.positiveTail(Noise.exponential(), "upper") // true
 * Noise.positiveTail(Noise.exponential(), "lower") // false: bounded below
 * @since 0.2.0
 * @category guards
 */
export const positiveTail = (law: { readonly _tag: string; readonly traits: Traits }, side: "lower" | "upper"): boolean => {
  const t = law.traits
  if (t.kind !== "continuous" || t.support._tag !== "Interval") return false
  if (t.densityPositive) return true
  return law._tag !== "Custom" && t.tails[side] !== "bounded"
}

/**
 * The one criterion for "the Perturb-Argmax map of these independent continuous laws is one-to-one
 * modulo 𝟙 on all of ℝ^d", read by both `compile(…).identify` and `analyze`: every law has a
 * positive density on a tail at the same side (`positiveTail`). Returns that side (`"upper"` when
 * both do), or `undefined` when no side works.
 *
 * Why it suffices (the argument of Thm 5.3, which needs positivity only on a common tail): the
 * Hessian of M(θ) = E max(θ + γ) is the weighted graph Laplacian with edge weights
 * w_ij(θ) = ∫ g_i(x − θ_i) g_j(x − θ_j) Π_{k≠i,j} G_k(x − θ_k) dx, and far enough out on the common
 * tail every factor is positive, so every w_ij > 0 at every θ. A connected graph's Laplacian has
 * kernel span(𝟙): M is strictly convex modulo 𝟙 and P = ∇M is one-to-one modulo 𝟙. Why it is
 * needed in this form: Exponential noise on both coordinates (upper tails) gives γ_1 − γ_2 the
 * whole real line, so P is one-to-one; Exponential and its mirror image (opposite tails) give
 * γ_1 − γ_2 ≥ 0, so coordinate 1 wins surely once θ_1 ≥ θ_2 and P saturates (Prop 5.4), as
 * bounded noise does.
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * Noise.argmaxOneToOneSide([Noise.exponential(), Noise.exponential()]) // "upper"
 * Noise.argmaxOneToOneSide([Noise.uniform(), Noise.uniform()]) // undefined: bounded noise saturates
 * @since 0.2.0
 * @category guards
 */
export const argmaxOneToOneSide = (
  laws: ReadonlyArray<{ readonly _tag: string; readonly traits: Traits }>
): "lower" | "upper" | undefined => {
  if (laws.length === 0) return undefined
  if (laws.every((l) => positiveTail(l, "upper"))) return "upper"
  if (laws.every((l) => positiveTail(l, "lower"))) return "lower"
  return undefined
}
