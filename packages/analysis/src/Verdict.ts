/**
 * Three-valued verdicts — `holds`, `fails`, `undecided` — with the reasons (the paper's results and
 * the conditions that held or failed) and, for a failure, a witness a person can check by hand.
 *
 * The algebra is Kleene's strong three-valued logic, ordered `fails < undecided < holds`:
 * a conjunction is the minimum, a disjunction the maximum. Laws (tested as properties):
 * - `and` and `or` are associative and commutative, with units `holds` and `fails`;
 * - `fails` absorbs `and`, `holds` absorbs `or`;
 * - `not` swaps `holds` and `fails`, fixes `undecided`, and De Morgan's laws hold.
 *
 * A property such as "Perturb-Softmax is complete on Θ" is the conjunction of the conditions of a
 * theorem (a space condition, a noise condition): one failure makes it fail, a condition no result
 * settles makes it undecided, so a guess never turns into `holds`.
 *
 * @since 0.1.0
 */
import type { Monoid } from "fp-ts/lib/Monoid.js"
import { concatAll as concatAllWith } from "fp-ts/lib/Monoid.js"

/**
 * @example
 * import { Verdict } from "@perturb/analysis"
 * const v: Verdict.Value = Verdict.and("holds", "undecided") // "undecided": Kleene's three values
 * @since 0.1.0
 * @category models
 */
export type Value = "holds" | "fails" | "undecided"

/**
 * One step of the argument: the result of the paper it rests on (`"Theorem 4.1"`) and what was
 * checked.
 *
 * @example
 * import { Verdict } from "@perturb/analysis"
 * const why: Verdict.Reason = { ref: "Theorem 4.2", text: "Gumbel noise: P is softmax" }
 * @since 0.1.0
 * @category models
 */
export interface Reason {
  /** The result it rests on, e.g. `Theorem 4.2`. */
  readonly ref: string
  /** The argument, in words. */
  readonly text: string
}

/**
 * A counterexample (or certificate) to a property, in plain numbers.
 *
 * - `TranslationPair`: `θ, θ′ = θ + c𝟙` both in Θ, so `P(θ) = P(θ′)` for every noise (docs/math.md §2.2);
 * - `LinealityPair`: for a polytope, `θ, θ′ = θ + u` both in Θ with `u ≠ 0` in its lineality space
 *   `L` (every vertex y has the same `⟨u, y⟩`), so `P(θ) = P(θ′)` (docs/perturbed.md §3);
 * - `SaturatedPair`: `θ ≠ θ′` in Θ where coordinate `winner` beats every other for every noise
 *   value (bounded noise, Prop 5.4), so both give the vertex `probs`;
 * - `ConstantPair`: `θ ≠ θ′` in Θ on one open piece where discrete noise makes `P` constant;
 * - `UnreachableTarget`: every `P(θ)`, `θ ∈ Θ`, satisfies `p_i = p_j`; `p` does not, and lies at
 *   Euclidean distance at least `distance` from every reachable probability vector;
 * - `OutsideImage`: `a·𝟙 = 0` (for a polytope: `a ⊥ L`) and `a·θ ≤ bound` on Θ (a non-negative combination of the named
 *   `constraints`), but `a·θ* > bound`: as `P` is one-to-one modulo 𝟙, `P(θ*)` is reached by no
 *   `θ ∈ Θ`; `p` is `P(θ*)` where a closed form gives it;
 * - `Kink`: at `θ ∈ Θ` the one-sided derivatives of `M` along `e_coordinate` differ (`left < right`),
 *   so `∂M(θ)` contains every vector whose `coordinate` entry lies in `[left, right]`; where the noise
 *   is known exactly, `subdifferential` lists the vertices of `∂M(θ)` (two: a segment), each `P(θ)`
 *   with ties broken by one priority order of the tied coordinates.
 *
 * @example
 * import { Verdict } from "@perturb/analysis"
 * const w: Verdict.Witness = { _tag: "TranslationPair", theta: [0, 0, 0], thetaPrime: [1, 1, 1], c: 1 }
 * @since 0.1.0
 * @category models
 */
