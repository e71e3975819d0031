/**
 * The packages in a browser, as an outside app uses them: `browser-app/main.ts` is bundled by
 * esbuild with its defaults (platform browser, no plugins, no config), and `browser-app/index.html`
 * by Vite with no config file, from the BUILT packages,
 * resolved through their package.json `exports`/`imports` and browser conditions, served on
 * localhost next to `highs.wasm`, and run in Debian's headless Chromium (playwright-core). On the
 * page: sampling, `identify`, `analyze` of a polyhedral space (refused with `LpNotReady` until
 * `await Lp.ready()`, decided after), and a picture (SVG; PNG raises `PngUnavailable`), with a
 * clean console (test/browser-page.ts; pack.test.ts runs the same page bundled from the packed
 * tarballs). Also prints the bundle sizes of a sampling-only app.
 */
import { build } from "esbuild"
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { extname, join, relative, resolve } from "node:path"
import { gzipSync } from "node:zlib"
import { build as viteBuild, createLogger } from "vite"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { checkPage, closeServers, esbuildPage, type Files, serve } from "./browser-page.js"

const here = resolve(import.meta.dirname, "..")
const highsWasm = createRequire(resolve(here, "../core/package.json")).resolve("highs/runtime")

const bundle = async (entry: string): Promise<{ code: string; inputs: Array<string> }> => {
  const out = await build({ entryPoints: [resolve(here, "browser-app", entry)], bundle: true, platform: "browser", write: false, metafile: true, logLevel: "silent" })
  expect(out.warnings.map((w) => w.text)).toEqual([])
  return { code: out.outputFiles[0]!.text, inputs: Object.keys(out.metafile.inputs) }
}

let app = { code: "", inputs: new Array<string>() }

beforeAll(async () => {
  for (const pkg of ["noise", "core", "analysis"]) {
    expect(existsSync(resolve(here, `../${pkg}/dist/src/index.js`)), `@perturb/${pkg} is built (pnpm build)`).toBe(true)
  }
  app = await bundle("main.ts")
}, 120_000)

afterAll(closeServers)

describe("@perturb/* bundled for a browser", () => {
  it("esbuild bundles the browser modules only: no resvg binary, no Dawn, no node: built-ins, no Node loaders", () => {
    const inputs = app.inputs.join("\n")
    expect(inputs).toMatch(/core\/dist\/src\/highs\/browser\.js/)
    expect(inputs).toMatch(/core\/dist\/src\/gpu\/navigator\.js/)
    expect(inputs).toMatch(/analysis\/dist\/src\/pictures\/png\.browser\.js/)
    expect(app.inputs.filter((f) => /resvg|\/webgpu@|node:|highs\/node\.js|gpu\/dawn\.js|png\.node\.js|highs\/build\//.test(f))).toEqual([])
  })

  it("esbuild: samples, identifies, analyses with HiGHS loaded on demand and draws, in headless Chromium with a clean console", async () => {
    await checkPage(await serve(esbuildPage(app.code), highsWasm), "esbuild")
  }, 180_000)

  it("Vite (no config file): builds index.html, and the page does the same", async () => {
    const outDir = mkdtempSync(join(tmpdir(), "perturb-vite-"))
    const warnings: Array<string> = []
    const logger = createLogger("warn", { allowClearScreen: false })
    logger.warn = (msg) => void warnings.push(msg)
    await viteBuild({ root: resolve(here, "browser-app"), configFile: false, logLevel: "warn", customLogger: logger, build: { outDir, emptyOutDir: true } })
    // tfjs alone is over Vite's 500 kB advice; anything else (an externalised node: module) is a failure
    expect(warnings.filter((w) => !w.includes("larger than 500 kB"))).toEqual([])
    const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript" }
    const files: Files = new Map()
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name)
        if (e.isDirectory()) walk(p)
        else files.set(`/${relative(outDir, p)}`, { type: types[extname(p)] ?? "application/octet-stream", body: readFileSync(p) })
      }
    }
    walk(outDir)
    // HiGHS's loader is its own chunk, fetched only by Lp.ready()
    expect([...files.keys()].some((f) => /\/assets\/glue-[\w-]+\.js$/.test(f))).toBe(true)
    await checkPage(await serve(files, highsWasm), "vite")
  }, 180_000)


  it("prints the size of a sampling-only app (esbuild defaults, and minified), beside tfjs alone", async () => {
    const measure = async (entry: { file: string } | { contents: string }, minify: boolean) => {
      const out = await build({
        ...("file" in entry ? { entryPoints: [resolve(here, "browser-app", entry.file)] } : { stdin: { contents: entry.contents, resolveDir: resolve(here, "browser-app") } }),
        bundle: true, platform: "browser", minify, write: false, metafile: true, logLevel: "silent"
      })
      const code = out.outputFiles[0]!.contents
      const highs = Object.entries(Object.values(out.metafile.outputs)[0]!.inputs).filter(([f]) => f.includes("highs/glue")).reduce((n, [, v]) => n + v.bytesInOutput, 0)
      return { raw: code.length, gzip: gzipSync(code).length, highs }
    }
    const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`
    const lines: Array<string> = []
    for (const minify of [false, true]) {
      const app = await measure({ file: "sample.ts" }, minify)
      const tfjs = await measure({ contents: `import * as tf from "@tensorflow/tfjs"\ndocument.title = tf.tensor1d([1, 2]).shape.join()` }, minify)
      expect(app.raw).toBeGreaterThan(tfjs.raw)
      // sampling never reaches Lp.ready(), so HiGHS's loader is tree-shaken away
      expect(app.highs).toBe(0)
      lines.push(`${minify ? "minified" : "default "}: ${kib(app.raw)} raw, ${kib(app.gzip)} gzip (tfjs alone ${kib(tfjs.raw)} raw, ${kib(tfjs.gzip)} gzip; HiGHS loader, not run until Lp.ready(), ${kib(app.highs)} raw)`)
    }
    console.log(`sampling-only app bundle (esbuild --bundle --platform=browser):\n  ${lines.join("\n  ")}`)
  }, 120_000)
})
