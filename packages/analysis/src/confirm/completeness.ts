/**
 * Completeness evidence: targets `p` (Dirichlet(1) draws, near-vertex points, and for a failing
 * verdict the witness's target and one pushed further out along its certificate) are fitted by
 * `identify` where the kernels state it is available, otherwise by a batched Levenberg–Marquardt
 * fit over the free parameters started where P moves (`start.ts`); with atoms in the noise
 * (discrete or mixed laws) `⟨p, θ⟩ − M(θ)` is maximised instead and p is compared with the
 * closest point of ∂M(θ*) (`subgradient.ts`). Every target counts as reached only by its distance
 * in the simplex — ‖P̂ − p‖₁ and each coordinate within 5% (max |log P̂ − log p| reported beside)
 * — never by slopes along Θ, which vanish on a single point or where Θ + span(𝟙) ≠ ℝ^d.
 */
import { Effect } from "effect"
import { plusMinus, sci, sciVector } from "../internal/format.js"
import { type Estimator, nextSize } from "../internal/numeric.js"
import type { Agreement, Evidence, Verdict, Witness } from "../Verdict.js"
import type { ModelContext, Target, Tick } from "./context.js"
import { type FitState, lmIteration, startStates } from "./fit.js"
import { l1, relative, sum } from "./linalg.js"
import { fitSubgradient, logGap } from "./subgradient.js"

// Thresholds, in the units of ‖·‖₁ on probabilities (or of eigenvalues relative to the largest).
const REACHED = 2e-3
const UNREACHED = 2e-2
const FIT_TOL = 1e-4
const MAX_LM = 60

/** Targets a failing completeness verdict names: its unreachable p, or P at (and beyond) θ*. */
const witnessTargets = (est: Estimator, w: Witness | undefined): Array<Target> => {
  if (w === undefined) return []
  if (w._tag === "UnreachableTarget") return [{ p: Float64Array.from(w.p), label: "the witness's unreachable target" }]
  if (w._tag !== "OutsideImage") return []
  // θ* + s·a moves a·θ up by s‖a‖²: a margin of 3 (log-odds scale) makes the gap visible.
  const a2 = w.normal.reduce((s, v) => s + v * v, 0)
  const s = 3 / Math.max(a2, 1e-12)
  const far = w.thetaStar.map((v, i) => v + s * w.normal[i]!)
  const P = est.probs([w.thetaStar, far]).p
  return [
    { p: P[0]!, label: "P(θ*) of the witness" },
    { p: P[1]!, label: "P(θ* + s·a), beyond the witness's certificate" }
  ].map((t) => ({ ...t, p: t.p.map((x) => Math.max(x, 1e-9)).map((x, _, arr) => x / sum(arr)) }))
}

interface FitOutcome {
  readonly target: Target
  readonly residual: number
  /** max_i |P_i − p_i| / max(P_i, p_i). */
  readonly relative: number
  /** max_i |log P_i − log p_i| at θ* (P̂, the closest point of ∂M(θ*), with atoms). */
  readonly logGap: number
  readonly se: number | undefined
  /**
   * False where ∂M(θ*) was approximated from inside (d > 5 with atoms), or where a fit stopped at a
   * saturation edge of P (bounded supports): a large distance proves nothing there.
   */
  readonly exhaustive: boolean
  readonly theta: Float64Array
  readonly how: string
}

// Reached: small in ‖·‖₁ and in every coordinate relative to its size (near-vertex targets have
// coordinates of 1e-3 that ‖·‖₁ alone cannot see); unreached: clearly off in either sense.
const isReached = (o: FitOutcome): boolean => o.residual <= REACHED + 4 * (o.se ?? 0) && o.relative <= 0.05
const isUnreached = (o: FitOutcome): boolean =>
  o.exhaustive && (o.residual > UNREACHED + 4 * (o.se ?? 0) || (o.se === undefined && o.relative > 0.5))
const badness = (o: FitOutcome): number => Math.max(o.residual / UNREACHED, o.se === undefined ? o.relative / 0.5 : 0)

const agreeCompleteness = (verdict: Verdict["verdict"], outcomes: ReadonlyArray<FitOutcome>): Agreement => {
  const allReached = outcomes.every(isReached)
  const someUnreached = outcomes.some(isUnreached)
  if (verdict === "holds") return allReached ? true : someUnreached ? false : "inconclusive"
  if (verdict === "fails") return someUnreached ? true : allReached ? false : "inconclusive"
  return "inconclusive"
}

