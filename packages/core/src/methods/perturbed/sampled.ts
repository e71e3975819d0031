/**
 * The sampled perturbed optimizer of one θ: P_σ(θ) = E[y*(θ + σγ)], M_σ(θ) = E[⟨θ + σγ, y*⟩] and
 * the Jacobian by the perturbed-optimizer (score-function) identity, for noise with a density g
 * that is positive and absolutely continuous on ℝ:
 *   ∂P_i/∂θ_j = −E[y*_i(θ + σγ) · s_j(γ)] / σ,  s = ∇ log g,
 * which holds for any measurable y* (sort and user solvers too), by parts in γ_j with no boundary
 * term. Laplace qualifies: its density has a kink at the centre, not a jump, and the score's value
 * there is never drawn (probability 0). Noise without such a density (atoms, jumps) has no score:
 * the Jacobian is refused, the mean is still estimated.
 *
 * Control variate: E[s_j] = 0, so E[(y_i − c_ij) s_j] is the same for any constant c_ij; the
 * variance is least at c_ij = E[y_i s_j²] / E[s_j²]. The coefficients come from separate pilot
 * draws (an independent key, a quarter of the points, at least 64), so the estimate stays
 * unbiased and the standard error, conditional on them, is that of i.i.d. block means.
 */
import { Key, type Law, Noise } from "@perturb/noise"
import { InvalidArgument } from "../../Errors.js"
import type { Solver } from "../../Solver.js"
import { type Draws, drawsFor, mcDraws } from "./draws.js"
import { Moments } from "./moments.js"
import type { PerturbedConfig, RowEstimate, Wants } from "./types.js"

/** Why the noise has no score (the Jacobian's refusal), or `undefined` when every coordinate has one. */
export const scoreRefusal = (laws: ReadonlyArray<Law>): string | undefined => {
  const bad = laws.find((law) => law.dlogpdf === undefined)
  return bad === undefined
    ? undefined
    : `${String(bad)} noise has no score d/dx log g (it has atoms, a jump or no density), so the perturbed optimizer has no Jacobian estimate; its mean is still estimated`
}

const scoresOf = (laws: ReadonlyArray<Law>) => laws.map((law) => law.dlogpdf!)

/** The pilot's coefficients c_ij = mean(y_i s_j²) / mean(s_j²). */
const coefficients = (solver: Solver, theta: Float64Array, config: PerturbedConfig, key: Key.Key): Float64Array => {
  const { d, outDim } = solver
  const count = Math.max(64, Math.ceil(config.samples / 4))
  const draws = mcDraws(config.noise, d, count, key)
  const score = scoresOf(config.laws)
  const num = new Float64Array(outDim * d)
  const den = new Float64Array(d)
  const x = new Float64Array(d)
  const y = new Float64Array(outDim)
  const s2 = new Float64Array(d)
  const first = new Float64Array(outDim)
  for (let n = 0; n < count; n++) {
    for (let j = 0; j < d; j++) {
      const g = draws.gamma[n * d + j]!
      x[j] = theta[j]! + config.sigma * g
      s2[j] = score[j]!(g) ** 2
      den[j] = den[j]! + s2[j]!
    }
    solver.solve(x, y)
    if (n === 0) first.set(y)
    for (let i = 0; i < outDim; i++) for (let j = 0; j < d; j++) num[i * d + j] = num[i * d + j]! + (y[i]! - first[i]!) * s2[j]!
  }
  // About the first pilot value, so a y_i that never moves gets c_ij = y_i exactly and its row of
  // the Jacobian is exactly 0, not rounding divided by σ.
  for (let i = 0; i < outDim; i++) {
    for (let j = 0; j < d; j++) num[i * d + j] = first[i]! + (den[j]! > 0 ? num[i * d + j]! / den[j]! : 0)
  }
  return num
}

/** Per-block sums that become one vector of block means each. */
interface Block {
  readonly y: Float64Array
  readonly jac: Float64Array | undefined
  potential: number
}

/**
 * A row's draws and the solver's value at each (`count × outDim`): what the forward pass of an op
 * keeps so that its backward pass scores the same draws without solving them again.
 */
export interface Solved {
  readonly draws: Draws
  readonly ys: Float64Array
}

/** Where the solver's values come from: solved afresh (and kept, with `keep`), or replayed. */
export interface SolvedCache {
  readonly replay?: Solved
  readonly keep?: (solved: Solved) => void
}

