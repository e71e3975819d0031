/**
 * The inverse map θ = P⁻¹(p) on a complete and minimal space. Such a space is an affine hyperplane
 * Θ = {θ : aᵀθ = b} with aᵀ𝟙 ≠ 0, and P(θ + c𝟙) = P(θ), so the problem splits in two:
 * 1. solve P(θ) = p in ℝ^d/𝟙 by maximising the concave f(θ) = ⟨p, θ⟩ − F(θ) with Newton's method,
 *    each step by conjugate gradients with Hessian-vector products and a Jacobi preconditioner
 *    (so d = 1000 never forms a d × d matrix), and a backtracking line search on f;
 * 2. slide along 𝟙 onto Θ: θ + c𝟙 with c = (b − aᵀθ)/(aᵀ𝟙).
 * Before Newton, a diagonal step in log space, θ_i += (log p_i − log P_i)·P_i/H_ii (Newton on each
 * log P_i alone, exact for softmax), runs while it keeps shrinking the residual: small
 * probabilities make f nearly flat, where damped Newton steps crawl but the log-space step does not.
 * F is exact or a fixed common-random-numbers estimate, so the problem is deterministic.
 *
 * Convergence is relative: max_i |log P_i(θ) − log p_i| ≤ tol (`logResidual`), so a target near a
 * vertex (p_i = 1e-10) is met to tol in every coordinate. An absolute ‖P − p‖₁ ≤ tol accepted the
 * start there, with P_i = 1e-19 for p_i = 1e-10. The oracle's probabilities must therefore be
 * accurate relative to their size, not just to 1e-10 absolutely (see `normalOracle`).
 */

/** A potential in float64: F (or M), its gradient P, Hessian-vector products and the Hessian's diagonal. */
export interface Oracle {
  readonly value: (theta: Float64Array) => number
  readonly grad: (theta: Float64Array) => Float64Array
  /**
   * P with each coordinate certified only to a relative `rtol` (cheaper while far from the
   * solution); `grad` is the certified one. Absent: `grad` answers.
   */
  readonly gradTo?: (theta: Float64Array, rtol: number) => Float64Array
  readonly hvp: (theta: Float64Array, v: Float64Array) => Float64Array
  readonly diagonal: (theta: Float64Array) => Float64Array
  /** A good starting point (e.g. scale·log p, exact for Gumbel-Argmax). */
  readonly start: (p: Float64Array) => Float64Array
  /** J v is exact and cheap (no quadrature per product): solve by Newton in log space first. */
  readonly cheapHvp?: boolean
}

/** The hyperplane {θ : aᵀθ = b}. */
export interface Hyperplane {
  readonly normal: Float64Array
  readonly offset: number
}

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!
  return s
}

/**
 * Jacobi preconditioner from the Hessian's diagonal, floored relative to the largest curvature: a
 * near-vertex target has coordinates with curvature ~1e-300, whose inverse would overflow the CG
 * vectors.
 */
const jacobi = (diag: Float64Array): Float64Array => {
  const hmax = diag.reduce((m, h) => Math.max(m, h), 0)
  return diag.map((h) => 1 / Math.max(h, 1e-10 * hmax, 1e-300))
}

/**
 * Preconditioned CG on H δ = b. H is singular along 𝟙 only, and b ⊥ 𝟙, so CG stays in the range;
 * iterates are re-centred to keep round-off off the null direction. `done(rz, r)` is asked before
 * each iteration (rz = rᵀM⁻¹r, first with the initial residual); a non-positive curvature or rz
 * ends the solve with the step so far. Returns δ and its residual b − H δ (as CG updated it).
 */
