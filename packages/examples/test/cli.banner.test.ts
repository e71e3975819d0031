/**
 * No tfjs banner on the command line's output. tfjs's cpu backend prints "Hi, looks like you are
 * running TensorFlow.js in Node.js … install our node backend" on its first tensor unless tfjs is in
 * production mode; the CLI normally runs on the wasm backend, so each command also runs with the
 * wasm backend taken out of the registry (test/cpu-only.mjs, as on a machine where tfjs-wasm cannot
 * load), where the CLI falls back to cpu — the backend that prints it.
 * Runs the built CLI (`pnpm test` builds first).
 */
import { spawnSync } from "node:child_process"
import { resolve } from "node:path"
import { describe, expect, it } from "vitest"

const cli = resolve(import.meta.dirname, "../dist/src/cli.js")
const cpuOnly = resolve(import.meta.dirname, "cpu-only.mjs")
const BANNER = /looks like you are running TensorFlow\.js|tfjs-node|={10,}/

const run = (preload: boolean, args: Array<string>) => {
  const r = spawnSync(process.execPath, [...(preload ? ["--import", cpuOnly] : []), cli, ...args], { encoding: "utf8", timeout: 120_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const commands: Array<Array<string>> = [
  ["probs", "--model", "softmax", "--noise", "gumbel", "--theta", "0,1,2", "--tau", "0.5", "--json"],
  ["probs", "--model", "argmax", "--noise", "normal", "--theta", "0,1,2"],
  ["identify", "--model", "argmax", "--noise", "gumbel", "--space", "pinned:3", "--p", "0.2,0.3,0.5", "--json"],
  ["analyze", "--space", "pinned:3", "--noise", "normal", "--json"]
]

describe("perturb CLI without the tfjs banner", () => {
  for (const preload of [false, true]) {
    for (const args of commands) {
      it(`${preload ? "cpu backend" : "default backend"}: perturb ${args.join(" ")}`, () => {
        const r = run(preload, args)
        expect(r.code, r.stderr).toBe(0)
        expect(r.stderr).toBe("")
        expect(r.stdout).not.toMatch(BANNER)
        if (args.includes("--json")) expect(() => JSON.parse(r.stdout)).not.toThrow()
      })
    }
  }

  it("the preload does put the CLI on the cpu backend, where tfjs would print the banner", () => {
    // The same script the CLI runs, minus production mode: proof that the test above can fail.
    const r = spawnSync(process.execPath, ["--import", cpuOnly, "--input-type=module", "-e", [
      `import * as tf from "@tensorflow/tfjs"`,
      `await tf.setBackend("wasm").catch(() => tf.setBackend("cpu"))`,
      `tf.tensor1d([1, 2]).dataSync()`,
      `console.log(tf.getBackend())`
    ].join("\n")], { encoding: "utf8", cwd: resolve(import.meta.dirname, ".."), timeout: 60_000 })
    expect(r.stdout.trim()).toBe("cpu")
    expect(r.stderr).toMatch(BANNER)
  })
})
