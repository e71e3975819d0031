/**
 * `confirm`: numeric evidence agrees with every decided verdict of math.md §3's table cases, never
 * changes a verdict, reports progress monotonically, and stops promptly when interrupted.
 */
import * as tf from "@tensorflow/tfjs"
import { InvalidArgument, Space } from "@perturb/core"
import { Noise, type NoiseLike } from "@perturb/noise"
import { Cause, Effect, Exit, Fiber } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import { analyze, confirm, ConfirmInterrupted, confirmPromise, disagreements, type Progress, type Report, renderText, toJSON } from "../src/index.js"

beforeAll(async () => {
  await tf.setBackend("cpu")
})

const gallery: ReadonlyArray<readonly [string, Space.Space, NoiseLike]> = [
  ["ℝ³, Gumbel", Space.reals(3), Noise.gumbel()],
  ["ℝ³, Normal", Space.reals(3), Noise.normal()],
  ["pinned, Gumbel", Space.pinned(3), Noise.gumbel()],
  ["pinned, Normal", Space.pinned(3), Noise.normal()],
  ["zero-sum, Gumbel", Space.zeroSum(3), Noise.gumbel()],
  ["zero-sum, Normal", Space.zeroSum(3), Noise.normal()],
  ["box [−1, 1]³, Normal", Space.box(-1, 1, 3), Noise.normal()],
  ["pinned ∩ box [−5, 5]³, Normal", Space.intersect(Space.pinned(3), Space.box(-5, 5, 3)), Noise.normal()],
  ["{θ₀ = θ₁}, Normal", Space.affine({ C: [[1, -1, 0]], e: [0] }), Noise.normal()],
  ["Prop 5.4: pinned d = 2, Uniform[0, 1]", Space.pinned(2), Noise.uniform()],
  ["Prop 5.5: pinned d = 2, discrete {0, 1}", Space.pinned(2), Noise.discrete({ atoms: [0, 1] })]
]

const verdictsOf = (r: Report) =>
  (["softmax", "argmax"] as const).flatMap((m) => (["complete", "minimal", "identifiable"] as const).map((p) => ({ name: `${m}.${p}`, v: r[m]![p] })))

describe("confirm on the gallery", () => {
  it.each(gallery)("%s: the evidence agrees with every decided verdict", async (_name, space, noise) => {
    const report = analyze(space, noise)
    const confirmed = await Effect.runPromise(confirm(report))
    const before = verdictsOf(report)
    for (const [i, { name, v }] of verdictsOf(confirmed).entries()) {
      // The static verdict and its reasons stay exactly as decided.
      expect(v.verdict, name).toBe(before[i]!.v.verdict)
      expect(v.reasons, name).toStrictEqual(before[i]!.v.reasons)
      const e = v.evidence
      expect(e, name).toBeDefined()
      expect(e!.agrees, `${name}: ${e!.summary}`).toBe(v.verdict === "undecided" ? "inconclusive" : true)
      expect(e!.method.length).toBeGreaterThan(0)
    }
    expect(disagreements(confirmed)).toStrictEqual([])
    expect(tf.memory().numTensors).toBeLessThan(50)
  })

  it("Monte Carlo figures carry standard errors; exact ones do not pretend to", async () => {
    const r = await Effect.runPromise(confirm(analyze(Space.pinned(3), Noise.normal())))
    expect(r.softmax!.complete.evidence!.values!["worstResidualStdError"]).toBeGreaterThan(0)
    expect(r.softmax!.complete.evidence!.summary).toContain("±")
    expect(r.softmax!.minimal.evidence!.values!["lambdaMinStdError"]).toBeGreaterThan(0)
    expect(r.argmax!.complete.evidence!.values!["worstResidualStdError"]).toBeUndefined()
    expect(r.argmax!.minimal.evidence!.values!["lambdaMin"]).toBeGreaterThan(1e-3)
  })

  it("the kink of Prop 5.5 is measured: one-sided derivatives 1/4 and 3/4", async () => {
    const r = await Effect.runPromise(confirm(analyze(Space.pinned(2), Noise.discrete({ atoms: [0, 1] }), { model: "argmax" })))
    const v = r.argmax!.identifiable.evidence!.values!
    expect(v["left"]).toBeCloseTo(0.25, 6)
    expect(v["right"]).toBeCloseTo(0.75, 6)
    expect(v["leftQuotient"]).toBeCloseTo(0.25, 3)
    expect(v["rightQuotient"]).toBeCloseTo(0.75, 3)
  })

  it("renderText and toJSON show the evidence; a contradiction is flagged loudly and the verdict kept", async () => {
    const report = analyze(Space.pinned(3), Noise.normal(), { model: "argmax" })
    // A wrong static claim: Hessian evidence must contradict it without overriding it.
    const wrong: Report = { ...report, argmax: { ...report.argmax!, minimal: { verdict: "fails", reasons: [{ ref: "test", text: "deliberately wrong" }] } } }
    const r = await Effect.runPromise(confirm(wrong))
    expect(r.argmax!.minimal.verdict).toBe("fails")
    expect(r.argmax!.minimal.evidence!.agrees).toBe(false)
    expect(disagreements(r)).toStrictEqual(["argmax.minimal"])
    const text = renderText(r)
    expect(text).toContain("!!! NUMERIC EVIDENCE DISAGREES with 1 verdict (argmax.minimal)")
    expect(text).toContain("✗ DISAGREES WITH THE VERDICT")
    expect(text).toContain("evidence (numeric, not a proof) ✓ agrees")
    const json = JSON.parse(JSON.stringify(toJSON(r)))
    expect(json.argmax.minimal.evidence.agrees).toBe(false)
    expect(json.argmax.complete.evidence.agrees).toBe(true)
  })
})

