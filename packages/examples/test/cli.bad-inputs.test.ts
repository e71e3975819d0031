/**
 * Bad flag values: each invocation must exit non-zero with nothing on stdout and exactly one line on
 * stderr naming the flag (`--tau`, not the library's `temperature`) and the value given. Runs the
 * built CLI (`npx tsc -b` first). The table of bad inputs is packages/core/test/BAD_INPUTS.md.
 */
import { spawn } from "node:child_process"
import { resolve } from "node:path"
import { describe, expect, it } from "vitest"

const cli = resolve(import.meta.dirname, "../dist/src/cli.js")

interface Invocation {
  readonly args: ReadonlyArray<string>
  /** Must appear in the one stderr line. */
  readonly flag: string
  readonly value?: string
}

const softmax = ["probs", "--model", "softmax", "--noise", "gumbel"]
const argmax = ["probs", "--model", "argmax", "--noise", "normal"]
const identify = ["identify", "--model", "argmax", "--noise", "gumbel"]
const analyze = ["analyze", "--space", "pinned:3", "--noise", "normal"]

const table: ReadonlyArray<Invocation> = [
  { args: [...softmax, "--theta", "5", "--tau", "0.5"], flag: "--theta", value: "5" },
  { args: [...softmax, "--theta", "0,1", "--tau", "-1"], flag: "--tau", value: "-1" },
  { args: [...softmax, "--theta", "0,1", "--tau", "0"], flag: "--tau", value: "0" },
  { args: [...softmax, "--theta", "0,1", "--tau", "abc"], flag: "--tau", value: "abc" },
  { args: [...softmax, "--theta", "0,1", "--tau", "NaN"], flag: "--tau", value: "NaN" },
  { args: [...softmax, "--theta", "0,1", "--tau", "Infinity"], flag: "--tau", value: "Infinity" },
  { args: [...softmax, "--theta", "0,1", "--tau"], flag: "--tau" },
  { args: [...softmax, "--theta", "0,x"], flag: "--theta", value: "x" },
  { args: [...softmax, "--theta", ""], flag: "--theta" },
  { args: [...softmax, "--theta", "0,NaN"], flag: "--theta", value: "NaN" },
  { args: [...softmax, "--theta", "-1"], flag: "--theta", value: "-1" },
  { args: [...softmax], flag: "--theta" },
  { args: [...softmax, "--theta", "0,1", "--method", "bogus"], flag: "--method", value: "bogus" },
  { args: [...softmax, "--theta", "0,1", "--method", "exact"], flag: "--method", value: "exact" },
  { args: [...softmax, "--theta", "0,1", "--method", "mc", "--samples", "0"], flag: "--samples", value: "0" },
  { args: [...softmax, "--theta", "0,1", "--method", "mc", "--samples", "-5"], flag: "--samples", value: "-5" },
  { args: [...softmax, "--theta", "0,1", "--samples", "2.5"], flag: "--samples", value: "2.5" },
  { args: [...softmax, "--theta", "0,1", "--samples", "abc"], flag: "--samples", value: "abc" },
  { args: [...argmax, "--theta", "0,1", "--seed", "-1"], flag: "--seed", value: "-1" },
  { args: [...argmax, "--theta", "0,1", "--seed", "1.5"], flag: "--seed", value: "1.5" },
  { args: [...argmax, "--theta", "0,1", "--seed", "1e30"], flag: "--seed", value: "1e30" },
  { args: ["probs", "--model", "bogus", "--noise", "normal", "--theta", "0,1"], flag: "--model", value: "bogus" },
  { args: ["probs", "--noise", "normal", "--theta", "0,1"], flag: "--model" },
  { args: ["probs", "--model", "argmax", "--noise", "bogus", "--theta", "0,1"], flag: "--noise", value: "bogus" },
  { args: ["probs", "--model", "argmax", "--noise", "gumbel:0:-1", "--theta", "0,1"], flag: "--noise", value: "gumbel:0:-1" },
  { args: ["probs", "--model", "argmax", "--theta", "0,1"], flag: "--noise" },
  { args: ["probs", "--model", "argmax", "--noise", "student-t", "--theta", "0,1"], flag: "--noise", value: "student-t" },
  { args: ["probs", "--model", "argmax", "--noise", "uniform:1:0", "--theta", "0,1"], flag: "--noise", value: "uniform:1:0" },
  { args: ["probs", "--model", "argmax", "--noise", "discrete:", "--theta", "0,1"], flag: "--noise", value: "discrete:" },
  { args: [...identify, "--space", "pinned:3", "--p", "0.5,0.6,0.1"], flag: "--p", value: "0.5,0.6,0.1" },
  { args: [...identify, "--space", "pinned:3", "--p", "-0.2,0.7,0.5"], flag: "--p", value: "-0.2,0.7,0.5" },
  { args: [...identify, "--space", "pinned:3", "--p", "0.2,0.8"], flag: "--p", value: "0.2,0.8" },
  { args: [...identify, "--space", "pinned:3"], flag: "--p" },
  { args: [...identify, "--space", "bogus", "--p", "0.2,0.3,0.5"], flag: "--space", value: "bogus" },
  { args: [...identify, "--space", "pinned:3:7", "--p", "0.2,0.3,0.5"], flag: "--space", value: "pinned:3:7" },
  { args: [...identify, "--space", "reals:1", "--p", "1"], flag: "--space", value: "reals:1" },
  { args: [...identify, "--p", "0.2,0.3,0.5"], flag: "--space" },
  { args: [...identify, "--space", "box:3:1:0", "--p", "0.2,0.3,0.5"], flag: "--space", value: "box:3:1:0" },
  { args: [...identify, "--space", "no-such-file.json", "--p", "0.2,0.3,0.5"], flag: "--space", value: "no-such-file.json" },
  { args: [...analyze, "--model", "bogus"], flag: "--model", value: "bogus" },
  { args: [...analyze, "--tau", "-2"], flag: "--tau", value: "-2" },
  { args: [...analyze, "--tau", "0"], flag: "--tau", value: "0" },
  { args: [...analyze, "--confirm", "--seed", "x"], flag: "--seed", value: "x" },
  { args: ["analyze", "--space", "pinned:3", "--noise", "normal", "--foo", "1"], flag: "--foo" },
  { args: ["reproduce", "table1", "--seeds", "0"], flag: "--seeds", value: "0" },
  { args: ["reproduce", "vae", "--epochs", "-1"], flag: "--epochs", value: "-1" },
  { args: ["bench", "--filter", "nope"], flag: "--filter", value: "nope" }
]

