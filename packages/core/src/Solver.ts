/**
 * Solvers: the maps y*(θ) behind perturbed optimizers (Berthet et al. 2020). A *linear* solver
 * maximises ⟨θ, y⟩ over a finite set Y ⊂ ℝ^d (one-hots, top-k indicators, rank vectors, grid
 * paths, the vertices of a polytope); its perturbed optimizer E[y*(θ + σγ)] lies in C = conv Y and is
 * the gradient of M(θ) = E[max_y ⟨θ + σγ, y⟩], which is what a Fenchel–Young loss needs. `sort` and
 * `custom` solvers are any measurable map: they can be perturbed and differentiated (the score-function
 * identity holds for any y*), but have no Fenchel–Young loss.
 *
 * Data layer: no tfjs. Each solver also says what the representation analysis of a polytope needs:
 * L = {u : ⟨u, y − y′⟩ = 0 for all y, y′ ∈ Y}, the directions along which θ does not move y*
 * (span(𝟙) for the simplex, top-k and ranks).
 *
 * @since 0.3.0
 */
import { InvalidArgument } from "./Errors.js"
import * as Lp from "./Lp.js"

/**
 * The kinds of solver.
 *
 * @example
 * import type { Solver } from "@perturb/core"
 * const kind: Solver.Kind = "topK"
 * @since 0.3.0
 * @category models
 */
export type Kind = "argmax" | "topK" | "ranks" | "sort" | "shortestPath" | "lp" | "custom"

/**
 * The JSON form of a solver (a `custom` solver has none: functions do not serialise).
 *
 * @example
 * import { Solver } from "@perturb/core"
 * const json: Solver.SolverJson = Solver.topK(5, 2).toJSON()! // { kind: "topK", d: 5, k: 2 }
 * @since 0.3.0
 * @category models
 */
export type SolverJson =
  | {
    /** Which solver. */
    readonly kind: "argmax" | "ranks" | "sort"
    /** The dimension of θ. */
    readonly d: number
  }
  | {
    /** Which solver. */
    readonly kind: "topK"
    /** The dimension of θ. */
    readonly d: number
    /** How many coordinates are picked. */
    readonly k: number
  }
  | {
    /** Which solver. */
    readonly kind: "shortestPath"
    /** Rows of the grid. */
    readonly height: number
    /** Columns of the grid. */
    readonly width: number
  }
  | {
    /** Which solver. */
    readonly kind: "lp"
    /** The constraint matrix of A x ≤ b, by rows. */
    readonly A: ReadonlyArray<ReadonlyArray<number>>
    /** The right-hand side of A x ≤ b. */
    readonly b: ReadonlyArray<number>
  }

/**
 * A solver: y*(θ) for θ ∈ ℝ^d, with what is known about its vertex set.
 *
 * @example
 * import { Solver } from "@perturb/core"
 * const s: Solver.Solver = Solver.ranks(3)
 * s.apply(Float64Array.of(0.5, -1, 2)) // Float64Array [2, 1, 3]
 * @since 0.3.0
 * @category models
 */
export interface Solver {
  /** Marks a solver (what `perturbed` and `fenchelYoungLoss` check). */
  readonly _tag: "Solver"
  /** Which solver. */
  readonly kind: Kind
  /** The dimension of θ. */
  readonly d: number
  /** The dimension of y. */
  readonly outDim: number
  /** Whether y*(θ) maximises ⟨θ, y⟩ over a finite set (then outDim = d and M, Fenchel–Young exist). */
  readonly linear: boolean
  /** Writes y*(θ) into `out` (length `outDim`); ties go to the lowest index. */
  readonly solve: (theta: Float64Array, out: Float64Array) => void
  /** y*(θ) in a new array. */
  readonly apply: (theta: Float64Array) => Float64Array
  /**
   * An orthonormal basis of L = {u : ⟨u, y − y′⟩ = 0 ∀ y, y′ ∈ Y}, or `undefined` where Y is not a
   * known finite set (`sort`, a `custom` solver without vertices).
   */
  readonly lineality: () => ReadonlyArray<Float64Array> | undefined
  /** Y itself when it has at most `limit` elements and is known, else `undefined`. */
  readonly vertices: (limit: number) => ReadonlyArray<Float64Array> | undefined
  /** The JSON form, or `undefined` for a `custom` solver. */
  readonly toJSON: () => SolverJson | undefined
}

