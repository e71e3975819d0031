/**
 * Small dense linear algebra and distances on probability vectors, in float64, for the evidence:
 * k × k systems and spectra where k (the free dimension) is at most a few dozen.
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