const pcg = (
  hvp: (v: Float64Array) => Float64Array,
  b: Float64Array,
  Minv: Float64Array,
  maxIterations: number,
  done: (rz: number, r: Float64Array) => boolean
): { readonly delta: Float64Array; readonly residual: Float64Array } => {
  const d = b.length
  const delta = new Float64Array(d)
  const r = Float64Array.from(b)
  let z = centre(r.map((x, i) => x * Minv[i]!))
  const dir = Float64Array.from(z)
  let rz = dot(r, z)
  for (let it = 0; it < maxIterations && rz > 0 && !done(rz, r); it++) {
    const Hd = hvp(dir)
    const curvature = dot(dir, Hd)
    if (!(curvature > 0)) break
    const alpha = rz / curvature
    for (let i = 0; i < d; i++) {
      delta[i]! += alpha * dir[i]!
      r[i]! -= alpha * Hd[i]!
    }
    z = centre(r.map((x, i) => x * Minv[i]!))
    const rzNew = dot(r, z)
    // A zero preconditioned residual means the step is solved on the span (0/0 otherwise).
    if (!(rzNew > 0)) break
    const beta = rzNew / rz
    rz = rzNew
    for (let i = 0; i < d; i++) dir[i] = z[i]! + beta * dir[i]!
  }
  return { delta, residual: r }
}

export interface NewtonResult {
  readonly theta: Float64Array
  /** max_i |log P_i(θ) − log p_i| at θ (the convergence measure). */
  readonly residual: number
  /** ‖P(θ) − p‖₁ at θ. */
  readonly l1: number
  readonly iterations: number
  /** residual ≤ tol; false when maxIterations ran out or no step improved. */
  readonly converged: boolean
}

/** max_i |log P_i − log p_i|, the worst relative error of a probability; ∞ where P_i ≤ 0 or is NaN. */
export const logResidual = (P: Float64Array, p: Float64Array): number => {
  let worst = 0
  for (let i = 0; i < p.length; i++) {
    const r = P[i]! > 0 ? Math.abs(Math.log(P[i]!) - Math.log(p[i]!)) : Infinity
    if (!(r <= worst)) worst = Number.isNaN(r) ? Infinity : r
  }
  return worst
}

const l1Of = (P: Float64Array, p: Float64Array): number => {
  let s = 0
  for (let i = 0; i < p.length; i++) s += Math.abs(P[i]! - p[i]!)
  return s
}

const centre = (x: Float64Array): Float64Array => {
  const m = x.reduce((s, v) => s + v, 0) / x.length
  return x.map((v) => v - m)
}

export interface NewtonOptions {
  readonly tol: number
  readonly maxIterations: number
}

/** θ = P⁻¹(p) on the hyperplane, by one of the two Newton iterations below. */
export type Solver = (oracle: Oracle, plane: Hyperplane, p: Float64Array, options: NewtonOptions) => NewtonResult

/** θ + c𝟙 on the hyperplane: c = (b − aᵀθ)/(aᵀ𝟙). */
const slide = (plane: Hyperplane, theta: Float64Array): Float64Array => {
  const c = (plane.offset - dot(plane.normal, theta)) / plane.normal.reduce((s, v) => s + v, 0)
  return theta.map((x) => x + c)
}

/**
 * The diagonal step in log space, θ_i += (log p_i − log P_i)·P_i/H_ii (clipped to ±10), from the
 * oracle's start, while each step at least halves the residual.
 */
const diagonalSteps = (oracle: Oracle, p: Float64Array, options: NewtonOptions): { theta: Float64Array; iterations: number } => {
  let theta = centre(oracle.start(p))
  let iterations = 0
  for (let P = oracle.grad(theta), r = logResidual(P, p); iterations < options.maxIterations && r > options.tol; iterations++) {
    const diag = oracle.diagonal(theta)
    const next = centre(theta.map((x, i) => {
      const step = diag[i]! > 1e-300 && P[i]! > 0 ? ((Math.log(p[i]!) - Math.log(P[i]!)) * P[i]!) / diag[i]! : 0
      return x + Math.max(-10, Math.min(10, step))
    }))
    const Pn = oracle.grad(next)
    const rn = logResidual(Pn, p)
    if (!(rn < 0.5 * r)) break
    theta = next
    P = Pn
    r = rn
  }
  return { theta, iterations }
}

/**
 * Backtracking (Armijo) on the concave objective from θ along δ with slope gᵀδ; the full Newton
 * step is accepted near the optimum. The result is not yet re-centred.
 */
