/**
 * `perturb analyze --polytope POLYTOPE`: the solver whose polytope the perturbed optimizer lives on
 * (docs/perturbed.md), in the SOLVER language of `parse.ts`:
 *   POLYTOPE: topk:K | ranks | path:H:W | FILE.json ({ "A": [...], "b": [...] } for {A x ≤ b}, or a
 *             solver's JSON such as { "kind": "topK", "d": 5, "k": 2 })
 * `d` is the space's dimension; a polytope of another dimension is refused on `--polytope`.
 */
import type { Solver } from "@perturb/core"
import { parseSolver, UsageError } from "./parse.js"

/** The solver named by `--polytope`, of dimension `d`; every failure is a `UsageError` on `--polytope`. */
export const parsePolytope = (text: string, d: number): Solver.Solver => {
  const solver = parseSolver("polytope", text, d)
  if (solver.d !== d) throw new UsageError("polytope", text, `has dimension ${solver.d}, but the space has ${d}`)
  if (!solver.linear) throw new UsageError("polytope", text, "is not a linear solver (sort has no polytope)")
  return solver
}
