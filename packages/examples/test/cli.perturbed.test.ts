/**
 * `perturb perturbed`: values against closed forms (Gumbel argmax = softmax(θ/σ), its Jacobian
 * (diag p − p pᵀ)/σ), standard errors, the Jacobian's shape, and the usage contract (one JSON
 * document; a bad argument is one stderr line naming it, exit 2), and `perturb reproduce ranking`
 * end to end in a tiny run. Runs the built CLI.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"

const cli = resolve(import.meta.dirname, "../dist/src/cli.js")
const run = (...args: Array<string>) => {
  const r = spawnSync(process.execPath, [cli, "perturbed", ...args], { encoding: "utf8", timeout: 120_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}
const json = (...args: Array<string>) => {
  const r = run(...args, "--json")
  expect(r.stderr).toBe("")
  expect(r.code).toBe(0)
  return JSON.parse(r.stdout) as {
    mean: Array<number>
    stdError: Array<number>
    method: string
    samples: number
    jacobian?: Array<Array<number>>
    jacobianStdError?: Array<Array<number>>
  }
}

const THETA = [0.3, -1, 1.2]
const SIGMA = 0.5
const softmax = (t: ReadonlyArray<number>, s: number) => {
  const e = t.map((x) => Math.exp(x / s))
  const z = e.reduce((a, b) => a + b, 0)
  return e.map((x) => x / z)
}
const P = softmax(THETA, SIGMA)

describe("perturb perturbed", () => {
  it.each(["mc", "qmc"])("argmax with Gumbel noise by %s is softmax(θ/σ) within 4 standard errors", (method) => {
    const out = json("--solver", "argmax", "--noise", "gumbel", "--sigma", String(SIGMA), "--theta", THETA.join(","), "--method", method, "--samples", "4096", "--seed", "7")
    expect(out.method).toBe(method)
    expect(out.samples).toBe(4096)
    expect(out.mean).toHaveLength(3)
    expect(out.stdError).toHaveLength(3)
    for (let i = 0; i < 3; i++) {
      expect(out.stdError[i]!).toBeGreaterThan(0)
      expect(out.stdError[i]!).toBeLessThan(0.05)
      expect(Math.abs(out.mean[i]! - P[i]!)).toBeLessThan(4 * out.stdError[i]!)
    }
  })

  it("--method exact: Gumbel argmax is softmax(θ/σ) to 1e-12, with zero standard errors", () => {
    const out = json("--solver", "argmax", "--noise", "gumbel", "--sigma", String(SIGMA), "--theta", THETA.join(","), "--method", "exact")
    expect(out.method).toBe("exact")
    expect(out.samples).toBe(0)
    for (let i = 0; i < 3; i++) {
      expect(out.mean[i]).toBeCloseTo(P[i]!, 12)
      expect(out.stdError[i]!).toBeLessThan(1e-12)
    }
  })

  it("the same seed prints the same numbers; another seed others", () => {
    const args = ["--solver", "ranks", "--noise", "normal", "--sigma", "1", "--theta", "0,1,2,3", "--method", "mc", "--samples", "256"]
    expect(run(...args, "--seed", "3", "--json").stdout).toBe(run(...args, "--seed", "3", "--json").stdout)
    expect(run(...args, "--seed", "3", "--json").stdout).not.toBe(run(...args, "--seed", "4", "--json").stdout)
  })

  it("--jacobian adds d × d estimates with standard errors, matching (diag p − p pᵀ)/σ for Gumbel argmax", () => {
    const out = json("--solver", "argmax", "--noise", "gumbel", "--sigma", String(SIGMA), "--theta", THETA.join(","), "--method", "mc", "--samples", "20000", "--seed", "11", "--jacobian")
    expect(out.jacobian).toHaveLength(3)
    expect(out.jacobianStdError).toHaveLength(3)
    for (let i = 0; i < 3; i++) {
      expect(out.jacobian![i]).toHaveLength(3)
      for (let j = 0; j < 3; j++) {
        const exact = ((i === j ? P[i]! : 0) - P[i]! * P[j]!) / SIGMA
        const se = out.jacobianStdError![i]![j]!
        expect(se).toBeGreaterThan(0)
        expect(Math.abs(out.jacobian![i]![j]! - exact), `J[${i}][${j}]`).toBeLessThan(4 * se)
      }
    }
  })

  it("--jacobian on a 2 × 3 grid path gives a 6 × 6 Jacobian; top-k means sum to k", () => {
    const path = json("--solver", "path:2:3", "--noise", "normal", "--sigma", "1", "--theta", "0,1,0,2,0,1", "--method", "qmc", "--samples", "512", "--jacobian")
    expect(path.mean).toHaveLength(6)
    expect(path.jacobian!.map((r) => r.length)).toEqual([6, 6, 6, 6, 6, 6])
    // Every monotone path visits the first and the last cell.
    expect(path.mean[0]).toBe(1)
    expect(path.mean[5]).toBe(1)
    const top = json("--solver", "topk:2", "--noise", "logistic", "--sigma", "0.7", "--theta", "1,0,-1,0.5", "--method", "mc", "--samples", "1000")
    expect(top.mean.reduce((a, b) => a + b, 0)).toBeCloseTo(2, 10)
  })

  it("lp:FILE.json perturbs the vertices of a user polytope (the unit square)", () => {
    const dir = mkdtempSync(join(tmpdir(), "perturb-cli-lp-"))
    const file = join(dir, "square.json")
    writeFileSync(file, JSON.stringify({ A: [[1, 0], [-1, 0], [0, 1], [0, -1]], b: [1, 0, 1, 0] }))
    // Independent coordinates: E[y_i] = Pr[θ_i + σγ_i > 0] = Φ(θ_i/σ) for Normal noise.
    const out = json("--solver", `lp:${file}`, "--noise", "normal", "--sigma", "1", "--theta", "0,1", "--method", "mc", "--samples", "2000", "--seed", "5")
    const phi1 = 0.8413447460685429 // scipy.stats.norm.cdf(1)
    expect(Math.abs(out.mean[0]! - 0.5)).toBeLessThan(4 * out.stdError[0]!)
    expect(Math.abs(out.mean[1]! - phi1)).toBeLessThan(4 * out.stdError[1]!)
  })

  it("text output names the solver, the method and the standard errors", () => {
    const r = run("--solver", "ranks", "--noise", "gumbel", "--sigma", "1", "--theta", "0,1,2", "--method", "mc", "--samples", "100")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("ranks (d = 3) by mc (100 samples)")
    expect(r.stdout).toContain("standard error")
  })

  it.each([
    [["--solver", "argmax", "--noise", "gumbel", "--sigma", "-1", "--theta", "0,1"], "--sigma"],
    [["--solver", "argmax", "--noise", "gumbel", "--theta", "0,1"], "--sigma"],
    [["--solver", "topk:5", "--noise", "gumbel", "--sigma", "1", "--theta", "0,1,2"], "--solver"],
    [["--solver", "topk:x", "--noise", "gumbel", "--sigma", "1", "--theta", "0,1,2"], "--solver"],
    [["--solver", "heap", "--noise", "gumbel", "--sigma", "1", "--theta", "0,1,2"], "--solver"],
    [["--solver", "topk:1:2", "--noise", "gumbel", "--sigma", "1", "--theta", "0,1,2"], "--solver"],
    [["--solver", "lp:/nonexistent/p.json", "--noise", "gumbel", "--sigma", "1", "--theta", "0,1"], "--solver"],
    [["--solver", "path:2:2", "--noise", "gumbel", "--sigma", "1", "--theta", "0,1,2"], "--theta"],
    [["--solver", "ranks", "--noise", "gumbel", "--sigma", "1", "--theta", "0,x"], "--theta"],
    [["--solver", "ranks", "--noise", "gumbel", "--sigma", "1"], "--theta"],
    [["--solver", "ranks", "--noise", "nope", "--sigma", "1", "--theta", "0,1"], "--noise"],
    [["--solver", "ranks", "--noise", "gumbel", "--sigma", "1", "--theta", "0,1", "--method", "sobol"], "--method"],
    [["--solver", "ranks", "--noise", "gumbel", "--sigma", "1", "--theta", "0,1", "--samples", "0"], "--samples"],
    [["--solver", "ranks", "--noise", "gumbel", "--sigma", "1", "--theta", "0,1", "--seed", "1.5"], "--seed"]
  ])("bad input %j: one stderr line naming %s, exit 2, nothing on stdout", (args, flag) => {
    const r = run(...args, "--json")
    expect(r.code).toBe(2)
    expect(r.stdout).toBe("")
    const lines = r.stderr.trim().split("\n")
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(flag)
  })

  it("atomic noise gives values but refuses the Jacobian with a typed error (never zeros)", () => {
    const args = ["--solver", "argmax", "--noise", "discrete:-1,0,1", "--sigma", "1", "--theta", "0,0.5,0.2", "--method", "mc", "--samples", "500"]
    const ok = json(...args)
    expect(ok.mean.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10)
    const r = run(...args, "--jacobian", "--json")
    expect(r.code).toBe(2)
    expect(r.stdout).toBe("")
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
  })
})

describe("perturb reproduce ranking", () => {
  it("--json prints one document and --out gets results, protocol, picture and page", () => {
    const out = mkdtempSync(join(tmpdir(), "perturb-cli-ranking-"))
    const r = spawnSync(process.execPath, [cli, "reproduce", "ranking", "--seeds", "1", "--steps", "3", "--out", out, "--json"], { encoding: "utf8", timeout: 120_000 })
    expect(r.status).toBe(0)
    const json = JSON.parse(r.stdout)
    expect(json.rows.map((x: { method: string }) => x.method)).toEqual(["mc", "qmc"])
    expect(json.protocol.seeds).toBe(1)
    for (const f of ["results.json", "protocol.json", "spearman.svg", "report.html"]) expect(existsSync(join(out, f)), f).toBe(true)
    expect(JSON.parse(readFileSync(join(out, "results.json"), "utf8")).seeds[0].runs[0].curve).toHaveLength(3)
  })

  it("--seeds 0 is one stderr line naming --seeds, exit 2", () => {
    const r = spawnSync(process.execPath, [cli, "reproduce", "ranking", "--seeds", "0", "--json"], { encoding: "utf8", timeout: 120_000 })
    expect(r.status).toBe(2)
    expect(r.stdout).toBe("")
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    expect(r.stderr).toContain("--seeds")
  })
})
