/**
 * Genz's separation of variables (Genz 1992; Genz & Bretz 2009) on a randomly shifted Richtmyer
 * lattice (generators frac(√prime), baker's periodising transform), with the Genz–Bretz variable
 * reordering: orthant probabilities Pr[Y ≤ b] of the argmax differences of a correlated Gaussian,
 * and E max on the same kind of lattice, each with the spread of its shifts as standard error.
 */
import { Noise, Numeric } from "@perturb/noise"

/** The mean of the shifts' estimates and its standard error (their spread). */
const meanSe = (est: Float64Array): { mean: number; se: number } => {
  const { mean, stdError } = Numeric.meanStdError(est)
  return { mean, se: stdError }
}

export const STD_NORMAL = Noise.normal()
export const phiCdf = (x: number): number => STD_NORMAL.cdf(x)
const phiInv = (p: number): number => STD_NORMAL.quantile(p)
export const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI)

const primes = (k: number): Array<number> => {
  const out: Array<number> = []
  for (let c = 2; out.length < k; c++) {
    let prime = true
    for (const p of out) {
      if (p * p > c) break
      if (c % p === 0) {
        prime = false
        break
      }
    }
    if (prime) out.push(c)
  }
  return out
}

/** Richtmyer generators frac(√p) for the first k primes. */
export const richtmyer = (k: number): Float64Array => Float64Array.from(primes(k), (p) => Math.sqrt(p) % 1)

const U_MIN = 1.1102230246251565e-16

/** Baker's (tent) transform of frac(n·z + shift): periodises the integrand. */
const latticeCoord = (n: number, z: number, shift: number): number => {
  const x = (n * z + shift) % 1
  const w = 1 - Math.abs(2 * x - 1)
  return w < U_MIN ? U_MIN : w > 1 - U_MIN ? 1 - U_MIN : w
}

/**
 * Cholesky factor with the Genz–Bretz reordering (smallest conditional probability first) of the
 * orthant problem Pr[Y ≤ b], Y ~ N(0, S). Returns the reordered factor (row-major m×m) and limits.
 */
const genzPrepare = (S: Float64Array, b: Float64Array, m: number): { C: Float64Array; b: Float64Array } => {
  const A = Float64Array.from(S)
  const bb = Float64Array.from(b)
  const C = new Float64Array(m * m)
  const y = new Float64Array(m)
  const swap = (i: number, j: number): void => {
    if (i === j) return
    for (let k = 0; k < m; k++) {
      const t = A[i * m + k]!
      A[i * m + k] = A[j * m + k]!
      A[j * m + k] = t
    }
    for (let k = 0; k < m; k++) {
      const t = A[k * m + i]!
      A[k * m + i] = A[k * m + j]!
      A[k * m + j] = t
    }
    const tb = bb[i]!
    bb[i] = bb[j]!
    bb[j] = tb
    for (let k = 0; k < m; k++) {
      const t = C[i * m + k]!
      C[i * m + k] = C[j * m + k]!
      C[j * m + k] = t
    }
  }
  for (let k = 0; k < m; k++) {
    let best = k
    let bestP = Infinity
    for (let j = k; j < m; j++) {
      let mean = 0
      let v = A[j * m + j]!
      for (let l = 0; l < k; l++) {
        mean += C[j * m + l]! * y[l]!
        v -= C[j * m + l]! ** 2
      }
      const p = phiCdf((bb[j]! - mean) / Math.sqrt(Math.max(v, 1e-300)))
      if (p < bestP) {
        bestP = p
        best = j
      }
    }
    swap(k, best)
    let v = A[k * m + k]!
    for (let l = 0; l < k; l++) v -= C[k * m + l]! ** 2
    const ckk = Math.sqrt(Math.max(v, 1e-300))
    C[k * m + k] = ckk
    for (let i = k + 1; i < m; i++) {
      let t = A[i * m + k]!
      for (let l = 0; l < k; l++) t -= C[i * m + l]! * C[k * m + l]!
      C[i * m + k] = t / ckk
    }
    let mean = 0
    for (let l = 0; l < k; l++) mean += C[k * m + l]! * y[l]!
    const a = (bb[k]! - mean) / ckk
    // E[Z | Z ≤ a] = −φ(a)/Φ(a), in log space for very negative a.
    y[k] = -Math.exp(STD_NORMAL.logpdf(a) - STD_NORMAL.logcdf(a))
  }
  return { C, b: bb }
}

