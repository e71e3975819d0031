/**
 * Linear programs for the polyhedral decisions: core's HiGHS wrapper, under the names the rules
 * use.
 */
import { Lp as CoreLp } from "@perturb/core"

export type LpRow = CoreLp.Row
export type Lp = CoreLp.Problem
export type LpResult = CoreLp.Solution
export const solveLp = CoreLp.solve
