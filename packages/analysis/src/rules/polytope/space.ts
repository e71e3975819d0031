/**
 * The space side of the polytope decisions, with L in place of span(𝟙) (docs/perturbed.md §2–§3):
 *
 * - `spansModL`: K + L = ℝ^d for the recession cone K of Θ. Where it fails, a Farkas certificate
 *   `a = Σ λ_r g_r` (λ ≥ 0 on inequalities) with `a ⊥ L`, `a·θ ≤ bound` on Θ and `a·(s·e_i) > 0`.
 *   With L = span(𝟙) the simplex's exact one-variable LPs decide it (`internal/space.ts`); otherwise
 *   one LP in the multipliers λ per direction ±e_i.
 * - `linealityPair`: (Θ − Θ) ∩ L ≠ {0} ⇔ V ∩ L ≠ {0}, V the direction space of aff Θ (Θ − Θ contains a
 *   ball of V around 0), with V ∩ L = (V^⊥ + L^⊥)^⊥ by core's `Solver.complement`.
 */
import { Polyhedral, Solver, Space } from "@perturb/core"
import { fmt } from "../../internal/format.js"
import { solveLp } from "../../internal/lp.js"
import { spanning, type Spanning, translation } from "../../internal/space.js"
import { dot, type PolytopeContext } from "./context.js"

export type SpanningL = Spanning

const certificateLp = (ctx: PolytopeContext, i: number, s: 1 | -1): SpanningL | undefined => {
  const { cons } = ctx.sys
  const n = cons.length
  const gi = cons.map((c) => {
    const t = Array.from(c.idx).indexOf(i)
    return t < 0 ? 0 : s * c.val[t]!
  })
  const gU = ctx.lineality.map((u) => cons.map((c) => c.idx.reduce((acc, j, t) => acc + c.val[t]! * u[j]!, 0)))
  const all = Array.from({ length: n }, (_, r) => r)
  const res = solveLp({
    numCols: n,
    cost: Float64Array.from(gi),
    maximize: true,
    colLower: Float64Array.from(cons, (c) => (c.eq ? -Infinity : 0)),
    colUpper: new Float64Array(n).fill(Infinity),
    rows: [
      ...gU.map((row) => ({ idx: all, val: row, lo: 0, hi: 0 })),
      { idx: all, val: gi, lo: -Infinity, hi: 1 }
    ]
  })
  if (res.status !== "optimal" || res.objective <= 1e-9) return undefined
  const a = new Float64Array(ctx.d)
  let bound = 0
  const labels: Array<string> = []
  cons.forEach((c, r) => {
    const l = res.x[r]!
    if (Math.abs(l) <= 1e-12) return
    c.idx.forEach((j, t) => (a[j] = a[j]! + l * c.val[t]!))
    bound += l * c.rhs
    labels.push(c.label)
  })
  const scale = Math.max(...Array.from(a, Math.abs))
  if (!(scale > 0) || s * a[i]! <= 1e-9 * scale) return undefined
  // The LP's equalities hold to its tolerance; the certificate is only used if a ⊥ L to rounding level.
  if (ctx.lineality.some((u) => Math.abs(dot(a, u)) > 1e-9 * scale)) return undefined
  return { holds: false, coordinate: i, sign: s, normal: a.map((x) => x / scale), bound: bound / scale, constraints: [...new Set(labels)] }
}

/** `f` computed once per context: several rules of a table ask the same question. */
const perContext = <A>(f: (ctx: PolytopeContext) => A): ((ctx: PolytopeContext) => A) => {
  const seen = new WeakMap<PolytopeContext, A>()
  return (ctx) => {
    if (!seen.has(ctx)) seen.set(ctx, f(ctx))
    return seen.get(ctx)!
  }
}

/** K + L = ℝ^d, or a direction ±e_i outside it with its certificate (up to 2d LPs, once per context). */
export const spansModL = perContext((ctx: PolytopeContext): SpanningL => {
  if (ctx.onesOnly) return spanning(ctx.sys)
  if (ctx.sys.cons.length === 0) return { holds: true }
  for (let i = 0; i < ctx.d; i++) {
    for (const s of [1, -1] as const) {
      const c = certificateLp(ctx, i, s)
      if (c !== undefined) return c
    }
  }
  return { holds: true }
})

export type LinealityPair =
  | { readonly kind: "none"; readonly text: string }
  | { readonly kind: "pair"; readonly theta: Float64Array; readonly thetaPrime: Float64Array; readonly u: Float64Array; readonly text: string }
  | { readonly kind: "unknown"; readonly text: string }

const generalPair = (ctx: PolytopeContext): LinealityPair => {
  const { point, basis, k } = ctx.hull()
  const d = ctx.d
  const U = ctx.lineality
  // V ∩ L = (V^⊥ + L^⊥)^⊥, V spanned by the hull's k basis columns.
  const V = Array.from({ length: k }, (_, c) => Float64Array.from({ length: d }, (_, i) => basis[i * k + c]!))
  const meet = Solver.complement([...Solver.complement(V, d), ...Solver.complement(U, d)], d)
  if (meet.length === 0) {
    return { kind: "none", text: `aff Θ has dimension ${k} and its direction space meets L (dimension ${U.length}) only in 0, so Θ holds no θ ≠ θ′ with θ′ − θ ∈ L` }
  }
  const u = Float64Array.from(meet[0]!)
  const scale = Math.max(...Array.from(u, Math.abs))
  for (let i = 0; i < d; i++) u[i] = u[i]! / scale
  const { lo, hi } = Polyhedral.chord(ctx.sys.cons, point, u)
  const a = Math.max(lo, -1) / 2
  const b = Math.min(hi, 1) / 2
  const theta = point.map((x, i) => x + a * u[i]!)
  const thetaPrime = point.map((x, i) => x + b * u[i]!)
  const step = u.map((x) => x * (b - a))
  if (!(b - a > 1e-9) || !Space.contains(ctx.space, theta) || !Space.contains(ctx.space, thetaPrime)) {
    return { kind: "unknown", text: "aff Θ contains a direction of L, but no segment of Θ along it was found from the relative-interior point" }
  }
  return { kind: "pair", theta, thetaPrime, u: step, text: `aff Θ contains the direction u = ${fmt(b - a)}·(${Array.from(u.subarray(0, 6), fmt).join(", ")}${d > 6 ? ", …" : ""}) of L, and a chord of Θ runs along it` }
}

/** Whether Θ holds θ ≠ θ′ with θ′ − θ ∈ L. */
export const linealityPair = perContext((ctx: PolytopeContext): LinealityPair => {
  if (!ctx.onesOnly) return generalPair(ctx)
  const t = translation(ctx.space, ctx.sys)
  if (t.kind !== "pair") return t
  return { kind: "pair", theta: t.theta, thetaPrime: t.thetaPrime, u: t.thetaPrime.map((x, i) => x - t.theta[i]!), text: t.text }
})
