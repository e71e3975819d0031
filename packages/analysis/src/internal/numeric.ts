/**
 * The numeric machinery of `confirm`: a float64 view of a compiled model's kernels (probabilities
 * with standard errors, potentials, the Jacobian of P = Hessian of the potential), a batched
 * Levenberg–Marquardt fitter over the free parameters, and small dense linear algebra.
 *
 * Everything here goes through the public kernels of `@perturb/core`: the probabilities a user
 * gets are the ones the evidence is about. Perturb-Softmax estimates use one fixed QMC key
 * (common random numbers), so P̂ is a smooth deterministic function of θ — exactly the gradient of
 * the estimated potential — and finite differences of it are meaningful.
 */
import * as tf from "@tensorflow/tfjs"
import { type Kernels } from "@perturb/core"
import type { Key } from "@perturb/noise"
import { Effect } from "effect"

export interface Estimate {
  readonly p: Array<Float64Array>
  /** Per-coordinate standard errors (Monte Carlo / QMC estimates only). */
  readonly se?: Array<Float64Array>
}

export interface Estimator {
  readonly d: number
  readonly k: number
  /** "exact" (argmax closed forms / quadrature / enumeration) or a Monte Carlo label. */
  readonly label: string
  readonly monteCarlo: boolean
  readonly kernels: Kernels
  probs(rows: ReadonlyArray<ArrayLike<number>>): Estimate
  potential(rows: ReadonlyArray<ArrayLike<number>>): Float64Array
  /**
   * The d × d Jacobian of P at θ (row-major), by autodiff where the kernel has a gradient. One row
   * (one gradient) at a time with `pace` between them: at d = 8 the whole matrix takes ~0.5 s.
   */
  jacobian(theta: ArrayLike<number>, pace: Effect.Effect<void>): Effect.Effect<{ readonly H: Float64Array; readonly how: string }>
  /** Free parameters → θ ∈ Θ (rows). */
  theta(us: ReadonlyArray<ArrayLike<number>>): Array<Float64Array>
}

const rowsOf = (flat: ArrayLike<number>, n: number, d: number): Array<Float64Array> =>
  Array.from({ length: n }, (_, r) => Float64Array.from({ length: d }, (_, i) => flat[r * d + i]!))

const flatten = (rows: ReadonlyArray<ArrayLike<number>>, d: number): Float32Array => {
  const out = new Float32Array(rows.length * d)
  rows.forEach((r, i) => {
    for (let j = 0; j < d; j++) out[i * d + j] = r[j]!
  })
  return out
}

/**
 * A float64 view of the kernels. `samples`/`key` drive Perturb-Softmax (QMC, standard errors from
 * its scrambled replicates) and the Monte Carlo fallback of Perturb-Argmax when the noise has no
 * exact method (e.g. continuous and discrete coordinates mixed).
 */
