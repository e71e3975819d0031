/**
 * One pass of the shared-node Normal-Argmax (see `probabilities.ts`) over the Gauss 10 / Kronrod 21
 * nodes of its panels. At node t, with A_r = a_r(t) (the reverse hazard), H(t) = Π Φ(z_r) and
 * Kronrod weight w: P_r += w H A_r, M += w H t Σ A, D_r += w H A_r (z_r/σ_r + A_r), and for a
 * direction v, (J v)_r += w H A_r (v_r (z_r/σ_r + A_r) − Aᵀv); with `keep`, A, w H and D are kept
 * for J = D − A W Aᵀ. The Gauss weights give each panel's error estimate.
 */
import { Numeric } from "@perturb/noise"
import { prefix, type Problem } from "./problem.js"
import { getTable, INV_CELL, STRIDE, TABLE_LENGTH, ZLO } from "./table.js"

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
  /** ∫ a_r H z_r/σ_r = J_rr, without D − ∫ a_r² H's cancellation. */
  readonly diag: Float64Array
  /** Σ_r a_r per node. */
  readonly S1: Float64Array
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
  /** Σ_panels |K − G| per coordinate of P (sorted order). */
  readonly errEach: Float64Array
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

/**
 * max_r |x_r| over the first `count` entries, which are then zeroed (a panel's accumulators); with
 * `each`, |x_r| is also added to each[r] (per-coordinate error sums).
 */
const maxAbsReset = (x: Float64Array, count: number, each?: Float64Array): number => {
  let e = 0
  for (let r = 0; r < count; r++) {
    const y = Math.abs(x[r]!)
    if (y > e) e = y
    if (each !== undefined) each[r]! += y
    x[r] = 0
  }
  return e
}

/**
 * pass's copy of the table (`table.ts`), filled on first use. A typed array held in a module-level
 * constant lets V8 fold its base and length into `nodeRow`'s loop: 1.4× faster than the same loop
 * over a table passed in, 1.15× than one imported from `table.ts` (measured at d = 1000, 126 nodes).
 */
const T = new Float64Array(TABLE_LENGTH)
let tableFilled = false

/** Per-node sums of `nodeRow`: log H and Σ_r a_r. */
const SUMS = new Float64Array(2)

/**
 * The row of A at node t (a_r for the first `cnt` coordinates) into A[o0…], and its sums into
 * SUMS: the hot loop of every Normal-Argmax call (with the table's Horner sums unrolled).
 */
const nodeRow = (t: number, c: Float64Array, inv: Float64Array, A: Float64Array, o0: number, cnt: number): void => {
  // Imported bindings are read once: under vitest's module runner each read is a getter call, which
  // doubled this loop's time in tests (native ES modules, as built, are unaffected).
  const zlo = ZLO
  const invCell = INV_CELL
  const stride = STRIDE
  let lh = 0
  let s1 = 0
  for (let r = 0; r < cnt; r++) {
    // z ≥ ZLO at every node (`lowestZ`), so the table alone answers: no branch in this loop.
    const u = ((t - c[r]!) * inv[r]! - zlo) * invCell
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
    const a = (qq * s + T[o + 1]!) * inv[r]!
    lh += pp * s + T[o]!
    s1 += a
    A[o0 + r] = a
  }
  SUMS[0] = lh
  SUMS[1] = s1
}

/** Σ_r v_r A[o0 + r] over the first `cnt` coordinates. */
const rowDot = (v: Float64Array, A: Float64Array, o0: number, cnt: number): number => {
  let sv = 0
  for (let r = 0; r < cnt; r++) sv += v[r]! * A[o0 + r]!
  return sv
}

/** P and its Gauss difference at one node. */
const accumulateP = (A: Float64Array, o0: number, cnt: number, wk: number, wd: number, probs: Float64Array, diffP: Float64Array): void => {
  for (let r = 0; r < cnt; r++) {
    const a = A[o0 + r]!
    probs[r]! += wk * a
    diffP[r]! += wd * a
  }
}

/** D and J's diagonal at one node: D_r += w a_r (z_r/σ_r + a_r), J_rr += w a_r z_r/σ_r. */
const accumulateD = (
  A: Float64Array, o0: number, cnt: number, wk: number, t: number, c: Float64Array, inv: Float64Array, D: Float64Array, diag: Float64Array
): void => {
  for (let r = 0; r < cnt; r++) {
    const a = A[o0 + r]!
    const wz = wk * a * (t - c[r]!) * inv[r]! * inv[r]!
    D[r]! += wz + wk * a * a
    diag[r]! += wz
  }
}

