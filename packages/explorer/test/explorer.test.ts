/**
 * The explorer as a visitor gets it: `vite build` of packages/explorer (its own config, from the
 * built packages), the static files served on localhost, opened in Debian's headless Chromium by
 * playwright-core. Checks a clean console, verdicts for chosen cases, P(θ) following the sliders
 * and the drag pad, the triangle's geometry against `triangle.geometry.json` (the drawn vertices,
 * the marker at Σ p_i V_i, on screen where the SVG's transform puts it), and `identify`'s θ for a
 * clicked p. Prints the bundle sizes and the time to the first verdict.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { extname, join, resolve } from "node:path"
import { gzipSync } from "node:zlib"
import { type Browser, chromium, type Page } from "playwright-core"
import { build } from "vite"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const here = resolve(import.meta.dirname, "..")
const stored = JSON.parse(readFileSync(resolve(here, "test/triangle.geometry.json"), "utf8")) as { vertices: Array<[number, number]> }
const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"
const mime: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".css": "text/css" }

let server: Server | undefined
let browser: Browser | undefined
let origin = ""
const sizes: Array<string> = []

beforeAll(async () => {
  for (const pkg of ["noise", "core", "analysis"]) {
    expect(existsSync(resolve(here, `../${pkg}/dist/src/index.js`)), `@perturb/${pkg} is built (pnpm build)`).toBe(true)
  }
  expect(existsSync(chromiumPath), `Chromium at ${chromiumPath} (apt-get install chromium)`).toBe(true)
  const outDir = mkdtempSync(join(tmpdir(), "perturb-explorer-"))
  await build({ root: here, configFile: resolve(here, "vite.config.mjs"), logLevel: "error", build: { outDir, emptyOutDir: true } })
  const files = new Map<string, Buffer>()
  for (const sub of ["", "assets"]) {
    for (const name of readdirSync(join(outDir, sub))) if (extname(name) !== "") files.set(`/${sub === "" ? "" : "assets/"}${name}`, readFileSync(join(outDir, sub, name)))
  }
  const total = (re: RegExp) => [...files].filter(([f]) => re.test(f)).reduce((n, [, b]) => ({ raw: n.raw + b.length, gzip: n.gzip + gzipSync(b).length }), { raw: 0, gzip: 0 })
  const kib = ({ raw, gzip }: { raw: number; gzip: number }) => `${(raw / 1024).toFixed(0)} KiB raw, ${(gzip / 1024).toFixed(0)} KiB gzip`
  sizes.push(`page (html + js, HiGHS's loader included): ${kib(total(/\.(html|js)$/))}`, `highs.wasm, fetched before the first verdict: ${kib(total(/\.wasm$/))}`)
  server = createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0]!
    const path = url === "/" ? "/index.html" : url
    const body = files.get(path)
    res.writeHead(body === undefined ? 404 : 200, { "content-type": mime[extname(path)] ?? "application/octet-stream" })
    res.end(body ?? "not found")
  })
  await new Promise<void>((done) => server!.listen(0, "127.0.0.1", done))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"] })
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await new Promise<void>((done) => (server === undefined ? done() : server.close(() => done())))
})

/** Opens the explorer; returns the page and the console problems it has had so far (a live list). */
const open = async (): Promise<{ page: Page; problems: Array<string>; verdictMs: number }> => {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 1000 } })
  const problems: Array<string> = []
  page.on("console", (m) => void (["error", "warning"].includes(m.type()) && problems.push(`${m.type()}: ${m.text()}`)))
  page.on("pageerror", (e) => void problems.push(`pageerror: ${e.message}`))
  page.on("requestfailed", (r) => void problems.push(`requestfailed: ${r.url()}`))
  const t0 = Date.now()
  await page.goto(origin)
  await page.waitForSelector("#verdicts td[data-verdict]", { timeout: 60_000 })
  return { page, problems, verdictMs: Date.now() - t0 }
}

const verdicts = (page: Page) => page.evaluate(() => window.explorer.verdicts)
const shownP = async (page: Page): Promise<Array<number>> => JSON.parse((await page.getAttribute("#probs", "data-p")) ?? "[]")

