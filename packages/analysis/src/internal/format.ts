/**
 * How analysis writes numbers, vectors, coordinates and spaces, for reasons, reports, evidence and
 * pictures alike. One coordinate convention: 0-based, as the paper and docs/math.md write it — θ₀ is the
 * coordinate `Space.pinned` fixes, `p₀` its probability, `e₀` its vertex of the simplex. Reasons
 * write an index as `θ_i` (plain text survives every terminal); pictures as `θᵢ` with subscript
 * digits; both name the same coordinate.
 */
import type { Space } from "@perturb/core"

/** A number in reasons and reports: integers as they are, others to 4 significant digits. */
export const fmt = (x: number): string => {
  if (Number.isInteger(x)) return String(x)
  const s = x.toPrecision(4)
  return String(Number(s))
}

/** A vector of `fmt` numbers, the first `max` of them and a count of the rest. */
export const show = (x: ArrayLike<number>, max = 6): string => {
  const xs = Array.from(x)
  const head = xs.slice(0, max).map(fmt).join(", ")
  return `(${head}${xs.length > max ? `, … ${xs.length - max} more` : ""})`
}

/**
 * A subdifferential from its vertices: one vector, the segment `[x, y]`, or `conv{…}` of more —
 * so a witness on a tie never shows ∂M as a single vector.
 */
export const polytope = (vertices: ReadonlyArray<ArrayLike<number>>, max = 6): string => {
  const vs = vertices.map((v) => show(v, 8))
  if (vs.length === 1) return `the single vector ${vs[0]}`
  if (vs.length === 2) return `the segment [${vs[0]}, ${vs[1]}]`
  const head = vs.slice(0, max).join(", ")
  return `the polytope conv{${head}${vs.length > max ? `, … ${vs.length - max} more vertices` : ""}} (${vs.length} vertices)`
}

/**
 * A number in numeric evidence: 3 significant digits, exponent notation outside [1e-3, 1e5) —
 * residuals and eigenvalues span many orders of magnitude.
 */
export const sci = (x: number): string => {
  if (!Number.isFinite(x)) return String(x)
  if (x === 0) return "0"
  const a = Math.abs(x)
  return a >= 1e-3 && a < 1e5 ? String(Number(x.toPrecision(3))) : x.toExponential(2)
}

/** Every entry of a vector, as `sci` numbers. */
export const sciVector = (x: ArrayLike<number>): string => `(${Array.from(x, sci).join(", ")})`

/** An estimate and its standard error (none, or 0, for an exact figure). */
export const plusMinus = (x: number, se: number | undefined): string => (se === undefined || se === 0 ? sci(x) : `${sci(x)} ± ${sci(se)}`)

/** A probability that is a simple fraction (halves, thirds, quarters, eighths) written as one. */
export const fraction = (x: number): string => {
  for (const q of [2, 3, 4, 8]) {
    const m = Math.round(x * q)
    if (Math.abs(x * q - m) < 1e-6) return m === 0 ? "0" : m === q ? "1" : `${m}/${q}`
  }
  return String(Number(x.toPrecision(3)))
}

const SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉"

/** `i` in subscript digits (0-based indices: `sub(0)` is "₀"). */
export const sub = (i: number): string => String(i).replace(/\d/g, (c) => SUBSCRIPTS[Number(c)]!)

/** The coordinate `name` with 0-based index `i` in subscript: `coordinate("θ", 0)` is "θ₀". */
export const coordinate = (name: string, i: number): string => `${name}${sub(i)}`

/** The space's name in a report's header line. */
export const spaceName = (s: Space.Space): string => {
  switch (s._tag) {
    case "Reals":
      return `ℝ^${s.dim}`
    case "Pinned":
      return `pinned θ[${s.index}] = ${s.value}`
    case "ZeroSum":
      return "zero-sum Σθ = 0"
    case "Affine":
      return `affine (${s.C.length} equation${s.C.length === 1 ? "" : "s"})`
    case "Box": {
      const lo = new Set(s.lo)
      const hi = new Set(s.hi)
      return lo.size === 1 && hi.size === 1 ? `box [${s.lo[0]}, ${s.hi[0]}]^${s.dim}` : "box"
    }
    case "Polyhedron":
      return `polyhedron (${s.A.length} inequalities${s.C.length > 0 ? `, ${s.C.length} equations` : ""})`
    case "Intersection":
      return `${spaceName(s.left)} ∩ ${spaceName(s.right)}`
  }
}

const term = (c: number, j: number): string =>
  c === 0 ? "" : `${c === 1 ? "+" : c === -1 ? "−" : c > 0 ? `+${c}` : `${c}`}${coordinate("θ", j)}`

/** The space as a formula, for a picture's subtitle: `{θ₀ = 0}`, `θ₀−θ₁ = 0`, … */
export const spaceFormula = (s: Space.Space): string => {
  switch (s._tag) {
    case "Reals":
      return `ℝ^${s.dim}`
    case "Pinned":
      return `{${coordinate("θ", s.index)} = ${s.value}}`
    case "ZeroSum":
      return "{Σθ = 0}"
    case "Affine":
      return s.C.map((row, q) => `${row.map(term).join("").replace(/^\+/, "")} = ${s.e[q]}`).join(", ")
    case "Box":
      return `box [${Math.min(...s.lo)}, ${Math.max(...s.hi)}]^${s.dim}`
    case "Polyhedron":
      return "polyhedron"
    case "Intersection":
      return `${spaceFormula(s.left)} ∩ ${spaceFormula(s.right)}`
  }
}
