/**
 * Quadrature rules for users of core: the rules live in noise's float64 numerics (`Numeric`), the
 * one copy core's kernels use too; this module keeps core's public name for them.
 */
import { Numeric } from "@perturb/noise"

/**
 * Gauss–Legendre nodes and weights on (0, 1) (weights sum to 1), cached per order: noise's
 * `Numeric.gaussLegendre01`, the same function and cache.
 *
 * @example
 * import { gaussLegendre } from "@perturb/core"
 * const { nodes, weights } = gaussLegendre(8)
 * nodes.reduce((s, x, i) => s + weights[i]! * x * x, 0) // 1/3 to float64 rounding
 * @since 0.1.0
 * @category constructors
 */
export const gaussLegendre: (n: number) => {
  /** The `n` nodes in (0, 1), ascending. */
  nodes: Float64Array
  /** The `n` weights, one per node, summing to 1. */
  weights: Float64Array
} = Numeric.gaussLegendre01
