/**
 * The evidence for the three verdicts of one model: its kernels compiled once, the estimator over
 * them, and each property's evidence; a property whose numbers cannot be computed gets
 * `"inconclusive"` evidence saying why rather than failing the run.
 */
import { compile, exactProbs64, type Kernels, Model, Space } from "@perturb/core"
import { Key, Random } from "@perturb/noise"
import { Cause, Effect } from "effect"
import type { Properties, Report } from "../Analyze.js"
import { atomsOf, noiseFacts } from "../internal/noise.js"
import { estimator } from "../internal/numeric.js"
import type { Evidence, Verdict } from "../Verdict.js"
import { completeness } from "./completeness.js"
import { type ModelContext, type Plan, targetsFor, type Tick, type Which } from "./context.js"
import { identifiability } from "./identifiability.js"
import { minimality } from "./minimality.js"
import { startOf } from "./start.js"

const withEvidence = (v: Verdict, evidence: Evidence): Verdict => ({ ...v, evidence })

const failedEvidence = (what: string, e: unknown): Evidence => ({
  method: what,
  summary: `no numeric evidence: ${e instanceof Error ? e.message : String(e)}`,
  agrees: "inconclusive"
})

export const confirmModel = (report: Report, which: Which, props: Properties, plan: Plan, key: Key.Key, tick: Tick) =>
  Effect.gen(function*() {
    const d = report.dim
    const model = which === "softmax"
      ? Model.perturbSoftmax({ space: report.space, noise: report.noise, temperature: report.temperature })
      : Model.perturbArgmax({ space: report.space, noise: report.noise })
    const kernels: Kernels = compile(model)
    const [kTargets, kEst, kPoints] = Key.split(key, 3) as [Key.Key, Key.Key, Key.Key]
    const hull = Space.affineHull(report.space)
    const est = estimator(kernels, which === "softmax", plan.samples, kEst)
    const facts = noiseFacts(report.noise, d)
    // Atoms in any coordinate (discrete or mixed laws) with an exact method, as the kernels state it.
    const atoms = which === "argmax" && facts.laws.some((l) => atomsOf(l) !== undefined) && kernels.capabilities.probs.exact.available
    const exact64 = (rows: ReadonlyArray<Float64Array>): Array<Float64Array> => {
      const flat = new Float64Array(rows.length * d)
      rows.forEach((r, q) => flat.set(r, q * d))
      const { probs } = exactProbs64(model, flat)
      return rows.map((_, q) => probs.slice(q * d, (q + 1) * d))
    }
    // The kernels state whether identify applies (affine, complete, minimal, noise with an exact
    // Hessian); where it does not, the targets are fitted instead.
    const identifiable = kernels.capabilities.identify.available
    // Points of Θ: θ(0) (a relative-interior point) and θ(u) for standard normal u.
    const k = kernels.freeDim
    const z = Random.normal64(kPoints, Math.max(1, k) * plan.points)
    const us = Array.from({ length: plan.points }, (_, q) => (q === 0 ? new Float64Array(k) : Float64Array.from({ length: k }, (_, c) => z[q * k + c]!)))
    const ctx: ModelContext = {
      which,
      plan,
      key: kEst,
      targets: targetsFor(d, plan, kTargets),
      points: est.theta(us),
      basis: hull.basis,
      identifiable,
      atoms,
      exact64,
      // Perturb-Softmax is never flat (every softmax is interior); Perturb-Argmax saturates.
      start: which === "argmax" ? yield* startOf(est, facts.laws, tick.pace) : new Float64Array(k)
    }
    const run = <E>(what: string, eff: Effect.Effect<Evidence, E>) =>
      Effect.catchCause(eff, (cause) => Effect.succeed(failedEvidence(what, Cause.squash(cause))))
    const complete = yield* run("completeness fit", Effect.suspend(() => completeness(est, ctx, props.complete, tick)))
    const minimal = yield* run("minimality check", Effect.suspend(() => minimality(est, ctx, props.minimal, tick)))
    const identifiableEv = yield* run("identifiability check", Effect.suspend(() => identifiability(est, ctx, props.identifiable, tick)))
    return {
      complete: withEvidence(props.complete, complete),
      minimal: withEvidence(props.minimal, minimal),
      identifiable: withEvidence(props.identifiable, identifiableEv)
    } satisfies Properties
  })
