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

export const lowRank = (P: Problem, K: Kept): LowRankJacobian => {
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
      return scatter(P, acc)
    },
    diagonal: () => {
      if (diag === undefined) {
        const acc = Float64Array.from(K.D)
        for (let m = 0; m < K.nodes; m++) {
          const o = K.off[m]!
          const w = K.W[m]!
          for (let r = 0; r < K.cnt[m]!; r++) acc[r]! -= w * K.A[o + r]! * K.A[o + r]!
        }
        diag = scatter(P, acc)
      }
      return diag
    }
  }
}
