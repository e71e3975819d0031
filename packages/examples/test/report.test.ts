/**
 * The main job end to end in its quick configuration, then its report opened in headless Chromium
 * (Debian's `chromium`, installed by .ci/run, driven by playwright-core): it renders, its images
 * load, and the console shows no errors.
 */
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { launchChromium, watchProblems } from "./chromium.js"

const root = resolve(import.meta.dirname, "../../..")

describe("pnpm start (quick) and its report", () => {
  it("writes out/report.html that renders in headless Chromium with every image loaded and a clean console", async () => {
    const out = mkdtempSync(join(tmpdir(), "perturb-report-"))
    const stdout = execFileSync(process.execPath, [join(root, "packages/examples/dist/src/main.js")], {
      env: { ...process.env, PERTURB_QUICK: "1", PERTURB_OUT: out },
      encoding: "utf8",
      timeout: 120_000
    })
    expect(stdout).toContain("Gallery")
    expect(stdout).toContain("Table 1")
    const file = join(out, "report.html")
    expect(existsSync(file)).toBe(true)
    expect(readFileSync(file, "utf8")).toContain("<svg")

    const browser = await launchChromium()
    try {
      const page = await browser.newPage()
      const problems = watchProblems(page)
      await page.goto(`file://${file}`, { waitUntil: "load" })
      const stats = await page.evaluate(() => ({
        title: document.title,
        sections: document.querySelectorAll("section").length,
        tables: document.querySelectorAll("table").length,
        svgs: document.querySelectorAll("svg").length,
        images: Array.from(document.images).map((img) => ({ src: img.src, ok: img.complete && img.naturalWidth > 0 })),
        docLinks: Array.from(document.querySelectorAll<HTMLAnchorElement>("a[href$='.md']")).map((a) => a.href)
      }))
      expect(stats.title).toContain("perturb")
      expect(stats.sections).toBeGreaterThanOrEqual(3)
      expect(stats.tables).toBeGreaterThanOrEqual(2)
      expect(stats.svgs).toBeGreaterThanOrEqual(4)
      expect(stats.images.filter((i) => !i.ok)).toEqual([])
      // The docs the report cites are links that resolve, from where the report was written, to the repository's files
      for (const doc of ["math", "architecture", "experiments"]) {
        const target = join(root, "docs", `${doc}.md`)
        const links = stats.docLinks.filter((href) => fileURLToPath(href) === target)
        expect(links.length, `a link to docs/${doc}.md`).toBeGreaterThan(0)
        expect(existsSync(target), target).toBe(true)
      }
      expect(stats.docLinks.filter((href) => !existsSync(fileURLToPath(href)))).toEqual([])
      await page.screenshot({ path: join(out, "report.png"), fullPage: false })
      expect(problems).toEqual([])
    } finally {
      await browser.close()
    }
  }, 180_000)
})
