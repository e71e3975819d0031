/**
 * Issue #13, classes 1, 2, 3 and 5: decisions beyond the paper (no finite mean, bounded and
 * half-bounded supports) and the exact space criterion. Each expected verdict is derived by hand in
 * the comment beside it; witnesses are checked with core's exact float64 kernel `exactProbs64` or a
 * closed form, and certificates by arithmetic on the witness — never by re-running the rules.
 *
 * Notation: R = {θ : θ_i + hi_i > θ_j + lo_j for all i ≠ j} is where Perturb-Argmax with interval
 * supports [lo_i, hi_i] has P(θ) ∈ ri Δ (i.i.d. of width w: max θ − min θ < w).
 */
import { exactProbs64, Model, Space } from "@perturb/core"
import { Noise, type NoiseLike } from "@perturb/noise"
import { describe, expect, it } from "vitest"
import { analyze, type Properties, type Witness } from "../src/index.js"

const BEYOND = "Beyond the paper (docs/math.md §3)"

const run = (space: Space.Space, noise: NoiseLike) => analyze(space, noise)
const verdicts = (p: Properties | undefined) => [p!.complete.verdict, p!.minimal.verdict, p!.identifiable.verdict]
const refs = (v: { reasons: ReadonlyArray<{ ref: string }> }) => v.reasons.map((r) => r.ref)
const texts = (v: { reasons: ReadonlyArray<{ text: string }> }) => v.reasons.map((r) => r.text).join(" ")

/** Perturb-Argmax probabilities, exact to float64 rounding (independent continuous noise). */
const P = (noise: NoiseLike, theta: ReadonlyArray<number>): Array<number> =>
  Array.from(exactProbs64(Model.perturbArgmax({ space: Space.reals(theta.length), noise }), Float64Array.from(theta)).probs)

const close = (x: ReadonlyArray<number>, y: ReadonlyArray<number>, tol: number) => {
  expect(x.length).toBe(y.length)
  x.forEach((v, i) => expect(Math.abs(v - y[i]!)).toBeLessThanOrEqual(tol))
}

const dot = (a: ReadonlyArray<number>, x: ReadonlyArray<number>) => a.reduce((s, v, i) => s + v * x[i]!, 0)

/** A pair witness: both points in Θ, distinct, and equal exact probabilities (returned). */
const checkPair = (space: Space.Space, noise: NoiseLike, w: Witness | undefined): Array<number> => {
  if (w === undefined || !("thetaPrime" in w)) throw new Error(`expected a pair witness, got ${w?._tag}`)
  expect(Space.contains(space, w.theta, 1e-7)).toBe(true)
  expect(Space.contains(space, w.thetaPrime, 1e-7)).toBe(true)
  expect(Math.max(...w.theta.map((v, i) => Math.abs(v - w.thetaPrime[i]!)))).toBeGreaterThan(1e-6)
  const p = P(noise, w.theta)
  close(P(noise, w.thetaPrime), p, 1e-12)
  return p
}

/** A certificate witness: a·𝟙 = 0, a·θ* > bound; returns θ*. */
const checkOutside = (w: Witness | undefined): { thetaStar: ReadonlyArray<number>; normal: ReadonlyArray<number>; bound: number } => {
  if (w?._tag !== "OutsideImage") throw new Error(`expected OutsideImage, got ${w?._tag}`)
  expect(Math.abs(w.normal.reduce((s, v) => s + v, 0))).toBeLessThan(1e-12)
  expect(dot(w.normal, w.thetaStar)).toBeGreaterThan(w.bound + 1e-9)
  return w
}

/** θ ∈ R for supports [lo_i, hi_i]: every coordinate wins with positive probability. */
const inRegion = (theta: ReadonlyArray<number>, lo: ReadonlyArray<number>, hi: ReadonlyArray<number>): boolean =>
  theta.every((ti, i) => theta.every((tj, j) => i === j || ti + hi[i]! > tj + lo[j]!))