export const estimator = (kernels: Kernels, softmax: boolean, samples: number, key: Key.Key): Estimator => {
  const d = kernels.dim
  const qmc = { method: "qmc" as const, samples, key }
  let options: { method?: "qmc"; samples?: number; key?: Key.Key } = softmax ? qmc : { samples, key }
  let label = softmax ? `QMC, ${samples} scrambled Sobol points (fixed key)` : "exact"
  if (!softmax) {
    try {
      scoped(() => kernels.probs(tf.zeros([d])))
    } catch {
      // No exact method for this noise: argmax frequencies by QMC (no gradient; Jacobians by differences).
      options = qmc
      label = `QMC argmax frequencies, ${samples} points (fixed key)`
    }
  }
  const monteCarlo = options.method === "qmc"
  const probs = (rows: ReadonlyArray<ArrayLike<number>>): Estimate => {
    const n = rows.length
    if (n === 0) return { p: [] }
    const t = tf.tensor2d(flatten(rows, d), [n, d])
    try {
      const r = kernels.probs(t, options)
      const p = rowsOf(r.probs.dataSync(), n, d)
      const se = r.stdError === undefined ? undefined : rowsOf(r.stdError.dataSync(), n, d)
      r.probs.dispose()
      r.stdError?.dispose()
      return se === undefined ? { p } : { p, se }
    } finally {
      t.dispose()
    }
  }
  const potential = (rows: ReadonlyArray<ArrayLike<number>>): Float64Array => {
    const t = tf.tensor2d(flatten(rows, d), [rows.length, d])
    try {
      const m = kernels.potential(t, options)
      const out = Float64Array.from(m.potential.dataSync())
      m.potential.dispose()
      m.stdError?.dispose()
      m.errorBound?.dispose()
      return out
    } finally {
      t.dispose()
    }
  }
  const byDifferences = (theta: ArrayLike<number>, pace: Effect.Effect<void>) =>
    Effect.gen(function*() {
      // Central differences of P (float32 output): error ~1e-7/h + h²·|P'''|, h = 1e-2 balances them.
      const h = 1e-2
      const rows: Array<Float64Array> = []
      for (let j = 0; j < d; j++) {
        for (const s of [1, -1]) rows.push(Float64Array.from(theta, (v, i) => (i === j ? v + s * h : v)))
      }
      const { p } = yield* probsSliced(self, rows, pace)
      const H = new Float64Array(d * d)
      for (let j = 0; j < d; j++) for (let i = 0; i < d; i++) H[i * d + j] = (p[2 * j]![i]! - p[2 * j + 1]![i]!) / (2 * h)
      return H
    })
  /** Row i of the Jacobian (∇P_i) into H; false when the kernel has no gradient. */
  const gradientRow = (x: Float32Array, i: number, H: Float64Array): boolean =>
    scoped(() => {
      try {
        const row = tf.grad((th: tf.Tensor) => kernels.probs(th, options).probs.slice([i], [1]).sum())(tf.tensor1d(x)).dataSync()
        for (let j = 0; j < d; j++) H[i * d + j] = row[j]!
        return true
      } catch {
        // e.g. correlated Gaussian argmax: no analytic derivative in the kernel.
        return false
      }
    })
  const jacobian = (theta: ArrayLike<number>, pace: Effect.Effect<void>) =>
    Effect.gen(function*() {
      if (!monteCarlo || softmax) {
        const x = Float32Array.from(theta)
        const H = new Float64Array(d * d)
        let ok = gradientRow(x, 0, H)
        for (let i = 1; i < d && ok; i++) {
          yield* pace
          ok = gradientRow(x, i, H)
        }
        if (ok) {
          return { H: symmetrise(H, d), how: softmax ? "autodiff of the fixed-key QMC estimate" : "autodiff of the exact kernel (analytic Jacobian-vector products)" }
        }
      }
      return { H: symmetrise(yield* byDifferences(theta, pace), d), how: "central differences of P (h = 0.01)" }
    })
  const theta = (us: ReadonlyArray<ArrayLike<number>>): Array<Float64Array> => {
    const k = kernels.freeDim
    if (us.length === 0) return []
    if (k === 0) {
      const t = kernels.theta(tf.zeros([us.length, 0]))
      const out = rowsOf(t.dataSync(), us.length, d)
      t.dispose()
      return out
    }
    const u = tf.tensor2d(flatten(us, k), [us.length, k])
    const t = kernels.theta(u)
    const out = rowsOf(t.dataSync(), us.length, d)
    u.dispose()
    t.dispose()
    return out
  }
  // Every call returns plain arrays: a scope releases whatever tensors the kernels made on the way
  // (one per gradient row for the Jacobian: no scope may stay open across a yield).
  const self: Estimator = {
    d,
    k: kernels.freeDim,
    label,
    monteCarlo,
    kernels,
    probs: (rows) => scoped(() => probs(rows)),
    potential: (rows) => scoped(() => potential(rows)),
    jacobian,
    theta: (us) => scoped(() => theta(us))
  }
  return self
}

/**
 * The longest stretch of synchronous work wanted between two yield points. Work that splits (rows of
 * a probability batch, targets of a Levenberg–Marquardt batch, rows of a Jacobian) is sized to about
 * this from the time the previous piece took, so an interruption is honoured within ~100 ms at d ≥ 8.
 */
export const SLICE_MS = 25

/** The next piece's size: the last size scaled to take about SLICE_MS, at most doubling. */
export const nextSize = (size: number, ms: number, max: number): number =>
  Math.max(1, Math.min(max, 2 * size, Math.floor((size * SLICE_MS) / Math.max(ms, 1e-3))))

/**
 * `est.probs(rows)` in pieces of about SLICE_MS with `pace` before each. Rows are independent (one
 * fixed key for every row), so the pieces give the same numbers as one batched call.
 */
