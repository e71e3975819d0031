/**
 * The space value: its closed `_tag` union typed by dimension, the shared prototype that gives
 * every space structural equality, hashing, `toJSON` and `pipe`, and the constraint rows each kind
 * stands for. Constructors live in `constructors.ts` and JSON reading in `json.ts`; this module only
 * knows how a space is represented. Everything else (canonical form, LP system, `contains`, the
 * structure behind the hull and the parameterisation, `@perturb/analysis`) reads the rows, so a new
 * kind is its interface, JSON form and rows here, its constructor and its JSON reader.
 *
 * @since 0.1.0
 */
import { Equal, Hash } from "effect"
import { pipeArguments, type Pipeable } from "effect/Pipeable"
import type { JsonBound, Matrix, SpaceJson, Vector } from "./json-types.js"

/**
 * The brand every space carries (a registered symbol, so two copies of the package agree);
 * `isSpace` tests for it.
 *
 * @example
 * import { Space } from "@perturb/core"
 * Space.TypeId in Space.reals(2) // true
 * @since 0.1.0
 * @category symbols
 */
export const TypeId: unique symbol = Symbol.for("@perturb/core/Space")

/**
 * The type of the brand `TypeId`.
 *
 * @example
 * import { Space } from "@perturb/core"
 * const brand: Space.TypeId = Space.TypeId
 * @since 0.1.0
 * @category symbols
 */
export type TypeId = typeof TypeId

export type { Matrix, Vector } from "./json-types.js"

export interface SpaceBase<D extends number> extends Equal.Equal, Pipeable {
  readonly [TypeId]: TypeId
  /** The number of categories `d`. */
  readonly dim: D
  toJSON(): SpaceJson
}

/**
 * Every kind of space with its own fields (beside `_tag` and `dim`). `Space<D>` is the union over
 * this table, so a kind is declared by its entry here.
 *
 * @example
 * ```ts
 * import type { Space } from "@perturb/core"
 * type BoxFields = Space.Kinds["Box"] // { readonly lo: Vector; readonly hi: Vector }
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export interface Kinds<D extends number = number> {
  /** `ℝ^d`: every parameter is free. */
  readonly Reals: Record<never, never>
  /** `{θ : θ[index] = value}`: one coordinate fixed (the paper's pinned space has `index = 0, value = 0`). */
  readonly Pinned: {
    /** The fixed coordinate (0-based). */
    readonly index: number
    /** The value it is fixed to. */
    readonly value: number
  }
  /** `{θ : Σ θ_i = 0}`. */
  readonly ZeroSum: Record<never, never>
  /** `{θ : Cθ = e}` with `C` of shape `m × d`. */
  readonly Affine: {
    /** The `m × d` equation matrix. */
    readonly C: Matrix
    /** The `m` right-hand sides. */
    readonly e: Vector
  }
  /** `{θ : lo_i ≤ θ_i ≤ hi_i}` with `lo_i < hi_i`; infinite bounds make a coordinate one-sided or free. */
  readonly Box: {
    /** The `d` lower bounds (`-Infinity` where a coordinate is unbounded below). */
    readonly lo: Vector
    /** The `d` upper bounds (`Infinity` where a coordinate is unbounded above). */
    readonly hi: Vector
  }
  /** `{θ : Aθ ≤ b, Cθ = e}`. */
  readonly Polyhedron: {
    /** The `k × d` inequality matrix of `Aθ ≤ b`. */
    readonly A: Matrix
    /** The `k` right-hand sides of `Aθ ≤ b`. */
    readonly b: Vector
    /** The `m × d` equation matrix of `Cθ = e` (no rows when there are no equations). */
    readonly C: Matrix
    /** The `m` right-hand sides of `Cθ = e`. */
    readonly e: Vector
  }
  /** `left ∩ right`, kept as a node so reports can say where each constraint came from. */
  readonly Intersection: {
    /** The first space intersected. */
    readonly left: Space<D>
    /** The second space intersected. */
    readonly right: Space<D>
  }
}

