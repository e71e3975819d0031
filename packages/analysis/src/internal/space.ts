/**
 * The space side of the decisions (docs/math.md §3), for any `Space` written as constraints
 * `g·θ ≤ rhs` / `g·θ = rhs` — core's row form (`Polyhedral.rows`: sparse, so `reals`, `pinned` and
 * `zero-sum` stay O(d), with the labels the reasons quote):
 *
 * - spanning: `Θ + span(𝟙) = ℝ^d` ⇔ `K + span(𝟙) = ℝ^d` for the recession cone
 *   `K = {h : g·h ≤ 0, g·h = 0 on equations}` (Θ = bounded part + K) ⇔ every `±e_i` lies in
 *   `K + span(𝟙)` ⇔ for each `i` and sign `s` some scalar `c` has `s·e_i − c𝟙 ∈ K`. Each of these
 *   is a linear program in the single variable `c`, whose feasible set is an interval, so it is
 *   solved exactly by intersecting the rows' bounds on `c` (O(nnz) for all `2d` of them, where 2d
 *   calls to a general solver would take seconds at d = 1000). When one is infeasible, two rows (or
 *   one) carry the Farkas certificate: `a = λ₁g₁ + λ₂g₂` with `λ ≥ 0`, `a·𝟙 = 0`, `a·(s·e_i) > 0`,
 *   and `a·θ ≤ λ₁rhs₁ + λ₂rhs₂` on Θ.
 * - translations: `max { c : θ ∈ Θ, θ + c𝟙 ∈ Θ }` — decided without a solver when an equation has
 *   coefficients not summing to zero (then `c = 0`) or when every inequality lets `𝟙` (or `−𝟙`) recede;
 *   otherwise one HiGHS LP.
 */
import { Polyhedral, Space } from "@perturb/core"
import { fmt } from "./format.js"
import { type LpRow, solveLp } from "./lp.js"

/** One constraint `g·θ ≤ rhs` (or `=`): core's row form, labels included. */
export type Constraint = Polyhedral.Row

export interface System {
  readonly d: number
  readonly cons: ReadonlyArray<Constraint>
}

export const systemOf = (space: Space.Space): System => ({ d: space.dim, cons: Polyhedral.rows(space) })

/** A point of Θ: closed forms for coordinate bounds and equations, otherwise a feasibility LP. */
export const pointOf = (space: Space.Space, _sys: System): Float64Array => Polyhedral.feasiblePoint(space)

// ---------------------------------------------------------------------------------------------
// Spanning: K + span(𝟙) = ℝ^d
// ---------------------------------------------------------------------------------------------

export type Spanning =
  | { readonly holds: true }
  | {
    readonly holds: false
    /** The coordinate and sign of the direction `s·e_i` that Θ cannot recede in, modulo 𝟙. */
    readonly coordinate: number
    readonly sign: 1 | -1
    /** `a`, with `a·𝟙 = 0`, `a·θ ≤ bound` on Θ, `a·(s·e_i) > 0`; scaled to `‖a‖∞ = 1`. */
    readonly normal: Float64Array
    readonly bound: number
    readonly constraints: ReadonlyArray<string>
  }

/** Rows touching each column (with their entry there), and the rows of each class by `g·𝟙`. */
const columnIndex = (sys: System) => {
  const { d, cons } = sys
  const touching: Array<Array<number>> = Array.from({ length: d }, () => [])
  const entry: Array<Array<number>> = Array.from({ length: d }, () => [])
  const maxAbs = new Float64Array(cons.length)
  const pos: Array<number> = []
  const neg: Array<number> = []
  const eqs: Array<number> = []
  cons.forEach((c, r) => {
    c.idx.forEach((j, t) => {
      touching[j]!.push(r)
      entry[j]!.push(c.val[t]!)
      maxAbs[r] = Math.max(maxAbs[r]!, Math.abs(c.val[t]!))
    })
    if (c.eq) {
      if (c.sum !== 0) eqs.push(r)
    } else if (c.sum > 0) pos.push(r)
    else if (c.sum < 0) neg.push(r)
  })
  return { touching, entry, maxAbs, pos, neg, eqs }
}

