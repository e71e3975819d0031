#!/usr/bin/env node
/**
 * The `perturb` command line (docs/architecture.md's contract). With `--json`, stdout is exactly one
 * JSON document; errors go to stderr as one line naming the bad argument, with exit code 2.
 */
import { parseArgs } from "node:util"
import * as tf from "@tensorflow/tfjs"
import "@tensorflow/tfjs-backend-wasm"
import { compile, exactProbs64, type Method, Model, Space } from "@perturb/core"
import { Key } from "@perturb/noise"
import { mkdirSync, writeFileSync } from "node:fs"
import { spawnSync } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { analyze, confirmPromise, renderPicture, renderText, toJSON } from "@perturb/analysis"
import { progressBar } from "./progress.js"
import { renderHtml } from "./report/html.js"
import { runGallery } from "./reproduce/gallery.js"
import { asUsageError, integer, joinDashValues, number, parseNoise, parseSpace, UsageError, vector } from "./cli/parse.js"
import { parsePolytope } from "./cli/polytope.js"
import { perturbedCommand } from "./cli/perturbed.js"
import { rankingCommand, table1Command, vaeCommand } from "./cli/reproduce.js"

const usage = `perturb <command> [options] [--json]

  probs     --model softmax|argmax --noise NOISE --theta a,b,… [--tau T] [--method exact|quadrature|mc|qmc] [--samples N] [--seed N]
  perturbed --solver SOLVER --noise NOISE --sigma S --theta a,b,… [--method mc|qmc|exact] [--samples N] [--seed N] [--jacobian]
  identify  --model softmax|argmax --noise NOISE --space SPACE --p a,b,… [--tau T] [--samples N] [--seed N]
  analyze   --space SPACE --noise NOISE [--model softmax|argmax|both] [--tau T] [--polytope POLYTOPE] [--confirm] [--seed N] [--out DIR]
  reproduce gallery [--out DIR]
  bench     [--filter NAME]   (noise, core, analysis or examples; the benchmarks of \`pnpm bench\`)
  reproduce table1 [--seeds N] [--steps N] [--out DIR]
  reproduce vae    [--epochs N] [--seeds N] [--limit N] [--out DIR]
  reproduce ranking [--seeds N] [--steps N] [--out DIR]

SPACE: reals:D | pinned:D[:INDEX] | zero-sum:D | box:D:LO:HI | file.json
POLYTOPE: topk:K | ranks | path:H:W | file.json ({ "A": [...], "b": [...] } or a solver's JSON)
SOLVER: argmax | topk:K | ranks | sort | path:H:W | lp:FILE.json | file.json (argmax, topk, ranks, sort: d from --theta)
NOISE: gumbel[:LOC:SCALE] | normal[:MEAN:SD] | logistic | laplace | student-t:DF | cauchy | uniform:A:B | exponential | discrete:ATOM,ATOM,… | file.json`

// parseArgs's table: every option takes a value except the flags.
const value = { type: "string" } as const
const flag = { type: "boolean", default: false } as const
const options = {
  model: value,
  noise: value,
  space: value,
  theta: value,
  p: value,
  tau: value,
  method: value,
  samples: value,
  seed: value,
  out: value,
  confirm: flag,
  polytope: value,
  filter: value,
  seeds: value,
  epochs: value,
  steps: value,
  limit: value,
  solver: value,
  sigma: value,
  jacobian: flag,
  json: flag,
  help: flag
} as const

type Values = { [K in keyof typeof options]?: (typeof options)[K]["type"] extends "boolean" ? boolean : string }

const buildModel = (v: Values, space: Space.Space) => {
  const noise = parseNoise(v.noise)
  switch (v.model) {
    case "softmax":
      return Model.perturbSoftmax({ space, noise, temperature: v.tau === undefined ? 1 : number("tau", v.tau) })
    case "argmax":
      return Model.perturbArgmax({ space, noise })
    default:
      throw new UsageError("model", v.model, "expected softmax or argmax")
  }
}

const fmt = (xs: ArrayLike<number>) => Array.from(xs, (x) => x.toPrecision(10)).join(", ")

