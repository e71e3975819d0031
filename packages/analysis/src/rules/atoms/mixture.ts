/**
 * Perturb-Argmax with atoms (issue #13, class 4), beyond the paper: independent coordinates, each
 * either discrete (finitely many atoms) or continuous with a positive density on all of ℝ — the
 * "mixtures" of atoms and densities across coordinates, all-discrete noise included.
 *
 * The facts the decisions rest on (each reason states the one it uses):
 * - `∂M(θ) = E conv{e_i : i ∈ argmax(θ+γ)}` (subdifferential of an expectation of finite convex
 *   functions). A tie has positive probability only between two discrete coordinates, `θ_i + a =
 *   θ_j + b = L` (atoms `a`, `b`), and it is at the maximum with positive probability iff every
 *   other discrete coordinate can lie at or below `L` (`θ_k + lo_k ≤ L`); continuous coordinates of
 *   full support always can. These "active" pieces of the kink hyperplanes `θ_i − θ_j = b − a` are
 *   where `∂M` is not one vector; its vertices are `P_σ(θ)`, the probabilities with ties broken by
 *   a priority order σ.
 * - `M` is affine on a segment `[θ, θ + u]` iff for almost every γ one index is a maximiser along the
 *   whole segment. Near a point, that forces `u_i = u_j` along every edge of the graph G(θ): two
 *   continuous coordinates; a continuous and a discrete coordinate that is not *dead* (dead: some
 *   other discrete coordinate is surely above it, `θ_k″ + lo_k″ > θ_k + hi_k`); an active tie.
 *   With a continuous coordinate, G(θ) is one component plus the dead coordinates as singletons.
 * - Two points share a subgradient iff `M` is affine on the segment between them (and then every
 *   point inside it has the same `∂M`): so minimality ⇔ no segment of Θ on which `M` is affine.
 *
 * docs/math.md §3 says "∂M is piecewise constant between the finitely many kink hyperplanes
 * θ_i − θ_j = a − a′". That holds for all-discrete noise only: with a density in some coordinate P
 * moves continuously between the kinks; and the kinks are not whole hyperplanes but their active
 * parts, for pairs of coordinates that both have atoms.
 */
import type { Context } from "../engine.js"
import { type Atoms, atomsOf } from "../../internal/noise.js"

export const REF = "Atoms (docs/math.md §3, beyond the paper)"

/** The noise as atoms and full-support densities by coordinate; `undefined` outside that class. */
export interface Mixture {
  readonly d: number
  readonly atoms: ReadonlyArray<Atoms | undefined>
  readonly discrete: ReadonlyArray<number>
  readonly continuous: ReadonlyArray<number>
  readonly lo: ReadonlyArray<number>
  readonly hi: ReadonlyArray<number>
}

/** Limits on the enumerations: beyond them the verdict is `undecided`, saying so. */
export const MAX_LPS = 600
export const MAX_STEPS = 200_000
export const MAX_TIED = 6
export const MAX_SUBSET_COORDS = 12
export const MAX_DENSE_D = 256

export const mixtureOf = (ctx: Context): Mixture | undefined => {
  const n = ctx.noise
  if (!n.independent) return undefined
  const atoms: Array<Atoms | undefined> = []
  const discrete: Array<number> = []
  const continuous: Array<number> = []
  const lo: Array<number> = []
  const hi: Array<number> = []
  for (let k = 0; k < n.d; k++) {
    const law = n.laws[k]!
    const raw = atomsOf(law)
    if (raw !== undefined) {
      // Atoms of weight 0 never occur: they neither tie nor win.
      const keep = raw.atoms.map((_, t) => t).filter((t) => raw.weights[t]! > 0)
      const at = { atoms: keep.map((t) => raw.atoms[t]!), weights: keep.map((t) => raw.weights[t]!) }
      if (at.atoms.length === 0) return undefined
      atoms.push(at)
      discrete.push(k)
      lo.push(Math.min(...at.atoms))
      hi.push(Math.max(...at.atoms))
    } else {
      if (!(law.traits.kind === "continuous" && law.traits.densityPositive)) return undefined
      atoms.push(undefined)
      continuous.push(k)
      lo.push(-Infinity)
      hi.push(Infinity)
    }
  }
  return discrete.length === 0 ? undefined : { d: n.d, atoms, discrete, continuous, lo, hi }
}
