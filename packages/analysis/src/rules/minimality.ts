/**
 * Minimality (P one-to-one on Θ): Θ must hold no translation pair θ, θ + c𝟙 (docs/math.md §2.2, for
 * every noise); given that, Lemma 4.2 settles Perturb-Softmax, and for Perturb-Argmax the noise
 * decides — a positive density (Thm 5.3), atoms (Prop 5.5) or a bounded support (Prop 5.4).
 */
import * as V from "../Verdict.js"
import { atomsOf } from "../internal/noise.js"
import { constantPair, saturation, singlePoint } from "./argmaxWitnesses.js"
import * as Atoms from "./atoms/index.js"
import type { Context, Rules } from "./engine.js"
import { decide, lawText, theorem71, translationFree } from "./premises.js"
import { BEYOND, sharedProbabilities } from "./support/index.js"

const softmaxTranslation = (ctx: Context): V.Verdict => translationFree(ctx, "Theorem 4.3", "F(θ + c𝟙) = F(θ) + c")
const argmaxTranslation = (ctx: Context): V.Verdict => translationFree(ctx, "Theorem 5.3", "M(θ + c𝟙) = M(θ) + c")

/** A rule that applies once Θ is translation-free: its conclusion after that premise. */
const translationFreeThen = (ctx: Context, conclusion: (ctx: Context) => ReadonlyArray<V.Verdict> | undefined): V.Verdict | undefined => {
  const rest = conclusion(ctx)
  return rest === undefined ? undefined : decide([argmaxTranslation(ctx), ...rest])
}

const allAtoms = (ctx: Context): boolean => ctx.noise.laws.every((l) => atomsOf(l) !== undefined)

export const softmax: Rules = [
  {
    id: "translation-pair",
    cites: ["Theorem 4.3", "docs/math.md §2.2"],
    applies: (ctx) => {
      const t = softmaxTranslation(ctx)
      return t.verdict === "holds" ? undefined : t
    }
  },
  {
    id: "strictly-convex",
    cites: ["Theorem 4.3", "Lemma 4.2"],
    applies: (ctx) =>
      decide([
        softmaxTranslation(ctx),
        V.holds("Lemma 4.2", "so F is strictly convex on Θ and P = ∇F is one-to-one, for any noise (the strictness is pointwise in γ, so no moment condition is needed)")
      ])
  }
]

export const argmax: Rules = [
  {
    id: "translation-pair",
    cites: ["Theorem 5.3", "docs/math.md §2.2", "Theorem 7.1"],
    applies: (ctx) => {
      const t = argmaxTranslation(ctx)
      return t.verdict === "holds" ? undefined : decide([t, ...theorem71(ctx, "minimal")])
    }
  },
  {
    id: "positive-density",
    cites: ["Theorem 5.3", "Theorem 7.1"],
    applies: (ctx) =>
      translationFreeThen(ctx, ({ noise: n }) => {
        if (!n.positiveDensity) return undefined
        const how = n.densityDifferentiableEverywhere
          ? "every noise coordinate has a positive, differentiable density"
          : "every noise coordinate has a positive density; it is differentiable only almost everywhere, which the theorem uses only through Lemma 5.2 (∇M = P), still true because ties have probability 0"
        return [V.holds("Theorem 5.3", `${how}, so M is strictly convex on Θ and P is one-to-one`), ...theorem71(ctx, "minimal")]
      })
  },
  {
    id: "common-tail",
    cites: ["Theorem 5.3", "Theorem 7.1"],
    applies: (ctx) =>
      translationFreeThen(ctx, ({ noise: n }) =>
        n.argmaxOneToOne
          ? [
            V.holds(
              "Theorem 5.3",
              "every noise coordinate has a positive density on a tail at the same side (Noise.argmaxOneToOneSide), so the Hessian of M is a Laplacian with every edge weight positive: M is strictly convex modulo 𝟙 (the argument of Thm 5.3, which needs positivity only on that common tail) and P is one-to-one on Θ"
            ),
            ...theorem71(ctx, "minimal")
          ]
          : undefined)
  },
  {
    id: "single-point",
    cites: ["Theorem 5.3", "Definition (§3.1)"],
    applies: (ctx) => translationFreeThen(ctx, () => (singlePoint(ctx) ? [V.holds("Definition (§3.1)", "Θ is a single point, so P is trivially one-to-one on it")] : undefined))
  },
  // Class 4 of #13, atoms and mixtures: a segment of Θ moving only coordinates that lose surely.
  {
    id: "atoms-dead-coordinates",
    cites: ["Theorem 5.3", Atoms.REF],
    applies: (ctx) => translationFreeThen(ctx, () => {
      const v = Atoms.minimality(ctx)
      return v === undefined ? undefined : [v]
    })
  },
  {
    id: "constant-pair",
    cites: ["Theorem 5.3", "Proposition 5.5"],
    applies: (ctx) =>
      translationFreeThen(ctx, () => {
        if (!allAtoms(ctx)) return undefined
        const pair = constantPair(ctx)
        return [pair ?? V.undecided("Proposition 5.5", "the noise has atoms, so P is piecewise constant, but no line through Θ could be searched for two points on one piece")]
      })
  },
  // Issue #13 classes 2 and 3 (bounded or half-bounded supports): winners and translations, by LPs.
  {
    id: "interval-support",
    cites: ["Theorem 5.3", BEYOND],
    applies: (ctx) =>
      translationFreeThen(ctx, () => {
        const v = sharedProbabilities(ctx)
        // Where Prop 5.4's vertex saturation finds its pair, the next rule gives it with the paper's citation.
        if (v === undefined || (v.verdict === "fails" && ctx.noise.bounded && saturation(ctx) !== undefined)) return undefined
        return [v]
      })
  },
  {
    id: "saturation",
    cites: ["Theorem 5.3", "Proposition 5.4"],
    applies: (ctx) =>
      translationFreeThen(ctx, () => {
        if (!ctx.noise.bounded) return undefined
        return [
          saturation(ctx) ?? V.undecided(
            "Proposition 5.4",
            "condition missing: the noise is bounded, so Thm 5.3 does not apply, but no point of Θ found where one coordinate beats all others by more than the support widths, so the saturation argument gives nothing"
          )
        ]
      })
  },
  {
    id: "no-argument",
    cites: ["Theorem 5.3", "Proposition 5.4"],
    applies: (ctx) => {
      const n = ctx.noise
      const bad = n.laws.find((l) => !(l.traits.kind === "continuous" && l.traits.densityPositive)) ?? n.laws[0]!
      return decide([
        argmaxTranslation(ctx),
        V.undecided(
          "Theorem 5.3",
          `condition missing: ${lawText(bad)} has no positive density on all of ℝ and the laws share no tail with a positive density (Noise.argmaxOneToOneSide), so Thm 5.3's argument does not apply, and the noise is not bounded, so Prop 5.4's saturation does not apply either`
        )
      ])
    }
  }
]
