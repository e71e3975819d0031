/**
 * The exact perturbed sort (src/methods/perturbed/sort.ts): E[x_(1)] is the exact Perturb-Argmax
 * potential σ·M(θ/σ) (SciPy-checked in argmax.test.ts), E[x_(d)] its mirror for symmetric laws,
 * the Normal d = 2 closed form, the Jacobian against central differences (tolerance as in
 * perturbed.exact.test.ts: 1e-6, step 1e-4·σ, here also scaled by max |θ| since the mean's error
 * is), and its rows and columns summing to 1 (a doubly stochastic expectation of permutations).
 */
import { type Law, Noise } from "@perturb/noise"
import { describe, expect, it } from "vitest"
import { argmaxIndependent } from "../src/methods/independent.js"
import { sortExact64 } from "../src/methods/perturbed/exact.js"
import { caught, sum } from "./helpers.js"

const theta = Float64Array.of(0.4, -1.3, 2.2, 0.1, 0.9)
const laws: ReadonlyArray<Law> = [Noise.normal(), Noise.gumbel(), Noise.logistic(), Noise.laplace(), Noise.uniform()]
const potential = (t: Float64Array, sigma: number, law: Law) =>
  sigma * argmaxIndependent(t.map((x) => x / sigma), Array.from({ length: t.length }, () => law)).potential

describe("sortExact64", () => {
  it.each(laws.flatMap((l) => [0.3, 1, 4].map((s) => [String(l), l, s] as const)))("%s, σ = %s: max and min, sums, Jacobian", (_n, law, sigma) => {
    const r = sortExact64(theta, sigma, law)
    const d = theta.length
    expect(Math.abs(r.mean[0]! - potential(theta, sigma, law))).toBeLessThanOrEqual(r.error + 1e-9 * sigma)
    if (law.traits.symmetric) {
      const centre = law._tag === "Uniform" ? 0.5 : 0
      const mirrored = -potential(theta.map((x) => -x - 2 * sigma * centre), sigma, law)
      expect(Math.abs(r.mean[d - 1]! - mirrored)).toBeLessThanOrEqual(r.error + 1e-9 * sigma)
    }
    for (let i = 1; i < d; i++) expect(r.mean[i]!).toBeLessThanOrEqual(r.mean[i - 1]! + r.error)
    expect(Math.abs(sum(r.mean) - sum(theta) - d * sigma * law.mean)).toBeLessThanOrEqual(d * r.error + 1e-12)
    for (let i = 0; i < d; i++) {
      let row = 0
      let col = 0
      for (let j = 0; j < d; j++) {
        row += r.jacobian[i * d + j]!
        col += r.jacobian[j * d + i]!
      }
      expect(Math.abs(row - 1)).toBeLessThanOrEqual(1e-9)
      expect(Math.abs(col - 1)).toBeLessThanOrEqual(1e-9)
    }
    const h = 1e-4 * sigma
    for (let j = 0; j < d; j++) {
      const up = sortExact64(theta.map((t, i) => (i === j ? t + h : t)), sigma, law).mean
      const down = sortExact64(theta.map((t, i) => (i === j ? t - h : t)), sigma, law).mean
      for (let i = 0; i < d; i++) expect(Math.abs((up[i]! - down[i]!) / (2 * h) - r.jacobian[i * d + j]!)).toBeLessThanOrEqual(1e-6 * 3)
    }
  })

  it("Normal, d = 2: E max = θ1 Φ(α) + θ2 Φ(−α) + σ√2 φ(α), α = (θ1 − θ2)/(σ√2)", () => {
    const t = Float64Array.of(0.7, -0.2)
    const sigma = 1.5
    const a = sigma * Math.SQRT2
    const z = Noise.normal()
    const alpha = (t[0]! - t[1]!) / a
    const r = sortExact64(t, sigma, z)
    expect(Math.abs(r.mean[0]! - (t[0]! * z.cdf(alpha) + t[1]! * z.cdf(-alpha) + a * z.pdf(alpha)))).toBeLessThanOrEqual(r.error + 1e-14)
    expect(Math.abs(r.mean[1]! - (t[0]! * z.cdf(-alpha) + t[1]! * z.cdf(alpha) - a * z.pdf(alpha)))).toBeLessThanOrEqual(r.error + 1e-14)
  })

  it("refuses laws without a mean, and bad σ", () => {
    expect(caught(() => sortExact64(theta, 1, Noise.cauchy())).argument).toBe("noise")
    expect(caught(() => sortExact64(theta, 0, Noise.normal())).argument).toBe("sigma")
  })
})
