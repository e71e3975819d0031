/**
 * Completeness evidence: targets `p` (Dirichlet(1) draws, near-vertex points, and for a failing
 * verdict the witness's target and one pushed further out along its certificate) are fitted by
 * `identify` where the kernels state it is available, otherwise by a batched Levenberg–Marquardt
 * fit over the free parameters; with discrete noise `⟨p, θ⟩ − M(θ)` is maximised instead. The
 * worst residual and its target are reported.
 */
import type { Key } from "@perturb/noise"
import { Effect } from "effect"
import { plusMinus, sci, sciVector } from "../internal/format.js"
import { type Estimator, nextSize } from "../internal/numeric.js"
import type { Agreement, Evidence, Verdict, Witness } from "../Verdict.js"
import type { ModelContext, Target, Tick } from "./context.js"
import { type FitState, lmIteration, startStates } from "./fit.js"
import { l1, relative, sum } from "./linalg.js"

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
  /** max_i |P_i − p_i| / max(P_i, p_i) (0 for discrete noise, where the residual is a subgradient distance). */
  readonly relative: number
  readonly se: number | undefined
  readonly theta: Float64Array
  readonly how: string
}

// Reached: small in ‖·‖₁ and in every coordinate relative to its size (near-vertex targets have
// coordinates of 1e-3 that ‖·‖₁ alone cannot see); unreached: clearly off in either sense.
const isReached = (o: FitOutcome): boolean => o.residual <= REACHED + 4 * (o.se ?? 0) && o.relative <= 0.05
const isUnreached = (o: FitOutcome): boolean => o.residual > UNREACHED + 4 * (o.se ?? 0) || (o.se === undefined && o.relative > 0.5)
const badness = (o: FitOutcome): number => Math.max(o.residual / UNREACHED, o.se === undefined ? o.relative / 0.5 : 0)

const agreeCompleteness = (verdict: Verdict["verdict"], outcomes: ReadonlyArray<FitOutcome>): Agreement => {
  const allReached = outcomes.every(isReached)
  const someUnreached = outcomes.some(isUnreached)
  if (verdict === "holds") return allReached ? true : someUnreached ? false : "inconclusive"
  if (verdict === "fails") return someUnreached ? true : allReached ? false : "inconclusive"
  return "inconclusive"
}