/**
 * The best lower and upper bounds on `c` for `s·e_i − c𝟙 ∈ K`, each with the row (and the sign it is
 * used with) giving it; `single` is a row with `g·𝟙 = 0` that alone excludes `s·e_i`. `firstFree`
 * gives the first row of a class not touching column `i` (its `α = 0`).
 */
const bestBounds = (
  cons: ReadonlyArray<Constraint>,
  ix: ReturnType<typeof columnIndex>,
  firstFree: (list: ReadonlyArray<number>) => number,
  i: number,
  s: 1 | -1
) => {
  const b = { lowV: -Infinity, lowR: -1, lowS: 1 as 1 | -1, upV: Infinity, upR: -1, upS: 1 as 1 | -1, single: -1, singleS: 1 as 1 | -1 }
  // Rows not touching column i have α = 0: they bound c by 0 on the side their sum fixes.
  const p0 = firstFree(ix.pos)
  if (p0 >= 0 && 0 > b.lowV) (b.lowV = 0, b.lowR = p0, b.lowS = 1)
  const n0 = firstFree(ix.neg)
  if (n0 >= 0 && 0 < b.upV) (b.upV = 0, b.upR = n0, b.upS = 1)
  const e0 = firstFree(ix.eqs)
  if (e0 >= 0) {
    const sg = cons[e0]!.sum > 0 ? 1 : -1
    if (0 > b.lowV) (b.lowV = 0, b.lowR = e0, b.lowS = sg)
    if (0 < b.upV) (b.upV = 0, b.upR = e0, b.upS = sg === 1 ? -1 : 1)
  }
  const rowsI = ix.touching[i]!
  const entriesI = ix.entry[i]!
  for (let q = 0; q < rowsI.length; q++) {
    const r = rowsI[q]!
    const c = cons[r]!
    const alpha = s * entriesI[q]!
    const tiny = 1e-14 * ix.maxAbs[r]!
    if (c.sum === 0) {
      if (alpha > tiny) (b.single = r, b.singleS = 1)
      else if (c.eq && alpha < -tiny) (b.single = r, b.singleS = -1)
      if (b.single >= 0) break
      continue
    }
    const value = alpha / c.sum
    if (c.eq) {
      const sg = c.sum > 0 ? 1 : -1
      if (value > b.lowV) (b.lowV = value, b.lowR = r, b.lowS = sg)
      if (value < b.upV) (b.upV = value, b.upR = r, b.upS = sg === 1 ? -1 : 1)
    } else if (c.sum > 0) {
      if (value > b.lowV) (b.lowV = value, b.lowR = r, b.lowS = 1)
    } else if (value < b.upV) (b.upV = value, b.upR = r, b.upS = 1)
  }
  return b
}

export const spanning = (sys: System): Spanning => {
  const { d, cons } = sys
  const ix = columnIndex(sys)
  const stamp = new Int32Array(cons.length).fill(-1)
  for (let i = 0; i < d; i++) {
    for (const r of ix.touching[i]!) stamp[r] = i
    const firstFree = (list: ReadonlyArray<number>): number => {
      for (const r of list) if (stamp[r] !== i) return r
      return -1
    }
    for (const s of [1, -1] as const) {
      const { lowV, lowR, lowS, upV, upR, upS, single, singleS } = bestBounds(cons, ix, firstFree, i, s)
      if (single >= 0) {
        const c = cons[single]!
        const a = new Float64Array(d)
        c.idx.forEach((j, t) => (a[j] = singleS * c.val[t]!))
        return certificate(a, singleS * c.rhs, [c.label], i, s)
      }
      if (lowR >= 0 && upR >= 0 && lowV > upV + 1e-9 * (1 + Math.abs(lowV) + Math.abs(upV))) {
        const c1 = cons[lowR]!
        const c2 = cons[upR]!
        const l1 = -(upS * c2.sum)
        const l2 = lowS * c1.sum
        const a = new Float64Array(d)
        c1.idx.forEach((j, t) => (a[j] = a[j]! + l1 * lowS * c1.val[t]!))
        c2.idx.forEach((j, t) => (a[j] = a[j]! + l2 * upS * c2.val[t]!))
        const bound = l1 * lowS * c1.rhs + l2 * upS * c2.rhs
        return certificate(a, bound, [c1.label, c2.label], i, s)
      }
    }
  }
  return { holds: true }
}

