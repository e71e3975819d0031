/**
 * The paper's results as rules (math.md §3). Each property is the Kleene conjunction of a space
 * condition and a noise condition; a rule that does not apply contributes `undecided`, never a guess.
 *
 * Facts the rules rest on, beyond the table (each is stated in the reason that uses it):
 * - `P(θ + c𝟙) = P(θ)` for every noise (math.md §2.2), so a translation pair defeats minimality of
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
import type { Law } from "@perturb/noise"
import type { Space } from "@perturb/core"
import * as V from "../Verdict.js"
import { activeTie, atomsOf, type NoiseFacts, oneSided, potentialByEnumeration, supportRange } from "./noise.js"
import {
  fmt,
  forcedEqualGroups,
  lineThrough,
  outgrowDirection,
  outsidePoint,
  pointOf,
  saturatedPair,
  type Spanning,
  spanning,
  type System,
  systemOf,
  type Translation,
  translation
} from "./space.js"

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

const order = { fails: 0, undecided: 1, holds: 2 } as const

/** The conjunction with the deciding conditions first, so a reader sees why before what else held. */
const decide = (vs: ReadonlyArray<V.Verdict>): V.Verdict =>
  V.all([...vs].sort((x, y) => order[x.verdict] - order[y.verdict]))

/**
 * The space condition failing is a premise, not a verdict: completeness fails only when the noise
 * makes `P` one-to-one modulo 𝟙 (or symmetric), so the space's reason is put in front of the verdict
 * that the noise condition gives.
 */
const after = (premise: V.Verdict, v: V.Verdict): V.Verdict => ({ ...v, reasons: [...premise.reasons, ...v.reasons] })

const lazy = <A>(f: () => A): (() => A) => {
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

const vec = (x: ArrayLike<number>): Array<number> => Array.from(x, (v) => (Object.is(v, -0) ? 0 : v))
const show = (x: ArrayLike<number>, max = 6): string => {
  const xs = Array.from(x)
  const head = xs.slice(0, max).map(fmt).join(", ")
  return `(${head}${xs.length > max ? `, … ${xs.length - max} more` : ""})`
}

// ---------------------------------------------------------------------------------------------
// Space condition shared by Thm 4.1 and Thm 5.1
// ---------------------------------------------------------------------------------------------

const spaceSpans = (ctx: Context, ref: string): V.Verdict => {
  const sp = ctx.spanning()
  if (sp.holds) {
    return V.holds(
      ref,
      `Θ + span(𝟙) = ℝ^${ctx.d}: every ±e_i is a recession direction of Θ modulo 𝟙, so each coordinate can outgrow all others (the exact space condition, math.md §3)`
    )
  }
  return V.fails(
    ref,
    `Θ + span(𝟙) ≠ ℝ^${ctx.d}: Θ cannot recede along ${sp.sign === 1 ? "" : "−"}e_${sp.coordinate} modulo 𝟙 — ${sp.constraints.join(" and ")} ${sp.constraints.length === 1 ? "gives" : "give"} a·θ ≤ ${fmt(sp.bound)} on Θ with a·𝟙 = 0`
  )
}

/** The unreachable-target witness by symmetry: a pair Θ forces equal, exchangeable in the noise. */
const symmetricTarget = (ctx: Context): V.Verdict | undefined => {
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
          "Symmetry (math.md §3)",
          `θ_${i} = θ_${j} on all of Θ and the noise is exchangeable in coordinates ${i}, ${j}, so P_${i}(θ) = P_${j}(θ) for every θ ∈ Θ: p = ${show(p)} is never reached, at Euclidean distance ≥ |p_${i} − p_${j}|/√2 = ${fmt(distance)} from every P(θ)`,
          { _tag: "UnreachableTarget", p, pair: [i, j], distance }
        )
      }
    }
  }
  return undefined
}

const softmaxOf = (theta: ArrayLike<number>, scale: number): Array<number> => {
  let mx = -Infinity
  for (let i = 0; i < theta.length; i++) mx = Math.max(mx, theta[i]! / scale)
  const e = Array.from(theta, (t) => Math.exp(t / scale - mx))
  const z = e.reduce((a, b) => a + b, 0)
  return e.map((x) => x / z)
}

