/**
 * Node's built-in modules through `process.getBuiltinModule`, not an import statement, so the
 * package's browser bundles stay clean; `undefined` outside Node (or a Node without it).
 *
 * @internal
 */

/** The built-in module `name` (e.g. `"node:os"`), or `undefined` outside Node. */
export const builtin = (name: string): unknown => {
  const p: unknown = Reflect.get(globalThis, "process")
  if (typeof p !== "object" || p === null || !("getBuiltinModule" in p) || typeof p.getBuiltinModule !== "function") return undefined
  return p.getBuiltinModule(name)
}

/** The machine's cores for this process (`os.availableParallelism()`), or `undefined` outside Node. */
export const cores = (): number | undefined => {
  const os = builtin("node:os")
  if (typeof os !== "object" || os === null || !("availableParallelism" in os) || typeof os.availableParallelism !== "function") return undefined
  return Math.max(1, Math.floor(Number(Reflect.apply(os.availableParallelism, os, []))))
}
