/**
 * What the evidence of one model shares: the plan of the run (sizes from the budget), the progress
 * callback with its yield point, the targets and points of Θ, and the model's context.
 */
import { Key, Random } from "@perturb/noise"
import type { Effect } from "effect"
import { type Estimator, probsSliced as slicedProbs } from "../internal/numeric.js"
import { sum } from "./linalg.js"

export type Which = "softmax" | "argmax"

export interface Plan {
  readonly dirichlet: number
  readonly points: number
  readonly samples: number
}

export const planOf = (budget: number): Plan => ({
  dirichlet: Math.max(1, Math.round(3 * budget)),
  points: Math.max(2, Math.round(2 * budget)),
  // More points past 4096 buy little (QMC error falls ~1/n) and make each step slow to interrupt.
  samples: Math.min(4096, Math.max(64, Math.round(512 * budget)))
})

export interface Tick {
  (phase: string, units: number): void
  /**
   * A yield point: lets an interrupt (AbortSignal, fiber interruption) take effect, and repeats the
   * last progress report when none was made for a while, so a long unit still shows life.
   */
  readonly pace: Effect.Effect<void>
}

/** `est.probs(rows)` in pieces of about SLICE_MS, yielding between them. */
export const probsSliced = (est: Estimator, rows: ReadonlyArray<Float64Array>, tick: Tick) => slicedProbs(est, rows, tick.pace)

export interface Target {
  readonly p: Float64Array
  readonly label: string
}

export const targetsFor = (d: number, plan: Plan, key: Key.Key): Array<Target> => {
  const out: Array<Target> = []
  const u = Random.uniform64(key, plan.dirichlet * d)
  for (let t = 0; t < plan.dirichlet; t++) {
    // Dirichlet(1, …, 1): normalised exponentials.
    const e = Float64Array.from({ length: d }, (_, i) => -Math.log(u[t * d + i]!))
    const s = sum(e)
    out.push({ p: e.map((x) => Math.max(x / s, 1e-4)).map((x, _, a) => x / sum(a)), label: "Dirichlet(1) draw" })
  }
  const vertex = (i: number, eps: number): Target => ({
    p: Float64Array.from({ length: d }, (_, j) => (j === i ? 1 - (d - 1) * eps : eps)),
    label: `near vertex e_${i} (ε = ${eps})`
  })
  for (let i = 0; i < d; i++) out.push(vertex(i, 1e-2))
  out.push(vertex(d - 1, 1e-3))
  return out
}

export interface ModelContext {
  readonly which: Which
  readonly plan: Plan
  readonly key: Key.Key
  readonly targets: ReadonlyArray<Target>
  readonly points: ReadonlyArray<Float64Array>
  readonly basis: Float64Array
  readonly identifiable: boolean
  /**
   * Perturb-Argmax with atoms in the noise (discrete or mixed laws) and an exact method: P jumps,
   * ∂M is a set, and completeness measures the distance from p to ∂M(θ*) (`subgradient.ts`).
   */
  readonly atoms: boolean
  /** Exact float64 P of rows θ (no float32 rounding of θ), where `atoms` holds. */
  readonly exact64: (rows: ReadonlyArray<Float64Array>) => Array<Float64Array>
  /** Where the fits start in u: inside the region where P moves (bounded supports saturate). */
  readonly start: Float64Array
}
