/**
 * The exact perturbed ranks and top-k (src/methods/perturbed/exact.ts) against SciPy
 * (fixtures/perturbed_exact.json, made by make_perturbed_fixtures.py: quad, with the top-k count
 * probability by subset enumeration, and a 2·10^6-draw Monte Carlo at d = 3), their closed forms
 * against their own quadrature, top-1 against the exact Perturb-Argmax, the Jacobian against
 * central differences, properties, refusals and extreme input.
 *
 * Tolerances:
 * - SciPy: |ours − SciPy| ≤ our `error` + SciPy's quad estimate + 1e-13 (rounding of a sum of d
 *   terms): the error bound must hold, not only be small. Ranks' Jacobian: 1e-10 (quad ~1e-13,
 *   closed forms ~1e-15, quadrature pairs 1e-11). Where quad's own estimate is too small — Cauchy,
 *   whose tails hide narrow features — SciPy comes out short (the integrands are ≥ 0, so what it
 *   misses only lowers an entry): top-k adds the shortfall of SciPy's sum, k − Σ_i mean_i (≤ 1.3e-9,
 *   ours sums to k within 1e-14), and Cauchy ranks 1e-12 per pair (SciPy's pair integrals are
 *   ≤ 5e-13 short of the closed form atan(2/t)/π, which the quadrature check below confirms).
 * - Monte Carlo: 5 standard errors, a 6e-7 two-sided chance per entry, plus 10/draws: where no
 *   draw saw a flip (σ = 0.1 orders some θ surely) the standard error is 0, and an event of
 *   probability p is unseen in N draws with chance e^{−pN} ≤ e^{−10} once p ≥ 10/N.
 * - Central differences, step h = 1e-4·σ: truncation h²/6 · |∂³E/∂θ³| ≤ 1e-8 · O(1)/σ (in units of
 *   σ the derivatives are O(1)), rounding (error bound 1e-11 of the mean)/(2h) ≤ 5e-8/σ, and the
 *   gradient integrals are refined to 1e-9: so 1e-6/σ.
 */
import { readFileSync } from "node:fs"
import { type Law, Noise } from "@perturb/noise"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { argmaxIndependent } from "../src/methods/independent.js"
import { type ExactResult, ranksExact64, ranksWith, topKExact64 } from "../src/methods/perturbed/exact.js"
import { closedPair, quadraturePair } from "../src/methods/perturbed/pairs.js"
import { caught, maxAbsDiff, sum } from "./helpers.js"

interface TopK {
  readonly k: number
  readonly mean: ReadonlyArray<number>
  readonly quad_error: number
}
interface Case {
  readonly name: string
  readonly law: string
  readonly sigma: number
  readonly theta: ReadonlyArray<number>
  readonly ranks: { readonly mean: ReadonlyArray<number>; readonly jacobian: ReadonlyArray<number>; readonly quad_error: number }
  readonly topk: ReadonlyArray<TopK>
  readonly monte_carlo?: Readonly<Record<string, number | ReadonlyArray<number>>>
}
const fixture = JSON.parse(readFileSync(new URL("../fixtures/perturbed_exact.json", import.meta.url), "utf8")) as { readonly cases: ReadonlyArray<Case> }

const laws: Record<string, Law> = {
  gumbel: Noise.gumbel(),
  normal: Noise.normal(),
  logistic: Noise.logistic(),
  laplace: Noise.laplace(),
  uniform: Noise.uniform(),
  cauchy: Noise.cauchy()
}
const lawOf = (c: Case): Law => laws[c.law]!
const named = (cs: ReadonlyArray<Case>) => cs.map((c) => [c.name, c] as const)

/** Every |a_i − b_i| ≤ tol. */
const within = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void => {
  expect(a.length).toBe(b.length)
  for (let i = 0; i < a.length; i++) {
    expect(Number.isFinite(a[i]!)).toBe(true)
    expect(Math.abs(a[i]! - b[i]!), `entry ${i}: ${a[i]} vs ${b[i]}`).toBeLessThanOrEqual(tol)
  }
}

