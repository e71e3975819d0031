/**
 * `perturb analyze --polytope POLYTOPE`: the solver whose polytope the perturbed optimizer lives on
 * (docs/perturbed.md).
 *   POLYTOPE: topk:K | ranks | path:H:W | FILE.json ({ "A": [...], "b": [...] } for {A x ≤ b}, or a
 *             solver's JSON such as { "kind": "topK", "d": 5, "k": 2 })
 * `d` is the space's dimension; a polytope of another dimension is refused on `--polytope`.
 */
import { readFileSync } from "node:fs"
import { Solver } from "@perturb/core"
import { UsageError } from "./parse.js"

const FORMS = "expected topk:K, ranks, path:H:W or FILE.json"

const whole = (text: string, part: string | undefined): number => {
  const x = Number(part)
  if (part === undefined || part === "" || !Number.isInteger(x)) throw new UsageError("polytope", text, `${JSON.stringify(part ?? "")} is not a whole number; ${FORMS}`)
  return x
}

const fromFile = (text: string): Solver.Solver => {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(text, "utf8"))
  } catch (e) {
    throw new UsageError("polytope", text, `cannot read JSON: ${(e as Error).message}`)
  }
  const j = json as { A?: unknown; b?: unknown; kind?: unknown } | null
  if (typeof j === "object" && j !== null && j.kind === undefined && "A" in j) {
    return Solver.lp({ A: j.A as ReadonlyArray<ReadonlyArray<number>>, b: j.b as ReadonlyArray<number> })
  }
  return Solver.fromJSON(json)
}

const build = (text: string, d: number): Solver.Solver => {
  const [kind, ...rest] = text.split(":")
  if (text.endsWith(".json")) return fromFile(text)
  switch (kind) {
    case "topk":
      if (rest.length !== 1) throw new UsageError("polytope", text, FORMS)
      return Solver.topK(d, whole(text, rest[0]))
    case "ranks":
      if (rest.length !== 0) throw new UsageError("polytope", text, FORMS)
      return Solver.ranks(d)
    case "path":
      if (rest.length !== 2) throw new UsageError("polytope", text, FORMS)
      return Solver.shortestPath(whole(text, rest[0]), whole(text, rest[1]))
    default:
      throw new UsageError("polytope", text, FORMS)
  }
}

/** The solver named by `--polytope`, of dimension `d`; every failure is a `UsageError` on `--polytope`. */
export const parsePolytope = (text: string, d: number): Solver.Solver => {
  let solver: Solver.Solver
  try {
    solver = build(text, d)
  } catch (e) {
    if (e instanceof UsageError) throw e
    throw new UsageError("polytope", text, (e as Error).message)
  }
  if (solver.d !== d) throw new UsageError("polytope", text, `has dimension ${solver.d}, but the space has ${d}`)
  if (!solver.linear) throw new UsageError("polytope", text, "is not a linear solver (sort has no polytope)")
  return solver
}
