/**
 * The paper's results as rules (docs/math.md §3). Each property is the Kleene conjunction of a space
 * condition and a noise condition; a rule that does not apply contributes `undecided`, never a guess.
 *
 * Each property of each model is an ordered table of rules (`completeness.ts`, `minimality.ts`,
 * `identifiability.ts`): the first rule that applies gives the verdict, so a table reads as the
 * case analysis of the theorems, most specific first, and ends with a rule that always applies.
 * A new theorem is one entry in one table.
 *
 * Facts the rules rest on, beyond the table (each is stated in the reason that uses it):
 * - `P(θ + c𝟙) = P(θ)` for every noise (docs/math.md §2.2), so a translation pair defeats minimality of
 *   both models whatever the noise.
 * - Perturb-Softmax is one-to-one modulo 𝟙 for every noise: Thm 4.3 on the zero-sum space (whose
 *   proof, strict convexity of logsumexp off 𝟙, holds pointwise in γ). So a parameter outside
 *   `Θ + span(𝟙)` has probabilities no point of Θ reaches.
 * - Perturb-Argmax with a positive density is one-to-one modulo 𝟙 (Thm 5.3 on the zero-sum space).
 * - With a density (no atoms), ties have probability 0, so `P` is single-valued — the content of
 *   Lemma 5.2 and of the "single-valued" half of Prop 5.4.
 * - With i.i.d. (exchangeable) noise, `θ_i = θ_j` forces `P_i = P_j` by symmetry: exact for any law
 *   whose `P` is single-valued.
 */
import type { Space } from "@perturb/core"
import type * as V from "../Verdict.js"
import type { NoiseFacts } from "../internal/noise.js"
import { forcedEqualGroups, type Spanning, spanning, type System, systemOf, type Translation, translation } from "../internal/space.js"

export interface Properties {
  readonly complete: V.Verdict
  readonly minimal: V.Verdict
  readonly identifiable: V.Verdict
}

export interface Context {
  readonly space: Space.Space
  readonly d: number
  readonly sys: System
  readonly noise: NoiseFacts
  readonly spanning: () => Spanning
  readonly translation: () => Translation
  readonly forcedEqualGroups: () => Array<Array<number>>
}

/**
 * One entry of a table: `applies` gives the verdict when the rule's conditions hold on `ctx`, else
 * `undefined` and the next entry is tried.
 */
export interface Rule<C = Context> {
  /** A short name, unique within its table. */
  readonly id: string
  /** The results of the paper (or of docs/math.md) the verdict rests on: every reason's `ref` is one of them. */
  readonly cites: ReadonlyArray<string>
  readonly applies: (ctx: C) => V.Verdict | undefined
}

/** The last entry of a table: it always applies (often with `undecided`: no result settles it). */
export interface Otherwise<C = Context> extends Rule<C> {
  readonly applies: (ctx: C) => V.Verdict
}

/** The rules of one property of one model, in order; the last one always applies. */
export type Rules<C = Context> = readonly [...ReadonlyArray<Rule<C>>, Otherwise<C>]

/** A property's tables, one per model. */
export interface Table {
  readonly softmax: Rules
  readonly argmax: Rules
}

/** The first rule that applies, and its verdict. */
export const firstApplying = <C>(rules: Rules<C>, ctx: C): { readonly rule: Rule<C>; readonly verdict: V.Verdict } => {
  for (let i = 0; i + 1 < rules.length; i++) {
    const rule = rules[i]!
    const verdict = rule.applies(ctx)
    if (verdict !== undefined) return { rule, verdict }
  }
  const last = rules[rules.length - 1] as Otherwise<C>
  return { rule: last, verdict: last.applies(ctx) }
}

/** The verdict of the first rule that applies. */
export const decideBy = <C>(rules: Rules<C>, ctx: C): V.Verdict => firstApplying(rules, ctx).verdict

/** `f()` computed once, on first use. */
export const lazy = <A>(f: () => A): (() => A) => {
  let done = false
  let value: A
  return () => {
    if (!done) (value = f(), done = true)
    return value
  }
}

export const context = (space: Space.Space, noise: NoiseFacts): Context => {
  const sys = systemOf(space)
  return {
    space,
    d: space.dim,
    sys,
    noise,
    spanning: lazy(() => spanning(sys)),
    translation: lazy(() => translation(space, sys)),
    forcedEqualGroups: lazy(() => forcedEqualGroups(space, sys))
  }
}
