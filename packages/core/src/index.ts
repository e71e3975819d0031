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
  type ArgmaxMethodCapabilities,
  type Availability,
  type Capabilities,
  compile,
  type EstimateOptions,
  type IdentifyResult,
  type Kernels,
  type Method,
  type MethodCapabilities,
  type MethodCapability,
  type PotentialResult,
  type ProbsResult,
  type Refusal,
  type SoftmaxMethodCapabilities
} from "./Compile.js"
export { exactJvp64, exactPotential64, exactProbs64 } from "./Exact64.js"
export { klCategorical } from "./Kl.js"
export { adam, FusedAdam } from "./Adam.js"
export { dense, type DenseOptions } from "./Dense.js"
export { gaussianArgmaxGrid, type GaussianArgmaxGridOptions, normalArgmaxGrid, type NormalArgmaxGridOptions } from "./GaussianArgmaxGrid.js"
export { gaussLegendre01 as gaussLegendre } from "./internal/gaussLegendre.js"
export { DimensionMismatch, EmptySpace, InvalidArgument, NoClosedForm, NotConverged, NotUnique } from "./Errors.js"
