/**
 * Every `@example` in the packages' doc comments, as a user would paste it: each is written to its
 * own module, type-checked with `tsc` against the built packages (their `exports`, the `.d.ts` a
 * user gets), then executed in Node, one after another in one process. An example that cannot run
 * here (it needs a GPU, a browser, a file) says so with a `ts no-run` code fence and is only
 * type-checked. scripts/api-docs.mjs checks that every public export has an example.
 */
import { execFileSync, spawnSync } from "node:child_process"
import { mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { describe, expect, it } from "vitest"

const root = resolve(import.meta.dirname, "../../..")
const work = join(root, "packages/examples/dist/api-examples")

interface Example {
  readonly where: string
  readonly code: string
  /** Whether to execute it here: `ts webgpu` examples run only with PERTURB_WEBGPU=1 (a GPU machine). */
  readonly run: boolean
}

const webgpu = process.env.PERTURB_WEBGPU === "1"

const sources = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []
  )

/** The `@example` blocks of one file's doc comments: each runs to the next block tag. */
export const examplesIn = (file: string, text: string): Array<Example> => {
  const out: Array<Example> = []
  for (const m of text.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const lines = m[1]!.split("\n").map((l) => l.replace(/^\s*\* ?/, ""))
    const line = text.slice(0, m.index).split("\n").length
    for (let i = 0; i < lines.length; i++) {
      if (!/^@example\b/.test(lines[i]!.trim())) continue
      const body: Array<string> = []
      let j = i + 1
      while (j < lines.length && !/^@\w+/.test(lines[j]!.trim())) body.push(lines[j++]!)
      let code = body.join("\n").trim()
      // A fenced example may carry an info string: `ts no-run` marks one that is only type-checked,
      // `ts webgpu` one that needs a WebGPU adapter.
      const fence = /^```(.*)\n([\s\S]*?)\n```$/.exec(code)
      const info = fence?.[1] ?? ""
      const run = !/\bno-run\b/.test(info) && (webgpu || !/\bwebgpu\b/.test(info))
      if (fence !== null) code = fence[2]!
      out.push({ where: `${relative(root, file)}:${line + i}`, code, run })
      i = j - 1
    }
  }
  return out
}

const all: Array<Example> = ["noise", "core", "analysis"].flatMap((p) =>
  sources(join(root, "packages", p, "src")).flatMap((f) => examplesIn(f, readFileSync(f, "utf8")))
)