/**
 * A space expected minimal but incomplete for Perturb-Argmax with supports [lo_i, hi_i]: the
 * certificate's θ* must lie in R, where P(θ*) is interior. Returns θ*.
 */
const minimalNotComplete = (space: Space.Space, noise: NoiseLike, lo: ReadonlyArray<number>, hi: ReadonlyArray<number>): ReadonlyArray<number> => {
  const r = run(space, noise)
  expect(verdicts(r.argmax)).toStrictEqual(["fails", "holds", "holds"])
  const w = checkOutside(r.argmax!.complete.witness)
  expect(inRegion(w.thetaStar, lo, hi)).toBe(true)
  expect(Math.min(...P(noise, w.thetaStar))).toBeGreaterThan(0)
  return w.thetaStar
}

describe("class 1: no finite mean", () => {
  it("Cauchy on pinned:3 — Perturb-Softmax complete (was undecided), minimal, identifiable", () => {
    // Θ + span(𝟙) = ℝ³ (pinned). F is infinite, but F̃(θ) = E[lse(θ+γ) − lse(γ)] is finite
    // (|lse(θ+γ) − lse(γ)| ≤ max|θ|), convex with ∇F̃ = P, recession function max_i h_i; so
    // F̃ − ⟨p, ·⟩ is coercive modulo 𝟙 for p ∈ ri Δ and its minimiser has P = p: complete.
    const r = run(Space.pinned(3), Noise.cauchy())
    expect(verdicts(r.softmax)).toStrictEqual(["holds", "holds", "holds"])
    expect(refs(r.softmax!.complete)).toContain(BEYOND)
    expect(texts(r.softmax!.complete)).toContain("beyond the paper")
    // Perturb-Argmax: Thm 5.1 already holds for any noise.
    expect(verdicts(r.argmax)).toStrictEqual(["holds", "holds", "holds"])
  })
  it("Student-t df = 1 on zero-sum:4 — Perturb-Softmax complete; df = 0.5 too", () => {
    // Same argument: zero-sum spans modulo 𝟙, and no moment is used.
    for (const df of [1, 0.5]) {
      const r = run(Space.zeroSum(4), Noise.studentT({ df }))
      expect(r.softmax!.complete.verdict).toBe("holds")
      expect(r.softmax!.minimal.verdict).toBe("holds")
    }
  })
  it("Cauchy on {θ₀ ≤ θ₁} (d = 3): Perturb-Softmax incomplete with a certificate (unchanged); argmax too", () => {
    // The space condition fails (a = (1, −1, 0): a·θ ≤ 0 on Θ, a·𝟙 = 0), and P is one-to-one
    // modulo 𝟙 for every noise (softmax) / positive density (argmax): P(θ*) with a·θ* > 0 is unreached.
    const r = run(Space.polyhedron({ A: [[1, -1, 0]], b: [0] }), Noise.cauchy())
    for (const m of [r.softmax!, r.argmax!]) {
      expect(m.complete.verdict).toBe("fails")
      checkOutside(m.complete.witness)
    }
    // The argmax witness numerically: on Θ, P₀ ≤ P₁ (θ₀ ≤ θ₁, exchangeable noise); at θ* not.
    const w = checkOutside(r.argmax!.complete.witness)
    const p = P(Noise.cauchy(), w.thetaStar)
    expect(p[0]!).toBeGreaterThan(p[1]!)
  })
})

