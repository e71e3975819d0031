/**
 * `confirm(report, options)`: numeric evidence for every verdict of a report, computed with the
 * model kernels of `@perturb/core` — evidence, never proof, and never a replacement for the verdict:
 * each `Verdict` keeps its value and gains an `evidence` field saying whether the numbers agree
 * (`true`), contradict it (`false`, flagged loudly by `renderText`), or cannot tell
 * (`"inconclusive"`, always the case for `undecided` verdicts).
 *
 * What is computed (math.md §3, "Numeric confirmation"):
 * - **completeness** — targets `p` (Dirichlet(1) draws, near-vertex points, and for a failing
 *   verdict the witness's target and one pushed further out along its certificate) are fitted by
 *   `identify` where the space is affine, complete and minimal, otherwise by a batched
 *   Levenberg–Marquardt fit of `P(θ(u)) = p` over the free parameters `u`; the worst residual
 *   `‖P(θ*) − p‖₁` and its target are reported. With discrete noise `P` is piecewise constant,
 *   so `⟨p, θ⟩ − M(θ)` is maximised instead (golden-section along each free coordinate) and the
 *   residual is the largest ascent slope left at θ*, i.e. how far `p` is from `∂M(θ*)`;
 * - **minimality** — for a witness pair, `P(θ)` and `P(θ′)` evaluated with the same noise points;
 *   otherwise the smallest eigenvalue of the potential's Hessian (the Jacobian of `P`) restricted
 *   to the tangent space of Θ at a few points of Θ;
 * - **identifiability** — one-sided directional derivatives of `M` (or `F`) along each `e_j`:
 *   the limits `P_j(θ ± h e_j)` and potential difference quotients, at the witness kink or at
 *   sample points of Θ.
 *
 * Perturb-Softmax figures are QMC estimates with one fixed key (common random numbers, so the
 * estimated map is smooth and deterministic); each carries its standard error, from the scrambled
 * replicates (probabilities) or from independent keys (eigenvalues).
 *
 * Progress is reported through a callback (`onProgress`), called synchronously after each unit of
 * work with `{ phase, done, total }`, `done` non-decreasing and `total` fixed for the run: a plain
 * callback serves both the Effect and the Promise API, and needs no queue to be drained. The
 * work yields to the scheduler between units (each well under a second for d ≤ 4), where an
 * interruption takes effect.
 *
 * @since 0.1.0
 */
import { compile, InvalidArgument, type Kernels, Model, Space } from "@perturb/core"
import { Key, Random } from "@perturb/noise"
import { Cause, Data, Effect, Exit } from "effect"
import type { Properties, Report } from "./Analyze.js"
import { checkFunction, checkReport, optionsObject } from "./internal/checks.js"
import { atomsOf, noiseFacts } from "./internal/noise.js"
import {
  type Estimator,
  estimator,
  type FitState,
  l1,
  lmIteration,
  nextSize,
  probsSliced as slicedProbs,
  relative,
  restrict,
  startStates,
  sum,
  symmetricEigenvalues
} from "./internal/numeric.js"
import type { Agreement, Evidence, Verdict, Witness } from "./Verdict.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Progress {
  /** What runs now, e.g. `"argmax: completeness"`. */
  readonly phase: string
  readonly done: number
  readonly total: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ConfirmOptions {
  /**
   * Effort scale (default 1): 1 fits 3·budget Dirichlet targets plus d + 1 near-vertex targets
   * (and the witness's), checks max(2, 2·budget) points, and uses min(4096, 512·budget) QMC
   * points per Perturb-Softmax estimate; about a second per model for d ≤ 4 at budget 1.
   */
  readonly budget?: number
  /** Randomness of the targets, points and QMC scrambling (default `Key.make(0)`). */
  readonly key?: Key.Key
  readonly onProgress?: (progress: Progress) => void
}

