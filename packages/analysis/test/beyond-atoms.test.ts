/**
 * Issue #13, class 4: atoms and mixtures (discrete coordinates, alone or beside full-support
 * densities), Perturb-Argmax. Each case carries its derivation; witnesses are checked here by an
 * independent enumeration of the atoms (all-discrete), or by the same enumeration with the one
 * Normal coordinate's cdf as a 1-D Simpson integral (mixtures) — never by the code that found them.
 *
 * Perturb-Softmax needs nothing new: for τ > 0, θ ↦ τ·lse((θ+γ)/τ) is smooth and strictly convex
 * off span(𝟙) for every γ, so P = E softmax((θ+γ)/τ) is one vector everywhere (identifiable), F
 * is strictly convex modulo 𝟙 for any noise (minimal ⇔ no translation pair, Thm 4.3), and with
 * a finite mean (atoms are bounded) complete ⇔ Θ + span(𝟙) = ℝ^d (Thm 4.1 and the one-to-one map).
 */
import { Space } from "@perturb/core"
import { type Law, Noise, type NoiseLike } from "@perturb/noise"
import { describe, expect, it } from "vitest"
import { analyze, renderText, toJSON, type Witness } from "../src/index.js"

// ---------------------------------------------------------------------------------------------
// An independent enumerator: coordinates are atom lists or one standard Normal
// ---------------------------------------------------------------------------------------------

type Coord = { readonly atoms: ReadonlyArray<number>; readonly weights: ReadonlyArray<number> } | "normal"

const bin: Coord = { atoms: [0, 1], weights: [0.5, 0.5] }

/** Φ by composite Simpson on [0, |x|] of the Normal density (a 1-D numeric integral, ~1e-13). */
const Phi = (x: number): number => {
  const n = 4000
  const a = Math.min(Math.abs(x), 40)
  const h = a / n
  const phi = (t: number) => Math.exp(-t * t / 2) / Math.sqrt(2 * Math.PI)
  let s = phi(0) + phi(a)
  for (let k = 1; k < n; k++) s += (k % 2 === 1 ? 4 : 2) * phi(k * h)
  const half = (s * h) / 3
  return x >= 0 ? 0.5 + half : 0.5 - half
}

/**
 * `P` with ties among discrete coordinates split by `split(i, tied)` (the share of i when the set
 * `tied` of discrete coordinates shares the maximum), at most one Normal coordinate. For each
 * combination of atoms the discrete maximum m wins iff the Normal coordinate lies below m.
 */
const enumerate = (coords: ReadonlyArray<Coord>, theta: ReadonlyArray<number>, split: (i: number, tied: ReadonlyArray<number>) => number): Array<number> => {
  const d = coords.length
  const c = coords.indexOf("normal")
  const disc = coords.map((_, k) => k).filter((k) => k !== c)
  const p = new Array<number>(d).fill(0)
  const visit = (s: number, w: number, levels: Array<number>): void => {
    if (s === disc.length) {
      const m = Math.max(...disc.map((k, t) => levels[t]!))
      const tied = disc.filter((_, t) => levels[t] === m)
      const below = c < 0 ? 1 : Phi(m - theta[c]!)
      for (const i of tied) p[i] = p[i]! + w * below * split(i, tied)
      if (c >= 0) p[c] = p[c]! + w * (1 - below)
      return
    }
    const k = disc[s]!
    const co = coords[k] as Exclude<Coord, "normal">
    co.atoms.forEach((a, t) => visit(s + 1, w * co.weights[t]!, [...levels, theta[k]! + a]))
  }
  visit(0, 1, [])
  return p
}

const uniformSplit = (_: number, tied: ReadonlyArray<number>) => 1 / tied.length
const byPriority = (order: ReadonlyArray<number>) => (i: number, tied: ReadonlyArray<number>) =>
  tied.every((k) => order.indexOf(i) <= order.indexOf(k)) ? 1 : 0

const permutations = (xs: ReadonlyArray<number>): Array<Array<number>> =>
  xs.length <= 1 ? [[...xs]] : xs.flatMap((x, s) => permutations([...xs.slice(0, s), ...xs.slice(s + 1)]).map((r) => [x, ...r]))

