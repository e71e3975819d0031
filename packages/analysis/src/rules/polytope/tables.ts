/**
 * The rule tables of a perturbed optimizer over a polytope C = conv Y (docs/perturbed.md), in the
 * engine's form: first rule that applies, the last always does. Every decision is beyond the paper
 * (whose theorems are for the simplex) and cites the section of docs/perturbed.md that proves it.
 */
import * as V from "../../Verdict.js"
import { fmt, show } from "../../internal/format.js"
import type { Rule, Rules } from "../engine.js"
import { after, lawText, vec } from "../premises.js"
import { type Combination, combinations, constantPair, findPolytopeKink } from "./atoms.js"
import { allAtoms, BERTHET, hasDensity, PERTURBED, type PolytopeContext, positiveDensity } from "./context.js"
import { linealityPair, spansModL } from "./space.js"

/** Solvers whose tie rule is a function of the set of maximisers (docs/perturbed.md F1). */
const TIE_RULE_ON_SETS: ReadonlySet<string> = new Set(["argmax", "topK", "ranks", "shortestPath"])

const LNAME = (ctx: PolytopeContext): string => (ctx.onesOnly ? "L = span(𝟙)" : `L (dimension ${ctx.lineality.length})`)

const spaceCondition = (ctx: PolytopeContext): V.Verdict => {
  const sp = spansModL(ctx)
  const ref = PERTURBED("§2")
  if (sp.holds) return V.holds(ref, `K + L = ℝ^${ctx.d} with K the recession cone of Θ and ${LNAME(ctx)}, so Θ + L = ℝ^${ctx.d}`)
  return V.fails(
    ref,
    `K + L ≠ ℝ^${ctx.d} (${LNAME(ctx)}): ${sp.constraints.join(" and ")} give a·θ ≤ ${fmt(sp.bound)} on Θ with a ⊥ L, and a·(${sp.sign === 1 ? "" : "−"}e_${sp.coordinate}) > 0`
  )
}

/**
 * A rule for discrete noise: when the vertices and atom combinations are small enough to enumerate,
 * `search` looks for its witness exactly, and `verdict` states it.
 */
const atomsRule = <W>(
  id: string,
  search: (ctx: PolytopeContext, Y: ReadonlyArray<Float64Array>, combos: ReadonlyArray<Combination>) => W | undefined,
  verdict: (witness: W) => V.Verdict
): Rule<PolytopeContext> => ({
  id,
  cites: [PERTURBED("§4")],
  applies: (ctx) => {
    const Y = ctx.vertices()
    const combos = Y === undefined ? undefined : combinations(ctx, Y.length)
    const w = Y === undefined || combos === undefined ? undefined : search(ctx, Y, combos)
    return w === undefined ? undefined : verdict(w)
  }
})

const nonPositive = (ctx: PolytopeContext): string => lawText(ctx.noise.laws.find((l) => !(l.traits.kind === "continuous" && l.traits.densityPositive)) ?? ctx.noise.laws[0]!)

