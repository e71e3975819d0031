/**
 * Distances on probability vectors and small dense matrix products, in float64, for the evidence
 * (k, the free dimension, is at most a few dozen). Solves and spectra are `Numeric`'s, from
 * `@perturb/noise`.
 */
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

/** `Xᵀ Y` for `X` n × p and `Y` n × q, row-major. */
export const transposeTimes = (X: ArrayLike<number>, Y: ArrayLike<number>, n: number, p: number, q: number): Float64Array => {
  const out = new Float64Array(p * q)
  for (let a = 0; a < p; a++) {
    for (let c = 0; c < q; c++) {
      let s = 0
      for (let i = 0; i < n; i++) s += X[i * p + a]! * Y[i * q + c]!
      out[a * q + c] = s
    }
  }
  return out
}

/**
 * `Bᵀ H B` for `B` d × k row-major (orthonormal columns): the Hessian restricted to span(B). `H` is
 * symmetric (the Jacobians are symmetrised), so `H B = Hᵀ B`.
 */
export const restrict = (H: Float64Array, B: Float64Array, d: number, k: number): Float64Array =>
  transposeTimes(B, transposeTimes(H, B, d, d, k), d, k, k)
