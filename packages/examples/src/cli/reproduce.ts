/**
 * `perturb reproduce table1|vae|ranking`: run a protocol, print the results (or one JSON document with
 * `--json`), and write results, protocol, pictures and a small HTML page under `--out DIR`.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { progressBar } from "../progress.js"
import { renderHtml, type Section } from "../report/html.js"
import { loadMnist } from "../reproduce/mnist.js"
import { defaultRanking, rankingProtocol, type RankingOptions, runRanking } from "../reproduce/ranking.js"
import { rankingJson, rankingSection, rankingSvg, rankingText } from "../reproduce/rankingReport.js"
import { defaultTable1, protocol, runTable1, type Table1Options } from "../reproduce/table1.js"
import { curveSvgs, table1Json, table1Section, table1Text } from "../reproduce/table1Report.js"
import { defaultVae, runVae, type VaeOptions, vaeProtocol } from "../reproduce/vae.js"
import { vaeJson, vaeSection, vaeText } from "../reproduce/vaeReport.js"
import { integer, UsageError } from "./parse.js"

export interface ReproduceFlags {
  readonly out?: string | undefined
  readonly seeds?: string | undefined
  readonly epochs?: string | undefined
  readonly steps?: string | undefined
  readonly limit?: string | undefined
  readonly json?: boolean | undefined
}

const positive = (flag: string, text: string | undefined, fallback: number): number => {
  if (text === undefined) return fallback
  const n = integer(flag, text)
  if (n < 1) throw new UsageError(flag, text, "expected a positive integer")
  return n
}

export const writeOut = (dir: string, files: Record<string, string>, sections: ReadonlyArray<Section>, title: string): void => {
  mkdirSync(dir, { recursive: true })
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  writeFileSync(join(dir, "report.html"), renderHtml(title, sections))
}

/** A protocol's defaults with `--seeds` and `--steps` applied, and a progress bar named `name`. */
const seedsAndSteps = <O extends { readonly seeds: number; readonly steps: number }>(flags: ReproduceFlags, defaults: O, name: string) => ({
  ...defaults,
  seeds: positive("seeds", flags.seeds, defaults.seeds),
  steps: positive("steps", flags.steps, defaults.steps),
  onProgress: progressBar(name, true)
})

const timed = async <A>(f: () => Promise<A>): Promise<[A, number]> => {
  const t0 = performance.now()
  const a = await f()
  return [a, (performance.now() - t0) / 1000]
}

export const table1Command = async (flags: ReproduceFlags): Promise<void> => {
  const o: Table1Options = seedsAndSteps(flags, defaultTable1, "table1")
  const [fits, seconds] = await timed(() => runTable1(o))
  const json = table1Json(fits, o, seconds)
  const dir = flags.out ?? join("out", "table1")
  writeOut(
    dir,
    {
      "results.json": JSON.stringify(json, null, 2),
      "protocol.json": JSON.stringify(protocol(o), null, 2),
      ...Object.fromEntries(curveSvgs(fits).map((c) => [`curve-${c.target.toLowerCase().replace(/\s+/g, "-")}.svg`, c.svg]))
    },
    [table1Section(fits, o, seconds)],
    "perturb: Table 1"
  )
  if (flags.json) console.log(JSON.stringify(json))
  else console.log(`${table1Text(fits, o)}\n\n${seconds.toFixed(1)} s; results, protocol and curves in ${dir}/`)
}

export const vaeCommand = async (flags: ReproduceFlags): Promise<void> => {
  const digits = loadMnist(flags.limit === undefined ? undefined : positive("limit", flags.limit, 10_000))
  const o: VaeOptions = {
    ...defaultVae,
    epochs: positive("epochs", flags.epochs, 30),
    seeds: positive("seeds", flags.seeds, 3),
    onProgress: progressBar("vae", true)
  }
  const t0 = performance.now()
  const runs = await runVae(digits, o)
  const seconds = (performance.now() - t0) / 1000
  const json = vaeJson(runs, o, digits, seconds)
  const dir = flags.out ?? join("out", "vae")
  writeOut(
    dir,
    { "results.json": JSON.stringify(json, null, 2), "protocol.json": JSON.stringify(vaeProtocol(o, digits), null, 2) },
    [vaeSection(runs, o, digits, seconds)],
    "perturb: categorical VAE"
  )
  if (flags.json) console.log(JSON.stringify(json))
  else console.log(`${vaeText(runs, o)}\n\n${seconds.toFixed(1)} s; results and protocol in ${dir}/`)
}

export const rankingCommand = async (flags: ReproduceFlags): Promise<void> => {
  const o: RankingOptions = seedsAndSteps(flags, defaultRanking, "ranking")
  const [seeds, seconds] = await timed(() => runRanking(o))
  const dir = flags.out ?? join("out", "ranking")
  const json = rankingJson(seeds, o, seconds)
  const files = { "results.json": JSON.stringify(json, null, 2), "protocol.json": JSON.stringify(rankingProtocol(o), null, 2), "spearman.svg": rankingSvg(seeds, o) }
  writeOut(dir, files, [rankingSection(seeds, o, seconds)], "perturb: learning to rank")
  console.log(flags.json ? JSON.stringify(json) : `${rankingText(seeds, o)}\n\n${seconds.toFixed(1)} s; results, protocol and picture in ${dir}/`)
}
