/**
 * Panel breakpoints for the one-dimensional integrals of the exact perturbed top-k and ranks: the
 * variable z is one noise value γ_i, weighted by its density f, so the range is f's [lo, hi] (mass
 * ≤ e^−70 beyond each end, `lawInfo`), panels of width ≤ IQR inside f's bulk (median ± 8 IQR) and
 * geometric outside it (heavy tails reach 1e30 in O(log) panels).
 */
import type { LawInfo } from "../independent/tails.js"

/** Bulk half-width in IQRs, as in the argmax quadrature. */
const BULK = 8

/**
 * Breakpoints about a feature x outside the bulk: x ± IQR·2^m out to half its distance from the
 * median. A shifted density f(z + Δ) peaks there; the geometric panels alone (as wide as their
 * distance to the bulk) stepped over the peak and its heavy tails with no node near them, and
 * Gauss–Kronrod's error estimate did not see what it missed (Student t's f_D(1000) came out 2/3).
 */
const farWindow = (x: number, med: number, iqr: number, pts: Array<number>): void => {
  pts.push(x)
  for (let w = iqr; w <= Math.abs(x - med) / 2; w *= 2) pts.push(x - w, x + w)
}

/**
 * Breakpoints from lo to hi. `features` (where some integrand changes fast) are kept at most one
 * per quarter IQR inside the bulk and one per IQR outside it (each with its `farWindow`), so
 * d = 1000 rows do not cost 1000 panels each; `kinks` (derivative jumps: support edges, Laplace's
 * mode, shifted) are kept exactly, since a kink inside a panel slows Gauss–Kronrod to O(h²).
 */
export const zBreaks = (info: LawInfo, features: ReadonlyArray<number>, kinks: ReadonlyArray<number>): Array<number> => {
  const { lo, hi, med, iqr } = info
  const a = Math.max(lo, med - BULK * iqr)
  const b = Math.min(hi, med + BULK * iqr)
  const pts: Array<number> = [lo, hi]
  if (a < b) {
    const n = Math.ceil((b - a) / iqr)
    for (let s = 0; s <= n; s++) pts.push(s === n ? b : a + s * iqr)
  }
  for (let w = iqr, x = a - w; x > lo; w *= 2, x -= w) pts.push(x)
  for (let w = iqr, x = b + w; x < hi; w *= 2, x += w) pts.push(x)
  const quarter = iqr / 4
  let last = -Infinity
  for (const x of features.filter((x) => x > lo && x < hi).sort((x, y) => x - y)) {
    const inside = x > a && x < b
    if (x - last < (inside ? quarter : iqr)) continue
    last = x
    if (inside) pts.push(x)
    else farWindow(x, med, iqr, pts)
  }
  for (const x of kinks) if (x > lo && x < hi) pts.push(x)
  // A far feature's window may reach past lo or hi.
  const sorted = pts.filter((x) => x >= lo && x <= hi).sort((x, y) => x - y)
  const out: Array<number> = [sorted[0]!]
  for (let i = 1; i < sorted.length; i++) {
    const x = sorted[i]!
    if (x - out[out.length - 1]! > 1e-12 * Math.max(1, Math.abs(x))) out.push(x)
  }
  // The last point must be hi itself (deduplication may have kept a point just below it).
  out[out.length - 1] = hi
  return out
}