export const probsSliced = (est: Estimator, rows: ReadonlyArray<ArrayLike<number>>, pace: Effect.Effect<void>) =>
  Effect.gen(function*() {
    const p: Array<Float64Array> = []
    const se: Array<Float64Array> = []
    let hasSe = true
    let size = 1
    for (let start = 0; start < rows.length;) {
      yield* pace
      const t0 = performance.now()
      const r = est.probs(rows.slice(start, start + size))
      p.push(...r.p)
      if (r.se === undefined) hasSe = false
      else se.push(...r.se)
      start += size
      size = nextSize(size, performance.now() - t0, rows.length)
    }
    return hasSe && rows.length > 0 ? { p, se } : { p }
  })

/** Runs `f` in a tfjs scope and releases every tensor it made (`f` returns plain numbers). */
export const scoped = <A>(f: () => A): A => {
  tf.engine().startScope()
  try {
    return f()
  } finally {
    tf.engine().endScope()
  }
}

/** P is the gradient of a convex potential, so its Jacobian is symmetric; average out round-off. */
const symmetrise = (H: Float64Array, d: number): Float64Array => {
  const out = new Float64Array(d * d)
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j] = (H[i * d + j]! + H[j * d + i]!) / 2
  return out
}

export const l1 = (x: ArrayLike<number>, y: ArrayLike<number>): number => {
  let s = 0
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i]! - y[i]!)
  return s
}

/** The largest relative error max_i |P_i − p_i| / max(P_i, p_i): near a vertex, ‖·‖₁ hides tiny coordinates. */
export const relative = (P: ArrayLike<number>, p: ArrayLike<number>): number => {
  let m = 0
  for (let i = 0; i < p.length; i++) {
    const top = Math.max(P[i]!, p[i]!)
    if (top > 0) m = Math.max(m, Math.abs(P[i]! - p[i]!) / top)
  }
  return m
}

export const sum = (x: ArrayLike<number> | undefined): number => {
  if (x === undefined) return 0
  let s = 0
  for (let i = 0; i < x.length; i++) s += x[i]!
  return s
}

/** Solves the k × k system A x = b (A symmetric positive definite after damping) by Gaussian elimination. */
export const solve = (A: Float64Array, b: Float64Array, k: number): Float64Array => {
  const M = Float64Array.from(A)
  const x = Float64Array.from(b)
  for (let c = 0; c < k; c++) {
    let piv = c
    for (let r = c + 1; r < k; r++) if (Math.abs(M[r * k + c]!) > Math.abs(M[piv * k + c]!)) piv = r
    if (piv !== c) {
      for (let j = 0; j < k; j++) [M[c * k + j], M[piv * k + j]] = [M[piv * k + j]!, M[c * k + j]!]
      ;[x[c], x[piv]] = [x[piv]!, x[c]!]
    }
    const m = M[c * k + c]!
    if (Math.abs(m) < 1e-300) continue
    for (let r = c + 1; r < k; r++) {
      const f = M[r * k + c]! / m
      if (f === 0) continue
      for (let j = c; j < k; j++) M[r * k + j]! -= f * M[c * k + j]!
      x[r]! -= f * x[c]!
    }
  }
  for (let c = k - 1; c >= 0; c--) {
    let s = x[c]!
    for (let j = c + 1; j < k; j++) s -= M[c * k + j]! * x[j]!
    const m = M[c * k + c]!
    x[c] = Math.abs(m) < 1e-300 ? 0 : s / m
  }
  return x
}

/** Eigenvalues of a symmetric k × k matrix by cyclic Jacobi rotations (k is at most a few dozen here). */
export const symmetricEigenvalues = (S: Float64Array, k: number): Float64Array => {
  const A = Float64Array.from(S)
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0
    for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) off += A[i * k + j]! ** 2
    if (off < 1e-30) break
    for (let p = 0; p < k; p++) {
      for (let q = p + 1; q < k; q++) {
        const apq = A[p * k + q]!
        if (Math.abs(apq) < 1e-300) continue
        const theta = (A[q * k + q]! - A[p * k + p]!) / (2 * apq)
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
        const c = 1 / Math.sqrt(t * t + 1)
        const s = t * c
        for (let r = 0; r < k; r++) {
          const arp = A[r * k + p]!
          const arq = A[r * k + q]!
          A[r * k + p] = c * arp - s * arq
          A[r * k + q] = s * arp + c * arq
        }
        for (let r = 0; r < k; r++) {
          const apr = A[p * k + r]!
          const aqr = A[q * k + r]!
          A[p * k + r] = c * apr - s * aqr
          A[q * k + r] = s * apr + c * aqr
        }
      }
    }
  }
  return Float64Array.from({ length: k }, (_, i) => A[i * k + i]!).sort()
}

