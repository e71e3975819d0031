/**
 * `@perturb/analysis`: decides completeness, minimality and identifiability of Perturb-Softmax and
 * Perturb-Argmax models from the paper's results, with reasons and checkable witnesses; confirms
 * the verdicts numerically; and shows them as text, JSON and pictures.
 *
 * @since 0.1.0
 */
export { analyze, type AnalyzeOptions, type ModelChoice, type Properties, type Report } from "./Analyze.js"
export { confirm, ConfirmInterrupted, type ConfirmOptions, confirmPromise, type Progress } from "./Confirm.js"
export { disagreements, type PropertiesJson, renderText, type ReportJson, toJSON, type VerdictJson } from "./Report.js"
export * as Verdict from "./Verdict.js"
export type { Agreement, Evidence, Reason, Value, Witness } from "./Verdict.js"
export {
  coverage,
  type CurvesOptions,
  type Picture,
  type PictureSpec,
  renderPicture,
  renderProbabilityCurves,
  renderSimplexImage,
  type SimplexImage,
  simplexImage,
  type SimplexImageOptions,
  svgToPng
} from "./Pictures.js"