const backtrack = (objective: (theta: Float64Array) => number, theta: Float64Array, delta: Float64Array, slope: number): Float64Array => {
  const f0 = objective(theta)
  let step = 1
  // Where the predicted gain is at f's round-off, Armijo's test is a coin toss that accepts some
  // tiny step and stalls the iteration (p met only to 1e-7 relatively); take the Newton step.
  const flat = slope <= 1e-11 * (1 + Math.abs(f0))
  for (let ls = 0; ls < 40 && !flat; ls++) {
    const tTry = theta.map((x, i) => x + step * delta[i]!)
    if (objective(tTry) >= f0 + 1e-4 * step * slope) return tTry
    step /= 2
  }
  // Near the optimum f is flat to round-off; then the Newton step is taken as it is.
  return theta.map((x, i) => x + delta[i]!)
}

export const newtonIdentify: Solver = (oracle, plane, p, options) => {
  if (oracle.cheapHvp === true) {
    const fast = newtonIdentifyLog(oracle, plane, p, options)
    if (fast.converged) return fast
    // Log-space Newton stalled: the Newton-CG below takes over from where it stopped.
    const rest = newtonIdentify({ ...oracle, cheapHvp: false, start: () => fast.theta }, plane, p, {
      tol: options.tol,
      maxIterations: Math.max(0, options.maxIterations - fast.iterations)
    })
    // The Newton-CG below restarts from the log phase's θ; keep whichever is better.
    const best = rest.residual <= fast.residual ? rest : fast
    return { ...best, iterations: rest.iterations + fast.iterations }
  }
  const d = p.length
  const objective = (theta: Float64Array) => dot(p, theta) - oracle.value(theta)
  let { theta, iterations } = diagonalSteps(oracle, p, options)
  let residual = Infinity
  let l1 = Infinity
  for (; iterations <= options.maxIterations; iterations++) {
    const P = oracle.grad(theta)
    const g = new Float64Array(d)
    for (let i = 0; i < d; i++) g[i] = p[i]! - P[i]!
    residual = logResidual(P, p)
    l1 = l1Of(P, p)
    if (residual <= options.tol || iterations === options.maxIterations) break
    // g ⊥ 𝟙: p and P both sum to 1.
    const rr0 = dot(g, g)
    const { delta } = pcg((v) => oracle.hvp(theta, v), g, jacobi(oracle.diagonal(theta)), Math.min(200, 2 * d), (_rz, r) => {
      const rr = dot(r, r)
      return rr <= 1e-28 * rr0 || rr <= 1e-34
    })
    if (dot(delta, delta) === 0) delta.set(g)
    theta = centre(backtrack(objective, theta, delta, dot(g, delta)))
  }
  return { theta: slide(plane, theta), residual, l1, iterations, converged: residual <= options.tol }
}

/**
 * The log-space Newton direction at θ: the inexact PCG solve of J δ = P ∘ (r − ⟨P, r⟩ 𝟙), two
 * Jacobi sweeps, and a push up for probabilities far below their target.
 */
const logDirection = (oracle: Oracle, theta: Float64Array, P: Float64Array, p: Float64Array, logp: Float64Array): Float64Array => {
  const d = p.length
  const r = new Float64Array(d)
  let pr = 0
  for (let i = 0; i < d; i++) {
    // A probability that underflowed still gets a finite, large push upwards.
    r[i] = logp[i]! - Math.log(Math.max(P[i]!, 1e-300))
    pr += P[i]! * r[i]!
  }
  const b = new Float64Array(d)
  let top = 0
  for (let i = 0; i < d; i++) {
    b[i] = P[i]! * (r[i]! - pr)
    if (P[i]! > P[top]!) top = i
  }
  // Σ b = 0; the largest probability's entry is taken from the others, which carry no cancellation
  // (near a vertex, r_top − ⟨P, r⟩ is a difference of two 1e-15 numbers).
  b[top] = 0
  let rest = 0
  for (let i = 0; i < d; i++) rest += b[i]!
  b[top] = -rest
  // Inexact Newton: the CG tolerance tightens with the residual (superlinear convergence).
  const eta = Math.min(0.1, Math.sqrt(l1Of(P, p)))
  let stop = -1
  const Minv = jacobi(oracle.diagonal(theta))
  const { delta, residual } = pcg((v) => oracle.hvp(theta, v), b, Minv, Math.min(60, 2 * d), (rz) => {
    if (stop < 0) stop = eta * eta * rz
    return rz <= stop
  })
  // CG weighs coordinate i by its curvature (∝ P_i), so it leaves the smallest probabilities
  // unsolved; they are nearly decoupled, and Jacobi sweeps on the remaining residual settle them.
  // The first sweep's residual is CG's own (one product fewer).
  for (let sweep = 0; sweep < 2; sweep++) {
    const rest = sweep === 0 ? residual : oracle.hvp(theta, delta).map((x, i) => b[i]! - x)
    const corr = centre(rest.map((x, i) => x * Minv[i]!))
    for (let i = 0; i < d; i++) delta[i]! += corr[i]!
  }
  // A probability far below its target (or underflowed to 0) has no curvature to move it: push it up.
  for (let i = 0; i < d; i++) if (!(P[i]! >= 1e-3 * p[i]!)) delta[i] = Math.max(delta[i]!, Math.min(2, 0.25 * r[i]!))
  return delta
}

