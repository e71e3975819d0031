/**
 * Linear programs through HiGHS (compiled to WASM), for the polyhedral decisions of `Space` and
 * `@perturb/analysis`. Every solve is synchronous, so space constructors and `analyze` stay plain
 * functions. In Node HiGHS is loaded when `@perturb/core` is imported; in a browser nothing is
 * loaded until `await Lp.ready()`, so an app that only samples never fetches `highs.wasm`, and an
 * LP asked for before then fails with `LpNotReady` saying so.
 *
 * @since 0.1.0
 */
import { Data } from "effect"
import { load, preloaded } from "#highs"
import { InvalidArgument } from "./Errors.js"
import type { Highs, LoadOptions } from "./highs/types.js"

let highs: Highs | undefined = preloaded
let loading: Promise<Highs> | undefined
let options: LoadOptions = {}

/**
 * HiGHS is not loaded yet (a browser before `await Lp.ready()`), or loading it failed (`reason`
 * says why, e.g. `highs.wasm` not found where `locateFile` points).
 *
 * @example
 * import { Lp } from "@perturb/core"
 * try { Lp.solve({ numCols: 1, colLower: Float64Array.of(0), colUpper: Float64Array.of(1), rows: [] }) }
 * catch (e) { if (e instanceof Lp.LpNotReady) await Lp.ready() }
 * @since 0.2.0
 * @category errors
 */
export class LpNotReady extends Data.TaggedError("LpNotReady")<{
  /** Why HiGHS is not loaded, and how to load it. */
  readonly reason: string
}> {
  /** The error as one sentence with the reason. */
  override get message(): string {
    return `The LP solver (HiGHS) is not available: ${this.reason}`
  }
}

/**
 * Where a browser finds `highs.wasm` (the file `highs/runtime` of the `highs` package, version
 * pinned by `@perturb/core`): `locateFile` maps the file name to a URL, or pass the bytes
 * (`wasmBinary`) or a compiled `wasmModule`. Without it the wasm is fetched next to the page
 * (`./highs.wasm`). Call before `ready()`; Node reads the installed package and ignores it.
 *
 * @example
 * import { Lp } from "@perturb/core"
 * Lp.configure({ locateFile: (file) => `/assets/${file}` })
 * await Lp.ready()
 * @since 0.2.0
 * @category constructors
 */
export const configure = (config: LoadOptions): void => {
  if (typeof config !== "object" || config === null) throw new InvalidArgument({ argument: "config", value: config, reason: "Expected { locateFile?, wasmBinary?, wasmModule? }" })
  const { locateFile, wasmBinary, wasmModule } = config
  if (locateFile !== undefined && typeof locateFile !== "function") {
    throw new InvalidArgument({ argument: "config.locateFile", value: locateFile, reason: "Expected a function from a file name (\"highs.wasm\") to its URL" })
  }
  if (wasmBinary !== undefined && !(wasmBinary instanceof ArrayBuffer || ArrayBuffer.isView(wasmBinary))) {
    throw new InvalidArgument({ argument: "config.wasmBinary", value: wasmBinary, reason: "Expected the bytes of highs.wasm (an ArrayBuffer or a typed array)" })
  }
  if (wasmModule !== undefined && (typeof wasmModule !== "object" || wasmModule === null)) {
    throw new InvalidArgument({ argument: "config.wasmModule", value: wasmModule, reason: "Expected a WebAssembly.Module compiled from highs.wasm" })
  }
  options = { ...options, ...config }
}

/**
 * Loads HiGHS if it is not loaded (at most once; a failure can be retried). Resolves at once in
 * Node. In a browser, await it before anything that solves an LP: polyhedral space constructors,
 * `Polyhedral`, `Space.feasible`, `analyze` of affine or polyhedral spaces.
 *
 * @example
 * import { Lp } from "@perturb/core"
 * await Lp.ready()
 * Lp.solve({ numCols: 1, cost: Float64Array.of(1), colLower: Float64Array.of(0), colUpper: Float64Array.of(2), rows: [], maximize: true }).objective // 2
 * @since 0.2.0
 * @category constructors
 */
export const ready = async (): Promise<void> => {
  if (highs !== undefined) return
  loading ??= load(options).then((h) => (highs = h), (cause: unknown) => {
    loading = undefined
    throw new LpNotReady({ reason: `loading highs.wasm failed (${String((cause as Error)?.message ?? cause)}); say where it is served with Lp.configure({ locateFile })` })
  })
  await loading
}

/**
 * Whether an LP can be solved now, without `await Lp.ready()`.
 *
 * @example
 * import { Lp } from "@perturb/core"
 * if (!Lp.isReady()) await Lp.ready()
 * @since 0.2.0
 * @category predicates
 */
export const isReady = (): boolean => highs !== undefined

const instance = (): Highs => {
  if (highs === undefined) {
    throw new LpNotReady({ reason: "in a browser HiGHS loads on demand: `await Lp.ready()` (from @perturb/core) before solving linear programs, e.g. before analyze or a polyhedral space" })
  }
  return highs
}

/**
 * One sparse row: lo ≤ Σ_t val[t]·x[idx[t]] ≤ hi.
 *
 * @example
 * import type { Lp } from "@perturb/core"
 * const row: Lp.Row = { idx: [0, 1], val: [1, 2], lo: -Infinity, hi: 4 } // x₀ + 2x₁ ≤ 4
 * @since 0.1.0
 * @category models
 */
export interface Row {
  /** Column indices of the row's non-zero coefficients. */
  readonly idx: ArrayLike<number>
  /** The coefficients, one per index. */
  readonly val: ArrayLike<number>
  /** Lower bound of the row's value (`-Infinity`: none). */
  readonly lo: number
  /** Upper bound of the row's value (`Infinity`: none). */
  readonly hi: number
}