/** The vertices of ∂M(θ): P with ties broken by every priority order of all coordinates, deduplicated. */
const vertices = (coords: ReadonlyArray<Coord>, theta: ReadonlyArray<number>): Array<Array<number>> => {
  const out: Array<Array<number>> = []
  for (const order of permutations(coords.map((_, k) => k))) {
    const p = enumerate(coords, theta, byPriority(order))
    if (!out.some((q) => q.every((x, k) => Math.abs(x - p[k]!) < 1e-12))) out.push(p)
  }
  return out
}

const lawOf = (c: Coord): Law => (c === "normal" ? Noise.normal() : Noise.discrete({ atoms: [...c.atoms], weights: [...c.weights] }))
const noiseOf = (coords: ReadonlyArray<Coord>): NoiseLike => Noise.independent(coords.map(lawOf))

const close = (x: ReadonlyArray<number>, y: ReadonlyArray<number>, tol: number) => {
  expect(x.length).toBe(y.length)
  x.forEach((v, i) => expect(Math.abs(v - y[i]!), `entry ${i}: ${v} vs ${y[i]}`).toBeLessThanOrEqual(tol))
}

const argmax = (space: Space.Space, coords: ReadonlyArray<Coord>) => {
  const r = analyze(space, noiseOf(coords), { model: "argmax" }).argmax!
  for (const v of [r.complete, r.minimal, r.identifiable]) {
    if (v.verdict === "fails") expect(v.witness).toBeDefined()
    if (v.verdict === "undecided") throw new Error(`undecided: ${v.reasons.map((x) => x.text).join(" | ")}`)
  }
  return r
}

/** A constant pair: both in Θ, distinct modulo 𝟙, and equal P by enumeration (ties split uniformly). */
const checkPair = (space: Space.Space, coords: ReadonlyArray<Coord>, w: Witness | undefined) => {
  if (w?._tag !== "ConstantPair") throw new Error(`expected ConstantPair, got ${w?._tag}`)
  expect(Space.contains(space, w.theta, 1e-12)).toBe(true)
  expect(Space.contains(space, w.thetaPrime, 1e-12)).toBe(true)
  const diff = w.thetaPrime.map((v, i) => v - w.theta[i]!)
  expect(diff.some((x) => Math.abs(x - diff[0]!) > 1e-9)).toBe(true)
  const p = enumerate(coords, w.theta, uniformSplit)
  close(p, enumerate(coords, w.thetaPrime, uniformSplit), 1e-12)
  return p
}

/** A kink: ∂M(θ) has the witness's vertices (every priority order, enumerated here), at least two. */
const checkKink = (space: Space.Space, coords: ReadonlyArray<Coord>, w: Witness | undefined) => {
  if (w?._tag !== "Kink") throw new Error(`expected Kink, got ${w?._tag}`)
  expect(Space.contains(space, w.theta, 1e-12)).toBe(true)
  const vs = vertices(coords, w.theta)
  expect(vs.length).toBeGreaterThanOrEqual(2)
  expect(w.subdifferential).toBeDefined()
  expect(w.subdifferential!.length).toBe(vs.length)
  for (const v of vs) expect(w.subdifferential!.some((q) => q.every((x, k) => Math.abs(x - v[k]!) < 1e-9))).toBe(true)
  // The one-sided derivatives along e_j are the extreme j-th entries of ∂M(θ).
  const js = vs.map((v) => v[w.coordinate]!)
  expect(w.left).toBeCloseTo(Math.min(...js), 9)
  expect(w.right).toBeCloseTo(Math.max(...js), 9)
  expect(w.right).toBeGreaterThan(w.left)
  return vs
}

/** An OutsideImage certificate: a·𝟙 = 0, a·θ* = value > bound, and a·θ ≤ bound on the given points of Θ. */
const checkOutside = (w: Witness | undefined, corners: ReadonlyArray<ReadonlyArray<number>>) => {
  if (w?._tag !== "OutsideImage") throw new Error(`expected OutsideImage, got ${w?._tag}`)
  const dot = (x: ReadonlyArray<number>) => x.reduce((s, v, i) => s + v * w.normal[i]!, 0)
  expect(Math.abs(w.normal.reduce((s, v) => s + v, 0))).toBeLessThan(1e-12)
  expect(dot(w.thetaStar)).toBeCloseTo(w.value, 12)
  expect(w.value).toBeGreaterThan(w.bound)
  for (const c of corners) expect(dot(c)).toBeLessThanOrEqual(w.bound + 1e-12)
  return w
}