/** The certificate witness: θ* outside Θ + span(𝟙); needs `P` one-to-one modulo 𝟙. */
const outsideImage = (ctx: Context, ref: string, why: string, p?: (theta: ArrayLike<number>) => Array<number>): V.Verdict => {
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

// ---------------------------------------------------------------------------------------------
// Perturb-Softmax
// ---------------------------------------------------------------------------------------------

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

const softmaxComplete = (ctx: Context): V.Verdict => {
  const space = spaceSpans(ctx, "Theorem 4.1")
  if (space.verdict === "holds") return decide([space, finiteMean(ctx, "Theorem 4.1")])
  const witness = symmetricTarget(ctx) ??
    outsideImage(ctx, "Theorem 4.3", "Perturb-Softmax is one-to-one modulo 𝟙 for every noise (Thm 4.3 on the zero-sum space; strict convexity holds pointwise in γ)")
  return after(space, witness)
}

const translationFree = (ctx: Context, ref: string, fact: string): V.Verdict => {
  const tr = ctx.translation()
  switch (tr.kind) {
    case "none":
      return V.holds(ref, `Θ holds no two points θ, θ + c𝟙 with c ≠ 0: ${tr.text}`)
    case "unknown":
      return V.undecided(ref, tr.text)
    case "pair":
      return V.fails(ref, `Θ contains θ and θ + c𝟙 (${tr.text}); ${fact}, so P(θ + c𝟙) = P(θ) for every noise (math.md §2.2)`, {
        _tag: "TranslationPair",
        theta: vec(tr.theta),
        thetaPrime: vec(tr.thetaPrime),
        c: tr.c
      })
  }
}

const softmaxMinimal = (ctx: Context): V.Verdict => {
  const t = translationFree(ctx, "Theorem 4.3", "F(θ + c𝟙) = F(θ) + c")
  if (t.verdict !== "holds") return t
  return decide([t, V.holds("Lemma 4.2", "so F is strictly convex on Θ and P = ∇F is one-to-one, for any noise (the strictness is pointwise in γ, so no moment condition is needed)")])
}

const softmaxIdentifiable = (_ctx: Context): V.Verdict =>
  V.holds(
    "Section 4, Eq. (7)",
    "P(θ) = E softmax((θ+γ)/τ) is the expectation of a bounded continuous function of θ: one vector at every θ (= ∇F, F differentiable, whenever F is finite)"
  )

// ---------------------------------------------------------------------------------------------
// Perturb-Argmax
// ---------------------------------------------------------------------------------------------

const theorem71 = (ctx: Context, property: "complete" | "minimal"): ReadonlyArray<V.Verdict> => {
  const g = ctx.noise.gumbel
  const tag = ctx.space._tag
  if (g === undefined || (tag !== "Reals" && tag !== "Pinned" && tag !== "ZeroSum")) return []
  const model = `with i.i.d. Gumbel noise Perturb-Argmax is softmax(θ/${fmt(g.scale)}) (math.md §2.3)`
  if (property === "complete") return [V.holds("Theorem 7.1", `${model}, complete on ${tag === "Reals" ? "ℝ^d" : tag === "Pinned" ? "the pinned space" : "the zero-sum space"}`)]
  return tag === "Reals"
    ? [V.fails("Theorem 7.1", `${model}, not minimal on ℝ^d (θ and θ + c𝟙)`)]
    : [V.holds("Theorem 7.1", `${model}, minimal on the ${tag === "Pinned" ? "pinned" : "zero-sum"} space`)]
}

const lawText = (law: Law): string => {
  const r = supportRange(law)
  return `${String(law)} (support ${law.traits.support._tag === "Atoms" ? "atoms" : `[${fmt(r.lo)}, ${fmt(r.hi)}]`})`
}

const argmaxComplete = (ctx: Context): V.Verdict => {
  const space = spaceSpans(ctx, "Theorem 5.1")
  const n = ctx.noise
  if (space.verdict === "holds") {
    const note = n.atomless
      ? "for any noise"
      : "for any noise; with atoms P(θ) is a subgradient of M, and every p ∈ ri Δ lies in ∂M(θ) for some θ ∈ Θ"
    return decide([space, V.holds("Theorem 5.1", `complete ${note}`), ...theorem71(ctx, "complete")])
  }
  if (n.atomless) {
    const sym = symmetricTarget(ctx)
    if (sym !== undefined) return after(space, sym)
  }
  if (n.positiveDensity || n.argmaxOneToOne) {
    const g = n.gumbel
    return after(
      space,
      outsideImage(
        ctx,
        "Theorem 5.3",
        n.positiveDensity
          ? "with a positive density Perturb-Argmax is one-to-one modulo 𝟙 (Thm 5.3 on the zero-sum space)"
          : "with a positive density on a common tail Perturb-Argmax is one-to-one modulo 𝟙 (Noise.argmaxOneToOneSide; Thm 5.3's argument on the zero-sum space)",
        g === undefined ? undefined : (t) => softmaxOf(t, g.scale)
      )
    )
  }
  return after(
    space,
    V.undecided(
      "Theorem 5.1",
      `condition missing: the space condition fails, but without a positive density (${lawText(n.laws.find((l) => !l.traits.densityPositive) ?? n.laws[0]!)}) P is not one-to-one modulo 𝟙, so points of Θ may share the probabilities of the parameters outside Θ + span(𝟙); no result of the paper settles it`
    )
  )
}

const singlePoint = (ctx: Context): boolean => {
  try {
    return lineThrough(ctx.space, ctx.sys).line === undefined && ctx.translation().kind === "none"
  } catch {
    return false
  }
}

/** Discrete noise: P is constant between the hyperplanes θ_i + a = θ_j + b (finitely many on a line). */
const constantPair = (ctx: Context): V.Verdict | undefined => {
  let found: ReturnType<typeof lineThrough>
  try {
    found = lineThrough(ctx.space, ctx.sys)
  } catch {
    return undefined
  }
  const line = found.line
  if (line === undefined || !(line.hi > line.lo)) return undefined
  const { point: x0, direction: u } = line
  const d = ctx.d
  const atoms = ctx.noise.laws.map(atomsOf)
  const breaks: Array<number> = []
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const du = u[i]! - u[j]!
      if (Math.abs(du) < 1e-12) continue
      for (const a of atoms[i]!.atoms) {
        for (const b of atoms[j]!.atoms) {
          breaks.push((x0[j]! + b - x0[i]! - a) / du)
          if (breaks.length > 4_000_000) return undefined
        }
      }
    }
  }
  const inside = breaks.filter((t) => t > line.lo && t < line.hi).sort((a, b) => a - b)
  const cuts = [line.lo, ...inside, line.hi]
  let best: [number, number] | undefined
  for (let s = 0; s + 1 < cuts.length; s++) {
    const lo = cuts[s]!
    const hi = cuts[s + 1]!
    if (!(hi - lo > 1e-9)) continue
    const pts: [number, number] = Number.isFinite(lo) && Number.isFinite(hi)
      ? [lo + (hi - lo) / 3, lo + (2 * (hi - lo)) / 3]
      : Number.isFinite(lo)
      ? [lo + 1, lo + 2]
      : Number.isFinite(hi)
      ? [hi - 2, hi - 1]
      : [0, 1]
    if (best === undefined || (pts[0] <= 0 && pts[1] >= 0)) best = pts
    if (pts[0] <= 0 && 0 <= pts[1]) break
  }
  if (best === undefined) return undefined
  const theta = Array.from(x0, (v, i) => v + best![0] * u[i]!)
  const thetaPrime = Array.from(x0, (v, i) => v + best![1] * u[i]!)
  return V.fails(
    "Proposition 5.5",
    `the noise has atoms, so P is piecewise constant: it changes only on the hyperplanes θ_i + a = θ_j + b (a, b atoms); θ = ${show(theta)} and θ′ = ${show(thetaPrime)} lie in Θ on one piece, so P(θ) = P(θ′)`,
    { _tag: "ConstantPair", theta: vec(theta), thetaPrime: vec(thetaPrime) }
  )
}