const certificate = (a: Float64Array, bound: number, constraints: Array<string>, i: number, s: 1 | -1): Spanning => {
  let scale = 0
  for (const x of a) scale = Math.max(scale, Math.abs(x))
  return { holds: false, coordinate: i, sign: s, normal: a.map((x) => x / scale), bound: bound / scale, constraints: [...new Set(constraints)] }
}

/** `θ* = t·s·e_i` with `a·θ* > bound`, `t ≥ 1` an integer so a person can check it. */
export const outsidePoint = (sp: Extract<Spanning, { holds: false }>, d: number): { theta: Float64Array; value: number } => {
  const omega = sp.sign * sp.normal[sp.coordinate]!
  const t = Math.max(1, Math.ceil((sp.bound + 1) / omega))
  const theta = new Float64Array(d)
  theta[sp.coordinate] = sp.sign * t
  return { theta, value: t * omega }
}

// ---------------------------------------------------------------------------------------------
// Translations: (Θ − Θ) ∩ span(𝟙)
// ---------------------------------------------------------------------------------------------

export type Translation =
  | { readonly kind: "none"; readonly text: string }
  | { readonly kind: "pair"; readonly theta: Float64Array; readonly thetaPrime: Float64Array; readonly c: number; readonly text: string }
  | { readonly kind: "unknown"; readonly text: string }

const shift = (x: Float64Array, c: number): Float64Array => x.map((v) => v + c)

const showShort = (x: Float64Array): string => {
  const xs = Array.from(x.subarray(0, 4), fmt)
  return `(${xs.join(", ")}${x.length > 4 ? ", …" : ""})`
}

/** The largest ε with θ ± ε𝟙 ∈ Θ when θ ∈ Θ and every row with g·𝟙 ≠ 0 is strictly slack; else 0. */
const slackShift = (cons: ReadonlyArray<Constraint>, theta: Float64Array): number => {
  let eps = Infinity
  for (const c of cons) {
    let g = 0
    let mag = Math.abs(c.rhs)
    for (let t = 0; t < c.idx.length; t++) {
      const v = c.val[t]! * theta[c.idx[t]!]!
      g += v
      mag += Math.abs(v)
    }
    const slack = c.rhs - g
    if (c.eq) {
      if (Math.abs(slack) > 1e-12 * Math.max(1, mag)) return 0
      continue
    }
    if (slack < -1e-12 * Math.max(1, mag)) return 0
    if (c.sum !== 0) {
      if (!(slack > 1e-9 * Math.max(1, mag))) return 0
      eps = Math.min(eps, slack / Math.abs(c.sum))
    }
  }
  return Number.isFinite(eps) ? eps : 0
}

export const translation = (space: Space.Space, sys: System): Translation => {
  const { d, cons } = sys
  const fixing = cons.find((c) => c.eq && c.sum !== 0)
  if (fixing !== undefined) {
    const text = `the equation ${fixing.label} has coefficients summing to ${fmt(fixing.sum)} ≠ 0, so θ + c𝟙 leaves Θ unless c = 0`
    return { kind: "none", text }
  }
  const ineqs = cons.filter((c) => !c.eq)
  const anyPos = ineqs.some((c) => c.sum > 0)
  const anyNeg = ineqs.some((c) => c.sum < 0)
  if (!anyPos || !anyNeg) {
    const theta = pointOf(space, sys)
    const c = anyPos ? -1 : 1
    const why = ineqs.length === 0 ? "no inequality" : `every inequality has coefficients summing to ${anyPos ? "≥" : "≤"} 0`
    const text = `every equation has coefficients summing to 0 and ${why}, so θ + ${c === 1 ? "" : "−"}t𝟙 stays in Θ for all t ≥ 0`
    return { kind: "pair", theta, thetaPrime: shift(theta, c), c, text }
  }
  // A point where every row that 𝟙 moves is strictly slack gives a pair without a solver: the shift
  // ε = min slack_r / |g_r·𝟙| keeps θ ± ε𝟙 in Θ. Dense LPs of d = 1000 take HiGHS-in-WASM tens of
  // seconds, so the cheap candidates (the named point, the origin) are tried first.
  const centre = cons.every((c) => c.bound) ? [pointOf(space, sys)] : []
  for (const cand of [...centre, new Float64Array(d)]) {
    const eps = slackShift(cons, cand)
    if (eps > 0) {
      const theta = shift(cand, -eps / 2)
      return { kind: "pair", theta, thetaPrime: shift(theta, eps), c: eps, text: `θ₀ = ${showShort(cand)} is strictly inside every inequality that 𝟙 moves, so θ₀ ± ${fmt(eps / 2)}·𝟙 lie in Θ` }
    }
  }
  return translationLp(sys)
}