describe("against SciPy", () => {
  it("covers six laws, three σ, d ∈ {3, 5, 8}", () => {
    expect(fixture.cases.length).toBe(6 * 3 * 3)
  })

  it.each(named(fixture.cases))("%s: ranks and their Jacobian", (_n, c) => {
    const r = ranksExact64(Float64Array.from(c.theta), c.sigma, lawOf(c))
    const cauchyShort = c.law === "cauchy" ? (c.theta.length - 1) * 1e-12 : 0
    within(r.mean, c.ranks.mean, r.error + c.ranks.quad_error + cauchyShort + 1e-13)
    within(r.jacobian, c.ranks.jacobian, 1e-10)
  })

  it.each(named(fixture.cases))("%s: top-k", (_n, c) => {
    for (const t of c.topk) {
      const r = topKExact64(Float64Array.from(c.theta), t.k, c.sigma, lawOf(c))
      const short = Math.max(0, t.k - sum(t.mean))
      within(r.mean, t.mean, r.error + t.quad_error + short + 1e-13)
    }
  })

  it.each(named(fixture.cases.filter((c) => c.monte_carlo !== undefined)))("%s: within 5 standard errors of Monte Carlo", (_n, c) => {
    const mc = c.monte_carlo!
    const draws = mc["draws"] as number
    const check = (ours: Float64Array, key: string) => {
      const m = mc[`${key}_mean`] as ReadonlyArray<number>
      const se = mc[`${key}_se`] as ReadonlyArray<number>
      ours.forEach((v, i) => expect(Math.abs(v - m[i]!)).toBeLessThanOrEqual(5 * se[i]! + 10 / draws))
    }
    const theta = Float64Array.from(c.theta)
    check(ranksExact64(theta, c.sigma, lawOf(c)).mean, "ranks")
    for (const t of c.topk) check(topKExact64(theta, t.k, c.sigma, lawOf(c)).mean, `topk${t.k}`)
  })
})