/** `Bᵀ H B` for `B` d × k row-major (orthonormal columns): the Hessian restricted to span(B). */
export const restrict = (H: Float64Array, B: Float64Array, d: number, k: number): Float64Array => {
  const HB = new Float64Array(d * k)
  for (let i = 0; i < d; i++) {
    for (let c = 0; c < k; c++) {
      let s = 0
      for (let j = 0; j < d; j++) s += H[i * d + j]! * B[j * k + c]!
      HB[i * k + c] = s
    }
  }
  const out = new Float64Array(k * k)
  for (let a = 0; a < k; a++) {
    for (let c = 0; c < k; c++) {
      let s = 0
      for (let i = 0; i < d; i++) s += B[i * k + a]! * HB[i * k + c]!
      out[a * k + c] = s
    }
  }
  return out
}

export interface FitState {
  u: Float64Array
  theta: Float64Array
  P: Float64Array
  se: Float64Array | undefined
  residual: number
  lambda: number
  done: boolean
  iterations: number
}

/**
 * One batched Levenberg–Marquardt iteration over the free parameters, for every unfinished target:
 * minimise Σ_i (P_i(θ(u)) − p_i)² / p_i (a chi-square weighting, so near-vertex targets' small
 * coordinates count), with a forward-difference Jacobian in u computed in the same batched call as
 * the residual (common random numbers make the differences of a QMC estimate smooth). A step is
 * kept only when it lowers the weighted residual; λ adapts per target.
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
    const weight = (p: Float64Array) => p.map((x) => 1 / Math.sqrt(Math.max(x, 1e-8)))
    const steps: Array<Float64Array> = []
    active.forEach((i, a) => {
      const s = states[i]!
      const p = targets[i]!
      const w = weight(p)
      const J = new Float64Array(d * k)
      for (let j = 0; j < k; j++) {
        const hj = h * Math.max(1, Math.abs(s.u[j]!))
        const Pj = shifted[a * k + j]!
        for (let r = 0; r < d; r++) J[r * k + j] = (w[r]! * (Pj[r]! - s.P[r]!)) / hj
      }
      const r = s.P.map((x, c) => w[c]! * (x - p[c]!))
      const JtJ = new Float64Array(k * k)
      const g = new Float64Array(k)
      for (let a2 = 0; a2 < k; a2++) {
        for (let b = 0; b < k; b++) {
          let acc = 0
          for (let q = 0; q < d; q++) acc += J[q * k + a2]! * J[q * k + b]!
          JtJ[a2 * k + b] = acc
        }
        let acc = 0
        for (let q = 0; q < d; q++) acc += J[q * k + a2]! * r[q]!
        g[a2] = -acc
      }
      let scale = 0
      for (let a2 = 0; a2 < k; a2++) scale = Math.max(scale, JtJ[a2 * k + a2]!)
      for (let a2 = 0; a2 < k; a2++) JtJ[a2 * k + a2]! += s.lambda * (JtJ[a2 * k + a2]! + 1e-9 * Math.max(scale, 1e-12))
      // Steps are capped: θ(u) saturates (vertices are limits), where a Gauss–Newton step explodes.
      steps.push(solve(JtJ, g, k).map((v) => Math.max(-5, Math.min(5, v))))
    })
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
      if (chi(P, p) < chi(s.P, p)) {
        s.u = trials[a]!
        s.theta = trialTheta[a]!
        s.P = P
        s.se = trialP.se?.[a]
        s.residual = l1(P, p)
        s.lambda = Math.max(s.lambda / 3, 1e-9)
      } else {
        s.lambda *= 4
      }
      if ((s.residual <= tol && relative(s.P, p) <= 1e-2) || s.iterations >= maxIterations || s.lambda > 1e8) s.done = true
    })
  })

export const startStates = (est: Estimator, targets: ReadonlyArray<Float64Array>, pace: Effect.Effect<void>) =>
  Effect.gen(function*() {
    const u0 = new Float64Array(est.k)
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
      iterations: 0
    }))
  })