/** Bounded noise: two points of Θ where one coordinate beats all others surely (Prop 5.4). */
const saturation = (ctx: Context): V.Verdict | undefined => {
  const d = ctx.d
  const ranges = ctx.noise.laws.map(supportRange)
  const candidates = Array.from({ length: Math.min(d, 16) }, (_, t) => d - 1 - t)
  const gap = (i: number) => (k: number) => ranges[k]!.hi - ranges[i]!.lo
  const say = (i: number, theta: ArrayLike<number>, thetaPrime: ArrayLike<number>, how: string): V.Verdict => {
    const probs = Array.from({ length: d }, (_, k) => (k === i ? 1 : 0))
    return V.fails(
      "Proposition 5.4",
      `bounded noise saturates: wherever θ_${i} + ${fmt(ranges[i]!.lo)} ≥ θ_k + hi_k for every k ≠ ${i}, coordinate ${i} wins for every noise value and P(θ) = e_${i}; ${how}, θ = ${show(theta)} and θ′ = ${show(thetaPrime)} are two such points of Θ`,
      { _tag: "SaturatedPair", theta: vec(theta), thetaPrime: vec(thetaPrime), winner: i, probs }
    )
  }
  for (const i of candidates) {
    const h = outgrowDirection(ctx.sys, i)
    if (h === undefined) continue
    const x0 = pointOf(ctx.space, ctx.sys)
    let s0 = 0
    for (let k = 0; k < d; k++) {
      if (k === i) continue
      s0 = Math.max(s0, (gap(i)(k) - (x0[i]! - x0[k]!)) / (h[i]! - h[k]!))
    }
    s0 = Math.ceil(s0)
    const theta = x0.map((v, k) => v + s0 * h[k]!)
    const thetaPrime = x0.map((v, k) => v + (s0 + 1) * h[k]!)
    return say(i, theta, thetaPrime, `Θ recedes along h = ${show(h)}, in which coordinate ${i} outgrows all others`)
  }
  for (const i of candidates) {
    const pair = saturatedPair(ctx.sys, i, gap(i))
    if (pair !== undefined) return say(i, pair.theta, pair.thetaPrime, "by linear programming")
  }
  return undefined
}

