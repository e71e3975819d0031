/**
 * The conditions and witnesses several tables share: the space condition of Thm 4.1 and Thm 5.1,
 * the two unreachable-target witnesses, translation-freeness (Thm 4.3 and Thm 5.3), and how the
 * verdicts of a premise and a conclusion combine.
 */
import { type Law, Numeric } from "@perturb/noise"
import * as V from "../Verdict.js"
import { fmt, show } from "../internal/format.js"
import { supportRange } from "../internal/noise.js"
import { outsidePoint, type Spanning } from "../internal/space.js"
import type { Context } from "./engine.js"

const order = { fails: 0, undecided: 1, holds: 2 } as const

/** The conjunction with the deciding conditions first, so a reader sees why before what else held. */
export const decide = (vs: ReadonlyArray<V.Verdict>): V.Verdict =>
  V.all([...vs].sort((x, y) => order[x.verdict] - order[y.verdict]))

/**
 * The space condition failing is a premise, not a verdict: completeness fails only when the noise
 * makes `P` one-to-one modulo 𝟙 (or symmetric), so the space's reason is put in front of the verdict
 * that the noise condition gives.
 */
export const after = (premise: V.Verdict, v: V.Verdict): V.Verdict => ({ ...v, reasons: [...premise.reasons, ...v.reasons] })

/** A witness vector as plain numbers (no -0, which JSON cannot hold). */
export const vec = (x: ArrayLike<number>): Array<number> => Array.from(x, (v) => (Object.is(v, -0) ? 0 : v))

/** The space condition shared by Thm 4.1 and Thm 5.1. */
export const spaceSpans = (ctx: Context, ref: string): V.Verdict => {
  const sp = ctx.spanning()
  if (sp.holds) {
    return V.holds(
      ref,
      `Θ + span(𝟙) = ℝ^${ctx.d}: every ±e_i is a recession direction of Θ modulo 𝟙 — the exact criterion K + span(𝟙) = ℝ^d (docs/math.md §3), used in place of the paper's wording "each coordinate can outgrow all others", which is weaker (it also admits the incomplete {θ₀ + θ₁ ≤ 2θ₂})`
    )
  }
  return V.fails(
    ref,
    `Θ + span(𝟙) ≠ ℝ^${ctx.d} (the exact criterion K + span(𝟙) = ℝ^d of docs/math.md §3 fails, whatever the paper's weaker wording "each coordinate can outgrow all others" says): Θ cannot recede along ${sp.sign === 1 ? "" : "−"}e_${sp.coordinate} modulo 𝟙 — ${sp.constraints.join(" and ")} ${sp.constraints.length === 1 ? "gives" : "give"} a·θ ≤ ${fmt(sp.bound)} on Θ with a·𝟙 = 0`
  )
}

/** The unreachable-target witness by symmetry: a pair Θ forces equal, exchangeable in the noise. */
export const symmetricTarget = (ctx: Context): V.Verdict | undefined => {
  const d = ctx.d
  for (const group of ctx.forcedEqualGroups()) {
    for (let s = 0; s < group.length; s++) {
      for (let t = s + 1; t < group.length; t++) {
        const i = group[s]!
        const j = group[t]!
        if (!ctx.noise.exchangeable(i, j)) continue
        const rest = 0.1 / (d - 1)
        const p = Array.from({ length: d }, (_, k) => (k === i ? 0.9 : rest))
        const distance = (0.9 - rest) / Math.SQRT2
        return V.fails(
          "Symmetry (docs/math.md §3)",
          `θ_${i} = θ_${j} on all of Θ and the noise is exchangeable in coordinates ${i}, ${j}, so P_${i}(θ) = P_${j}(θ) for every θ ∈ Θ: p = ${show(p)} is never reached, at Euclidean distance ≥ |p_${i} − p_${j}|/√2 = ${fmt(distance)} from every P(θ)`,
          { _tag: "UnreachableTarget", p, pair: [i, j], distance }
        )
      }
    }
  }
  return undefined
}

/** softmax(θ / scale): Perturb-Argmax's probabilities under i.i.d. Gumbel noise of that scale (docs/math.md §2.3). */
export const softmaxOf = (theta: ArrayLike<number>, scale: number): Array<number> => Array.from(Numeric.softmax(theta, scale))

/** The certificate witness: θ* outside Θ + span(𝟙); needs `P` one-to-one modulo 𝟙. */
export const outsideImage = (ctx: Context, ref: string, why: string, p?: (theta: ArrayLike<number>) => Array<number>): V.Verdict => {
  const sp = ctx.spanning() as Extract<Spanning, { holds: false }>
  const { theta, value } = outsidePoint(sp, ctx.d)
  const pStar = p?.(theta)
  return V.fails(
    ref,
    `${why}; θ* = ${show(theta)} has a·θ* = ${fmt(value)} > ${fmt(sp.bound)}, so θ* ∉ Θ + span(𝟙) and P(θ*) is reached by no θ ∈ Θ`,
    {
      _tag: "OutsideImage",
      thetaStar: vec(theta),
      normal: vec(sp.normal),
      bound: sp.bound,
      value,
      constraints: sp.constraints,
      ...(pStar === undefined ? {} : { p: pStar })
    }
  )
}

/** Thm 4.3 and Thm 5.3's first condition: Θ holds no θ and θ + c𝟙 with c ≠ 0. */
export const translationFree = (ctx: Context, ref: string, fact: string): V.Verdict => {
  const tr = ctx.translation()
  switch (tr.kind) {
    case "none":
      return V.holds(ref, `Θ holds no two points θ, θ + c𝟙 with c ≠ 0: ${tr.text}`)
    case "unknown":
      return V.undecided(ref, tr.text)
    case "pair":
      return V.fails(ref, `Θ contains θ and θ + c𝟙 (${tr.text}); ${fact}, so P(θ + c𝟙) = P(θ) for every noise (docs/math.md §2.2)`, {
        _tag: "TranslationPair",
        theta: vec(tr.theta),
        thetaPrime: vec(tr.thetaPrime),
        c: tr.c
      })
  }
}

export const lawText = (law: Law): string => {
  const r = supportRange(law)
  return `${String(law)} (support ${law.traits.support._tag === "Atoms" ? "atoms" : `[${fmt(r.lo)}, ${fmt(r.hi)}]`})`
}

/** Theorem 7.1 (i.i.d. Gumbel noise on ℝ^d, the pinned or the zero-sum space), as a further reason. */
export const theorem71 = (ctx: Context, property: "complete" | "minimal"): ReadonlyArray<V.Verdict> => {
  const g = ctx.noise.gumbel
  const tag = ctx.space._tag
  if (g === undefined || (tag !== "Reals" && tag !== "Pinned" && tag !== "ZeroSum")) return []
  const model = `with i.i.d. Gumbel noise Perturb-Argmax is softmax(θ/${fmt(g.scale)}) (docs/math.md §2.3)`
  if (property === "complete") return [V.holds("Theorem 7.1", `${model}, complete on ${tag === "Reals" ? "ℝ^d" : tag === "Pinned" ? "the pinned space" : "the zero-sum space"}`)]
  return tag === "Reals"
    ? [V.fails("Theorem 7.1", `${model}, not minimal on ℝ^d (θ and θ + c𝟙)`)]
    : [V.holds("Theorem 7.1", `${model}, minimal on the ${tag === "Pinned" ? "pinned" : "zero-sum"} space`)]
}