/**
 * The space of kind `T` (a key of `Kinds`): the shared base, the tag and the kind's fields.
 *
 * @example
 * ```ts
 * import { Space } from "@perturb/core"
 * const lower = (s: Space.Kind<"Box">) => s.lo
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export type Kind<T extends keyof Kinds, D extends number = number> = SpaceBase<D> & {
  /** The kind's name, a key of `Kinds`: switch on it to narrow a `Space`. */
  readonly _tag: T
} & Kinds<D>[T]

/**
 * A non-empty convex parameter space of dimension `D`: a closed union of the kinds in `Kinds`.
 *
 * @example
 * import { Space } from "@perturb/core"
 * const spaces: Array<Space.Space> = [Space.reals(3), Space.pinned(3), Space.box(-1, 1, 3)]
 * @since 0.1.0
 * @category models
 */
export type Space<D extends number = number> = { readonly [T in keyof Kinds]: Kind<T, D> }[keyof Kinds]

/**
 * The kinds by name, for narrowing (`Pinned<D>` is `Kind<"Pinned", D>`; `Kinds` documents each).
 *
 * @example
 * import { Space } from "@perturb/core"
 * const s = Space.pinned(3) as Space.Space
 * if (s._tag === "Pinned") { const p: Space.Pinned = s } // narrowing by kind; likewise Reals, ZeroSum, Affine, Box, Polyhedron, Intersection
 * @since 0.1.0
 * @category models
 */
export type Reals<D extends number = number> = Kind<"Reals", D>
/**
 * The `Pinned` kind, for narrowing a `Space` by its `_tag`.
 *
 * @example
 * import { Space } from "@perturb/core"
 * const s: Space.Space = Space.pinned(3)
 * if (s._tag === "Pinned") { const narrowed: Space.Pinned = s }
 * @since 0.1.0
 * @category models
 */
export type Pinned<D extends number = number> = Kind<"Pinned", D>
/**
 * The `ZeroSum` kind, for narrowing a `Space` by its `_tag`.
 *
 * @example
 * import { Space } from "@perturb/core"
 * const s: Space.Space = Space.zeroSum(3)
 * if (s._tag === "ZeroSum") { const narrowed: Space.ZeroSum = s }
 * @since 0.1.0
 * @category models
 */
export type ZeroSum<D extends number = number> = Kind<"ZeroSum", D>
/**
 * The `Affine` kind, for narrowing a `Space` by its `_tag`.
 *
 * @example
 * import { Space } from "@perturb/core"
 * const s: Space.Space = Space.affine({ C: [[1, -1, 0]], e: [0] })
 * if (s._tag === "Affine") { const narrowed: Space.Affine = s }
 * @since 0.1.0
 * @category models
 */
export type Affine<D extends number = number> = Kind<"Affine", D>
/**
 * The `Box` kind, for narrowing a `Space` by its `_tag`.
 *
 * @example
 * import { Space } from "@perturb/core"
 * const s: Space.Space = Space.box(-1, 1, 3)
 * if (s._tag === "Box") { const narrowed: Space.Box = s }
 * @since 0.1.0
 * @category models
 */
export type Box<D extends number = number> = Kind<"Box", D>
/**
 * The `Polyhedron` kind, for narrowing a `Space` by its `_tag`.
 *
 * @example
 * import { Space } from "@perturb/core"
 * const s: Space.Space = Space.polyhedron({ A: [[1, 1]], b: [1] })
 * if (s._tag === "Polyhedron") { const narrowed: Space.Polyhedron = s }
 * @since 0.1.0
 * @category models
 */