export interface Lattice {
  readonly z: Float64Array
  readonly u: Float64Array
  readonly dims: number
  readonly shifts: number
  readonly perShift: number
  readonly yv: Float64Array
  readonly est: Float64Array
}

/** Pr[Y ≤ b], Y ~ N(0, S) in m dimensions, by Genz's separation of variables on the shifted lattice. */
export const orthant = (S: Float64Array, b: Float64Array, m: number, L: Lattice): { mean: number; se: number } => {
  const { C, b: bb } = genzPrepare(S, b, m)
  const e0 = phiCdf(bb[0]! / C[0]!)
  // One dimension is exact: no lattice needed.
  if (m === 1) return { mean: e0, se: 0 }
  for (let sh = 0; sh < L.shifts; sh++) {
    let acc = 0
    for (let nn = 1; nn <= L.perShift; nn++) {
      let e = e0
      let fval = e0
      for (let k = 1; k < m && fval > 0; k++) {
        const w = latticeCoord(nn, L.z[k - 1]!, L.u[sh * L.dims + k - 1]!)
        L.yv[k - 1] = phiInv(Math.max(w * e, 1e-300))
        let sum = 0
        for (let l = 0; l < k; l++) sum += C[k * m + l]! * L.yv[l]!
        e = phiCdf((bb[k]! - sum) / C[k * m + k]!)
        fval *= e
      }
      acc += fval
    }
    L.est[sh] = acc / L.perShift
  }
  return meanSe(L.est.subarray(0, L.shifts))
}

/** The other differences conditioned on Y_p = b_p: their covariance into Sc, their bounds into bc. */
export const condition = (S: Float64Array, b: Float64Array, m: number, p: number, Sc: Float64Array, bc: Float64Array): void => {
  const spp = S[p * m + p]!
  let r = 0
  for (let q = 0; q < m; q++) {
    if (q === p) continue
    bc[r] = b[q]! - (S[q * m + p]! / spp) * b[p]!
    let c = 0
    for (let t = 0; t < m; t++) {
      if (t === p) continue
      Sc[r * (m - 1) + c] = S[q * m + t]! - (S[q * m + p]! * S[p * m + t]!) / spp
      c++
    }
    r++
  }
}

/**
 * The differences Y_j = γ_j − γ_i (j ≠ i, in the order of the returned indices) with covariance
 * C_jk − C_ji − C_ik + C_ii into S, and the bounds of the event Y_j ≤ x_i − x_j into b.
 */
export const differences = (x: Float64Array, cov: ReadonlyArray<ReadonlyArray<number>>, i: number, S: Float64Array, b: Float64Array): Array<number> => {
  const d = x.length
  const m = d - 1
  const idx: Array<number> = []
  for (let j = 0; j < d; j++) if (j !== i) idx.push(j)
  for (let p = 0; p < m; p++) {
    const j = idx[p]!
    b[p] = x[i]! - x[j]!
    for (let q = 0; q < m; q++) {
      const k = idx[q]!
      S[p * m + q] = cov[j]![k]! - cov[j]![i]! - cov[i]![k]! + cov[i]![i]!
    }
  }
  return idx
}

/** M = E max(x + L ζ), ζ ~ N(0, I_d), on the same kind of lattice in d dimensions (its shifts' estimates into `L.est`). */
export const latticeMax = (x: Float64Array, Lc: Float64Array, L: Lattice): { mean: number; se: number } => {
  const d = x.length
  const { z, u, dims, shifts, perShift, est } = L
  const zeta = new Float64Array(d)
  for (let sh = 0; sh < shifts; sh++) {
    let acc = 0
    for (let nn = 1; nn <= perShift; nn++) {
      for (let k = 0; k < d; k++) zeta[k] = phiInv(latticeCoord(nn, z[k]!, u[sh * dims + k]!))
      let mx = -Infinity
      for (let r = 0; r < d; r++) {
        let v = x[r]!
        for (let k = 0; k <= r; k++) v += Lc[r * d + k]! * zeta[k]!
        if (v > mx) mx = v
      }
      acc += mx
    }
    est[sh] = acc / perShift
  }
  return meanSe(est)
}
