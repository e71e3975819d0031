// How long confirm blocks the event loop, and the longest gap between progress reports, at d = 8
// (issue 11; the mixed and saturated cases since issue 13). Run after a build: `npx tsc -b && node packages/analysis/scripts/confirm-lag.mjs 8`.
// Before/after slicing lmIteration and the Jacobian (this machine, loaded): longest block 221/190/137 ms
// → 99/80/56 ms; longest progress gap 346/413/300 ms → 284/269/268 ms (pinned normal, box gumbel, reals uniform).
import { Space } from "@perturb/core"
import { Noise } from "@perturb/noise"
import { analyze, confirmPromise } from "@perturb/analysis"
import { monitorEventLoopDelay } from "node:perf_hooks"
const d = Number(process.argv[2] ?? 8)
const cases = [
  ["pinned normal", analyze(Space.pinned(d), Noise.normal())],
  ["box gumbel", analyze(Space.box(-1, 1, d), Noise.gumbel())],
  ["reals uniform", analyze(Space.reals(d), Noise.uniform())],
  // Issue 13: atoms in half the coordinates (the exact mixed method, ∂M distances by LP), and a
  // space whose θ(0) saturates uniform noise (θ₀ = 5: the start search runs first).
  ["pinned mixed", analyze(Space.pinned(d), Noise.independent(Array.from({ length: d }, (_, i) => (i % 2 === 0 ? Noise.discrete({ atoms: [0, 1] }) : Noise.normal()))))],
  ["saturated uniform", analyze(Space.affine({ C: [Array.from({ length: d }, (_, j) => (j === 0 ? 1 : 0))], e: [5] }), Noise.uniform())]
]
for (const [name, report] of cases) {
  let last = performance.now(), maxGap = 0, lastProgress = performance.now(), maxProgressGap = 0
  const timer = setInterval(() => { const now = performance.now(); maxGap = Math.max(maxGap, now - last); last = now }, 5)
  const t0 = performance.now()
  await confirmPromise(report, {}, () => { const now = performance.now(); maxProgressGap = Math.max(maxProgressGap, now - lastProgress); lastProgress = now })
  clearInterval(timer)
  console.log(`${name} d=${d}: total ${(performance.now() - t0).toFixed(0)} ms, longest blocked event loop ${maxGap.toFixed(0)} ms, longest gap between progress ${maxProgressGap.toFixed(0)} ms`)
}