/**
 * The Promise twin was aborted (its `AbortSignal` fired) before it finished.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConfirmInterrupted extends Data.TaggedError("ConfirmInterrupted")<{ readonly reason: string }> {
  override get message(): string {
    return `confirm was interrupted: ${this.reason}`
  }
}

// Thresholds, in the units of ‖·‖₁ on probabilities (or of eigenvalues relative to the largest).
const REACHED = 2e-3
const UNREACHED = 2e-2
const FIT_TOL = 1e-4
const MAX_LM = 60

type Which = "softmax" | "argmax"

interface Plan {
  readonly dirichlet: number
  readonly points: number
  readonly samples: number
}

const planOf = (budget: number): Plan => ({
  dirichlet: Math.max(1, Math.round(3 * budget)),
  points: Math.max(2, Math.round(2 * budget)),
  // More points past 4096 buy little (QMC error falls ~1/n) and make each step slow to interrupt.
  samples: Math.min(4096, Math.max(64, Math.round(512 * budget)))
})

const fmt = (x: number): string => {
  if (!Number.isFinite(x)) return String(x)
  if (x === 0) return "0"
  const a = Math.abs(x)
  return a >= 1e-3 && a < 1e5 ? String(Number(x.toPrecision(3))) : x.toExponential(2)
}
const vec = (x: ArrayLike<number>): string => `(${Array.from(x, fmt).join(", ")})`
const pm = (x: number, se: number | undefined): string => (se === undefined || se === 0 ? fmt(x) : `${fmt(x)} ± ${fmt(se)}`)

interface Tick {
  (phase: string, units: number): void
  /**
   * A yield point: lets an interrupt (AbortSignal, fiber interruption) take effect, and repeats the
   * last progress report when none was made for a while, so a long unit still shows life.
   */
  readonly pace: Effect.Effect<void>
}

/** Progress is repeated at least this often while work continues (CLI bars, ETA). */
const HEARTBEAT_MS = 250

/** `est.probs(rows)` in pieces of about SLICE_MS, yielding between them. */
const probsSliced = (est: Estimator, rows: ReadonlyArray<Float64Array>, tick: Tick) => slicedProbs(est, rows, tick.pace)

// ---------------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------------

interface Target {
  readonly p: Float64Array
  readonly label: string
}

const targetsFor = (d: number, plan: Plan, key: Key.Key): Array<Target> => {
  const out: Array<Target> = []
  const u = Random.uniform64(key, plan.dirichlet * d)
  for (let t = 0; t < plan.dirichlet; t++) {
    // Dirichlet(1, …, 1): normalised exponentials.
    const e = Float64Array.from({ length: d }, (_, i) => -Math.log(u[t * d + i]!))
    const s = sum(e)
    out.push({ p: e.map((x) => Math.max(x / s, 1e-4)).map((x, _, a) => x / sum(a)), label: "Dirichlet(1) draw" })
  }
  const vertex = (i: number, eps: number): Target => ({
    p: Float64Array.from({ length: d }, (_, j) => (j === i ? 1 - (d - 1) * eps : eps)),
    label: `near vertex e_${i} (ε = ${eps})`
  })
  for (let i = 0; i < d; i++) out.push(vertex(i, 1e-2))
  out.push(vertex(d - 1, 1e-3))
  return out
}

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

// ---------------------------------------------------------------------------------------------
// Completeness
// ---------------------------------------------------------------------------------------------

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

const completeness = (est: Estimator, ctx: ModelContext, verdict: Verdict, tick: Tick) =>
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
      summary: `${reached}/${outcomes.length} targets reached (${measure} ≤ ${REACHED}${ctx.discrete ? "" : ", every coordinate within 5%"}); worst ${measure} = ${pm(worst.residual, worst.se)}${ctx.discrete ? "" : `, largest relative error ${fmt(worst.relative)}`} at p = ${vec(worst.target.p)} (${worst.target.label}), θ* = ${vec(worst.theta)}`,
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

// ---------------------------------------------------------------------------------------------
// Minimality
// ---------------------------------------------------------------------------------------------

