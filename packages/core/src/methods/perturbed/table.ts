/**
 * The perturbed optimizer's method table: per solver kind, the closed form (`exact64`) where the
 * structure has one. `argmax` reuses core's exact Perturb-Argmax methods (softmax for Gumbel, 1-D
 * quadrature for independent continuous noise, enumeration for discrete noise): P_σ(θ) is the
 * argmax probabilities at θ/σ, M_σ(θ) = σ·M(θ/σ) and J_σ(θ) = J(θ/σ)/σ. `topK` and `ranks` reduce
 * to 1-D integrals with independent noise; their slots take `methods/perturbed/exact.ts`'s
 * `topKExact64` / `ranksExact64` (written separately) through the adapters' signature below.
 * Kinds without an entry have only the sampled methods, and `method: "exact"` is refused.
 */
import type { Law, NoiseLike } from "@perturb/noise"
import { InvalidArgument } from "../../Errors.js"
import type { Kind, Solver } from "../../Solver.js"
import { DEFAULT_KEY, DEFAULT_LATTICE_POINTS } from "../../internal/estimate.js"
import { classify } from "../../internal/classify.js"
import { exactMethod } from "../registry.js"

/** A closed form's result for one θ (the shape of `ranksExact64` / `topKExact64`). */
export interface Exact64Result {
  readonly mean: Float64Array
  /** d × d (outDim × d) row-major, ∂mean_i/∂θ_j at [i·d + j]. */
  readonly jacobian: Float64Array
  /** An absolute error bound (0 where exact to rounding). */
  readonly error: number
  /** M_σ(θ), where the closed form gives it (Fenchel–Young losses with `method: "exact"`). */
  readonly potential?: number
}

/**
 * A closed form for one solver kind: it reads what it needs (k) from the solver and returns the
 * result, or a reason string where this noise has none.
 */
export type Exact64 = (
  solver: Solver,
  theta: Float64Array,
  sigma: number,
  noise: NoiseLike,
  laws: ReadonlyArray<Law>
) => Exact64Result | string

export interface SolverMethods {
  /** The closed form, filled per kind where one exists. */
  readonly exact64?: Exact64
}

const argmaxExact64: Exact64 = (solver, theta, sigma, noise) => {
  const d = solver.d
  const method = exactMethod(classify(noise, d), d)
  if (method instanceof InvalidArgument) return method.reason
  const run = { samples: DEFAULT_LATTICE_POINTS, key: DEFAULT_KEY }
  const t = theta.map((v) => v / sigma)
  const row = method.row(t, run)
  const jacobian = new Float64Array(d * d)
  const e = new Float64Array(d)
  for (let j = 0; j < d; j++) {
    e.fill(0)
    e[j] = 1
    const refusal = method.jvpRefusal?.(t, e)
    if (refusal !== undefined) return refusal.reason
    // J is symmetric: J e_j is column j, written down the column.
    const col = method.jvp(t, e, run)
    for (let i = 0; i < d; i++) jacobian[i * d + j] = col[i]! / sigma
  }
  const error = row.stdError === undefined ? 0 : Math.max(...row.stdError)
  return { mean: row.probs, jacobian, error, potential: sigma * row.potential }
}

/**
 * One entry per solver kind. `topK` and `ranks`: slots for `topKExact64(theta, k, sigma, noise)` and
 * `ranksExact64(theta, sigma, noise)` of `./exact.ts`, filled when that file lands, e.g.
 * `exact64: (s, theta, sigma, noise) => topKExact64(theta, s.toJSON().k, sigma, noise)`.
 */
export const solverMethods: { readonly [K in Kind]: SolverMethods } = {
  argmax: { exact64: argmaxExact64 },
  topK: { /* exact64: topKExact64 from ./exact.ts (merge) */ },
  ranks: { /* exact64: ranksExact64 from ./exact.ts (merge) */ },
  sort: {},
  shortestPath: {},
  lp: {},
  custom: {}
}