const fitSmooth = (est: Estimator, ctx: ModelContext, targets: ReadonlyArray<Target>, tick: Tick, phase: string) =>
  Effect.gen(function*() {
    const outcomes: Array<FitOutcome | undefined> = targets.map(() => undefined)
    const pending: Array<number> = []
    if (ctx.identifiable) {
      for (let t = 0; t < targets.length; t++) {
        yield* tick.pace
        const target = targets[t]!
        let done = false
        try {
          const r = est.kernels.identify(target.p, { tol: 1e-9, samples: est.monteCarlo ? Math.max(est.d, 512) : 4096, key: ctx.key })
          // Check the inverse with the same estimator the other figures use.
          const P = est.probs([r.theta])
          const residual = l1(P.p[0]!, target.p)
          if (residual <= REACHED) {
            outcomes[t] = {
              target,
              residual,
              relative: relative(P.p[0]!, target.p),
              logGap: logGap(P.p[0]!, target.p),
              se: P.se === undefined ? undefined : sum(P.se[0]),
              exhaustive: true,
              theta: r.theta,
              how: "identify"
            }
            done = true
            tick(phase, 1)
          }
        } catch {
          // identify's Newton can fail on extreme targets (a NaN from the kernel): fit it below instead.
        }
        if (!done) pending.push(t)
      }
    } else {
      for (let t = 0; t < targets.length; t++) pending.push(t)
    }
    // Batches of at most 16 targets, fewer when one iteration would run past SLICE_MS (prompt
    // interruption, early progress); targets are fitted independently, so batching changes no result.
    let size = 1
    let perTarget = 0
    for (let start = 0; start < pending.length;) {
      const batch = pending.slice(start, start + size)
      start += batch.length
      const ps = batch.map((t) => targets[t]!.p)
      const states: Array<FitState> = yield* startStates(est, ps, ctx.start, tick.pace)
      let reported = 0
      while (states.some((s) => !s.done)) {
        yield* tick.pace
        const t0 = performance.now()
        const active = states.filter((s) => !s.done).length
        yield* lmIteration(est, ps, states, FIT_TOL, MAX_LM, tick.pace)
        perTarget = (performance.now() - t0) / active
        const finished = states.filter((s) => s.done).length
        if (finished > reported) (tick(phase, finished - reported), reported = finished)
      }
      if (reported < states.length) tick(phase, states.length - reported)
      size = nextSize(1, perTarget, 16)
      batch.forEach((t, i) => {
        const s = states[i]!
        outcomes[t] = {
          target: targets[t]!,
          residual: s.residual,
          relative: relative(s.P, targets[t]!.p),
          logGap: logGap(s.P, targets[t]!.p),
          se: s.se === undefined ? undefined : sum(s.se),
          exhaustive: !s.blocked,
          theta: s.theta,
          how: "Levenberg–Marquardt"
        }
      })
    }
    return outcomes as Array<FitOutcome>
  })

export const completeness = (est: Estimator, ctx: ModelContext, verdict: Verdict, tick: Tick) =>
  Effect.gen(function*() {
    const phase = `${ctx.which}: completeness`
    const targets = [...ctx.targets, ...witnessTargets(est, verdict.witness)]
    const outcomes: Array<FitOutcome> = ctx.atoms
      ? (yield* fitSubgradient(est, ctx.exact64, targets, tick, phase, ctx.key)).map((o) => ({
        target: o.target,
        residual: o.residual,
        relative: o.relative,
        logGap: o.logGap,
        se: undefined,
        exhaustive: o.exhaustive,
        theta: o.theta,
        how: `golden sections on ⟨p, θ⟩ − M(θ), closest point of ∂M(θ*)${o.exhaustive ? "" : " (inner approximation: a sample of orderings)"}`
      }))
      : yield* fitSmooth(est, ctx, targets, tick, phase)
    let worst = outcomes[0]!
    for (const o of outcomes) if (badness(o) > badness(worst)) worst = o
    const reached = outcomes.filter(isReached).length
    const agrees = agreeCompleteness(verdict.verdict, outcomes)
    const hows = [...new Set(outcomes.map((o) => o.how))].join(" / ")
    const measure = ctx.atoms ? "‖P̂ − p‖₁ (P̂ the closest point of ∂M(θ*))" : "‖P(θ*) − p‖₁"
    const stalled = ctx.atoms ? 0 : outcomes.filter((o) => !o.exhaustive && !isReached(o)).length
    const stall = stalled === 0
      ? ""
      : `; ${stalled} fit${stalled === 1 ? "" : "s"} stopped at a saturation edge of P (a step on would zero a coordinate the target needs, where P is flat), so ${stalled === 1 ? "its" : "their"} distance does not show the target unreachable`
    const evidence: Evidence = {
      method: `fit of ${outcomes.length} targets (${hows}; probabilities ${est.label})`,
      summary: `${reached}/${outcomes.length} targets reached (${measure} ≤ ${REACHED}, every coordinate within 5%); worst ${measure} = ${plusMinus(worst.residual, worst.se)}, largest relative error ${sci(worst.relative)}, max |log P − log p| = ${sci(worst.logGap)} at p = ${sciVector(worst.target.p)} (${worst.target.label}), θ* = ${sciVector(worst.theta)}${stall}`,
      agrees,
      values: {
        worstResidual: worst.residual,
        worstRelativeError: worst.relative,
        worstLogGap: worst.logGap,
        ...(worst.se === undefined ? {} : { worstResidualStdError: worst.se }),
        targets: outcomes.length,
        reached
      },
      at: Array.from(worst.target.p)
    }
    return evidence
  })
