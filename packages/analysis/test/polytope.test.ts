/**
 * `analyze(space, noise, { polytope })`: the simplex gives today's verdicts; top-k, ranks and grid
 * paths get the verdicts of docs/perturbed.md, and every `fails` witness is checked here without the
 * analysis code — equal probabilities by seeded Monte Carlo on common draws through `solver.solve`,
 * certificates by their inequalities, kinks and constant pairs by enumerating the atoms.
 */
import { DimensionMismatch, InvalidArgument, Solver, Space } from "@perturb/core"
import { Noise, type NoiseLike } from "@perturb/noise"
import { describe, expect, it } from "vitest"
import { analyze, type Verdict } from "../src/index.js"
import { firstApplying } from "../src/rules/engine.js"
import { noiseFacts } from "../src/internal/noise.js"
import { completeness, identifiability, minimality, polytopeContext } from "../src/rules/polytope/index.js"
import { noises, spaces } from "./cases.js"

/** Seeded standard normals (mulberry32 + Box–Muller): the test's own generator. */
const normals = (seed: number, n: number, d: number): Array<Float64Array> => {
  let a = seed >>> 0
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296
  }
  return Array.from({ length: n }, () =>
    Float64Array.from({ length: d }, () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform())))
}

/** P̂_σ(θ) on the given draws, with the largest coordinate standard error. */
const monteCarlo = (solver: Solver.Solver, theta: ArrayLike<number>, draws: ReadonlyArray<Float64Array>, sigma = 1) => {
  const d = solver.d
  const sum = new Float64Array(d)
  const sq = new Float64Array(d)
  const out = new Float64Array(d)
  for (const g of draws) {
    solver.solve(Float64Array.from(g, (x, i) => theta[i]! + sigma * x), out)
    for (let i = 0; i < d; i++) (sum[i] = sum[i]! + out[i]!, sq[i] = sq[i]! + out[i]! ** 2)
  }
  const n = draws.length
  const mean = sum.map((s) => s / n)
  const se = Math.max(...Array.from(mean, (m, i) => Math.sqrt(Math.max(0, sq[i]! / n - m * m) / (n - 1))))
  return { mean, se }
}

const dot = (x: ArrayLike<number>, y: ArrayLike<number>): number => Array.from(x).reduce((s, v, i) => s + v * y[i]!, 0)

/** u ∈ L: ⟨u, y − y₀⟩ = 0 for every vertex. */
const inL = (solver: Solver.Solver, u: ArrayLike<number>): boolean => {
  const Y = solver.vertices(10_000)!
  return Y.every((y) => Math.abs(dot(u, y) - dot(u, Y[0]!)) < 1e-9)
}

/** The corners of a box (all finite bounds). */
const corners = (lo: ReadonlyArray<number>, hi: ReadonlyArray<number>): Array<Array<number>> =>
  lo.reduce<Array<Array<number>>>((acc, l, i) => acc.flatMap((c) => [[...c, l], [...c, hi[i]!]]), [[]])

/** M_σ(θ) exactly for i.i.d. discrete noise, by enumerating the atom combinations. */
const potential = (solver: Solver.Solver, theta: ArrayLike<number>, atoms: ReadonlyArray<number>, weights: ReadonlyArray<number>, sigma = 1): number => {
  const Y = solver.vertices(10_000)!
  const d = solver.d
  let total = 0
  const shift = new Array<number>(d).fill(0)
  const visit = (k: number, w: number): void => {
    if (k === d) return void (total += w * Math.max(...Y.map((y) => dot(shift.map((s, i) => theta[i]! + s), y))))
    atoms.forEach((a, t) => ((shift[k] = sigma * a), visit(k + 1, w * weights[t]!)))
  }
  visit(0, 1)
  return total
}

/** P_σ(θ) exactly for i.i.d. discrete noise, asserting that no combination ties. */
const exactP = (solver: Solver.Solver, theta: ArrayLike<number>, atoms: ReadonlyArray<number>, weights: ReadonlyArray<number>): Float64Array => {
  const Y = solver.vertices(10_000)!
  const d = solver.d
  const p = new Float64Array(d)
  const z = new Float64Array(d)
  const visit = (k: number, w: number): void => {
    if (k === d) {
      const values = Y.map((y) => dot(z, y))
      const best = Math.max(...values)
      expect(values.filter((v) => v > best - 1e-9)).toHaveLength(1)
      const y = Y[values.indexOf(best)]!
      for (let i = 0; i < d; i++) p[i] = p[i]! + w * y[i]!
      return
    }
    atoms.forEach((a, t) => ((z[k] = theta[k]! + a), visit(k + 1, w * weights[t]!)))
  }
  visit(0, 1)
  return p
}

