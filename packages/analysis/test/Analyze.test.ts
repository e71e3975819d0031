/**
 * `analyze` against every row of math.md §3's table and the issue's cases. Witnesses are checked
 * numerically with the model kernels (`compile(...).probs / .potential`, exact for Perturb-Argmax),
 * and certificates by hand-style arithmetic (a·𝟙 = 0, a·θ* > bound, points in Θ).
 */
import * as tf from "@tensorflow/tfjs"
import { compile, DimensionMismatch, InvalidArgument, Model, Space } from "@perturb/core"
import { Key, Noise, type NoiseLike } from "@perturb/noise"
import { beforeAll, describe, expect, it } from "vitest"
import { analyze, type Properties, type Report, type Witness } from "../src/index.js"

beforeAll(async () => {
  await tf.setBackend("cpu")
})

const argmaxProbs = (space: Space.Space, noise: NoiseLike, theta: ReadonlyArray<number>): Array<number> => {
  const k = compile(Model.perturbArgmax({ space, noise }))
  const r = k.probs(tf.tensor1d([...theta]))
  const out = Array.from(r.probs.dataSync())
  r.probs.dispose()
  return out
}

const softmaxProbs = (space: Space.Space, noise: NoiseLike, theta: ReadonlyArray<number>): Array<number> => {
  const k = compile(Model.perturbSoftmax({ space, noise }))
  // The same key gives the same noise points for every θ, so equal P is equal to float32 rounding.
  const r = k.probs(tf.tensor1d([...theta]), { method: "qmc", samples: 1024, key: Key.make(3) })
  const out = Array.from(r.probs.dataSync())
  r.probs.dispose()
  r.stdError?.dispose()
  return out
}

const potential = (space: Space.Space, noise: NoiseLike, theta: ReadonlyArray<number>): number => {
  const k = compile(Model.perturbArgmax({ space, noise }))
  const input = tf.tensor1d([...theta])
  const t = k.potential(input)
  const v = t.potential.dataSync()[0]!
  tf.dispose([input, t.potential])
  return v
}

const close = (x: ReadonlyArray<number>, y: ReadonlyArray<number>, tol: number) => {
  expect(x.length).toBe(y.length)
  x.forEach((v, i) => expect(Math.abs(v - y[i]!)).toBeLessThanOrEqual(tol))
}

const everyFailHasWitness = (r: Report) => {
  for (const p of [r.softmax, r.argmax]) {
    if (p === undefined) continue
    for (const v of [p.complete, p.minimal, p.identifiable]) {
      if (v.verdict === "fails") expect(v.witness).toBeDefined()
      expect(v.reasons.length).toBeGreaterThan(0)
      for (const reason of v.reasons) (expect(reason.ref.length).toBeGreaterThan(0), expect(reason.text.length).toBeGreaterThan(0))
    }
  }
}

const verdicts = (p: Properties | undefined) => [p!.complete.verdict, p!.minimal.verdict, p!.identifiable.verdict]
const refs = (v: { reasons: ReadonlyArray<{ ref: string }> }) => v.reasons.map((r) => r.ref)
const run = (space: Space.Space, noise: NoiseLike) => {
  const r = analyze(space, noise)
  everyFailHasWitness(r)
  return r
}

/** Checks a translation / saturated / constant pair: both in Θ, distinct, equal probabilities. */
const checkPair = (space: Space.Space, noise: NoiseLike, w: Witness | undefined, model: "argmax" | "softmax", tol = 1e-5) => {
  expect(w).toBeDefined()
  if (w === undefined || !("thetaPrime" in w)) throw new Error("expected a pair witness")
  expect(Space.contains(space, w.theta, 1e-7)).toBe(true)
  expect(Space.contains(space, w.thetaPrime, 1e-7)).toBe(true)
  expect(w.theta.some((v, i) => v !== w.thetaPrime[i])).toBe(true)
  const f = model === "argmax" ? argmaxProbs : softmaxProbs
  const p = f(space, noise, w.theta)
  close(p, f(space, noise, w.thetaPrime), tol)
  if (w._tag === "TranslationPair") close(w.thetaPrime, w.theta.map((v) => v + w.c), 1e-12)
  if (w._tag === "SaturatedPair") close(p, w.probs, 1e-6)
  return p
}