export type Polyhedron<D extends number = number> = Kind<"Polyhedron", D>
/**
 * The `Intersection` kind, for narrowing a `Space` by its `_tag`.
 *
 * @example
 * import { Space } from "@perturb/core"
 * const s: Space.Space = Space.intersect(Space.pinned(3), Space.box(-1, 1, 3))
 * if (s._tag === "Intersection") { const narrowed: Space.Intersection = s }
 * @since 0.1.0
 * @category models
 */
export type Intersection<D extends number = number> = Kind<"Intersection", D>

export type { JsonBound, SpaceJson } from "./json-types.js"

// ---------------------------------------------------------------------------------------------
// Constraint rows: what each kind stands for
// ---------------------------------------------------------------------------------------------

/**
 * One constraint of a space in sparse row form: `g·θ ≤ rhs`, or `g·θ = rhs` when `eq`, with
 * `g[idx[t]] = val[t]` and every other entry 0. `label` names the constructor and row that
 * contributed it (the same words `EmptySpace` and `@perturb/analysis` use).
 *
 * @example
 * ```ts
 * import { Polyhedral, Space } from "@perturb/core"
 * const [row] = Polyhedral.rows(Space.pinned(3))
 * // { idx: [0], val: [1], rhs: 0, eq: true, bound: true, sum: 1, label: "pinned θ[0] = 0" }
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export interface Row {
  /** The coordinates with a nonzero coefficient, ascending. */
  readonly idx: Int32Array
  /** Their coefficients: `g[idx[t]] = val[t]`. */
  readonly val: Float64Array
  /** The right-hand side. */
  readonly rhs: number
  /** An equation `g·θ = rhs` when true, an inequality `g·θ ≤ rhs` when false. */
  readonly eq: boolean
  /**
   * A bound on one coordinate as a pinned or box space declares it (`idx = [j]`, `val = [±1]`);
   * LP systems take these as column bounds. Single-coordinate rows of `affine` and `polyhedron`
   * stay rows, so each kind keeps the LP it was built with.
   */
  readonly bound: boolean
  /** `g·𝟙`, set to 0 when it is below rounding level relative to `Σ|g|`. */
  readonly sum: number
  /** Which constructor and row gave this constraint, for messages, e.g. `"pinned θ[0] = 0"`. */
  readonly label: string
}

const sumOf = (val: Float64Array): number => {
  let s = 0
  let mag = 0
  for (let t = 0; t < val.length; t++) (s += val[t]!, mag += Math.abs(val[t]!))
  return Math.abs(s) <= 1e-12 * mag ? 0 : s
}

/** The non-zero entries of a dense row (`-0` counts as zero). */
export const sparse = (row: Vector): { idx: Int32Array; val: Float64Array } => {
  let n = 0
  for (const x of row) if (x !== 0) n++
  const idx = new Int32Array(n)
  const val = new Float64Array(n)
  let k = 0
  row.forEach((x, j) => {
    if (x !== 0) (idx[k] = j, val[k++] = x)
  })
  return { idx, val }
}

const row = (g: { idx: Int32Array; val: Float64Array }, rhs: number, eq: boolean, label: string, bound = false): Row => ({
  idx: g.idx,
  val: g.val,
  rhs,
  eq,
  bound,
  sum: sumOf(g.val),
  label
})

const coordinate = (j: number, sign: number) => ({ idx: Int32Array.of(j), val: Float64Array.of(sign) })