// ---------------------------------------------------------------------------------------------

describe("the issue's example: γ = ({0,1}, {0,1}, N(0,1)) on pinned d = 3", () => {
  const coords = [bin, bin, "normal"] as const
  const space = Space.pinned(3)

  it("Perturb-Argmax: complete, not minimal (P(0,2,0) = P(0,3,1)), not identifiable", () => {
    const r = argmax(space, coords)
    // Θ + span(𝟙) = ℝ³, so Thm 5.1 applies for any noise.
    expect(r.complete.verdict).toBe("holds")
    // At θ = (0,2,0) and θ′ = (0,3,1), θ₁ + γ₁ ≥ 2 > 1 ≥ θ₀ + γ₀: coordinate 0 never wins; the
    // maximum is max(θ₁ + γ₁, θ₂ + γ₂) with θ₁ − θ₂ = 2 at both, so P is the same.
    expect(r.minimal.verdict).toBe("fails")
    const w = r.minimal.witness
    expect(w).toStrictEqual({ _tag: "ConstantPair", theta: [0, 2, 0], thetaPrime: [0, 3, 1] })
    const p = checkPair(space, coords, w)
    expect(p[0]).toBe(0)
    // P₁ = ½Φ(2) + ½Φ(3) (coordinate 1 at level 2 or 3 against the Normal at θ₂ = 0).
    expect(p[1]).toBeCloseTo(0.5 * Phi(2) + 0.5 * Phi(3), 12)
    // At θ = 0 the tie θ₀ + a = θ₁ + a is at the maximum with probability ½·(½Φ(0) + ½Φ(1)) > 0:
    // ∂M(0) is a segment (ties to 0 or to 1), its ends P_{(0,1)} and P_{(1,0)}.
    const vs = checkKink(space, coords, r.identifiable.witness)
    expect(vs.length).toBe(2)
    const report = analyze(space, noiseOf(coords), { model: "argmax" })
    expect(renderText(report)).toContain("∂M(θ) is the segment [")
    const json = toJSON(report).argmax!.identifiable.witness
    expect(json?._tag === "Kink" ? json.subdifferential?.length : undefined).toBe(2)
  })

  it("Perturb-Softmax: complete, minimal, identifiable (smooth for τ > 0; no translation pair)", () => {
    const r = analyze(space, noiseOf(coords), { model: "softmax", temperature: 0.5 }).softmax!
    expect([r.complete.verdict, r.minimal.verdict, r.identifiable.verdict]).toStrictEqual(["holds", "holds", "holds"])
  })
})