const checkDim = (argument: string, d: unknown, min: number): number => {
  if (typeof d !== "number" || !Number.isInteger(d) || d < min || d > 1e7) {
    throw new InvalidArgument({ argument, value: d, reason: `Expected an integer in ${min}…10⁷` })
  }
  return d
}

/**
 * The Euclidean norm by a loop: `Math.hypot(...v)` spreads v into arguments, which throws a
 * RangeError past V8's argument limit (grids of ~10⁵ cells and more).
 */
const norm2 = (v: Float64Array): number => {
  let scale = 0
  for (const x of v) scale = Math.max(scale, Math.abs(x))
  if (scale === 0 || !Number.isFinite(scale)) return scale
  let sum = 0
  for (const x of v) sum += (x / scale) ** 2
  return scale * Math.sqrt(sum)
}

/** Gram–Schmidt (twice, for stability) of `vectors`, dropping those already spanned. */
const orthonormalise = (vectors: ReadonlyArray<Float64Array>, basis: Array<Float64Array> = []): Array<Float64Array> => {
  for (const v0 of vectors) {
    const v = Float64Array.from(v0)
    const norm0 = norm2(v)
    if (norm0 === 0) continue
    for (let pass = 0; pass < 2; pass++) {
      for (const q of basis) {
        let dot = 0
        for (let i = 0; i < v.length; i++) dot += v[i]! * q[i]!
        for (let i = 0; i < v.length; i++) v[i] = v[i]! - dot * q[i]!
      }
    }
    const norm = norm2(v)
    if (norm <= 1e-9 * norm0) continue
    basis.push(v.map((x) => x / norm))
  }
  return basis
}

/**
 * The orthogonal complement, in ℝ^d, of the span of `directions`: an orthonormal basis.
 *
 * @example
 * import { Solver } from "@perturb/core"
 * Solver.complement([Float64Array.of(1, -1)], 2) // [[0.707…, 0.707…]]
 * @since 0.3.0
 * @category utils
 */
export const complement = (directions: ReadonlyArray<Float64Array>, d: number): ReadonlyArray<Float64Array> => {
  const span = orthonormalise(directions)
  const units = Array.from({ length: d }, (_, i) => {
    const e = new Float64Array(d)
    e[i] = 1
    return e
  })
  return orthonormalise(units, span.slice()).slice(span.length)
}

/**
 * L from an explicit vertex set: the complement of span{y − y₀}.
 *
 * @example
 * import { Solver } from "@perturb/core"
 * Solver.linealityOf([Float64Array.of(1, 0), Float64Array.of(0, 1)]) // [[0.707…, 0.707…]]
 * @since 0.3.0
 * @category utils
 */
export const linealityOf = (vertices: ReadonlyArray<Float64Array>): ReadonlyArray<Float64Array> => {
  const y0 = vertices[0]
  if (y0 === undefined) throw new InvalidArgument({ argument: "vertices", value: vertices, reason: "Expected at least one vertex" })
  return complement(vertices.slice(1).map((y) => y.map((v, i) => v - y0[i]!)), y0.length)
}

const ones = (d: number): ReadonlyArray<Float64Array> => [new Float64Array(d).fill(1 / Math.sqrt(d))]

const binomial = (n: number, k: number): number => {
  let c = 1
  for (let i = 0; i < k; i++) c = (c * (n - i)) / (i + 1)
  return c
}

/** All k-subsets of 0…d−1 as indicator vectors, in lexicographic order. */
const subsets = (d: number, k: number): Array<Float64Array> => {
  const out: Array<Float64Array> = []
  const pick = (start: number, chosen: Array<number>): void => {
    if (chosen.length === k) {
      const y = new Float64Array(d)
      for (const i of chosen) y[i] = 1
      out.push(y)
      return
    }
    for (let i = start; i <= d - (k - chosen.length); i++) pick(i + 1, [...chosen, i])
  }
  pick(0, [])
  return out
}

