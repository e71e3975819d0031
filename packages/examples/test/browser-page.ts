/**
 * The browser app's page (`browser-app/main.ts`, however it was bundled) served on localhost next
 * to `highs.wasm` and checked in headless Chromium: sampling, `identify`, `analyze` of a case that
 * needs an LP (refused with `LpNotReady` until `await Lp.ready()`, decided after, HiGHS fetched
 * once), an SVG picture (PNG raises `PngUnavailable`), and a clean console. Shared by
 * browser.test.ts (the workspace packages) and pack.test.ts (the packed tarballs).
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { readFileSync } from "node:fs"
import { expect } from "vitest"
import { launchChromium, watchProblems } from "./chromium.js"

export type Files = Map<string, { type: string; body: string | Buffer }>

/** The page that loads an esbuild bundle of the app. */
export const esbuildPage = (code: string): Files => new Map([
  ["/index.html", { type: "text/html", body: `<!doctype html><html><head><meta charset="utf-8"><title>perturb</title><link rel="icon" href="data:,"></head><body><script src="app.js"></script></body></html>` }],
  ["/app.js", { type: "text/javascript", body: code }]
])

const servers: Array<Server> = []

/** Serves `files` and `highsWasm` as /highs.wasm on an ephemeral localhost port; the origin. */
export const serve = async (files: Files, highsWasm: string): Promise<string> => {
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

/** Closes every server `serve` started (for afterAll). */
export const closeServers = (): Promise<Array<void>> =>
  Promise.all(servers.splice(0).map((s) => new Promise<void>((done) => s.close(() => done()))))

export const checkPage = async (origin: string, bundler: string): Promise<void> => {
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
