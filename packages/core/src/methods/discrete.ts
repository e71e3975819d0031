/**
 * Discrete noise by exact enumeration. `argmaxDiscrete`: exact enumeration of all atom combinations (at most 1e6); ties (exact float64
 *   equality of θ_j + a_j) are split evenly among the tied maximisers. `argmaxDiscreteDirectional`
 *   gives the one-sided derivatives of M along u (Danskin): right = E[max_{j∈T} u_j],
 *   left = E[min_{j∈T} u_j], T the set of maximisers (Prop 5.5: ∂M is an interval at kinks).
 */
import type { Law } from "@perturb/noise"
import { InvalidArgument, NotUnique } from "../Errors.js"
import type { ExactMethod } from "./method.js"
import { type ArgmaxResult, checkLaws, checkTheta, checkVector } from "./shared.js"

const MAX_COMBINATIONS = 1e6

export interface Atoms {
  readonly atoms: ReadonlyArray<Float64Array>
  readonly weights: ReadonlyArray<Float64Array>
}

const atomsOf = (theta: Float64Array, laws: ReadonlyArray<Law>): Atoms => {
  const d = checkTheta(theta)
  checkLaws(laws, d, "discrete")
  let count = 1
  const atoms: Array<Float64Array> = []
  const weights: Array<Float64Array> = []
  laws.forEach((law, i) => {
    const sup = law.traits.support
    if (sup._tag !== "Atoms") {
      throw new InvalidArgument({ argument: `laws[${i}]`, value: String(law), reason: "Expected a law on finitely many atoms" })
    }
    const a = Float64Array.from(sup.atoms)
    const w = Float64Array.from(sup.atoms, (x) => law.pdf(x))
    atoms.push(a)
    weights.push(w)
    count *= a.length
  })
  if (count > MAX_COMBINATIONS) {
    throw new InvalidArgument({
      argument: "laws",
      value: count,
      reason: `Exact enumeration needs Π_j (number of atoms) ≤ ${MAX_COMBINATIONS}`
    })
  }
  return { atoms, weights }
}

/** Visits every atom combination with its weight and the maximisers of θ + a (ties: exact equality; `mixed.ts` shares it). */
export const enumerate = (
  theta: Float64Array,
  { atoms, weights }: Atoms,
  visit: (weight: number, max: number, tied: Int32Array, nTied: number) => void
): void => {
  const d = theta.length
  const idx = new Int32Array(d)
  const tied = new Int32Array(d)
  for (;;) {
    let w = 1
    let mx = -Infinity
    let nt = 0
    for (let j = 0; j < d; j++) {
      w *= weights[j]![idx[j]!]!
      const v = theta[j]! + atoms[j]![idx[j]!]!
      if (v > mx) {
        mx = v
        nt = 0
        tied[nt++] = j
      } else if (v === mx) tied[nt++] = j
    }
    if (w > 0) visit(w, mx, tied, nt)
    let j = 0
    while (j < d) {
      idx[j]!++
      if (idx[j]! < atoms[j]!.length) break
      idx[j] = 0
      j++
    }
    if (j === d) return
  }
}

/** Neumaier-compensated accumulator. */
class Acc {
  s = 0
  c = 0
  add(x: number): void {
    const t = this.s + x
    this.c += Math.abs(this.s) >= Math.abs(x) ? this.s - t + x : x - t + this.s
    this.s = t
  }
  get value(): number {
    return this.s + this.c
  }
}

/**
 * Exact P and M for independent discrete noise by enumerating every atom combination (at most 1e6).
 * Ties split evenly among the tied maximisers (an element of ∂M, its centre only for symmetric ties).
 */
export const argmaxDiscrete = (theta: Float64Array, laws: ReadonlyArray<Law>): ArgmaxResult => {
  const at = atomsOf(theta, laws)
  const d = theta.length
  const acc = Array.from({ length: d }, () => new Acc())
  const m = new Acc()
  enumerate(theta, at, (w, mx, tied, nt) => {
    const share = w / nt
    for (let k = 0; k < nt; k++) acc[tied[k]!]!.add(share)
    m.add(w * mx)
  })
  const probs = Float64Array.from(acc, (a) => a.value)
  let sum = 0
  for (let i = 0; i < d; i++) sum += probs[i]!
  return { probs, potential: m.value, error: Math.abs(sum - 1), potentialError: 1e-15 * Math.abs(m.value), panels: 0 }
}

/**
 * One-sided directional derivatives of M at θ along `direction` u for discrete noise:
 * right = lim_{h↓0} (M(θ + hu) − M(θ))/h = E[max_{j∈T} u_j], left = lim_{h↓0} (M(θ) − M(θ − hu))/h
 * = E[min_{j∈T} u_j], T the maximisers of θ + γ. They differ exactly where ∂M is not a singleton.
 */
export const argmaxDiscreteDirectional = (
  theta: Float64Array,
  laws: ReadonlyArray<Law>,
  direction: Float64Array
): { readonly left: number; readonly right: number } => {
  const at = atomsOf(theta, laws)
  checkVector(direction, theta.length, "direction")
  const left = new Acc()
  const right = new Acc()
  enumerate(theta, at, (w, _mx, tied, nt) => {
    let lo = Infinity
    let hi = -Infinity
    for (let k = 0; k < nt; k++) {
      const u = direction[tied[k]!]!
      if (u < lo) lo = u
      if (u > hi) hi = u
    }
    left.add(w * lo)
    right.add(w * hi)
  })
  return { left: left.value, right: right.value }
}

/**
 * The exact method of discrete noise: P is piecewise constant in θ, so J v is 0 where P(θ + εv)
 * does not jump; where it does (a tie between coordinates that v moves apart) there is no
 * derivative, and the row is refused.
 */
export const discreteMethod = (laws: ReadonlyArray<Law>): ExactMethod => ({
  family: "discrete",
  row: (theta) => argmaxDiscrete(theta, laws),
  jvp: (theta) => new Float64Array(theta.length),
  jvpRefusal: (theta, v) => {
    const { left, right } = argmaxDiscreteDirectional(theta, laws, v)
    return left === right ? undefined : new InvalidArgument({
      argument: "theta",
      value: Array.from(theta),
      reason: "P jumps along v here (θ_i + γ_i ties θ_j + γ_j with v_i ≠ v_j for some atoms), so J v does not exist"
    })
  },
  exactness: "exact",
  jvpExactness: "exact",
  gradient: "analytic",
  lattice: false,
  weights: false,
  oracle: () =>
    new NotUnique({
      property: "identifiable",
      reason: "discrete noise makes ∂M set-valued at kinks (Prop 5.5); see analyze(space, noise)"
    })
})
