/**
 * `confirm` on a polytope: seeded Monte Carlo evidence through `solver.solve`, with standard errors,
 * agreeing with the verdicts of docs/perturbed.md; the same key gives the same numbers.
 */
import { Solver, Space } from "@perturb/core"
import { Key, Noise } from "@perturb/noise"
import { describe, expect, it } from "vitest"
import { analyze, confirmPromise, disagreements, renderText } from "../src/index.js"

const confirmed = (space: Space.Space, noise: Parameters<typeof analyze>[1], solver: Solver.Solver) =>
  confirmPromise(analyze(space, noise, { polytope: solver }), { budget: 0.5, key: Key.make(3) })

describe("confirm over a polytope", () => {
  it("top-k on ℝ^4: the translation pair agrees exactly, targets in ri C are fitted, no kink is seen", async () => {
    const r = await confirmed(Space.reals(4), Noise.normal(), Solver.topK(4, 2))
    const p = r.perturbed!
    expect(p.minimal.evidence!.agrees).toBe(true)
    expect(p.minimal.evidence!.values!["difference"]).toBe(0)
    expect(p.complete.evidence!.agrees).toBe(true)
    expect(p.complete.evidence!.values!["residual"]).toBeLessThan(0.05)
    expect(p.complete.evidence!.values!["residualStdError"]).toBeGreaterThan(0)
    expect(p.identifiable.evidence!.agrees).toBe(true)
    expect(disagreements(r)).toStrictEqual([])
    expect(renderText(r)).toContain("evidence (numeric, not a proof) ✓ agrees")
  })

  it("top-k on the pinned space: ⟨h, P̂(θ′) − P̂(θ)⟩ > 0 beyond its standard error", async () => {
    const e = (await confirmed(Space.pinned(4), Noise.normal(), Solver.topK(4, 2))).perturbed!.minimal.evidence!
    expect(e.agrees).toBe(true)
    expect(e.values!["monotone"]).toBeGreaterThan(3 * e.values!["monotoneStdError"]!)
  })

  it("ranks with discrete noise: the kink shows in the Monte Carlo quotients of M̂", async () => {
    const r = await confirmed(Space.reals(3), Noise.discrete({ atoms: [0, 1] }), Solver.ranks(3))
    const v = r.perturbed!.identifiable
    expect(v.verdict).toBe("fails")
    expect(v.evidence!.agrees).toBe(true)
    const w = v.witness!
    if (w._tag !== "Kink") throw new Error(w._tag)
    const { left, leftStdError, right, rightStdError } = v.evidence!.values! as Record<string, number>
    expect(Math.abs(left! - w.left)).toBeLessThan(5 * leftStdError! + 1e-9)
    expect(Math.abs(right! - w.right)).toBeLessThan(5 * rightStdError! + 1e-9)
  })

  it("grid paths on the pinned space: the lineality pair agrees; same key, same numbers", async () => {
    const a = await confirmed(Space.pinned(6), Noise.normal(), Solver.shortestPath(2, 3))
    const b = await confirmed(Space.pinned(6), Noise.normal(), Solver.shortestPath(2, 3))
    expect(a.perturbed!.minimal.witness!._tag).toBe("LinealityPair")
    expect(a.perturbed!.minimal.evidence!.agrees).toBe(true)
    expect(a.perturbed).toStrictEqual(b.perturbed)
  })

  it("a correlated Gaussian (no independent coordinates) is confirmed too", async () => {
    const noise = Noise.gaussian({ covariance: [[1, 0.5, 0, 0], [0.5, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]] })
    const p = (await confirmed(Space.reals(4), noise, Solver.topK(4, 2))).perturbed!
    expect(p.minimal.evidence!.agrees).toBe(true)
    expect(p.complete.evidence!.agrees).toBe(true)
  })

  it("Solver.argmax: the perturbed verdicts are the argmax ones, evidence included", async () => {
    const r = await confirmPromise(analyze(Space.pinned(3), Noise.gumbel(), { polytope: Solver.argmax(3), model: "argmax" }), { budget: 0.25 })
    expect(r.perturbed).toBe(r.argmax)
    expect(r.argmax!.complete.evidence).toBeDefined()
  })
})
