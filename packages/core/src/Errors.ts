/**
 * Typed errors raised by `@perturb/core`. Every message names the offending argument (or the
 * conflicting constraints) and the value, so a user can fix the call without reading the source.
 *
 * @since 0.1.0
 */
import { formatValue } from "@perturb/noise"
import { Data } from "effect"

// One formatter for every package's messages.
const show = formatValue

/**
 * An argument failed validation: the one class shared with `@perturb/noise` (re-exported, not
 * redefined), so `instanceof InvalidArgument` holds whichever package threw it.
 *
 * @since 0.1.0
 * @category errors
 */
export { InvalidArgument } from "@perturb/noise"

/**
 * Two things that must share a dimension (or a shape) do not: `argument` names the one that
 * disagrees, `expected` and `received` are the sizes.
 *
 * @since 0.1.0
 * @category errors
 */
export class DimensionMismatch extends Data.TaggedError("DimensionMismatch")<{
  readonly argument: string
  readonly expected: number | string
  readonly received: number | string
}> {
  override get message(): string {
    return `Dimension mismatch in ${this.argument}: expected ${show(this.expected)}, received ${show(this.received)}`
  }
}

/**
 * A space's constraints admit no point. `constraints` names the ones that conflict (as precisely
 * as the check can tell: an irreducible infeasible subset when the LP solver finds one).
 *
 * @since 0.1.0
 * @category errors
 */
export class EmptySpace extends Data.TaggedError("EmptySpace")<{
  readonly constraints: ReadonlyArray<string>
  readonly reason: string
}> {
  override get message(): string {
    return `Empty space: the constraints ${this.constraints.join(", ")} admit no point (${this.reason})`
  }
}

/**
 * A one-to-one correspondence the caller relied on does not hold: `property` says which
 * (`"complete"`, `"minimal"`, `"identifiable"`, …) and `reason` why.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotUnique extends Data.TaggedError("NotUnique")<{
  readonly property: "complete" | "minimal" | "identifiable" | (string & {})
  readonly reason: string
}> {
  override get message(): string {
    return `Not unique: the space is not ${this.property}: ${this.reason}`
  }
}

/**
 * A closed form was asked for where none exists (e.g. a density for a noise law without one):
 * `what` names the quantity, `noise` the law, `reason` where closed forms do exist.
 *
 * @since 0.1.0
 * @category errors
 */
export class NoClosedForm extends Data.TaggedError("NoClosedForm")<{
  readonly what: string
  readonly noise: string
  readonly reason: string
}> {
  override get message(): string {
    return `No closed form for ${this.what} with noise ${this.noise}: ${this.reason}`
  }
}

/**
 * An iterative solver stopped (after `iterations`, or because no step improved) without meeting
 * its tolerance. The best point found travels with the error, so a caller who accepts a looser fit
 * can take it knowingly: `theta`, its `residual` (in the measure named by `measure`) and `tol`.
 *
 * @since 0.2.0
 * @category errors
 */
export class NotConverged extends Data.TaggedError("NotConverged")<{
  readonly what: string
  readonly theta: Float64Array
  readonly residual: number
  readonly measure: string
  readonly tol: number
  readonly iterations: number
  readonly reason: string
}> {
  override get message(): string {
    return `Not converged: ${this.what} stopped after ${this.iterations} iterations with ${this.measure} = ${show(this.residual)} > tol = ${show(this.tol)} (${this.reason}); the best θ is attached as .theta`
  }
}