const pairOf = (w: Witness | undefined): { theta: ReadonlyArray<number>; thetaPrime: ReadonlyArray<number>; tag: string } | undefined =>
  w !== undefined && (w._tag === "TranslationPair" || w._tag === "SaturatedPair" || w._tag === "ConstantPair")
    ? { theta: w.theta, thetaPrime: w.thetaPrime, tag: w._tag }
    : undefined

const minimality = (est: Estimator, ctx: ModelContext, verdict: Verdict, tick: Tick) =>
  Effect.gen(function*() {
    const phase = `${ctx.which}: minimality`
    const pair = verdict.verdict === "fails" ? pairOf(verdict.witness) : undefined
    if (pair !== undefined) {
      yield* tick.pace
      const r = est.probs([pair.theta, pair.thetaPrime])
      const diff = l1(r.p[0]!, r.p[1]!)
      const se = r.se === undefined ? undefined : sum(r.se[0]) + sum(r.se[1])
      tick(phase, ctx.points.length)
      // Same noise points for both: a true pair gives equal estimates up to float32 rounding.
      const agrees: Agreement = diff <= 1e-4 ? true : diff > 1e-2 + 4 * (se ?? 0) ? false : "inconclusive"
      return {
        method: `the witness ${pair.tag} evaluated (probabilities ${est.label}${se === undefined ? "" : ", same noise points for both"})`,
        summary: `P(θ) = ${vec(r.p[0]!)}${r.se === undefined ? "" : ` ± ${vec(r.se[0]!)}`}, P(θ′) = ${vec(r.p[1]!)}${r.se === undefined ? "" : ` ± ${vec(r.se[1]!)}`}; ‖P(θ) − P(θ′)‖₁ = ${fmt(diff)} for θ = ${vec(pair.theta)} ≠ θ′ = ${vec(pair.thetaPrime)}`,
        agrees,
        values: { difference: diff, ...(se === undefined ? {} : { differenceStdError: se }) },
        at: Array.from(pair.theta)
      } satisfies Evidence
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
      const ev = symmetricEigenvalues(restrict(J.H, ctx.basis, d, k), k)
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
        vals.push(symmetricEigenvalues(restrict((yield* other.jacobian(at, tick.pace)).H, ctx.basis, d, k), k)[0]!)
      }
      const mean = sum(vals) / vals.length
      se = Math.sqrt(vals.reduce((s, v) => s + (v - mean) ** 2, 0) / (vals.length - 1) / vals.length)
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
      summary: `λ_min = ${pm(lmin, se)} at θ = ${vec(at)} (largest eigenvalue seen ${fmt(lmax)}): ${positive ? "strictly convex along Θ there" : zero ? "flat along Θ — P is not locally one-to-one" : "too small to tell"}`,
      agrees,
      values: { lambdaMin: lmin, lambdaMax: lmax, ...(se === undefined ? {} : { lambdaMinStdError: se }) },
      at: Array.from(at)
    } satisfies Evidence
  })

// ---------------------------------------------------------------------------------------------
// Identifiability
// ---------------------------------------------------------------------------------------------

