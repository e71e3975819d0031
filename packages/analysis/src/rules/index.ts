/**
 * The three verdicts of a model from the rule tables (see `engine.ts`).
 */
import * as Completeness from "./completeness.js"
import { type Context, decideBy, type Properties } from "./engine.js"
import * as Identifiability from "./identifiability.js"
import * as Minimality from "./minimality.js"

export { context, type Context, type Properties } from "./engine.js"

const propertiesOf = (model: "softmax" | "argmax", ctx: Context): Properties => ({
  complete: decideBy(Completeness[model], ctx),
  minimal: decideBy(Minimality[model], ctx),
  identifiable: decideBy(Identifiability[model], ctx)
})

export const softmaxProperties = (ctx: Context): Properties => propertiesOf("softmax", ctx)
export const argmaxProperties = (ctx: Context): Properties => propertiesOf("argmax", ctx)
