/**
 * The command line's contract (architecture.md): with --json stdout is exactly one JSON document;
 * errors go to stderr as one line naming the bad argument, with a non-zero exit.
 * Runs the built CLI (`pnpm test` builds first).
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"

const cli = resolve(import.meta.dirname, "../dist/src/cli.js")
const run = (...args: Array<string>) => {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", timeout: 120_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe("perturb CLI", () => {
  it("--noise FILE.json reads noise with Noise.fromJSON; a bad field is named by its path", () => {
    const dir = mkdtempSync(join(tmpdir(), "perturb-cli-noise-"))
    const good = join(dir, "iid.json")
    writeFileSync(good, JSON.stringify({ _tag: "IID", law: { _tag: "Gumbel" }, dim: 3 }))
    const ok = run("probs", "--model", "argmax", "--noise", good, "--theta", "0,0,0", "--json")
    expect(ok.code).toBe(0)
    for (const p of JSON.parse(ok.stdout).probs) expect(p).toBeCloseTo(1 / 3, 12)
    const bad = join(dir, "bad.json")
    writeFileSync(bad, JSON.stringify({ _tag: "IID", law: { _tag: "Gumbel", scale: -1 }, dim: 3 }))
    const r = run("probs", "--model", "argmax", "--noise", bad, "--theta", "0,0,0", "--json")
    expect(r.code).not.toBe(0)
    expect(r.stdout).toBe("")
    const lines = r.stderr.trim().split("\n")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain("--noise")
    expect(lines[0]).toContain("json.law.scale")
  })

  it("probs --json: exact Normal-Argmax at θ = 0 is uniform", () => {
    const r = run("probs", "--model", "argmax", "--noise", "normal", "--theta", "0,0,0", "--json")
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.method).toBe("exact")
    for (const p of out.probs) expect(p).toBeCloseTo(1 / 3, 6)
  })

  it("probs --json with qmc reports standard errors", () => {
    const r = run("probs", "--model", "softmax", "--noise", "gumbel", "--theta", "0,1,2", "--tau", "0.5", "--seed", "3", "--json")
    const out = JSON.parse(r.stdout)
    expect(out.method).toBe("qmc")
    expect(out.stdError).toHaveLength(3)
    expect(out.probs.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 5)
  })

  it("identify --json inverts probs on the pinned space", () => {
    const r = run("identify", "--model", "argmax", "--noise", "gumbel", "--space", "pinned:3", "--p", "0.2,0.3,0.5", "--json")
    const out = JSON.parse(r.stdout)
    expect(out.theta[0]).toBe(0)
    expect(out.theta[1]).toBeCloseTo(Math.log(1.5), 8)
    expect(out.theta[2]).toBeCloseTo(Math.log(2.5), 8)
    expect(out.residual).toBeLessThan(1e-8)
    expect(out.measure).toBe("exact")
    expect(out.logResidual).toBeLessThanOrEqual(1e-8)
    expect(out).not.toHaveProperty("residualStdError")
  })

  it("identify --json on a softmax model carries the honest residual and its standard error", () => {
    const r = run("identify", "--model", "softmax", "--noise", "gumbel", "--space", "pinned:3", "--p", "0.2,0.3,0.5", "--tau", "0.5", "--samples", "4096", "--json")
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.measure).toBe("qmc")
    expect(out.residualStdError).toBeGreaterThan(0)
    // Measured on independent points: the estimates' disagreement, far above the fit's 1e-8.
    expect(out.residual).toBeGreaterThan(1e-8)
    expect(out.residual).toBeLessThan(1e-2)
  })

  it("identify refuses, in one line, a target it cannot meet to a relative tolerance", () => {
    const r = run("identify", "--model", "argmax", "--noise", "normal", "--space", "pinned:3", "--p", "1e-25,0.5,0.5")
    expect(r.code).not.toBe(0)
    expect(r.stdout).toBe("")
    const lines = r.stderr.trim().split("\n")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain("p[0]")
  })

  it("analyze --json follows the documented shape; --out writes the report and a picture", () => {
    const dir = mkdtempSync(join(tmpdir(), "perturb-cli-"))
    const r = run("analyze", "--space", "reals:3", "--noise", "gumbel", "--json", "--out", dir)
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(Object.keys(out).sort()).toEqual(["argmax", "softmax"])
    expect(out.softmax.minimal.verdict).toBe("fails")
    expect(out.softmax.minimal.reasons[0]).toHaveProperty("ref")
    expect(out.softmax.minimal.witness).toBeDefined()
    expect(readFileSync(join(dir, "picture.png")).subarray(1, 4).toString()).toBe("PNG")
  })

  it.each([
    [["probs", "--model", "argmax", "--noise", "normal:0:-1", "--theta", "0,1"], "normal.sd"],
    [["probs", "--model", "softmax", "--noise", "gumbel", "--theta", "0,1", "--tau", "0"], "temperature"],
    [["probs", "--model", "maybe", "--noise", "gumbel", "--theta", "0,1"], "--model"],
    [["identify", "--model", "argmax", "--noise", "gumbel", "--space", "reals:3", "--p", "0.2,0.3,0.5"], "minimal"],
    [["identify", "--model", "softmax", "--noise", "gumbel", "--space", "pinned:3", "--p", "0.2,0.3,0.5", "--samples", "0"], "samples"],
    [["analyze", "--space", "cube:3", "--noise", "gumbel"], "--space"]
  ])("%j fails with one line naming %s", (args, name) => {
    const r = run(...args, "--json")
    expect(r.code).not.toBe(0)
    expect(r.stdout).toBe("")
    const lines = r.stderr.trim().split("\n")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(name)
  })
})
