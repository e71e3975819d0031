/**
 * The inverse map θ = P⁻¹(p) on an affine space θ = x₀ + B·u (B orthonormal, d × k): maximise the
 * concave f(u) = ⟨p, θ(u)⟩ − F(θ(u)) by Newton's method, each step solved by conjugate gradients
 * with Hessian-vector products (so d = 1000 never forms a d × d matrix), and a backtracking line
 * search on f. F is exact or a fixed common-random-numbers estimate, so the problem is deterministic.
 */

/** A potential in float64: F (or M), its gradient P, and Hessian-vector products. */
export interface Oracle {
  readonly value: (theta: Float64Array) => number
  readonly grad: (theta: Float64Array) => Float64Array
  readonly hvp: (theta: Float64Array, v: Float64Array) => Float64Array
}

export interface Affine {
  readonly point: Float64Array
  readonly basis: Float64Array
  readonly k: number
}

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!
  return s
}

/** θ = x₀ + B u. */
const lift = (A: Affine, u: Float64Array): Float64Array => {
  const d = A.point.length
  const out = Float64Array.from(A.point)
  for (let i = 0; i < d; i++) {
    let s = 0
    for (let j = 0; j < A.k; j++) s += A.basis[i * A.k + j]! * u[j]!
    out[i]! += s
  }
  return out
}

/** Bᵀ v. */
const project = (A: Affine, v: Float64Array): Float64Array => {
  const out = new Float64Array(A.k)
  const d = A.point.length
  for (let i = 0; i < d; i++) {
    const vi = v[i]!
    for (let j = 0; j < A.k; j++) out[j]! += A.basis[i * A.k + j]! * vi
  }
  return out
}

/** B v (no offset). */
const span = (A: Affine, v: Float64Array): Float64Array => {
  const d = A.point.length
  const out = new Float64Array(d)
  for (let i = 0; i < d; i++) {
    let s = 0
    for (let j = 0; j < A.k; j++) s += A.basis[i * A.k + j]! * v[j]!
    out[i] = s
  }
  return out
}

export interface NewtonResult {
  readonly theta: Float64Array
  readonly residual: number
  readonly iterations: number
}

export const newtonIdentify = (
  oracle: Oracle,
  A: Affine,
  p: Float64Array,
  options: { readonly tol: number; readonly maxIterations: number; readonly start?: Float64Array }
): NewtonResult => {
  // Start from the projection of log p onto the space: exact for Gumbel-Argmax on ℝ^d/𝟙, and a
  // good guess for every other law.
  const logp = p.map(Math.log)
  const mean = logp.reduce((s, x) => s + x, 0) / logp.length
  const centred = logp.map((x, i) => x - mean - A.point[i]!)
  let u = options.start ?? project(A, centred)
  const objective = (theta: Float64Array) => dot(p, theta) - oracle.value(theta)
  let theta = lift(A, u)
  let residual = Infinity
  let iterations = 0
  for (; iterations < options.maxIterations; iterations++) {
    const P = oracle.grad(theta)
    residual = 0
    for (let i = 0; i < p.length; i++) residual += Math.abs(P[i]! - p[i]!)
    if (residual <= options.tol) break
    const g = project(A, p.map((pi, i) => pi - P[i]!))
    // CG on (Bᵀ H B) δ = g; H is positive definite on the span when the space is minimal.
    const delta = new Float64Array(A.k)
    const r = Float64Array.from(g)
    const dir = Float64Array.from(g)
    let rr = dot(r, r)
    const rr0 = rr
    for (let it = 0; it < Math.max(50, 2 * A.k) && rr > 1e-30 && rr > 1e-24 * rr0; it++) {
      const Hd = project(A, oracle.hvp(theta, span(A, dir)))
      const curvature = dot(dir, Hd)
      if (!(curvature > 0)) break
      const alpha = rr / curvature
      for (let j = 0; j < A.k; j++) {
        delta[j]! += alpha * dir[j]!
        r[j]! -= alpha * Hd[j]!
      }
      const rrNew = dot(r, r)
      const beta = rrNew / rr
      rr = rrNew
      for (let j = 0; j < A.k; j++) dir[j] = r[j]! + beta * dir[j]!
    }
    if (dot(delta, delta) === 0) for (let j = 0; j < A.k; j++) delta[j] = g[j]!
    // Backtracking on the concave objective; the full Newton step is accepted near the optimum.
    const f0 = objective(theta)
    const slope = dot(g, delta)
    let step = 1
    let next = theta
    for (let ls = 0; ls < 40; ls++) {
      const uTry = u.map((x, j) => x + step * delta[j]!)
      const tTry = lift(A, uTry)
      if (objective(tTry) >= f0 + 1e-4 * step * slope || step < 1e-10) {
        u = uTry
        next = tTry
        break
      }
      step /= 2
    }
    if (next === theta) break
    theta = next
  }
  return { theta, residual, iterations }
}