export const completeness: Rules<PolytopeContext> = [
  {
    id: "lineality-spans",
    cites: [PERTURBED("§2"), BERTHET],
    applies: (ctx) => {
      const space = spaceCondition(ctx)
      if (space.verdict !== "holds") return undefined
      const how = hasDensity(ctx)
        ? "the noise has a density, so ties have probability 0, M_σ is differentiable and P_σ = ∇M_σ (Berthet et al. 2020, Prop. 2.2, whose argument needs no full-dimensional C for this step); for p ∈ ri C, M_σ − ⟨p, ·⟩ is coercive on L^⊥ (its recession function σ_C(h) − ⟨p, h⟩ is positive there) and constant along L, so it has a minimiser θ_p with P_σ(θ_p) = p, and θ_p − u ∈ Θ for some u ∈ L: complete"
        : "for any noise M_σ − ⟨p, ·⟩ (p ∈ ri C) is coercive on L^⊥ and constant along L, so p ∈ ∂M_σ(θ) for some θ ∈ Θ; with atoms P_σ(θ) is the subgradient the solver's tie-breaking selects, so complete in the subdifferential sense of the paper's Thm 5.1"
      return V.all([space, V.holds(PERTURBED("§2"), how)])
    }
  },
  {
    id: "outside-image",
    cites: [PERTURBED("§2"), PERTURBED("§3")],
    applies: (ctx) => {
      if (!positiveDensity(ctx)) return undefined
      const sp = spansModL(ctx)
      if (sp.holds) return undefined
      const omega = sp.sign * sp.normal[sp.coordinate]!
      const t = Math.max(1, Math.ceil((sp.bound + 1) / omega))
      const thetaStar = new Array<number>(ctx.d).fill(0)
      thetaStar[sp.coordinate] = sp.sign * t
      const value = t * omega
      return after(
        spaceCondition(ctx),
        V.fails(
          PERTURBED("§3"),
          `with a positive density P_σ is one-to-one modulo L (§3), and P_σ(θ + u) = P_σ(θ) for u ∈ L, so a θ ∈ Θ with P_σ(θ) = P_σ(θ*) has θ − θ* ∈ L and a·θ = a·θ*; but θ* = ${show(thetaStar)} has a·θ* = ${fmt(value)} > ${fmt(sp.bound)} ≥ a·θ on Θ: the point P_σ(θ*) ∈ ri C is reached by no θ ∈ Θ`,
          { _tag: "OutsideImage", thetaStar, normal: vec(sp.normal), bound: sp.bound, value, constraints: sp.constraints }
        )
      )
    }
  },
  {
    id: "not-covered",
    cites: [PERTURBED("§2"), PERTURBED("§5")],
    applies: (ctx) =>
      after(
        spaceCondition(ctx),
        V.undecided(
          PERTURBED("§5"),
          `K + L ≠ ℝ^d and the noise (${nonPositive(ctx)}) has no positive density, so P_σ need not be one-to-one modulo L: bounded-support noise can still reach all of ri C from a bounded Θ (§5), and no proof here settles it`
        )
      )
  }
]

export const minimality: Rules<PolytopeContext> = [
  {
    id: "lineality-pair",
    cites: [PERTURBED("§3")],
    applies: (ctx) => {
      const p = linealityPair(ctx)
      if (p.kind !== "pair") return undefined
      // F1 with ties of positive probability needs a tie rule that sees only the argmax set: HiGHS
      // (lp) and a user's solve may pick differently at θ and θ + u.
      if (!hasDensity(ctx) && !TIE_RULE_ON_SETS.has(ctx.solver.kind)) {
        return V.undecided(PERTURBED("§3"), `Θ contains θ and θ + u with u ≠ 0 in ${LNAME(ctx)} (${p.text}), so ∂M_σ(θ + u) = ∂M_σ(θ); but the noise has atoms, ties have positive probability, and a ${ctx.solver.kind} solver's tie rule may depend on more than the set of maximisers, so P_σ(θ + u) = P_σ(θ) is not proved`)
      }
      const text = `Θ contains θ and θ + u with u ≠ 0 in ${LNAME(ctx)} (${p.text}); ⟨θ + u, y⟩ − ⟨θ, y⟩ is the same for every y ∈ Y, so the maximisers of ⟨θ + σγ, ·⟩ and ⟨θ + u + σγ, ·⟩ coincide for every γ and ∂M_σ(θ + u) = ∂M_σ(θ): P_σ(θ + u) = P_σ(θ) for every noise`
      const c = p.u[0]!
      return V.fails(
        PERTURBED("§3"),
        text,
        ctx.onesOnly
          ? { _tag: "TranslationPair", theta: vec(p.theta), thetaPrime: vec(p.thetaPrime), c }
          : { _tag: "LinealityPair", theta: vec(p.theta), thetaPrime: vec(p.thetaPrime), u: vec(p.u) }
      )
    }
  },
  {
    id: "positive-density",
    cites: [PERTURBED("§3")],
    applies: (ctx) => {
      const p = linealityPair(ctx)
      if (p.kind === "unknown") return V.undecided(PERTURBED("§3"), p.text)
      if (!positiveDensity(ctx)) return undefined
      return V.holds(
        PERTURBED("§3"),
        `(Θ − Θ) ∩ L = {0}: ${p.text}; the joint density is positive, so for θ′ − θ = h ∉ L, ⟨h, P_σ(θ′) − P_σ(θ)⟩ = E D(θ + σγ) with D(z) = ⟨h, y*(z + h) − y*(z)⟩ ≥ 0, and D > 0 on a set of positive measure (its sum along z + kh, k ∈ ℤ, is max_Y⟨h,·⟩ − min_Y⟨h,·⟩ > 0): P_σ is one-to-one on Θ (no differentiability needed)`
      )
    }
  },
  {
    id: "single-point",
    cites: [PERTURBED("§3")],
    applies: (ctx) => (ctx.hull().k === 0 ? V.holds(PERTURBED("§3"), "Θ is a single point, so P_σ is trivially one-to-one on it") : undefined)
  },
  atomsRule("atoms-constant-pair", constantPair, (pair) =>
    V.fails(
      PERTURBED("§4"),
      `the noise is discrete, so P_σ is constant on each cell between the finitely many kink hyperplanes ⟨θ + σa, y − y′⟩ = 0; θ and θ′ below lie in Θ, θ′ − θ ∉ L, and every atom combination has the same unique maximiser at both: P_σ(θ) = P_σ(θ′) exactly`,
      { _tag: "ConstantPair", theta: vec(pair.theta), thetaPrime: vec(pair.thetaPrime) }
    )),
  {
    id: "not-covered",
    cites: [PERTURBED("§3"), PERTURBED("§5")],
    applies: (ctx) =>
      V.undecided(
        PERTURBED("§5"),
        `(Θ − Θ) ∩ L = {0}, but the noise (${nonPositive(ctx)}) has no positive density and no exact cell search applied, so the proof of §3 does not cover it: a bounded support can saturate P_σ at a face of C (as Prop 5.4 does on the simplex), atoms make it piecewise constant`
      )
  }
]

