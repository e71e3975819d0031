/**
 * i.i.d. Gumbel noise, in closed form: `argmaxGumbel` gives softmax(θ/scale) and
 * M = scale·logsumexp(θ/scale) + loc + scale·γ_E.
 */
import { Numeric } from "@perturb/noise"
import * as tf from "@tensorflow/tfjs"
import { InvalidArgument } from "../Errors.js"
import type { ExactMethod } from "./method.js"
import { type ArgmaxResult, checkTheta } from "./shared.js"

export const EULER_GAMMA = 0.5772156649015329

/**
 * Gumbel(loc, scale) noise: P = softmax(θ/scale), M = scale·logsumexp(θ/scale) + loc + scale·γ_E.
 */
export const argmaxGumbel = (theta: Float64Array, loc: number = 0, scale: number = 1): ArgmaxResult => {
  const d = checkTheta(theta)
  if (!Number.isFinite(loc)) throw new InvalidArgument({ argument: "loc", value: loc, reason: "Expected a finite number" })
  if (!(Number.isFinite(scale) && scale > 0)) {
    throw new InvalidArgument({ argument: "scale", value: scale, reason: "Expected a finite number > 0" })
  }
  const probs = new Float64Array(d)
  const potential = scale * Numeric.softmaxInto(theta, probs, scale) + loc + scale * EULER_GAMMA
  return { probs, potential, error: 0, potentialError: 1e-16 * Math.abs(potential), panels: 0 }
}

/**
 * The exact method of i.i.d. Gumbel(loc, scale) noise: P and M stay tf ops (softmax, logsumexp);
 * J v = p ⊙ (v − p·v) / scale; identify starts at scale · log p, where it is exact.
 */
export const gumbelMethod = (loc: number, scale: number): ExactMethod => {
  const row = (theta: Float64Array) => argmaxGumbel(theta, loc, scale)
  const jvp = (theta: Float64Array, v: Float64Array): Float64Array => {
    const p = row(theta).probs
    let pv = 0
    for (let i = 0; i < p.length; i++) pv += p[i]! * v[i]!
    return p.map((pi: number, i: number) => (pi * (v[i]! - pv)) / scale)
  }
  return {
    family: "gumbel",
    row,
    jvp,
    exactness: "exact",
    jvpExactness: "exact",
    gradient: "analytic",
    lattice: false,
    weights: true,
    ops: {
      probs: (theta) => tf.softmax(tf.div(theta, scale)),
      potential: (theta) => tf.add(tf.mul(tf.logSumExp(tf.div(theta, scale), -1), scale), loc + scale * EULER_GAMMA)
    },
    oracle: () => ({
      make: () => ({
        value: (t) => row(t).potential,
        grad: (t) => row(t).probs,
        hvp: jvp,
        diagonal: (t) => row(t).probs.map((pi) => (pi * (1 - pi)) / scale),
        start: (p) => p.map((x) => scale * Math.log(x))
      })
    })
  }
}