const runBlocks = (
  solver: Solver,
  theta: Float64Array,
  config: PerturbedConfig,
  draws: Draws,
  wants: Wants,
  c: Float64Array | undefined,
  cache: { replay: Float64Array | undefined; keep: Float64Array | undefined }
) => {
  const { d, outDim } = solver
  const size = draws.count / draws.groups
  const score = wants.jacobian ? scoresOf(config.laws) : []
  const mean = new Moments(outDim)
  const jac = wants.jacobian ? new Moments(outDim * d, config.sigma) : undefined
  const pot = new Moments(1)
  const block: Block = { y: new Float64Array(outDim), jac: wants.jacobian ? new Float64Array(outDim * d) : undefined, potential: 0 }
  const x = new Float64Array(d)
  const y = new Float64Array(outDim)
  const s = new Float64Array(d)
  for (let g = 0; g < draws.groups; g++) {
    block.y.fill(0)
    block.jac?.fill(0)
    block.potential = 0
    for (let n = g * size; n < (g + 1) * size; n++) {
      for (let j = 0; j < d; j++) x[j] = theta[j]! + config.sigma * draws.gamma[n * d + j]!
      if (cache.replay === undefined) solver.solve(x, y)
      else y.set(cache.replay.subarray(n * outDim, (n + 1) * outDim))
      cache.keep?.set(y, n * outDim)
      for (let i = 0; i < outDim; i++) block.y[i] = block.y[i]! + y[i]!
      if (wants.potential) for (let j = 0; j < d; j++) block.potential += x[j]! * y[j]!
      if (block.jac !== undefined) {
        for (let j = 0; j < d; j++) s[j] = score[j]!(draws.gamma[n * d + j]!)
        for (let i = 0; i < outDim; i++) {
          for (let j = 0; j < d; j++) block.jac[i * d + j] = block.jac[i * d + j]! + (y[i]! - (c?.[i * d + j] ?? 0)) * s[j]!
        }
      }
    }
    mean.add(block.y, 1 / size)
    // −E[y s] / σ: the sign per block, σ at the end (`Moments`' divisor).
    if (block.jac !== undefined) jac!.add(block.jac, -1 / size)
    if (wants.potential) pot.add([block.potential], 1 / size)
  }
  return { mean: mean.result(), jac: jac?.result(), pot: pot.result() }
}

/** The `mc` / `qmc` estimate of one θ under `key` (the same key gives the same numbers). */
export const sampledRow = (
  solver: Solver,
  theta: Float64Array,
  config: PerturbedConfig,
  key: Key.Key,
  wants: Wants,
  cache: SolvedCache = {}
): RowEstimate => {
  if (wants.jacobian) {
    const refusal = scoreRefusal(config.laws)
    if (refusal !== undefined) throw new InvalidArgument({ argument: "noise", value: String(config.noise), reason: refusal })
  }
  const [main, pilot] = Key.split(key, 2)
  const draws = cache.replay?.draws ?? drawsFor(config, solver.d, main!)
  const keep = cache.keep === undefined ? undefined : new Float64Array(draws.count * solver.outDim)
  const c = wants.jacobian && config.controlVariate ? coefficients(solver, theta, config, pilot!) : undefined
  const r = runBlocks(solver, theta, config, draws, wants, c, { replay: cache.replay?.ys, keep })
  if (keep !== undefined) cache.keep!({ draws, ys: keep })
  return {
    mean: r.mean.mean,
    stdError: r.mean.stdError,
    method: config.method,
    samples: draws.count,
    ...(r.jac === undefined ? {} : { jacobian: r.jac.mean, jacobianStdError: r.jac.stdError }),
    ...(wants.potential ? { potential: r.pot.mean[0]!, potentialStdError: r.pot.stdError[0]! } : {})
  }
}

/** The noise's independent marginals at dimension d, or the `InvalidArgument` naming `noise`. */
export const marginalLaws = (noise: unknown, d: number): ReadonlyArray<Law> => {
  if (!Noise.isNoise(noise)) {
    throw new InvalidArgument({ argument: "noise", value: noise, reason: "Expected a noise law or vector noise of @perturb/noise" })
  }
  const dim = Noise.dimOf(noise)
  if (dim !== undefined && dim !== d) {
    throw new InvalidArgument({ argument: "noise", value: String(noise), reason: `Expected dimension d = ${d} (the solver's), got ${dim}` })
  }
  const laws = Noise.independentMarginals(noise, d)
  if (laws === undefined) {
    throw new InvalidArgument({ argument: "noise", value: String(noise), reason: "Expected independent coordinates (a law, Noise.iid, Noise.independent or a diagonal Gaussian)" })
  }
  return laws
}
