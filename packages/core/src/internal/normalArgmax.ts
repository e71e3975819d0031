/** Moved to `methods/normal/`; this re-export keeps the old import path working. */
export * from "../methods/normal/index.js"
