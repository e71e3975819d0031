/**
 * The inverse map θ = P⁻¹(p) of Perturb-Softmax, where P(θ) = E softmax((θ + γ)/τ) has no closed
 * form and every evaluation is an estimate.
 *
 * Why not one fixed estimate: fitting θ to a fixed 4096-point QMC estimate and reporting the
 * residual against that same estimate said 1e-13 while the true ‖P(θ̂) − p‖₁ was 1e-4 to 2e-3 (the
 * estimate's own error, which the fit cannot see). So:
 * 1. fit θ₀ to the plain QMC estimate on fixed points (a concave potential: Newton-CG, fast);
 * 2. where the noise has exact argmax probabilities (i.i.d. Gumbel, independent continuous) and
 *    samples · d² ≤ 2^19 (the cost, below), refine
 *    to the stratified estimate (stratified on the argmax, weighted by the exact argmax
 *    probabilities, with its linear control variate: `stratified.ts`) with its allocation frozen,
 *    so it is a smooth, deterministic function of θ; its error is 1–2 orders below plain QMC's at
 *    the same points. Steps solve H δ = p − P̂(θ) with the plain estimate's Hessian H (a close,
 *    cheap stand-in for the stratified Jacobian: linear convergence at the rate of their mismatch);
 * 3. measure the residual honestly, on points independent of the fit (a fresh key: another
 *    scramble), with the estimate's standard errors.
 * `tol` is met by the fitted estimate (step 1 or 2); how close P(θ̂) is to p is what step 3 says.
 */
import { Key, type NoiseLike } from "@perturb/noise"
import type { NoiseClass } from "./classify.js"
import { exactRow } from "./exact.js"
import { type Hyperplane, logResidual, newtonIdentify, type Oracle, solveHessian } from "./newton.js"
import { qmcPoints } from "./points.js"
import { stratifiedRows } from "./stratified.js"

const STRATIFIED_WORK = 1 << 19

/** How the honest residual was measured. */
export type ResidualMeasure = "exact" | "stratified" | "qmc"

export interface SoftmaxIdentifyResult {
  readonly theta: Float64Array
  /** max_i |log P̂_i − log p_i| of the fitted estimate. */
  readonly fitResidual: number
  readonly iterations: number
  readonly converged: boolean
  /** ‖P̂(θ̂) − p‖₁ on independent points, and Σ_i of P̂'s standard errors. */
  readonly residual: number
  readonly residualStdError: number
  readonly measure: ResidualMeasure
  /** The independent estimate P̂(θ̂) and its standard errors. */
  readonly probs: Float64Array
  readonly stdError: Float64Array
}

/** The plain QMC potential F̂(θ) = mean_s τ·logsumexp((θ + γ_s)/τ) on fixed points, in float64. */
export const softmaxOracle = (gamma: Float64Array, count: number, d: number, tau: number): Oracle => {
  const S = count
  const g = gamma
  const soft = (t: Float64Array, s: number, out: Float64Array): number => {
    let max = -Infinity
    for (let i = 0; i < d; i++) max = Math.max(max, (t[i]! + g[s * d + i]!) / tau)
    let z = 0
    for (let i = 0; i < d; i++) z += out[i] = Math.exp((t[i]! + g[s * d + i]!) / tau - max)
    for (let i = 0; i < d; i++) out[i]! /= z
    return tau * (max + Math.log(z))
  }
  const y = new Float64Array(d)
  const average = (t: Float64Array, f: (y: Float64Array, out: Float64Array) => void): Float64Array => {
    const out = new Float64Array(d)
    for (let s = 0; s < S; s++) {
      soft(t, s, y)
      f(y, out)
    }
    return out.map((x) => x / S)
  }
  return {
    value: (t) => {
      let acc = 0
      for (let s = 0; s < S; s++) acc += soft(t, s, y)
      return acc / S
    },
    grad: (t) => average(t, (yy, out) => yy.forEach((v, i) => (out[i]! += v))),
    hvp: (t, v) =>
      average(t, (yy, out) => {
        let yv = 0
        for (let i = 0; i < d; i++) yv += yy[i]! * v[i]!
        for (let i = 0; i < d; i++) out[i]! += (yy[i]! * (v[i]! - yv)) / tau
      }),
    diagonal: (t) => average(t, (yy, out) => yy.forEach((v, i) => (out[i]! += (v * (1 - v)) / tau))),
    start: (p) => p.map((x) => Math.min(1, tau) * Math.log(x))
  }
}

