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
 * Breakpoints from lo to hi. `features` (where some integrand changes fast) are kept only inside
 * the bulk and at most one per quarter IQR, so d = 1000 rows do not cost 1000 panels each;
 * `kinks` (derivative jumps: support edges, Laplace's mode, shifted) are kept exactly, since a kink
 * inside a panel slows Gauss–Kronrod to O(h²).
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
  const kept = features.filter((x) => x > a && x < b).sort((x, y) => x - y)
  let last = -Infinity
  for (const x of kept) {
    if (x - last >= quarter) {
      pts.push(x)
      last = x
    }
  }
  for (const x of kinks) if (x > lo && x < hi) pts.push(x)
  pts.sort((x, y) => x - y)
  const out: Array<number> = [pts[0]!]
  for (let i = 1; i < pts.length; i++) {
    const x = pts[i]!
    if (x - out[out.length - 1]! > 1e-12 * Math.max(1, Math.abs(x))) out.push(x)
  }
  // The last point must be hi itself (deduplication may have kept a point just below it).
  out[out.length - 1] = hi
  return out
}