const probsCommand = (v: Values): void => {
  const theta = vector("theta", v.theta)
  const model = buildModel(v, Space.reals(theta.length))
  const method = v.method as Method | undefined
  if (method !== undefined && !["exact", "quadrature", "mc", "qmc"].includes(method)) {
    throw new UsageError("method", method, "expected exact, quadrature, mc or qmc")
  }
  const samples = v.samples === undefined ? undefined : integer("samples", v.samples)
  const key = v.seed === undefined ? undefined : Key.make(integer("seed", v.seed))
  const show = (probs: Array<number>, stdError: Array<number> | undefined, method: string, digits: number, errorBound?: Array<number>) => {
    if (v.json) {
      console.log(JSON.stringify({ probs, ...(stdError === undefined ? {} : { stdError }), ...(errorBound === undefined ? {} : { errorBound }), method }))
    } else {
      const line = (xs: Array<number>) => xs.map((x) => x.toPrecision(digits)).join(", ")
      console.log(`P(θ) by ${method}: ${line(probs)}`)
      if (stdError !== undefined) console.log(`standard error:  ${line(stdError)}`)
      if (errorBound !== undefined) console.log(`error bound:     ${line(errorBound)}`)
    }
  }
  if (model._tag === "PerturbArgmax" && (method ?? "exact") === "exact") {
    // Exact methods are computed and printed in float64 (17 significant digits round-trip).
    const exact = exactProbs64(model, Float64Array.from(theta), {
      ...(samples === undefined ? {} : { samples }),
      ...(key === undefined ? {} : { key })
    })
    show(Array.from(exact.probs), exact.stdError === undefined ? undefined : Array.from(exact.stdError), "exact", 17)
    return
  }
  const k = compile(model)
  const t = tf.tensor1d(theta)
  const result = k.probs(t, {
    ...(method === undefined ? {} : { method }),
    ...(samples === undefined ? {} : { samples }),
    ...(key === undefined ? {} : { key })
  })
  const probs = Array.from(result.probs.dataSync())
  const stdError = result.stdError === undefined ? undefined : Array.from(result.stdError.dataSync())
  const errorBound = result.errorBound === undefined ? undefined : Array.from(result.errorBound.dataSync())
  show(probs, stdError, result.method, 10, errorBound)
  tf.dispose([t, result.probs, ...[result.stdError, result.errorBound].filter((x) => x !== undefined)])
}

const identifyCommand = (v: Values): void => {
  const space = parseSpace(v.space)
  const model = buildModel(v, space)
  const p = vector("p", v.p)
  const result = compile(model).identify(p, {
    ...(v.samples === undefined ? {} : { samples: integer("samples", v.samples) }),
    ...(v.seed === undefined ? {} : { key: Key.make(integer("seed", v.seed)) })
  })
  // Not converging throws NotConverged (exit 2, one line): a printed θ always met its tolerance.
  const out = {
    theta: Array.from(result.theta),
    residual: result.residual,
    ...(result.residualStdError === undefined ? {} : { residualStdError: result.residualStdError }),
    logResidual: result.logResidual,
    measure: result.measure,
    iterations: result.iterations
  }
  if (v.json) console.log(JSON.stringify(out))
  else {
    const how = out.residualStdError === undefined
      ? "exact"
      : `± ${out.residualStdError.toExponential(1)} (standard error), estimated on points independent of the fit (${out.measure})`
    console.log(`θ = (${fmt(out.theta)})\n‖P(θ) − p‖₁ = ${out.residual.toExponential(2)} ${how}\nmax |log P_i − log p_i| = ${out.logResidual.toExponential(2)} after ${out.iterations} Newton steps`)
  }
}

const analyzeCommand = async (v: Values): Promise<void> => {
  const space = parseSpace(v.space)
  const noise = parseNoise(v.noise)
  const model = v.model ?? "both"
  if (!["softmax", "argmax", "both"].includes(model)) throw new UsageError("model", model, "expected softmax, argmax or both")
  let report = analyze(space, noise, {
    model: model as "softmax" | "argmax" | "both",
    ...(v.tau === undefined ? {} : { temperature: number("tau", v.tau) }),
    ...(v.polytope === undefined ? {} : { polytope: parsePolytope(v.polytope, space.dim) })
  })
  if (v.confirm) {
    const bar = progressBar("confirm", !v.json)
    report = await confirmPromise(report, v.seed === undefined ? {} : { key: Key.make(integer("seed", v.seed)) }, (p) => bar(p.done, p.total))
  }
  const text = renderText(report)
  if (v.out !== undefined) {
    mkdirSync(v.out, { recursive: true })
    writeFileSync(join(v.out, "report.txt"), text)
    writeFileSync(join(v.out, "report.json"), JSON.stringify(toJSON(report), null, 2))
    const files = ["report.txt", "report.json"]
    // Pictures draw the simplex; a report over another polytope has none.
    if ((space.dim === 2 || space.dim === 3) && (report.perturbed === undefined || report.perturbed === report.argmax)) {
      const picture = renderPicture(report)
      writeFileSync(join(v.out, "picture.svg"), picture.svg)
      writeFileSync(join(v.out, "picture.png"), picture.png)
      files.push("picture.svg", "picture.png")
    }
    if (!v.json) console.error(`wrote ${files.map((f) => join(v.out!, f)).join(", ")}`)
  }
  console.log(v.json ? JSON.stringify(toJSON(report)) : text)
}

