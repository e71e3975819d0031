/**
 * Headless Chromium for the browser tests (Debian's `chromium`, installed by .ci/run, driven by
 * playwright-core), and the console problems a page must not have.
 */
import { existsSync } from "node:fs"
import { type Browser, chromium, type ConsoleMessage, type Page } from "playwright-core"
import { expect } from "vitest"

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"

export const launchChromium = (): Promise<Browser> => {
  expect(existsSync(CHROMIUM), `Chromium at ${CHROMIUM} (apt-get install chromium)`).toBe(true)
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
  })
}

/** Console errors and warnings, page errors and failed requests, as they happen; `allow` skips expected ones. */
export const watchProblems = (page: Page, allow: (m: ConsoleMessage) => boolean = () => false): Array<string> => {
  const problems: Array<string> = []
  page.on("console", (m) => {
    if ((m.type() === "error" || m.type() === "warning") && !allow(m)) problems.push(`${m.type()}: ${m.text()}`)
  })
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`))
  page.on("requestfailed", (r) => problems.push(`requestfailed: ${r.url()}`))
  return problems
}
