/**
 * Maximisation over the free parameters u by golden sections along the free coordinates and, for
 * k ≤ 4, their pairwise sums and differences: for the concave ⟨p, θ⟩ − M(θ) of noise with atoms
 * (piecewise linear, so no gradient to follow) and for the start of the fits (`start.ts`).
 * Coordinate search alone can stall at a kink whose ascent direction is diagonal.
 */
import { Effect } from "effect"

const PHI = (Math.sqrt(5) - 1) / 2

/** Search directions in u: the free coordinates, and for k ≤ 4 their pairwise sums and differences. */
const directions = (k: number): Array<Float64Array> => {
  const out = Array.from({ length: k }, (_, c) => Float64Array.from({ length: k }, (_, j) => (j === c ? 1 : 0)))
  if (k <= 4) {
    for (let a = 0; a < k; a++) {
      for (let b = a + 1; b < k; b++) {
        for (const s of [1, -1]) out.push(Float64Array.from({ length: k }, (_, j) => (j === a ? 1 : j === b ? s : 0)))
      }
    }
  }
  return out
}

/**
 * Sweeps of golden sections of f on u + t·dir, t ∈ [−40, 40] (to 1e-9), from `u0`, keeping a move
 * only when it does not lower f; one `pace` before each section (~90 evaluations of f).
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
        let lo = -40
        let hi = 40
        let x1 = hi - PHI * (hi - lo)
        let x2 = lo + PHI * (hi - lo)
        let f1 = at(x1)
        let f2 = at(x2)
        while (hi - lo > 1e-9) {
          if (f1 < f2) (lo = x1, x1 = x2, f1 = f2, x2 = lo + PHI * (hi - lo), f2 = at(x2))
          else (hi = x2, x2 = x1, f2 = f1, x1 = hi - PHI * (hi - lo), f1 = at(x1))
        }
        const t = (lo + hi) / 2
        const ft = at(t)
        if (ft >= fu) (u = base.map((x, j) => x + t * dir[j]!), fu = ft)
      }
    }
    return u
  })
