/**
 * The pieces of confirm's new completeness measures, against hand-derived values: the closest point
 * of a hull in ‖·‖₁ (an LP), the orderings that reach every cell around a kink, ∂M at Prop 5.5's
 * kink from exact P (`exactProbs64`, not confirm's own code), and the overlap defect of bounded
 * supports that picks where fits start.
 */
import { exactProbs64, Model, Space } from "@perturb/core"
import { Key, Noise } from "@perturb/noise"
import { describe, expect, it } from "vitest"
import { overlapDefect } from "../src/confirm/start.js"
import { closestInHull, logGap, orderings } from "../src/confirm/subgradient.js"

describe("closestInHull", () => {
  it("segment [e₀, e₁] and p = (0.5, 0.3, 0.2): distance 0.4, attained on t ∈ [0.5, 0.7]", () => {
    // Points (t, 1 − t, 0): |t − 0.5| + |0.7 − t| + 0.2, which is 0.2 + 0.2 for t ∈ [0.5, 0.7].
    const { point, distance } = closestInHull([Float64Array.of(1, 0, 0), Float64Array.of(0, 1, 0)], Float64Array.of(0.5, 0.3, 0.2))
    expect(distance).toBeCloseTo(0.4, 12)
    expect(point[0]!).toBeGreaterThanOrEqual(0.5 - 1e-12)
    expect(point[0]!).toBeLessThanOrEqual(0.7 + 1e-12)
    expect(point[2]!).toBe(0)
  })
  it("a point inside the hull is at distance 0", () => {
    const v = [Float64Array.of(1, 0, 0), Float64Array.of(0, 1, 0), Float64Array.of(0, 0, 1)]
    expect(closestInHull(v, Float64Array.of(0.2, 0.3, 0.5)).distance).toBeLessThan(1e-12)
  })
})

describe("∂M at Prop 5.5's kink from the orderings", () => {
  it("pinned d = 2, atoms {0, 1}, θ = (0, 0): ∂M = [(¾, ¼), (¼, ¾)] contains (½, ½)", () => {
    // math.md §4: left derivative ¼, right ¾ in the second coordinate. The limits P(θ ± δ(e₁ − e₀)/2)
    // are the two ends; the even split P(θ) = (½, ½) is inside, and (0.9, 0.1) is 0.3 away in ‖·‖₁.
    const model = Model.perturbArgmax({ space: Space.pinned(2), noise: Noise.discrete({ atoms: [0, 1] }) })
    const { orders, exhaustive } = orderings(2, Key.make(0))
    expect(exhaustive).toBe(true)
    const delta = 1e-5
    const vertices = orders.map((r) => exactProbs64(model, Float64Array.from(r, (x) => delta * (x - 0.5))).probs)
    const ends = vertices.map((v) => v[1]!).sort()
    expect(ends[0]!).toBeCloseTo(0.25, 14)
    expect(ends[1]!).toBeCloseTo(0.75, 14)
    expect(closestInHull(vertices, Float64Array.of(0.5, 0.5)).distance).toBeLessThan(1e-12)
    expect(closestInHull(vertices, Float64Array.of(0.9, 0.1)).distance).toBeCloseTo(0.3, 12)
  })
  it("orderings: all d! permutations for d ≤ 5, a sample beyond", () => {
    const three = orderings(3, Key.make(0))
    expect(three.orders.length).toBe(6)
    expect(new Set(three.orders.map((o) => o.join())).size).toBe(6)
    const six = orderings(6, Key.make(0))
    expect(six.exhaustive).toBe(false)
    expect(six.orders.length).toBe(2 + 12)
  })
  it("logGap is max_i |log P_i − log p_i|", () => {
    expect(logGap([0.5, 0.5], [0.25, 0.75])).toBeCloseTo(Math.log(2), 14)
  })
})

describe("overlapDefect", () => {
  it("Uniform[0, 1]: max_j θ_j − min_i (θ_i + 1)", () => {
    // θ = (5, 0, 0): coordinate 0 starts at 5 above every other's end 1: defect 5 − 1 = 4 (P flat).
    expect(overlapDefect([5, 0, 0], [Noise.uniform(), Noise.uniform(), Noise.uniform()])).toBe(4)
    // θ = (0, 0.5, 0.2): top start 0.5, lowest end 1: −0.5 < 0, every coordinate can win.
    expect(overlapDefect([0, 0.5, 0.2], [Noise.uniform(), Noise.uniform(), Noise.uniform()])).toBeCloseTo(-0.5, 14)
  })
  it("is −∞ where no support has the two ends that saturate (Normal)", () => {
    expect(overlapDefect([5, 0], [Noise.normal(), Noise.normal()])).toBe(-Infinity)
  })
})