describe("class 2: bounded support", () => {
  const U = Noise.uniform()
  it("the issue's example: Θ = {θ₀ = 0, θ₁ = 0, θ₂ ≤ −1.5}, Uniform[0,1] — argmax not minimal", () => {
    // θ₂ + 1 ≤ −0.5 < 0 = θ₀ + 0: coordinate 2 never wins, so P = (½, ½, 0) on all of Θ (θ₀ = θ₁,
    // exchangeable): every two points share P. Not a translation pair — the winners {0, 1} differ by
    // c = 0, the loser by any amount.
    const space = Space.polyhedron({ A: [[0, 0, 1]], b: [-1.5], C: [[1, 0, 0], [0, 1, 0]], e: [0, 0] })
    close(P(U, [0, 0, -2]), [0.5, 0.5, 0], 1e-15)
    close(P(U, [0, 0, -3]), [0.5, 0.5, 0], 1e-15)
    const r = run(space, U)
    expect(verdicts(r.argmax)).toStrictEqual(["fails", "fails", "holds"])
    expect(refs(r.argmax!.minimal)).toContain(BEYOND)
    expect(r.argmax!.minimal.witness?._tag).toBe("ConstantPair")
    close(checkPair(space, U, r.argmax!.minimal.witness), [0.5, 0.5, 0], 1e-12)
    // Completeness: θ₀ = θ₁ forces P₀ = P₁ (symmetry).
    expect(r.argmax!.complete.witness?._tag).toBe("UnreachableTarget")
    // Perturb-Softmax: softmax is interior and strictly convex off 𝟙: minimal (Lemma 4.2), as before.
    expect(verdicts(r.softmax)).toStrictEqual(["fails", "holds", "holds"])
  })
  it("pinned:2 ∩ box(−0.3, 0.3), Uniform[0,1]: argmax minimal (was undecided), incomplete with an interior witness", () => {
    // Θ = {(0, t) : |t| ≤ 0.3} ⊂ R = {|θ₁ − θ₀| < 1}: P one-to-one modulo 𝟙 there, θ₀ pinned: minimal.
    // Closed form (d = 2, δ = θ₁ − θ₀ ∈ [0, 1]): P₀ = (1 − δ)²/2. On Θ, P₁ ≤ 1 − 0.7²/2 = 0.755; R
    // reaches every P₁ < 1, so Θ + span(𝟙) = {|δ| ≤ 0.3} misses R: incomplete.
    const space = Space.intersect(Space.pinned(2), Space.box(-0.3, 0.3, 2))
    const r = run(space, U)
    expect(verdicts(r.argmax)).toStrictEqual(["fails", "holds", "holds"])
    const w = checkOutside(r.argmax!.complete.witness)
    expect(inRegion(w.thetaStar, [0, 0], [1, 1])).toBe(true)
    const delta = w.thetaStar[1]! - w.thetaStar[0]!
    const p = P(U, w.thetaStar)
    const loser = (1 - Math.abs(delta)) ** 2 / 2
    close(p, delta >= 0 ? [loser, 1 - loser] : [1 - loser, loser], 1e-12)
    expect(Math.max(p[0]!, p[1]!)).toBeGreaterThan(0.755 + 1e-6)
    // Softmax with the same bounded noise: F finite, Thm 4.1's space condition fails ⇒ incomplete;
    // Lemma 4.2 ⇒ minimal. Nothing saturates.
    expect(verdicts(r.softmax)).toStrictEqual(["fails", "holds", "holds"])
  })
  it("the box [−1,1]×[−2,2]×[−3,3], Uniform[0,1]: argmax complete (was undecided), not minimal", () => {
    // x ∈ Θ + span(𝟙) iff the intervals [x_i − l_i, x_i + l_i] (l = 1, 2, 3) share a point t, i.e.
    // x_i − x_j ≤ l_i + l_j (≥ 3) for all i, j; R = {max x − min x < 1} satisfies it: complete.
    // Translation pair (0, 0, 0), (½, ½, ½): not minimal.
    const space = Space.box([-1, -2, -3], [1, 2, 3])
    const r = run(space, U)
    expect(verdicts(r.argmax)).toStrictEqual(["holds", "fails", "holds"])
    expect(refs(r.argmax!.complete)).toContain(BEYOND)
    expect(r.argmax!.minimal.witness?._tag).toBe("TranslationPair")
  })
  it("pinned:4 ∩ box(−2, 2), Uniform[0,1]: argmax complete; not minimal (saturation at a vertex)", () => {
    // Θ + span(𝟙) = {|x_i − x₀| ≤ 2} ⊇ R = {max − min < 1}: complete. θ₃ ≥ θ_k + 1 for all k
    // has a 3-dimensional piece of Θ where P = e₃: not minimal.
    const space = Space.intersect(Space.pinned(4), Space.box(-2, 2, 4))
    const r = run(space, U)
    expect(verdicts(r.argmax)).toStrictEqual(["holds", "fails", "holds"])
    const p = checkPair(space, U, r.argmax!.minimal.witness)
    expect(Math.max(...p)).toBe(1)
  })
  it("pinned:3 ∩ box(−0.5, 0.5), Uniform[0,1]: argmax minimal on the boundary of R, incomplete", () => {
    // max − min ≤ 1 on Θ, = 1 only on R's boundary, e.g. (0, ½, −½): coordinate 2 just loses.
    // Winners always include 0 (θ₀ + 1 ≤ max(θ₁, θ₂) ≤ ½ is impossible), and θ₀ = 0 is pinned, so
    // two points with the same winners S and θ_S equal modulo 𝟙 agree on S; a loser k satisfies
    // θ_k + 1 ≤ max_S θ ≤ ½, i.e. θ_k ≤ −½, and the box forces θ_k = −½: the points coincide. Minimal.
    // Incomplete: Θ + span(𝟙) = {|x_i − x_j| ≤ 1 … and |x_i − x₀| ≤ ½} misses (0, 0.75, 0.75) ∈ R.
    const thetaStar = minimalNotComplete(Space.intersect(Space.pinned(3), Space.box(-0.5, 0.5, 3)), U, [0, 0, 0], [1, 1, 1])
    // Independently: θ*'s pinned representative θ* − θ*₀𝟙 leaves the box, so θ* ∉ Θ + span(𝟙).
    expect(Math.max(...thetaStar.map((v) => Math.abs(v - thetaStar[0]!)))).toBeGreaterThan(0.5)
  })
  it("zero-sum:3 ∩ box(−0.5, 0.5), Uniform[0,1]: minimal, incomplete (a general polyhedron)", () => {
    // On Θ, 1.5·θ₀ = θ₀ − (θ₁ + θ₂)/2 ≤ 0.75, so a = (1, −½, −½) bounds Θ + span(𝟙) by 0.75, while
    // R holds (0, −0.9, −0.9) with a·θ = 0.9. Minimal: Σθ = 0 leaves no translation; a boundary point
    // (½, −½, 0) has loser 1 and winners {0, 2}; a partner (½ + c, θ₁′, c) needs c ≤ 0 (box) and
    // θ₁′ + 1 ≤ ½ + c with θ₁′ = −½ − 2c, i.e. c ≥ 0: c = 0, the same point.
    const thetaStar = minimalNotComplete(Space.intersect(Space.zeroSum(3), Space.box(-0.5, 0.5, 3)), U, [0, 0, 0], [1, 1, 1])
    // Independently: the zero-sum representative of θ* leaves the box (so θ* ∉ Θ + span(𝟙)).
    const mean = thetaStar.reduce((s, v) => s + v, 0) / 3
    expect(Math.max(...thetaStar.map((v) => Math.abs(v - mean)))).toBeGreaterThan(0.5)
  })
  it("{θ₀ ≤ θ₁} (d = 3), Uniform[0,1]: argmax incomplete (P₀ ≤ P₁ on Θ), not minimal", () => {
    // Exchangeable noise and θ₀ ≤ θ₁ give P₀ ≤ P₁ on Θ; a point of R with θ₀ > θ₁ has P₀ > P₁.
    const space = Space.polyhedron({ A: [[1, -1, 0]], b: [0] })
    const r = run(space, U)
    expect(verdicts(r.argmax)).toStrictEqual(["fails", "fails", "holds"])
    const w = checkOutside(r.argmax!.complete.witness)
    const p = P(U, w.thetaStar)
    expect(p[0]!).toBeGreaterThan(p[1]! + 1e-6)
    expect(Math.min(...p)).toBeGreaterThan(0)
  })
  it("per-coordinate supports: U[0,1], U[0,2], U[0,1] against i.i.d. U[0,1] on {θ₀ = θ₂ = 0, −1.9 ≤ θ₁ ≤ −1.5}", () => {
    // Per-coordinate: coordinate 1 wins with positive probability iff θ₁ + 2 > 0 — true on all of Θ,
    // which is a segment inside R with no translations: minimal. I.i.d.: θ₁ + 1 ≤ −0.5 < 0, so
    // coordinate 1 never wins and P = (½, 0, ½) on all of Θ: not minimal.
    const space = Space.polyhedron({ A: [[0, 1, 0], [0, -1, 0]], b: [-1.5, 1.9], C: [[1, 0, 0], [0, 0, 1]], e: [0, 0] })
    const per = Noise.independent([Noise.uniform(), Noise.uniform({ a: 0, b: 2 }), Noise.uniform()])
    expect(run(space, per).argmax!.minimal.verdict).toBe("holds")
    const iid = run(space, U)
    expect(iid.argmax!.minimal.verdict).toBe("fails")
    close(checkPair(space, U, iid.argmax!.minimal.witness), [0.5, 0, 0.5], 1e-12)
    // The per-coordinate law's P does move along Θ (one-to-one): P₁ differs at the two ends.
    expect(P(per, [0, -1.5, 0])[1]! - P(per, [0, -1.9, 0])[1]!).toBeGreaterThan(1e-3)
    // With θ₁ ≤ −2.5 the wider coordinate loses too: P = (½, 0, ½) again.
    const low = Space.polyhedron({ A: [[0, 1, 0]], b: [-2.5], C: [[1, 0, 0], [0, 0, 1]], e: [0, 0] })
    const r = run(low, per)
    expect(r.argmax!.minimal.verdict).toBe("fails")
    close(checkPair(low, per, r.argmax!.minimal.witness), [0.5, 0, 0.5], 1e-12)
  })
  it("pinned:9 ∩ box(−0.1, 0.1), Uniform[0,1]: Θ ⊂ R, so minimal (d beyond the subset enumeration)", () => {
    // max − min ≤ 0.2 < 1 on Θ: Θ ⊂ R, P one-to-one modulo 𝟙 there, θ₀ pinned.
    const r = run(Space.intersect(Space.pinned(9), Space.box(-0.1, 0.1, 9)), U)
    expect(r.argmax!.minimal.verdict).toBe("holds")
  })
  it("pinned:60 ∩ box(−0.3, 0.3), Uniform[0,1]: minimal, incomplete — closed forms, no enumeration", () => {
    // Every coordinate lies in [−0.3, 0.3], so max − min ≤ 0.6 < 1: Θ ⊂ R, minimal (θ₀ pinned).
    // Θ + span(𝟙) = {|x_i − x₀| ≤ 0.3}; R holds x with x₁ − x₀ = 0.65: incomplete.
    const d = 60
    const thetaStar = minimalNotComplete(Space.intersect(Space.pinned(d), Space.box(-0.3, 0.3, d)), U, Array(d).fill(0), Array(d).fill(1))
    expect(Math.max(...thetaStar.map((v) => Math.abs(v - thetaStar[0]!)))).toBeGreaterThan(0.3)
  })
  it("Prop 5.4's own case keeps the paper's witness and citation", () => {
    const r = run(Space.pinned(2), U)
    expect(r.argmax!.minimal.witness).toStrictEqual({ _tag: "SaturatedPair", theta: [0, 1], thetaPrime: [0, 2], winner: 1, probs: [0, 1] })
    expect(refs(r.argmax!.minimal)[0]).toBe("Proposition 5.4")
  })
})