/** Checks an OutsideImage certificate on points of a bounded box-like space. */
const checkOutside = (w: Witness | undefined, points: ReadonlyArray<ReadonlyArray<number>>) => {
  if (w === undefined || w._tag !== "OutsideImage") throw new Error(`expected OutsideImage, got ${w?._tag}`)
  expect(Math.abs(w.normal.reduce((s, x) => s + x, 0))).toBeLessThan(1e-12)
  const dot = (x: ReadonlyArray<number>) => x.reduce((s, v, i) => s + v * w.normal[i]!, 0)
  expect(dot(w.thetaStar)).toBeCloseTo(w.value, 12)
  expect(w.value).toBeGreaterThan(w.bound)
  for (const x of points) expect(dot(x)).toBeLessThanOrEqual(w.bound + 1e-12)
}

describe("math.md §3 table", () => {
  it("Thm 7.1: Gumbel-Argmax (softmax) on ℝ^d is complete, not minimal (θ, θ + c𝟙)", () => {
    const r = run(Space.reals(4), Noise.gumbel())
    expect(verdicts(r.argmax)).toStrictEqual(["holds", "fails", "holds"])
    expect(refs(r.argmax!.minimal)).toContain("Theorem 7.1")
    checkPair(Space.reals(4), Noise.gumbel(), r.argmax!.minimal.witness, "argmax", 1e-6)
    expect(r.softmax!.minimal.witness?._tag).toBe("TranslationPair")
    checkPair(Space.reals(4), Noise.gumbel(), r.softmax!.minimal.witness, "softmax", 1e-6)
  })
  it("Thm 7.1: Gumbel-Argmax on pinned and zero-sum is complete and minimal", () => {
    for (const space of [Space.pinned(4), Space.zeroSum(4)]) {
      const r = run(space, Noise.gumbel())
      expect(verdicts(r.argmax)).toStrictEqual(["holds", "holds", "holds"])
      expect(refs(r.argmax!.complete)).toContain("Theorem 7.1")
      expect(refs(r.argmax!.minimal)).toContain("Theorem 7.1")
    }
  })
  it("Thm 4.1 / Lemma 4.2 / Thm 4.3: Perturb-Softmax with finite-mean noise on pinned is complete and minimal", () => {
    const r = run(Space.pinned(3), Noise.normal())
    expect(verdicts(r.softmax)).toStrictEqual(["holds", "holds", "holds"])
    expect(refs(r.softmax!.complete)).toStrictEqual(["Theorem 4.1", "Theorem 4.1"])
    expect(refs(r.softmax!.minimal)).toContain("Theorem 4.3")
    expect(refs(r.softmax!.minimal)).toContain("Lemma 4.2")
  })
  it("Thm 5.1: Perturb-Argmax is complete for any noise on a spanning space (discrete, bounded, heavy-tailed)", () => {
    for (const noise of [Noise.discrete({ atoms: [0, 1] }), Noise.uniform(), Noise.cauchy(), Noise.exponential()]) {
      const r = run(Space.pinned(3), noise)
      expect(r.argmax!.complete.verdict).toBe("holds")
      expect(refs(r.argmax!.complete)).toContain("Theorem 5.1")
    }
  })
  it("Lemma 5.2 / Thm 5.3: Gaussian-Argmax on zero-sum is identifiable and minimal", () => {
    const r = run(Space.zeroSum(5), Noise.normal())
    expect(verdicts(r.argmax)).toStrictEqual(["holds", "holds", "holds"])
    expect(refs(r.argmax!.identifiable)).toStrictEqual(["Lemma 5.2"])
    expect(refs(r.argmax!.minimal)).toContain("Theorem 5.3")
  })
  it("Prop 5.4: Uniform[0,1] on pinned d = 2 is single-valued, not minimal: θ = (0, 1), θ′ = (0, 2) both give (0, 1)", () => {
    const space = Space.pinned(2)
    const noise = Noise.uniform()
    const r = run(space, noise)
    expect(verdicts(r.argmax)).toStrictEqual(["holds", "fails", "holds"])
    const w = r.argmax!.minimal.witness
    expect(w).toStrictEqual({ _tag: "SaturatedPair", theta: [0, 1], thetaPrime: [0, 2], winner: 1, probs: [0, 1] })
    close(checkPair(space, noise, w, "argmax", 1e-7), [0, 1], 1e-7)
    expect(refs(r.argmax!.minimal)[0]).toBe("Proposition 5.4")
    // math.md §4: the triangular cdf, P(0, 0.5) = (0.125, 0.875), shows P is single-valued but saturates only past width 1.
    close(argmaxProbs(space, noise, [0, 0.5]), [0.125, 0.875], 1e-6)
  })
  it("Prop 5.5: discrete {0, 1} on pinned d = 2 is not identifiable: ∂M(0) = [1/4, 3/4] in coordinate 2", () => {
    const space = Space.pinned(2)
    const noise = Noise.discrete({ atoms: [0, 1] })
    const r = run(space, noise)
    expect(r.argmax!.identifiable.verdict).toBe("fails")
    const w = r.argmax!.identifiable.witness
    // ∂M(0) is the segment between P with ties to coordinate 0 and P with ties to coordinate 1 (#13).
    expect(w).toStrictEqual({ _tag: "Kink", theta: [0, 0], coordinate: 1, left: 0.25, right: 0.75, potential: 0.75, subdifferential: [[0.75, 0.25], [0.25, 0.75]] })
    // One-sided difference quotients of the exact potential (float32) agree with the witness.
    const h = 1e-2
    const m0 = potential(space, noise, [0, 0])
    expect(m0).toBeCloseTo(0.75, 6)
    expect((potential(space, noise, [0, h]) - m0) / h).toBeCloseTo(0.75, 3)
    expect((m0 - potential(space, noise, [0, -h])) / h).toBeCloseTo(0.25, 3)
  })
})