const permutations = (d: number): Array<Float64Array> => {
  const out: Array<Float64Array> = []
  const perm = Array.from({ length: d }, (_, i) => i + 1)
  // Heap's algorithm
  const walk = (n: number): void => {
    if (n <= 1) return void out.push(Float64Array.from(perm))
    walk(n - 1)
    for (let i = 0; i < n - 1; i++) {
      const j = n % 2 === 0 ? i : 0
      const t = perm[j]!
      perm[j] = perm[n - 1]!
      perm[n - 1] = t
      walk(n - 1)
    }
  }
  walk(d)
  return out
}

/** Indices sorted by θ descending; ties by index, so every solver breaks ties the same way. */
const orderDescending = (theta: Float64Array): Array<number> =>
  Array.from(theta.keys()).sort((a, b) => theta[b]! - theta[a]! || a - b)

const make = (
  fields: Omit<Solver, "_tag" | "apply" | "toJSON"> & { readonly json: SolverJson | undefined }
): Solver => {
  const { json, ...rest } = fields
  return {
    _tag: "Solver",
    ...rest,
    apply: (theta) => {
      const out = new Float64Array(rest.outDim)
      rest.solve(theta, out)
      return out
    },
    toJSON: () => json
  }
}

const checkTheta = (theta: Float64Array, d: number): void => {
  if (theta.length !== d) {
    throw new InvalidArgument({ argument: "theta", value: `length ${theta.length}`, reason: `Expected length ${d}` })
  }
}

/**
 * Argmax over the one-hots: y* = e_i for the largest θ_i (the simplex; the paper's Perturb-Argmax).
 *
 * @example
 * import { Solver } from "@perturb/core"
 * Solver.argmax(3).apply(Float64Array.of(0, 2, 1)) // Float64Array [0, 1, 0]
 * @since 0.3.0
 * @category constructors
 */
export const argmax = (d: number): Solver => topKSolver(checkDim("d", d, 2), 1, "argmax")

function topKSolver(d: number, k: number, kind: "argmax" | "topK"): Solver {
  return make({
    kind,
    d,
    outDim: d,
    linear: true,
    solve: (theta, out) => {
      checkTheta(theta, d)
      out.fill(0)
      if (k === 1) {
        let best = 0
        for (let i = 1; i < d; i++) if (theta[i]! > theta[best]!) best = i
        out[best] = 1
        return
      }
      const order = orderDescending(theta)
      for (let r = 0; r < k; r++) out[order[r]!] = 1
    },
    lineality: () => ones(d),
    vertices: (limit) => (binomial(d, k) <= limit ? subsets(d, k) : undefined),
    json: kind === "argmax" ? { kind, d } : { kind, d, k }
  })
}

/**
 * Top-k: y* is the indicator of the k largest θ_i (ties to the lower index).
 *
 * @example
 * import { Solver } from "@perturb/core"
 * Solver.topK(4, 2).apply(Float64Array.of(3, 0, 2, 1)) // Float64Array [1, 0, 1, 0]
 * @since 0.3.0
 * @category constructors
 */
export const topK = (d: number, k: number): Solver => {
  checkDim("d", d, 2)
  if (typeof k !== "number" || !Number.isInteger(k) || k < 1 || k >= d) {
    throw new InvalidArgument({ argument: "k", value: k, reason: `Expected an integer in 1…${d - 1} (d = ${d})` })
  }
  return topKSolver(d, k, "topK")
}

/**
 * Ranks: y*_i = 1 + #{j : θ_j < θ_i} (ascending, the largest gets d), the maximiser of ⟨θ, y⟩
 * over the permutations of (1, …, d) — the permutahedron's vertices.
 *
 * @example
 * import { Solver } from "@perturb/core"
 * Solver.ranks(3).apply(Float64Array.of(0.5, -1, 2)) // Float64Array [2, 1, 3]
 * @since 0.3.0
 * @category constructors
 */
