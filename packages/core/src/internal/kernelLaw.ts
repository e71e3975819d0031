/**
 * Which noise the fused kernels (WebAssembly, internal/fused.ts; WGSL, gpu/) draw themselves: i.i.d.
 * coordinates (or independent ones with one law) of a law whose quantile has a closed form there.
 * Both kernels number the laws alike and take two float32 parameters.
 *
 * @internal
 */
import { Noise, type NoiseLike } from "@perturb/noise"

/** The laws the kernels implement, with their branch index in perturb.c and the WGSL. */
export const LAW_IDS = {
  Gumbel: 0,
  Normal: 1,
  Logistic: 2,
  Laplace: 3,
  Cauchy: 4,
  Uniform: 5,
  Exponential: 6
} as const

export type KernelLawName = keyof typeof LAW_IDS

/** The kernel's law index and its two parameters. */
export interface KernelLaw {
  readonly id: number
  readonly p0: number
  readonly p1: number
}

/** The kernel law of `noise` in d coordinates, or why there is none (a phrase for an error message). */
export const kernelLaw = (noise: NoiseLike, d: number): KernelLaw | string => {
  const laws = Noise.independentMarginals(noise, d)
  if (laws === undefined) return "correlated Gaussian noise"
  const first = laws[0]
  if (first === undefined) return "no coordinates"
  if (!laws.every((l) => Noise.sameLaw(l, first))) return "coordinates follow different laws"
  switch (first._tag) {
    case "Normal":
      return { id: LAW_IDS.Normal, p0: first.params.mean, p1: first.params.sd }
    case "Uniform":
      return { id: LAW_IDS.Uniform, p0: first.params.a, p1: first.params.b }
    case "Exponential":
      return { id: LAW_IDS.Exponential, p0: first.params.rate, p1: 0 }
    case "Gumbel":
    case "Logistic":
    case "Laplace":
    case "Cauchy":
      return { id: LAW_IDS[first._tag], p0: first.params.loc, p1: first.params.scale }
    default:
      return `${first._tag} noise has no closed-form quantile kernel`
  }
}
