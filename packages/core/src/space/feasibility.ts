/**
 * Non-emptiness of a constraint system: contradictory column bounds are caught directly, the rest is
 * an LP feasibility problem solved by HiGHS. On infeasibility HiGHS's irreducible infeasible subset
 * names the conflicting constraints.
 *
 * @since 0.1.0
 */
import { EmptySpace } from "../Errors.js"
import * as Lp from "../Lp.js"
import { allLabels, type System } from "./constraints.js"

const solveLp = Lp.solve

// HiGHS IIS bound codes: 2 lower, 3 upper, 4 both.
const IIS_LOWER = 2
const IIS_UPPER = 3
const IIS_BOXED = 4

export const ensureNonEmpty = (s: System): void => {
  for (let j = 0; j < s.dim; j++) {
    if (s.colLo[j]! > s.colHi[j]!) {
      throw new EmptySpace({
        constraints: [s.loLabel[j]!, s.hiLabel[j]!],
        reason: `θ[${j}] cannot be both ≥ ${s.colLo[j]} and ≤ ${s.colHi[j]}`
      })
    }
  }
  if (s.rows.length === 0) return
  const result = solveLp({ numCols: s.dim, colLower: s.colLo, colUpper: s.colHi, rows: s.rows, iis: true })
  if (result.status === "optimal" || result.status === "unbounded") return
  if (result.status === "failed") {
    throw new EmptySpace({ constraints: allLabels(s), reason: "the LP solver could not establish feasibility" })
  }
  const named = new Set<string>()
  for (const i of result.iis?.rows ?? []) named.add(s.rows[i]!.label)
  for (const { bound, col } of result.iis?.cols ?? []) {
    if ((bound === IIS_LOWER || bound === IIS_BOXED) && s.loLabel[col] !== undefined) named.add(s.loLabel[col]!)
    if ((bound === IIS_UPPER || bound === IIS_BOXED) && s.hiLabel[col] !== undefined) named.add(s.hiLabel[col]!)
  }
  throw new EmptySpace({
    constraints: named.size > 0 ? [...named] : allLabels(s),
    reason: "the LP solver proved the constraints infeasible"
  })
}