const fitSmooth = (est: Estimator, identifiable: boolean, targets: ReadonlyArray<Target>, tick: Tick, phase: string, key: Key.Key) =>
  Effect.gen(function*() {
    const outcomes: Array<FitOutcome | undefined> = targets.map(() => undefined)
    const pending: Array<number> = []
    if (identifiable) {
      for (let t = 0; t < targets.length; t++) {
        yield* tick.pace
        const target = targets[t]!
        let done = false
        try {
          const r = est.kernels.identify(target.p, { tol: 1e-9, samples: est.monteCarlo ? Math.max(est.d, 512) : 4096, key })
          // Check the inverse with the same estimator the other figures use.
          const P = est.probs([r.theta])
          const residual = l1(P.p[0]!, target.p)
          if (residual <= REACHED) {
            outcomes[t] = { target, residual, relative: relative(P.p[0]!, target.p), se: P.se === undefined ? undefined : sum(P.se[0]), theta: r.theta, how: "identify" }
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
      const states: Array<FitState> = yield* startStates(est, ps, tick.pace)
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
        outcomes[t] = { target: targets[t]!, residual: s.residual, relative: relative(s.P, targets[t]!.p), se: s.se === undefined ? undefined : sum(s.se), theta: s.theta, how: "Levenberg–Marquardt" }
      })
    }
    return outcomes as Array<FitOutcome>
  })

/** `⟨p, θ⟩ − M(θ)` is concave and piecewise linear for discrete noise: golden section per free coordinate. */
const fitDiscrete = (est: Estimator, basis: Float64Array, targets: ReadonlyArray<Target>, tick: Tick, phase: string) =>
  Effect.gen(function*() {
    const { d, k } = est
    const out: Array<FitOutcome> = []
    const phi = (Math.sqrt(5) - 1) / 2
    for (const target of targets) {
      yield* tick.pace
      const u = new Float64Array(k)
      const g = (x: Float64Array): number => {
        const th = est.theta([x])[0]!
        let s = 0
        for (let i = 0; i < d; i++) s += target.p[i]! * th[i]!
        return s - est.potential([th])[0]!
      }
      for (let sweep = 0; sweep < (k === 1 ? 1 : 4); sweep++) {
        for (let c = 0; c < k; c++) {
          // One golden section is ~90 evaluations of M: at d = 8 a target runs 32 of them.
          yield* tick.pace
          let lo = -40
          let hi = 40
          const at = (v: number) => g(u.map((x, j) => (j === c ? v : x)))
          let x1 = hi - phi * (hi - lo)
          let x2 = lo + phi * (hi - lo)
          let f1 = at(x1)
          let f2 = at(x2)
          while (hi - lo > 1e-9) {
            if (f1 < f2) (lo = x1, x1 = x2, f1 = f2, x2 = lo + phi * (hi - lo), f2 = at(x2))
            else (hi = x2, x2 = x1, f2 = f1, x1 = hi - phi * (hi - lo), f1 = at(x1))
          }
          u[c] = (lo + hi) / 2
        }
      }
      const theta = est.theta([u])[0]!
      // One-sided slopes of M along ±b: ⟨P(θ* ± h b), b⟩ for h below every piece's width.
      const h = 1e-5
      const rows: Array<Float64Array> = []
      for (let c = 0; c < k; c++) {
        for (const s of [1, -1]) rows.push(theta.map((v, i) => v + s * h * basis[i * k + c]!))
      }
      const P = est.probs(rows).p
      let residual = 0
      for (let c = 0; c < k; c++) {
        let pb = 0
        let right = 0
        let left = 0
        for (let i = 0; i < d; i++) {
          const b = basis[i * k + c]!
          pb += target.p[i]! * b
          right += P[2 * c]![i]! * b
          left += P[2 * c + 1]![i]! * b
        }
        residual = Math.max(residual, pb - right, left - pb)
      }
      out.push({ target, residual: Math.max(0, residual), relative: 0, se: undefined, theta, how: "golden section on ⟨p, θ⟩ − M(θ)" })
      tick(phase, 1)
    }
    return out
  })

export const completeness = (est: Estimator, ctx: ModelContext, verdict: Verdict, tick: Tick) =>
  Effect.gen(function*() {
    const phase = `${ctx.which}: completeness`
    const targets = [...ctx.targets, ...witnessTargets(est, verdict.witness)]
    const outcomes = ctx.discrete
      ? yield* fitDiscrete(est, ctx.basis, targets, tick, phase)
      : yield* fitSmooth(est, ctx.identifiable, targets, tick, phase, ctx.key)
    let worst = outcomes[0]!
    for (const o of outcomes) if (badness(o) > badness(worst)) worst = o
    const reached = outcomes.filter(isReached).length
    const agrees = agreeCompleteness(verdict.verdict, outcomes)
    const hows = [...new Set(outcomes.map((o) => o.how))].join(" / ")
    const measure = ctx.discrete ? "distance of p from ∂M(θ*) (largest ascent slope of ⟨p, θ⟩ − M)" : "‖P(θ*) − p‖₁"
    const evidence: Evidence = {
      method: `fit of ${outcomes.length} targets (${hows}; probabilities ${est.label})`,
      summary: `${reached}/${outcomes.length} targets reached (${measure} ≤ ${REACHED}${ctx.discrete ? "" : ", every coordinate within 5%"}); worst ${measure} = ${plusMinus(worst.residual, worst.se)}${ctx.discrete ? "" : `, largest relative error ${sci(worst.relative)}`} at p = ${sciVector(worst.target.p)} (${worst.target.label}), θ* = ${sciVector(worst.theta)}`,
      agrees,
      values: {
        worstResidual: worst.residual,
        worstRelativeError: worst.relative,
        ...(worst.se === undefined ? {} : { worstResidualStdError: worst.se }),
        targets: outcomes.length,
        reached
      },
      at: Array.from(worst.target.p)
    }
    return evidence
  })