describe("spaces", () => {
  it("a box is neither complete nor minimal", () => {
    const space = Space.box(-1, 1, 3)
    const r = run(space, Noise.normal())
    for (const p of [r.softmax, r.argmax]) {
      expect(p!.complete.verdict).toBe("fails")
      expect(p!.minimal.verdict).toBe("fails")
    }
    const corners = Array.from({ length: 8 }, (_, m) => [0, 1, 2].map((b) => ((m >> b) & 1 ? 1 : -1)))
    checkOutside(r.softmax!.complete.witness, corners)
    checkOutside(r.argmax!.complete.witness, corners)
    checkPair(space, Noise.normal(), r.argmax!.minimal.witness, "argmax", 1e-6)
    checkPair(space, Noise.normal(), r.softmax!.minimal.witness, "softmax", 1e-6)
  })
  it("pinned ∩ box is minimal, not complete", () => {
    const space = Space.intersect(Space.pinned(3), Space.box(-5, 5, 3))
    const r = run(space, Noise.normal())
    for (const p of [r.softmax, r.argmax]) expect(verdicts(p)).toStrictEqual(["fails", "holds", "holds"])
    const corners = Array.from({ length: 4 }, (_, m) => [0, m & 1 ? 5 : -5, m & 2 ? 5 : -5])
    checkOutside(r.argmax!.complete.witness, corners)
  })
  it("{θ₀ = θ₁} is neither: p = (0.9, 0.05, 0.05) is unreachable at distance ≥ 0.85/√2", () => {
    const space = Space.affine({ C: [[1, -1, 0]], e: [0] })
    const noise = Noise.normal()
    const r = run(space, noise)
    for (const p of [r.softmax, r.argmax]) {
      expect(p!.complete.verdict).toBe("fails")
      expect(p!.minimal.verdict).toBe("fails")
      expect(p!.complete.witness).toStrictEqual({ _tag: "UnreachableTarget", p: [0.9, 0.05, 0.05], pair: [0, 1], distance: 0.85 / Math.SQRT2 })
    }
    // Every reachable P has P₀ = P₁, hence its distance to the target is at least the claimed bound.
    for (const theta of [[0, 0, 0], [3, 3, -2], [-1, -1, 4], [7, 7, 0]]) {
      const p = argmaxProbs(space, noise, theta)
      expect(Math.abs(p[0]! - p[1]!)).toBeLessThan(1e-6)
      const dist = Math.hypot(p[0]! - 0.9, p[1]! - 0.05, p[2]! - 0.05)
      expect(dist).toBeGreaterThanOrEqual(0.85 / Math.SQRT2 - 1e-6)
    }
    checkPair(space, noise, r.argmax!.minimal.witness, "argmax", 1e-6)
  })
  it("half-spaces: {θ₀ ≤ 0} is complete, not minimal; {θ₀ ≤ θ₁} is neither", () => {
    const h1 = Space.polyhedron({ A: [[1, 0, 0]], b: [0] })
    const r1 = run(h1, Noise.normal())
    for (const p of [r1.softmax, r1.argmax]) expect(verdicts(p)).toStrictEqual(["holds", "fails", "holds"])
    checkPair(h1, Noise.normal(), r1.argmax!.minimal.witness, "argmax", 1e-6)
    const h2 = Space.polyhedron({ A: [[1, -1, 0]], b: [0] })
    const r2 = run(h2, Noise.normal())
    for (const p of [r2.softmax, r2.argmax]) expect(verdicts(p)).toStrictEqual(["fails", "fails", "holds"])
    const w = r2.argmax!.complete.witness
    if (w?._tag !== "OutsideImage") throw new Error("expected OutsideImage")
    // a = (1, −1, 0) up to scale: the certificate is θ₀ − θ₁ ≤ 0 itself.
    expect(w.normal).toStrictEqual([1, -1, 0])
    expect(w.bound).toBe(0)
    expect(Space.contains(h2, w.thetaStar)).toBe(false)
  })
  it("a cone where each coordinate outgrows the others but Θ + span(𝟙) ≠ ℝ³ is not complete", () => {
    // K = cone{(1, 0, .6), (0, 1, .6), (0, 0, 1)} = {θ₀ + θ₁ ≤ 2θ₂, θ₀ ≥ 0 … } written by its facets
    // −θ₀ ≤ 0, −θ₁ ≤ 0 and θ₀ + θ₁ − 2θ₂·(1/1.2)… ; here simply {θ₀ + θ₁ − 2θ₂ ≤ 0}.
    const space = Space.polyhedron({ A: [[1, 1, -2]], b: [0] })
    const r = run(space, Noise.gumbel())
    expect(r.argmax!.complete.verdict).toBe("fails")
    const w = r.argmax!.complete.witness
    if (w?._tag !== "OutsideImage") throw new Error("expected OutsideImage")
    // Gumbel-Argmax = softmax: p is the softmax of θ*, and its log-ratios violate the certificate.
    const logits = w.p!.map(Math.log)
    expect(logits.reduce((s, l, i) => s + l * w.normal[i]!, 0)).toBeGreaterThan(w.bound)
  })
  it("zero-sum with d = 1000 is complete and minimal for both models", () => {
    const r = run(Space.zeroSum(1000), Noise.normal())
    expect(verdicts(r.softmax)).toStrictEqual(["holds", "holds", "holds"])
    expect(verdicts(r.argmax)).toStrictEqual(["holds", "holds", "holds"])
  })
})