describe("class 3: half-bounded support", () => {
  const E = Noise.exponential()
  it("Exponential on {θ₀ = 0, θ₁ ≤ 5}: sup P₁ = 1 − e⁻⁵/2, so incomplete; minimal", () => {
    // γ₀ − γ₁ is Laplace(0, 1), so P₁(0, t) = Pr[γ₀ − γ₁ < t] = 1 − e^{−t}/2 (t ≥ 0), increasing in t:
    // sup over Θ is at t = 5. Both coordinates have the upper tail: one-to-one modulo 𝟙 (common tail).
    const space = Space.polyhedron({ A: [[0, 1]], b: [5], C: [[1, 0]], e: [0] })
    close(P(E, [0, 5]), [Math.exp(-5) / 2, 1 - Math.exp(-5) / 2], 1e-14)
    const r = run(space, E)
    expect(verdicts(r.argmax)).toStrictEqual(["fails", "holds", "holds"])
    const w = checkOutside(r.argmax!.complete.witness)
    const t = w.thetaStar[1]! - w.thetaStar[0]!
    expect(t).toBeGreaterThan(5)
    expect(P(E, w.thetaStar)[1]!).toBeGreaterThan(1 - Math.exp(-5) / 2)
  })
  it("Exponential i.i.d. on pinned:3: complete and minimal (strictly monotone: R = ℝ³)", () => {
    expect(verdicts(run(Space.pinned(3), E).argmax)).toStrictEqual(["holds", "holds", "holds"])
  })
  it("Exponential and Uniform[0,1] on pinned:2 (no common tail, was undecided): not minimal, P = e₀ for θ₁ ≤ −1", () => {
    // Coordinate 1 wins iff θ₁ + U > E (θ₀ = 0): impossible when θ₁ + 1 ≤ 0, so P = e₀ there.
    const noise = Noise.independent([E, Noise.uniform()])
    close(P(noise, [0, -1]), [1, 0], 1e-15)
    close(P(noise, [0, -3]), [1, 0], 1e-15)
    const r = run(Space.pinned(2), noise)
    expect(verdicts(r.argmax)).toStrictEqual(["holds", "fails", "holds"])
    close(checkPair(Space.pinned(2), noise, r.argmax!.minimal.witness), [1, 0], 1e-15)
  })
  it("Exponential and Uniform[0,1] on pinned:2 ∩ box(−0.5, 0.5): minimal, incomplete", () => {
    // R = {θ₁ + 1 > θ₀} ⊃ Θ: minimal (θ₀ pinned). With δ = θ₁ − θ₀, P₀ = Pr[E > δ + U] is
    // e^{−δ}(1 − e^{−1}) for δ ≥ 0 and −δ + 1 − e^{−(1+δ)} for δ ∈ [−1, 0], decreasing in δ; on Θ
    // (|δ| ≤ ½) it stays in [P₀(½), P₀(−½)] = [0.3834, 0.8935], while R reaches every P₀ ∈ (0, 1).
    const noise = Noise.independent([E, Noise.uniform()])
    const space = Space.intersect(Space.pinned(2), Space.box(-0.5, 0.5, 2))
    const r = run(space, noise)
    expect(verdicts(r.argmax)).toStrictEqual(["fails", "holds", "holds"])
    const w = checkOutside(r.argmax!.complete.witness)
    const p0 = (delta: number) => (delta >= 0 ? Math.exp(-delta) * (1 - Math.exp(-1)) : -delta + 1 - Math.exp(-(1 + delta)))
    const delta = w.thetaStar[1]! - w.thetaStar[0]!
    expect(delta).toBeGreaterThan(-1)
    const p = P(noise, w.thetaStar)
    close(p, [p0(delta), 1 - p0(delta)], 1e-12)
    expect(p[0]! < p0(0.5) - 1e-6 || p[0]! > p0(-0.5) + 1e-6).toBe(true)
  })
  it("Exponential, Uniform[0,1], Exponential on pinned:3: coordinate 1 can drop out — P = (½, 0, ½)", () => {
    // θ₀ = 0, θ₂ = 0, θ₁ ≤ −1: coordinate 1 never wins, the others are exchangeable: P = (½, 0, ½)
    // for every such θ₁. Coordinates 0 and 2 always can win (unbounded above): no vertex saturation.
    const noise = Noise.independent([E, Noise.uniform(), E])
    const r = run(Space.pinned(3), noise)
    expect(verdicts(r.argmax)).toStrictEqual(["holds", "fails", "holds"])
    const p = checkPair(Space.pinned(3), noise, r.argmax!.minimal.witness)
    expect(p[1]).toBe(0)
  })
})