describe("closed forms and top-1", () => {
  const closedLaws = Object.entries(laws).filter(([, l]) => closedPair(l) !== undefined)

  it("every fixture law has a closed form; Student-t and Exponential are by quadrature", () => {
    expect(closedLaws.map(([n]) => n).sort()).toEqual(["cauchy", "gumbel", "laplace", "logistic", "normal", "uniform"])
    expect(closedPair(Noise.studentT({ df: 3 }))).toBeUndefined()
    expect(closedPair(Noise.exponential())).toBeUndefined()
  })

  it.each([Noise.studentT({ df: 3 }), Noise.exponential()])("%s by quadrature: against central differences", (law) => {
    const theta = Float64Array.of(0.4, -0.7, 1.1, 0)
    const f = (t: Float64Array) => ranksExact64(t, 0.8, law)
    within(f(theta).jacobian, finiteDifferences(f, theta, 0.8e-4), 1e-6 / 0.8)
    const r = f(theta)
    expect(Math.abs(sum(r.mean) - 10)).toBeLessThanOrEqual(4 * r.error + 1e-12)
  })

  it.each(closedLaws)("%s: the closed form equals the pair quadrature", (name, law) => {
    const pair = quadraturePair(law)
    for (const c of fixture.cases.filter((c) => c.law === name)) {
      const theta = Float64Array.from(c.theta)
      const a = ranksExact64(theta, c.sigma, law)
      const b = ranksWith(theta, c.sigma, pair)
      within(a.mean, b.mean, a.error + b.error)
      within(a.jacobian, b.jacobian, 1e-10 / c.sigma)
    }
    // Far tails, where T(t) is tiny and must keep its digits: relative agreement.
    const close = closedPair(law)!
    for (const t of [0, 1e-3, 0.2, 0.3, 0.5, 3, 10]) {
      const x = close(t)
      const y = pair(t)
      expect(Math.abs(x.tail - y.tail)).toBeLessThanOrEqual(1e-11 + 1e-9 * x.tail)
      expect(Math.abs(x.density - y.density)).toBeLessThanOrEqual(1e-11)
    }
  })

  // The shifted density f(z + t) peaks at z = −t, far outside f's bulk: missed there, f_D came out
  // halved with an error bound of 1e-15 (Cauchy, t = 1e6), top-1's Jacobian 97% off at σ = 1e-6.
  it("far apart (t up to 1e6): quadrature keeps the shifted peak, within its error bounds", () => {
    const law = Noise.cauchy()
    const close = closedPair(law)!
    const pair = quadraturePair(law)
    for (const t of [1e3, 1e4, 1e6]) {
      const [x, y] = [close(t), pair(t)]
      expect(Math.abs(x.tail - y.tail)).toBeLessThanOrEqual(y.error)
      expect(Math.abs(x.density - y.density)).toBeLessThanOrEqual(y.densityError)
    }
    for (const sigma of [1e-4, 1e-6]) {
      const theta = Float64Array.of(0, 0.5)
      const top = topKExact64(theta, 1, sigma, law)
      const ranks = ranksExact64(theta, sigma, law)
      expect(Math.abs(top.jacobian[1]! - ranks.jacobian[1]!)).toBeLessThanOrEqual(top.jacobianError + 1e-9 * Math.abs(ranks.jacobian[1]!))
    }
  })

  it.each(named(fixture.cases))("%s: k = 1 is the exact Perturb-Argmax", (_n, c) => {
    const theta = Float64Array.from(c.theta)
    const law = lawOf(c)
    const r = topKExact64(theta, 1, c.sigma, law)
    const p = argmaxIndependent(theta.map((t) => t / c.sigma), Array.from({ length: theta.length }, () => law))
    within(r.mean, p.probs, r.error + p.error + 1e-15)
  })
})

/** Central differences of the mean, column j = ∂mean/∂θ_j. */
const finiteDifferences = (f: (t: Float64Array) => ExactResult, theta: Float64Array, h: number): Float64Array => {
  const d = theta.length
  const J = new Float64Array(d * d)
  for (let j = 0; j < d; j++) {
    const up = f(theta.map((t, i) => (i === j ? t + h : t))).mean
    const down = f(theta.map((t, i) => (i === j ? t - h : t))).mean
    for (let i = 0; i < d; i++) J[i * d + j] = (up[i]! - down[i]!) / (2 * h)
  }
  return J
}

describe("the Jacobian", () => {
  const cases = fixture.cases.filter((c) => c.theta.length === 5)

  it.each(named(cases))("%s: ranks and top-2 against central differences; rows sum to 0", (_n, c) => {
    const theta = Float64Array.from(c.theta)
    const law = lawOf(c)
    const h = 1e-4 * c.sigma
    for (const f of [(t: Float64Array) => ranksExact64(t, c.sigma, law), (t: Float64Array) => topKExact64(t, 2, c.sigma, law)]) {
      const r = f(theta)
      within(r.jacobian, finiteDifferences(f, theta, h), 1e-6 / c.sigma)
      for (let i = 0; i < 5; i++) expect(Math.abs(sum(r.jacobian.subarray(5 * i, 5 * i + 5)))).toBeLessThanOrEqual(1e-12 / c.sigma)
      // Translation invariance, which the zero row sums state.
      const moved = f(theta.map((t) => t + 0.37 * c.sigma))
      within(moved.mean, r.mean, 2 * r.error + 1e-12)
    }
  })
})