const argmaxMinimal = (ctx: Context): V.Verdict => {
  const t = translationFree(ctx, "Theorem 5.3", "M(θ + c𝟙) = M(θ) + c")
  const extra = theorem71(ctx, "minimal")
  if (t.verdict !== "holds") return decide([t, ...extra])
  const n = ctx.noise
  if (n.positiveDensity) {
    const how = n.densityDifferentiableEverywhere
      ? "every noise coordinate has a positive, differentiable density"
      : "every noise coordinate has a positive density; it is differentiable only almost everywhere, which the theorem uses only through Lemma 5.2 (∇M = P), still true because ties have probability 0"
    return decide([t, V.holds("Theorem 5.3", `${how}, so M is strictly convex on Θ and P is one-to-one`), ...extra])
  }
  if (n.argmaxOneToOne) {
    return decide([
      t,
      V.holds(
        "Theorem 5.3",
        "every noise coordinate has a positive density on a tail at the same side (Noise.argmaxOneToOneSide), so the Hessian of M is a Laplacian with every edge weight positive: M is strictly convex modulo 𝟙 (the argument of Thm 5.3, which needs positivity only on that common tail) and P is one-to-one on Θ"
      ),
      ...extra
    ])
  }
  if (singlePoint(ctx)) return decide([t, V.holds("Definition (§3.1)", "Θ is a single point, so P is trivially one-to-one on it")])
  const allAtoms = n.laws.every((l) => atomsOf(l) !== undefined)
  if (allAtoms) {
    const pair = constantPair(ctx)
    if (pair !== undefined) return decide([t, pair])
    return decide([t, V.undecided("Proposition 5.5", "the noise has atoms, so P is piecewise constant, but no line through Θ could be searched for two points on one piece")])
  }
  if (n.bounded) {
    const sat = saturation(ctx)
    if (sat !== undefined) return decide([t, sat])
    return decide([
      t,
      V.undecided(
        "Proposition 5.4",
        "condition missing: the noise is bounded, so Thm 5.3 does not apply, but no point of Θ found where one coordinate beats all others by more than the support widths, so the saturation argument gives nothing"
      )
    ])
  }
  const bad = n.laws.find((l) => !(l.traits.kind === "continuous" && l.traits.densityPositive)) ?? n.laws[0]!
  return decide([
    t,
    V.undecided(
      "Theorem 5.3",
      `condition missing: ${lawText(bad)} has no positive density on all of ℝ and the laws share no tail with a positive density (Noise.argmaxOneToOneSide), so Thm 5.3's argument does not apply, and the noise is not bounded, so Prop 5.4's saturation does not apply either`
    )
  ])
}