const run = (args: ReadonlyArray<string>): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((done) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()))
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()))
    child.on("close", (code) => done({ code, stdout, stderr }))
  })

/** Why an invocation's answer is not clean, or undefined. */
const problem = async (inv: Invocation): Promise<string | undefined> => {
  const r = await run(inv.args)
  const lines = r.stderr.trimEnd().split("\n")
  if (r.code === 0 || r.code === null) return `exit ${r.code}`
  if (r.stdout !== "") return `stdout: ${r.stdout.slice(0, 80)}`
  if (lines.length !== 1) return `${lines.length} lines on stderr: ${r.stderr}`
  if (!lines[0]!.includes(inv.flag)) return `does not name ${inv.flag}: ${lines[0]}`
  if (inv.value !== undefined && !lines[0]!.includes(inv.value)) return `does not show ${inv.value}: ${lines[0]}`
  return undefined
}

describe("perturb CLI: bad flag values", () => {
  it(`${table.length} bad invocations each give one stderr line naming the flag and value`, async () => {
    const results: Array<string | undefined> = new Array(table.length)
    // Four at a time: each run starts tfjs and its wasm backend.
    let next = 0
    const worker = async () => {
      while (next < table.length) {
        const i = next++
        results[i] = await problem(table[i]!)
      }
    }
    await Promise.all([worker(), worker(), worker(), worker()])
    const bad = results.flatMap((p, i) => (p === undefined ? [] : [`perturb ${table[i]!.args.join(" ")}: ${p}`]))
    if (process.env.BAD_INPUTS_LOG !== undefined) console.log(bad.join("\n"))
    expect(bad, `${table.length - bad.length}/${table.length} clean`).toEqual([])
  }, 600_000)
})
