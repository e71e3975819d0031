/**
 * One pass of the shared-node Normal-Argmax (see `probabilities.ts`) over the Gauss 10 / Kronrod 21
 * nodes of its panels. At node t, with A_r = a_r(t) (the reverse hazard), H(t) = Π Φ(z_r) and
 * Kronrod weight w: P_r += w H A_r, M += w H t Σ A, D_r += w H A_r (z_r/σ_r + A_r), and for a
 * direction v, (J v)_r += w H A_r (v_r (z_r/σ_r + A_r) − Aᵀv); with `keep`, A, w H and D are kept
 * for J = D − A W Aᵀ. The Gauss weights give each panel's error estimate.
 */
import { Numeric } from "@perturb/noise"
import { prefix, type Problem } from "./problem.js"
import { getTable, INV_CELL, STD, STRIDE, ZLO } from "./table.js"

/** The 21-point rule (nodes on [−1, 1], Kronrod and Gauss weights), for tests. */
export const kronrod21 = (): Numeric.GaussKronrod => Numeric.gaussKronrod21()

const RULE = Numeric.gaussKronrod21()

/** Nodes and the rows of A kept for Jacobian products (relevant coordinates, sorted order). */
export interface Kept {
  readonly nodes: number
  /** Prefix length per node. */
  readonly cnt: Int32Array
  readonly off: Int32Array
  readonly A: Float64Array
  /** Kronrod weight × H per node. */
  readonly W: Float64Array
  readonly D: Float64Array
}

interface Pass {
  /** Sorted order. */
  readonly probs: Float64Array
  readonly jvp: Float64Array | undefined
  readonly potential: number
  readonly errP: number
  readonly errJ: number
  readonly errM: number
  readonly panelErr: Float64Array
  readonly kept: Kept | undefined
}

const vmaxOf = (v: Float64Array): number => {
  let m = 0
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!))
  return m
}

/** Per node of `breaks`' panels, how many coordinates it visits (a prefix) and where its row of A starts. */
const layout = (P: Problem, breaks: ReadonlyArray<number>): { cnt: Int32Array; off: Int32Array; total: number } => {
  const panels = breaks.length - 1
  const nodes = 21 * panels
  const cnt = new Int32Array(nodes)
  for (let p = 0, m = 0; p < panels; p++) {
    const mid = 0.5 * (breaks[p]! + breaks[p + 1]!)
    const hw = 0.5 * (breaks[p + 1]! - breaks[p]!)
    for (let j = 0; j < 21; j++, m++) cnt[m] = prefix(P.reach, P.n, mid + hw * RULE.x[j]!)
  }
  let total = 0
  const off = new Int32Array(nodes + 1)
  for (let m = 0; m < nodes; m++) {
    off[m] = total
    total += cnt[m]!
  }
  off[nodes] = total
  return { cnt, off, total }
}

/** max_r |x_r| over the first `count` entries, which are then zeroed (a panel's accumulators). */
const maxAbsReset = (x: Float64Array, count: number): number => {
  let e = 0
  for (let r = 0; r < count; r++) {
    const y = Math.abs(x[r]!)
    if (y > e) e = y
    x[r] = 0
  }
  return e
}

/**
 * Integrates over the panels of `breaks`. With `v` (sorted order) also J v; with `keep` also the
 * rows of A, W and D for later products. One function on purpose: the node × coordinate loop is
 * the hot path of every Normal-Argmax call, with the table's Horner sums unrolled and its
 * accumulators local.
 */