const argmaxIdentifiable = (ctx: Context): V.Verdict => {
  const n = ctx.noise
  if (n.atomless) {
    const how = n.densityDifferentiableEverywhere
      ? "every noise coordinate has a differentiable density, so M is differentiable and ∇M = P"
      : "every noise coordinate has a density (differentiable almost everywhere, as in Prop 5.4), so ties have probability 0, max(θ+γ) is differentiable at θ for almost every γ, and P is single-valued"
    return V.holds(n.densityDifferentiableEverywhere ? "Lemma 5.2" : "Lemma 5.2, Proposition 5.4", `${how}${n.finiteMean ? "" : " (M itself is infinite without a finite mean; P is single-valued because ties have probability 0)"}`)
  }
  const withAtoms = n.laws.filter((l) => atomsOf(l) !== undefined).length
  if (withAtoms < 2) {
    return V.holds("Lemma 5.2", "at most one noise coordinate has atoms, so ties have probability 0 and P is single-valued")
  }
  const kink = findKink(ctx)
  if (kink !== undefined) return kink
  if (singlePoint(ctx)) return V.holds("Proposition 5.5", "Θ is a single point and no two coordinates tie at its maximum with positive probability, so ∂M is one vector there")
  return V.undecided(
    "Proposition 5.5",
    "the noise has atoms, but no point of Θ was found where two coordinates tie at the maximum with positive probability (searched a relative-interior point and one line through Θ)"
  )
}

const findKink = (ctx: Context): V.Verdict | undefined => {
  const laws = ctx.noise.laws
  let found: ReturnType<typeof lineThrough>
  try {
    found = lineThrough(ctx.space, ctx.sys)
  } catch {
    return undefined
  }
  const tryAt = (theta: Float64Array): V.Verdict | undefined => {
    const tie = activeTie(theta, laws)
    if (tie === undefined) return undefined
    const j = tie.j
    const { left, right } = oneSided(theta, laws, j)
    const potential = potentialByEnumeration(theta, laws)
    return V.fails(
      "Proposition 5.5",
      `at θ = ${show(theta)} coordinates ${tie.i} and ${j} tie at the maximum with positive probability: M has left derivative ${fmt(left)} and right derivative ${fmt(right)} along e_${j}, so ∂M(θ) holds every vector whose entry ${j} lies in [${fmt(left)}, ${fmt(right)}]`,
      { _tag: "Kink", theta: vec(theta), coordinate: j, left, right, ...(potential === undefined ? {} : { potential }) }
    )
  }
  const atPoint = tryAt(found.point)
  if (atPoint !== undefined || found.line === undefined) return atPoint
  const { point: x0, direction: u, lo, hi } = found.line
  const d = ctx.d
  const atoms = laws.map(atomsOf)
  const ts: Array<number> = []
  for (let i = 0; i < d && ts.length < 4_000_000; i++) {
    if (atoms[i] === undefined) continue
    for (let j = i + 1; j < d; j++) {
      const du = u[i]! - u[j]!
      if (atoms[j] === undefined || Math.abs(du) < 1e-12) continue
      for (const a of atoms[i]!.atoms) {
        for (const b of atoms[j]!.atoms) {
          const t = (x0[j]! + b - x0[i]! - a) / du
          if (t >= lo && t <= hi) ts.push(t)
        }
      }
    }
  }
  ts.sort((a, b) => Math.abs(a) - Math.abs(b))
  for (const t of ts.slice(0, 200)) {
    const r = tryAt(x0.map((v, k) => v + t * u[k]!))
    if (r !== undefined) return r
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------

export const softmaxProperties = (ctx: Context): Properties => ({
  complete: softmaxComplete(ctx),
  minimal: softmaxMinimal(ctx),
  identifiable: softmaxIdentifiable(ctx)
})

export const argmaxProperties = (ctx: Context): Properties => ({
  complete: argmaxComplete(ctx),
  minimal: argmaxMinimal(ctx),
  identifiable: argmaxIdentifiable(ctx)
})
