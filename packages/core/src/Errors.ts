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
 * @example
 * import { compile, DimensionMismatch, Model, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * import * as tf from "@tensorflow/tfjs"
 * const k = compile(Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.gumbel() }))
 * try { k.probs(tf.zeros([4])) } catch (e) { if (e instanceof DimensionMismatch) console.log(e.expected, e.received) }
 * @since 0.1.0
 * @category errors
 */
export class DimensionMismatch extends Data.TaggedError("DimensionMismatch")<{
  /** The argument whose shape or length is wrong, e.g. `theta` or `y`. */
  readonly argument: string
  /** What it should have been (a dimension, or a shape written out). */
  readonly expected: number | string
  /** What it was. */
  readonly received: number | string
}> {
  /** The error as one sentence naming the argument, the expected and the received size. */
  override get message(): string {
    return `Dimension mismatch in ${this.argument}: expected ${show(this.expected)}, received ${show(this.received)}`
  }
}

/**
 * A space's constraints admit no point. `constraints` names the ones that conflict (as precisely
 * as the check can tell: an irreducible infeasible subset when the LP solver finds one).
 *
 * @example
 * import { EmptySpace, Space } from "@perturb/core"
 * try { Space.intersect(Space.box(0, 1, 2), Space.box(2, 3, 2)) } catch (e) {
 *   if (e instanceof EmptySpace) console.log(e.constraints, e.reason)
 * }
 * @since 0.1.0
 * @category errors
 */
export class EmptySpace extends Data.TaggedError("EmptySpace")<{
  /** The constraints that admit no point together, as written. */
  readonly constraints: ReadonlyArray<string>
  /** Why they conflict (the LP's certificate, in words). */
  readonly reason: string
}> {
  /** The error as one sentence naming the constraints and the reason. */
  override get message(): string {
    return `Empty space: the constraints ${this.constraints.join(", ")} admit no point (${this.reason})`
  }
}

/**
 * A one-to-one correspondence the caller relied on does not hold: `property` says which
 * (`"complete"`, `"minimal"`, `"identifiable"`, …) and `reason` why.
 *
 * @example
 * import { compile, Model, NotUnique, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const k = compile(Model.perturbArgmax({ space: Space.reals(3), noise: Noise.gumbel() }))
 * try { k.identify([0.2, 0.3, 0.5]) } catch (e) {
 *   if (e instanceof NotUnique) console.log(e.property) // "minimal": θ + c𝟙 gives the same P
 * }
 * @since 0.1.0
 * @category errors
 */
export class NotUnique extends Data.TaggedError("NotUnique")<{
  /** The property that fails: `complete`, `minimal` or `identifiable`. */
  readonly property: "complete" | "minimal" | "identifiable" | (string & {})
  /** Why, citing the theorem (see `analyze` for the witness). */
  readonly reason: string
}> {
  /** The error as one sentence naming the property and the reason. */
  override get message(): string {
    return `Not unique: the space is not ${this.property}: ${this.reason}`
  }
}

/**
 * A closed form was asked for where none exists (e.g. a density for a noise law without one):
 * `what` names the quantity, `noise` the law, `reason` where closed forms do exist.
 *
 * @example
 * import { compile, Model, NoClosedForm, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * import * as tf from "@tensorflow/tfjs"
 * const noise = Noise.gaussian({ covariance: [[1, 0.5, 0], [0.5, 1, 0], [0, 0, 1]] })
 * const k = compile(Model.perturbArgmax({ space: Space.pinned(3), noise }))
 * try { k.klToUniform(tf.zeros([3])) } catch (e) { if (e instanceof NoClosedForm) console.log(e.what, e.reason) }
 * @since 0.1.0
 * @category errors
 */
export class NoClosedForm extends Data.TaggedError("NoClosedForm")<{
  /** The quantity asked for, e.g. `klToUniform`. */
  readonly what: string
  /** The noise it was asked for, by name. */
  readonly noise: string
  /** Why there is none, and what to call instead. */
  readonly reason: string
}> {
  /** The error as one sentence naming the quantity, the noise and the reason. */
  override get message(): string {
    return `No closed form for ${this.what} with noise ${this.noise}: ${this.reason}`
  }
}

/**
 * An iterative solver stopped (after `iterations`, or because no step improved) without meeting
 * its tolerance. The best point found travels with the error, so a caller who accepts a looser fit
 * can take it knowingly: `theta`, its `residual` (in the measure named by `measure`) and `tol`.
 *
 * @example
 * import { compile, Model, NotConverged, Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const k = compile(Model.perturbArgmax({ space: Space.pinned(3), noise: Noise.normal() }))
 * try { k.identify([0.01, 0.19, 0.8], { maxIterations: 1, tol: 1e-12 }) } catch (e) {
 *   if (e instanceof NotConverged) console.log(e.theta, e.residual) // the best θ found, and how far off
 * }
 * @since 0.2.0
 * @category errors
 */
export class NotConverged extends Data.TaggedError("NotConverged")<{
  /** The solver that stopped, e.g. `identify`. */
  readonly what: string
  /** The best θ it found: usable if the residual is good enough for you. */
  readonly theta: Float64Array
  /** The residual at `theta`, measured as `measure` says. */
  readonly residual: number
  /** How `residual` is measured, e.g. `‖P(θ) − p‖₁`. */
  readonly measure: string
  /** The tolerance that was not met. */
  readonly tol: number
  /** Iterations run before stopping. */
  readonly iterations: number
  /** Why it stopped: the iteration limit, or no step improving. */
  readonly reason: string
}> {
  /** The error as one sentence with the residual, the tolerance and the reason. */
  override get message(): string {
    return `Not converged: ${this.what} stopped after ${this.iterations} iterations with ${this.measure} = ${show(this.residual)} > tol = ${show(this.tol)} (${this.reason}); the best θ is attached as .theta`
  }
}