export const ranks = (d: number): Solver => {
  checkDim("d", d, 2)
  return make({
    kind: "ranks",
    d,
    outDim: d,
    linear: true,
    solve: (theta, out) => {
      checkTheta(theta, d)
      const order = orderDescending(theta)
      for (let r = 0; r < d; r++) out[order[r]!] = d - r
    },
    lineality: () => ones(d),
    vertices: (limit) => {
      let count = 1
      for (let i = 2; i <= d && count <= limit; i++) count *= i
      return count <= limit ? permutations(d) : undefined
    },
    json: { kind: "ranks", d }
  })
}

/**
 * Sort: y* = θ sorted descending. Not linear in a fixed vertex set (y* moves with θ), so it can be
 * perturbed and differentiated but has no Fenchel–Young loss and no polytope analysis.
 *
 * @example
 * import { Solver } from "@perturb/core"
 * Solver.sort(3).apply(Float64Array.of(0.5, -1, 2)) // Float64Array [2, 0.5, -1]
 * @since 0.3.0
 * @category constructors
 */
export const sort = (d: number): Solver => {
  checkDim("d", d, 2)
  return make({
    kind: "sort",
    d,
    outDim: d,
    linear: false,
    solve: (theta, out) => {
      checkTheta(theta, d)
      out.set(theta)
      out.sort().reverse()
    },
    lineality: () => undefined,
    vertices: () => undefined,
    json: { kind: "sort", d }
  })
}

/**
 * Best path on a height × width grid: θ scores the cells (row-major), a path goes from the top-left
 * to the bottom-right cell by steps right or down, and y* is the indicator of the cells of the path
 * with the largest total score (dynamic programming, O(height·width)). For a shortest path under
 * costs c, pass θ = −c. Every such path meets each anti-diagonal i + j = s once, so L is spanned by
 * the anti-diagonals' indicators.
 *
 * @example
 * import { Solver } from "@perturb/core"
 * Solver.shortestPath(2, 2).apply(Float64Array.of(0, 5, 1, 0)) // Float64Array [1, 1, 0, 1]
 * @since 0.3.0
 * @category constructors
 */
export const shortestPath = (height: number, width: number): Solver => {
  checkDim("height", height, 1)
  checkDim("width", width, 1)
  const d = height * width
  if (d < 2) throw new InvalidArgument({ argument: "height × width", value: d, reason: "Expected at least 2 cells" })
  const best = new Float64Array(d)
  return make({
    kind: "shortestPath",
    d,
    outDim: d,
    linear: true,
    solve: (theta, out) => {
      checkTheta(theta, d)
      for (let i = 0; i < height; i++) {
        for (let j = 0; j < width; j++) {
          const c = i * width + j
          const up = i > 0 ? best[c - width]! : -Infinity
          const left = j > 0 ? best[c - 1]! : -Infinity
          best[c] = theta[c]! + (i === 0 && j === 0 ? 0 : Math.max(up, left))
        }
      }
      out.fill(0)
      let i = height - 1
      let j = width - 1
      out[i * width + j] = 1
      while (i > 0 || j > 0) {
        // ties go up first: a fixed rule, so the same θ gives the same path
        if (j === 0 || (i > 0 && best[(i - 1) * width + j]! >= best[i * width + j - 1]!)) i--
        else j--
        out[i * width + j] = 1
      }
    },
    // The anti-diagonals are disjoint, hence already orthogonal: normalising each is enough
    // (Gram–Schmidt would cost (height + width)² · d).
    lineality: () =>
      Array.from({ length: height + width - 1 }, (_, s) => {
        const u = new Float64Array(d)
        const first = Math.max(0, s - width + 1)
        const last = Math.min(height - 1, s)
        for (let i = first; i <= last; i++) u[i * width + s - i] = 1 / Math.sqrt(last - first + 1)
        return u
      }),
    vertices: (limit) => {
      if (binomial(height + width - 2, height - 1) > limit) return undefined
      const out: Array<Float64Array> = []
      const walk = (i: number, j: number, y: Float64Array): void => {
        y[i * width + j] = 1
        if (i === height - 1 && j === width - 1) out.push(Float64Array.from(y))
        if (i + 1 < height) walk(i + 1, j, y)
        if (j + 1 < width) walk(i, j + 1, y)
        y[i * width + j] = 0
      }
      walk(0, 0, new Float64Array(d))
      return out
    },
    json: { kind: "shortestPath", height, width }
  })
}

