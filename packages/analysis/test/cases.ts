/**
 * The spaces × noises the rule tables are tested on: every kind of space and every class of noise the
 * rules distinguish (density, Gumbel, bounded, half-bounded, no mean, atoms, mixed).
 */
import { Space } from "@perturb/core"
import { Noise, type NoiseLike } from "@perturb/noise"

export const spaces: ReadonlyArray<Space.Space> = [
  Space.reals(3),
  Space.pinned(3),
  Space.zeroSum(3),
  Space.affine({ C: [[1, -1, 0]], e: [0] }),
  Space.box(-1, 1, 3),
  Space.box([0, -Infinity, -Infinity], Infinity),
  Space.polyhedron({ A: [[1, -1, 0]], b: [0] }),
  Space.intersect(Space.pinned(3), Space.box(-2, 2, 3)),
  Space.pinned(2),
  Space.box([0, 0], [0.5, 1]),
  Space.affine({ C: [[1, 0], [0, 1]], e: [0, 0.5] })
]

export const noises = (d: number): ReadonlyArray<NoiseLike> => [
  Noise.independent(Array.from({ length: d }, (_, i) => (i === 1 ? Noise.discrete({ atoms: [0, 1] }) : Noise.normal()))),
  Noise.gumbel(),
  Noise.normal(),
  Noise.uniform(),
  Noise.exponential(),
  Noise.cauchy(),
  Noise.discrete({ atoms: [0, 1] }),
  Noise.discrete({ atoms: [0, 0.5, 2] })
]
