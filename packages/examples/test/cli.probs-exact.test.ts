/**
 * `perturb probs --method exact` computes and prints in float64 (before: float32 values, Gumbel-
 * Argmax off softmax by 4e-8). Gumbel against softmax in float64 to 1e-15, normal noise against
 * the SciPy fixtures of packages/core/fixtures/argmax.json to 1e-12. Runs the built CLI.
 */
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { describe, expect, it } from "vitest"

const cli = resolve(import.meta.dirname, "../dist/src/cli.js")
const run = (...args: Array<string>) => {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", timeout: 120_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const fixtures = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../core/fixtures/argmax.json"), "utf8")) as {
  cases: Array<{ name: string; theta: Array<number>; probs: Array<number> }>
}

const softmax64 = (theta: Array<number>): Array<number> => {
  const m = Math.max(...theta)
  const e = theta.map((t) => Math.exp(t - m))
  const z = e.reduce((a, b) => a + b, 0)
  return e.map((x) => x / z)
}

describe("perturb probs --method exact in float64", () => {
  it("Gumbel-Argmax at θ = (0, 1, 2) is softmax to 1e-15", () => {
    for (const extra of [[], ["--method", "exact"]]) {
      const r = run("probs", "--model", "argmax", "--noise", "gumbel", "--theta", "0,1,2", ...extra, "--json")
      expect(r.code).toBe(0)
      const out = JSON.parse(r.stdout)
      expect(out.method).toBe("exact")
      expect(out.stdError).toBeUndefined()
      softmax64([0, 1, 2]).forEach((p, i) => expect(Math.abs(out.probs[i] - p)).toBeLessThan(1e-15))
    }
  })

  it.each(["normal_iid_d3", "normal_iid_d3_zero", "normal_iid_d5", "normal_iid_d10"])("normal noise, %s, matches SciPy to 1e-12", (name) => {
    const c = fixtures.cases.find((x) => x.name === name)!
    const r = run("probs", "--model", "argmax", "--noise", "normal", `--theta=${c.theta.join(",")}`, "--json")
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    c.probs.forEach((p, i) => expect(Math.abs(out.probs[i] - p)).toBeLessThan(1e-12))
  })

  it("the text form prints 17 significant digits", () => {
    const r = run("probs", "--model", "argmax", "--noise", "gumbel", "--theta", "0,1,2")
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/0\.090030573170380[0-9]{2}/)
  })

  it("quadrature reports its error bound", () => {
    const r = run("probs", "--model", "softmax", "--noise", "gumbel", "--theta", "0,0.5,-1,1", "--method", "quadrature", "--json")
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.errorBound).toHaveLength(4)
    for (const b of out.errorBound) expect(b).toBeGreaterThan(0)
  })
})
