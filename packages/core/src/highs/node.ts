/**
 * HiGHS in Node: loaded from the installed package when this module is evaluated (top-level
 * await), so `Lp.solve`, space constructors and `analyze` stay synchronous with no `Lp.ready()`.
 * Selected by the `node` condition of the `#highs` import (package.json `imports`).
 */
import type { Highs, LoadOptions } from "./types.js"

type HighsLoader = typeof import("highs").default
const loaded: unknown = (await import("highs")).default
// The package's types describe its CommonJS build (default = module object); its ESM build, which
// Node loads, exports the loader itself. Accept either shape.
const factory = typeof loaded === "function" ? (loaded as HighsLoader) : (loaded as { default: HighsLoader }).default

export const preloaded: Highs | undefined = await factory()

// Node reads the package's own highs.wasm; the browser's options have nothing to locate here.
export const load = (_options: LoadOptions): Promise<Highs> => Promise.resolve(preloaded!)
