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
  readonly probs: Float64Array
  readonly potential: number
  readonly times: (v: Float64Array) => Float64Array
  readonly diagonal: () => Float64Array
}

/**
 * Below this a shared-node probability is recomputed to a relative 1e-10. The nodes certify 1e-10
 * absolutely, i.e. a relative 1e-8 (identify's default tolerance on log P) only from P = 1e-2 up; so
 * every probability the log-residual test reads is certified relatively. Measured at d = 1000
 * (θ ~ N(0, 1), zero-sum): ~15% more time than a 1e-9 threshold, which certified only the tail.
 */
const SMALL_PROB = 1e-2

/**
 * The potential M, P = ∇M, J v and diag J for `newtonIdentify`, from one shared-node evaluation per
 * θ: J v is then O(d·N) with no transcendental call. θ + c𝟙 reuses the evaluation at θ (P is
 * unchanged, M moves by c). Where the nodes cannot certify their error, the adaptive path answers.
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
      // The shared nodes certify 1e-10 absolutely, which leaves a probability below ~1e-12 with a
      // relative error up to 1e-5 (2.56207e-19 for 2.56211e-19 at θ = (0, −12.6, −12.6)); identify
      // converges on log P, so small ones are recomputed to a relative 1e-10 by `normalArgmaxSmall`
      // (their own range and panels, O(d) table look-ups per node), or, where that cannot certify
      // them, by the adaptive path over all d (relative error ≤ 1e-10 down to P ≈ 1e-25 against
      // mpmath, at ~10× the cost). J stays the nodes': Newton's steps need it only approximately.
      const small: Array<number> = []
      for (let i = 0; i < r.probs.length; i++) if (r.probs[i]! < SMALL_PROB) small.push(i)
      let probs = r.probs
      if (small.length > 0) {
        const tail = normalArgmaxSmall(t, family, small, small.map((i) => r.probs[i]!))
        if (tail === undefined) probs = argmaxIndependent(t, laws).probs
        else {
          probs = Float64Array.from(r.probs)
          for (let q = 0; q < small.length; q++) probs[small[q]!] = tail[q]!
        }
      }
      return { probs, potential: r.potential, times: J.times, diagonal: J.diagonal }
    }
    const g = r ?? argmaxIndependent(t, laws)
    let diag: Float64Array | undefined
    return {
      probs: g.probs,
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
    grad: (t) => Float64Array.from(at(t).e.probs),
    hvp: (t, v) => at(t).e.times(v),
    diagonal: (t) => Float64Array.from(at(t).e.diagonal()),
    start: (p) => p.map((x, i) => family.sd[i]! * Math.max(-37, Math.min(Z_UPPER, STD.quantile(x))) - family.mean[i]!)
  }
}
