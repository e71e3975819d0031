/**
 * The built-in choices of the explorer: spaces as `Space.fromJSON` input (so the JSON box shows
 * what each one is, and editing it is the way to a custom space) and the noise laws.
 */
import { Noise } from "@perturb/noise"

export type Dim = 2 | 3

const zeros = (d: Dim) => Array.from({ length: d }, () => 0)

/** Space presets by name, per dimension, in their JSON form. */
export const spaces: Record<string, (d: Dim) => unknown> = {
  "pinned (θ₀ = 0)": (d) => ({ _tag: "Pinned", dim: d, index: 0, value: 0 }),
  "reals": (d) => ({ _tag: "Reals", dim: d }),
  "zero-sum": (d) => ({ _tag: "ZeroSum", dim: d }),
  "box [−1, 1]^d": (d) => ({ _tag: "Box", dim: d, lo: -1, hi: 1 }),
  // θ₀ = θ₁: incomplete, its image is the median p₀ = p₁
  "affine θ₀ = θ₁": (d) => ({ _tag: "Affine", dim: d, C: [[1, -1, ...zeros(d).slice(2)]], e: [0] }),
  // θ_{d−1} = 0 and θ₀ (and θ₁) ≥ 0: a cone, so the image is part of the triangle
  "polyhedron (a cone)": (d) => d === 3
    ? { _tag: "Polyhedron", dim: 3, A: [[-1, 0, 0], [0, -1, 0]], b: [0, 0], C: [[0, 0, 1]], e: [0] }
    : { _tag: "Polyhedron", dim: 2, A: [[-1, 0]], b: [0], C: [[0, 1]], e: [0] }
}

/** The built-in noise laws (i.i.d. coordinates), by name. */
export const laws: Record<string, () => Noise.Law> = {
  "Gumbel": () => Noise.gumbel(),
  "Normal": () => Noise.normal(),
  "Logistic": () => Noise.logistic(),
  "Laplace": () => Noise.laplace(),
  "Cauchy": () => Noise.cauchy(),
  "Student t (ν = 3)": () => Noise.studentT({ df: 3 }),
  "Uniform[0, 1]": () => Noise.uniform(),
  "Exponential": () => Noise.exponential(),
  "discrete {0, 1}": () => Noise.discrete({ atoms: [0, 1] })
}
