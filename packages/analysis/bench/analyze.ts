/**
 * Times `analyze` (both models) on the spaces the issue names: affine spaces (well under a
 * millisecond expected), zero-sum with d = 1000, and a polyhedron with d = 1000 and 2000 constraints
 * (under a second expected). Prints a table and writes `bench/analyze.json`; tests never assert timings.
 *
 * Run: `pnpm exec tsc -b packages/analysis && node packages/analysis/dist/bench/analyze.js`
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { Space } from "@perturb/core"
import { Key, Noise, Random } from "@perturb/noise"
import { analyze } from "../src/index.js"

const time = (name: string, f: () => unknown, reps: number): { name: string; ms: number; reps: number } => {
  f() // warm the JIT and any lazily built structure outside the timing
  const t0 = performance.now()
  for (let r = 0; r < reps; r++) f()
  return { name, ms: (performance.now() - t0) / reps, reps }
}

// A polyhedron with d = 1000 and 2000 random dense inequalities around the origin: b > 0 keeps 0
// strictly inside, so it is non-empty; random signs make it bounded with overwhelming probability.
const polyhedron = (d: number, m: number) => {
  const u = Random.uniform64(Key.make(7), m * d + m)
  const A = Array.from({ length: m }, (_, r) => Array.from({ length: d }, (_, j) => 2 * u[r * d + j]! - 1))
  const b = Array.from({ length: m }, (_, r) => 1 + u[m * d + r]!)
  return Space.polyhedron({ A, b })
}

// Sparse rows (5 non-zeros each) around a random interior point x̂ ≠ 0, so the origin is not a
// shortcut and the translation question goes to HiGHS.
const sparsePolyhedron = (d: number, m: number, nnz: number) => {
  const u = Random.uniform64(Key.make(11), m * nnz * 2 + m + d)
  const xhat = Array.from({ length: d }, (_, j) => 4 * u[m * nnz * 2 + m + j]! - 2)
  const A = Array.from({ length: m }, (_, r) => {
    const row = new Array<number>(d).fill(0)
    for (let t = 0; t < nnz; t++) row[Math.floor(u[(r * nnz + t) * 2]! * d)] = 2 * u[(r * nnz + t) * 2 + 1]! - 1
    return row
  })
  const b = A.map((row, r) => row.reduce((s, a, j) => s + a * xhat[j]!, 0) + 0.1 + u[m * nnz * 2 + r]!)
  return Space.polyhedron({ A, b })
}

const boxRows = (d: number) => {
  const A = Array.from({ length: 2 * d }, (_, r) => {
    const row = new Array<number>(d).fill(0)
    row[r >> 1] = r % 2 === 0 ? 1 : -1
    return row
  })
  return Space.polyhedron({ A, b: new Array<number>(2 * d).fill(1) })
}

const t0 = performance.now()
const poly = polyhedron(1000, 2000)
const sparse = sparsePolyhedron(1000, 2000, 5)
const boxPoly = boxRows(1000)
const buildMs = performance.now() - t0
const rows = [
  time("pinned d = 3, Normal", () => analyze(Space.pinned(3), Noise.normal()), 2000),
  time("ℝ^3, Gumbel", () => analyze(Space.reals(3), Noise.gumbel()), 2000),
  time("zero-sum d = 3, Normal", () => analyze(Space.zeroSum(3), Noise.normal()), 2000),
  time("affine θ₀ = θ₁, d = 3, Gumbel", () => analyze(Space.affine({ C: [[1, -1, 0]], e: [0] }), Noise.gumbel()), 500),
  time("zero-sum d = 1000, Normal", () => analyze(Space.zeroSum(1000), Noise.normal()), 200),
  time("box [-1, 1]^1000, Normal", () => analyze(Space.box(-1, 1, 1000), Noise.normal()), 5),
  time("polyhedron [-1,1]^1000 as 2000 rows, Normal", () => analyze(boxPoly, Noise.normal()), 3),
  time("polyhedron d = 1000, m = 2000 sparse, Normal", () => analyze(sparse, Noise.normal()), 3),
  time("polyhedron d = 1000, m = 2000 dense, Normal", () => analyze(poly, Noise.normal()), 3)
]
console.log(`polyhedra construction (core, not timed below): ${buildMs.toFixed(0)} ms`)
console.log("case".padEnd(42) + "ms / call")
for (const r of rows) console.log(r.name.padEnd(42) + r.ms.toFixed(r.ms < 1 ? 4 : 1))
// Results beside the other benchmarks': bench/results/ at the repository root.
const resultsDir = new URL("../../../../bench/results/", import.meta.url)
mkdirSync(resultsDir, { recursive: true })
writeFileSync(new URL("analysis.json", resultsDir), JSON.stringify({ node: process.version, rows }, null, 2))
