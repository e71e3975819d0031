/**
 * What the polytope rules decide from (docs/perturbed.md): the solver's vertex set Y, its lineality
 * space L = {u : ⟨u, y − y′⟩ = 0 ∀ y, y′ ∈ Y} (span(𝟙) for the simplex, top-k and ranks; the
 * anti-diagonals for grid paths), the space's rows, and the joint law's traits that the proofs use:
 * a density (ties of probability 0), a density positive almost everywhere (strict monotonicity off L),
 * or finitely many atoms (a piecewise-linear potential).
 */
import { type Solver, Space } from "@perturb/core"
import { type Law } from "@perturb/noise"
import { atomsOf, type NoiseFacts } from "../../internal/noise.js"
import { type System, systemOf } from "../../internal/space.js"
import { lazy } from "../engine.js"

/** Where a result beyond the paper is proved. */
export const PERTURBED = (section: string): string => `beyond the paper: docs/perturbed.md ${section}`
export const BERTHET = "Berthet et al. 2020"

/** Enumerations (atoms × vertices) stop here: the exact witnesses are for small structures. */
export const ENUMERATION_LIMIT = 200_000
export const VERTEX_LIMIT = 5_000

export interface PolytopeContext {
  readonly space: Space.Space
  readonly d: number
  readonly sys: System
  readonly noise: NoiseFacts
  readonly solver: Solver.Solver
  readonly sigma: number
  /** An orthonormal basis of L. */
  readonly lineality: ReadonlyArray<Float64Array>
  /** L = span(𝟙): the simplex's machinery (exact one-variable LPs, no solver) applies. */
  readonly onesOnly: boolean
  /** Y when it is known and has at most `VERTEX_LIMIT` elements. */
  readonly vertices: () => ReadonlyArray<Float64Array> | undefined
  readonly hull: () => Space.AffineHull
}

const isOnes = (basis: ReadonlyArray<Float64Array>, d: number): boolean =>
  basis.length === 1 && basis[0]!.every((x) => Math.abs(Math.abs(x) - 1 / Math.sqrt(d)) <= 1e-12)

export const polytopeContext = (space: Space.Space, noise: NoiseFacts, solver: Solver.Solver, sigma: number, lineality: ReadonlyArray<Float64Array>): PolytopeContext => ({
  space,
  d: space.dim,
  sys: systemOf(space),
  noise,
  solver,
  sigma,
  lineality,
  onesOnly: isOnes(lineality, space.dim),
  vertices: lazy(() => solver.vertices(VERTEX_LIMIT)),
  hull: lazy(() => Space.affineHull(space))
})

/** The joint law has a density: independent continuous coordinates, or a Gaussian (positive-definite covariance). */
export const hasDensity = (ctx: PolytopeContext): boolean => ctx.noise.atomless

/** The joint density is positive (almost) everywhere — what strict monotonicity off L needs. */
export const positiveDensity = (ctx: PolytopeContext): boolean => ctx.noise.positiveDensity

/** Every coordinate is independent and discrete, with its atoms and weights. */
export const allAtoms = (ctx: PolytopeContext): ReadonlyArray<{ atoms: ReadonlyArray<number>; weights: ReadonlyArray<number> }> | undefined => {
  if (!ctx.noise.independent) return undefined
  const at = ctx.noise.laws.map((l: Law) => atomsOf(l))
  return at.every((a) => a !== undefined) ? at as Array<{ atoms: ReadonlyArray<number>; weights: ReadonlyArray<number> }> : undefined
}

export const dot = (x: ArrayLike<number>, y: ArrayLike<number>): number => {
  let s = 0
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!
  return s
}

/**
 * A direction of aff Θ with irrational-looking weights on every hull basis vector: a single basis
 * vector (e_1 on the pinned space) would keep other coordinates tied.
 */
export const genericDirection = ({ basis, k }: Space.AffineHull, d: number): Float64Array => {
  const v = new Float64Array(d)
  for (let c = 0; c < k; c++) {
    const w = Math.sqrt(c + 2) % 1 + 0.5
    for (let i = 0; i < d; i++) v[i] = v[i]! + w * basis[i * k + c]!
  }
  return v
}
