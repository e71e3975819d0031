/**
 * The inverse map's oracle for independent normal noise: `newtonIdentify` reads M, P, J v and
 * diag J from the shared nodes (`probabilities.ts`), with small probabilities recomputed to a
 * relative tolerance (`small.ts`) and the adaptive path (`argmax.ts`) where neither certifies.
 */
import type { Law } from "@perturb/noise"
import { argmaxHessianDiagonal, argmaxIndependent, argmaxJvp } from "../independent.js"
import type { Oracle } from "../../internal/newton.js"
import { normalArgmax } from "./probabilities.js"
import { type NormalFamily, Z_UPPER } from "./problem.js"
import { normalArgmaxSmall } from "./small.js"
import { STD } from "./table.js"

interface AtTheta {
  /** P with every coordinate certified to a relative `rtol` (or better). */
  readonly probsTo: (rtol: number) => Float64Array
  readonly potential: number
  readonly times: (v: Float64Array) => Float64Array
  readonly diagonal: () => Float64Array
}

/** The relative accuracy `grad` certifies (identify's probabilities, see `IdentifyResult.measure`). */
const CERTIFIED = 1e-10
/**
 * With more probabilities than this to certify, nodes twice as fine go first: `normalArgmaxSmall`
 * pays an exp per probability per node. At d = 1000 (θ ~ N(0, 1), identify's last step): 960 left
 * at 1e-10, 88 after the finer nodes, 12.5 ms → 5.6 ms for both steps.
 */
const FINE_FIRST = 64

/**
 * P at θ from the shared nodes, each probability certified relatively on demand. The nodes certify
 * 1e-10 only absolutely (2.56207e-19 for 2.56211e-19 at θ = (0, −12.6, −12.6)), and identify
 * converges on log P; their per-coordinate bound (`errorEach`) certifies most probabilities
 * relatively (at d = 1000, θ ~ N(0, 1): all to 1e-6, 4% to 1e-10; on twice the nodes 91% to
 * 1e-10, down to P ≈ 2e-8, where the table's Mills-ratio error stops it), and the rest are
 * recomputed to the asked tolerance by `normalArgmaxSmall` (their own range and panels, O(d)
 * table look-ups per node) or, where that cannot certify them, by the adaptive path over all d
 * (relative error ≤ 1e-10 down to P ≈ 1e-25 against mpmath, at ~10× the cost).
 */
const certifying = (t: Float64Array, laws: ReadonlyArray<Law>, family: NormalFamily, probs: Float64Array, errorEach: Float64Array) => {
  const current = Float64Array.from(probs)
  const accuracy = new Float64Array(current.length).fill(Infinity)
  // |P̂ − P| ≤ e gives |P̂ − P|/P ≤ e/(P̂ − e); keep whichever value is certified better.
  const take = (p: Float64Array, e: Float64Array) => {
    for (let i = 0; i < p.length; i++) {
      const a = p[i]! > e[i]! ? e[i]! / (p[i]! - e[i]!) : Infinity
      if (a < accuracy[i]!) {
        accuracy[i] = a
        current[i] = p[i]!
      }
    }
  }
  take(probs, errorEach)
  const uncertified = (rtol: number): Array<number> => {
    const which: Array<number> = []
    for (let i = 0; i < current.length; i++) if (!(accuracy[i]! <= rtol)) which.push(i)
    return which
  }
  let refined = false
  return (rtol: number): Float64Array => {
    let which = uncertified(rtol)
    if (which.length > FINE_FIRST && !refined) {
      refined = true
      const fine = normalArgmax(t, family, undefined, { split: 2 })
      if (fine !== undefined) take(fine.probs, fine.errorEach())
      which = uncertified(rtol)
    }
    if (which.length === 0) return current
    const tail = normalArgmaxSmall(t, family, which, which.map((i) => current[i]!), rtol)
    if (tail === undefined) {
      current.set(argmaxIndependent(t, laws).probs)
      accuracy.fill(Math.max(rtol, CERTIFIED))
    } else {
      for (let q = 0; q < which.length; q++) {
        current[which[q]!] = tail[q]!
        accuracy[which[q]!] = rtol
      }
    }
    return current
  }
}

/**
 * The potential M, P = ∇M, J v and diag J for `newtonIdentify`, from one shared-node evaluation per
 * θ: J v is then O(d·N) with no transcendental call, and J stays the nodes' (Newton's steps need it
 * only approximately). P comes certified relatively to the tolerance asked (`gradTo`; `grad` asks
 * 1e-10), see `certifying`. θ + c𝟙 reuses the evaluation at θ (P is unchanged, M moves by c). Where
 * the nodes cannot certify their error, the adaptive path answers.
 * The start is σ_i Φ⁻¹(p_i) − μ_i: far from the top, P_i ≈ Φ̄((w − θ_i − μ_i)/σ_i) for the maximum w of
 * the others, so small probabilities start near their Gaussian-tail solution (log p would put them
 * far below it, where P underflows).
 */
export const normalOracle = (laws: ReadonlyArray<Law>, family: NormalFamily): Oracle => {
  let last: Float64Array | undefined
  let lastAt: AtTheta | undefined
  const evaluate = (t: Float64Array): AtTheta => {
    const r = normalArgmax(t, family, undefined, { keep: true })
    if (r !== undefined && r.jacobian !== undefined) {
      const J = r.jacobian
      return { probsTo: certifying(t, laws, family, r.probs, r.errorEach()), potential: r.potential, times: J.times, diagonal: J.diagonal }
    }
    const g = r ?? argmaxIndependent(t, laws)
    let diag: Float64Array | undefined
    return {
      probsTo: () => g.probs,
      potential: g.potential,
      times: (v) => (r === undefined ? undefined : normalArgmax(t, family, v)?.jvp) ?? argmaxJvp(t, laws, v),
      diagonal: () => (diag ??= argmaxHessianDiagonal(t, laws))
    }
  }
  const at = (t: Float64Array): { readonly e: AtTheta; readonly c: number } => {
    if (last !== undefined && lastAt !== undefined && last.length === t.length) {
      const c = t[0]! - last[0]!
      let scale = 1
      for (let i = 0; i < t.length; i++) scale = Math.max(scale, Math.abs(t[i]!))
      let same = Number.isFinite(c)
      for (let i = 0; same && i < t.length; i++) same = Math.abs(t[i]! - last[i]! - c) <= 4e-15 * scale
      if (same) return { e: lastAt, c }
    }
    last = Float64Array.from(t)
    lastAt = evaluate(last)
    return { e: lastAt, c: 0 }
  }
  return {
    cheapHvp: true,
    value: (t) => {
      const { e, c } = at(t)
      return e.potential + c
    },
    grad: (t) => Float64Array.from(at(t).e.probsTo(CERTIFIED)),
    gradTo: (t, rtol) => Float64Array.from(at(t).e.probsTo(Math.max(rtol, CERTIFIED))),
    hvp: (t, v) => at(t).e.times(v),
    diagonal: (t) => Float64Array.from(at(t).e.diagonal()),
    start: (p) => p.map((x, i) => family.sd[i]! * Math.max(-37, Math.min(Z_UPPER, STD.quantile(x))) - family.mean[i]!)
  }
}
