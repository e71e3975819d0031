/**
 * `analyze(space, noise, options)`: the exact decision of completeness, minimality and
 * identifiability of Perturb-Softmax and Perturb-Argmax on a parameter space, from the paper's
 * results (docs/math.md §3), with the reasons and, for every failure, a witness.
 *
 * Pure and synchronous: affine spaces are decided by closed forms and sparse linear algebra; a
 * polyhedron by one-variable LPs solved exactly and at most a few HiGHS LPs. Nothing is sampled and
 * nothing touches tfjs; numeric evidence is `confirm`'s job.
 *
 * Laws (tested): the verdicts do not depend on the temperature; every `fails` carries a witness; a
 * `TranslationPair` or `SaturatedPair` witness lies in Θ and gives equal probabilities; a `Kink`'s
 * one-sided derivatives are those of `compile(model).potential`.
 *
 * @since 0.1.0
 */
import { DimensionMismatch, InvalidArgument, type Solver, Space } from "@perturb/core"
import { optionsObject } from "./internal/checks.js"
import { spaceName } from "./internal/format.js"
import { Noise, type NoiseLike } from "@perturb/noise"
import { Result, Schema } from "effect"
import { noiseFacts } from "./internal/noise.js"
import { argmaxProperties, context, softmaxProperties } from "./rules/index.js"
import { checkPolytope, polytopeReport, solverName } from "./internal/polytope.js"
import type { Verdict } from "./Verdict.js"

/**
 * Which models to analyse.
 *
 * @example
 * import { analyze, type ModelChoice } from "@perturb/analysis"
 * import { Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const model: ModelChoice = "argmax"
 * analyze(Space.pinned(3), Noise.normal(), { model }).softmax // undefined: only argmax was asked for
 * @since 0.1.0
 * @category models
 */
export type ModelChoice = "softmax" | "argmax" | "both"

/**
 * @example
 * import { analyze, type AnalyzeOptions } from "@perturb/analysis"
 * import { Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const options: AnalyzeOptions = { model: "softmax", temperature: 0.5 }
 * analyze(Space.zeroSum(3), Noise.gumbel(), options)
 * @since 0.1.0
 * @category models
 */
export interface AnalyzeOptions {
  /** Which model kinds to analyse (default `"both"`). */
  readonly model?: ModelChoice
  /** Perturb-Softmax temperature (default 1). Validated; the verdicts do not depend on it (θ/τ and γ/τ keep every trait). */
  readonly temperature?: number
  /**
   * A linear solver (`Solver.topK(d, k)`, `Solver.ranks(d)`, `Solver.shortestPath(h, w)`, `Solver.lp(…)`):
   * analyse the perturbed optimizer P_σ(θ) = E[y*(θ + σγ)] over its polytope (docs/perturbed.md)
   * instead of the simplex. `Solver.argmax(d)` gives today's Perturb-Argmax verdicts. @since 0.3.0
   */
  readonly polytope?: Solver.Solver
  /** σ of the perturbed optimizer (default 1); only a discrete noise's kink witnesses depend on it. @since 0.3.0 */
  readonly sigma?: number
}

/**
 * The three verdicts of one model.
 *
 * @example
 * import { analyze, type Properties } from "@perturb/analysis"
 * import { Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const argmax: Properties | undefined = analyze(Space.pinned(3), Noise.normal()).argmax
 * argmax?.identifiable.verdict // "holds"
 * @since 0.1.0
 * @category models
 */
export interface Properties {
  /** Every distribution in the open simplex is P(θ) for some θ ∈ Θ. */
  readonly complete: Verdict
  /** No two θ ≠ θ′ in Θ differ by a constant vector c𝟙 (the translations P cannot see). */
  readonly minimal: Verdict
  /** P is one-to-one on Θ: complete and minimal spaces get a unique θ per p. */
  readonly identifiable: Verdict
}

/**
 * The result of `analyze`: what was analysed, and the properties of each requested model.
 *
 * @example
 * import { analyze, renderText, type Report } from "@perturb/analysis"
 * import { Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const report: Report = analyze(Space.reals(3), Noise.gumbel())
 * console.log(renderText(report)) // not minimal: θ + c𝟙, with a witness
 * @since 0.1.0
 * @category models
 */
