/**
 * The Jacobian of the shared-node Normal-Argmax in low-rank form, J = D − A W Aᵀ (see
 * `probabilities.ts`), from the rows a pass kept: a product J v costs O(d·N) with no
 * transcendental call.
 */
import type { Kept } from "./pass.js"
import type { Problem } from "./problem.js"

/** J = D − A W Aᵀ on the relevant coordinates; the others' rows and columns are zero. */
export interface LowRankJacobian {
  readonly times: (v: Float64Array) => Float64Array
  readonly diagonal: () => Float64Array
  readonly nodes: number
}

export const scatter = (P: Problem, sorted: Float64Array): Float64Array => {
  const out = new Float64Array(P.d)
  for (let r = 0; r < P.n; r++) out[P.idx[r]!] = sorted[r]!
  return out
}

/**
 * J from the kept rows; its diagonal J_rr = ∫ a_r H z_r/σ_r as the pass accumulated it. The row of
 * the largest probability (`top`, sorted order) comes from the zero row sums instead:
 * (J v)_top = −Σ_{r≠top} (J v)_r and J_top,top = Σ_{r≠top} ∫ a_top a_r H. Near a vertex
 * (P_top = 1 − 2e-15) its own integrals are O(1) terms cancelling to a 1e-16 one, round-off; the
 * others' terms carry no such cancellation.
 */
export const lowRank = (P: Problem, K: Kept, top: number): LowRankJacobian => {
  let diag: Float64Array | undefined
  const vr = new Float64Array(P.n)
  return {
    nodes: K.nodes,
    times: (v) => {
      for (let r = 0; r < P.n; r++) vr[r] = v[P.idx[r]!]!
      const acc = new Float64Array(P.n)
      for (let r = 0; r < P.n; r++) acc[r] = K.D[r]! * vr[r]!
      for (let m = 0; m < K.nodes; m++) {
        const o = K.off[m]!
        const cnt = K.cnt[m]!
        let sv = 0
        for (let r = 0; r < cnt; r++) sv += vr[r]! * K.A[o + r]!
        const coef = K.W[m]! * sv
        if (coef === 0) continue
        for (let r = 0; r < cnt; r++) acc[r]! -= coef * K.A[o + r]!
      }
      acc[top] = 0
      let rest = 0
      for (let r = 0; r < P.n; r++) rest += acc[r]!
      acc[top] = -rest
      return scatter(P, acc)
    },
    diagonal: () => {
      if (diag === undefined) {
        const acc = Float64Array.from(K.diag)
        let cross = 0
        for (let m = 0; m < K.nodes; m++) if (top < K.cnt[m]!) cross += K.W[m]! * K.A[K.off[m]! + top]! * (K.S1[m]! - K.A[K.off[m]! + top]!)
        acc[top] = cross
        diag = scatter(P, acc)
      }
      return diag
    }
  }
}
