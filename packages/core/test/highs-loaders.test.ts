/**
 * The two HiGHS loaders: Node's (at import, behind `Lp`) and the browser's (on demand, from the
 * generated `src/highs/glue.ts`), exercised here in Node on the package's own `highs.wasm` bytes,
 * so the glue that browsers run is known to solve, and known to match the installed highs.
 */
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { load as loadBrowser } from "../src/highs/browser.js"
import { InvalidArgument, Lp } from "../src/index.js"

const root = resolve(import.meta.dirname, "..")
const wasm = readFileSync(createRequire(resolve(root, "package.json")).resolve("highs/runtime"))

const box: Lp.Problem = {
  numCols: 2,
  cost: Float64Array.of(1, 2),
  colLower: Float64Array.of(0, 0),
  colUpper: Float64Array.of(3, 1),
  rows: [{ idx: [0, 1], val: [1, 1], lo: -Infinity, hi: 3 }],
  maximize: true
}

describe("HiGHS loaders", () => {
  it("Node: loaded at import, so Lp.solve is synchronous from the start and ready() resolves at once", async () => {
    expect(Lp.isReady()).toBe(true)
    expect(Lp.solve(box)).toMatchObject({ status: "optimal", objective: 4 })
    await expect(Lp.ready()).resolves.toBeUndefined()
  })

  it("browser loader: the generated glue instantiates the package's wasm and solves the same LP", async () => {
    const highs = await loadBrowser({ wasmBinary: wasm })
    const model = highs.createModel({
      numCols: 2,
      numRows: 1,
      sense: highs.constants.objectiveSense.maximize,
      colCost: box.cost!,
      colLower: box.colLower,
      colUpper: box.colUpper,
      rowLower: Float64Array.of(-Infinity),
      rowUpper: Float64Array.of(3),
      matrix: { format: "csr", numRows: 1, numCols: 2, starts: Int32Array.of(0, 2), indices: Int32Array.of(0, 1), values: Float64Array.of(1, 1) }
    })
    try {
      model.options.set({ output_flag: false } as never)
      model.run()
      expect(model.getModelStatus()).toBe(highs.constants.modelStatus.optimal)
      expect(model.getObjectiveValue()).toBeCloseTo(4, 12)
    } finally {
      model.dispose()
    }
  })

  it("browser loader: a compiled wasmModule works too; a wasm that is not there, or is not HiGHS, rejects", async () => {
    const highs = await loadBrowser({ wasmModule: new WebAssembly.Module(wasm) })
    expect(typeof highs.createModel).toBe("function")
    await expect(loadBrowser({ locateFile: () => "http://127.0.0.1:9/highs.wasm" })).rejects.toThrow()
    // a valid module without HiGHS's exports
    await expect(loadBrowser({ wasmBinary: Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0) })).rejects.toThrow()
    await expect(loadBrowser({ wasmBinary: Uint8Array.of(1, 2, 3) })).rejects.toThrow()
  })

  it("Lp.configure refuses what cannot locate a wasm, naming the argument and the value", () => {
    const cases: Array<[unknown, string, string]> = [
      [null, "config", "null"],
      [{ locateFile: "/highs.wasm" }, "config.locateFile", "/highs.wasm"],
      [{ wasmBinary: [0, 97, 115, 109] }, "config.wasmBinary", "0"],
      [{ wasmModule: 42 }, "config.wasmModule", "42"]
    ]
    for (const [config, argument, shown] of cases) {
      let error: unknown
      try {
        Lp.configure(config as never)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(InvalidArgument)
      expect(error).toMatchObject({ argument })
      expect((error as Error).message).toContain(shown)
    }
    // accepted, and unused in Node, where the package's own wasm is already loaded
    Lp.configure({ locateFile: (file) => `/assets/${file}`, wasmBinary: wasm })
    expect(Lp.solve(box).objective).toBe(4)
  })

  it("the generated glue is what scripts/highs-web.mjs makes from the installed highs", () => {
    expect(() => execFileSync(process.execPath, [resolve(root, "scripts/highs-web.mjs"), "--check"], { stdio: "pipe" })).not.toThrow()
  })
})