export interface Report {
  /** d, the number of outcomes. */
  readonly dim: number
  /** The space analysed. */
  readonly space: Space.Space
  /** The space in words, for reports. */
  readonly spaceName: string
  /** The noise analysed. */
  readonly noise: NoiseLike
  /** The noise in words, for reports. */
  readonly noiseName: string
  /** τ of the Perturb-Softmax analysis (1 unless given). */
  readonly temperature: number
  /** The Perturb-Softmax verdicts, when that model was asked for. */
  readonly softmax?: Properties
  /** The Perturb-Argmax verdicts, when that model was asked for. */
  readonly argmax?: Properties
  /** The solver whose polytope was analysed (`options.polytope`). @since 0.3.0 */
  readonly solver?: Solver.Solver
  /** The polytope in words. @since 0.3.0 */
  readonly solverName?: string
  /** σ of the perturbed optimizer, when a polytope was analysed. @since 0.3.0 */
  readonly sigma?: number
  /** The perturbed optimizer's verdicts over the polytope (for `Solver.argmax(d)`, the Perturb-Argmax ones). @since 0.3.0 */
  readonly perturbed?: Properties
}

const ModelSchema = Schema.Literals(["softmax", "argmax", "both"])
const TemperatureSchema = Schema.Number.check(Schema.isFinite(), Schema.isGreaterThan(0))

const check = <A>(schema: Schema.Codec<A, A>, argument: string, value: unknown): A => {
  const result = Schema.decodeUnknownResult(schema)(value)
  if (Result.isFailure(result)) {
    const message = result.failure.message
    throw new InvalidArgument({ argument, value, reason: message.split("\n")[0] ?? message })
  }
  return result.success
}

/**
 * Decides completeness, minimality and identifiability of Perturb-Softmax and Perturb-Argmax with
 * `noise` on `space`. A scalar law means i.i.d. coordinates. Throws `InvalidArgument` for a bad
 * space, noise, model or temperature, and `DimensionMismatch` when a vector noise's dimension is not
 * the space's.
 *
 * @example
 * import { Solver, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * import { analyze } from "@perturb/analysis"
 * const report = analyze(Space.pinned(3), Noise.normal())
 * report.softmax?.minimal.verdict // "holds"
 * report.argmax?.complete.reasons[0]?.ref // "Theorem 5.1"
 * // Perturbed top-2 over the pinned space (docs/perturbed.md): complete, minimal, identifiable
 * analyze(Space.pinned(4), Noise.normal(), { polytope: Solver.topK(4, 2) }).perturbed?.minimal.verdict // "holds"
 * @since 0.1.0
 * @category constructors
 */
export const analyze = (space: Space.Space, noise: NoiseLike, options0?: AnalyzeOptions): Report => {
  if (!Space.isSpace(space)) throw new InvalidArgument({ argument: "space", value: space, reason: "Expected a Space (Space.pinned(3), …)" })
  if (!Noise.isNoise(noise)) throw new InvalidArgument({ argument: "noise", value: noise, reason: "Expected a noise law (Noise.normal(), Noise.iid(…), …)" })
  const d = space.dim
  const nd = Noise.dimOf(noise)
  if (nd !== undefined && nd !== d) throw new DimensionMismatch({ argument: "noise.dim", expected: d, received: nd })
  const options = optionsObject("options", options0)
  const model = check(ModelSchema, "options.model", options.model ?? "both")
  const temperature = check(TemperatureSchema, "options.temperature", options.temperature ?? 1)
  const polytope = checkPolytope(options.polytope, d)
  const sigma = check(TemperatureSchema, "options.sigma", options.sigma ?? 1)
  const facts = noiseFacts(noise, d)
  if (polytope !== undefined && polytope.kind !== "argmax") {
    if (options.model === "softmax") throw new InvalidArgument({ argument: "options.model", value: "softmax", reason: "Perturb-Softmax is defined on the simplex only: with a polytope, leave the model out (or argmax)" })
    return { dim: d, space, spaceName: spaceName(space), noise, noiseName: facts.name, temperature, ...polytopeReport(space, facts, polytope, sigma) }
  }
  const ctx = context(space, facts)
  const argmax = model === "softmax" && polytope === undefined ? undefined : argmaxProperties(ctx)
  return {
    dim: d,
    space,
    spaceName: spaceName(space),
    noise,
    noiseName: ctx.noise.name,
    temperature,
    ...(model === "argmax" ? {} : { softmax: softmaxProperties(ctx) }),
    ...(model === "softmax" || argmax === undefined ? {} : { argmax }),
    ...(polytope === undefined || argmax === undefined ? {} : { solver: polytope, solverName: solverName(polytope), sigma, perturbed: argmax })
  }
}