const checkMatrix = (A: unknown, b: unknown): { A: ReadonlyArray<ReadonlyArray<number>>; b: ReadonlyArray<number>; d: number } => {
  const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v)
  if (!Array.isArray(A) || A.length === 0 || !Array.isArray(A[0]) || A[0].length === 0) {
    throw new InvalidArgument({ argument: "A", value: A, reason: "Expected a non-empty matrix (array of rows)" })
  }
  const d = (A[0] as Array<unknown>).length
  A.forEach((row: unknown, i) => {
    if (!Array.isArray(row) || row.length !== d || !row.every(finite)) {
      throw new InvalidArgument({ argument: `A[${i}]`, value: row, reason: `Expected ${d} finite numbers` })
    }
  })
  if (!Array.isArray(b) || b.length !== A.length || !b.every(finite)) {
    throw new InvalidArgument({ argument: "b", value: b, reason: `Expected ${A.length} finite numbers` })
  }
  return { A: A as ReadonlyArray<ReadonlyArray<number>>, b: b as ReadonlyArray<number>, d }
}

const lpProblem = (A: ReadonlyArray<ReadonlyArray<number>>, b: ReadonlyArray<number>, d: number, cost: Float64Array, maximize: boolean): Lp.Problem => ({
  numCols: d,
  cost,
  maximize,
  colLower: new Float64Array(d).fill(-Infinity),
  colUpper: new Float64Array(d).fill(Infinity),
  rows: A.map((row, i) => ({ idx: row.map((_, j) => j), val: row, lo: -Infinity, hi: b[i]! }))
})

/**
 * A vertex of the polytope {x : A x ≤ b} maximising ⟨θ, x⟩, through HiGHS (`await Lp.ready()`
 * first in a browser). The polytope must be non-empty and bounded: checked here, by 2d LPs. L is
 * the row space of the implicit equalities (rows a with a·x = b on the whole polytope).
 *
 * @example
 * import { Lp, Solver } from "@perturb/core"
 * await Lp.ready()
 * // the unit square
 * const square = Solver.lp({ A: [[1, 0], [-1, 0], [0, 1], [0, -1]], b: [1, 0, 1, 0] })
 * square.apply(Float64Array.of(1, -1)) // Float64Array [1, 0]
 * @since 0.3.0
 * @category constructors
 */
export const lp = (polytope: { readonly A: ReadonlyArray<ReadonlyArray<number>>; readonly b: ReadonlyArray<number> }): Solver => {
  if (typeof polytope !== "object" || polytope === null) {
    throw new InvalidArgument({ argument: "polytope", value: polytope, reason: "Expected { A, b } with A x ≤ b" })
  }
  const { A, b, d } = checkMatrix(polytope.A, polytope.b)
  for (let j = 0; j < d; j++) {
    for (const sign of [1, -1]) {
      const e = new Float64Array(d)
      e[j] = sign
      const s = Lp.solve(lpProblem(A, b, d, e, true))
      if (s.status !== "optimal") {
        throw new InvalidArgument({ argument: "polytope", value: { A, b }, reason: `Expected a non-empty bounded polytope; maximising ${sign > 0 ? "" : "−"}x${j} is ${s.status}` })
      }
    }
  }
  const equalities = A.flatMap((row, i) => {
    const s = Lp.solve(lpProblem(A, b, d, Float64Array.from(row), false))
    return s.status === "optimal" && s.objective >= b[i]! - 1e-9 * Math.max(1, Math.abs(b[i]!)) ? [Float64Array.from(row)] : []
  })
  return make({
    kind: "lp",
    d,
    outDim: d,
    linear: true,
    solve: (theta, out) => {
      checkTheta(theta, d)
      const s = Lp.solve(lpProblem(A, b, d, theta, true))
      if (s.status !== "optimal") {
        throw new InvalidArgument({ argument: "theta", value: Array.from(theta), reason: `HiGHS ended ${s.status}` })
      }
      // HiGHS returns −0 for some zero coordinates: a vertex is written with plain zeros
      for (let i = 0; i < d; i++) out[i] = s.x[i]! + 0
    },
    lineality: () => orthonormalise(equalities),
    vertices: () => undefined,
    json: { kind: "lp", A, b }
  })
}

