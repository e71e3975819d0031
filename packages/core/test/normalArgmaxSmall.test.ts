/**
 * Small Normal-Argmax probabilities to a relative tolerance (`normalArgmaxSmall`), which the
 * inverse map's oracle uses instead of a full adaptive pass over all d coordinates. Checked against
 * the adaptive Gauss–Kronrod path at tolerance 1e-13 (independent: law evaluations, its own panels
 * and range), and identify at d = 1000 with probabilities down to 5e-14 is checked the same way.
 * No timings (they live in bench/exact.ts).
 */
import { Key, Noise, type Law } from "@perturb/noise"
import { describe, expect, it } from "vitest"
import { compile, InvalidArgument, Model, Space } from "../src/index.js"
import { argmaxIndependent } from "../src/methods/independent.js"
import { normalArgmax, normalArgmaxSmall, normalFamily } from "../src/methods/normal/index.js"

const maxLogGap = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let worst = 0
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(Math.log(a[i]!) - Math.log(b[i]!)))
  return worst
}

const smallOf = (theta: Float64Array, laws: ReadonlyArray<Law>) => {
  const fam = normalFamily(laws)!
  const shared = normalArgmax(theta, fam)!.probs
  const which: Array<number> = []
  for (let i = 0; i < theta.length; i++) if (shared[i]! < 1e-9) which.push(i)
  const tail = normalArgmaxSmall(theta, fam, which, which.map((i) => shared[i]!))
  const ref = argmaxIndependent(theta, laws, { tolerance: 1e-13 }).probs
  return { which, shared: which.map((i) => shared[i]!), tail, ref: which.map((i) => ref[i]!) }
}

describe("normalArgmaxSmall", () => {
  it("meets P ≈ 2.6e-19 to a relative 1e-10 where the shared nodes are off by 1e-5", () => {
    const laws = new Array<Law>(3).fill(Noise.normal())
    const r = smallOf(Float64Array.of(0, -12.6, -12.6), laws)
    expect(r.which).toEqual([1, 2])
    expect(r.tail).toBeDefined()
    expect(maxLogGap(r.shared, r.ref)).toBeGreaterThan(1e-6)
    expect(maxLogGap(r.tail!, r.ref)).toBeLessThan(1e-10)
  })

  it("meets every probability below 1e-9 at d = 1000 (θ ~ N(0, 1)) to a relative 1e-10", () => {
    const d = 1000
    const laws = new Array<Law>(d).fill(Noise.normal())
    const r = smallOf(Float64Array.from(Noise.sample(Noise.normal(), Key.make(d), d)), laws)
    expect(r.which.length).toBeGreaterThan(10)
    expect(Math.min(...r.ref)).toBeLessThan(1e-13)
    expect(r.tail).toBeDefined()
    expect(maxLogGap(r.tail!, r.ref)).toBeLessThan(1e-10)
  })

  it("returns an empty array for no coordinates and rejects a bad theta with a typed error", () => {
    const fam = normalFamily(new Array<Law>(3).fill(Noise.normal()))!
    expect(normalArgmaxSmall(Float64Array.of(0, 1, 2), fam, [], [])?.length).toBe(0)
    expect(() => normalArgmaxSmall(Float64Array.of(0, NaN, 2), fam, [1], [1e-12])).toThrow(InvalidArgument)
  })
})

describe("identify, Normal-Argmax, d = 1000, probabilities down to 5e-14", () => {
  it("meets max_i |log P_i(θ) − log p_i| ≤ 1e-8 with P recomputed on the adaptive path", () => {
    const d = 1000
    const laws = new Array<Law>(d).fill(Noise.normal())
    const theta = Float64Array.from(Noise.sample(Noise.normal(), Key.make(d), d))
    const p = normalArgmax(theta, normalFamily(laws)!)!.probs
    const total = p.reduce((s, x) => s + x, 0)
    const q = p.map((x) => x / total)
    expect(Math.min(...q)).toBeLessThan(1e-13)
    const k = compile(Model.perturbArgmax({ space: Space.zeroSum(d), noise: Noise.normal() }))
    const out = k.identify(q, { tol: 1e-8 })
    expect(out.logResidual).toBeLessThanOrEqual(1e-8)
    const back = argmaxIndependent(out.theta, laws, { tolerance: 1e-13 }).probs
    expect(maxLogGap(back, q)).toBeLessThanOrEqual(1e-8)
  }, 60_000)
})