// θ, θ + c𝟙 ∈ Θ with c > 0 ⇔ some θ̄ (the midpoint) is strictly slack in every row that 𝟙 moves.
// So: max s ∈ [0, 1] subject to g·θ + s·|g·𝟙| ≤ rhs — then θ̄ ± s𝟙 ∈ Θ. HiGHS's interior-point
// solver takes ~0.5 s on this LP for d = 1000 and 2000 sparse rows, where its simplex takes ~3 s.
const translationLp = (sys: System): Translation => {
  const { d, cons } = sys
  const rows: Array<LpRow> = cons.map((c) => ({
    idx: [...c.idx, d],
    val: [...c.val, c.eq ? 0 : Math.abs(c.sum)],
    lo: c.eq ? c.rhs : -Infinity,
    hi: c.rhs
  }))
  const res = solveLp({
    numCols: d + 1,
    cost: Float64Array.from({ length: d + 1 }, (_, j) => (j === d ? 1 : 0)),
    colLower: Float64Array.from({ length: d + 1 }, (_, j) => (j === d ? 0 : -Infinity)),
    colUpper: Float64Array.from({ length: d + 1 }, (_, j) => (j === d ? 1 : Infinity)),
    rows,
    maximize: true,
    options: { solver: "ipm" }
  })
  if (res.status !== "optimal") return { kind: "unknown", text: `HiGHS could not solve the translation LP (${res.status})` }
  const sStar = res.x[d]!
  let scale = 1
  for (const c of cons) scale = Math.max(scale, Math.abs(c.rhs))
  if (sStar <= 1e-9 * scale) {
    return { kind: "none", text: "the LP max { s : θ ∈ Θ strictly slack by s·|g·𝟙| in every row g that 𝟙 moves } has optimum 0, so no θ, θ + c𝟙 (c ≠ 0) both lie in Θ" }
  }
  if (sStar <= 1e-6 * scale) {
    return { kind: "unknown", text: `the translation LP's optimum ${sStar.toExponential(2)} is within the solver's tolerance of 0` }
  }
  // Half the slack keeps the pair strictly inside the rows it moves, robust to the LP's tolerance.
  const theta = shift(res.x.slice(0, d), -sStar / 2)
  return { kind: "pair", theta, thetaPrime: shift(theta, sStar), c: sStar, text: `the LP max { s : θ̄ ± s𝟙 ∈ Θ } has optimum s = ${fmt(sStar)} > 0` }
}

// ---------------------------------------------------------------------------------------------
// Pairs of coordinates Θ forces equal; lines through Θ
// ---------------------------------------------------------------------------------------------

/** Groups of coordinates with `θ_i = θ_j` on all of Θ (from the affine hull), or [] when too large. */
export const forcedEqualGroups = (space: Space.Space, sys: System): Array<Array<number>> => {
  // Equal coordinates need an equation (explicit, or implicit among inequalities). Without explicit
  // ones, implicit equalities are looked for only in small systems: the hull of a large polyhedron
  // costs core several LPs.
  let nnz = 0
  for (const c of sys.cons) nnz += c.idx.length
  if (!sys.cons.some((c) => c.eq) && (sys.d > 200 || nnz > 20_000)) return []
  let hull: Space.AffineHull
  try {
    hull = Space.affineHull(space)
  } catch {
    return []
  }
  return Polyhedral.equalCoordinates(hull)
}

export interface Line {
  readonly point: Float64Array
  readonly direction: Float64Array
  readonly lo: number
  readonly hi: number
}

/**
 * A line `θ₀ + t·u`, `t ∈ [lo, hi]`, inside Θ through a relative-interior point, along the hull
 * direction that moves the coordinates apart the most; `undefined` when every direction of Θ is
 * parallel to 𝟙 (or Θ is a point).
 */
