/**
 * Linear programs through HiGHS (compiled to WASM), for the polyhedral decisions of `Space` and
 * `@perturb/analysis`. The loader is asynchronous but every solve is synchronous, so one instance
 * loaded when this module is imported keeps space constructors and `analyze` plain functions.
 *
 * @since 0.1.0
 */
type HighsLoader = typeof import("highs").default
const loaded: unknown = (await import("highs")).default
// The package's types describe its CommonJS build (default = module object); its ESM build, which
// Node loads, exports the loader itself. Accept either shape.
const highs = await (typeof loaded === "function" ? loaded : (loaded as { default: HighsLoader }).default)()

/**
 * One sparse row: lo ≤ Σ_t val[t]·x[idx[t]] ≤ hi.
 *
 * @since 0.1.0
 * @category models
 */
export interface Row {
  readonly idx: ArrayLike<number>
  readonly val: ArrayLike<number>
  readonly lo: number
  readonly hi: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Problem {
  readonly numCols: number
  readonly cost?: Float64Array
  readonly colLower: Float64Array
  readonly colUpper: Float64Array
  readonly rows: ReadonlyArray<Row>
  readonly maximize?: boolean
  /** On infeasibility, ask HiGHS for an irreducible infeasible subset (names the conflict). */
  readonly iis?: boolean
  /** HiGHS options for this solve (e.g. `{ solver: "ipm" }`). */
  readonly options?: Readonly<Record<string, string | number | boolean>>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Solution {
  readonly status: "optimal" | "infeasible" | "unbounded" | "failed"
  readonly x: Float64Array
  readonly objective: number
  readonly iis?: { readonly rows: ReadonlyArray<number>; readonly cols: ReadonlyArray<{ col: number; bound: number }> }
}

/**
 * Solves one LP in a fresh HiGHS model.
 *
 * @since 0.1.0
 * @category constructors
 */
export const solve = (lp: Problem): Solution => {
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
