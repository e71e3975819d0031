/**
 * `@perturb/analysis`: decides completeness, minimality and identifiability of Perturb-Softmax and
 * Perturb-Argmax models from the paper's results, with reasons and checkable witnesses, and shows
 * the decision as text or JSON.
 *
 * @since 0.1.0
 */
export { analyze, type AnalyzeOptions, type ModelChoice, type Properties, type Report } from "./Analyze.js"
export { type PropertiesJson, renderText, type ReportJson, toJSON, type VerdictJson } from "./Report.js"
export * as Verdict from "./Verdict.js"
export type { Evidence, Reason, Value, Witness } from "./Verdict.js"