export const lineThrough = (space: Space.Space, sys: System): { point: Float64Array; line?: Line } => {
  const { point, basis, k } = Space.affineHull(space)
  const d = sys.d
  let best = -1
  let spread = 0
  for (let c = 0; c < k; c++) {
    let mn = Infinity
    let mx = -Infinity
    for (let i = 0; i < d; i++) (mn = Math.min(mn, basis[i * k + c]!), mx = Math.max(mx, basis[i * k + c]!))
    if (mx - mn > spread + 1e-12) (spread = mx - mn, best = c)
  }
  if (best < 0 || spread < 1e-9) return { point }
  const u = Float64Array.from({ length: d }, (_, i) => basis[i * k + best]!)
  const { lo, hi } = Polyhedral.chord(sys.cons, point, u)
  return { point, line: { point, direction: u, lo, hi } }
}

// ---------------------------------------------------------------------------------------------
// Saturation (bounded noise): points of Θ where one coordinate wins for every noise value
// ---------------------------------------------------------------------------------------------

/**
 * A recession direction `h ∈ K` with `h_i − h_k ≥ 1` for every `k ≠ i` (coordinate `i` outgrows all
 * others), or `undefined`.
 */
export const outgrowDirection = (sys: System, i: number): Float64Array | undefined => {
  const d = sys.d
  const rows: Array<LpRow> = Polyhedral.lpRows(Polyhedral.recessionCone(sys.cons))
  for (let k = 0; k < d; k++) if (k !== i) rows.push({ idx: [i, k], val: [1, -1], lo: 1, hi: Infinity })
  // Minimising Σ_k (h_i − h_k) picks the least steep such direction, so witnesses stay small.
  const cost = new Float64Array(d).fill(-1)
  cost[i] = d - 1
  const res = solveLp({
    numCols: d,
    cost,
    colLower: new Float64Array(d).fill(-Infinity),
    colUpper: new Float64Array(d).fill(Infinity),
    rows
  })
  return res.status === "optimal" ? res.x : undefined
}

/**
 * Two distinct points of Θ at which `θ_i − θ_k ≥ gap_k + m` for every `k ≠ i`, with `m > 0` half the best
 * margin Θ allows), or `undefined` when Θ has no such pair.
 */
export const saturatedPair = (
  sys: System,
  i: number,
  gap: (k: number) => number
): { theta: Float64Array; thetaPrime: Float64Array } | undefined => {
  const d = sys.d
  const rows: Array<LpRow> = Polyhedral.lpRows(sys.cons)
  for (let k = 0; k < d; k++) if (k !== i) rows.push({ idx: [i, k, d], val: [1, -1, -1], lo: gap(k), hi: Infinity })
  const colLower = Float64Array.from({ length: d + 1 }, (_, j) => (j === d ? 0 : -Infinity))
  const colUpper = Float64Array.from({ length: d + 1 }, (_, j) => (j === d ? 1 : Infinity))
  const first = solveLp({ numCols: d + 1, cost: Float64Array.from({ length: d + 1 }, (_, j) => (j === d ? 1 : 0)), colLower, colUpper, rows, maximize: true })
  if (first.status !== "optimal" || !(first.x[d]! > 1e-9)) return undefined
  const t = first.x[d]! / 2
  const x0 = first.x
  // Stay within a unit box around the first point so the generic objective below is bounded.
  const lower = Float64Array.from({ length: d + 1 }, (_, j) => (j === d ? t : x0[j]! - 1))
  const upper = Float64Array.from({ length: d + 1 }, (_, j) => (j === d ? t : x0[j]! + 1))
  const cost = Float64Array.from({ length: d + 1 }, (_, j) => (j === d ? 0 : Math.sin(j + 1)))
  const a = solveLp({ numCols: d + 1, cost, colLower: lower, colUpper: upper, rows, maximize: true })
  const b = solveLp({ numCols: d + 1, cost, colLower: lower, colUpper: upper, rows })
  if (a.status !== "optimal" || b.status !== "optimal") return undefined
  let diff = 0
  for (let j = 0; j < d; j++) diff = Math.max(diff, Math.abs(a.x[j]! - b.x[j]!))
  if (diff <= 1e-7) return undefined
  return { theta: a.x.slice(0, d), thetaPrime: b.x.slice(0, d) }
}
