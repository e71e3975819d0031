/**
 * `analyze`'s polytope option: the solver's checks, its name in reports, and the verdicts of its
 * perturbed optimizer (rules/polytope).
 */
import { DimensionMismatch, InvalidArgument, type Solver, type Space } from "@perturb/core"
import type { Properties } from "../rules/engine.js"
import { polytopeContext, polytopeProperties } from "../rules/polytope/index.js"
import type { NoiseFacts } from "./noise.js"

/** A linear solver of dimension `d`, or `undefined` when none was given. */
export const checkPolytope = (value: unknown, d: number): Solver.Solver | undefined => {
  if (value === undefined) return undefined
  const s = value as Partial<Solver.Solver> | null
  if (typeof s !== "object" || s === null || s._tag !== "Solver" || typeof s.lineality !== "function") {
    throw new InvalidArgument({ argument: "options.polytope", value, reason: "Expected a Solver (Solver.topK(d, k), Solver.ranks(d), …)" })
  }
  if (s.linear !== true || s.lineality() === undefined) {
    throw new InvalidArgument({ argument: "options.polytope", value: s.kind, reason: "Expected a linear solver (argmax, topK, ranks, shortestPath, lp, or custom with vertices): only those maximise ⟨θ, y⟩ over a polytope's vertices" })
  }
  if (s.d !== d) throw new DimensionMismatch({ argument: "options.polytope.d", expected: d, received: s.d! })
  return s as Solver.Solver
}

/** The polytope in words, for reports. */
export const solverName = (s: Solver.Solver): string => {
  const j = s.toJSON()
  switch (j?.kind) {
    case "argmax":
      return "the simplex (argmax)"
    case "topK":
      return `top-${j.k} of ${j.d} (k-subsets)`
    case "ranks":
      return `ranks of ${j.d} (the permutahedron)`
    case "shortestPath":
      return `paths on a ${j.height} × ${j.width} grid`
    case "lp":
      return `the polytope {A x ≤ b} (${j.A.length} inequalities)`
    default:
      return `a user solver (d = ${s.d})`
  }
}

export const polytopeReport = (space: Space.Space, facts: NoiseFacts, solver: Solver.Solver, sigma: number): {
  readonly solver: Solver.Solver
  readonly solverName: string
  readonly sigma: number
  readonly perturbed: Properties
} => ({
  solver,
  solverName: solverName(solver),
  sigma,
  perturbed: polytopeProperties(polytopeContext(space, facts, solver, sigma, solver.lineality()!))
})
