/**
 * Samplers: calibrated goodness of fit for every law, determinism, chunking, vector layouts and
 * float32 safety.
 *
 * Goodness of fit: each law is sampled once with a FIXED key (n = 20,000) and tested against its
 * own cdf (KS) or its own atom probabilities (chi-square), passing when p > 1e-6. For a correct
 * sampler the p-value is uniform, so a given law/key fails with probability 1e-6; with fixed keys
 * the outcome is reproducible (never flaky), and a wrong sampler (wrong scale, shift, sign, law)
 * at n = 20,000 gives p-values far below 1e-6.
 */
import { describe, expect, it } from "vitest"
import { Key, Noise, Random } from "../src/index.js"
import type { Law } from "../src/Law.js"
import { chiSquarePValue, chiSquareStatistic, ksPValue, ksStatistic } from "./helpers/ks.js"

const N = 20_000
const P_MIN = 1e-6

const continuous: ReadonlyArray<readonly [string, Law]> = [
  ["gumbel", Noise.gumbel()],
  ["gumbel loc=-1.5 scale=0.5", Noise.gumbel({ loc: -1.5, scale: 0.5 })],
  ["normal", Noise.normal()],
  ["normal mean=1 sd=2", Noise.normal({ mean: 1, sd: 2 })],
  ["logistic", Noise.logistic()],
  ["logistic loc=1 scale=2", Noise.logistic({ loc: 1, scale: 2 })],
  ["laplace", Noise.laplace()],
  ["laplace loc=-2 scale=3", Noise.laplace({ loc: -2, scale: 3 })],
  ["studentT df=1.5", Noise.studentT({ df: 1.5 })],
  ["studentT df=3 loc=-1 scale=2", Noise.studentT({ df: 3, loc: -1, scale: 2 })],
  ["studentT df=30", Noise.studentT({ df: 30 })],
  ["cauchy", Noise.cauchy()],
  ["cauchy loc=3 scale=0.25", Noise.cauchy({ loc: 3, scale: 0.25 })],
  ["uniform", Noise.uniform()],
  ["uniform a=-1 b=2", Noise.uniform({ a: -1, b: 2 })],
  ["exponential", Noise.exponential()],
  ["exponential rate=2.5", Noise.exponential({ rate: 2.5 })]
]

describe("KS helper (control)", () => {
  it("gives a tiny p-value for a wrong law and its known values", () => {
    const xs = Noise.sample(Noise.normal({ sd: 1.1 }), Key.make(1), N)
    expect(ksPValue(ksStatistic(xs, Noise.normal().cdf), N)).toBeLessThan(P_MIN)
    // Kolmogorov distribution: P(K > 1.358) ≈ 0.05, P(K > 1.628) ≈ 0.01.
    expect(ksPValue(1.358 / Math.sqrt(1e6), 1e6)).toBeCloseTo(0.05, 3)
    expect(ksPValue(1.628 / Math.sqrt(1e6), 1e6)).toBeCloseTo(0.01, 3)
    // χ²: P(χ²_1 > 3.841) = 0.05, P(χ²_2 > 5.991) = 0.05, P(χ²_10 > 18.307) = 0.05.
    expect(chiSquarePValue(3.841458820694124, 1)).toBeCloseTo(0.05, 6)
    expect(chiSquarePValue(5.991464547107979, 2)).toBeCloseTo(0.05, 12)
    expect(chiSquarePValue(18.307038053275146, 10)).toBeCloseTo(0.05, 3)
  })
})