describe("properties", () => {
  const lawArb = fc.constantFrom(...Object.values(laws))
  const thetaArb = fc.array(fc.double({ min: -6, max: 6, noNaN: true }), { minLength: 2, maxLength: 7 }).map((a) => Float64Array.from(a))
  const sigmaArb = fc.double({ min: 0.2, max: 4, noNaN: true })

  it("ranks sum to d(d+1)/2, each in [1, d]; top-k sums to k, each in [0, 1]", () => {
    fc.assert(
      fc.property(thetaArb, sigmaArb, lawArb, fc.integer({ min: 1, max: 6 }), (theta, sigma, law, k0) => {
        const d = theta.length
        const r = ranksExact64(theta, sigma, law)
        expect(Math.abs(sum(r.mean) - (d * (d + 1)) / 2)).toBeLessThanOrEqual(d * r.error + 1e-12)
        r.mean.forEach((v) => expect(v >= 1 - r.error && v <= d + r.error).toBe(true))
        const k = Math.min(k0, d - 1)
        const t = topKExact64(theta, k, sigma, law)
        expect(Math.abs(sum(t.mean) - k)).toBeLessThanOrEqual(d * t.error + 1e-12)
        t.mean.forEach((v) => expect(v >= -t.error && v <= 1 + t.error).toBe(true))
      }),
      { numRuns: 40, seed: 14 }
    )
  })

  it("raising θ_i raises E[y_i] and lowers every other", () => {
    fc.assert(
      fc.property(thetaArb, sigmaArb, lawArb, fc.nat(), fc.double({ min: 0.01, max: 2, noNaN: true }), (theta, sigma, law, i0, step) => {
        const i = i0 % theta.length
        const up = theta.map((t, j) => (j === i ? t + step : t))
        for (const f of [(t: Float64Array) => ranksExact64(t, sigma, law), (t: Float64Array) => topKExact64(t, 1, sigma, law)]) {
          const a = f(theta)
          const b = f(up)
          const tol = a.error + b.error + 1e-12
          a.mean.forEach((v, j) => (j === i ? expect(b.mean[j]!).toBeGreaterThanOrEqual(v - tol) : expect(b.mean[j]!).toBeLessThanOrEqual(v + tol)))
        }
      }),
      { numRuns: 30, seed: 15 }
    )
  })

  it("permuting θ permutes E[y] and the Jacobian", () => {
    fc.assert(
      fc.property(thetaArb, sigmaArb, lawArb, fc.nat(), (theta, sigma, law, seed) => {
        const d = theta.length
        const perm = Array.from({ length: d }, (_, i) => i).sort((a, b) => ((a * 7919 + seed) % 13) - ((b * 7919 + seed) % 13) || a - b)
        const permuted = Float64Array.from(perm, (p) => theta[p]!)
        for (const f of [(t: Float64Array) => ranksExact64(t, sigma, law), (t: Float64Array) => topKExact64(t, Math.max(1, d - 2), sigma, law)]) {
          const a = f(theta)
          const b = f(permuted)
          within(b.mean, Float64Array.from(perm, (p) => a.mean[p]!), a.error + b.error + 1e-12)
          const pj = new Float64Array(d * d)
          perm.forEach((p, i) => perm.forEach((q, j) => (pj[i * d + j] = a.jacobian[p * d + q]!)))
          within(b.jacobian, pj, 1e-8 / sigma)
        }
      }),
      { numRuns: 30, seed: 16 }
    )
  })
})

