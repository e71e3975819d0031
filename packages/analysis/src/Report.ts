/**
 * Showing a report: `renderText` for a person (verdict, rule, condition, witness — readable in ten
 * seconds) and `toJSON` for scripts, exactly the `analyze --json` contract of docs/architecture.md:
 * `{ "softmax"?: Properties, "argmax"?: Properties }`, `Properties = { complete, minimal, identifiable }`,
 * `Verdict = { verdict, reasons: [{ ref, text }], witness?, evidence? }`, numbers as plain JSON numbers.
 *
 * @since 0.1.0
 */
import type { Properties, Report } from "./Analyze.js"
import type { Evidence, Reason, Value, Verdict, Witness } from "./Verdict.js"
import { checkReport } from "./internal/checks.js"
import { fmt, polytope, show } from "./internal/format.js"

/**
 * @example
 * import { analyze, toJSON, type VerdictJson } from "@perturb/analysis"
 * import { Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const v: VerdictJson | undefined = toJSON(analyze(Space.pinned(3), Noise.normal())).argmax?.complete
 * @since 0.1.0
 * @category models
 */
export interface VerdictJson {
  /** As `Verdict.verdict`. */
  readonly verdict: Value
  /** As `Verdict.reasons`. */
  readonly reasons: ReadonlyArray<Reason>
  /** As `Verdict.witness`. */
  readonly witness?: Witness
  /** As `Verdict.evidence`. */
  readonly evidence?: Evidence
}

/**
 * @example
 * import { analyze, type PropertiesJson, toJSON } from "@perturb/analysis"
 * import { Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const p: PropertiesJson | undefined = toJSON(analyze(Space.pinned(3), Noise.normal())).argmax
 * @since 0.1.0
 * @category models
 */
export interface PropertiesJson {
  /** As `Properties.complete`. */
  readonly complete: VerdictJson
  /** As `Properties.minimal`. */
  readonly minimal: VerdictJson
  /** As `Properties.identifiable`. */
  readonly identifiable: VerdictJson
}

/**
 * @example
 * import { analyze, type ReportJson, toJSON } from "@perturb/analysis"
 * import { Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const json: ReportJson = toJSON(analyze(Space.pinned(3), Noise.normal()))
 * JSON.stringify(json) // plain data: no classes, no functions
 * @since 0.1.0
 * @category models
 */
export interface ReportJson {
  /** The Perturb-Softmax verdicts, when analysed. */
  readonly softmax?: PropertiesJson
  /** The Perturb-Argmax verdicts, when analysed. */
  readonly argmax?: PropertiesJson
  /** The perturbed optimizer's verdicts over a polytope, when one was analysed. @since 0.3.0 */
  readonly perturbed?: PropertiesJson
}

// JSON has no -0, NaN or infinities: -0 is written 0, and a non-finite number (never produced by
// analyze's witnesses, but evidence may hold one) becomes null rather than an invalid document.
const typedArray = (x: unknown): x is ArrayLike<number | bigint> => ArrayBuffer.isView(x) && !(x instanceof DataView)

const plain = (x: unknown): unknown => {
  if (typeof x === "number") return Number.isFinite(x) ? (Object.is(x, -0) ? 0 : x) : null
  if (typedArray(x)) return Array.from(x, plain)
  if (Array.isArray(x)) return x.map(plain)
  if (typeof x === "object" && x !== null) {
    return Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined).map(([k, v]) => [k, plain(v)]))
  }
  return x
}

const verdictJson = (v: Verdict): VerdictJson => plain({
  verdict: v.verdict,
  reasons: v.reasons.map((r) => ({ ref: r.ref, text: r.text })),
  witness: v.witness,
  evidence: v.evidence
}) as VerdictJson

const propertiesJson = (p: Properties): PropertiesJson => ({
  complete: verdictJson(p.complete),
  minimal: verdictJson(p.minimal),
  identifiable: verdictJson(p.identifiable)
})

/**
 * The report as the `analyze --json` document (a plain object; `JSON.stringify` it).
 *
 * @example
 * import { Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * import { analyze, toJSON } from "@perturb/analysis"
 * JSON.stringify(toJSON(analyze(Space.pinned(3), Noise.normal(), { model: "argmax" })))
 * // {"argmax":{"complete":{"verdict":"holds","reasons":[…]}, …}}
 * @since 0.1.0
 * @category models
 */
export const toJSON = (report: Report): ReportJson => (checkReport(report), {
  ...(report.softmax === undefined ? {} : { softmax: propertiesJson(report.softmax) }),
  ...(report.argmax === undefined ? {} : { argmax: propertiesJson(report.argmax) }),
  ...(report.perturbed === undefined ? {} : { perturbed: propertiesJson(report.perturbed) })
})

const num = fmt
const vec = (xs: ReadonlyArray<number>): string => show(xs, 8)

