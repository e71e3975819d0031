/**
 * `@perturb/noise`: noise laws with their statistical traits, float64 numerics, and counter-based
 * randomness (Philox-4x32-10 keys, uniforms, normals, scrambled Sobol points).
 *
 * @since 0.1.0
 */
export * as Noise from "./Noise.js"
export * as Key from "./Key.js"
export * as Random from "./Random.js"
export * as Sobol from "./Sobol.js"
export * as Numeric from "./Numeric.js"
export { formatValue, InvalidParameter, TraitMismatch } from "./Errors.js"
export type { Law } from "./Law.js"
export type { Gaussian, IID, Independent, Noise as NoiseLike, VectorNoise } from "./Vector.js"
export type { Traits } from "./Traits.js"
