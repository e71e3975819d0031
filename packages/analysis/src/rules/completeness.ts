/**
 * Completeness (every p in the open simplex is P(θ) for some θ ∈ Θ): Thm 4.1 and Thm 5.1 give the
 * exact space condition `Θ + span(𝟙) = ℝ^d`; where it fails, a witness needs the noise to make `P`
 * one-to-one modulo 𝟙 (Thm 4.3, Thm 5.3) or symmetric in two coordinates Θ forces equal.
 */
import * as V from "../Verdict.js"
import * as Atoms from "./atoms/index.js"
import type { Context, Rules } from "./engine.js"
import { after, decide, lawText, outsideImage, softmaxOf, spaceSpans, symmetricTarget, theorem71 } from "./premises.js"
import { BEYOND, coversRegion } from "./support/index.js"

const finiteMean = (ctx: Context, ref: string): V.Verdict => {
  const bad = ctx.noise.laws.findIndex((l) => !l.traits.finiteMean)
  if (bad < 0) {
    return V.holds(ref, `every noise coordinate has a finite mean, so F(θ) = E τ·logsumexp((θ+γ)/τ) is finite${ctx.noise.custom ? " (declared traits of a user-defined law)" : ""}`)
  }
  return V.undecided(
    ref,
    `condition missing: the noise has no finite mean (coordinate ${bad}: ${String(ctx.noise.laws[bad])}), so F is infinite and Thm 4.1 does not apply; no result of the paper settles completeness`
  )
}

/** The failing space condition in front of a witness (see `after`), or `undefined` where it holds. */
const outsideSpan = (ctx: Context, ref: string, witness: (ctx: Context) => V.Verdict | undefined): V.Verdict | undefined => {
  const space = spaceSpans(ctx, ref)
  if (space.verdict === "holds") return undefined
  const w = witness(ctx)
  return w === undefined ? undefined : after(space, w)
}

export const softmax: Rules = [
  // Issue #13 class 1 (no finite mean): the normalised potential replaces F.
  {
    id: "normalised-potential",
    cites: ["Theorem 4.1", BEYOND],
    applies: (ctx) => {
      if (ctx.noise.finiteMean) return undefined
      const space = spaceSpans(ctx, "Theorem 4.1")
      if (space.verdict !== "holds") return undefined
      return decide([
        space,
        V.holds(
          BEYOND,
          "beyond the paper: the noise has no finite mean, so F is infinite, but F̃(θ) = E[τ lse((θ+γ)/τ) − τ lse(γ/τ)] is finite (the integrand is bounded by max|θ|), convex, differentiable with ∇F̃ = P (dominated convergence: softmax is bounded) and strictly convex off 𝟙 pointwise in γ; its recession function is max_i h_i, so for p ∈ ri Δ, F̃ − ⟨p, ·⟩ is coercive on the zero-sum space and its minimiser θ_p has P(θ_p) = p. As Θ + span(𝟙) = ℝ^d and P(θ + c𝟙) = P(θ), some θ_p + c𝟙 ∈ Θ: complete, with no moment condition (the argument minimality already uses)"
        )
      ])
    }
  },
  {
    id: "space-spans",
    cites: ["Theorem 4.1"],
    applies: (ctx) => {
      const space = spaceSpans(ctx, "Theorem 4.1")
      return space.verdict === "holds" ? decide([space, finiteMean(ctx, "Theorem 4.1")]) : undefined
    }
  },
  { id: "symmetry", cites: ["Theorem 4.1", "Symmetry (docs/math.md §3)"], applies: (ctx) => outsideSpan(ctx, "Theorem 4.1", symmetricTarget) },
  {
    id: "outside-image",
    cites: ["Theorem 4.1", "Theorem 4.3"],
    applies: (ctx) =>
      after(
        spaceSpans(ctx, "Theorem 4.1"),
        outsideImage(ctx, "Theorem 4.3", "Perturb-Softmax is one-to-one modulo 𝟙 for every noise (Thm 4.3 on the zero-sum space; strict convexity holds pointwise in γ)")
      )
  }
]

export const argmax: Rules = [
  {
    id: "space-spans",
    cites: ["Theorem 5.1", "Theorem 7.1"],
    applies: (ctx) => {
      const space = spaceSpans(ctx, "Theorem 5.1")
      if (space.verdict !== "holds") return undefined
      const note = ctx.noise.atomless
        ? "for any noise"
        : "for any noise; with atoms P(θ) is a subgradient of M, and every p ∈ ri Δ lies in ∂M(θ) for some θ ∈ Θ"
      return decide([space, V.holds("Theorem 5.1", `complete ${note}`), ...theorem71(ctx, "complete")])
    }
  },
  {
    id: "symmetry",
    cites: ["Theorem 5.1", "Symmetry (docs/math.md §3)"],
    applies: (ctx) => (ctx.noise.atomless ? outsideSpan(ctx, "Theorem 5.1", symmetricTarget) : undefined)
  },
  {
    id: "outside-image",
    cites: ["Theorem 5.1", "Theorem 5.3"],
    applies: (ctx) => {
      const n = ctx.noise
      if (!n.positiveDensity && !n.argmaxOneToOne) return undefined
      const g = n.gumbel
      return outsideSpan(ctx, "Theorem 5.1", () =>
        outsideImage(
          ctx,
          "Theorem 5.3",
          n.positiveDensity
            ? "with a positive density Perturb-Argmax is one-to-one modulo 𝟙 (Thm 5.3 on the zero-sum space)"
            : "with a positive density on a common tail Perturb-Argmax is one-to-one modulo 𝟙 (Noise.argmaxOneToOneSide; Thm 5.3's argument on the zero-sum space)",
          g === undefined ? undefined : (t) => softmaxOf(t, g.scale)
        ))
    }
  },
  // Issue #13 classes 2 and 3 (bounded or half-bounded supports): R ⊆ Θ + span(𝟙), by LPs.
  {
    id: "interval-support",
    cites: ["Theorem 5.1", BEYOND],
    applies: (ctx) => {
      const space = spaceSpans(ctx, "Theorem 5.1")
      if (space.verdict === "holds") return undefined
      const v = coversRegion(ctx)
      return v === undefined ? undefined : after(space, v)
    }
  },
  // Class 4 of #13, atoms and mixtures: the subgradients' parameters against Θ + span(𝟙).
  {
    id: "atoms-subgradients",
    cites: ["Theorem 5.1", Atoms.REF],
    applies: (ctx) => {
      const v = Atoms.completeness(ctx)
      return v === undefined ? undefined : after(spaceSpans(ctx, "Theorem 5.1"), v)
    }
  },
  {
    id: "no-density",
    cites: ["Theorem 5.1"],
    applies: (ctx) =>
      after(
        spaceSpans(ctx, "Theorem 5.1"),
        V.undecided(
          "Theorem 5.1",
          `condition missing: the space condition fails, but without a positive density (${lawText(ctx.noise.laws.find((l) => !l.traits.densityPositive) ?? ctx.noise.laws[0]!)}) P is not one-to-one modulo 𝟙, so points of Θ may share the probabilities of the parameters outside Θ + span(𝟙); no result of the paper settles it`
        )
      )
  }
]
