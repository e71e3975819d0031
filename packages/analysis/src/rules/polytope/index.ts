/**
 * The three verdicts of a perturbed optimizer over a polytope, from the tables in `tables.ts`.
 */
import { decideBy, type Properties } from "../engine.js"
import type { PolytopeContext } from "./context.js"
import { completeness, identifiability, minimality } from "./tables.js"

export { polytopeContext, type PolytopeContext } from "./context.js"
export { completeness, identifiability, minimality } from "./tables.js"

export const polytopeProperties = (ctx: PolytopeContext): Properties => ({
  complete: decideBy(completeness, ctx),
  minimal: decideBy(minimality, ctx),
  identifiable: decideBy(identifiability, ctx)
})
