/**
 * The `Noise` namespace: every law constructor, vector noise and sampler in one place, so users
 * write `Noise.normal()`, `Noise.iid(Noise.gumbel(), 10)`, `Noise.sample(law, key, n)`.
 *
 * @since 0.1.0
 */
export { custom, type CustomOptions } from "./Custom.js"
export { isLaw, type Law, type LawJson, type LawOf, type LawSpec, type LawTag, type ParamsByTag, sameLaw } from "./Law.js"
// Every built-in law's constructor (`gumbel`, `normal`, …), declared one per law there.
export * from "./internal/laws.js"
export { fromJSON, lawFromJSON, toJSON } from "./Json.js"
export { sample, sample32, sampleVector, sampleVector32 } from "./Sample.js"
export {
  dimOf,
  type Gaussian,
  gaussian,
  type IID,
  iid,
  independent,
  type Independent,
  independentMarginals,
  isNoise,
  marginal,
  type Noise,
  type NoiseJson,
  type VectorNoise,
  type VectorNoiseJson
} from "./Vector.js"
export { argmaxOneToOneSide, isBounded, positiveTail, realLine, type Differentiability, type Support, type Tail, type Traits } from "./Traits.js"