describe("progress and interruption", () => {
  it("progress is monotone and ends at its total", async () => {
    const seen: Array<Progress> = []
    await Effect.runPromise(confirm(analyze(Space.box(-1, 1, 3), Noise.normal()), { onProgress: (p) => seen.push(p) }))
    expect(seen.length).toBeGreaterThan(5)
    const total = seen[0]!.total
    seen.forEach((p, i) => {
      expect(p.total).toBe(total)
      if (i > 0) expect(p.done).toBeGreaterThanOrEqual(seen[i - 1]!.done)
    })
    expect(seen.at(-1)!.done).toBe(total)
    expect(new Set(seen.map((p) => p.phase))).toContain("argmax: minimality")
  })

  it("the Effect can be interrupted mid-run and stops there", async () => {
    let calls = 0
    let total = 0
    const fiber = Effect.runFork(confirm(analyze(Space.box(-1, 1, 3), Noise.normal()), {
      budget: 8,
      onProgress: (p) => {
        calls++
        total = p.total
      }
    }))
    while (calls === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    await Effect.runPromise(Fiber.interrupt(fiber))
    const [exit] = await Effect.runPromise(Fiber.awaitAll([fiber]))
    // Stopped by the interruption, part-way: no more progress afterwards, and not all of it done.
    expect(exit !== undefined && Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)).toBe(true)
    const after = calls
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(calls).toBe(after)
    expect(after).toBeLessThan(total)
  })

  it("the Promise twin rejects with ConfirmInterrupted on abort, and with InvalidArgument on a bad budget", async () => {
    const controller = new AbortController()
    const run = confirmPromise(analyze(Space.box(-1, 1, 3), Noise.normal()), { budget: 8, signal: controller.signal }, (p) => {
      if (p.done >= 1) controller.abort()
    })
    await expect(run).rejects.toBeInstanceOf(ConfirmInterrupted)
    const aborted = new AbortController()
    aborted.abort()
    await expect(confirmPromise(analyze(Space.pinned(3), Noise.normal()), { signal: aborted.signal })).rejects.toBeInstanceOf(ConfirmInterrupted)
    await expect(confirmPromise(analyze(Space.pinned(3), Noise.normal()), { budget: 0 })).rejects.toBeInstanceOf(InvalidArgument)
    const ok = await confirmPromise(analyze(Space.pinned(2), Noise.gumbel(), { model: "argmax" }))
    expect(ok.argmax!.complete.evidence!.agrees).toBe(true)
  })
})