const collect = (space: Space, out: Array<Row>): void => {
  const d = space.dim
  switch (space._tag) {
    case "Reals":
      return
    case "Pinned":
      out.push(row(coordinate(space.index, 1), space.value, true, `pinned θ[${space.index}] = ${space.value}`, true))
      return
    case "ZeroSum": {
      const all = { idx: Int32Array.from({ length: d }, (_, j) => j), val: new Float64Array(d).fill(1) }
      out.push(row(all, 0, true, "zero-sum Σθ = 0"))
      return
    }
    case "Affine":
      space.C.forEach((r, q) => out.push(row(sparse(r), space.e[q]!, true, `affine C[${q}]·θ = ${space.e[q]}`)))
      return
    case "Box":
      for (let j = 0; j < d; j++) {
        if (space.hi[j]! < Infinity) out.push(row(coordinate(j, 1), space.hi[j]!, false, `box θ[${j}] ≤ ${space.hi[j]}`, true))
        if (space.lo[j]! > -Infinity) out.push(row(coordinate(j, -1), -space.lo[j]!, false, `box θ[${j}] ≥ ${space.lo[j]}`, true))
      }
      return
    case "Polyhedron":
      space.A.forEach((r, q) => out.push(row(sparse(r), space.b[q]!, false, `polyhedron A[${q}]·θ ≤ ${space.b[q]}`)))
      space.C.forEach((r, q) => out.push(row(sparse(r), space.e[q]!, true, `polyhedron C[${q}]·θ = ${space.e[q]}`)))
      return
    case "Intersection":
      collect(space.left, out)
      collect(space.right, out)
  }
}

/**
 * The space's constraints as rows, in the order its constructors gave them (an intersection lists
 * its left part first); `Polyhedral.rows` is the checked public form.
 */
export const rowsOf = (space: Space): Array<Row> => {
  const out: Array<Row> = []
  collect(space, out)
  return out
}

// ---------------------------------------------------------------------------------------------
// Prototype: equality, hashing, JSON, pipe
// ---------------------------------------------------------------------------------------------

const jsonBound = (x: number): JsonBound => x === Infinity ? "Infinity" : x === -Infinity ? "-Infinity" : x

const bounds = (xs: Vector): JsonBound | ReadonlyArray<JsonBound> => {
  const first = xs[0] ?? 0
  return xs.every((x) => x === first) ? jsonBound(first) : xs.map(jsonBound)
}

const toJson = (s: Space): SpaceJson => {
  switch (s._tag) {
    case "Reals":
    case "ZeroSum":
      return { _tag: s._tag, dim: s.dim }
    case "Pinned":
      return { _tag: "Pinned", dim: s.dim, index: s.index, value: s.value }
    case "Affine":
      return { _tag: "Affine", dim: s.dim, C: s.C, e: s.e }
    case "Box":
      return { _tag: "Box", dim: s.dim, lo: bounds(s.lo), hi: bounds(s.hi) }
    case "Polyhedron":
      return { _tag: "Polyhedron", dim: s.dim, A: s.A, b: s.b, C: s.C, e: s.e }
    case "Intersection":
      return { _tag: "Intersection", dim: s.dim, left: toJson(s.left), right: toJson(s.right) }
  }
}

// Structural identity: `-0` and `0` are the same constraint, so the key normalises them away.
const key = (s: Space): string => JSON.stringify(toJson(s), (_k, v: unknown) => Object.is(v, -0) ? 0 : v)

const SpaceProto = {
  [TypeId]: TypeId,
  [Equal.symbol](this: Space, that: unknown): boolean {
    return isSpace(that) && that._tag === this._tag && that.dim === this.dim && key(this) === key(that)
  },
  [Hash.symbol](this: Space): number {
    return Hash.string(key(this))
  },
  pipe(this: Space) {
    return pipeArguments(this, arguments)
  },
  toJSON(this: Space): SpaceJson {
    return toJson(this)
  },
  toString(this: Space): string {
    return key(this)
  }
}

export const make = <S extends Space>(fields: Omit<S, keyof SpaceBase<number>> & { readonly dim: number }): S => {
  const self = Object.create(SpaceProto)
  Object.assign(self, fields)
  return Object.freeze(self) as S
}

/**
 * @example
 * import { Space } from "@perturb/core"
 * Space.isSpace(Space.reals(2)) // true
 * Space.isSpace({ _tag: "Reals", dim: 2 }) // false: only the constructors make spaces
 * @since 0.1.0
 * @category guards
 */
export const isSpace = (u: unknown): u is Space => typeof u === "object" && u !== null && TypeId in u
