/**
 * Small Normal-Argmax probabilities to a relative tolerance: the shared nodes (`probabilities.ts`)
 * certify 1e-10 absolutely, which says little about P ≈ 1e-19; `normalArgmaxSmall` recomputes the
 * ones asked for on a range and panels of their own.
 */
import { Numeric } from "@perturb/noise"
import { byReach, checkTheta, type NormalFamily, prefix, solveLogH } from "./problem.js"
import { getTable, STD, tableAt, ZLO } from "./table.js"

const RULE = Numeric.gaussKronrod21()

/** Below this a probability is certified absolutely (rtol·TAIL_FLOOR), not relatively: identify's targets are ≥ 1e-20. */
const TAIL_FLOOR = 1e-26
const TAIL_MAX_PANELS = 2000
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI)

/**
 * P_k for the coordinates `which` (original indices), each to a relative error ≤ `rtol`, by a
 * Gauss–Kronrod pass of their own; undefined when that cannot be certified (use the adaptive path).
 * The shared nodes certify 1e-10 absolutely, which leaves P ≈ 1e-19 with a relative error of 1e-5:
 * their range stops where H = e^−46, and for a small P_k that truncated mass is not small relative to
 * it. Here each integrand exp(log φ(z_k) − log σ_k + log H − log Φ(z_k)) takes log φ in closed form
 * and log Φ from the table (absolute error ≤ 2e-15·(1 + |log Φ|), measured on [−16, 9.5]), so no
 * Mills-ratio cut-off enters, and the range is cut where the neglected masses are relatively small:
 *   below L, where H(L) ≤ 0.1·rtol·P_k (the mass of every P_k below L is ≤ H(L), as a_k H ≤ h),
 *   above U ≥ c_k + σ_k Φ̄⁻¹(0.1·rtol·P_k) (P_k's mass above is ≤ Φ̄((U − c_k)/σ_k)),
 * with P_k guessed at 1/100 of `guess` and checked afterwards. A coordinate is accepted when
 * Σ_panels |K21 − G10| + both tails + the table's relative error (≤ 4e-15·(|log H(L)| + d)) times
 * P_k is ≤ rtol·max(P_k, 1e-26): probabilities below 1e-26 are certified only to rtol·1e-26.
 * One node costs O(d) table look-ups and one exp per coordinate of `which`.
 */
export const normalArgmaxSmall = (
  theta: Float64Array,
  family: NormalFamily,
  which: ReadonlyArray<number>,
  guess: ReadonlyArray<number>,
  rtol: number = 1e-10
): Float64Array | undefined => {
  checkTheta(theta, family.mean.length)
  if (which.length === 0) return new Float64Array(0)
  const S = tailSetup(theta, family, which)
  let est = Float64Array.from(guess, (g) => (g > 0 ? g : 0))
  for (let attempt = 0; attempt < 2; attempt++) {
    const floor = est.map((g) => Math.max(0.01 * g, TAIL_FLOOR))
    const range = tailRange(S, floor, rtol)
    if (range === undefined) return undefined
    const { L, U } = range
    // The range allows for P_k down to 1/100 of the guess (cheap); the panels aim at the guess itself.
    const tolQ = floor.map((x) => 0.5 * rtol * Math.max(100 * x, TAIL_FLOOR))
    const k0 = Math.max(1, Math.ceil((U - L) / (2 * S.sdMin)))
    const panels: Array<Panel> = []
    for (let i = 0; i < k0; i++) panels.push(evalPanel(S, L + ((U - L) * i) / k0, i + 1 === k0 ? U : L + ((U - L) * (i + 1)) / k0))
    const value = new Float64Array(S.m)
    const error = new Float64Array(S.m)
    for (const p of refine(S, panels, tolQ)) {
      for (let q = 0; q < S.m; q++) {
        value[q]! += p.K[q]!
        error[q]! += p.E[q]!
      }
    }
    if (certified(S, range, value, error, rtol)) return value
    est = value
  }
  return undefined
}

/** The coordinates in reach order, those of `which` (k…) with their log-density constants, and scratch. */
interface Tail {
  readonly d: number
  readonly m: number
  readonly c: Float64Array
  readonly inv: Float64Array
  readonly reach: Float64Array
  readonly kPos: Int32Array
  readonly kc: Float64Array
  readonly kInv: Float64Array
  readonly kNorm: Float64Array
  readonly sdMin: number
  readonly lc: Float64Array
  readonly buf: Float64Array
}

const tailSetup = (theta: Float64Array, family: NormalFamily, which: ReadonlyArray<number>): Tail => {
  const d = family.mean.length
  const m = which.length
  const { order, c, inv, reach } = byReach(theta, family)
  const pos = new Int32Array(d)
  for (let r = 0; r < d; r++) pos[order[r]!] = r
  const kPos = Int32Array.from(which, (j) => pos[j]!)
  const kc = Float64Array.from(kPos, (r) => c[r]!)
  const kInv = Float64Array.from(kPos, (r) => inv[r]!)
  const kNorm = Float64Array.from(kPos, (r) => Math.log(inv[r]!) - LOG_SQRT_2PI)
  let sdMin = Infinity
  for (let r = 0; r < d; r++) sdMin = Math.min(sdMin, 1 / inv[r]!)
  getTable()
  return { d, m, c, inv, reach, kPos, kc, kInv, kNorm, sdMin, lc: new Float64Array(d), buf: new Float64Array(m) }
}

