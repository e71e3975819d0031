/**
 * The standard normal table for the shared-node Normal-Argmax (see `probabilities.ts`): log Φ(z)
 * and the Mills ratio φ(z)/Φ(z) from a piecewise polynomial table (cells of 1/16 on [−16, 9.5],
 * degree 6, Chebyshev-interpolated from the law's own log cdf and log density at first use); above
 * 9.5, Φ = 1 and φ/Φ = 0 (Φ̄(9.5) ≈ 1e-21); below −16 the law is called directly.
 */
import { Noise } from "@perturb/noise"

export const ZLO = -16
/** Above ZHI, Φ = 1 and φ/Φ = 0 to within Φ̄(9.5) ≈ 1e-21. */
export const ZHI = 9.5
const CELL = 0.0625
export const INV_CELL = 1 / CELL
const DEG = 6
export const STRIDE = 2 * (DEG + 1)
const CELLS = Math.ceil((ZHI - ZLO) / CELL)
/** Doubles in the table. */
export const TABLE_LENGTH = CELLS * STRIDE
export const STD = Noise.normal()

/**
 * [z, e]: the table's Mills ratio has relative error ≤ e below z. Its error grows with z (φ/Φ falls
 * by e^−z per unit there, too fast for degree 6 on cells of 1/16); measured against the law's own
 * log density and log cdf on a grid of step 1.3e-3 over [−16, 9.5] (1.1e-13 below 4, 2.3e-12 below
 * 5, 1.4e-11 below 6, 5.3e-11 below 7, 1.6e-10 below 8, 6.1e-10 overall), times 2.
 */
export const MILLS_RELATIVE_ERROR: ReadonlyArray<readonly [number, number]> = [
  [4, 2.2e-13],
  [5, 4.6e-12],
  [6, 2.8e-11],
  [7, 1.1e-10],
  [8, 3.2e-10],
  [Infinity, 1.3e-9]
]
/** log Φ's absolute error is ≤ LOG_CDF_ERROR · (1 + |log Φ|) on the table (measured 2e-15, times 2). */
export const LOG_CDF_ERROR = 4e-15

/**
 * The table, filled at first use. A module-level constant: V8 folds its base and length into the
 * loops that read it through `tableAt` (1.4× faster than a table passed in, measured).
 */
const TABLE = new Float64Array(TABLE_LENGTH)
let built = false

/** Coefficients, per cell, of log Φ (even slots) and φ/Φ (odd slots) in s ∈ [−1, 1], monomial basis. */
const buildTable = (out: Float64Array): void => {
  const n = DEG + 1
  const vals = new Float64Array(n)
  const cheb = new Float64Array(n)
  const mono = new Float64Array(n)
  // T_k in the monomial basis, k ≤ DEG.
  const T: Array<Float64Array> = [Float64Array.of(1), Float64Array.of(0, 1)]
  for (let k = 2; k < n; k++) {
    const next = new Float64Array(k + 1)
    for (let i = 0; i < T[k - 1]!.length; i++) next[i + 1]! += 2 * T[k - 1]![i]!
    for (let i = 0; i < T[k - 2]!.length; i++) next[i]! -= T[k - 2]![i]!
    T.push(next)
  }
  const fns = [(z: number) => STD.logcdf(z), (z: number) => Math.exp(STD.logpdf(z) - STD.logcdf(z))]
  for (let c = 0; c < CELLS; c++) {
    const a = ZLO + c * CELL
    for (let f = 0; f < 2; f++) {
      for (let j = 0; j < n; j++) vals[j] = fns[f]!(a + CELL * 0.5 * (1 + Math.cos((Math.PI * (j + 0.5)) / n)))
      for (let k = 0; k < n; k++) {
        let s = 0
        for (let j = 0; j < n; j++) s += vals[j]! * Math.cos((Math.PI * k * (j + 0.5)) / n)
        cheb[k] = ((k === 0 ? 1 : 2) * s) / n
      }
      mono.fill(0)
      for (let k = 0; k < n; k++) for (let i = 0; i < T[k]!.length; i++) mono[i]! += cheb[k]! * T[k]![i]!
      for (let i = 0; i < n; i++) out[c * STRIDE + 2 * i + f] = mono[i]!
    }
  }
}

/** The table, built on first call; `tableAt` reads it only after this has run once. */
export const getTable = (): Float64Array => {
  if (!built) {
    buildTable(TABLE)
    built = true
  }
  return TABLE
}

/**
 * log Φ(z) into lp[k] and φ(z)/Φ(z) into m[k] for z < ZHI, as the kernels below compute them
 * (exported for tests of the table).
 */
export const normalLogCdfMills = (z: number): { readonly logCdf: number; readonly mills: number } => {
  if (!(z < ZHI)) return { logCdf: 0, mills: 0 }
  if (!(z >= ZLO)) return { logCdf: STD.logcdf(z), mills: Math.exp(STD.logpdf(z) - STD.logcdf(z)) }
  getTable()
  return { logCdf: tableAt(z, 0), mills: tableAt(z, 1) }
}

/**
 * The table's polynomial for z's cell, ZLO ≤ z < ZHI, once `getTable` has run: log Φ(z) for `slot`
 * 0, φ(z)/Φ(z) for 1. The node pass in `pass.ts` inlines both (its hot loop).
 */
export const tableAt = (z: number, slot: 0 | 1): number => {
  const T = TABLE
  const u = (z - ZLO) * INV_CELL
  const k = u | 0
  const s = 2 * (u - k) - 1
  const o = k * STRIDE + slot
  let p = T[o + 12]!
  for (let i = 10; i >= 0; i -= 2) p = p * s + T[o + i]!
  return p
}
