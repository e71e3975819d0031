/**
 * Identifiability (P(θ) one vector at every θ ∈ Θ): always for Perturb-Softmax (Eq. 7); for
 * Perturb-Argmax, ties of probability 0 make P single-valued (Lemma 5.2), and atoms in two or more
 * coordinates can make ∂M set-valued at a kink (Prop 5.5).
 */
import * as V from "../Verdict.js"
import { atomsOf } from "../internal/noise.js"
import { findKink, singlePoint } from "./argmaxWitnesses.js"
import * as Atoms from "./atoms/index.js"
import type { Rules } from "./engine.js"

export const softmax: Rules = [
  {
    id: "expectation",
    cites: ["Section 4, Eq. (7)"],
    applies: () =>
      V.holds(
        "Section 4, Eq. (7)",
        "P(θ) = E softmax((θ+γ)/τ) is the expectation of a bounded continuous function of θ: one vector at every θ (= ∇F, F differentiable, whenever F is finite)"
      )
  }
]

export const argmax: Rules = [
  {
    id: "density",
    cites: ["Lemma 5.2", "Proposition 5.4"],
    applies: ({ noise: n }) => {
      if (!n.atomless) return undefined
      const how = n.densityDifferentiableEverywhere
        ? "every noise coordinate has a differentiable density, so M is differentiable and ∇M = P"
        : "every noise coordinate has a density (differentiable almost everywhere, as in Prop 5.4), so ties have probability 0, max(θ+γ) is differentiable at θ for almost every γ, and P is single-valued"
      return V.holds(n.densityDifferentiableEverywhere ? "Lemma 5.2" : "Lemma 5.2, Proposition 5.4", `${how}${n.finiteMean ? "" : " (M itself is infinite without a finite mean; P is single-valued because ties have probability 0)"}`)
    }
  },
  {
    id: "one-atomic-coordinate",
    cites: ["Lemma 5.2"],
    applies: ({ noise: n }) =>
      n.laws.filter((l) => atomsOf(l) !== undefined).length < 2
        ? V.holds("Lemma 5.2", "at most one noise coordinate has atoms, so ties have probability 0 and P is single-valued")
        : undefined
  },
  { id: "kink", cites: ["Proposition 5.5"], applies: findKink },
  // Class 4 of #13, atoms and mixtures: whether Θ meets an active kink hyperplane, exactly.
  { id: "atoms-kink-hyperplanes", cites: [Atoms.REF], applies: Atoms.identifiability },
  {
    id: "single-point",
    cites: ["Proposition 5.5"],
    applies: (ctx) =>
      singlePoint(ctx)
        ? V.holds("Proposition 5.5", "Θ is a single point and no two coordinates tie at its maximum with positive probability, so ∂M is one vector there")
        : undefined
  },
  {
    id: "no-tie-found",
    cites: ["Proposition 5.5"],
    applies: () =>
      V.undecided(
        "Proposition 5.5",
        "the noise has atoms, but no point of Θ was found where two coordinates tie at the maximum with positive probability (searched a relative-interior point and one line through Θ)"
      )
  }
]