describe("analyze with Solver.argmax(d) is today's analysis", () => {
  it("equal verdicts, reasons and witnesses on every space × noise", () => {
    for (const space of spaces) {
      for (const noise of noises(space.dim)) {
        const today = analyze(space, noise)
        const withSolver = analyze(space, noise, { polytope: Solver.argmax(space.dim) })
        expect(withSolver.argmax).toStrictEqual(today.argmax)
        expect(withSolver.perturbed).toStrictEqual(today.argmax)
        expect(withSolver.softmax).toStrictEqual(today.softmax)
      }
    }
  })
})

describe("top-k", () => {
  const solver = Solver.topK(4, 2)
  const draws = normals(7, 4000, 4)

  it("ℝ^4, Normal: complete, not minimal (θ, θ + c𝟙 give equal P̂ on common draws), identifiable", () => {
    const r = analyze(Space.reals(4), Noise.normal(), { polytope: solver })
    expect(r.perturbed!.complete.verdict).toBe("holds")
    expect(r.perturbed!.identifiable.verdict).toBe("holds")
    const w = r.perturbed!.minimal.witness!
    expect(r.perturbed!.minimal.verdict).toBe("fails")
    if (w._tag !== "TranslationPair") throw new Error(w._tag)
    const a = monteCarlo(solver, w.theta, draws)
    const b = monteCarlo(solver, w.thetaPrime, draws)
    expect(Math.max(...a.mean.map((x, i) => Math.abs(x - b.mean[i]!)))).toBe(0)
    expect(w.c).not.toBe(0)
  })

  it("pinned, Normal: complete and minimal; ⟨h, P̂(θ′) − P̂(θ)⟩ is positive beyond its standard error", () => {
    const r = analyze(Space.pinned(4), Noise.normal(), { polytope: solver })
    expect([r.perturbed!.complete.verdict, r.perturbed!.minimal.verdict, r.perturbed!.identifiable.verdict]).toStrictEqual(["holds", "holds", "holds"])
    const theta = [0, 0.3, -0.2, 0.1]
    const thetaPrime = [0, 0.5, -0.4, 0.1]
    const diffs = draws.map((g) => {
      const y1 = solver.apply(Float64Array.from(g, (x, i) => thetaPrime[i]! + x))
      const y0 = solver.apply(Float64Array.from(g, (x, i) => theta[i]! + x))
      return dot(thetaPrime.map((t, i) => t - theta[i]!), y1.map((v, i) => v - y0[i]!))
    })
    const mean = diffs.reduce((s, x) => s + x, 0) / diffs.length
    const se = Math.sqrt(diffs.reduce((s, x) => s + (x - mean) ** 2, 0) / (diffs.length - 1) / diffs.length)
    expect(Math.min(...diffs)).toBeGreaterThanOrEqual(0)
    expect(mean).toBeGreaterThan(5 * se)
  })

  it("a box, Normal: not complete; the certificate a ⊥ L bounds Θ and θ* exceeds it, and P̂(θ*) lies in ri C", () => {
    const r = analyze(Space.box(-1, 1, 4), Noise.normal(), { polytope: solver })
    const v = r.perturbed!.complete
    expect(v.verdict).toBe("fails")
    const w = v.witness!
    if (w._tag !== "OutsideImage") throw new Error(w._tag)
    expect(inL(solver, [1, 1, 1, 1]) && Math.abs(dot(w.normal, [1, 1, 1, 1])) < 1e-12).toBe(true)
    for (const c of corners([-1, -1, -1, -1], [1, 1, 1, 1])) expect(dot(w.normal, c)).toBeLessThanOrEqual(w.bound + 1e-12)
    expect(dot(w.normal, w.thetaStar)).toBeGreaterThan(w.bound)
    const p = monteCarlo(solver, w.thetaStar, draws)
    for (const x of p.mean) expect(x > 0 && x < 1).toBe(true)
  })

  it("bounded noise: completeness on a box and minimality on the pinned space are undecided, with reasons", () => {
    const box = analyze(Space.box(-1, 1, 4), Noise.uniform(), { polytope: solver }).perturbed!
    expect(box.complete.verdict).toBe("undecided")
    expect(box.complete.reasons.at(-1)!.ref).toBe("beyond the paper: docs/perturbed.md §5")
    expect(analyze(Space.pinned(4), Noise.uniform(), { polytope: solver }).perturbed!.minimal.verdict).toBe("undecided")
    expect(analyze(Space.reals(4), Noise.uniform(), { polytope: solver }).perturbed!.complete.verdict).toBe("holds")
  })
})

