import * as tf from "@tensorflow/tfjs"
import { beforeAll, describe, expect, it } from "vitest"
import { defaultTable1, runTable1, table1Rows } from "../src/reproduce/table1.js"
import { table1Json, table1Text } from "../src/reproduce/table1Report.js"
import { targets } from "../src/reproduce/targets.js"

beforeAll(async () => {
  await tf.setBackend("cpu")
})

describe("Table 1 targets", () => {
  it("match SciPy's pmfs at a few points (independent values from scipy.stats)", () => {
    const byName = Object.fromEntries(targets.map((t) => [t.name, t.pmf]))
    // scipy.stats.binom(12, 0.3).pmf(3), poisson(50).pmf(50), nbinom(50, 0.6).pmf(33)
    expect(byName.Binomial![3]).toBeCloseTo(0.23970042557999985, 12)
    expect(byName.Poisson![50]).toBeCloseTo(0.05632500632519166, 12)
    expect(byName["Negative binomial"]![33]).toBeCloseTo(0.05367576856573091, 12)
    expect(byName.Discrete!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14)
    // Truncated, not renormalised: the missing mass is below 1e-6.
    for (const t of targets) expect(1 - t.pmf.reduce((a, b) => a + b, 0)).toBeLessThan(1e-6)
  })
})

describe("runTable1 in a tiny configuration", () => {
  it("trains both models on every target, lowers the KL, and leaks no tensors", async () => {
    const before = tf.memory().numTensors
    const o = { ...defaultTable1, seeds: 2, steps: 15, samples: 64, finalSamples: 2000 }
    let ticks = 0
    const fits = await runTable1({ ...o, onProgress: () => ticks++ })
    expect(tf.memory().numTensors).toBe(before)
    expect(ticks).toBe(4 * 2 * 2 * 15)
    expect(fits).toHaveLength(8)
    // θ = 0 starts at the uniform distribution: every fit must end closer to its target than that.
    const klFromUniform = (pmf: Float64Array) => pmf.reduce((s, _, i) => s + Math.log(1 / pmf.length / pmf[i]!) / pmf.length, 0)
    for (const f of fits) {
      const start = klFromUniform(targets.find((t) => t.name === f.target)!.pmf)
      expect(f.finalKL.every((x) => Number.isFinite(x) && x >= 0 && x < start), `${f.target} ${f.noise}`).toBe(true)
    }
    const rows = table1Rows(fits)
    expect(rows.map((r) => r.target)).toEqual(["Discrete", "Binomial", "Poisson", "Negative binomial"])
    const json = table1Json(fits, o, 1)
    expect(json.protocol.temperature).toBe(0.1)
    expect(json.rows[0]!.paper.normal.mean).toBe(0.026)
    expect(table1Text(fits, o)).toContain("| Poisson |")
  })

  it("is reproducible: the same seeds give the same numbers", async () => {
    const o = { ...defaultTable1, seeds: 1, steps: 3, samples: 32, finalSamples: 500 }
    const a = await runTable1(o)
    const b = await runTable1(o)
    expect(a.map((f) => f.finalKL)).toEqual(b.map((f) => f.finalKL))
  })
})
