/**
 * The witnesses only Perturb-Argmax needs, all from Section 5: two points on one piece of a
 * discrete noise's piecewise-constant `P` (Prop 5.5), two points where bounded noise saturates
 * (Prop 5.4), and a kink of `M` where two coordinates tie with positive probability (Prop 5.5).
 */
import { Space } from "@perturb/core"
import * as V from "../Verdict.js"
import { fmt, polytope, show } from "../internal/format.js"
import { activeTie, atomsOf, supportRange } from "../internal/noise.js"
import { lineThrough, outgrowDirection, pointOf, saturatedPair } from "../internal/space.js"
import { kinkWitness, mixtureOf, onlyPair, subdifferentialVertices } from "./atoms/index.js"
import type { Context } from "./engine.js"
import { vec } from "./premises.js"

export const singlePoint = (ctx: Context): boolean => {
  try {
    return lineThrough(ctx.space, ctx.sys).line === undefined && ctx.translation().kind === "none"
  } catch {
    return false
  }
}

/** Discrete noise: P is constant between the hyperplanes θ_i + a = θ_j + b (finitely many on a line). */
export const constantPair = (ctx: Context): V.Verdict | undefined => {
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
export const saturation = (ctx: Context): V.Verdict | undefined => {
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

export const findKink = (ctx: Context): V.Verdict | undefined => {
  const laws = ctx.noise.laws
  let found: ReturnType<typeof lineThrough>
  try {
    found = lineThrough(ctx.space, ctx.sys)
  } catch {
    return undefined
  }
  const mix = mixtureOf(ctx)
  const tryAt = (at: Float64Array): V.Verdict | undefined => {
    const first = activeTie(at, laws)
    if (first === undefined) return undefined
    // Where more than two coordinates tie, a nearby point of Θ on the same hyperplane where only
    // this pair ties shows ∂M as a segment.
    const theta = mix === undefined
      ? at
      : Float64Array.from(onlyPair(ctx, mix, Array.from(at), first.i, first.j, (x) => Space.contains(ctx.space, x, 1e-12) && activeTie(x, laws) !== undefined))
    const tie = activeTie(theta, laws)!
    const j = tie.j
    const vertices = mix === undefined ? undefined : subdifferentialVertices(ctx, mix, theta)
    const w = kinkWitness(ctx, theta, j, vertices)
    return V.fails(
      "Proposition 5.5",
      `at θ = ${show(theta)} coordinates ${tie.i} and ${j} tie at the maximum with positive probability: M has left derivative ${fmt(w.left)} and right derivative ${fmt(w.right)} along e_${j}, so ∂M(θ) holds every vector whose entry ${j} lies in [${fmt(w.left)}, ${fmt(w.right)}]${vertices === undefined ? "" : `: ∂M(θ) is ${polytope(vertices)}`}`,
      w
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
