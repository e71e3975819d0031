/**
 * `identify`, the inverse map θ = P⁻¹(p) of a compiled model: the input checks, the hyperplane the
 * capabilities decided (or their `NotUnique`), and the solver: Newton on the exact float64 potential
 * for Perturb-Argmax (the exact method's oracle, `methods/registry.ts`), the QMC fit of internal/identifySoftmax.ts for Perturb-Softmax.
 * Every failure is typed: bad input, `NotUnique`, or `NotConverged` with the best θ attached.
 */
import type { Key } from "@perturb/noise"
import { InvalidArgument, NotConverged, NotUnique } from "../Errors.js"
import type { Model } from "../Model.js"
import type { Plane } from "./capabilities.js"
import { checkKey, checkSamples, DEFAULT_KEY } from "./estimate.js"
import { identifySoftmax } from "./identifySoftmax.js"
import { newtonIdentify } from "./newton.js"
import { checkOptions, relaxedTemperature } from "./validate.js"

/**
 * @example
 * import { compile, type IdentifyResult, Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const k = compile(Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.normal() }))
 * const r: IdentifyResult = k.identify([0.2, 0.3, 0.5])
 * r.residual // ‖P(θ) − p‖₁, below tol
 * @since 0.1.0
 * @category models
 */
export interface IdentifyResult {
  /** θ ∈ Θ with P(θ) = p within `tol`, in float64. */
  readonly theta: Float64Array
  /**
   * ‖P(θ) − p‖₁ at the returned θ, measured as `measure` says: exactly (Perturb-Argmax), or, for
   * Perturb-Softmax, by an estimate on noise points independent of the ones θ was fitted to (so the
   * fit's own estimation error shows), with standard error `residualStdError`.
   */
  readonly residual: number
  /**
   * Perturb-Softmax only: Σ_i of the standard errors of the independent estimate P̂(θ). The
   * estimate's error ‖P̂ − P‖₁ bounds |residual − ‖P(θ) − p‖₁| and is about 0.8 × this on average,
   * so the true residual is below `residual + 4 · residualStdError` but for rare draws. Absent when
   * `residual` is exact.
   */
  readonly residualStdError?: number
  /**
   * max_i |log P_i(θ) − log p_i| of the probabilities θ was fitted to (exact ones for
   * Perturb-Argmax, the fitted estimate for Perturb-Softmax): the convergence measure, ≤ `tol`.
   */
  readonly logResidual: number
  /**
   * - `exact`: exact probabilities (Perturb-Argmax; relative error ≤ 1e-10 for p_i ≥ 1e-20, measured
   *   for Normal noise against mpmath);
   * - `qmc`: Perturb-Softmax, fitted to plain QMC (scrambled Sobol, antithetic), residual from an
   *   independent QMC estimate's replicates. Measured at d = 3 with the default 65536 points (16
   *   SciPy cases, Gumbel and Normal noise, τ from 0.1 to 2): true ‖P(θ) − p‖₁ from 7e-6 to 4.6e-4
   *   (median 3e-5) in 0.2–0.5 s, always below residual + 4 · residualStdError; the former fit to
   *   one 4096-point estimate gave up to 6.1e-3 while reporting at most 2e-8.
   */
  readonly measure: "exact" | "qmc"
  /** Newton iterations run. */
  readonly iterations: number
}

/**
 * Options of `identify`.
 *
 * @since 0.2.0
 * @category models
 */
export interface IdentifyOptions {
  /**
   * Relative tolerance: stop when max_i |log P_i(θ) − log p_i| ≤ tol, i.e. every probability is
   * met to a relative error of about tol (an absolute ‖P − p‖₁ would accept p_i = 1e-10 met by
   * P_i = 1e-19). Default 1e-8. A finite number > 0.
   */
  readonly tol?: number
  /** Newton iterations before `NotConverged` (default 100): an integer in [1, 10000]. */
  readonly maxIterations?: number
  /**
   * Perturb-Softmax: noise points of the fitted estimate and of the independent check (default 65536
   * for d ≤ 32, then 2^21/d rounded down to a power of 2, at least 4096). The fitted estimate's
   * error, hence the true residual, falls with more points (see `IdentifyResult.residualStdError`).
   * A positive integer with samples · d ≤ 2^26.
   */
  readonly samples?: number
  /**
   * Perturb-Softmax: the key of the fitted estimate's points, the same points as
   * `probs(θ, { method: "qmc", samples, key })`; the residual is measured on points from a key
   * folded from it, independent of them.
   */
  readonly key?: Key.Key
}

const checkIdentifyInput = (p: unknown, options: unknown): void => {
  if (!Array.isArray(p) && !(ArrayBuffer.isView(p) && !(p instanceof DataView))) {
    throw new InvalidArgument({ argument: "p", value: p, reason: "Expected an array of probabilities" })
  }
  Array.from(p as ArrayLike<unknown>).forEach((x, i) => {
    if (typeof x !== "number") throw new InvalidArgument({ argument: `p[${i}]`, value: x, reason: "Expected a number" })
  })
  const o = checkOptions("options", options as object | undefined) as { tol?: unknown; maxIterations?: unknown; samples?: unknown; key?: unknown }
  if (o.samples !== undefined) checkSamples("samples", o.samples)
  if (o.tol !== undefined && (typeof o.tol !== "number" || !Number.isFinite(o.tol) || !(o.tol > 0))) {
    throw new InvalidArgument({ argument: "tol", value: o.tol, reason: "Expected a finite number > 0" })
  }
  if (o.maxIterations !== undefined && (typeof o.maxIterations !== "number" || !Number.isInteger(o.maxIterations) || o.maxIterations < 1)) {
    throw new InvalidArgument({ argument: "maxIterations", value: o.maxIterations, reason: "Expected a positive integer" })
  }
  if (o.key !== undefined) checkKey(o.key)
}

