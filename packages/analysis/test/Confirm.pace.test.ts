/**
 * `confirm` at d = 8 keeps the event loop responsive: an abort is honoured promptly, no stretch of
 * synchronous work runs long, and progress arrives at least every second. Before the work was
 * sliced, this case blocked the loop for ~0.9 s at a time and went ~3.4 s without progress
 * (scripts/confirm-lag.mjs). The bounds leave slack for a loaded machine.
 */
import { Space } from "@perturb/core"
import { Noise } from "@perturb/noise"
import { beforeAll, describe, expect, it } from "vitest"
import { analyze, ConfirmInterrupted, confirmPromise } from "../src/index.js"

const report = analyze(Space.reals(8), Noise.uniform())

/** Runs `f` while sampling the event loop every 5 ms; returns its result and the longest gap. */
const monitored = async <A>(f: () => Promise<A>): Promise<{ result: A | unknown; longest: number }> => {
  let last = performance.now()
  let longest = 0
  const timer = setInterval(() => {
    const now = performance.now()
    longest = Math.max(longest, now - last)
    last = now
  }, 5)
  try {
    const result = await f().catch((e: unknown) => e)
    return { result, longest }
  } finally {
    clearInterval(timer)
  }
}

describe("confirm yields at d = 8", () => {
  // The first tfjs calls of a process compile kernels and set up the backend: not confirm's work.
  beforeAll(async () => {
    await confirmPromise(analyze(Space.reals(3), Noise.uniform()), { budget: 0.1 })
  }, 120_000)

  it("blocks the event loop at most 500 ms at a time and reports progress at least every second", async () => {
    let lastProgress = performance.now()
    let longestGap = 0
    let calls = 0
    const { longest } = await monitored(() =>
      confirmPromise(report, {}, () => {
        const now = performance.now()
        longestGap = Math.max(longestGap, now - lastProgress)
        lastProgress = now
        calls++
      })
    )
    expect(calls).toBeGreaterThan(0)
    expect(longest, "longest blocked stretch (ms)").toBeLessThan(500)
    expect(longestGap, "longest gap between progress reports (ms)").toBeLessThan(1000)
  }, 120_000)

  it("an abort mid-run rejects with ConfirmInterrupted within 500 ms", async () => {
    for (const after of [300, 1100, 2300]) {
      const controller = new AbortController()
      let abortedAt = 0
      setTimeout(() => {
        abortedAt = performance.now()
        controller.abort()
      }, after)
      const { result } = await monitored(() => confirmPromise(report, { signal: controller.signal }))
      const latency = performance.now() - abortedAt
      expect(result).toBeInstanceOf(ConfirmInterrupted)
      expect(latency, `abort at ${after} ms honoured after (ms)`).toBeLessThan(500)
    }
  }, 120_000)
})
