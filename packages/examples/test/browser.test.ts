/**
 * The packages in a browser, as an outside app uses them: `browser-app/main.ts` is bundled by
 * esbuild with its defaults (platform browser, no plugins, no config) from the BUILT packages,
 * resolved through their package.json `exports`/`imports` and browser conditions, served on
 * localhost next to `highs.wasm`, and run in Debian's headless Chromium (playwright-core). On the
 * page: sampling, `identify`, `analyze` of a polyhedral space (refused with `LpNotReady` until
 * `await Lp.ready()`, decided after), and a picture (SVG; PNG raises `PngUnavailable`), with a
 * clean console. Also prints the bundle sizes of a sampling-only app.
 */
import { build } from "esbuild"
import { existsSync, readFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { createRequire } from "node:module"
import type { AddressInfo } from "node:net"
import { resolve } from "node:path"
import { gzipSync } from "node:zlib"
import { chromium } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const here = resolve(import.meta.dirname, "..")
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"
const highsWasm = createRequire(resolve(here, "../core/package.json")).resolve("highs/runtime")

const bundle = async (entry: string): Promise<{ code: string; inputs: Array<string> }> => {
  const out = await build({ entryPoints: [resolve(here, "browser-app", entry)], bundle: true, platform: "browser", write: false, metafile: true, logLevel: "silent" })
  expect(out.warnings.map((w) => w.text)).toEqual([])
  return { code: out.outputFiles[0]!.text, inputs: Object.keys(out.metafile.inputs) }
}

let server: Server
let origin = ""
let app = { code: "", inputs: new Array<string>() }

beforeAll(async () => {
  for (const pkg of ["noise", "core", "analysis"]) {
    expect(existsSync(resolve(here, `../${pkg}/dist/src/index.js`)), `@perturb/${pkg} is built (pnpm build)`).toBe(true)
  }
  app = await bundle("main.ts")
  const files: Record<string, { type: string; body: string | Buffer }> = {
    "/": { type: "text/html", body: `<!doctype html><html><head><meta charset="utf-8"><title>perturb</title><link rel="icon" href="data:,"></head><body><script src="app.js"></script></body></html>` },
    "/app.js": { type: "text/javascript", body: app.code },
    "/highs.wasm": { type: "application/wasm", body: readFileSync(highsWasm) }
  }
  server = createServer((req, res) => {
    const file = files[req.url ?? ""]
    res.writeHead(file === undefined ? 404 : 200, { "content-type": file?.type ?? "text/plain" })
    res.end(file?.body ?? "not found")
  })
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}, 120_000)

afterAll(() => new Promise<void>((done) => (server === undefined ? done() : server.close(() => done()))))

describe("@perturb/* bundled by esbuild for a browser", () => {
  it("bundles the browser modules only: no resvg binary, no Dawn, no node: built-ins, no Node loaders", () => {
    const inputs = app.inputs.join("\n")
    expect(inputs).toMatch(/core\/dist\/src\/highs\/browser\.js/)
    expect(inputs).toMatch(/core\/dist\/src\/gpu\/navigator\.js/)
    expect(inputs).toMatch(/analysis\/dist\/src\/pictures\/png\.browser\.js/)
    expect(app.inputs.filter((f) => /resvg|\/webgpu@|node:|highs\/node\.js|gpu\/dawn\.js|png\.node\.js|highs\/build\//.test(f))).toEqual([])
  })

  it("samples, identifies, analyses with HiGHS loaded on demand and draws, in headless Chromium with a clean console", async () => {
    expect(existsSync(CHROMIUM), `Chromium at ${CHROMIUM} (apt-get install chromium)`).toBe(true)
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    })
    try {
      const page = await browser.newPage()
      const problems: Array<string> = []
      const requests: Array<string> = []
      let noAdapterNote = false
      page.on("console", (m) => {
        // Chromium's own note when navigator.gpu has no adapter (a GPU-less CI machine); the app
        // reports that case as WebGPUUnavailable("adapter"), checked below
        if (m.type() === "warning" && m.text() === "No available adapters.") return void (noAdapterNote = true)
        if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`)
      })
      page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`))
      page.on("requestfailed", (r) => problems.push(`requestfailed: ${r.url()}`))
      page.on("request", (r) => requests.push(new URL(r.url()).pathname))
      await page.goto(origin, { waitUntil: "load" })
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
      console.log(`browser: HiGHS loaded on demand in ${result.lp.loadMs.toFixed(0)} ms; verdicts ${JSON.stringify(result.verdicts)}; gpu ${result.gpu}`)
    } finally {
      await browser.close()
    }
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
      lines.push(`${minify ? "minified" : "default "}: ${kib(app.raw)} raw, ${kib(app.gzip)} gzip (tfjs alone ${kib(tfjs.raw)} raw, ${kib(tfjs.gzip)} gzip; HiGHS loader, not run until Lp.ready(), ${kib(app.highs)} raw)`)
    }
    console.log(`sampling-only app bundle (esbuild --bundle --platform=browser):\n  ${lines.join("\n  ")}`)
  }, 120_000)
})