/** Mean and standard error of the plain QMC estimate over its independent replicates. */
const qmcEstimate = (noise: NoiseLike, d: number, tau: number, theta: Float64Array, samples: number, key: Key.Key) => {
  const points = qmcPoints(noise, d, samples, key)
  const R = points.replicates
  const per = points.count / R
  const oracle = softmaxOracle(points.gamma, points.count, d, tau)
  const reps: Array<Float64Array> = []
  for (let r = 0; r < R; r++) {
    reps.push(softmaxOracle(points.gamma.subarray(r * per * d, (r + 1) * per * d), per, d, tau).grad(theta))
  }
  const mean = oracle.grad(theta)
  const stdError = mean.map((m, i) => {
    let v = 0
    for (const rep of reps) v += (rep[i]! - m) ** 2
    return Math.sqrt(v / (R - 1) / R)
  })
  return { mean, stdError }
}

const l1 = (P: Float64Array, p: Float64Array) => P.reduce((s, x, i) => s + Math.abs(x - p[i]!), 0)

/** Shifts θ along 𝟙 onto the hyperplane. */
const onPlane = (theta: Float64Array, plane: Hyperplane): Float64Array => {
  let at = 0
  let across = 0
  for (let i = 0; i < theta.length; i++) {
    at += plane.normal[i]! * theta[i]!
    across += plane.normal[i]!
  }
  const c = (plane.offset - at) / across
  return theta.map((x) => x + c)
}

export const identifySoftmax = (
  noise: NoiseLike,
  cls: NoiseClass,
  d: number,
  tau: number,
  plane: Hyperplane,
  p: Float64Array,
  options: { readonly tol: number; readonly maxIterations: number; readonly samples: number; readonly key: Key.Key }
): SoftmaxIdentifyResult => {
  const [kFit, kCheck] = Key.split(options.key, 2) as [Key.Key, Key.Key]
  const points = qmcPoints(noise, d, options.samples, kFit)
  const plain = softmaxOracle(points.gamma, points.count, d, tau)
  const first = newtonIdentify(plain, plane, p, { tol: options.tol, maxIterations: options.maxIterations })
  const exactArgmax = cls._tag === "Gumbel" || cls._tag === "Continuous"
  // The stratified estimate costs O(samples · d²) special-function calls (the maximum's quantile by
  // Newton on Σ_j log F_j per point). Measured per identify with 16384 points, τ = 0.5: d = 3,
  // 0.5–4 s; d = 8, 1.5 s (Gumbel) and 4.9 s (Normal); d = 10, 11 s (Normal); d = 32, 95 s. Above
  // samples · d² = 2^19 the plain estimate is fitted instead; its residual is still measured on
  // independent points.
  const stratifiable = exactArgmax && Math.floor(options.samples / 4) >= 8 * d && options.samples * d * d <= STRATIFIED_WORK
  let theta = first.theta
  let fitResidual = first.residual
  let iterations = first.iterations
  let converged = first.converged
  const argmaxProbs = (t: Float64Array) => exactRow(cls, t, { samples: 0, key: kFit }).probs
  if (stratifiable) {
    const fit = stratifiedRows(noise, d, tau, { samples: options.samples, key: kFit })
    const plan = fit.freeze(theta, argmaxProbs(theta))
    const at = (t: Float64Array) => fit.estimate(t, argmaxProbs(t), plan).mean
    let P = at(theta)
    fitResidual = logResidual(P, p)
    converged = false
    for (; iterations < options.maxIterations; iterations++) {
      if (fitResidual <= options.tol) break
      const g = p.map((x, i) => x - P[i]!)
      const delta = solveHessian(plain, theta, g)
      let step = 1
      let accepted = false
      for (let ls = 0; ls < 20; ls++) {
        const next = onPlane(theta.map((x, i) => x + step * delta[i]!), plane)
        const Pn = at(next)
        const rn = logResidual(Pn, p)
        if (rn < fitResidual) {
          theta = next
          P = Pn
          fitResidual = rn
          accepted = true
          break
        }
        step /= 2
      }
      if (!accepted) break
    }
    converged = fitResidual <= options.tol
    const check = stratifiedRows(noise, d, tau, { samples: options.samples, key: kCheck })
    const est = check.estimate(theta, argmaxProbs(theta), check.freeze(theta, argmaxProbs(theta)))
    return {
      theta,
      fitResidual,
      iterations,
      converged,
      residual: l1(est.mean, p),
      residualStdError: est.stdError.reduce((s, x) => s + x, 0),
      measure: "stratified",
      probs: est.mean,
      stdError: est.stdError
    }
  }
  const est = qmcEstimate(noise, d, tau, theta, options.samples, kCheck)
  return {
    theta,
    fitResidual,
    iterations,
    converged,
    residual: l1(est.mean, p),
    residualStdError: est.stdError.reduce((s, x) => s + x, 0),
    measure: "qmc",
    probs: est.mean,
    stdError: est.stdError
  }
}
