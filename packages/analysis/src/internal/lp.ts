/**
 * Linear programs through HiGHS (compiled to WASM). The loader is asynchronous but every solve is
 * synchronous, so one instance loaded when this module is imported keeps `analyze` a plain,
 * synchronous function.
 */
type HighsLoader = typeof import("highs").default
const loaded: unknown = (await import("highs")).default
// The package's types describe its CommonJS build (default = module object); its ESM build, which
// Node loads, exports the loader itself. Accept either shape.
const highs = await (typeof loaded === "function" ? loaded : (loaded as { default: HighsLoader }).default)()

export interface LpRow {
  readonly idx: ArrayLike<number>
  readonly val: ArrayLike<number>
  readonly lo: number
  readonly hi: number
}

export interface Lp {
  readonly numCols: number
  readonly cost?: Float64Array
  readonly colLower: Float64Array
  readonly colUpper: Float64Array
  readonly rows: ReadonlyArray<LpRow>
  readonly maximize?: boolean
  /** HiGHS options for this solve (e.g. `{ solver: "ipm" }`). */
  readonly options?: Readonly<Record<string, string | number | boolean>>
}

export interface LpResult {
  readonly status: "optimal" | "infeasible" | "unbounded" | "failed"
  readonly x: Float64Array
  readonly objective: number
}

export const solveLp = (lp: Lp): LpResult => {
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
    const x = status === "optimal" ? Float64Array.from(model.getSolution().colValue) : new Float64Array(lp.numCols)
    return { status, x, objective: status === "optimal" ? model.getObjectiveValue() : NaN }
  } finally {
    model.dispose()
  }
}