describe("refusals", () => {
  const theta = Float64Array.of(0, 1, 2)
  const refuses = (f: () => unknown, argument: string) => {
    const e = caught(f)
    expect(e._tag).toBe("InvalidArgument")
    expect(e.argument).toBe(argument)
  }

  it("non-finite θ, σ ≤ 0 or non-finite, k outside 1…d", () => {
    refuses(() => ranksExact64(Float64Array.of(0, NaN), 1, Noise.normal()), "theta[1]")
    refuses(() => topKExact64(Float64Array.of(Infinity, 0), 1, 1, Noise.normal()), "theta[0]")
    refuses(() => ranksExact64(new Float64Array(0), 1, Noise.normal()), "theta")
    refuses(() => ranksExact64([0, 1] as unknown as Float64Array, 1, Noise.normal()), "theta")
    for (const s of [0, -1, NaN, Infinity]) refuses(() => ranksExact64(theta, s, Noise.gumbel()), "sigma")
    for (const k of [0, 1.5, 4, -1, NaN]) refuses(() => topKExact64(theta, k, 1, Noise.gumbel()), "k")
  })

  it("noise with atoms, not i.i.d., or of the wrong dimension", () => {
    refuses(() => ranksExact64(theta, 1, Noise.discrete({ atoms: [0, 1] })), "noise")
    refuses(() => topKExact64(theta, 1, 1, Noise.independent([Noise.gumbel(), Noise.gumbel(), Noise.normal()])), "noise")
    refuses(() => ranksExact64(theta, 1, Noise.gaussian({ covariance: [[1, 0.5, 0], [0.5, 1, 0], [0, 0, 1]] })), "noise")
    refuses(() => ranksExact64(theta, 1, Noise.iid(Noise.normal(), 4)), "noise")
    refuses(() => ranksExact64(theta, 1, "normal" as never), "noise")
  })

  it("accepts i.i.d. vector noise and k = d (all ones, zero Jacobian)", () => {
    const a = ranksExact64(theta, 1, Noise.iid(Noise.normal(), 3))
    const b = ranksExact64(theta, 1, Noise.gaussian({ covariance: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] }))
    expect(maxAbsDiff(a.mean, b.mean)).toBeLessThanOrEqual(1e-15)
    const all = topKExact64(theta, 3, 1, Noise.gumbel())
    expect(Array.from(all.mean)).toEqual([1, 1, 1])
    expect(all.jacobian.every((v) => v === 0)).toBe(true)
  })
})

describe("extreme input", () => {
  const d = 1000
  // Distinct θ spread over ±1e4, no two within 1 of each other.
  const theta = Float64Array.from({ length: d }, (_, i) => -1e4 + ((i * 7919) % d) * 20 + 0.5)
  const order = Array.from(theta.keys()).sort((a, b) => theta[a]! - theta[b]!)
  const rank = new Float64Array(d)
  order.forEach((i, r) => (rank[i] = r + 1))

  it.each(Object.entries(laws))("%s, d = 1000, θ within ±1e4, σ = 1e-4: the noiseless ranks and top-3", (_n, law) => {
    const r = ranksExact64(theta, 1e-4, law)
    // Cauchy's tails keep Pr[x_j > x_i] ≈ 2σ/(π·20) ≈ 3e-6 per pair at this spacing.
    const tol = law._tag === "Cauchy" ? 1e-3 : 1e-12
    within(r.mean, rank, tol)
    expect(r.jacobian.every(Number.isFinite)).toBe(true)
    // Top-k with Cauchy noise keeps every coordinate in every row's integral (its e^−70 tail
    // points lie ~1e30 out): O(d²·k) per node is minutes at d = 1000, so it is measured, not tested here.
    if (law._tag === "Cauchy") return
    const t = topKExact64(theta, 3, 1e-4, law)
    within(t.mean, Float64Array.from(rank, (v) => (v > d - 3 ? 1 : 0)), 1e-12)
    expect(t.jacobian.every(Number.isFinite)).toBe(true)
  })

  it.each([1, 1e4])("normal and gumbel, d = 1000, θ within ±1e4, σ = %s: ranks finite, summing to d(d+1)/2", (sigma) => {
    for (const law of [Noise.normal(), Noise.gumbel()]) {
      const r = ranksExact64(theta, sigma, law)
      expect(r.mean.every(Number.isFinite) && r.jacobian.every(Number.isFinite)).toBe(true)
      expect(Math.abs(sum(r.mean) - (d * (d + 1)) / 2)).toBeLessThanOrEqual(d * r.error + 1e-9)
    }
  })
})
