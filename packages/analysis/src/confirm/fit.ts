/**
 * The batched Levenberg–Marquardt fit of `P(θ(u)) = p` over the free parameters `u`, for the
 * completeness evidence: every target keeps its own state and damping, and one call evaluates the
 * probabilities of all unfinished targets.
 */
import { Numeric } from "@perturb/noise"
import { Effect } from "effect"
import { type Estimator, probsSliced } from "../internal/numeric.js"
import { l1, relative, transposeTimes } from "./linalg.js"

export interface FitState {
  u: Float64Array
  theta: Float64Array
  P: Float64Array
  se: Float64Array | undefined
  residual: number
  lambda: number
  done: boolean
  iterations: number
  /**
   * The last refused step would have zeroed a coordinate the target needs: the fit stands at a
   * saturation edge of P, and a target it did not reach there is not shown unreachable.
   */
  blocked: boolean
}

const weight = (p: Float64Array) => p.map((x) => 1 / Math.sqrt(Math.max(x, 1e-8)))

/**
 * One target's damped Gauss–Newton step in u, from the probabilities at its k forward-shifted
 * parameters (step `h` relative to each |u_j|, at least absolute).
 */
const dampedStep = (s: FitState, p: Float64Array, shifted: ReadonlyArray<Float64Array>, d: number, k: number, h: number): Float64Array => {
  const w = weight(p)
  const J = new Float64Array(d * k)
  for (let j = 0; j < k; j++) {
    const hj = h * Math.max(1, Math.abs(s.u[j]!))
    const Pj = shifted[j]!
    for (let r = 0; r < d; r++) J[r * k + j] = (w[r]! * (Pj[r]! - s.P[r]!)) / hj
  }
  const r = s.P.map((x, c) => w[c]! * (x - p[c]!))
  const JtJ = transposeTimes(J, J, d, k, k)
  const g = transposeTimes(J, r, d, k, 1).map((v) => -v)
  let scale = 0
  for (let a2 = 0; a2 < k; a2++) scale = Math.max(scale, JtJ[a2 * k + a2]!)
  for (let a2 = 0; a2 < k; a2++) JtJ[a2 * k + a2]! += s.lambda * (JtJ[a2 * k + a2]! + 1e-9 * Math.max(scale, 1e-12))
  // Steps are capped: θ(u) saturates (vertices are limits), where a Gauss–Newton step explodes.
  return Numeric.solve(JtJ, g, k, 1e-300).map((v) => Math.max(-5, Math.min(5, v)))
}

/**
 * One batched Levenberg–Marquardt iteration over the free parameters, for every unfinished target:
 * minimise Σ_i (P_i(θ(u)) − p_i)² / p_i (a chi-square weighting, so near-vertex targets' small
 * coordinates count), with a forward-difference Jacobian in u computed in the same batched call as
 * the residual (common random numbers make the differences of a QMC estimate smooth). A step is
 * kept only when it lowers the weighted residual without zeroing a coordinate the target needs;
 * λ adapts per target.
 */
export const lmIteration = (
  est: Estimator,
  targets: ReadonlyArray<Float64Array>,
  states: Array<FitState>,
  tol: number,
  maxIterations: number,
  pace: Effect.Effect<void>
) =>
  Effect.gen(function*() {
    const { d, k } = est
    const active = states.map((s, i) => (s.done ? -1 : i)).filter((i) => i >= 0)
    if (active.length === 0) return
    const h = 1e-3
    const us: Array<Float64Array> = []
    for (const i of active) {
      const u = states[i]!.u
      for (let j = 0; j < k; j++) us.push(u.map((v, c) => (c === j ? v + h * Math.max(1, Math.abs(v)) : v)))
    }
    // k probability rows per target (~100 ms at d = 8): sliced, so an interrupt need not wait for them.
    const shifted = (yield* probsSliced(est, est.theta(us), pace)).p
    const steps = active.map((i, a) => dampedStep(states[i]!, targets[i]!, shifted.slice(a * k, (a + 1) * k), d, k, h))
    const trials = active.map((i, a) => states[i]!.u.map((v, c) => v + steps[a]![c]!))
    const trialTheta = est.theta(trials)
    const trialP = yield* probsSliced(est, trialTheta, pace)
    const chi = (P: Float64Array, p: Float64Array) => {
      let s = 0
      for (let c = 0; c < d; c++) s += (P[c]! - p[c]!) ** 2 / Math.max(p[c]!, 1e-8)
      return s
    }
    active.forEach((i, a) => {
      const s = states[i]!
      const p = targets[i]!
      const P = trialP.p[a]!
      s.iterations++
      // A step that makes some P_c vanish where p_c > 0 enters a region where P is flat in θ_c
      // (bounded or half-bounded supports saturate): the Jacobian there cannot lead back, so such a
      // step is refused even when it lowers the residual (it would stall, not fit).
      let entersFlat = false
      for (let c = 0; c < d; c++) if (P[c]! <= 1e-15 && s.P[c]! > 1e-15 && p[c]! > 0) entersFlat = true
      if (!entersFlat && chi(P, p) < chi(s.P, p)) {
        s.u = trials[a]!
        s.theta = trialTheta[a]!
        s.P = P
        s.se = trialP.se?.[a]
        s.residual = l1(P, p)
        s.lambda = Math.max(s.lambda / 3, 1e-9)
        s.blocked = false
      } else {
        s.blocked = entersFlat
        // Past a saturation edge a shorter step may still fit: shrink it more gently there.
        s.lambda *= entersFlat ? 1.5 : 4
      }
      if ((s.residual <= tol && relative(s.P, p) <= 1e-2) || s.iterations >= maxIterations || s.lambda > 1e8) s.done = true
    })
  })

/** Every target's state at `u0` (`start.ts`: inside the region where P moves). */
export const startStates = (est: Estimator, targets: ReadonlyArray<Float64Array>, u0: Float64Array, pace: Effect.Effect<void>) =>
  Effect.gen(function*() {
    const theta = est.theta(targets.map(() => u0))
    const P = yield* probsSliced(est, theta, pace)
    return targets.map((p, i): FitState => ({
      u: Float64Array.from(u0),
      theta: theta[i]!,
      P: P.p[i]!,
      se: P.se?.[i],
      residual: l1(P.p[i]!, p),
      lambda: 1e-2,
      done: est.k === 0,
      iterations: 0,
      blocked: false
    }))
  })