describe("ranks", () => {
  const solver = Solver.ranks(3)

  it("zero-sum with Gumbel noise: complete, minimal, identifiable", () => {
    const p = analyze(Space.zeroSum(3), Noise.gumbel(), { polytope: solver }).perturbed!
    expect([p.complete.verdict, p.minimal.verdict, p.identifiable.verdict]).toStrictEqual(["holds", "holds", "holds"])
  })

  it("discrete noise on ℝ^3: the kink's one-sided derivatives are those of M by enumeration", () => {
    const atoms = [0, 1]
    const weights = [0.5, 0.5]
    const v = analyze(Space.reals(3), Noise.discrete({ atoms }), { polytope: solver }).perturbed!.identifiable
    expect(v.verdict).toBe("fails")
    const w = v.witness!
    if (w._tag !== "Kink") throw new Error(w._tag)
    const h = 1e-6
    const at = (s: number) => w.theta.map((x, i) => (i === w.coordinate ? x + s : x))
    const m0 = potential(solver, w.theta, atoms, weights)
    expect(m0).toBeCloseTo(w.potential!, 12)
    expect((potential(solver, at(h), atoms, weights) - m0) / h).toBeCloseTo(w.right, 6)
    expect((m0 - potential(solver, at(-h), atoms, weights)) / h).toBeCloseTo(w.left, 6)
    expect(w.right).toBeGreaterThan(w.left)
  })

  it("discrete noise on the pinned space: two points of Θ with exactly equal P (not minimal)", () => {
    const atoms = [0, 0.5, 2]
    const weights = [1 / 3, 1 / 3, 1 / 3]
    const v = analyze(Space.pinned(3), Noise.discrete({ atoms }), { polytope: solver }).perturbed!.minimal
    expect(v.verdict).toBe("fails")
    const w = v.witness!
    if (w._tag !== "ConstantPair") throw new Error(w._tag)
    expect(Space.contains(Space.pinned(3), w.theta) && Space.contains(Space.pinned(3), w.thetaPrime)).toBe(true)
    expect(inL(solver, w.thetaPrime.map((x, i) => x - w.theta[i]!))).toBe(false)
    expect(Array.from(exactP(solver, w.theta, atoms, weights))).toStrictEqual(Array.from(exactP(solver, w.thetaPrime, atoms, weights)))
  })
})

describe("grid paths (L spanned by the anti-diagonals)", () => {
  const solver = Solver.shortestPath(2, 3)
  const L = solver.lineality()!
  const draws = normals(11, 2000, 6)

  it("the pinned space is not minimal: u ∈ L moves θ inside Θ and P̂ is equal on common draws", () => {
    expect(L).toHaveLength(4)
    const p = analyze(Space.pinned(6), Noise.normal(), { polytope: solver }).perturbed!
    expect(p.complete.verdict).toBe("holds")
    const w = p.minimal.witness!
    if (w._tag !== "LinealityPair") throw new Error(w._tag)
    expect(inL(solver, w.u) && w.u.some((x) => x !== 0)).toBe(true)
    w.u.forEach((x, i) => expect(w.thetaPrime[i]! - w.theta[i]!).toBeCloseTo(x, 12))
    expect(Space.contains(Space.pinned(6), w.theta) && Space.contains(Space.pinned(6), w.thetaPrime)).toBe(true)
    const a = monteCarlo(solver, w.theta, draws)
    const b = monteCarlo(solver, w.thetaPrime, draws)
    expect(Math.max(...a.mean.map((x, i) => Math.abs(x - b.mean[i]!)))).toBeLessThanOrEqual(2 / draws.length)
  })

  it("Θ = L^⊥ is complete and minimal; a box is not complete, with a certificate orthogonal to L", () => {
    const perp = Space.affine({ C: L.map((u) => Array.from(u)), e: [0, 0, 0, 0] })
    const p = analyze(perp, Noise.normal(), { polytope: solver }).perturbed!
    expect([p.complete.verdict, p.minimal.verdict, p.identifiable.verdict]).toStrictEqual(["holds", "holds", "holds"])
    const v = analyze(Space.box(-1, 1, 6), Noise.logistic(), { polytope: solver }).perturbed!.complete
    expect(v.verdict).toBe("fails")
    const w = v.witness!
    if (w._tag !== "OutsideImage") throw new Error(w._tag)
    expect(inL(solver, w.normal)).toBe(false)
    for (const u of L) expect(Math.abs(dot(u, w.normal))).toBeLessThan(1e-9)
    for (const c of corners(new Array(6).fill(-1), new Array(6).fill(1))) expect(dot(w.normal, c)).toBeLessThanOrEqual(w.bound + 1e-9)
    expect(dot(w.normal, w.thetaStar)).toBeGreaterThan(w.bound)
  })
})