export type Witness =
  | {
    /** θ and θ′ = θ + c𝟙, both in Θ. */
    readonly _tag: "TranslationPair"
    /** A point of Θ. */
    readonly theta: ReadonlyArray<number>
    /** θ + c𝟙, also in Θ. */
    readonly thetaPrime: ReadonlyArray<number>
    /** The shift c ≠ 0. */
    readonly c: number
  }
  | {
    /** θ and θ′ = θ + u with u ≠ 0 in the polytope's lineality space L, both in Θ. */
    readonly _tag: "LinealityPair"
    /** A point of Θ. */
    readonly theta: ReadonlyArray<number>
    /** θ + u, also in Θ. */
    readonly thetaPrime: ReadonlyArray<number>
    /** u ∈ L, u ≠ 0: ⟨u, y⟩ is the same for every vertex y. */
    readonly u: ReadonlyArray<number>
  }
  | {
    /** θ ≠ θ′ where one coordinate always wins. */
    readonly _tag: "SaturatedPair"
    /** A point of Θ. */
    readonly theta: ReadonlyArray<number>
    /** Another, with the same winner. */
    readonly thetaPrime: ReadonlyArray<number>
    /** The coordinate that beats every other for every noise value. */
    readonly winner: number
    /** The vertex both give. */
    readonly probs: ReadonlyArray<number>
  }
  | {
    /** θ ≠ θ′ on one piece where P is constant. */
    readonly _tag: "ConstantPair"
    /** A point of Θ. */
    readonly theta: ReadonlyArray<number>
    /** Another on the same piece. */
    readonly thetaPrime: ReadonlyArray<number>
  }
  | {
    /** A p no θ ∈ Θ reaches. */
    readonly _tag: "UnreachableTarget"
    /** The target. */
    readonly p: ReadonlyArray<number>
    /** The coordinates i, j with p_i = p_j on all of P(Θ). */
    readonly pair: readonly [number, number]
    /** A lower bound on p's Euclidean distance to P(Θ). */
    readonly distance: number
  }
  | {
    /** P(θ*) is outside the image P(Θ). */
    readonly _tag: "OutsideImage"
    /** θ*, with a·θ* > bound: no θ ∈ Θ reaches P(θ*). */
    readonly thetaStar: ReadonlyArray<number>
    /** a, with a·𝟙 = 0. */
    readonly normal: ReadonlyArray<number>
    /** a·θ ≤ bound on Θ. */
    readonly bound: number
    /** a·θ*, above `bound`. */
    readonly value: number
    /** The constraints combined into a·θ ≤ bound. */
    readonly constraints: ReadonlyArray<string>
    /** P(θ*), where a closed form gives it. */
    readonly p?: ReadonlyArray<number>
  }
  | {
    /** A point where the potential M has a kink. */
    readonly _tag: "Kink"
    /** The point θ ∈ Θ. */
    readonly theta: ReadonlyArray<number>
    /** The direction e_coordinate of the one-sided derivatives. */
    readonly coordinate: number
    /** The left derivative. */
    readonly left: number
    /** The right derivative, above `left`. */
    readonly right: number
    /** M(θ), where known exactly. */
    readonly potential?: number
    /** The vertices of ∂M(θ), where known exactly. */
    readonly subdifferential?: ReadonlyArray<ReadonlyArray<number>>
  }

/**
 * Whether numeric evidence agrees with the static verdict: `true` (the numbers say the same),
 * `false` (they contradict it — the verdict is kept, and the report flags the conflict loudly), or
 * `"inconclusive"` (the numbers cannot tell, or the verdict is `undecided`).
 *
 * @example
 * import { Verdict } from "@perturb/analysis"
 * const a: Verdict.Agreement = "inconclusive" // the numbers could not be computed, and say why
 * @since 0.1.0
 * @category models
 */
export type Agreement = true | false | "inconclusive"

/**
 * Numeric evidence attached by `confirm`: always labelled as evidence, never a proof, and never a
 * replacement for the verdict it accompanies.
 *
 * - `method`: how the numbers were obtained (e.g. "Levenberg–Marquardt fit of P(θ(u)) = p");
 * - `summary`: one line with the deciding numbers (Monte Carlo figures as `x ± standard error`);
 * - `agrees`: see `Agreement`;
 * - `values`: the deciding numbers by name (standard errors under `…StdError`);
 * - `at`: the target `p` or the point `θ` where the deciding figure was found.
 *
 * @example
 * import { analyze, confirmPromise, type Evidence } from "@perturb/analysis"
 * import { Space } from "@perturb/core"
 * import { Noise } from "@perturb/noise"
 * const report = await confirmPromise(analyze(Space.pinned(2), Noise.gumbel(), { model: "argmax" }), { budget: 0.25 })
 * const e: Evidence | undefined = report.argmax?.complete.evidence
 * @since 0.1.0
 * @category models
 */
export interface Evidence {
  /** How the numbers were computed, e.g. `identify` on Dirichlet targets. */
  readonly method: string
  /** The numbers in one line, for reports. */
  readonly summary: string
  /** Whether the numbers agree with the verdict (`inconclusive` when they could not be computed). */
  readonly agrees: Agreement
  /** The measured quantities by name (residuals, distances), for checking by hand. */
  readonly values?: Readonly<Record<string, number>>
  /** The θ the numbers were taken at, where there is one. */
  readonly at?: ReadonlyArray<number>
}

/**
 * @example
 * import { Verdict } from "@perturb/analysis"
 * const v: Verdict.Verdict = Verdict.holds("Theorem 4.2", "Gumbel-Argmax probabilities are softmax(θ)")
 * @since 0.1.0
 * @category models
 */
export interface Verdict {
  /** holds, fails or undecided. */
  readonly verdict: Value
  /** Why, each citing the theorem or proposition it rests on. */
  readonly reasons: ReadonlyArray<Reason>
  /** For a failure: a checkable counterexample. */
  readonly witness?: Witness
  /** Numbers checking the verdict, added by `confirm`. */
  readonly evidence?: Evidence
}

