/**
 * Ctrl-C during long work: the CLI prints one line saying it was interrupted and exits 130.
 * Runs the built CLI (`npx tsc -b` first).
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"

const cli = resolve(import.meta.dirname, "../dist/src/cli.js")

/** Starts the CLI, sends SIGINT once stderr shows `ready`, and reports how it ended. */
const interrupt = (args: ReadonlyArray<string>, ready: RegExp) =>
  new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; ms: number }>((done) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    let sentAt = 0
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()))
    child.stderr.on("data", (b: Buffer) => {
      stderr += b.toString()
      if (sentAt === 0 && ready.test(stderr)) {
        sentAt = performance.now()
        child.kill("SIGINT")
      }
    })
    child.on("close", (code, signal) => done({ code, signal, stdout, stderr, ms: performance.now() - sentAt }))
  })

/** The interrupted command ends cleanly: exit 130, no stdout, one last line naming the command, within 2 s. */
const expectInterrupted = (r: Awaited<ReturnType<typeof interrupt>>, command: string): void => {
  expect(r.signal).toBeNull()
  expect(r.code).toBe(130)
  expect(r.stdout).toBe("")
  const last = r.stderr.trimEnd().split("\n").at(-1)
  expect(last).toBe(`perturb ${command}: interrupted`)
  expect(r.stderr.match(/interrupted/g)).toHaveLength(1)
  expect(r.ms, "ms from SIGINT to exit").toBeLessThan(2000)
}

describe("perturb CLI: SIGINT", () => {
  it("analyze --confirm at d = 8: one line 'interrupted', exit 130, promptly", async () => {
    const r = await interrupt(["analyze", "--space", "box:8:-1:1", "--noise", "gumbel", "--confirm"], /confirm\s+\d+%/)
    expectInterrupted(r, "analyze")
  }, 180_000)

  it("reproduce table1: one line 'interrupted', exit 130, promptly (training yields between steps)", async () => {
    // ~10 s of training at 200 steps a fit: before the loops yielded, SIGINT waited for all of it.
    const out = mkdtempSync(join(tmpdir(), "perturb-sigint-"))
    try {
      const r = await interrupt(["reproduce", "table1", "--seeds", "1", "--steps", "200", "--out", out], /table1\s+\d+%/)
      expectInterrupted(r, "reproduce")
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  }, 180_000)
})
