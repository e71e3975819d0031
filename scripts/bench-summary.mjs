// The last step of `pnpm bench`: gathers the issue-6 goal rows that the package benchmarks wrote
// (bench/results/core-kernels.json, bench/results/examples.json), prints one table — figure,
// baseline, ratio, all measured in the same run — and writes bench/results/latest.json.
import { readFileSync, writeFileSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const results = join(dirname(fileURLToPath(import.meta.url)), "../bench/results")
const sources = ["core-kernels.json", "examples.json"]
const goals = sources.flatMap((name) => {
  const json = JSON.parse(readFileSync(join(results, name), "utf8"))
  return (json.goals ?? []).map((g) => ({ ...g, source: name }))
})
const fmt = (x) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 0.1 ? x.toFixed(2) : x.toExponential(2))
const lines = [
  "| goal | ours | baseline | ratio | target | met |",
  "|---|---:|---:|---:|---|---|",
  ...goals.map((g) => `| ${g.goal} | ${fmt(g.figure)} ${g.unit} | ${fmt(g.baseline)} ${g.unit} (${g.baselineName}) | ${g.ratio.toFixed(2)} | ${g.target} | ${g.met ? "yes" : "**no**"} |`)
]
const machine = `${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`
console.log(`\nIssue #6 goals (${machine}; ratio = baseline / ours, both from this run)\n`)
console.log(lines.join("\n"))
const file = join(results, "latest.json")
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine, goals }, null, 2))
console.log(`\nwrote ${file}`)