describe("the perturb explorer in Chromium", () => {
  it("loads with a clean console and shows the verdicts of the default case (pinned, Gumbel); prints sizes and time to first verdict", async () => {
    const { page, problems, verdictMs } = await open()
    expect(await verdicts(page)).toEqual({
      softmax: { complete: "holds", minimal: "holds", identifiable: "holds" },
      argmax: { complete: "holds", minimal: "holds", identifiable: "holds" }
    })
    expect(await page.textContent("#report")).toMatch(/Theorem/)
    expect(await page.textContent("#error")).toBe("")
    const firstVerdictMs = await page.evaluate(() => window.explorer.firstVerdictMs)
    expect(problems).toEqual([])
    console.log(`explorer bundle (vite build):\n  ${sizes.join("\n  ")}\nfirst verdict in Chromium: ${firstVerdictMs?.toFixed(0)} ms after the script started, ${verdictMs} ms after navigation began`)
    await page.close()
  }, 120_000)

  it("a chosen case: an affine space θ₀ = θ₁ is not complete and identify refuses off its image; d = 2 curves; a bad typed space names its error", async () => {
    const { page, problems } = await open()
    await page.selectOption("#space-preset", "affine θ₀ = θ₁")
    await page.waitForFunction(() => window.explorer.verdicts?.argmax?.complete === "fails")
    expect(await verdicts(page)).toMatchObject({ argmax: { complete: "fails", minimal: "fails", identifiable: "holds" } })
    // its witness, a p no θ reaches, is in the text and ringed in the triangle at Σ p_i V_i
    expect(await page.textContent("#report")).toContain("witness: p = (0.9, 0.05, 0.05) is reached by no θ")
    const [V0, V1, V2] = stored.vertices as [[number, number], [number, number], [number, number]]
    expect(Number(await page.getAttribute("#witness", "cx"))).toBeCloseTo(0.9 * V0[0] + 0.05 * V1[0] + 0.05 * V2[0], 1)
    expect(Number(await page.getAttribute("#witness", "cy"))).toBeCloseTo(0.9 * V0[1] + 0.05 * V1[1] + 0.05 * V2[1], 1)
    // off the image (p₀ ≠ p₁) there is no θ: identify's typed error is shown, not a θ
    const svg = (await page.locator("#picture svg").boundingBox())!
    await page.mouse.click(svg.x + svg.width * 0.45, svg.y + svg.height * 0.6)
    await page.waitForFunction(() => document.getElementById("identified")!.textContent !== "")
    expect(await page.textContent("#identified")).toMatch(/^p = \(.*\): [A-Za-z]+: /)
    expect(await page.getAttribute("#identified", "data-theta")).toBeNull()
    // d = 2 draws the probability curves instead of the triangle
    await page.selectOption("#dim", "2")
    await page.selectOption("#space-preset", "reals")
    await page.waitForFunction(() => window.explorer.verdicts?.argmax?.minimal === "fails" && window.explorer.vertices === undefined)
    expect(await page.$$eval("#picture svg polyline, #picture svg path", (xs) => xs.length)).toBeGreaterThan(0)
    // a typed space Space.fromJSON refuses: its typed error, naming the argument
    await page.fill("#space-json", `{"_tag": "Box", "dim": 2, "lo": 1, "hi": -1}`)
    await page.waitForFunction(() => document.getElementById("error")!.textContent !== "")
    expect(await page.textContent("#error")).toMatch(/^EmptySpace: .*box\.lo\[0\] = 1 > box\.hi\[0\] = -1/)
    await page.fill("#space-json", `{"_tag": "Reals", "dim": "two"}`)
    await page.waitForFunction(() => document.getElementById("error")!.textContent!.startsWith("InvalidArgument"))
    expect(await page.textContent("#error")).toMatch(/json/)
    expect(problems).toEqual([])
    await page.close()
  }, 120_000)

  it("moving θ (slider, then dragging the pad) moves P(θ), and the marker sits at Σ p_i V_i of the stored triangle", async () => {
    const { page, problems } = await open()
    const geometry = () => page.evaluate(() => {
      const svg = document.querySelector<SVGSVGElement>("#picture svg")!
      const pts = svg.querySelector("polygon")!.getAttribute("points")!.trim().split(/[\s,]+/).map(Number)
      const m = document.getElementById("marker")!
      const box = m.getBoundingClientRect()
      const ctm = svg.getScreenCTM()!
      const cx = Number(m.getAttribute("cx"))
      const cy = Number(m.getAttribute("cy"))
      const screen = new DOMPoint(cx, cy).matrixTransform(ctm)
      return { viewBox: svg.getAttribute("viewBox"), pts, cx, cy, centre: [box.x + box.width / 2, box.y + box.height / 2], screen: [screen.x, screen.y] }
    })
    const check = async () => {
      const p = await shownP(page)
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
      const g = await geometry()
      expect(g.viewBox).toBe("0 0 560 560")
      g.pts.forEach((x, i) => expect(x).toBeCloseTo(stored.vertices[Math.floor(i / 2)]![i % 2]!, 1))
      const [V0, V1, V2] = stored.vertices as [[number, number], [number, number], [number, number]]
      expect(g.cx).toBeCloseTo(p[0]! * V0[0] + p[1]! * V1[0] + p[2]! * V2[0], 1)
      expect(g.cy).toBeCloseTo(p[0]! * V0[1] + p[1]! * V1[1] + p[2]! * V2[1], 1)
      // the drawn marker is where the SVG's transform puts its centre (to a pixel)
      expect(Math.abs(g.centre[0]! - g.screen[0]!)).toBeLessThan(1)
      expect(Math.abs(g.centre[1]! - g.screen[1]!)).toBeLessThan(1)
      return p
    }
    const p0 = await check()
    // pinned Gumbel, Perturb-Argmax: P = softmax(θ) with θ = (0, u₀, u₁)
    const theta0: Array<number> = await page.evaluate(() => window.explorer.theta!)
    const z = theta0.map(Math.exp)
    p0.forEach((p, i) => expect(p).toBeCloseTo(z[i]! / (z[0]! + z[1]! + z[2]!), 5))
    await page.fill("#u0", "-2")
    await page.waitForFunction((before) => JSON.stringify(window.explorer.probs) !== before, JSON.stringify(p0))
    const p1 = await check()
    expect(p1[1]).toBeLessThan(p0[1]! - 0.1)
    // every P(θ) frees its tensors: the live count is flat while θ moves
    const counts: Array<number> = []
    for (const v of ["-1.5", "-1", "0", "1", "2", "3", "-2"]) {
      const n = await page.evaluate(() => window.explorer.updates)
      await page.fill("#u1", v)
      await page.waitForFunction((before) => window.explorer.updates > before, n)
      counts.push(await page.evaluate(() => window.explorer.tensors!))
    }
    expect(new Set(counts).size).toBe(1)
    const pad = (await page.locator("#pad").boundingBox())!
    await page.mouse.move(pad.x + pad.width / 2, pad.y + pad.height / 2)
    await page.mouse.down()
    await page.mouse.move(pad.x + pad.width * 0.9, pad.y + pad.height * 0.1, { steps: 5 })
    await page.mouse.up()
    const p2 = await check()
    // dragged to u ≈ (4, 4): θ₁ = θ₂ ≫ θ₀
    expect(p2[0]).toBeLessThan(0.05)
    expect(Math.abs(p2[1]! - p2[2]!)).toBeLessThan(0.05)
    expect(problems).toEqual([])
    await page.close()
  }, 120_000)

  it("a click on p in the triangle shows identify's θ (Gumbel: θᵢ = log(pᵢ/p₀)), and Perturb-Softmax with its temperature redraws", async () => {
    const { page, problems } = await open()
    const target = [0.5, 0.3, 0.2]
    const at = await page.evaluate((p) => {
      const svg = document.querySelector<SVGSVGElement>("#picture svg")!
      const V = window.explorer.vertices!
      const q = new DOMPoint(p[0]! * V[0][0] + p[1]! * V[1][0] + p[2]! * V[2][0], p[0]! * V[0][1] + p[1]! * V[1][1] + p[2]! * V[2][1]).matrixTransform(svg.getScreenCTM()!)
      return [q.x, q.y]
    }, target)
    await page.mouse.click(at[0]!, at[1]!)
    await page.waitForSelector("#identified[data-theta]")
    const p: Array<number> = JSON.parse((await page.getAttribute("#identified", "data-p"))!)
    p.forEach((x, i) => expect(x).toBeCloseTo(target[i]!, 2))
    const theta: Array<number> = JSON.parse((await page.getAttribute("#identified", "data-theta"))!)
    theta.forEach((t, i) => expect(t).toBeCloseTo(Math.log(p[i]! / p[0]!), 5))
    const argmaxP = await shownP(page)
    await page.check("input[name=model][value=softmax]")
    await page.waitForFunction(() => document.querySelector("#picture svg text:nth-of-type(2)")?.textContent?.includes("Perturb-Softmax"), undefined, { timeout: 60_000 })
    await page.waitForFunction((before) => JSON.stringify(window.explorer.probs) !== before, JSON.stringify(argmaxP))
    const warm = await shownP(page)
    // θ = (0, 1, 0): a lower temperature sharpens P towards the largest θ
    await page.fill("#temperature", "0.25")
    await page.waitForFunction((before) => JSON.stringify(window.explorer.probs) !== before, JSON.stringify(warm), { timeout: 60_000 })
    const cold = await shownP(page)
    expect(cold.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3)
    expect(cold[1]).toBeGreaterThan(warm[1]! + 0.05)
    expect(problems).toEqual([])
    await page.close()
  }, 180_000)
})
