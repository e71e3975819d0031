/**
 * `@perturb/core`: a typed DSL for parameter spaces and perturbation models, compiled into tfjs
 * kernels (samples, exact probabilities, potentials, densities, the inverse map).
 *
 * @since 0.1.0
 */
export * as Space from "./Space.js"
export * as Model from "./Model.js"
export * as Lp from "./Lp.js"
export {
  compile,
  type EstimateOptions,
  exactProbs64,
  type IdentifyResult,
  type Kernels,
  klCategorical,
  type Method,
  type PotentialResult,
  type ProbsResult
} from "./Compile.js"
export { adam, FusedAdam } from "./Adam.js"
export { dense, type DenseOptions } from "./Dense.js"
export { gaussianArgmaxGrid, type GaussianArgmaxGridOptions } from "./GaussianArgmaxGrid.js"
export { gaussLegendre01 as gaussLegendre } from "./internal/gaussLegendre.js"
export { DimensionMismatch, EmptySpace, InvalidArgument, NoClosedForm, NotConverged, NotUnique } from "./Errors.js"
