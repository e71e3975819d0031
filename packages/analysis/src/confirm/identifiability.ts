/**
 * Identifiability evidence: one-sided directional derivatives of `M` (or `F`) along each `e_j` —
 * the limits `P_j(θ ± h e_j)` and potential difference quotients — at the witness kink or at
 * sample points of Θ.
 */
import { Effect } from "effect"
import { sci, sciVector } from "../internal/format.js"
import type { Estimator } from "../internal/numeric.js"
import type { Agreement, Evidence, Verdict, Witness } from "../Verdict.js"
import { type ModelContext, probsSliced, type Tick } from "./context.js"

/** The witness kink's one-sided derivatives: limits of P_j and difference quotients of the potential. */
const kinkEvidence = (est: Estimator, w: Extract<Witness, { _tag: "Kink" }>, potentialName: string): Evidence => {
  const j = w.coordinate
  const h = 1e-5
  const h2 = 1e-2
  const e = (s: number) => w.theta.map((v, i) => (i === j ? v + s : v))
  const r = est.probs([e(h), e(-h)])
  const right = r.p[0]![j]!
  const left = r.p[1]![j]!
  const m = est.potential([w.theta, e(h2), e(-h2)])
  const qRight = (m[1]! - m[0]!) / h2
  const qLeft = (m[0]! - m[2]!) / h2
  const matches = Math.abs(right - w.right) < 1e-2 && Math.abs(left - w.left) < 1e-2 &&
    Math.abs(qRight - w.right) < 1e-2 && Math.abs(qLeft - w.left) < 1e-2
  const agrees: Agreement = right - left > 1e-2 && matches ? true : Math.abs(right - left) < 1e-3 && Math.abs(qRight - qLeft) < 1e-3 ? false : "inconclusive"
  return {
    method: `one-sided derivatives of ${potentialName} along e_${j} at the witness kink (limits P_${j}(θ ± ${h}·e_${j}) and difference quotients of ${potentialName} with step ${h2})`,
    summary: `at θ = ${sciVector(w.theta)}: left ${sci(left)} (quotient ${sci(qLeft)}), right ${sci(right)} (quotient ${sci(qRight)}); the witness says [${sci(w.left)}, ${sci(w.right)}]`,
    agrees,
    values: { left, right, leftQuotient: qLeft, rightQuotient: qRight },
    at: Array.from(w.theta)
  } satisfies Evidence
}

export const identifiability = (est: Estimator, ctx: ModelContext, verdict: Verdict, tick: Tick) =>
  Effect.gen(function*() {
    const phase = `${ctx.which}: identifiability`
    const d = est.d
    const potentialName = ctx.which === "softmax" ? "F" : "M"
    yield* tick.pace
    const w = verdict.witness
    if (w !== undefined && w._tag === "Kink") {
      const evidence = kinkEvidence(est, w, potentialName)
      tick(phase, 1)
      return evidence
    }
    // Sample points: a kink shows as a jump of P_j across θ along e_j that does not shrink with h.
    const h = 1e-4
    const rows: Array<Float64Array> = []
    for (const theta of ctx.points) {
      for (let j = 0; j < d; j++) for (const s of [1, -1]) rows.push(theta.map((v, i) => (i === j ? v + s * h : v)))
    }
    const r = yield* probsSliced(est, rows, tick)
    let jump = 0
    let at: Float64Array = ctx.points[0]!
    let se: number | undefined
    ctx.points.forEach((theta, q) => {
      for (let j = 0; j < d; j++) {
        const a = (q * d + j) * 2
        const v = Math.abs(r.p[a]![j]! - r.p[a + 1]![j]!)
        if (v >= jump) (jump = v, at = theta, se = r.se === undefined ? undefined : r.se[a]![j]!)
      }
    })
    tick(phase, 1)
    const agrees: Agreement = verdict.verdict === "holds"
      ? jump <= 1e-3 ? true : jump > 1e-2 ? false : "inconclusive"
      : verdict.verdict === "fails"
      ? jump > 1e-2 ? true : "inconclusive"
      : "inconclusive"
    return {
      method: `one-sided derivatives of ${potentialName} along each e_j at ${ctx.points.length} points of Θ (limits P_j(θ ± ${h}·e_j); ${est.label}${est.monteCarlo ? ", same noise points on both sides" : ""})`,
      summary: `largest |P_j(θ + h e_j) − P_j(θ − h e_j)| = ${sci(jump)}${se === undefined ? "" : ` (each P_j ± ${sci(se)})`} at θ = ${sciVector(at)}: ${jump <= 1e-3 ? "no kink — P single-valued there" : jump > 1e-2 ? "a kink: ∂" + potentialName + " is not a single vector" : "unclear"}`,
      agrees,
      values: { largestJump: jump, ...(se === undefined ? {} : { probabilityStdError: se }) },
      at: Array.from(at)
    } satisfies Evidence
  })