/** The built benchmark scripts, by package; `--filter` keeps those whose name contains it. */
const benchCommand = (v: Values): void => {
  const root = join(dirname(fileURLToPath(import.meta.url)), "../../..")
  const scripts = [
    ["noise", "noise/dist/bench/samplers.js"],
    ["core", "core/dist/bench/kernels.js"],
    ["analysis", "analysis/dist/bench/analyze.js"],
    ["examples", "examples/dist/bench/vaeStep.js"]
  ].filter(([name]) => v.filter === undefined || name!.includes(v.filter))
  if (scripts.length === 0) throw new UsageError("filter", v.filter, "expected noise, core, analysis or examples")
  for (const [name, file] of scripts) {
    const r = spawnSync(process.execPath, [join(root, file!)], { stdio: "inherit" })
    if (r.status !== 0) throw new UsageError("filter", name, `the ${name} benchmark exited with ${r.status}`)
  }
  if (v.filter === undefined) {
    // The issue-6 goal table gathered from the goal rows the benchmarks just wrote.
    const r = spawnSync(process.execPath, [join(root, "../scripts/bench-summary.mjs")], { stdio: "inherit" })
    if (r.status !== 0) throw new UsageError("filter", "summary", `the benchmark summary exited with ${r.status}`)
  }
}

const galleryCommand = async (v: Values): Promise<void> => {
  const outDir = v.out ?? "out"
  const gallery = await runGallery({ outDir, onProgress: progressBar("gallery", !v.json) })
  mkdirSync(outDir, { recursive: true })
  writeFileSync(join(outDir, "gallery.html"), renderHtml("perturb: the paper's cases", gallery.sections))
  if (v.json) {
    console.log(JSON.stringify({ summary: gallery.summary, files: join(outDir, "gallery") }))
  } else {
    console.log(`${gallery.summary}\n\nreports, pictures and ${join(outDir, "gallery.html")} written under ${outDir}/`)
  }
}

const firstLine = (message: string): string => message.split("\n")[0] ?? message

const main = async (argv: Array<string>): Promise<number> => {
  const [command, ...rest0] = argv
  // `reproduce` takes a subcommand before its flags.
  const sub = command === "reproduce" ? rest0[0] : undefined
  const rest = command === "reproduce" ? rest0.slice(1) : rest0
  if (command === undefined || command === "--help" || command === "help") {
    console.log(usage)
    return command === undefined ? 2 : 0
  }
  let values: Values
  try {
    const stringFlags = Object.entries(options).flatMap(([name, o]) => (o.type === "string" ? [name] : []))
    values = parseArgs({ args: joinDashValues(rest, stringFlags), options, strict: true }).values as Values
  } catch (e) {
    console.error(`perturb ${command}: ${firstLine((e as Error).message)}`)
    return 2
  }
  try {
    // Production mode: no debug checks, and no "install tfjs-node" banner on stderr (it cannot be installed here).
    tf.enableProdMode()
    await tf.setBackend("wasm").catch(() => tf.setBackend("cpu"))
    switch (command) {
      case "probs":
        probsCommand(values)
        return 0
      case "perturbed":
        perturbedCommand(values)
        return 0
      case "identify":
        identifyCommand(values)
        return 0
      case "analyze":
        await analyzeCommand(values)
        return 0
      case "bench":
        benchCommand(values)
        return 0
      case "reproduce":
        if (sub === "table1") await table1Command(values)
        else if (sub === "vae") await vaeCommand(values)
        else if (sub === "gallery") await galleryCommand(values)
        else if (sub === "ranking") await rankingCommand(values)
        else throw new UsageError("reproduce", sub, "expected gallery, table1, vae or ranking")
        return 0
      default:
        throw new UsageError("command", command, "expected probs, perturbed, identify, analyze, reproduce or bench")
    }
  } catch (e) {
    const usageError = e instanceof UsageError ? e : asUsageError(e, values)
    const message = usageError !== undefined ? usageError.message : `${(e as { _tag?: string })._tag ?? "Error"}: ${(e as Error).message}`
    console.error(`perturb ${command}: ${firstLine(message)}`)
    return 2
  }
}

// Ctrl-C: one line saying so, and the shell's conventional 128 + SIGINT. Long work (confirm, the
// reproductions) yields often enough for this handler to run promptly.
process.once("SIGINT", () => {
  console.error(`perturb ${process.argv[2] ?? ""}: interrupted`.replace(" :", ":"))
  process.exit(130)
})

process.exitCode = await main(process.argv.slice(2))
