/**
 * Space helpers for the atoms rules: membership of Θ + span(𝟙), with the certificate when a point
 * is outside it.
 */
import { Polyhedral, Space } from "@perturb/core"
import type { LpRow } from "../../internal/lp.js"
import type { Context } from "../engine.js"
import { vec } from "../premises.js"

type Outside = { readonly normal: Array<number>; readonly bound: number; readonly value: number; readonly constraints: Array<string> }

/**
 * Whether `θ + α𝟙 ∈ Θ` for some α: each row bounds α on one side (or not at all when `g·𝟙 = 0`), so
 * this is an interval; when it is empty one row, or two rows combined with `a·𝟙 = 0`, certify
 * `a·θ > bound ≥ a·θ′` for every θ′ ∈ Θ.
 */
export const modOne = (ctx: Context, theta: ArrayLike<number>): { readonly inside: true } | ({ readonly inside: false } & Outside) => {
  let low = -Infinity
  let lowRow: { g: Array<number>; rhs: number; label: string } | undefined
  let up = Infinity
  let upRow: typeof lowRow
  const d = ctx.d
  const dense = (idx: ArrayLike<number>, val: ArrayLike<number>, sg: number) => {
    const g = new Array<number>(d).fill(0)
    for (let t = 0; t < idx.length; t++) g[idx[t]!] = sg * val[t]!
    return g
  }
  for (const c of ctx.sys.cons) {
    for (const sg of c.eq ? [1, -1] : [1]) {
      let gx = 0
      let mag = Math.abs(c.rhs)
      for (let t = 0; t < c.idx.length; t++) (gx += sg * c.val[t]! * theta[c.idx[t]!]!, mag += Math.abs(c.val[t]! * theta[c.idx[t]!]!))
      const rhs = sg * c.rhs
      const s = sg * c.sum
      const tol = 1e-9 * Math.max(1, mag)
      if (s === 0) {
        if (gx > rhs + tol) {
          const g = dense(c.idx, c.val, sg)
          return { inside: false, normal: g, bound: rhs, value: gx, constraints: [c.label] }
        }
        continue
      }
      const v = (rhs - gx) / s
      const row = { g: dense(c.idx, c.val, sg), rhs, label: c.label }
      if (s > 0 && v < up) (up = v, upRow = row)
      if (s < 0 && v > low) (low = v, lowRow = row)
    }
  }
  if (!(low > up + 1e-9 * (1 + Math.abs(low) + Math.abs(up)))) return { inside: true }
  // a = s₂·g₁ + (−s₁)·g₂ has a·𝟙 = 0 and non-negative multipliers.
  const s1 = lowRow!.g.reduce((x, y) => x + y, 0)
  const s2 = upRow!.g.reduce((x, y) => x + y, 0)
  const a = lowRow!.g.map((x, k) => s2 * x - s1 * upRow!.g[k]!)
  const bound = s2 * lowRow!.rhs - s1 * upRow!.rhs
  const scale = Math.max(...a.map(Math.abs))
  const normal = a.map((x) => x / scale)
  return {
    inside: false,
    normal,
    bound: bound / scale,
    value: normal.reduce((acc, x, k) => acc + x * theta[k]!, 0),
    constraints: [...new Set([lowRow!.label, upRow!.label])]
  }
}

/** Whether `s·e_k` is a recession direction of Θ + span(𝟙): some α with `s·e_k + α𝟙` in the cone. */
export const recedesModOne = (ctx: Context, k: number, s: 1 | -1): boolean => {
  let low = -Infinity
  let up = Infinity
  for (const c of ctx.sys.cons) {
    let gk = 0
    for (let t = 0; t < c.idx.length; t++) if (c.idx[t] === k) gk += s * c.val[t]!
    const tiny = 1e-12 * Math.max(1, ...Array.from(c.val, Math.abs))
    for (const sg of c.eq ? [1, -1] : [1]) {
      const g = sg * gk
      const sum = sg * c.sum
      if (sum === 0) {
        if (g > tiny) return false
        continue
      }
      const v = -g / sum
      if (sum > 0) up = Math.min(up, v)
      else low = Math.max(low, v)
    }
  }
  return !(low > up + 1e-12 * (1 + Math.abs(low) + Math.abs(up)))
}

export const allRows = (ctx: Context): Array<LpRow> => Polyhedral.lpRows(ctx.sys.cons)

/** Whether θ lies in Θ to rounding (equations exactly as stored). */
export const inside = (ctx: Context, theta: ArrayLike<number>): boolean => Space.contains(ctx.space, theta, 1e-12)

/** θ rounded to the coarsest grid (1, ½, ¼, 0.1) that keeps `ok`, or θ itself. */
export const nice = (theta: ArrayLike<number>, ok: (x: Array<number>) => boolean): Array<number> => {
  for (const g of [1, 0.5, 0.25, 0.1]) {
    const x = Array.from(theta, (v) => Math.round(v / g) * g)
    if (ok(x)) return x.map((v) => Number(v.toPrecision(12)))
  }
  return vec(theta)
}