export const pass = (P: Problem, breaks: ReadonlyArray<number>, v: Float64Array | undefined, keep: boolean): Pass => {
  const T = getTable()
  // Imported bindings are read once: under vitest's module runner each read is a getter call, which
  // doubled this loop's time in tests (native ES modules, as built, are unaffected).
  const zlo = ZLO
  const invCell = INV_CELL
  const stride = STRIDE
  const std = STD
  const { n, c, inv } = P
  const panels = breaks.length - 1
  const nodes = 21 * panels
  const probs = new Float64Array(n)
  const diffP = new Float64Array(n)
  const jvp = v === undefined ? undefined : new Float64Array(n)
  const diffJ = v === undefined ? undefined : new Float64Array(n)
  const D = keep || v !== undefined ? new Float64Array(n) : undefined
  const panelErr = new Float64Array(panels)
  const invVmax = v === undefined ? 0 : 1 / Math.max(vmaxOf(v), 1e-300)
  const { cnt: cntAll, off, total } = layout(P, breaks)
  const A = keep ? new Float64Array(total) : new Float64Array(n)
  const W = keep ? new Float64Array(nodes) : undefined
  let mK = 0
  let errP = 0
  let errJ = 0
  let errM = 0
  for (let p = 0, m = 0; p < panels; p++) {
    const mid = 0.5 * (breaks[p]! + breaks[p + 1]!)
    const hw = 0.5 * (breaks[p + 1]! - breaks[p]!)
    const first = cntAll[m]!
    let pk = 0
    let pg = 0
    for (let j = 0; j < 21; j++, m++) {
      const t = mid + hw * RULE.x[j]!
      const cnt = cntAll[m]!
      const o0 = keep ? off[m]! : 0
      let lh = 0
      let s1 = 0
      let sv = 0
      for (let r = 0; r < cnt; r++) {
        const z = (t - c[r]!) * inv[r]!
        let lp: number
        let a: number
        if (z >= zlo) {
          const u = (z - zlo) * invCell
          const k = u | 0
          const s = 2 * (u - k) - 1
          const o = k * stride
          let pp = T[o + 12]!
          let qq = T[o + 13]!
          pp = pp * s + T[o + 10]!
          qq = qq * s + T[o + 11]!
          pp = pp * s + T[o + 8]!
          qq = qq * s + T[o + 9]!
          pp = pp * s + T[o + 6]!
          qq = qq * s + T[o + 7]!
          pp = pp * s + T[o + 4]!
          qq = qq * s + T[o + 5]!
          pp = pp * s + T[o + 2]!
          qq = qq * s + T[o + 3]!
          lp = pp * s + T[o]!
          a = (qq * s + T[o + 1]!) * inv[r]!
        } else {
          lp = std.logcdf(z)
          a = Math.exp(std.logpdf(z) - lp) * inv[r]!
        }
        lh += lp
        s1 += a
        A[o0 + r] = a
      }
      if (v !== undefined) for (let r = 0; r < cnt; r++) sv += v[r]! * A[o0 + r]!
      const H = Math.exp(lh)
      const wk = RULE.wk[j]! * hw * H
      const wg = RULE.wg[j]! * hw * H
      const wd = wk - wg
      if (W !== undefined) W[m] = wk
      mK += wk * t * s1
      pk += wk * t * s1
      pg += wg * t * s1
      if (H === 0) continue
      if (D === undefined) {
        for (let r = 0; r < cnt; r++) {
          const a = A[o0 + r]!
          probs[r]! += wk * a
          diffP[r]! += wd * a
        }
      } else if (jvp === undefined || diffJ === undefined || v === undefined) {
        for (let r = 0; r < cnt; r++) {
          const a = A[o0 + r]!
          probs[r]! += wk * a
          diffP[r]! += wd * a
          D[r]! += wk * a * ((t - c[r]!) * inv[r]! * inv[r]! + a)
        }
      } else {
        for (let r = 0; r < cnt; r++) {
          const a = A[o0 + r]!
          const q = (t - c[r]!) * inv[r]! * inv[r]! + a
          probs[r]! += wk * a
          diffP[r]! += wd * a
          D[r]! += wk * a * q
          const g = a * (v[r]! * q - sv)
          jvp[r]! += wk * g
          diffJ[r]! += wd * g
        }
      }
    }
    // Gauss's error on this panel, the largest over coordinates; reset the panel accumulators.
    const e = maxAbsReset(diffP, first)
    const ej = diffJ === undefined ? 0 : maxAbsReset(diffJ, first)
    panelErr[p] = e + ej * invVmax
    errP += e
    errJ += ej
    errM += Math.abs(pk - pg)
  }
  return {
    probs,
    jvp,
    potential: mK,
    errP,
    errJ,
    errM,
    panelErr,
    kept: keep && W !== undefined && D !== undefined ? { nodes, cnt: cntAll, off, A, W, D } : undefined
  }
}