const witnessText = (w: Witness): string => {
  switch (w._tag) {
    case "TranslationPair":
      return `θ = ${vec(w.theta)}, θ′ = θ + ${num(w.c)}·𝟙 = ${vec(w.thetaPrime)}: equal probabilities`
    case "LinealityPair":
      return `θ = ${vec(w.theta)}, θ′ = θ + u = ${vec(w.thetaPrime)} with u = ${vec(w.u)} ∈ L: equal probabilities`
    case "SaturatedPair":
      return `θ = ${vec(w.theta)}, θ′ = ${vec(w.thetaPrime)}: both P = e_${w.winner}`
    case "ConstantPair":
      return `θ = ${vec(w.theta)}, θ′ = ${vec(w.thetaPrime)}: equal probabilities`
    case "UnreachableTarget":
      return `p = ${vec(w.p)} is reached by no θ ∈ Θ (distance ≥ ${num(w.distance)})`
    case "OutsideImage":
      return `P(θ*) for θ* = ${vec(w.thetaStar)}${w.p === undefined ? "" : ` = ${vec(w.p)}`} is reached by no θ ∈ Θ (a·θ* = ${num(w.value)} > ${num(w.bound)} ≥ a·θ on Θ, a = ${vec(w.normal)})`
    case "Kink":
      return `at θ = ${vec(w.theta)}${w.potential === undefined ? "" : ` (M = ${num(w.potential)})`}: ∂M/∂θ_${w.coordinate} from the left ${num(w.left)}, from the right ${num(w.right)}${w.subdifferential === undefined ? "" : `; ∂M(θ) is ${polytope(w.subdifferential)}`}`
  }
}

const mark = (v: Value): string => (v === "holds" ? "✓ holds    " : v === "fails" ? "✗ fails    " : "? undecided")

const section = (title: string, p: Properties): Array<string> => {
  const lines = [title]
  for (const key of ["complete", "minimal", "identifiable"] as const) {
    const v = p[key]
    const [first, ...rest] = v.reasons
    lines.push(`  ${key.padEnd(13)}${mark(v.verdict)}  ${first === undefined ? "" : `${first.ref}: ${first.text}`}`)
    for (const r of rest) lines.push(`${" ".repeat(28)}${r.ref}: ${r.text}`)
    if (v.witness !== undefined) lines.push(`${" ".repeat(28)}witness: ${witnessText(v.witness)}`)
    if (v.evidence !== undefined) {
      const e = v.evidence
      const agreement = e.agrees === true ? "✓ agrees" : e.agrees === false ? "✗ DISAGREES WITH THE VERDICT" : "? inconclusive"
      lines.push(`${" ".repeat(28)}evidence (numeric, not a proof) ${agreement}: ${e.summary}`)
      lines.push(`${" ".repeat(30)}method: ${e.method}`)
    }
  }
  return lines
}

/**
 * The verdicts whose numeric evidence contradicts them, as `"model.property"` names.
 *
 * @example
 * import { Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * import { analyze, disagreements } from "@perturb/analysis"
 * disagreements(analyze(Space.pinned(3), Noise.normal())) // [] (no evidence yet)
 * @since 0.1.0
 * @category models
 */
export const disagreements = (report: Report): Array<string> => {
  checkReport(report)
  const out: Array<string> = []
  for (const [name, p] of [["softmax", report.softmax], ["argmax", report.argmax], ["perturbed", report.perturbed === report.argmax ? undefined : report.perturbed]] as const) {
    if (p === undefined) continue
    for (const key of ["complete", "minimal", "identifiable"] as const) if (p[key].evidence?.agrees === false) out.push(`${name}.${key}`)
  }
  return out
}

/**
 * The report as text for a terminal: one line per property with its verdict and deciding result,
 * the further conditions indented below it, and the witness of every failure.
 *
 * @example
 * import { Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * import { analyze, renderText } from "@perturb/analysis"
 * console.log(renderText(analyze(Space.pinned(2), Noise.discrete({ atoms: [0, 1] }), { model: "argmax" })))
 * @since 0.1.0
 * @category models
 */
export const renderText = (report: Report): string => {
  checkReport(report)
  const lines = [`space ${report.spaceName} (d = ${report.dim}), noise ${report.noiseName}`]
  const conflicts = disagreements(report)
  // A contradiction between numbers and a theorem is never silent: it heads the report.
  if (conflicts.length > 0) {
    lines.push(`!!! NUMERIC EVIDENCE DISAGREES with ${conflicts.length} verdict${conflicts.length === 1 ? "" : "s"} (${conflicts.join(", ")}); the verdicts stand as decided — check the evidence lines marked ✗`)
  }
  if (report.softmax !== undefined) lines.push(...section(`Perturb-Softmax (τ = ${num(report.temperature)})`, report.softmax))
  if (report.argmax !== undefined) lines.push(...section("Perturb-Argmax", report.argmax))
  if (report.perturbed !== undefined && report.perturbed !== report.argmax) {
    lines.push(...section(`Perturbed optimizer over ${report.solverName ?? "a polytope"} (σ = ${num(report.sigma ?? 1)})`, report.perturbed))
  }
  return lines.join("\n")
}