const rank = (v: Value): number => (v === "fails" ? 0 : v === "undecided" ? 1 : 2)

/**
 * Kleene conjunction.
 *
 * @example
 * import { Verdict } from "@perturb/analysis"
 * Verdict.and("holds", "undecided") // "undecided"
 * @since 0.1.0
 * @category combinators
 */
export const and = (x: Value, y: Value): Value => (rank(x) <= rank(y) ? x : y)

/**
 * Kleene disjunction.
 *
 * @example
 * import { Verdict } from "@perturb/analysis"
 * Verdict.or("fails", "undecided") // "undecided"
 * @since 0.1.0
 * @category combinators
 */
export const or = (x: Value, y: Value): Value => (rank(x) >= rank(y) ? x : y)

/**
 * Kleene negation.
 *
 * @example
 * import { Verdict } from "@perturb/analysis"
 * Verdict.not("holds") // "fails"; not("undecided") is "undecided"
 * @since 0.1.0
 * @category combinators
 */
export const not = (x: Value): Value => (x === "holds" ? "fails" : x === "fails" ? "holds" : "undecided")

/**
 * Conjunction as a monoid (unit `holds`): the verdict of "all these conditions".
 *
 * @example
 * import { Verdict } from "@perturb/analysis"
 * import { concatAll } from "fp-ts/lib/Monoid.js"
 * concatAll(Verdict.MonoidAll)(["holds", "undecided", "fails"]) // "fails"
 * @since 0.1.0
 * @category combinators
 */
export const MonoidAll: Monoid<Value> = { concat: and, empty: "holds" }

/**
 * Disjunction as a monoid (unit `fails`): the verdict of "one of these routes".
 *
 * @example
 * import { Verdict } from "@perturb/analysis"
 * Verdict.MonoidAny.concat("fails", "holds") // "holds"
 * @since 0.1.0
 * @category combinators
 */
export const MonoidAny: Monoid<Value> = { concat: or, empty: "fails" }

/**
 * Conjunction of whole verdicts: the value is Kleene's `and`, the reasons are concatenated in order,
 * and the witness is the first one that supports the combined value (only a `fails` carries one).
 *
 * @example
 * import { Verdict } from "@perturb/analysis"
 * Verdict.MonoidVerdict.concat(Verdict.holds("Thm 1", "why"), Verdict.undecided("Prop 2", "no rule")).verdict // "undecided"
 * @since 0.1.0
 * @category combinators
 */
export const MonoidVerdict: Monoid<Verdict> = {
  concat: (x, y) => {
    const verdict = and(x.verdict, y.verdict)
    const witness = verdict !== "fails"
      ? undefined
      : x.verdict === "fails" && x.witness !== undefined
      ? x.witness
      : y.verdict === "fails"
      ? y.witness
      : undefined
    const evidence = x.evidence ?? y.evidence
    return {
      verdict,
      reasons: [...x.reasons, ...y.reasons],
      ...(witness === undefined ? {} : { witness }),
      ...(evidence === undefined ? {} : { evidence })
    }
  },
  empty: { verdict: "holds", reasons: [] }
}

/**
 * The conjunction of conditions, in the order given (reasons keep that order).
 *
 * @example
 * import { Verdict } from "@perturb/analysis"
 * Verdict.all([Verdict.holds("Thm 1", "a"), Verdict.fails("Prop 5.5", "b")]).verdict // "fails", with both reasons
 * @since 0.1.0
 * @category combinators
 */
export const all = (verdicts: ReadonlyArray<Verdict>): Verdict => concatAllWith(MonoidVerdict)(verdicts)

/**
 * @example
 * import { Verdict } from "@perturb/analysis"
 * Verdict.holds("Theorem 4.3", "Θ holds no two points θ, θ + c𝟙")
 * @since 0.1.0
 * @category constructors
 */
export const holds = (ref: string, text: string): Verdict => ({ verdict: "holds", reasons: [{ ref, text }] })

/**
 * @example
 * import { Verdict } from "@perturb/analysis"
 * Verdict.fails("Prop 5.3", "P is translation invariant", { _tag: "TranslationPair", theta: [0, 0], thetaPrime: [1, 1], c: 1 })
 * @since 0.1.0
 * @category constructors
 */
export const fails = (ref: string, text: string, witness?: Witness): Verdict => ({
  verdict: "fails",
  reasons: [{ ref, text }],
  ...(witness === undefined ? {} : { witness })
})

/**
 * @example
 * import { Verdict } from "@perturb/analysis"
 * Verdict.undecided("§6", "no theorem covers this noise").verdict // "undecided"
 * @since 0.1.0
 * @category constructors
 */
export const undecided = (ref: string, text: string): Verdict => ({ verdict: "undecided", reasons: [{ ref, text }] })

/**
 * @example
 * import { Verdict } from "@perturb/analysis"
 * Verdict.isValue("holds") // true
 * Verdict.isValue("maybe") // false
 * @since 0.1.0
 * @category guards
 */
export const isValue = (u: unknown): u is Value => u === "holds" || u === "fails" || u === "undecided"
