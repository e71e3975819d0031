/**
 * What the two HiGHS loaders (Node's, loaded at import; the browser's, loaded on demand) share.
 */
import type { Highs, InitOptions } from "highs"

export type { Highs }

/** Where the browser finds `highs.wasm` (the same fields highs-js's loader takes). */
export type LoadOptions = Pick<InitOptions, "locateFile" | "wasmBinary" | "wasmModule">