const identifiability = (est: Estimator, ctx: ModelContext, verdict: Verdict, tick: Tick) =>
  Effect.gen(function*() {
    const phase = `${ctx.which}: identifiability`
    const d = est.d
    const potentialName = ctx.which === "softmax" ? "F" : "M"
    yield* tick.pace
    const w = verdict.witness
    if (w !== undefined && w._tag === "Kink") {
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
      tick(phase, 1)
      const matches = Math.abs(right - w.right) < 1e-2 && Math.abs(left - w.left) < 1e-2 &&
        Math.abs(qRight - w.right) < 1e-2 && Math.abs(qLeft - w.left) < 1e-2
      const agrees: Agreement = right - left > 1e-2 && matches ? true : Math.abs(right - left) < 1e-3 && Math.abs(qRight - qLeft) < 1e-3 ? false : "inconclusive"
      return {
        method: `one-sided derivatives of ${potentialName} along e_${j} at the witness kink (limits P_${j}(θ ± ${h}·e_${j}) and difference quotients of ${potentialName} with step ${h2})`,
        summary: `at θ = ${vec(w.theta)}: left ${fmt(left)} (quotient ${fmt(qLeft)}), right ${fmt(right)} (quotient ${fmt(qRight)}); the witness says [${fmt(w.left)}, ${fmt(w.right)}]`,
        agrees,
        values: { left, right, leftQuotient: qLeft, rightQuotient: qRight },
        at: Array.from(w.theta)
      } satisfies Evidence
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
      summary: `largest |P_j(θ + h e_j) − P_j(θ − h e_j)| = ${fmt(jump)}${se === undefined ? "" : ` (each P_j ± ${fmt(se)})`} at θ = ${vec(at)}: ${jump <= 1e-3 ? "no kink — P single-valued there" : jump > 1e-2 ? "a kink: ∂" + potentialName + " is not a single vector" : "unclear"}`,
      agrees,
      values: { largestJump: jump, ...(se === undefined ? {} : { probabilityStdError: se }) },
      at: Array.from(at)
    } satisfies Evidence
  })

// ---------------------------------------------------------------------------------------------

interface ModelContext {
  readonly which: Which
  readonly plan: Plan
  readonly key: Key.Key
  readonly targets: ReadonlyArray<Target>
  readonly points: ReadonlyArray<Float64Array>
  readonly basis: Float64Array
  readonly identifiable: boolean
  readonly discrete: boolean
}

const withEvidence = (v: Verdict, evidence: Evidence): Verdict => ({ ...v, evidence })

const failedEvidence = (what: string, e: unknown): Evidence => ({
  method: what,
  summary: `no numeric evidence: ${e instanceof Error ? e.message : String(e)}`,
  agrees: "inconclusive"
})