/**
 * identify's default points for Perturb-Softmax (fit and independent check each): 65536 up to d = 32,
 * then fewer (each Newton step costs up to 2d products over all points), never below 4096.
 */
const defaultIdentifySamples = (d: number): number => Math.max(4096, 2 ** Math.floor(Math.log2(Math.min(65536, 2 ** 21 / d))))
const MAX_IDENTIFY_ITERATIONS = 10_000
/** samples · d: the fit holds the points as float64, 512 MB at this bound. */
const MAX_IDENTIFY_POINTS = 1 << 26

/** p as float64, checked to lie in the open simplex and renormalised. */
const targetOf = (p: ArrayLike<number>, d: number): Float64Array => {
  const target = Float64Array.from(p)
  if (target.length !== d) throw new InvalidArgument({ argument: "p", value: Array.from(target), reason: `Expected ${d} probabilities` })
  const sum = target.reduce((s, x) => s + x, 0)
  target.forEach((x, i) => {
    if (!Number.isFinite(x) || !(x > 0)) {
      throw new InvalidArgument({ argument: `p[${i}]`, value: x, reason: "Expected p in the open simplex (every entry > 0)" })
    }
  })
  // A float32 probability vector sums to 1 only to ~1e-7: accept 1e-6 and renormalise.
  if (Math.abs(sum - 1) > 1e-6) throw new InvalidArgument({ argument: "p", value: Array.from(target), reason: `Expected a sum of 1, got ${sum}` })
  for (let i = 0; i < d; i++) target[i]! /= sum
  return target
}

/** Refuses a p_i below where the exact method certifies its probabilities relatively (`floor`). */
const checkCertified = (target: Float64Array, floor: number | undefined): void => {
  if (floor === undefined) return
  target.forEach((x, i) => {
    if (x < floor) {
      throw new InvalidArgument({
        argument: `p[${i}]`,
        value: x,
        reason: `identify meets each probability to a relative tol, and the exact argmax probabilities of this noise are certified to a relative 1e-10 only down to ${floor}`
      })
    }
  })
}

/**
 * The kernel `identify` of a compiled model; `plan` is the capabilities' decision on where it applies
 * (read on first call, so compiling stays cheap).
 */
export const makeIdentify = (model: Model, plan: () => Plane | NotUnique) => {
  const d = model.space.dim
  const softmax = model._tag === "PerturbSoftmax"
  return (p: ArrayLike<number>, options: IdentifyOptions = {}): IdentifyResult => {
    checkIdentifyInput(p, options)
    const tol = options.tol ?? 1e-8
    if (typeof tol !== "number" || !Number.isFinite(tol) || !(tol > 0)) {
      throw new InvalidArgument({ argument: "tol", value: tol, reason: "Expected a finite number > 0 (a relative tolerance on the probabilities)" })
    }
    const maxIterations = options.maxIterations ?? 100
    if (typeof maxIterations !== "number" || !Number.isInteger(maxIterations) || maxIterations < 1 || maxIterations > MAX_IDENTIFY_ITERATIONS) {
      throw new InvalidArgument({ argument: "maxIterations", value: maxIterations, reason: `Expected an integer in [1, ${MAX_IDENTIFY_ITERATIONS}]` })
    }
    const samples = checkSamples("samples", options.samples ?? defaultIdentifySamples(d))
    if (samples * d > MAX_IDENTIFY_POINTS) {
      throw new InvalidArgument({ argument: "samples", value: samples, reason: `samples · d must be ≤ ${MAX_IDENTIFY_POINTS} (d = ${d}): at most ${Math.floor(MAX_IDENTIFY_POINTS / d)} here` })
    }
    const key = options.key === undefined ? DEFAULT_KEY : checkKey(options.key)
    const target = targetOf(p, d)
    const plane = plan()
    if (plane instanceof NotUnique) throw plane
    const notConverged = (theta: Float64Array, residual: number, iterations: number) =>
      new NotConverged({
        what: "identify",
        theta,
        residual,
        measure: "max_i |log P_i(θ) − log p_i|",
        tol,
        iterations,
        reason: iterations >= maxIterations ? "maxIterations reached" : "no step lowered the residual (the target may be beyond the probabilities' accuracy)"
      })
    if (softmax) {
      const r = identifySoftmax(model.noise, d, relaxedTemperature(model), plane, target, { tol, maxIterations, samples, key })
      if (!r.converged) throw notConverged(r.theta, r.fitResidual, r.iterations)
      return { theta: r.theta, residual: r.residual, residualStdError: r.residualStdError, logResidual: r.fitResidual, measure: "qmc", iterations: r.iterations }
    }
    // identifyPlan admitted only argmax noise with an exact Newton oracle.
    const newton = plane.newton!
    checkCertified(target, newton.certifiedDownTo)
    const r = newtonIdentify(newton.make(), plane, target, { tol, maxIterations })
    if (!r.converged) throw notConverged(r.theta, r.residual, r.iterations)
    return { theta: r.theta, residual: r.l1, logResidual: r.residual, measure: "exact", iterations: r.iterations }
  }
}
