/**
 * The perturbed optimizer's method table: per solver kind, the closed form (`exact64`) where the
 * structure has one. `argmax` reuses core's exact Perturb-Argmax methods (softmax for Gumbel, 1-D
 * quadrature for independent continuous noise, enumeration for discrete noise): P_σ(θ) is the
 * argmax probabilities at θ/σ, M_σ(θ) = σ·M(θ/σ) and J_σ(θ) = J(θ/σ)/σ. `topK`, `ranks` and `sort`
 * reduce to 1-D integrals with i.i.d. noise (`./exact.ts`); they give no potential M_σ, so a
 * Fenchel–Young loss with `method: "exact"` is refused for them (the engine says so). Kinds without
 * an entry have only the sampled methods, and `method: "exact"` is refused.
 */
import type { Law, NoiseLike } from "@perturb/noise"
import { InvalidArgument } from "../../Errors.js"
import type { Kind, Solver } from "../../Solver.js"
import { DEFAULT_KEY, DEFAULT_LATTICE_POINTS } from "../../internal/estimate.js"
import { classify } from "../../internal/classify.js"
import { exactMethod } from "../registry.js"
import { type ExactResult, ranksExact64, sortExact64, topKExact64 } from "./exact.js"

/** A closed form's result for one θ (the shape of `ranksExact64` / `topKExact64`). */
export interface Exact64Result {
  readonly mean: Float64Array
  /** d × d (outDim × d) row-major, ∂mean_i/∂θ_j at [i·d + j]. */
  readonly jacobian: Float64Array
  /** An absolute error bound of every entry of `mean` (0 where exact to rounding). */
  readonly error: number
  /** The same for every entry of `jacobian`. */
  readonly jacobianError: number
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
  // perturbed admits independent noise only, whose argmax methods are exact (no stdError): 0 then.
  const error = row.stdError === undefined ? 0 : Math.max(...row.stdError)
  return { mean: row.probs, jacobian, error, jacobianError: error / sigma, potential: sigma * row.potential }
}

/** The closed forms of `./exact.ts` refuse with `InvalidArgument`; the table speaks in reasons. */
const reasonOf = (f: () => ExactResult): ExactResult | string => {
  try {
    return f()
  } catch (e) {
    if (e instanceof InvalidArgument) return e.message
    throw e
  }
}

/** One entry per solver kind. */
export const solverMethods: { readonly [K in Kind]: SolverMethods } = {
  argmax: { exact64: argmaxExact64 },
  topK: {
    exact64: (s, theta, sigma, noise) => {
      const json = s.toJSON()
      const k = json !== undefined && json.kind === "topK" ? json.k : 1
      return reasonOf(() => topKExact64(theta, k, sigma, noise))
    }
  },
  ranks: { exact64: (_, theta, sigma, noise) => reasonOf(() => ranksExact64(theta, sigma, noise)) },
  sort: { exact64: (_, theta, sigma, noise) => reasonOf(() => sortExact64(theta, sigma, noise)) },
  shortestPath: {},
  lp: {},
  custom: {}
}