const confirmModel = (report: Report, which: Which, props: Properties, plan: Plan, key: Key.Key, tick: Tick) =>
  Effect.gen(function*() {
    const d = report.dim
    const model = which === "softmax"
      ? Model.perturbSoftmax({ space: report.space, noise: report.noise, temperature: report.temperature })
      : Model.perturbArgmax({ space: report.space, noise: report.noise })
    const kernels: Kernels = compile(model)
    const [kTargets, kEst, kPoints] = Key.split(key, 3) as [Key.Key, Key.Key, Key.Key]
    const est = estimator(kernels, which === "softmax", plan.samples, kEst)
    const facts = noiseFacts(report.noise, d)
    const discrete = which === "argmax" && facts.laws.every((l) => atomsOf(l) !== undefined)
    const hull = Space.affineHull(report.space)
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
      discrete
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

const checkBudget = (budget: unknown): number => {
  if (typeof budget !== "number" || !Number.isFinite(budget) || !(budget > 0) || budget > 1000) {
    throw new InvalidArgument({ argument: "options.budget", value: budget, reason: "Expected a finite number in (0, 1000]" })
  }
  return budget
}

/**
 * Numeric evidence for every verdict of `report`, as an interruptible `Effect`: the same report with
 * an `evidence` field on each verdict. Verdicts are never changed. Fails with `InvalidArgument`
 * for a bad budget or key; a property whose numbers cannot be computed (e.g. a kernel without the
 * needed method) gets `agrees: "inconclusive"` evidence saying why, rather than failing the run.
 *
 * @example
 * import { Effect } from "effect"
 * import { Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * import { analyze, confirm, renderText } from "@perturb/analysis"
 * const report = analyze(Space.pinned(3), Noise.normal())
 * const confirmed = await Effect.runPromise(confirm(report, { onProgress: (p) => console.log(p.phase, p.done, p.total) }))
 * console.log(renderText(confirmed))
 * @since 0.1.0
 * @category constructors
 */
export const confirm = (report: Report, options0?: ConfirmOptions): Effect.Effect<Report, InvalidArgument> =>
  Effect.gen(function*() {
    const [options, budget] = yield* Effect.try({
      try: () => {
        checkReport(report)
        const options = optionsObject("options", options0)
        checkFunction("options.onProgress", options.onProgress)
        return [options, checkBudget(options.budget ?? 1)] as const
      },
      catch: (e) => e as InvalidArgument
    })
    const key = options.key ?? Key.make(0)
    if (!Key.isKey(key)) return yield* Effect.fail(new InvalidArgument({ argument: "options.key", value: key, reason: "Expected a Key (Key.make(seed))" }))
    const plan = planOf(budget)
    const d = report.dim
    const nTargets = plan.dirichlet + d + 1
    const perModel = (p: Properties | undefined) =>
      p === undefined
        ? 0
        : nTargets + (p.complete.witness?._tag === "OutsideImage" ? 2 : p.complete.witness?._tag === "UnreachableTarget" ? 1 : 0) + plan.points + 1
    const total = perModel(report.softmax) + perModel(report.argmax)
    let done = 0
    // Until the first unit finishes, the heartbeat repeats "started, nothing done yet".
    let last: Progress = { phase: "start", done: 0, total }
    let lastAt = performance.now()
    const emit = (progress: Progress) => {
      last = progress
      lastAt = performance.now()
      options.onProgress?.(progress)
    }
    const tick: Tick = Object.assign((phase: string, units: number) => {
      done = Math.min(total, done + units)
      emit({ phase, done, total })
    }, {
      pace: Effect.suspend(() => {
        if (performance.now() - lastAt >= HEARTBEAT_MS) emit(last)
        return Effect.yieldNow
      })
    })
    const [kSoft, kArg] = Key.split(key, 2) as [Key.Key, Key.Key]
    const softmax = report.softmax === undefined ? undefined : yield* confirmModel(report, "softmax", report.softmax, plan, kSoft, tick)
    const argmax = report.argmax === undefined ? undefined : yield* confirmModel(report, "argmax", report.argmax, plan, kArg, tick)
    if (done < total) tick("done", total - done)
    return { ...report, ...(softmax === undefined ? {} : { softmax }), ...(argmax === undefined ? {} : { argmax }) }
  })

/**
 * The Promise twin of `confirm`. Rejects with `InvalidArgument` for bad options, and with
 * `ConfirmInterrupted` when `options.signal` aborts (the computation stops at its next yield
 * point, well under a second for d ≤ 4).
 *
 * @example
 * import { Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * import { analyze, confirmPromise } from "@perturb/analysis"
 * const controller = new AbortController()
 * const confirmed = await confirmPromise(analyze(Space.pinned(3), Noise.normal()), { signal: controller.signal }, (p) => console.log(p.done, p.total))
 * @since 0.1.0
 * @category constructors
 */
export const confirmPromise = async (
  report: Report,
  options?: ConfirmOptions & { readonly signal?: AbortSignal },
  onProgress?: (progress: Progress) => void
): Promise<Report> => {
  checkReport(report)
  const { signal, ...rest } = optionsObject("options", options)
  checkFunction("onProgress", onProgress)
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidArgument({ argument: "options.signal", value: signal, reason: "Expected an AbortSignal (new AbortController().signal)" })
  }
  const callback = onProgress ?? rest.onProgress
  if (signal?.aborted === true) throw new ConfirmInterrupted({ reason: "the signal was aborted before the start" })
  const exit = await Effect.runPromiseExit(confirm(report, callback === undefined ? rest : { ...rest, onProgress: callback }), signal === undefined ? undefined : { signal })
  if (Exit.isSuccess(exit)) return exit.value
  if (Cause.hasInterruptsOnly(exit.cause)) throw new ConfirmInterrupted({ reason: "the signal was aborted" })
  throw Cause.squash(exit.cause)
}