describe("class 5: the exact space criterion", () => {
  const G = Noise.gumbel()
  it("{θ₀ + θ₁ ≤ 2θ₂} (d = 3): each coordinate can outgrow the others, yet incomplete", () => {
    // Outgrowing directions in K: (2, −1, 1) for 0, (−1, 2, 1) for 1, (0, 0, 1) for 2 (each
    // satisfies h₀ + h₁ − 2h₂ ≤ 0 with h_i > h_k). But a = (1, 1, −2)/2: a·𝟙 = 0, a·θ ≤ 0 on Θ, so
    // Θ + span(𝟙) ≠ ℝ³. Gumbel: P = softmax, log p₀ + log p₁ − 2 log p₂ = θ₀ + θ₁ − 2θ₂ ≤ 0 on Θ.
    for (const h of [[2, -1, 1], [-1, 2, 1], [0, 0, 1]]) expect(h[0]! + h[1]! - 2 * h[2]!).toBeLessThanOrEqual(0)
    const r = run(Space.polyhedron({ A: [[1, 1, -2]], b: [0] }), G)
    for (const m of [r.softmax!, r.argmax!]) {
      expect(m.complete.verdict).toBe("fails")
      expect(texts(m.complete)).toContain("exact criterion K + span(𝟙) = ℝ^d")
    }
    const w = checkOutside(r.argmax!.complete.witness)
    const p = P(G, w.thetaStar)
    expect(Math.log(p[0]!) + Math.log(p[1]!) - 2 * Math.log(p[2]!)).toBeGreaterThan(1e-9)
  })
  it("{θ₀ + θ₁ = θ₂ + θ₃} (d = 4): a linear space where each coordinate can outgrow the others, yet incomplete", () => {
    // (1, 0, ½, ½) lies in Θ and lets coordinate 0 outgrow all others (likewise by symmetry); but
    // log p₀ + log p₁ − log p₂ − log p₃ = θ₀ + θ₁ − θ₂ − θ₃ = 0 on Θ for Gumbel: P reaches a 2-surface.
    const r = run(Space.affine({ C: [[1, 1, -1, -1]], e: [0] }), G)
    for (const m of [r.softmax!, r.argmax!]) {
      expect(m.complete.verdict).toBe("fails")
      expect(texts(m.complete)).toContain("weaker")
    }
    const w = checkOutside(r.argmax!.complete.witness)
    const p = P(G, w.thetaStar)
    expect(Math.abs(Math.log(p[0]!) + Math.log(p[1]!) - Math.log(p[2]!) - Math.log(p[3]!))).toBeGreaterThan(1e-6)
  })
  it("a spanning space's reason names the exact criterion and the paper's weaker wording", () => {
    const r = run(Space.pinned(3), G)
    expect(texts(r.argmax!.complete)).toContain("exact criterion K + span(𝟙) = ℝ^d")
    expect(texts(r.softmax!.complete)).toContain("each coordinate can outgrow all others")
  })
})