describe("Prop 5.5 and its generalisation", () => {
  it("discrete {0,1} i.i.d. on pinned d = 2: ∂M(0) is the segment [(¾, ¼), (¼, ¾)]", () => {
    // math.md §4: M(0,t) has left derivative ¼ and right derivative ¾ at t = 0.
    const space = Space.pinned(2)
    const r = argmax(space, [bin, bin])
    const vs = checkKink(space, [bin, bin], r.identifiable.witness)
    close(vs.flat().sort(), [0.25, 0.25, 0.75, 0.75], 1e-15)
  })

  it("a kink only where it is active: {θ₀ = θ₁ = 0, θ₂ ≥ 1.5} with discrete {0,1} ×3 is identifiable", () => {
    // The hyperplanes are θ_i − θ_j ∈ {−1, 0, 1}. On Θ, θ₀ − θ₁ = 0, but the tie sits at level ≤ 1
    // while θ₂ + γ₂ ≥ 1.5: coordinate 2 is surely above, so the tie never is the maximum. Ties with
    // coordinate 2 need θ₂ − θ₀ ∈ {−1, 0, 1}, impossible for θ₂ ≥ 1.5. So ∂M is one vector on Θ.
    const space = Space.intersect(Space.affine({ C: [[1, 0, 0], [0, 1, 0]], e: [0, 0] }), Space.box([-Infinity, -Infinity, 1.5], Infinity))
    const coords = [bin, bin, bin]
    const r = argmax(space, coords)
    expect(r.identifiable.verdict).toBe("holds")
    // Independent check at points of Θ: one vertex only (every priority order gives one P).
    for (const t of [1.5, 2, 3.7]) expect(vertices(coords, [0, 0, t]).length).toBe(1)
    // Minimality fails (all-discrete: P is constant between kinks along θ₂); P = e₂ throughout.
    checkPair(space, coords, r.minimal.witness)
    // Completeness fails: the kink complex's vertices have spread ≤ 1 (see the d = 4 case below),
    // but Θ + span(𝟙) = {θ₀ = θ₁, θ₂ − θ₀ ≥ 1.5} holds only points of spread ≥ 1.5.
    expect(r.complete.verdict).toBe("fails")
    const w = checkOutside(r.complete.witness, [[0, 0, 1.5], [0, 0, 100]])
    expect(Math.max(...w.thetaStar) - Math.min(...w.thetaStar)).toBeLessThanOrEqual(1)
    close(w.p!, enumerate(coords, w.thetaStar, uniformSplit), 1e-15)
  })

  it("Θ strictly between two kinks: pinned θ₁ ∈ [0.25, 0.75] (d = 2) is identifiable, incomplete", () => {
    // Kinks at θ₁ − θ₀ ∈ {−1, 0, 1}, none in [0.25, 0.75]: identifiable. The kink complex's vertices
    // (mod 𝟙) are θ₁ − θ₀ ∈ {−1, 0, 1}, none in Θ + span(𝟙): incomplete. Indeed P is constant on Θ,
    // P₁ = Pr[θ₁ + γ₁ > γ₀] = Pr[γ₁ = 1] + Pr[γ₁ = 0, γ₀ = 0] = ¾.
    const space = Space.intersect(Space.pinned(2), Space.box([-Infinity, 0.25], [Infinity, 0.75]))
    const coords = [bin, bin]
    const r = argmax(space, coords)
    expect(r.identifiable.verdict).toBe("holds")
    expect(r.complete.verdict).toBe("fails")
    const w = checkOutside(r.complete.witness, [[0, 0.25], [0, 0.75]])
    close(w.p!, enumerate(coords, w.thetaStar, uniformSplit), 1e-15)
    // Every θ ∈ Θ has P = (¼, ¾) exactly, so any p ≠ (¼, ¾) is unreachable.
    for (const t of [0.25, 0.5, 0.75]) close(enumerate(coords, [0, t], uniformSplit), [0.25, 0.75], 1e-15)
    expect(Math.abs(w.p![1]! - 0.75)).toBeGreaterThan(0.1)
  })
})

describe("d = 4, discrete {0,1} i.i.d.", () => {
  const coords = [bin, bin, bin, bin]

  it("pinned: complete, not minimal, not identifiable with ∂M a segment at a point where one pair ties", () => {
    const space = Space.pinned(4)
    const r = argmax(space, coords)
    expect(r.complete.verdict).toBe("holds")
    checkPair(space, coords, r.minimal.witness)
    const vs = checkKink(space, coords, r.identifiable.witness)
    expect(vs.length).toBe(2)
  })

  it("pinned ∩ [−1, 1]⁴ is complete, pinned ∩ [−½, ½]⁴ is not", () => {
    // Vertices of the kink complex: points where active ties join all four coordinates. With atoms
    // {0, 1}, a tie at the maximum needs every other θ_k ≤ its level L ≤ max θ + 1, and the top
    // coordinate (at θ_max) takes part only at L ≥ θ_max, so every θ_k ≥ θ_max − 1: the spread of a
    // vertex is at most 1. Translated to θ₀ = 0, every vertex lies in [−1, 1]⁴: complete (beyond the
    // paper, though Θ + span(𝟙) ≠ ℝ⁴). With [−½, ½]⁴, (0, 1, 1, 1) (0's top atom ties the others'
    // bottom ones) or a similar vertex of spread 1 is outside.
    const wide = Space.intersect(Space.pinned(4), Space.box(-1, 1, 4))
    expect(argmax(wide, coords).complete.verdict).toBe("holds")
    const narrow = Space.intersect(Space.pinned(4), Space.box(-0.5, 0.5, 4))
    const r = argmax(narrow, coords)
    expect(r.complete.verdict).toBe("fails")
    const corners = Array.from({ length: 8 }, (_, m) => [0, m & 1 ? 0.5 : -0.5, m & 2 ? 0.5 : -0.5, m & 4 ? 0.5 : -0.5])
    const w = checkOutside(r.complete.witness, corners)
    expect(Math.max(...w.thetaStar) - Math.min(...w.thetaStar)).toBe(1)
    const p = w.p!
    close(p, enumerate(coords, w.thetaStar, uniformSplit), 1e-15)
    // Unreachability, independently: p ∈ ∂M(θ) iff θ maximises ⟨p, θ⟩ − M(θ), a concave piecewise-
    // linear function whose pieces change on θ_i − θ_j ∈ {−1, 0, 1}; on Θ (θ₀ = 0, |θ_k| ≤ ½) its
    // maximum is at a vertex of that arrangement, all of whose coordinates lie in {−½, 0, ½}. It
    // stays strictly below the value at θ*, where p is a subgradient.
    const M = (theta: ReadonlyArray<number>) => {
      let m = 0
      for (let s = 0; s < 16; s++) m += Math.max(...theta.map((t, k) => t + ((s >> k) & 1))) / 16
      return m
    }
    const g = (theta: ReadonlyArray<number>) => theta.reduce((acc, t, k) => acc + p[k]! * t, 0) - M(theta)
    const grid = [-0.5, 0, 0.5]
    let best = -Infinity
    for (const a of grid) for (const b of grid) for (const c of grid) best = Math.max(best, g([0, a, b, c]))
    expect(best).toBeLessThan(g(w.thetaStar) - 1e-3)
  })
})