/**
 * @example
 * import type { Lp } from "@perturb/core"
 * const lp: Lp.Problem = { numCols: 1, cost: Float64Array.of(1), colLower: Float64Array.of(0), colUpper: Float64Array.of(1), rows: [] }
 * @since 0.1.0
 * @category models
 */
export interface Problem {
  /** The number of variables. */
  readonly numCols: number
  /** The objective's coefficients (default 0: a feasibility problem). */
  readonly cost?: Float64Array
  /** Each variable's lower bound (`-Infinity`: free below). */
  readonly colLower: Float64Array
  /** Each variable's upper bound (`Infinity`: free above). */
  readonly colUpper: Float64Array
  /** The constraints lo ≤ a·x ≤ hi. */
  readonly rows: ReadonlyArray<Row>
  /** Maximise rather than minimise (default false). */
  readonly maximize?: boolean
  /** On infeasibility, ask HiGHS for an irreducible infeasible subset (names the conflict). */
  readonly iis?: boolean
  /** HiGHS options for this solve (e.g. `{ solver: "ipm" }`). */
  readonly options?: Readonly<Record<string, string | number | boolean>>
}

/**
 * @example
 * import { Lp } from "@perturb/core"
 * await Lp.ready()
 * const s: Lp.Solution = Lp.solve({ numCols: 1, cost: Float64Array.of(1), colLower: Float64Array.of(2), colUpper: Float64Array.of(5), rows: [] })
 * s.objective // 2
 * @since 0.1.0
 * @category models
 */
export interface Solution {
  /** How HiGHS ended: only `optimal` has a meaningful `x`. */
  readonly status: "optimal" | "infeasible" | "unbounded" | "failed"
  /** The solution, one value per column. */
  readonly x: Float64Array
  /** The objective at `x`. */
  readonly objective: number
  /** With `iis: true` and an infeasible LP: the conflicting rows and column bounds. */
  readonly iis?: {
    /** The conflicting rows, by index. */
    readonly rows: ReadonlyArray<number>
    /** The conflicting column bounds. */
    readonly cols: ReadonlyArray<{
      /** The column, by index. */
      col: number
      /** Which bound conflicts, as HiGHS codes it: 2 lower, 3 upper, 4 both (boxed). */
      bound: number
    }>
  }
}

/**
 * Solves one LP in a fresh HiGHS model. Throws `LpNotReady` in a browser before `ready()`.
 *
 * @example
 * import { Lp } from "@perturb/core"
 * await Lp.ready() // loads HiGHS (in a browser, from where `Lp.ready` is told its wasm lives)
 * // maximise x + y subject to x + 2y ≤ 4, 0 ≤ x, y ≤ 3
 * const s = Lp.solve({
 *   numCols: 2, maximize: true, cost: Float64Array.of(1, 1),
 *   colLower: Float64Array.of(0, 0), colUpper: Float64Array.of(3, 3),
 *   rows: [{ idx: [0, 1], val: [1, 2], lo: -Infinity, hi: 4 }]
 * })
 * s.objective // 3.5 at x = 3, y = 0.5
 * @since 0.1.0
 * @category constructors
 */
export const solve = (lp: Problem): Solution => {
  const highs = instance()
  const starts = new Int32Array(lp.rows.length + 1)
  let nnz = 0
  lp.rows.forEach((r, i) => (nnz += r.idx.length, starts[i + 1] = nnz))
  const indices = new Int32Array(nnz)
  const values = new Float64Array(nnz)
  let k = 0
  for (const r of lp.rows) {
    for (let t = 0; t < r.idx.length; t++) (indices[k] = r.idx[t]!, values[k++] = r.val[t]!)
  }
  const model = highs.createModel({
    numCols: lp.numCols,
    numRows: lp.rows.length,
    sense: lp.maximize === true ? highs.constants.objectiveSense.maximize : highs.constants.objectiveSense.minimize,
    colCost: lp.cost ?? new Float64Array(lp.numCols),
    colLower: lp.colLower,
    colUpper: lp.colUpper,
    rowLower: Float64Array.from(lp.rows, (r) => r.lo),
    rowUpper: Float64Array.from(lp.rows, (r) => r.hi),
    matrix: { format: "csr", numRows: lp.rows.length, numCols: lp.numCols, starts, indices, values }
  })
  try {
    model.options.set({ output_flag: false, ...(lp.options ?? {}) } as never)
    // the default IIS strategy returns nothing once presolve has proved infeasibility; this one
    // re-solves the LP and shrinks the conflict to an irreducible set
    if (lp.iis === true) model.options.set({ iis_strategy: highs.constants.iis.strategyRowPriority })
    model.run()
    const code = model.getModelStatus()
    const ms = highs.constants.modelStatus
    const status = code === ms.optimal || code === ms.empty
      ? "optimal"
      : code === ms.infeasible
      ? "infeasible"
      : code === ms.unbounded || code === ms.unboundedOrInfeasible
      ? "unbounded"
      : "failed"
    if (status === "infeasible" && lp.iis === true) {
      try {
        const iis = model.getIis()
        return {
          status,
          x: new Float64Array(lp.numCols),
          objective: NaN,
          iis: {
            rows: Array.from(iis.rowIndex),
            cols: Array.from(iis.colIndex, (col: number, t: number) => ({ col, bound: iis.colBound[t] ?? 0 }))
          }
        }
      } catch {
        // an IIS is a nicety for the message; without one every constraint is named
      }
    }
    const x = status === "optimal" ? Float64Array.from(model.getSolution().colValue) : new Float64Array(lp.numCols)
    return { status, x, objective: status === "optimal" ? model.getObjectiveValue() : NaN }
  } finally {
    model.dispose()
  }
}
