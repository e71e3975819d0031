/**
 * The generic machinery behind every space kind: the shared prototype that gives every space
 * structural equality, hashing, `toJSON` and `pipe`, the constraint rows a space stands for, and
 * the record by which a kind says what it means. The kinds' types are in `types.ts`; each kind's
 * constructor and record (its rows and its JSON form) are in `constructors.ts`, and JSON reading in
 * `json.ts`. Nothing here names a kind. Everything else (canonical form, LP system, `contains`, the
 * structure behind the hull and the parameterisation, `@perturb/analysis`) reads the rows.
 *
 * @since 0.1.0
 */
import { Equal, Hash } from "effect"
import { pipeArguments } from "effect/Pipeable"
import { type Kind, type Kinds, type Space, type SpaceBase, type SpaceJson, TypeId, type Vector } from "./types.js"

export {
  type Affine,
  type Box,
  type Intersection,
  type JsonBound,
  type Kind,
  type Kinds,
  type Matrix,
  type Pinned,
  type Polyhedron,
  type Reals,
  type Space,
  type SpaceBase,
  type SpaceJson,
  TypeId,
  type Vector,
  type ZeroSum
} from "./types.js"

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

export const row = (g: { idx: Int32Array; val: Float64Array }, rhs: number, eq: boolean, label: string, bound = false): Row => ({
  idx: g.idx,
  val: g.val,
  rhs,
  eq,
  bound,
  sum: sumOf(g.val),
  label
})

export const coordinate = (j: number, sign: number) => ({ idx: Int32Array.of(j), val: Float64Array.of(sign) })

// ---------------------------------------------------------------------------------------------
// A kind's record: what it means, beside its constructor
// ---------------------------------------------------------------------------------------------

/**
 * What one kind of space means, given next to its constructor: the constraint rows it stands for
 * (pushed onto `out`, in constructor order; `rowsInto` collects a part's rows) and its JSON form.
 */
export interface KindRecord<T extends keyof Kinds> {
  readonly rows: (space: Kind<T>, out: Array<Row>) => void
  readonly toJson: (space: Kind<T>) => SpaceJson
}

/** Where a kind's prototype keeps its record (registered, like `TypeId`, so two copies agree). */
export const RecordKey: unique symbol = Symbol.for("@perturb/core/Space/kind")

/** A kind's prototype: the shared one plus its record, made once per kind by `defineKind`. */
export interface KindProto<T extends keyof Kinds> {
  readonly [RecordKey]: KindRecord<T>
}

// Only spaces of the record's own kind are built on its prototype, so erasing its parameter is safe.
interface AnyRecord {
  readonly rows: (space: Space, out: Array<Row>) => void
  readonly toJson: (space: Space) => SpaceJson
}

const recordOf = (space: Space): AnyRecord => (Object.getPrototypeOf(space) as { readonly [RecordKey]: AnyRecord })[RecordKey]

/** Pushes the space's constraint rows onto `out` (an intersection lists its left part first). */
export const rowsInto = (space: Space, out: Array<Row>): void => recordOf(space).rows(space, out)

/**
 * The space's constraints as rows, in the order its constructors gave them (an intersection lists
 * its left part first); `Polyhedral.rows` is the checked public form.
 */
export const rowsOf = (space: Space): Array<Row> => {
  const out: Array<Row> = []
  rowsInto(space, out)
  return out
}

// ---------------------------------------------------------------------------------------------
// Prototype: equality, hashing, JSON, pipe
// ---------------------------------------------------------------------------------------------

const toJson = (s: Space): SpaceJson => recordOf(s).toJson(s)

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

/** The prototype of every space of one kind, holding the kind's record. */
export const defineKind = <T extends keyof Kinds>(record: KindRecord<T>): KindProto<T> =>
  Object.freeze(Object.assign(Object.create(SpaceProto), { [RecordKey]: record }))

export const make = <S extends Space>(
  kind: KindProto<S["_tag"]>,
  fields: Omit<S, keyof SpaceBase<number>> & { readonly dim: number }
): S => {
  const self = Object.create(kind)
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