describe("the API reference's examples", () => {
  it("finds the examples, including the kernel methods'", () => {
    expect(all.length).toBeGreaterThan(80)
    expect(all.some((e) => e.where.startsWith("packages/core/src/Compile.ts") && e.code.includes("k.identify("))).toBe(true)
    // The extractor stops at the next tag and unwraps fences.
    const [e] = examplesIn("x.ts", "/**\n * Doc.\n *\n * @example\n * ```ts no-run\n * f()\n * ```\n * @since 0.2.0\n */")
    expect(e).toMatchObject({ code: "f()", run: false })
    const [g] = examplesIn("x.ts", "/**\n * @example\n * ```ts webgpu\n * g()\n * ```\n */")
    expect(g).toMatchObject({ code: "g()", run: webgpu })
  })

  it("type-check against the built packages and run in Node", () => {
    rmSync(work, { recursive: true, force: true })
    mkdirSync(join(work, "src"), { recursive: true })
    // A user's app: the three packages and what their APIs expose (tfjs, Effect, fp-ts) installed.
    const analysisModules = join(root, "packages/analysis/node_modules")
    const coreModules = join(root, "packages/core/node_modules")
    const installed: Record<string, string> = {
      "@perturb/noise": join(root, "packages/noise"),
      "@perturb/core": join(root, "packages/core"),
      "@perturb/analysis": join(root, "packages/analysis"),
      ...Object.fromEntries(["@tensorflow/tfjs", "@tensorflow/tfjs-core", "effect", "fp-ts"].map((p) => [p, realpathSync(join(analysisModules, p))])),
      ...Object.fromEntries(["@tensorflow/tfjs-backend-webgpu", "webgpu"].map((p) => [p, realpathSync(join(coreModules, p))]))
    }
    for (const [name, target] of Object.entries(installed)) {
      mkdirSync(dirname(join(work, "node_modules", name)), { recursive: true })
      symlinkSync(target, join(work, "node_modules", name), "dir")
    }
    const names = all.map((e, i) => {
      const name = `ex${String(i).padStart(3, "0")}`
      writeFileSync(join(work, "src", `${name}.ts`), `// ${e.where}\n${e.code}\nexport {}\n`)
      return name
    })
    writeFileSync(join(work, "tsconfig.json"), JSON.stringify({
      extends: "../../../../tsconfig.base.json",
      compilerOptions: {
        rootDir: "src", outDir: "out", composite: false, declaration: false, declarationMap: false,
        sourceMap: false, noUnusedLocals: false, lib: ["ES2023", "DOM"]
      },
      include: ["src"]
    }))
    let diagnostics = ""
    try {
      execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", work, "--pretty", "false"], { encoding: "utf8", timeout: 240_000 })
    } catch (e) {
      diagnostics = String((e as { stdout?: string }).stdout ?? e)
    }
    // Name each failing example by where its doc comment is, not by its generated file.
    const named = diagnostics.replace(/src\/(ex\d{3})\.ts/g, (_, n: string) => all[names.indexOf(n)]!.where + ` (${n})`)
    expect(named).toBe("")

    const runnable = names.filter((_, i) => all[i]!.run)
    const runner = join(work, "run.mjs")
    writeFileSync(runner, [
      "const failed = []",
      "for (const name of process.argv.slice(2)) {",
      "  try { await import(`./out/${name}.js`) } catch (e) { failed.push(`${name}: ${e?.stack ?? e}`) }",
      "}",
      "console.error(`\\u0001${JSON.stringify(failed)}`)"
    ].join("\n"))
    const r = spawnSync(process.execPath, [runner, ...runnable], { cwd: work, encoding: "utf8", timeout: 300_000, maxBuffer: 64 << 20 })
    const report = /\u0001(.*)$/m.exec(r.stderr)
    expect(report, `the runner did not finish: ${r.error ?? r.stderr.slice(-2000)}`).not.toBeNull()
    const failed = (JSON.parse(report![1]!) as Array<string>).map((f) => all[names.indexOf(f.slice(0, 5))]!.where + " " + f)
    expect(failed).toEqual([])
    expect(runnable.length).toBeGreaterThan(webgpu ? 100 : 90)
  }, 600_000)
})

describe("hover docs in an editor", () => {
  // Editors show the doc comment tsc keeps in the published .d.ts; a member without one hovers blank.
  it("every member of Kernels has a doc comment with an example in @perturb/core's .d.ts", () => {
    const dts = readFileSync(join(root, "packages/core/dist/src/Compile.d.ts"), "utf8")
    const body = /export interface Kernels<[^\n]*\{\n([\s\S]*?)\n\}/.exec(dts)?.[1]
    expect(body).toBeDefined()
    const lines = body!.split("\n")
    const members = lines.flatMap((l, i) => {
      const m = /^ {4}(?:readonly )?(\w+)[(:?]/.exec(l)
      return m === null ? [] : [{ name: m[1]!, documented: lines[i - 1]?.trim().endsWith("*/") === true }]
    })
    expect(members.map((m) => m.name)).toEqual(expect.arrayContaining(["probs", "identify", "logDensity", "potential", "sample", "klToUniform", "theta"]))
    expect(members.filter((m) => !m.documented).map((m) => m.name)).toEqual([])
    const comments = body!.split("*/").slice(0, -1)
    expect(comments.length).toBe(members.length)
    expect(comments.filter((c) => !c.includes("@example"))).toEqual([])
  })
})