describe("goodness of fit", () => {
  it.each(continuous.map(([name, law], i) => [name, law, i] as const))("%s: KS p > 1e-6", (name, law, i) => {
    const xs = Noise.sample(law, Key.make(1000 + i), N)
    expect(xs).toHaveLength(N)
    const d = ksStatistic(xs, (x) => law.cdf(x))
    const p = ksPValue(d, N)
    expect(p, `${name}: D = ${d}`).toBeGreaterThan(P_MIN)
  })

  it.each(continuous.map(([name, law], i) => [name, law, i] as const))("%s: float32 samples fit too", (name, law, i) => {
    const xs = Noise.sample32(law, Key.make(2000 + i), N)
    expect(xs).toBeInstanceOf(Float32Array)
    expect(xs.every(Number.isFinite), name).toBe(true)
    expect(ksPValue(ksStatistic(xs, (x) => law.cdf(x)), N), name).toBeGreaterThan(P_MIN)
  })

  it.each([
    ["two atoms", Noise.discrete({ atoms: [0, 1] })],
    ["three atoms", Noise.discrete({ atoms: [-1, 0.5, 2], weights: [0.2, 0.5, 0.3] })],
    ["five atoms", Noise.discrete({ atoms: [-2, -1, 0, 1, 2], weights: [0.1, 0.15, 0.5, 0.15, 0.1] })]
  ] as const)("discrete %s: chi-square p > 1e-6, only atoms drawn", (name, law) => {
    const { atoms, weights } = law.params as { atoms: ReadonlyArray<number>; weights: ReadonlyArray<number> }
    const xs = Noise.sample(law, Key.make(3000 + atoms.length), N)
    const counts = atoms.map(() => 0)
    for (const x of xs) {
      const j = atoms.indexOf(x)
      expect(j, `drew ${x}`).toBeGreaterThanOrEqual(0)
      counts[j]!++
    }
    const stat = chiSquareStatistic(counts, weights, N)
    expect(chiSquarePValue(stat, atoms.length - 1), `${name}: counts ${counts}`).toBeGreaterThan(P_MIN)
  })

  it("a wrong discrete law is rejected (control)", () => {
    const xs = Noise.sample(Noise.discrete({ atoms: [0, 1], weights: [0.47, 0.53] }), Key.make(7), N)
    const ones = xs.reduce((s, x) => s + x, 0)
    expect(chiSquarePValue(chiSquareStatistic([N - ones, ones], [0.5, 0.5], N), 1)).toBeLessThan(P_MIN)
  })
})

describe("determinism and chunking", () => {
  const laws = [...continuous.map(([, l]) => l), Noise.discrete({ atoms: [-1, 0.5, 2], weights: [0.2, 0.5, 0.3] })]

  it.each(laws.map((l) => [l.toString(), l] as const))("%s: same key, same samples; other key, other samples", (_n, law) => {
    const a = Noise.sample(law, Key.make(42), 1000)
    const b = Noise.sample(law, Key.make(42), 1000)
    expect(Array.from(a)).toEqual(Array.from(b))
    const c = Noise.sample(law, Key.make(43), 1000)
    expect(Array.from(a)).not.toEqual(Array.from(c))
  })

  it.each(laws.map((l) => [l.toString(), l] as const))("%s: sample(a + b) = sample(a) ++ sample(b, offset a)", (_n, law) => {
    const key = Key.make(2024)
    for (const [a, b] of [
      [0, 5],
      [1, 1],
      [7, 13],
      [100, 37]
    ] as const) {
      const whole = Noise.sample(law, key, a + b)
      const head = Noise.sample(law, key, a)
      const tail = Noise.sample(law, key, b, a)
      expect(Array.from(whole)).toEqual([...head, ...tail])
    }
  })
})

describe("vector sampling", () => {
  it("sampleVector of iid noise equals sample of n·d, row-major; a bare law with d too", () => {
    const law = Noise.logistic({ scale: 2 })
    const key = Key.make(5)
    const flat = Array.from(Noise.sample(law, key, 30 * 4))
    expect(Array.from(Noise.sampleVector(Noise.iid(law, 4), key, 30))).toEqual(flat)
    expect(Array.from(Noise.sampleVector(law, key, 30, 4))).toEqual(flat)
    // Row offsets: rows 10.. of the whole draw.
    expect(Array.from(Noise.sampleVector(Noise.iid(law, 4), key, 20, undefined, 10))).toEqual(flat.slice(40))
  })

  it("independent coordinates follow their own laws (KS per column)", () => {
    const laws = [Noise.normal({ sd: 3 }), Noise.exponential({ rate: 2.5 }), Noise.cauchy()]
    const n = N
    const xs = Noise.sampleVector(Noise.independent(laws), Key.make(11), n)
    laws.forEach((law, j) => {
      const col = Array.from({ length: n }, (_, i) => xs[i * 3 + j]!)
      expect(ksPValue(ksStatistic(col, (x) => law.cdf(x)), n), `column ${j}`).toBeGreaterThan(P_MIN)
    })
  })

  it("the correlated Gaussian's sample covariance is within 5 standard errors of the target", () => {
    const cov = [
      [4, 2, 0.6],
      [2, 2, 0.5],
      [0.6, 0.5, 1]
    ]
    const mean = [1, -2, 0.5]
    const d = 3
    const n = 50_000
    const xs = Noise.sampleVector(Noise.gaussian({ covariance: cov, mean }), Key.make(77), n)
    expect(xs).toHaveLength(n * d)
    const m = [0, 0, 0]
    for (let i = 0; i < n; i++) for (let r = 0; r < d; r++) m[r]! += xs[i * d + r]! / n
    for (let r = 0; r < d; r++) {
      // SE of a sample mean: √(Σ_rr / n).
      expect(Math.abs(m[r]! - mean[r]!), `mean ${r}`).toBeLessThan(5 * Math.sqrt(cov[r]![r]! / n))
    }
    for (let r = 0; r < d; r++) {
      for (let c = 0; c <= r; c++) {
        let s = 0
        for (let i = 0; i < n; i++) s += (xs[i * d + r]! - m[r]!) * (xs[i * d + c]! - m[c]!)
        s /= n - 1
        // For Gaussian data Var(S_rc) ≈ (Σ_rc² + Σ_rr Σ_cc) / n.
        const se = Math.sqrt((cov[r]![c]! ** 2 + cov[r]![r]! * cov[c]![c]!) / n)
        expect(Math.abs(s - cov[r]![c]!), `entry (${r}, ${c}): ${s}`).toBeLessThan(5 * se)
      }
    }
  })
})

