/**
 * Noise draws of the sampled perturbed-optimizer estimators, as `count × d` float64 arrays cut
 * into `groups` consecutive blocks of equal size whose means are independent and identically
 * distributed: the standard error is the spread of the block means. Plain Monte Carlo: one draw per
 * block. Antithetic Monte Carlo: u and 1 − u through each coordinate's quantile, one pair per block
 * (for symmetric noise, γ and its reflection about the centre). QMC: eight independently scrambled
 * Sobol replicates with antithetic pairs inside (core's `qmcPoints`), one replicate per block.
 */
import { type Key, type Law, Noise, type NoiseLike, Random } from "@perturb/noise"
import { qmcPoints } from "../../internal/points.js"
import type { PerturbedConfig } from "./types.js"

export interface Draws {
  /** `count × d` row-major noise values γ (before the scale σ). */
  readonly gamma: Float64Array
  readonly count: number
  /** Consecutive blocks of `count / groups` draws, independent of each other. */
  readonly groups: number
}

/** Independent scrambles of `qmc`: the house number (as `methods/softmax/`), so eight block means. */
export const QMC_REPLICATES = 8

export const mcDraws = (noise: NoiseLike, d: number, samples: number, key: Key.Key): Draws => ({
  gamma: Noise.sampleVector(noise, key, samples, d),
  count: samples,
  groups: samples
})

/** Pairs (u, 1 − u) per coordinate through the quantiles; `samples` rounded up to even. */
export const antitheticDraws = (laws: ReadonlyArray<Law>, d: number, samples: number, key: Key.Key): Draws => {
  const pairs = Math.ceil(samples / 2)
  const u = Random.uniform64(key, pairs * d)
  const gamma = new Float64Array(2 * pairs * d)
  for (let p = 0; p < pairs; p++) {
    for (let j = 0; j < d; j++) {
      const v = u[p * d + j]!
      gamma[2 * p * d + j] = laws[j]!.quantile(v)
      gamma[(2 * p + 1) * d + j] = laws[j]!.quantile(1 - v)
    }
  }
  return { gamma, count: 2 * pairs, groups: pairs }
}

export const drawsFor = (config: PerturbedConfig, d: number, key: Key.Key): Draws => {
  if (config.method === "qmc") {
    const p = qmcPoints(config.noise, d, config.samples, key, QMC_REPLICATES)
    return { gamma: p.gamma, count: p.count, groups: p.replicates }
  }
  return config.antithetic
    ? antitheticDraws(config.laws, d, config.samples, key)
    : mcDraws(config.noise, d, config.samples, key)
}
