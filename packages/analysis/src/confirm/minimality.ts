/**
 * Minimality evidence: for a witness pair, `P(θ)` and `P(θ′)` evaluated with the same noise points;
 * otherwise the smallest eigenvalue of the potential's Hessian (the Jacobian of `P`) restricted to
 * the tangent space of Θ at a few points of Θ, with its standard error from independent keys where
 * the probabilities are estimates.
 */
import { Key, Numeric } from "@perturb/noise"
import { Effect } from "effect"
import { plusMinus, sci, sciVector } from "../internal/format.js"
import { type Estimator, estimator } from "../internal/numeric.js"
import type { Agreement, Evidence, Verdict, Witness } from "../Verdict.js"
import type { ModelContext, Tick } from "./context.js"
import { l1, restrict, sum } from "./linalg.js"

interface Pair {
  readonly theta: ReadonlyArray<number>
  readonly thetaPrime: ReadonlyArray<number>
  readonly tag: string
}

const pairOf = (w: Witness | undefined): Pair | undefined =>
  w !== undefined && (w._tag === "TranslationPair" || w._tag === "SaturatedPair" || w._tag === "ConstantPair")
    ? { theta: w.theta, thetaPrime: w.thetaPrime, tag: w._tag }
    : undefined

/** The witness pair's probabilities, evaluated with the same noise points for both. */
const pairEvidence = (est: Estimator, pair: Pair): Evidence => {
  const r = est.probs([pair.theta, pair.thetaPrime])
  const diff = l1(r.p[0]!, r.p[1]!)
  const se = r.se === undefined ? undefined : sum(r.se[0]) + sum(r.se[1])
  // Same noise points for both: a true pair gives equal estimates up to float32 rounding.
  const agrees: Agreement = diff <= 1e-4 ? true : diff > 1e-2 + 4 * (se ?? 0) ? false : "inconclusive"
  return {
    method: `the witness ${pair.tag} evaluated (probabilities ${est.label}${se === undefined ? "" : ", same noise points for both"})`,
    summary: `P(θ) = ${sciVector(r.p[0]!)}${r.se === undefined ? "" : ` ± ${sciVector(r.se[0]!)}`}, P(θ′) = ${sciVector(r.p[1]!)}${r.se === undefined ? "" : ` ± ${sciVector(r.se[1]!)}`}; ‖P(θ) − P(θ′)‖₁ = ${sci(diff)} for θ = ${sciVector(pair.theta)} ≠ θ′ = ${sciVector(pair.thetaPrime)}`,
    agrees,
    values: { difference: diff, ...(se === undefined ? {} : { differenceStdError: se }) },
    at: Array.from(pair.theta)
  } satisfies Evidence
}

export const minimality = (est: Estimator, ctx: ModelContext, verdict: Verdict, tick: Tick) =>
  Effect.gen(function*() {
    const phase = `${ctx.which}: minimality`
    const pair = verdict.verdict === "fails" ? pairOf(verdict.witness) : undefined
    if (pair !== undefined) {
      yield* tick.pace
      const evidence = pairEvidence(est, pair)
      tick(phase, ctx.points.length)
      return evidence
    }
    const { k, d } = est
    if (k === 0) {
      tick(phase, ctx.points.length)
      return {
        method: "tangent space of Θ",
        summary: "Θ is a single point: P is one-to-one on it trivially (no Hessian to check)",
        agrees: verdict.verdict === "holds" ? true : "inconclusive"
      } satisfies Evidence
    }
    let lmin = Infinity
    let lmax = 0
    let at: Float64Array = ctx.points[0]!
    let how = ""
    for (const theta of ctx.points) {
      yield* tick.pace
      const J = yield* est.jacobian(theta, tick.pace)
      how = J.how
      const ev = Numeric.symmetricEigenvalues(restrict(J.H, ctx.basis, d, k), k)
      if (ev[0]! < lmin) (lmin = ev[0]!, at = theta)
      lmax = Math.max(lmax, ev[k - 1]!)
      tick(phase, 1)
    }
    // Monte Carlo estimates: the eigenvalue's standard error from independent keys at the worst point.
    let se: number | undefined
    if (est.monteCarlo) {
      const vals = [lmin]
      for (const key of Key.split(Key.fold(ctx.key, 7), 2)) {
        yield* tick.pace
        const other = estimator(est.kernels, ctx.which === "softmax", ctx.plan.samples, key)
        vals.push(Numeric.symmetricEigenvalues(restrict((yield* other.jacobian(at, tick.pace)).H, ctx.basis, d, k), k)[0]!)
      }
      se = Numeric.meanStdError(vals).stdError
    }
    const scale = Math.max(lmax, 1e-12)
    const positive = lmin > Math.max(1e-5 * scale, 4 * (se ?? 0))
    const zero = Math.abs(lmin) <= Math.max(1e-6 * scale, 2 * (se ?? 0), 1e-9)
    const agrees: Agreement = verdict.verdict === "holds"
      ? positive ? true : zero ? false : "inconclusive"
      : verdict.verdict === "fails"
      ? zero ? true : positive ? false : "inconclusive"
      : "inconclusive"
    return {
      method: `smallest eigenvalue of the potential's Hessian on the tangent space of Θ at ${ctx.points.length} points (${how}; numeric evidence)`,
      summary: `λ_min = ${plusMinus(lmin, se)} at θ = ${sciVector(at)} (largest eigenvalue seen ${sci(lmax)}): ${positive ? "strictly convex along Θ there" : zero ? "flat along Θ — P is not locally one-to-one" : "too small to tell"}`,
      agrees,
      values: { lambdaMin: lmin, lambdaMax: lmax, ...(se === undefined ? {} : { lambdaMinStdError: se }) },
      at: Array.from(at)
    } satisfies Evidence
  })