describe("mixtures: atoms in some coordinates, a Normal in another", () => {
  it("({0,1}, {0,1}, N) on {θ₀ = θ₁ = 0}: not complete, minimal, not identifiable", () => {
    // With a continuous coordinate, p ∈ ri Δ is a subgradient at one point modulo 𝟙, and those points
    // fill A = {|θ₁ − θ₀| ≤ 1} (θ₂ free). Θ + span(𝟙) = {θ₀ = θ₁} misses A's vertices θ₁ − θ₀ = ±1.
    const space = Space.affine({ C: [[1, 0, 0], [0, 1, 0]], e: [0, 0] })
    const coords = [bin, bin, "normal"] as const
    const r = argmax(space, coords)
    expect(r.complete.verdict).toBe("fails")
    const w = checkOutside(r.complete.witness, [[0, 0, -5], [0, 0, 0], [0, 0, 5]])
    expect(Math.abs(w.thetaStar[1]! - w.thetaStar[0]!)).toBe(1)
    close(w.p!, enumerate(coords, w.thetaStar, uniformSplit), 1e-9)
    // Independently unreachable: on Θ the two discrete coordinates are exchangeable, so every
    // subgradient has |p₁ − p₀| ≤ Pr[γ₀ = γ₁] = ½ (only a tie can favour one); the witness exceeds it.
    expect(Math.abs(w.p![1]! - w.p![0]!)).toBeGreaterThan(0.5)
    // Θ is the line θ₂ ∈ ℝ, on which neither discrete coordinate is ever dead (θ₀ = θ₁): minimal.
    expect(r.minimal.verdict).toBe("holds")
    // At θ = (0, 0, t) the discrete coordinates tie with positive probability: a segment.
    expect(checkKink(space, coords, r.identifiable.witness).length).toBe(2)
  })

  it("({0,1}, {0,1}, N) with θ₀ = 0, θ₁ ∈ [−1, 1]: complete and minimal though Θ + span(𝟙) ≠ ℝ³", () => {
    // A = {|θ₁ − θ₀| ≤ 1} × ℝ is exactly Θ + span(𝟙): complete. No point has a dead coordinate
    // (that needs |θ₁ − θ₀| > 1): minimal. With θ₁ ∈ [−½, ½], A's vertex θ₁ − θ₀ = ±1 is missed.
    const wide = Space.intersect(Space.pinned(3), Space.box([-Infinity, -1, -Infinity], [Infinity, 1, Infinity]))
    const coords = [bin, bin, "normal"] as const
    const r = argmax(wide, coords)
    expect([r.complete.verdict, r.minimal.verdict]).toStrictEqual(["holds", "holds"])
    const narrow = Space.intersect(Space.pinned(3), Space.box([-Infinity, -0.5, -Infinity], [Infinity, 0.5, Infinity]))
    const n = argmax(narrow, coords)
    expect(n.complete.verdict).toBe("fails")
    const w = checkOutside(n.complete.witness, [[0, -0.5, -9], [0, 0.5, -9], [0, -0.5, 9], [0, 0.5, 9]])
    close(w.p!, enumerate(coords, w.thetaStar, uniformSplit), 1e-9)
  })

  it("d = 4, ({0,1}, {0,1}, {0,1}, N) on pinned: complete, not minimal, not identifiable", () => {
    // Coordinate 1 is dead where θ₀ − θ₁ > 1; moving θ₁ alone keeps P. Θ + span(𝟙) = ℝ⁴.
    const space = Space.pinned(4)
    const coords = [bin, bin, bin, "normal"] as const
    const r = argmax(space, coords)
    expect(r.complete.verdict).toBe("holds")
    const p = checkPair(space, coords, r.minimal.witness)
    expect(p.some((x) => x === 0)).toBe(true)
    expect(checkKink(space, coords, r.identifiable.witness).length).toBe(2)
  })

  it("d = 5, ({0,1}×4, N) on boxes: not minimal in pinned ∩ [−2, 2]⁵, minimal in pinned ∩ [−0.4, 0.4]⁵", () => {
    // In [−2, 2]⁵ the difference θ_q − θ_k reaches 4 > hi_k − lo_q = 1: coordinate k can lose
    // surely, and the box lets it move alone (L + span(𝟙) = ℝ⁵). In [−0.4, 0.4]⁵, |θ_q − θ_k| ≤ 0.8 < 1
    // for discrete k, q (θ₀ = 0): no coordinate ever loses surely, so M is strictly convex on Θ.
    const coords = [bin, bin, bin, bin, "normal"] as const
    const wide = Space.intersect(Space.pinned(5), Space.box(-2, 2, 5))
    const r = argmax(wide, coords)
    expect(r.minimal.verdict).toBe("fails")
    const p = checkPair(wide, coords, r.minimal.witness)
    expect(p.some((x) => x === 0)).toBe(true)
    const narrow = Space.intersect(Space.pinned(5), Space.box(-0.4, 0.4, 5))
    expect(argmax(narrow, coords).minimal.verdict).toBe("holds")
  })

  it("one discrete coordinate beside Normals: minimal where Θ has no translation pair", () => {
    // No other discrete coordinate can dominate it, so M is strictly convex modulo 𝟙: one-to-one.
    // On {θ₀ = 0, θ₁ = θ₂} Θ + span(𝟙) ≠ ℝ³, so completeness fails with an outside point.
    const space = Space.affine({ C: [[1, 0, 0], [0, 1, -1]], e: [0, 0] })
    const coords = [bin, "normal", "normal"] as const
    const r = analyze(space, Noise.independent(coords.map(lawOf)), { model: "argmax" }).argmax!
    expect(r.minimal.verdict).toBe("holds")
    expect(r.identifiable.verdict).toBe("holds")
    expect(r.complete.verdict).toBe("fails")
    expect(r.complete.witness?._tag).toBe("OutsideImage")
  })
})

describe("limits", () => {
  it("past the enumeration limits the verdict is undecided, saying what is open", () => {
    // d = 15: 14 discrete coordinates and a Normal, on {θ₀ = 0, θ₀ = θ₁} ∩ [−2, 2]¹⁵. Every discrete
    // coordinate but the pair can lose surely (|θ_q − θ_k| reaches 2 > 1), and Θ's directions span
    // only a hyperplane modulo 𝟙, so the exact search runs over subsets of 14 coordinates: past the
    // limit of 12, analyze must not guess.
    const d = 15
    const C = [Array.from({ length: d }, (_, k) => (k === 0 ? 1 : 0)), Array.from({ length: d }, (_, k) => (k === 0 ? 1 : k === 1 ? -1 : 0))]
    const space = Space.intersect(Space.affine({ C, e: [0, 0] }), Space.box(-2, 2, d))
    const noise = Noise.independent(Array.from({ length: d }, (_, k) => (k === d - 1 ? Noise.normal() : lawOf(bin))))
    const v = analyze(space, noise, { model: "argmax" }).argmax!.minimal
    expect(v.verdict).toBe("undecided")
    expect(v.reasons.some((r) => r.text.includes("open here") && r.text.includes("subsets"))).toBe(true)
  })
})
