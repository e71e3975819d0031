/**
 * Numeric evidence for the verdicts of a perturbed optimizer over a polytope (docs/perturbed.md §7):
 * P̂_σ and M̂_σ by seeded Monte Carlo in float64 through `solver.solve`, on draws shared between the
 * points compared (common random numbers make a true pair agree exactly), each figure with its
 * standard error. Evidence never changes a verdict; it can say `false` only where the numbers
 * contradict it beyond their error.
 */
import { Polyhedral, type Solver, Space } from "@perturb/core"
import { Key, Noise } from "@perturb/noise"
import { Effect } from "effect"
import type { Properties, Report } from "../Analyze.js"
import { plusMinus, sci, sciVector } from "../internal/format.js"
import type { Agreement, Evidence, Verdict } from "../Verdict.js"
import { genericDirection } from "../rules/polytope/context.js"
import type { Tick } from "./context.js"

interface Draws {
  readonly n: number
  readonly d: number
  /** σγ⁽ⁱ⁾, row-major n × d. */
  readonly scaled: Float64Array
}

// Not core's `perturbed(…).estimate64`: that needs independent coordinates, and a polytope is also
// analysed under a correlated Gaussian; the pairs need per-draw differences besides.
const drawsOf = (report: Report, key: Key.Key, n: number): Draws => {
  const d = report.dim
  const raw = Noise.sampleVector(report.noise, key, n, d)
  const sigma = report.sigma ?? 1
  return { n, d, scaled: raw.map((x) => sigma * x) }
}

const meanSe = (xs: Float64Array): { mean: number; se: number } => {
  const n = xs.length
  let m = 0
  for (const x of xs) m += x
  m /= n
  let v = 0
  for (const x of xs) v += (x - m) ** 2
  return { mean: m, se: Math.sqrt(v / (n - 1) / n) }
}

/** Per draw, y*(θ + σγ⁽ⁱ⁾) written into `ys` (n × d), and the maximum ⟨θ + σγ, y*⟩ into `values`. */
const solveAll = (solver: Solver.Solver, theta: ArrayLike<number>, draws: Draws): { ys: Float64Array; values: Float64Array } => {
  const { n, d, scaled } = draws
  const ys = new Float64Array(n * d)
  const values = new Float64Array(n)
  const z = new Float64Array(d)
  const y = new Float64Array(d)
  for (let i = 0; i < n; i++) {
    let v = 0
    for (let j = 0; j < d; j++) z[j] = theta[j]! + scaled[i * d + j]!
    solver.solve(z, y)
    for (let j = 0; j < d; j++) v += z[j]! * y[j]!
    ys.set(y, i * d)
    values[i] = v
  }
  return { ys, values }
}

const column = (ys: Float64Array, d: number, j: number): Float64Array => Float64Array.from({ length: ys.length / d }, (_, i) => ys[i * d + j]!)

const estimateP = (ys: Float64Array, d: number) => {
  const cols = Array.from({ length: d }, (_, j) => meanSe(column(ys, d, j)))
  return { mean: cols.map((c) => c.mean), se: cols.map((c) => c.se) }
}

const MC = (n: number): string => `seeded Monte Carlo through solver.solve, ${n} noise draws, float64`

/** A witness pair: the largest coordinate difference of P̂ on common draws, with its standard error. */
const pairEvidence = (solver: Solver.Solver, theta: ReadonlyArray<number>, thetaPrime: ReadonlyArray<number>, tag: string, draws: Draws): Evidence => {
  const d = draws.d
  const a = solveAll(solver, theta, draws).ys
  const b = solveAll(solver, thetaPrime, draws).ys
  let worst = { j: 0, mean: 0, se: 0 }
  for (let j = 0; j < d; j++) {
    const s = meanSe(column(a, d, j).map((x, i) => x - b[i * d + j]!))
    if (Math.abs(s.mean) >= Math.abs(worst.mean)) worst = { j, ...s }
  }
  const scale = Math.max(1, ...Array.from(a, Math.abs))
  const agrees: Agreement = Math.abs(worst.mean) <= 1e-12 * scale ? true : Math.abs(worst.mean) > 4 * worst.se + 1e-12 * scale ? false : "inconclusive"
  return {
    method: `the witness ${tag} at both points, ${MC(draws.n)}, the same draws for both`,
    summary: `max_j |P̂_j(θ) − P̂_j(θ′)| = ${plusMinus(Math.abs(worst.mean), worst.se)} (coordinate ${worst.j}); P̂(θ) = ${sciVector(estimateP(a, d).mean)}`,
    agrees,
    values: { difference: Math.abs(worst.mean), differenceStdError: worst.se },
    at: Array.from(theta)
  }
}

