/**
 * The exact Perturb-Argmax numerics now live by family under `../methods/` (gumbel, independent,
 * gaussian, discrete). This re-export keeps `normalArgmax.ts`, which is being moved to
 * `methods/normal/` at the same time, compiling until its imports point there.
 */
export { argmaxDiscrete, argmaxDiscreteDirectional } from "../methods/discrete.js"
export { argmaxGaussian, argmaxGaussianJacobian, type GaussianArgmaxOptions, type GaussianArgmaxResult } from "../methods/gaussian.js"
export { argmaxGumbel } from "../methods/gumbel.js"
export { argmaxHessianDiagonal, argmaxIndependent, argmaxJacobian, argmaxJvp } from "../methods/independent.js"
export type { ArgmaxResult, QuadratureOptions } from "../methods/shared.js"