describe("noise laws", () => {
  it("per-coordinate laws: pinned holds; {θ₀ = θ₁} with non-exchangeable coordinates gets a certificate witness", () => {
    const noise = Noise.independent([Noise.normal(), Noise.gumbel(), Noise.logistic()])
    expect(verdicts(run(Space.pinned(3), noise).argmax)).toStrictEqual(["holds", "holds", "holds"])
    const r = run(Space.affine({ C: [[1, -1, 0]], e: [0] }), noise)
    expect(r.softmax!.complete.witness?._tag).toBe("OutsideImage")
    expect(r.argmax!.complete.witness?._tag).toBe("OutsideImage")
    // coordinates 0 and 2 are not tied by Θ, 0 and 1 are but their laws differ: no symmetry claim.
    expect(r.argmax!.complete.reasons.some((x) => x.ref.startsWith("Symmetry"))).toBe(false)
  })
  it("correlated Gaussian: exchangeable coordinates tied by Θ force P₀ = P₁", () => {
    const noise = Noise.gaussian({ covariance: [[1, 0.5, 0.2], [0.5, 1, 0.2], [0.2, 0.2, 1]] })
    expect(verdicts(run(Space.pinned(3), noise).argmax)).toStrictEqual(["holds", "holds", "holds"])
    const space = Space.affine({ C: [[1, -1, 0]], e: [0] })
    const r = run(space, noise)
    expect(r.argmax!.complete.witness?._tag).toBe("UnreachableTarget")
    const p = argmaxProbs(space, noise, [1, 1, 0])
    expect(Math.abs(p[0]! - p[1]!)).toBeLessThan(1e-3)
    const skew = Noise.gaussian({ covariance: [[1, 0.5, 0.2], [0.5, 2, 0.2], [0.2, 0.2, 1]] })
    expect(run(space, skew).argmax!.complete.witness?._tag).toBe("OutsideImage")
  })
  it("Student-t: with df > 1 everything holds on pinned; with df = 1 (no mean) softmax completeness holds beyond the paper (#13 class 1)", () => {
    expect(verdicts(run(Space.pinned(3), Noise.studentT({ df: 3 })).softmax)).toStrictEqual(["holds", "holds", "holds"])
    const r = run(Space.pinned(3), Noise.studentT({ df: 1 }))
    // Was `undecided` (Thm 4.1 needs a finite mean); the normalised potential F(θ) − F(0) settles it.
    expect(r.softmax!.complete.verdict).toBe("holds")
    expect(r.softmax!.complete.reasons.map((x) => x.text).join(" ")).toContain("no finite mean")
  })
  it("Laplace: positive density differentiable almost everywhere — argmax minimal and identifiable", () => {
    const r = run(Space.pinned(3), Noise.laplace())
    expect(verdicts(r.argmax)).toStrictEqual(["holds", "holds", "holds"])
    expect(refs(r.argmax!.identifiable)).toStrictEqual(["Lemma 5.2, Proposition 5.4"])
  })
  it("Exponential: a positive density on the common upper tail — argmax minimal (Noise.argmaxOneToOneSide, as identify reads it)", () => {
    const r = run(Space.pinned(3), Noise.exponential())
    expect(verdicts(r.argmax)).toStrictEqual(["holds", "holds", "holds"])
    expect(r.argmax!.minimal.reasons.map((x) => x.text).join(" ")).toContain("argmaxOneToOneSide")
    expect(verdicts(r.softmax)).toStrictEqual(["holds", "holds", "holds"])
  })
  it("Cauchy: softmax completeness holds beyond the paper (no finite mean, #13 class 1); argmax complete and minimal; incompleteness still proven", () => {
    const r = run(Space.pinned(3), Noise.cauchy())
    // Was ["undecided", "holds", "holds"].
    expect(verdicts(r.softmax)).toStrictEqual(["holds", "holds", "holds"])
    expect(refs(r.softmax!.complete)).toStrictEqual(["Theorem 4.1", "Beyond the paper (docs/math.md §3)"])
    expect(verdicts(r.argmax)).toStrictEqual(["holds", "holds", "holds"])
    const box = run(Space.intersect(Space.pinned(3), Space.box(-1, 1, 3)), Noise.cauchy())
    expect(box.softmax!.complete.verdict).toBe("fails")
  })
  it("Uniform on zero-sum: a saturated pair, both P = e_i", () => {
    const space = Space.zeroSum(3)
    const noise = Noise.uniform()
    const r = run(space, noise)
    expect(r.argmax!.minimal.verdict).toBe("fails")
    expect(r.argmax!.minimal.witness?._tag).toBe("SaturatedPair")
    checkPair(space, noise, r.argmax!.minimal.witness, "argmax", 1e-7)
  })
  it("Uniform on a bounded space: saturated pair by LP when the box is wide; minimal when it is narrower than the support (#13 class 2)", () => {
    const wide = Space.intersect(Space.pinned(2), Space.box(-5, 5, 2))
    const r = run(wide, Noise.uniform())
    expect(r.argmax!.minimal.witness?._tag).toBe("SaturatedPair")
    checkPair(wide, Noise.uniform(), r.argmax!.minimal.witness, "argmax", 1e-7)
    const narrow = Space.intersect(Space.pinned(2), Space.box(-0.3, 0.3, 2))
    const n = run(narrow, Noise.uniform())
    // Was `undecided`. θ₀ = 0, |θ₁| ≤ 0.3 < 1 = the width: every point is in R = {|θ₁ − θ₀| < 1},
    // where P is one-to-one modulo 𝟙, and the pinned coordinate rules out translations.
    expect(n.argmax!.minimal.verdict).toBe("holds")
  })
  it("Uniform on {θ₀ = θ₁} (d = 3): incompleteness by symmetry, though P is not one-to-one", () => {
    const r = run(Space.affine({ C: [[1, -1, 0]], e: [0] }), Noise.uniform())
    expect(r.argmax!.complete.witness?._tag).toBe("UnreachableTarget")
    // With a box instead there is no symmetry. Was `undecided`; now (#13 class 2) complete: R =
    // {max θ − min θ < 1}, and x ∈ Θ + span(𝟙) iff the intervals [x_i − l_i, x_i + l_i] (l = 1, 2, 3)
    // meet, i.e. x_i − x_j ≤ l_i + l_j (≥ 3) for all i, j — true on R.
    const b = run(Space.box([-1, -2, -3], [1, 2, 3]), Noise.uniform())
    expect(b.argmax!.complete.verdict).toBe("holds")
  })
  it("discrete noise on zero-sum d = 3: a kink at 0 and a constant pair, both checked with the exact kernels", () => {
    const space = Space.zeroSum(3)
    const noise = Noise.discrete({ atoms: [0, 1] })
    const r = run(space, noise)
    expect(verdicts(r.argmax)).toStrictEqual(["holds", "fails", "fails"])
    const k = r.argmax!.identifiable.witness
    if (k?._tag !== "Kink") throw new Error("expected a kink")
    expect(k.right).toBeGreaterThan(k.left)
    const h = 1e-2
    const th = k.theta
    const up = th.map((v, i) => (i === k.coordinate ? v + h : v))
    const down = th.map((v, i) => (i === k.coordinate ? v - h : v))
    const m0 = potential(space, noise, th)
    expect((potential(space, noise, up) - m0) / h).toBeCloseTo(k.right, 3)
    expect((m0 - potential(space, noise, down)) / h).toBeCloseTo(k.left, 3)
    checkPair(space, noise, r.argmax!.minimal.witness, "argmax", 1e-7)
    expect(verdicts(r.softmax)).toStrictEqual(["holds", "holds", "holds"])
  })
  it("discrete noise where no tie can be active on Θ: pinned θ₁ = 0.5, θ₀ = 0 is a single point, identifiable", () => {
    const space = Space.affine({ C: [[1, 0], [0, 1]], e: [0, 0.5] })
    const r = run(space, Noise.discrete({ atoms: [0, 1] }))
    expect(r.argmax!.identifiable.verdict).toBe("holds")
    expect(r.argmax!.minimal.verdict).toBe("holds")
  })
})