/** Two points of Θ along a generic direction of its hull, for the monotonicity check of Theorem B. */
const pointsOf = (space: Space.Space): { theta: Float64Array; thetaPrime: Float64Array } | undefined => {
  const hull = Space.affineHull(space)
  if (hull.k === 0) return undefined
  const { point } = hull
  const v = genericDirection(hull, point.length)
  const { lo, hi } = Polyhedral.chord(Polyhedral.rows(space), point, v)
  const a = Math.max(lo, -0.5) / 2
  const b = Math.min(hi, 0.5) / 2
  if (!(b > a)) return undefined
  return { theta: point.map((x, i) => x + a * v[i]!), thetaPrime: point.map((x, i) => x + b * v[i]!) }
}

/** ⟨h, P̂(θ′) − P̂(θ)⟩ on common draws: Theorem B says it is > 0 when h = θ′ − θ ∉ L and the density is positive. */
const monotoneEvidence = (solver: Solver.Solver, space: Space.Space, verdict: Verdict, draws: Draws): Evidence => {
  const pts = pointsOf(space)
  if (pts === undefined) return { method: "tangent space of Θ", summary: "Θ is a single point: nothing to compare", agrees: verdict.verdict === "holds" ? true : "inconclusive" }
  const d = draws.d
  const h = pts.thetaPrime.map((x, i) => x - pts.theta[i]!)
  const a = solveAll(solver, pts.theta, draws).ys
  const b = solveAll(solver, pts.thetaPrime, draws).ys
  const per = Float64Array.from({ length: draws.n }, (_, i) => {
    let s = 0
    for (let j = 0; j < d; j++) s += h[j]! * (b[i * d + j]! - a[i * d + j]!)
    return s
  })
  const { mean, se } = meanSe(per)
  const agrees: Agreement = verdict.verdict !== "holds" ? "inconclusive" : mean > 3 * se ? true : "inconclusive"
  return {
    method: `⟨h, P̂(θ′) − P̂(θ)⟩ for two points of Θ with h = θ′ − θ, ${MC(draws.n)}, the same draws for both (docs/perturbed.md §3: > 0 when h ∉ L and the density is positive)`,
    summary: `⟨h, P̂(θ′) − P̂(θ)⟩ = ${plusMinus(mean, se)} at θ = ${sciVector(pts.theta)}`,
    agrees,
    values: { monotone: mean, monotoneStdError: se },
    at: Array.from(pts.theta)
  }
}

/** Targets in ri C: the centroid of Y and mixtures leaning towards one vertex. */
const targetsOf = (Y: ReadonlyArray<Float64Array>): Array<Float64Array> => {
  const d = Y[0]!.length
  const centroid = new Float64Array(d)
  for (const y of Y) for (let j = 0; j < d; j++) centroid[j] = centroid[j]! + y[j]! / Y.length
  const lean = (k: number, w: number) => centroid.map((c, j) => (1 - w) * c + w * Y[k]![j]!)
  return [centroid, lean(0, 0.6), lean(Y.length - 1, 0.9)]
}

/**
 * Fits θ to a target p by subgradient steps on M̂ − ⟨p, ·⟩ over common draws (averaging the second
 * half of the iterates), then estimates P̂(θ) on fresh draws.
 */
const fit = (solver: Solver.Solver, p: Float64Array, fitDraws: Draws, fresh: Draws) => {
  const d = p.length
  const theta = new Float64Array(d)
  const avg = new Float64Array(d)
  const steps = 200
  for (let t = 1; t <= steps; t++) {
    const P = estimateP(solveAll(solver, theta, fitDraws).ys, d).mean
    const step = 4 / Math.sqrt(t)
    for (let j = 0; j < d; j++) theta[j] = theta[j]! - step * (P[j]! - p[j]!)
    if (t > steps / 2) for (let j = 0; j < d; j++) avg[j] = avg[j]! + theta[j]! / (steps / 2)
  }
  const est = estimateP(solveAll(solver, avg, fresh).ys, d)
  let worst = 0
  let se = 0
  for (let j = 0; j < d; j++) if (Math.abs(est.mean[j]! - p[j]!) >= worst) (worst = Math.abs(est.mean[j]! - p[j]!), se = est.se[j]!)
  return { theta: avg, residual: worst, se }
}