export const identifiability: Rules<PolytopeContext> = [
  {
    id: "density",
    cites: [PERTURBED("§4"), BERTHET],
    applies: (ctx) =>
      hasDensity(ctx)
        ? V.holds(PERTURBED("§4"), "the noise has a density, so the ties ⟨θ + σγ, y − y′⟩ = 0 (finitely many hyperplanes in γ) have probability 0: M_σ is differentiable and P_σ = ∇M_σ is one vector at every θ (Berthet et al. 2020, Prop. 2.2)")
        : undefined
  },
  {
    id: "continuous-edges",
    cites: [PERTURBED("§4")],
    applies: (ctx) => {
      const Y = ctx.vertices()
      if (Y === undefined || !ctx.noise.independent || allAtoms(ctx) !== undefined) return undefined
      const continuous = ctx.noise.laws.map((l) => l.traits.kind === "continuous")
      for (let p = 0; p < Y.length; p++) {
        for (let q = p + 1; q < Y.length; q++) if (!Y[p]!.some((v, i) => v !== Y[q]![i] && continuous[i])) return undefined
      }
      return V.holds(PERTURBED("§4"), "every difference y − y′ of two vertices moves a coordinate whose noise is continuous and independent of the rest, so every tie has probability 0 and P_σ is single-valued")
    }
  },
  atomsRule("atoms-kink", findPolytopeKink, (k) =>
    V.fails(
      PERTURBED("§4"),
      `the noise is discrete: at θ = ${show(k.theta)} ∈ Θ an atom combination of positive weight has two maximisers, so ∂M_σ(θ) = Σ_a w_a conv A_a(θ) is not one vector: along e_${k.coordinate} the left derivative ${fmt(k.left)} < the right derivative ${fmt(k.right)} (exact, by enumeration)`,
      { _tag: "Kink", theta: vec(k.theta), coordinate: k.coordinate, left: k.left, right: k.right, potential: k.potential }
    )),
  {
    id: "not-covered",
    cites: [PERTURBED("§5")],
    applies: () =>
      V.undecided(PERTURBED("§5"), "the noise has atoms, but no kink of M_σ was found in Θ (a relative-interior point and one line were searched) and the vertex set is too large or unknown for an exact search")
  }
]