describe("the polytope tables", () => {
  it("every reason cites a result its deciding rule declares", () => {
    const cases: Array<[Space.Space, NoiseLike, Solver.Solver]> = [
      [Space.reals(4), Noise.normal(), Solver.topK(4, 2)],
      [Space.box(-1, 1, 4), Noise.uniform(), Solver.topK(4, 2)],
      [Space.pinned(3), Noise.discrete({ atoms: [0, 1] }), Solver.ranks(3)],
      [Space.box(-1, 1, 6), Noise.normal(), Solver.shortestPath(2, 3)]
    ]
    for (const [space, noise, solver] of cases) {
      const ctx = polytopeContext(space, noiseFacts(noise, space.dim), solver, 1, solver.lineality()!)
      for (const table of [completeness, minimality, identifiability]) {
        const { rule, verdict } = firstApplying(table, ctx)
        for (const r of verdict.reasons) expect(rule.cites).toContain(r.ref)
        if (verdict.verdict === "fails") expect(verdict.witness).toBeDefined()
      }
    }
  })

  it("bad solvers are refused naming the argument", () => {
    expect(() => analyze(Space.reals(3), Noise.normal(), { polytope: Solver.sort(3) })).toThrow(InvalidArgument)
    expect(() => analyze(Space.reals(3), Noise.normal(), { polytope: { kind: "topK" } as unknown as Solver.Solver })).toThrow(/options\.polytope/)
    expect(() => analyze(Space.reals(4), Noise.normal(), { polytope: Solver.topK(5, 2) })).toThrow(DimensionMismatch)
    expect(() => analyze(Space.reals(4), Noise.normal(), { polytope: Solver.topK(4, 2), model: "softmax" })).toThrow(/options\.model/)
    expect(() => analyze(Space.reals(4), Noise.normal(), { polytope: Solver.topK(4, 2), sigma: 0 })).toThrow(/options\.sigma/)
  })

  it("σ does not change a density's verdicts", () => {
    const values = (v: { complete: Verdict.Verdict; minimal: Verdict.Verdict; identifiable: Verdict.Verdict }) => [v.complete.verdict, v.minimal.verdict, v.identifiable.verdict]
    for (const sigma of [0.01, 1, 100]) {
      expect(values(analyze(Space.pinned(4), Noise.normal(), { polytope: Solver.ranks(4), sigma }).perturbed!)).toStrictEqual(["holds", "holds", "holds"])
    }
  })
})

describe("a solver whose tie rule sees more than the argmax set", () => {
  // Vertices e₀, e₁ (L = span(𝟙)); a tie z₀ = z₁ goes to e₀ when z₀ > 0, else to e₁.
  const solver = Solver.custom({
    d: 2,
    outDim: 2,
    solve: (z) => (z[0]! > z[1]! || (z[0] === z[1] && z[0]! > 0) ? [1, 0] : [0, 1]),
    vertices: [[1, 0], [0, 1]]
  })
  const P = (theta: ReadonlyArray<number>) =>
    [[0, 0], [0, 1], [1, 0], [1, 1]].reduce((acc, g) => acc + solver.apply(Float64Array.of(theta[0]! + g[0]!, theta[1]! + g[1]!))[0]! / 4, 0)

  it("with atoms, θ and θ + c𝟙 differ in P, so minimality is undecided, not failed", () => {
    expect(P([0, 0])).not.toBe(P([5, 5]))
    const v = analyze(Space.reals(2), Noise.discrete({ atoms: [0, 1] }), { polytope: solver }).perturbed!.minimal
    expect(v.verdict).toBe("undecided")
  })

  it("with a density, ties have probability 0 and the translation pair fails minimality", () => {
    const v = analyze(Space.reals(2), Noise.normal(), { polytope: solver }).perturbed!.minimal
    expect(v.verdict).toBe("fails")
    expect(v.witness!._tag).toBe("TranslationPair")
  })
})