const completeEvidence = (solver: Solver.Solver, verdict: Verdict, fitDraws: Draws, fresh: Draws): Evidence => {
  const w = verdict.witness
  if (verdict.verdict === "fails" && w?._tag === "OutsideImage") {
    const est = estimateP(solveAll(solver, w.thetaStar, fresh).ys, fresh.d)
    return {
      method: `P̂(θ*) by ${MC(fresh.n)}; the certificate a·θ* > bound ≥ a·θ on Θ is exact, and no numeric search over Θ is made`,
      summary: `P̂(θ*) = ${sciVector(est.mean)} ± ${sciVector(est.se)} for θ* = ${sciVector(w.thetaStar)}`,
      agrees: "inconclusive",
      at: [...w.thetaStar]
    }
  }
  const Y = solver.vertices(5_000)
  if (verdict.verdict !== "holds" || Y === undefined) {
    return { method: "targets in ri C", summary: verdict.verdict !== "holds" ? "no numeric check of this verdict" : "the vertex set is unknown or too large to place targets", agrees: "inconclusive" }
  }
  const fits = targetsOf(Y).map((p) => ({ p, ...fit(solver, p, fitDraws, fresh) }))
  const worst = fits.reduce((a, b) => (b.residual > a.residual ? b : a))
  // The fit matches p on its own draws; on fresh ones the sampling error of both sets remains. A
  // failed fit may be the optimizer's, not the theorem's: the evidence then stays inconclusive.
  const tolerance = 4 * worst.se * Math.sqrt(1 + fresh.n / fitDraws.n)
  const agrees: Agreement = worst.residual <= tolerance ? true : "inconclusive"
  return {
    method: `θ fitted in ℝ^d to ${fits.length} targets p ∈ ri C (200 subgradient steps on M̂ − ⟨p, ·⟩ with ${fitDraws.n} common draws, iterates averaged), then P̂(θ) on ${fresh.n} fresh draws; Θ + L = ℝ^d (decided exactly) moves θ into Θ without changing P`,
    summary: `worst max_j |P̂_j(θ) − p_j| = ${plusMinus(worst.residual, worst.se)} at p = ${sciVector(worst.p)} (sampling tolerance ${sci(tolerance)})`,
    agrees,
    values: { residual: worst.residual, residualStdError: worst.se, tolerance },
    at: Array.from(worst.theta)
  }
}

/** One-sided difference quotients of M̂ along e_j on common draws: a kink shows as right − left > 0. */
const kinkEvidence = (solver: Solver.Solver, theta: ReadonlyArray<number>, j: number, verdict: Verdict, draws: Draws): Evidence => {
  const eps = 1e-7 * Math.max(1, ...theta.map(Math.abs))
  const shifted = (s: number) => theta.map((x, i) => (i === j ? x + s : x))
  const m0 = solveAll(solver, theta, draws).values
  const mp = solveAll(solver, shifted(eps), draws).values
  const mm = solveAll(solver, shifted(-eps), draws).values
  const right = meanSe(mp.map((x, i) => (x - m0[i]!) / eps))
  const left = meanSe(m0.map((x, i) => (x - mm[i]!) / eps))
  const gap = meanSe(mp.map((x, i) => (x - 2 * m0[i]! + mm[i]!) / eps))
  const seen = gap.mean > 4 * gap.se && gap.mean > 1e-6
  const agrees: Agreement = verdict.verdict === "fails" ? (seen ? true : "inconclusive") : verdict.verdict === "holds" ? (seen ? false : true) : "inconclusive"
  return {
    method: `one-sided difference quotients of M̂ along e_${j} (step ${sci(eps)}), ${MC(draws.n)}, the same draws at the three points`,
    summary: `left ${plusMinus(left.mean, left.se)}, right ${plusMinus(right.mean, right.se)}, right − left = ${plusMinus(gap.mean, gap.se)}`,
    agrees,
    values: { left: left.mean, leftStdError: left.se, right: right.mean, rightStdError: right.se },
    at: Array.from(theta)
  }
}

const minimalEvidence = (solver: Solver.Solver, space: Space.Space, v: Verdict, draws: Draws): Evidence => {
  const w = v.witness
  if (v.verdict === "fails" && (w?._tag === "TranslationPair" || w?._tag === "LinealityPair" || w?._tag === "ConstantPair")) {
    return pairEvidence(solver, w.theta, w.thetaPrime, w._tag, draws)
  }
  return monotoneEvidence(solver, space, v, draws)
}

const identifiableEvidence = (solver: Solver.Solver, space: Space.Space, v: Verdict, draws: Draws): Evidence => {
  const w = v.witness
  if (v.verdict === "fails" && w?._tag === "Kink") return kinkEvidence(solver, w.theta, w.coordinate, v, draws)
  return kinkEvidence(solver, Array.from(Space.affineHull(space).point), 0, v, draws)
}

/** The polytope's three verdicts with their evidence; `samples` draws per estimate. */
export const confirmPolytope = (report: Report, props: Properties, samples: number, key: Key.Key, tick: Tick) =>
  Effect.gen(function*() {
    const solver = report.solver!
    const [k1, k2] = Key.split(key, 2) as [Key.Key, Key.Key]
    const draws = drawsOf(report, k1, samples)
    // The fit solves 200 × 3 × its draws: capped, as its error is judged against both draw counts.
    const fitDraws = drawsOf(report, k2, Math.min(2048, Math.max(64, Math.round(samples / 2))))
    yield* tick.pace
    const complete = completeEvidence(solver, props.complete, fitDraws, draws)
    tick("perturbed: completeness", 1)
    yield* tick.pace
    const minimal = minimalEvidence(solver, report.space, props.minimal, draws)
    tick("perturbed: minimality", 1)
    yield* tick.pace
    const identifiable = identifiableEvidence(solver, report.space, props.identifiable, draws)
    tick("perturbed: identifiability", 1)
    return {
      complete: { ...props.complete, evidence: complete },
      minimal: { ...props.minimal, evidence: minimal },
      identifiable: { ...props.identifiable, evidence: identifiable }
    } satisfies Properties
  })
