/**
 * Exact perturbed sort: E[x_(r)], the r-th largest of x = θ + σγ (γ i.i.d. with a density and a
 * finite mean), and its Jacobian. Coordinate j sits at position r with probability
 *   π_jr = ∫ f(z) Pr[N_{−j}(z) = r − 1] dz,   N_{−j}(z) = #{i ≠ j : x_i > θ_j + σz}  (Poisson-binomial),
 * so E[x_(r)] = Σ_j ∫ (θ_j + σz) f(z) Pr[N_{−j}(z) = r − 1] dz, and since the sorted values are
 * piecewise linear in x with slope 1 in the coordinate at position r, ∂E[x_(r)]/∂θ_j = π_jr (the
 * permutation matrix's expectation: rows and columns sum to 1). One integral per coordinate j, of
 * the full count distribution (O(d²) per node), so this is for small d.
 */
import type { Law } from "@perturb/noise"
import { integrate, type NodeFn } from "../independent/quadrature.js"
import { DEFAULT_MAX_PANELS, DEFAULT_TOL, EPS, type LawInfo } from "../independent/tails.js"
import { zBreaks } from "./grid.js"
import { beats, countTables } from "./topk.js"

/** Column j's contributions: π_jr and E[x_j 1{j at r}] − θ_j π_jr (in units of σ), r = 1…d, and their error. */
export const sortColumn = (theta: Float64Array, j: number, sigma: number, law: Law, info: LawInfo) => {
  const d = theta.length
  const n = d - 1
  const delta = new Float64Array(n)
  for (let r = 0, o = 0; r < d; r++) if (r !== j) delta[o++] = (theta[j]! - theta[r]!) / sigma
  const pre = new Float64Array((n + 1) * d)
  const suf = new Float64Array((n + 1) * d)
  const p = new Float64Array(n)
  const q = new Float64Array(n)
  const f: NodeFn = (z, out) => {
    const w = beats(law, z, delta, p, q)
    if (w === 0) {
      out.fill(0)
      return
    }
    countTables(p, q, d, pre, suf)
    for (let c = 0; c < d; c++) {
      const pc = w * pre[n * d + c]!
      out[c] = pc
      out[d + c] = z * pc
    }
  }
  const breaks = zBreaks(info, Array.from(delta, (dj) => info.med - dj), [...info.kinks, ...info.kinks.flatMap((k) => Array.from(delta, (dj) => k - dj))])
  // The z-weighted half is refined relative to the law's spread, so heavy-ish tails stay finite work.
  const invTol = new Float64Array(2 * d).fill(1 / DEFAULT_TOL)
  invTol.fill(1 / (DEFAULT_TOL * Math.max(1, info.iqr)), d)
  const res = integrate(breaks, 2 * d, f, invTol, DEFAULT_MAX_PANELS)
  let err = 0
  for (let c = 0; c < 2 * d; c++) err = Math.max(err, res.errors[c]!)
  return { position: res.values.subarray(0, d), shifted: res.values.subarray(d), error: err + 2 * EPS }
}
