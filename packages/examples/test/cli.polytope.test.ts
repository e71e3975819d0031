/**
 * `perturb analyze --polytope`: the perturbed optimizer's verdicts over top-k, ranks, grid paths and
 * a polytope file; a bad polytope is one stderr line naming --polytope. Runs the built CLI.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"

const cli = resolve(import.meta.dirname, "../dist/src/cli.js")
const run = (...args: Array<string>) => {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", timeout: 120_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}
const verdicts = (stdout: string): Array<string> => {
  const p = JSON.parse(stdout).perturbed
  return [p.complete.verdict, p.minimal.verdict, p.identifiable.verdict]
}

describe("perturb analyze --polytope", () => {
  it("topk:K and ranks on the pinned space: complete, minimal, identifiable; on ℝ^d a translation pair", () => {
    const topk = run("analyze", "--space", "pinned:4", "--noise", "normal", "--polytope", "topk:2", "--json")
    expect(topk.code).toBe(0)
    expect(verdicts(topk.stdout)).toStrictEqual(["holds", "holds", "holds"])
    const ranks = run("analyze", "--space", "reals:3", "--noise", "gumbel", "--polytope", "ranks", "--json")
    expect(verdicts(ranks.stdout)).toStrictEqual(["holds", "fails", "holds"])
    expect(JSON.parse(ranks.stdout).perturbed.minimal.witness._tag).toBe("TranslationPair")
  })

  it("path:H:W: the anti-diagonals make the pinned space not minimal; the text report names the polytope", () => {
    const r = run("analyze", "--space", "pinned:6", "--noise", "normal", "--polytope", "path:2:3")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("Perturbed optimizer over paths on a 2 × 3 grid")
    expect(r.stdout).toContain("θ′ = θ + u")
  })

  it("FILE.json: {A, b} and a solver's JSON", () => {
    const dir = mkdtempSync(join(tmpdir(), "perturb-cli-polytope-"))
    const square = join(dir, "square.json")
    writeFileSync(square, JSON.stringify({ A: [[1, 0], [-1, 0], [0, 1], [0, -1]], b: [1, 0, 1, 0] }))
    expect(verdicts(run("analyze", "--space", "reals:2", "--noise", "normal", "--polytope", square, "--json").stdout)).toStrictEqual(["holds", "holds", "holds"])
    const topk = join(dir, "topk.json")
    writeFileSync(topk, JSON.stringify({ kind: "topK", d: 4, k: 2 }))
    expect(verdicts(run("analyze", "--space", "box:4:-1:1", "--noise", "normal", "--polytope", topk, "--json").stdout)[0]).toBe("fails")
  })

  it("bad polytopes: one stderr line naming --polytope, exit 2, nothing on stdout", () => {
    for (const bad of ["topk:9", "path:2:3", "ranks:2", "simplex", "topk:x", "/nonexistent/p.json"]) {
      const r = run("analyze", "--space", "reals:4", "--noise", "normal", "--polytope", bad, "--json")
      expect(r.code).toBe(2)
      expect(r.stdout).toBe("")
      const lines = r.stderr.trim().split("\n")
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain("--polytope")
    }
  })
})