/** J v and its Gauss difference at one node (sv = Aᵀv there). */
const accumulateJ = (
  A: Float64Array, o0: number, cnt: number, wk: number, wd: number, t: number, c: Float64Array, inv: Float64Array,
  v: Float64Array, sv: number, jvp: Float64Array, diffJ: Float64Array
): void => {
  for (let r = 0; r < cnt; r++) {
    const a = A[o0 + r]!
    const g = a * (v[r]! * ((t - c[r]!) * inv[r]! * inv[r]! + a) - sv)
    jvp[r]! += wk * g
    diffJ[r]! += wd * g
  }
}

/**
 * min_r z_r over the nodes from `t0` up. Every node lies above L ≥ max_j(c_j + σ_j Φ⁻¹(e^−46)) (see
 * `setup`), so this is ≥ Φ⁻¹(e^−46) ≈ −9.3, inside the table (ZLO = −16); it is checked anyway,
 * once per pass, so that `nodeRow` needs no fallback branch.
 */
const lowestZ = (P: Problem, t0: number): number => {
  let zmin = Infinity
  for (let r = 0; r < P.n; r++) zmin = Math.min(zmin, (t0 - P.c[r]!) * P.inv[r]!)
  return zmin
}

/**
 * Integrates over the panels of `breaks`. With `v` (sorted order) also J v; with `keep` also the
 * rows of A, W and D for later products. Undefined if a node lies below the table (never, by
 * construction: see `lowestZ`).
 */
export const pass = (P: Problem, breaks: ReadonlyArray<number>, v: Float64Array | undefined, keep: boolean): Pass | undefined => {
  if (!(lowestZ(P, breaks[0]!) >= ZLO)) return undefined
  if (!tableFilled) {
    T.set(getTable())
    tableFilled = true
  }
  const { n, c, inv } = P
  const panels = breaks.length - 1
  const nodes = 21 * panels
  const probs = new Float64Array(n)
  const diffP = new Float64Array(n)
  const jvp = v === undefined ? undefined : new Float64Array(n)
  const diffJ = v === undefined ? undefined : new Float64Array(n)
  const D = keep ? new Float64Array(n) : undefined
  const diag = keep ? new Float64Array(n) : undefined
  const panelErr = new Float64Array(panels)
  const errEach = new Float64Array(n)
  const invVmax = v === undefined ? 0 : 1 / Math.max(vmaxOf(v), 1e-300)
  const { cnt: cntAll, off, total } = layout(P, breaks)
  const A = keep ? new Float64Array(total) : new Float64Array(n)
  const W = keep ? new Float64Array(nodes) : undefined
  const S1 = keep ? new Float64Array(nodes) : undefined
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
      nodeRow(t, c, inv, A, o0, cnt)
      const H = Math.exp(SUMS[0]!)
      const s1 = SUMS[1]!
      const wk = RULE.wk[j]! * hw * H
      const wg = RULE.wg[j]! * hw * H
      const wd = wk - wg
      if (W !== undefined && S1 !== undefined) {
        W[m] = wk
        S1[m] = s1
      }
      mK += wk * t * s1
      pk += wk * t * s1
      pg += wg * t * s1
      if (H === 0) continue
      // One loop per quantity, each run only when asked: a plain call accumulates P alone.
      accumulateP(A, o0, cnt, wk, wd, probs, diffP)
      if (D !== undefined && diag !== undefined) accumulateD(A, o0, cnt, wk, t, c, inv, D, diag)
      if (v !== undefined && jvp !== undefined && diffJ !== undefined) {
        accumulateJ(A, o0, cnt, wk, wd, t, c, inv, v, rowDot(v, A, o0, cnt), jvp, diffJ)
      }
    }
    // Gauss's error on this panel, the largest over coordinates; reset the panel accumulators.
    const e = maxAbsReset(diffP, first, errEach)
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
    errEach,
    kept:
      W !== undefined && S1 !== undefined && D !== undefined && diag !== undefined
        ? { nodes, cnt: cntAll, off, A, W, D, diag, S1 }
        : undefined
  }
}
