import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { InvalidArgument } from "@perturb/core"
import { Key } from "@perturb/noise"
import { afterAll, describe, expect, it } from "vitest"
import { defaultRanking, makeRankingData, type RankingOptions, rankingRows, runRanking, spearman } from "../src/reproduce/ranking.js"
import { rankingJson, rankingSection, rankingText } from "../src/reproduce/rankingReport.js"

const tiny: RankingOptions = {
  ...defaultRanking,
  seeds: 2,
  steps: 40,
  items: 6,
  queries: 60,
  trainQueries: 40,
  features: 4,
  samples: 16,
  batch: 8,
  learningRate: 0.1,
  varianceKeys: 4
}

afterAll(async () => {
  await tf.setBackend("cpu")
})

describe("ranking data and Spearman", () => {
  it("without label noise the true scorer has Spearman 1 on every query, its negation −1", () => {
    const o = { ...tiny, labelNoise: 0 }
    const data = makeRankingData(Key.make(3), o)
    expect(spearman(data, data.trueW, 0, o.queries, o.items)).toBeCloseTo(1, 12)
    expect(spearman(data, data.trueW.map((w) => -w), 0, o.queries, o.items)).toBeCloseTo(-1, 12)
    // Observed rankings are permutations of 1…items.
    const first = Array.from(data.ranks.subarray(0, o.items)).sort((a, b) => a - b)
    expect(first).toEqual([1, 2, 3, 4, 5, 6])
  })

  it("label noise lowers the true scorer's Spearman below 1", () => {
    const data = makeRankingData(Key.make(3), { ...tiny, labelNoise: 2 })
    const rho = spearman(data, data.trueW, 0, tiny.queries, tiny.items)
    expect(rho).toBeLessThan(0.95)
    expect(rho).toBeGreaterThan(0.3)
  })
})

describe.each(["cpu", "wasm"])("runRanking on %s, tiny sizes", (backend) => {
  it("learning beats the untrained model for both methods, leaks no tensors, and reproduces for a seed", async () => {
    await tf.setBackend(backend)
    const before = tf.memory().numTensors
    let ticks = 0
    const seeds = await runRanking({ ...tiny, onProgress: () => ticks++ })
    expect(tf.memory().numTensors).toBe(before)
    expect(ticks).toBe(tiny.seeds * 2 * tiny.steps)
    for (const s of seeds) {
      for (const r of s.runs) {
        expect(r.curve).toHaveLength(tiny.steps)
        expect(r.finalSpearman, `seed ${s.seed} ${r.method}`).toBeGreaterThan(r.initialSpearman + 0.2)
        // The true scorer w* bounds what a linear model can reach under this label noise.
        expect(r.finalSpearman).toBeGreaterThan(0.8 * s.oracleSpearman)
      }
      for (const v of s.variance) {
        expect(v.initial).toBeGreaterThan(0)
        expect(v.trained).toBeGreaterThan(0)
      }
    }
    const again = await runRanking({ ...tiny, seeds: 1, steps: 5 })
    const twice = await runRanking({ ...tiny, seeds: 1, steps: 5 })
    expect(twice).toEqual(again)
    const rows = rankingRows(seeds)
    expect(rows.map((r) => r.method)).toEqual(["mc", "qmc"])
    expect(rankingText(seeds, tiny)).toContain("quasi-Monte Carlo")
    expect(rankingSection(seeds, tiny, 1).blocks.some((b) => b.kind === "svg" && b.svg.startsWith("<svg"))).toBe(true)
    expect(rankingJson(seeds, tiny, 1).protocol.seeds).toBe(2)
  })
})

describe("runRanking options", () => {
  it("refuses sizes it cannot run, naming the option", async () => {
    for (const [bad, argument] of [[{ trainQueries: 60 }, "trainQueries"], [{ steps: 0 }, "steps"], [{ varianceKeys: 1 }, "varianceKeys"], [{ samples: 2.5 }, "samples"]] as const) {
      const e = await runRanking({ ...tiny, ...bad }).then(() => undefined, (e: unknown) => e)
      expect(e).toBeInstanceOf(InvalidArgument)
      expect((e as InvalidArgument).argument).toBe(argument)
    }
  })
})