/** The relative accuracy of P while the residual is large (`Oracle.gradTo`). */
const LOOSE = 1e-4

/**
 * Newton on log P(θ) = log p in ℝ^d/𝟙 for oracles with cheap, exact Jacobian products (the
 * shared-node Gaussian-Argmax): with r = log p − log P, the step solves
 *   J δ = P ∘ (r − ⟨P, r⟩ 𝟙)   (the right side sums to 0, so it lies in J's range),
 * which is Newton's step for log P (J_log = diag(1/P) J) projected onto the constraint Σ P = 1; it is
 * exact for softmax and keeps small probabilities moving where Newton on P crawls. Each step is an
 * inexact Jacobi-PCG solve (relative tolerance min(0.1, ‖P − p‖₁), then tighter as the residual
 * falls), with backtracking on max_i |log P_i − log p_i|; a step that cannot lower it ends the iteration.
 * P is read only as accurately as the residual r needs (`Oracle.gradTo`, to a relative
 * min(1e-4, r²/1000)); a residual below tol is re-read certified (`grad`) before it ends the
 * iteration, and the one returned is always the certified one. At d = 1000 this left 5 of 6
 * evaluations to the shared nodes alone, where each used to recompute ~980 probabilities.
 */
export const newtonIdentifyLog: Solver = (oracle, plane, p, options) => {
  const d = p.length
  const logp = p.map(Math.log)
  // Far from the solution P is read to a relative LOOSE (or r²/1000 below it); a residual below tol
  // is then re-read certified (`grad`) before it counts. rtol = 0: every read is certified.
  const gradTo = oracle.gradTo ?? oracle.grad
  let rtol = oracle.gradTo === undefined ? 0 : LOOSE
  let theta = centre(oracle.start(p))
  let P = gradTo(theta, rtol)
  let residual = logResidual(P, p)
  let iterations = 0
  const certify = () => {
    rtol = 0
    P = oracle.grad(theta)
    residual = logResidual(P, p)
  }
  for (; iterations < options.maxIterations; iterations++) {
    if (residual <= options.tol && rtol > 0) certify()
    if (residual <= options.tol) break
    const delta = logDirection(oracle, theta, P, p, logp)
    // Steps of more than 10 in any coordinate are shortened (far from the solution log P is not linear).
    let big = 0
    for (let i = 0; i < d; i++) big = Math.max(big, Math.abs(delta[i]!))
    let step = big > 10 ? 10 / big : 1
    // Newton's next residual is about r²: read P to a small fraction of it.
    if (rtol > 0) rtol = Math.min(LOOSE, 1e-3 * residual * residual)
    let accepted = false
    for (let ls = 0; ls < 30; ls++) {
      const next = centre(theta.map((x, i) => x + step * delta[i]!))
      const Pn = rtol > 0 ? gradTo(next, rtol) : oracle.grad(next)
      const rn = logResidual(Pn, p)
      if (rn < residual) {
        theta = next
        P = Pn
        residual = rn
        accepted = true
        break
      }
      step /= 2
    }
    if (!accepted) break
  }
  // What is returned is measured on certified probabilities.
  if (rtol > 0) certify()
  return { theta: slide(plane, theta), residual, l1: l1Of(P, p), iterations, converged: residual <= options.tol }
}
