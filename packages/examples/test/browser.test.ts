/**
 * The packages in a browser, as an outside app uses them: `browser-app/main.ts` is bundled by
 * esbuild with its defaults (platform browser, no plugins, no config), and `browser-app/index.html`
 * by Vite with no config file, from the BUILT packages,
 * resolved through their package.json `exports`/`imports` and browser conditions, served on
 * localhost next to `highs.wasm`, and run in Debian's headless Chromium (playwright-core). On the
 * page: sampling, `identify`, `analyze` of a polyhedral space (refused with `LpNotReady` until
 * `await Lp.ready()`, decided after), and a picture (SVG; PNG raises `PngUnavailable`), with a
 * clean console. Also prints the bundle sizes of a sampling-only app.
 */
import { build } from "esbuild"
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { createRequire } from "node:module"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { extname, join, relative, resolve } from "node:path"
import { gzipSync } from "node:zlib"
import { build as viteBuild, createLogger } from "vite"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { launchChromium, watchProblems } from "./chromium.js"

const here = resolve(import.meta.dirname, "..")
const highsWasm = createRequire(resolve(here, "../core/package.json")).resolve("highs/runtime")

const bundle = async (entry: string): Promise<{ code: string; inputs: Array<string> }> => {
  const out = await build({ entryPoints: [resolve(here, "browser-app", entry)], bundle: true, platform: "browser", write: false, metafile: true, logLevel: "silent" })
  expect(out.warnings.map((w) => w.text)).toEqual([])
  return { code: out.outputFiles[0]!.text, inputs: Object.keys(out.metafile.inputs) }
}

const checkPage = async (origin: string, bundler: string): Promise<void> => {
  const browser = await launchChromium()
  try {
    const page = await browser.newPage()
    let noAdapterNote = false
    // Chromium's own note when navigator.gpu has no adapter (a GPU-less CI machine); the app
    // reports that case as WebGPUUnavailable("adapter"), checked below
    const problems = watchProblems(page, (m) => m.type() === "warning" && m.text() === "No available adapters." && (noAdapterNote = true))
    const requests: Array<string> = []
    page.on("request", (r) => requests.push(new URL(r.url()).pathname))
    await page.goto(origin, { waitUntil: "load" })
    await page.waitForFunction(() => window.perturbResult !== undefined)
    const result = (await page.evaluate(() => window.perturbResult)) as {
      gpu: string
      sampling: { shape: Array<number>; sameKeySameNumbers: boolean; maxRowSumError: number }
      identify: { theta: Array<number>; probs: Array<number>; target: Array<number> }
      lp: { readyBefore: boolean; before: string; loadMs: number; readyAfter: boolean }
      verdicts: Record<string, string | undefined>
      picture: { width: number; height: number; svgLength: number; png: string }
    }
    expect(result.gpu).toMatch(/^(enabled: webgpu|WebGPUUnavailable: (navigator-gpu|adapter))$/)
    if (noAdapterNote) expect(result.gpu).toBe("WebGPUUnavailable: adapter")
    expect(result.sampling.shape).toEqual([64, 3])
    expect(result.sampling.sameKeySameNumbers).toBe(true)
    expect(result.sampling.maxRowSumError).toBeLessThan(1e-5)
    expect(result.identify.theta[0]).toBe(0)
    result.identify.probs.forEach((p, i) => expect(p).toBeCloseTo(result.identify.target[i]!, 4))
    // HiGHS was not loaded for sampling, the LP case said so, and it was fetched once on ready()
    expect(result.lp).toMatchObject({ readyBefore: false, before: "LpNotReady", readyAfter: true })
    expect(requests.filter((p) => p === "/highs.wasm")).toHaveLength(1)
    // θ₀, θ₁ ≥ 0 with θ₂ = 0: a cone with interior, not a translation-invariant space
    expect(result.verdicts.argmaxComplete).toBe("fails")
    expect(["holds", "fails", "undecided"]).toContain(result.verdicts.argmaxMinimal)
    expect(result.picture.png).toBe("PngUnavailable")
    const svg = await page.evaluate(() => {
      const el = document.querySelector("#picture svg")
      const box = el?.getBoundingClientRect()
      return { found: el !== null, width: box?.width ?? 0, marks: el?.querySelectorAll("circle, path, polygon").length ?? 0 }
    })
    expect(svg.found).toBe(true)
    expect(svg.width).toBeGreaterThan(100)
    expect(svg.marks).toBeGreaterThan(10)
    expect(problems).toEqual([])
    console.log(`${bundler}: HiGHS loaded on demand in ${result.lp.loadMs.toFixed(0)} ms; verdicts ${JSON.stringify(result.verdicts)}; gpu ${result.gpu}`)
  } finally {
    await browser.close()
  }
}

type Files = Map<string, { type: string; body: string | Buffer }>
const servers: Array<Server> = []
const serve = async (files: Files): Promise<string> => {
  files.set("/highs.wasm", { type: "application/wasm", body: readFileSync(highsWasm) })
  const server = createServer((req, res) => {
    const file = files.get(req.url === "/" ? "/index.html" : req.url ?? "")
    res.writeHead(file === undefined ? 404 : 200, { "content-type": file?.type ?? "text/plain" })
    res.end(file?.body ?? "not found")
  })
  servers.push(server)
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

let app = { code: "", inputs: new Array<string>() }

beforeAll(async () => {
  for (const pkg of ["noise", "core", "analysis"]) {
    expect(existsSync(resolve(here, `../${pkg}/dist/src/index.js`)), `@perturb/${pkg} is built (pnpm build)`).toBe(true)
  }
  app = await bundle("main.ts")
}, 120_000)

afterAll(() => Promise.all(servers.map((s) => new Promise<void>((done) => s.close(() => done())))))

describe("@perturb/* bundled for a browser", () => {
  it("esbuild bundles the browser modules only: no resvg binary, no Dawn, no node: built-ins, no Node loaders", () => {
    const inputs = app.inputs.join("\n")
    expect(inputs).toMatch(/core\/dist\/src\/highs\/browser\.js/)
    expect(inputs).toMatch(/core\/dist\/src\/gpu\/navigator\.js/)
    expect(inputs).toMatch(/analysis\/dist\/src\/pictures\/png\.browser\.js/)
    expect(app.inputs.filter((f) => /resvg|\/webgpu@|node:|highs\/node\.js|gpu\/dawn\.js|png\.node\.js|highs\/build\//.test(f))).toEqual([])
  })

  it("esbuild: samples, identifies, analyses with HiGHS loaded on demand and draws, in headless Chromium with a clean console", async () => {
    const origin = await serve(new Map([
      ["/index.html", { type: "text/html", body: `<!doctype html><html><head><meta charset="utf-8"><title>perturb</title><link rel="icon" href="data:,"></head><body><script src="app.js"></script></body></html>` }],
      ["/app.js", { type: "text/javascript", body: app.code }]
    ]))
    await checkPage(origin, "esbuild")
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
    await checkPage(await serve(files), "vite")
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
