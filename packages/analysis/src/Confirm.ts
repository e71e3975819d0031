/**
 * `confirm(report, options)`: numeric evidence for every verdict of a report, computed with the
 * model kernels of `@perturb/core` — evidence, never proof, and never a replacement for the verdict:
 * each `Verdict` keeps its value and gains an `evidence` field saying whether the numbers agree
 * (`true`), contradict it (`false`, flagged loudly by `renderText`), or cannot tell
 * (`"inconclusive"`, always the case for `undecided` verdicts).
 *
 * What is computed (docs/math.md §3, "Numeric confirmation"):
 * - **completeness** — targets `p` (Dirichlet(1) draws, near-vertex points, and for a failing
 *   verdict the witness's target and one pushed further out along its certificate) are fitted by
 *   `identify` where the space is affine, complete and minimal, otherwise by a batched
 *   Levenberg–Marquardt fit of `P(θ(u)) = p` over the free parameters `u`, started inside the
 *   region where P moves (bounded supports saturate: `confirm/start.ts`); the worst residual
 *   `‖P(θ*) − p‖₁` (with max |log P − log p|) and its target are reported. With atoms in the noise
 *   (discrete or mixed laws, through the exact method the kernels state) `P` jumps, so
 *   `⟨p, θ⟩ − M(θ)` is maximised instead (golden sections) and the residual is the distance in the
 *   simplex from `p` to the closest point of `∂M(θ*)` (an LP over the limits of P at θ*). A target
 *   counts as reached only by such a distance, never by slopes along Θ (a single point has none);
 * - **minimality** — for a witness pair, `P(θ)` and `P(θ′)` evaluated with the same noise points;
 *   otherwise the smallest eigenvalue of the potential's Hessian (the Jacobian of `P`) restricted
 *   to the tangent space of Θ at a few points of Θ;
 * - **identifiability** — one-sided directional derivatives of `M` (or `F`) along each `e_j`:
 *   the limits `P_j(θ ± h e_j)` and potential difference quotients, at the witness kink or at
 *   sample points of Θ.
 *
 * Each property's evidence is its own module (`confirm/completeness.ts`, `confirm/minimality.ts`,
 * `confirm/identifiability.ts`); `confirm/model.ts` compiles the model once and reads its stated
 * capabilities (whether `identify` applies, which method is exact, which has a gradient).
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
import { InvalidArgument } from "@perturb/core"
import { Key } from "@perturb/noise"
import { Cause, Data, Effect, Exit } from "effect"
import type { Properties, Report } from "./Analyze.js"
import { checkFunction, checkReport, optionsObject } from "./internal/checks.js"
import { planOf, type Tick } from "./confirm/context.js"
import { confirmModel } from "./confirm/model.js"
import { confirmPolytope } from "./confirm/polytope.js"

/**
 * @example
 * import type { Progress } from "@perturb/analysis"
 * const show = (p: Progress) => console.log(`${p.phase}: ${p.done}/${p.total}`)
 * @since 0.1.0
 * @category models
 */
export interface Progress {
  /** What runs now, e.g. `"argmax: completeness"`. */
  readonly phase: string
  /** Steps of this phase finished. */
  readonly done: number
  /** Steps of this phase in all. */
  readonly total: number
}

/**
 * @example
 * import { analyze, type ConfirmOptions, confirmPromise } from "@perturb/analysis"
 * import { Space } from "@perturb/core"
 * import { Key, Noise } from "@perturb/noise"
 * const options: ConfirmOptions = { budget: 0.25, key: Key.make(1) }
 * await confirmPromise(analyze(Space.pinned(2), Noise.gumbel(), { model: "argmax" }), options)
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
  /** Called as work advances, e.g. to drive a progress bar. */
  readonly onProgress?: (progress: Progress) => void
}

/**
 * The Promise twin was aborted (its `AbortSignal` fired) before it finished.
 *
 * @example
 * import { ConfirmInterrupted } from "@perturb/analysis"
 * const onFailure = (e: unknown) => (e instanceof ConfirmInterrupted ? `stopped: ${e.reason}` : String(e))
 * @since 0.1.0
 * @category errors
 */
export class ConfirmInterrupted extends Data.TaggedError("ConfirmInterrupted")<{
  /** Why the run stopped. */
  readonly reason: string
}> {
  /** The error as one sentence with the reason. */
  override get message(): string {
    return `confirm was interrupted: ${this.reason}`
  }
}

/** Progress is repeated at least this often while work continues (CLI bars, ETA). */
const HEARTBEAT_MS = 250

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
    // A polytope other than the simplex: three Monte Carlo checks (confirm/polytope.ts).
    const polytope = report.perturbed !== undefined && report.perturbed !== report.argmax ? report.perturbed : undefined
    const total = perModel(report.softmax) + perModel(report.argmax) + (polytope === undefined ? 0 : 3)
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
    const perturbed = polytope === undefined ? undefined : yield* confirmPolytope(report, polytope, 8 * plan.samples, Key.fold(key, 14), tick)
    if (done < total) tick("done", total - done)
    return {
      ...report,
      ...(softmax === undefined ? {} : { softmax }),
      ...(argmax === undefined ? {} : { argmax }),
      // The simplex's perturbed verdicts are its argmax ones, evidence included.
      ...(perturbed !== undefined ? { perturbed } : report.perturbed === undefined || argmax === undefined ? {} : { perturbed: argmax })
    }
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