describe("options and errors", () => {
  it("the verdicts do not depend on the temperature; model selects the keys", () => {
    const a = analyze(Space.box(-1, 1, 3), Noise.normal(), { temperature: 0.1 })
    const b = analyze(Space.box(-1, 1, 3), Noise.normal())
    expect(verdicts(a.softmax)).toStrictEqual(verdicts(b.softmax))
    expect(a.temperature).toBe(0.1)
    const only = analyze(Space.pinned(3), Noise.normal(), { model: "softmax" })
    expect(only.argmax).toBeUndefined()
    expect(only.softmax).toBeDefined()
  })
  it("typed errors name the argument and the value", () => {
    const grab = (f: () => unknown) => {
      try {
        f()
      } catch (e) {
        return e as Error & Record<string, unknown>
      }
      throw new Error("expected a throw")
    }
    const dim = grab(() => analyze(Space.pinned(3), Noise.iid(Noise.normal(), 4)))
    expect(dim).toBeInstanceOf(DimensionMismatch)
    expect(dim["argument"]).toBe("noise.dim")
    expect(dim.message).toContain("expected 3, received 4")
    for (const t of [0, -1, NaN, Infinity]) {
      const e = grab(() => analyze(Space.pinned(3), Noise.normal(), { temperature: t }))
      expect(e).toBeInstanceOf(InvalidArgument)
      expect(e["argument"]).toBe("options.temperature")
    }
    const m = grab(() => analyze(Space.pinned(3), Noise.normal(), { model: "both!" as never }))
    expect(m["argument"]).toBe("options.model")
    expect(grab(() => analyze({} as never, Noise.normal()))["argument"]).toBe("space")
    expect(grab(() => analyze(Space.pinned(3), {} as never))["argument"]).toBe("noise")
  })
})
