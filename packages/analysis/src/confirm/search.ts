/**
 * Maximisation over the free parameters u by line searches along the free coordinates and, for
 * k ≤ 4, every direction in {−1, 0, 1}^k: for the concave ⟨p, θ⟩ − M(θ) of noise with atoms
 * (piecewise linear, so no gradient to follow) and for the start of the fits (`start.ts`).
 * Coordinate search alone can stall at a kink whose ascent direction is diagonal.
 */
import { Effect } from "effect"

const PHI = (Math.sqrt(5) - 1) / 2
const GRID = 16
const STEP = 5

/**
 * Search directions in u: the free coordinates, and for k ≤ 4 every direction in {−1, 0, 1}^k (up
 * to sign) — a kink of a piecewise-linear objective can need three coordinates moved together
 * (e.g. (0, 1, 1, 0) from (0, −1, −1, 1) with atoms {0, 1} on pinned:4).
 */
const directions = (k: number): Array<Float64Array> => {
  const out = Array.from({ length: k }, (_, c) => Float64Array.from({ length: k }, (_, j) => (j === c ? 1 : 0)))
  if (k <= 4) {
    for (let code = 0; code < 3 ** k; code++) {
      const dir = Float64Array.from({ length: k }, (_, j) => (Math.floor(code / 3 ** j) % 3) - 1)
      const first = dir.findIndex((x) => x !== 0)
      // Coordinates are listed above; keep one sign of each other direction.
      if (first < 0 || dir[first]! < 0 || dir.filter((x) => x !== 0).length < 2) continue
      out.push(dir)
    }
  }
  return out
}

/**
 * Sweeps of line searches of f on u + t·dir, t ∈ [−80, 80] (a grid of step 5, then golden sections to
 * 1e-9 around its best point), from `u0`, keeping a move only when it does not lower f; one `pace`
 * before each line (~85 evaluations of f).
 */
export const ascend = (f: (u: Float64Array) => number, u0: Float64Array, sweeps: number, pace: Effect.Effect<void>) =>
  Effect.gen(function*() {
    const k = u0.length
    let u = Float64Array.from(u0)
    let fu = f(u)
    const dirs = directions(k)
    for (let sweep = 0; sweep < (k === 1 ? 1 : sweeps); sweep++) {
      for (const dir of dirs) {
        yield* pace
        const base = u
        const at = (t: number) => f(base.map((x, j) => x + t * dir[j]!))
        // A coarse grid first: the kernels squash bounded coordinates (θ → its bound as u → ±∞), so
        // f has plateaus where golden sections alone cannot tell which side rises; the section then
        // refines around the grid's best point (ties keep the point nearest t = 0, i.e. no move).
        let best = 0
        let fBest = -Infinity
        for (let g = -GRID; g <= GRID; g++) {
          const fg = at(g * STEP)
          if (fg > fBest || (fg === fBest && Math.abs(g) < Math.abs(best))) (best = g, fBest = fg)
        }
        let lo = (best - 1) * STEP
        let hi = (best + 1) * STEP
        let x1 = hi - PHI * (hi - lo)
        let x2 = lo + PHI * (hi - lo)
        let f1 = at(x1)
        let f2 = at(x2)
        while (hi - lo > 1e-9) {
          if (f1 < f2) (lo = x1, x1 = x2, f1 = f2, x2 = lo + PHI * (hi - lo), f2 = at(x2))
          else (hi = x2, x2 = x1, f2 = f1, x1 = hi - PHI * (hi - lo), f1 = at(x1))
        }
        const mid = (lo + hi) / 2
        const fMid = at(mid)
        // The section assumes one peak in its bracket; the grid point stands if it was better.
        const [t, ft] = fMid >= fBest ? [mid, fMid] : [best * STEP, fBest]
        if (ft >= fu) (u = base.map((x, j) => x + t * dir[j]!), fu = ft)
      }
    }
    return u
  })