/** The integrands of the P_k at t into `out`. */
const integrand = (S: Tail, t: number, out: Float64Array): void => {
  const { c, inv, lc, kPos, kc, kInv, kNorm } = S
  // Imported bindings read once per node (see `pass.ts`: getter calls under vitest's module runner).
  const zlo = ZLO
  const at = tableAt
  const std = STD
  const cnt = prefix(S.reach, S.d, t)
  let lh = 0
  for (let r = 0; r < cnt; r++) {
    const z = (t - c[r]!) * inv[r]!
    let lp: number
    if (z >= zlo) lp = at(z, 0)
    else lp = std.logcdf(z)
    lc[r] = lp
    lh += lp
  }
  for (let q = 0; q < S.m; q++) {
    const z = (t - kc[q]!) * kInv[q]!
    out[q] = Math.exp(kNorm[q]! - 0.5 * z * z + lh - (kPos[q]! < cnt ? lc[kPos[q]!]! : 0))
  }
}

interface Panel {
  readonly a: number
  readonly b: number
  readonly K: Float64Array
  readonly E: Float64Array
}

const evalPanel = (S: Tail, a: number, b: number): Panel => {
  const { m, buf } = S
  const mid = 0.5 * (a + b)
  const hw = 0.5 * (b - a)
  const K = new Float64Array(m)
  const E = new Float64Array(m)
  for (let j = 0; j < 21; j++) {
    integrand(S, mid + hw * RULE.x[j]!, buf)
    const wk = RULE.wk[j]! * hw
    const wd = wk - RULE.wg[j]! * hw
    for (let q = 0; q < m; q++) {
      K[q]! += wk * buf[q]!
      E[q]! += wd * buf[q]!
    }
  }
  for (let q = 0; q < m; q++) E[q] = Math.abs(E[q]!)
  return { a, b, K, E }
}

/** [L, U] for probabilities down to `floor`, and log H(L); undefined where no such range exists. */
const tailRange = (S: Tail, floor: Float64Array, rtol: number): { L: number; U: number; logHL: number } | undefined => {
  const { c, inv, kc, kInv } = S
  let minFloor = Infinity
  for (let q = 0; q < S.m; q++) minFloor = Math.min(minFloor, floor[q]!)
  const target = Math.log(0.1 * rtol * minFloor)
  let start = -Infinity
  const zLow = STD.quantile(Math.exp(target))
  for (let r = 0; r < S.d; r++) start = Math.max(start, c[r]! + zLow / inv[r]!)
  const low = solveLogH(c, inv, S.reach, S.d, start, target)
  const L = low.t
  let U = -Infinity
  for (let q = 0; q < S.m; q++) U = Math.max(U, kc[q]! - STD.quantile(0.1 * rtol * floor[q]!) / kInv[q]!)
  if (!(U > L) || !Number.isFinite(L)) return undefined
  return { L, U, logHL: low.v }
}

/** Halves the panels carrying more than their share of the error (relative to `tolQ`), a few rounds. */
const refine = (S: Tail, initial: Array<Panel>, tolQ: Float64Array): Array<Panel> => {
  const normErr = (p: Panel): number => {
    let e = 0
    for (let q = 0; q < S.m; q++) e = Math.max(e, p.E[q]! / tolQ[q]!)
    return e
  }
  let panels = initial
  for (let round = 0; round < 12 && panels.length <= TAIL_MAX_PANELS; round++) {
    const ne = panels.map(normErr)
    let total = 0
    let worst = 0
    for (let i = 0; i < ne.length; i++) {
      total += ne[i]!
      if (ne[i]! > ne[worst]!) worst = i
    }
    if (!(total > 1)) break
    const share = 1 / (2 * panels.length)
    const next: Array<Panel> = []
    for (let i = 0; i < panels.length; i++) {
      const p = panels[i]!
      if (ne[i]! > share || i === worst) {
        const mid = 0.5 * (p.a + p.b)
        next.push(evalPanel(S, p.a, mid), evalPanel(S, mid, p.b))
      } else next.push(p)
    }
    panels = next
  }
  return panels
}

/** Whether every P_k's error (panels + both tails + the table's relative error) is within rtol. */
const certified = (
  S: Tail,
  range: { readonly U: number; readonly logHL: number },
  value: Float64Array,
  error: Float64Array,
  rtol: number
): boolean => {
  const relTable = 4e-15 * (Math.abs(range.logHL) + S.d)
  let ok = true
  for (let q = 0; q < S.m && ok; q++) {
    const upper = Math.exp(STD.logcdf(-(range.U - S.kc[q]!) * S.kInv[q]!))
    const err = error[q]! + Math.exp(range.logHL) + upper + relTable * value[q]!
    ok = err <= rtol * Math.max(value[q]!, TAIL_FLOOR)
  }
  return ok
}