describe("float32 and extreme uniforms", () => {
  it("Gumbel from the extreme float64 and float32 uniforms is finite", () => {
    const extremes = [2 ** -53, 1 - 2 ** -53, 2 ** -24, 1 - 2 ** -24]
    for (const law of [Noise.gumbel(), Noise.gumbel({ loc: -3, scale: 10 })]) {
      const { loc, scale } = law.params as { loc: number; scale: number }
      for (const u of extremes) {
        const g = loc - scale * Math.log(-Math.log(u))
        expect(Number.isFinite(g), `u = ${u}`).toBe(true)
        expect(Number.isFinite(Math.fround(g))).toBe(true)
        expect(law.quantile(u)).toBe(g)
      }
    }
  })

  it("every unbounded law's quantile is finite at the extreme uniforms", () => {
    for (const [name, law] of continuous) {
      for (const u of [2 ** -53, 1 - 2 ** -53]) {
        expect(Number.isFinite(law.quantile(u)), `${name} at ${u}`).toBe(true)
      }
    }
  })

  it("uniform64 stays strictly inside (0, 1), so samples never hit ±Infinity or NaN", () => {
    const u = Random.uniform64(Key.make(9), 200_000)
    let lo = 1
    let hi = 0
    for (const v of u) {
      lo = Math.min(lo, v)
      hi = Math.max(hi, v)
    }
    expect(lo).toBeGreaterThan(0)
    expect(hi).toBeLessThan(1)
    const g32 = Noise.sample32(Noise.gumbel(), Key.make(9), 200_000)
    expect(g32.every(Number.isFinite)).toBe(true)
    const e32 = Noise.sample32(Noise.exponential({ rate: 1e-3 }), Key.make(9), 200_000)
    expect(e32.every((x) => Number.isFinite(x) && x >= 0)).toBe(true)
  })

  it("sample32 is the law's quantile of uniform32, rounded once", () => {
    const law = Noise.laplace({ loc: 1, scale: 0.1 })
    const u = Random.uniform32(Key.make(3), 1000)
    const b = Noise.sample32(law, Key.make(3), 1000)
    expect(Array.from(b)).toEqual(Array.from(u, (x) => Math.fround(law.quantile(x))))
  })

  it("sampleVector32 of i.i.d. noise is sample32 of n·d; a Gaussian mixes normals by its Cholesky factor", () => {
    const key = Key.make(4)
    expect(Array.from(Noise.sampleVector32(Noise.gumbel(), key, 50, 4))).toEqual(Array.from(Noise.sample32(Noise.gumbel(), key, 200)))
    const g = Noise.gaussian({ covariance: [[1, 0.8], [0.8, 1]] })
    const xs = Noise.sampleVector32(g, key, 40_000, 2)
    let sxy = 0
    let sxx = 0
    for (let i = 0; i < 40_000; i++) {
      sxy += xs[2 * i]! * xs[2 * i + 1]!
      sxx += xs[2 * i]! ** 2
    }
    // Sample correlation 0.8 ± 5 standard errors ((1 − ρ²)/√n ≈ 0.0018).
    expect(Math.abs(sxy / sxx - 0.8)).toBeLessThan(0.009)
  })
})
