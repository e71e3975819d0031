/**
 * HiGHS in a browser (or any non-Node runtime): nothing at import, so sampling never waits for
 * or needs the 3.5 MB `highs.wasm`; `Lp.ready()` loads it on first need. The loader is the
 * package's own, with its Node branch removed (`glue.ts`), because browser bundlers refuse its
 * `import("node:module")`. Selected by the `browser`/`default` conditions of `#highs`.
 */
import type { Highs, LoadOptions } from "./types.js"

export const preloaded: Highs | undefined = undefined

export const load = async (options: LoadOptions): Promise<Highs> => {
  const { default: factory } = await import("./glue.js")
  return (await factory({ ...options })) as Highs
}
