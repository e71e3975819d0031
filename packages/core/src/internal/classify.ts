/**
 * Which exact machinery a noise law admits, decided once per compiled model:
 * i.i.d. Gumbel (closed forms), independent continuous laws (1-D quadrature), independent
 * discrete laws (enumeration), or a correlated Gaussian (Genz's method).
 */
import { type Gaussian, type Law, Noise, type NoiseLike } from "@perturb/noise"
import { InvalidArgument } from "../Errors.js"

export type NoiseClass =
  | { readonly _tag: "Gumbel"; readonly loc: number; readonly scale: number }
  | { readonly _tag: "Continuous"; readonly laws: ReadonlyArray<Law> }
  | { readonly _tag: "Discrete"; readonly laws: ReadonlyArray<Law> }
  | { readonly _tag: "Correlated"; readonly gaussian: Gaussian }
  | { readonly _tag: "Mixed"; readonly laws: ReadonlyArray<Law> }

export const classify = (noise: NoiseLike, d: number): NoiseClass => {
  const laws = Noise.independentMarginals(noise, d)
  if (laws === undefined) {
    // Only a Gaussian with off-diagonal covariance has no independent marginals.
    if (Noise.isLaw(noise) || noise._tag !== "Gaussian") {
      throw new InvalidArgument({ argument: "noise", value: String(noise), reason: "Expected independent marginals or a Gaussian" })
    }
    return { _tag: "Correlated", gaussian: noise }
  }
  const first = laws[0]!
  if (first._tag === "Gumbel" && laws.every((l) => Noise.sameLaw(l, first))) {
    const { loc, scale } = first.params
    return { _tag: "Gumbel", loc, scale }
  }
  if (laws.every((l) => l.traits.kind === "discrete")) return { _tag: "Discrete", laws }
  if (laws.every((l) => l.traits.kind === "continuous")) return { _tag: "Continuous", laws }
  return { _tag: "Mixed", laws }
}
