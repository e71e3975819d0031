/**
 * The perturbed optimizer of one θ, whatever the method: options checked once into a
 * `PerturbedConfig`, then `estimateRow` runs the closed form of the method table or the sampled
 * estimator. The float64 entry of `Perturbed.ts` and its tfjs ops both call it, row by row.
 */
import { Key, Noise } from "@perturb/noise"
import { InvalidArgument } from "../../Errors.js"
import type { Solver } from "../../Solver.js"
import { checkKey, checkSamples, DEFAULT_KEY } from "../../internal/estimate.js"
import { checkEstimatorWork } from "../../internal/limits.js"
import { checkBoolean, checkMethod, checkOptions } from "../../internal/validate.js"
import { marginalLaws, sampledRow, type SolvedCache } from "./sampled.js"
import { solverMethods } from "./table.js"
import { PERTURBED_METHODS, type PerturbedConfig, type PerturbedOptions, type RowEstimate, type Wants } from "./types.js"

/** Draws per θ when `samples` is not given: eight QMC replicates of 128 (64 antithetic pairs). */
export const DEFAULT_PERTURBED_SAMPLES = 1024

const isSolver = (s: unknown): s is Solver =>
  typeof s === "object" && s !== null && (s as { _tag?: unknown })._tag === "Solver"

export const checkSolver = (solver: unknown): Solver => {
  if (!isSolver(solver)) throw new InvalidArgument({ argument: "solver", value: solver, reason: "Expected a Solver (Solver.topK(5, 2), …)" })
  return solver
}

/** Checks every option, naming the one at fault, and fills in the defaults. */
export const perturbedConfig = (solver: Solver, options: PerturbedOptions | undefined): PerturbedConfig => {
  const o = checkOptions("options", options)
  const noise = o.noise ?? Noise.normal()
  const laws = marginalLaws(noise, solver.d)
  const sigma = o.sigma ?? 1
  if (typeof sigma !== "number" || !Number.isFinite(sigma) || sigma <= 0) {
    throw new InvalidArgument({ argument: "sigma", value: sigma, reason: "Expected a finite number > 0" })
  }
  const samples = o.samples === undefined ? DEFAULT_PERTURBED_SAMPLES : checkSamples("samples", o.samples)
  if (samples < 2) throw new InvalidArgument({ argument: "samples", value: samples, reason: "Expected at least 2 draws (a standard error needs two)" })
  checkEstimatorWork("samples", samples, samples, 1, solver.d)
  const method = checkMethod("method", o.method, PERTURBED_METHODS) ?? "qmc"
  if (method === "exact" && solverMethods[solver.kind].exact64 === undefined) {
    throw new InvalidArgument({ argument: "method", value: method, reason: `The ${solver.kind} solver has no closed form here; use "qmc" or "mc"` })
  }
  const antithetic = checkBoolean("antithetic", o.antithetic) ?? false
  if (antithetic && method !== "mc") {
    throw new InvalidArgument({ argument: "antithetic", value: antithetic, reason: `Applies to method "mc" (qmc always pairs its points), not "${method}"` })
  }
  if (antithetic && samples < 3) {
    throw new InvalidArgument({ argument: "samples", value: samples, reason: "Expected at least 3 draws with antithetic: two pairs (a standard error needs two independent blocks)" })
  }
  return {
    noise,
    laws,
    sigma,
    samples,
    key: o.key === undefined ? DEFAULT_KEY : checkKey(o.key),
    method,
    antithetic,
    controlVariate: checkBoolean("controlVariate", o.controlVariate) ?? true
  }
}

/** θ of length d with finite entries, or the `InvalidArgument` naming `theta`. */
export const checkTheta = (theta: unknown, d: number, argument = "theta"): Float64Array => {
  if (!(theta instanceof Float64Array) || theta.length !== d) {
    throw new InvalidArgument({ argument, value: theta, reason: `Expected a Float64Array of length d = ${d}` })
  }
  const bad = theta.findIndex((v) => !Number.isFinite(v))
  if (bad >= 0) throw new InvalidArgument({ argument: `${argument}[${bad}]`, value: theta[bad], reason: "Expected a finite number" })
  return theta
}

/** The estimate of one θ under `key` by the configured method. */
export const estimateRow = (
  solver: Solver,
  theta: Float64Array,
  config: PerturbedConfig,
  key: Key.Key,
  wants: Wants,
  cache?: SolvedCache
): RowEstimate => {
  if (config.method !== "exact") return sampledRow(solver, theta, config, key, wants, cache)
  const r = solverMethods[solver.kind].exact64!(solver, theta, config.sigma, config.noise, config.laws)
  if (typeof r === "string") throw new InvalidArgument({ argument: "method", value: "exact", reason: r })
  if (wants.potential && r.potential === undefined) {
    throw new InvalidArgument({ argument: "method", value: "exact", reason: `The ${solver.kind} closed form gives no potential; use "qmc" or "mc"` })
  }
  const error = new Float64Array(solver.outDim).fill(r.error)
  return {
    mean: r.mean,
    stdError: error,
    method: "exact",
    samples: 0,
    ...(wants.jacobian ? { jacobian: r.jacobian, jacobianStdError: new Float64Array(r.jacobian.length).fill(r.jacobianError) } : {}),
    ...(wants.potential ? { potential: r.potential!, potentialStdError: r.error } : {})
  }
}

/** The key of row `row` of call `call`: folded twice, so calls differ and a fixed key reproduces. */
export const rowKey = (key: Key.Key, call: number, row: number): Key.Key => Key.fold(Key.fold(key, call), row)