/**
 * A user solver: any map ℝ^d → ℝ^outDim (a combinatorial algorithm, a dynamic program). Give
 * `vertices` when it is the maximiser of ⟨θ, y⟩ over them: the solver is then linear (Fenchel–Young
 * losses, polytope analysis); otherwise it can only be perturbed and differentiated.
 *
 * @example
 * import { Solver } from "@perturb/core"
 * const firstBeatsSecond = Solver.custom({ d: 2, outDim: 1, solve: (t) => Float64Array.of(t[0]! > t[1]! ? 1 : 0) })
 * firstBeatsSecond.apply(Float64Array.of(1, 0)) // Float64Array [1]
 * @since 0.3.0
 * @category constructors
 */
export const custom = (options: {
  readonly d: number
  readonly outDim: number
  readonly solve: (theta: Float64Array) => ArrayLike<number>
  readonly vertices?: ReadonlyArray<ArrayLike<number>>
}): Solver => {
  const d = checkDim("options.d", options.d, 1)
  const outDim = checkDim("options.outDim", options.outDim, 1)
  if (typeof options.solve !== "function") {
    throw new InvalidArgument({ argument: "options.solve", value: options.solve, reason: "Expected a function (theta: Float64Array) => ArrayLike<number>" })
  }
  const vertices = options.vertices?.map((y, i) => {
    if (y.length !== d || outDim !== d) {
      throw new InvalidArgument({ argument: `options.vertices[${i}]`, value: y, reason: `Expected ${d} numbers, with outDim = d = ${d}` })
    }
    return Float64Array.from(y)
  })
  return make({
    kind: "custom",
    d,
    outDim,
    linear: vertices !== undefined,
    solve: (theta, out) => {
      checkTheta(theta, d)
      const y = options.solve(theta)
      if (y.length !== outDim) {
        throw new InvalidArgument({ argument: "options.solve(theta)", value: `length ${y.length}`, reason: `Expected length outDim = ${outDim}` })
      }
      for (let i = 0; i < outDim; i++) {
        if (!Number.isFinite(y[i]!)) {
          throw new InvalidArgument({ argument: `options.solve(theta)[${i}]`, value: y[i], reason: "Expected a finite number" })
        }
        out[i] = y[i]!
      }
    },
    lineality: () => (vertices === undefined ? undefined : linealityOf(vertices)),
    vertices: (limit) => (vertices !== undefined && vertices.length <= limit ? vertices : undefined),
    json: undefined
  })
}

/**
 * Reads a solver's JSON form (`solver.toJSON()`, a CLI file).
 *
 * @example
 * import { Solver } from "@perturb/core"
 * Solver.fromJSON({ kind: "ranks", d: 4 }).apply(Float64Array.of(4, 3, 2, 1)) // Float64Array [4, 3, 2, 1]
 * @since 0.3.0
 * @category constructors
 */
export const fromJSON = (json: unknown): Solver => {
  const j = json as Record<string, unknown> | null
  if (typeof j !== "object" || j === null) throw new InvalidArgument({ argument: "json", value: json, reason: "Expected a solver's JSON object" })
  switch (j["kind"]) {
    case "argmax":
      return argmax(j["d"] as number)
    case "topK":
      return topK(j["d"] as number, j["k"] as number)
    case "ranks":
      return ranks(j["d"] as number)
    case "sort":
      return sort(j["d"] as number)
    case "shortestPath":
      return shortestPath(j["height"] as number, j["width"] as number)
    case "lp":
      return lp({ A: j["A"] as ReadonlyArray<ReadonlyArray<number>>, b: j["b"] as ReadonlyArray<number> })
    default:
      throw new InvalidArgument({ argument: "json.kind", value: j["kind"], reason: "Expected argmax, topK, ranks, sort, shortestPath or lp" })
  }
}
