/**
 * Which noise the fused kernels (WebAssembly, internal/fused.ts; WGSL, gpu/) draw themselves: i.i.d.
 * coordinates (or independent ones with one law) of a law whose quantile has a closed form there.
 * Both kernels number the laws alike and take two float32 parameters.
 *
 * @internal
 */
import { type Law, Noise, type NoiseLike } from "@perturb/noise"

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

const sameLaw = (a: Law, b: Law): boolean => a === b || (a._tag === b._tag && JSON.stringify(a.params) === JSON.stringify(b.params))

/** The kernel law of `noise` in d coordinates, or why there is none (a phrase for an error message). */
export const kernelLaw = (noise: NoiseLike, d: number): KernelLaw | string => {
  const laws = Noise.independentMarginals(noise, d)
  if (laws === undefined) return "correlated Gaussian noise"
  const first = laws[0]
  if (first === undefined) return "no coordinates"
  if (!laws.every((l) => sameLaw(l, first))) return "coordinates follow different laws"
  if (!(first._tag in LAW_IDS)) return `${first._tag} noise has no closed-form quantile kernel`
  const id = LAW_IDS[first._tag as KernelLawName]
  const p = first.params as Readonly<Record<string, number>>
  switch (first._tag) {
    case "Normal":
      return { id, p0: p.mean!, p1: p.sd! }
    case "Uniform":
      return { id, p0: p.a!, p1: p.b! }
    case "Exponential":
      return { id, p0: p.rate!, p1: 0 }
    default:
      return { id, p0: p.loc!, p1: p.scale! }
  }
}
