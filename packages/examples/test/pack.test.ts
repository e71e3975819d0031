/**
 * The packages as an outside project gets them: `pnpm pack` the four workspace packages (so
 * `files`, `workspace:` ranges and the built `dist` are what npm would serve), `npm install` the
 * tarballs with tfjs from the registry into a fresh app, and run there: sampling, probs, identify,
 * analyze and the training kernels (test/pack-app/smoke.mjs), each package README's example, and
 * the `perturb` command line. tfjs is a peer dependency, so the app holds one copy of it; the
 * optional WebGPU peers are absent and `@perturb/core/gpu` still imports. A second app runs the
 * smoke script on the oldest tfjs the peer range admits. The browser app (browser-app/main.ts) is
 * copied into the app, bundled there by esbuild with its defaults, so `@perturb/*` resolve to the
 * installed tarballs, and run in headless Chromium as browser.test.ts runs it. Needs `pnpm build` first (`pnpm test`
 * builds). Skipped, saying why, only when the npm registry cannot be reached.
 */
import { build } from "esbuild"
import { execFileSync, spawnSync } from "node:child_process"
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { createRequire } from "node:module"
import { join, resolve } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { checkPage, closeServers, esbuildPage, serve } from "./browser-page.js"

const root = resolve(import.meta.dirname, "../../..")
const PACKAGES = ["noise", "core", "analysis", "examples"] as const
const TFJS = "4.22.0"
const BANNER = /looks like you are running TensorFlow\.js|tfjs-node|already registered/
const NETWORK = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|network|socket hang up/i

/** The lowest tfjs of the peer range `@perturb/core` declares. */
const floorVersion = (): string => {
  const manifest = JSON.parse(readFileSync(join(root, "packages/core/package.json"), "utf8")) as { peerDependencies: Record<string, string> }
  const m = /^>=(\d+\.\d+\.\d+) <5$/.exec(manifest.peerDependencies["@tensorflow/tfjs"] ?? "")
  if (m === null) throw new Error(`@perturb/core's @tensorflow/tfjs peer range is not ">=X.Y.Z <5": ${manifest.peerDependencies["@tensorflow/tfjs"]}`)
  return m[1]!
}

const pack = (dest: string): Record<(typeof PACKAGES)[number], string> => {
  const out = {} as Record<(typeof PACKAGES)[number], string>
  for (const pkg of PACKAGES) {
    const stdout = execFileSync("pnpm", ["pack", "--pack-destination", dest, "--json"], { cwd: join(root, "packages", pkg), encoding: "utf8" })
    out[pkg] = resolve(dest, (JSON.parse(stdout.slice(stdout.indexOf("{"))) as { filename: string }).filename)
  }
  return out
}

/** A fresh app with `deps` installed by npm; `undefined` with the reason when the registry is unreachable. */
const makeApp = (name: string, deps: Record<string, string>): { dir: string } | { skip: string } => {
  const dir = mkdtempSync(join(tmpdir(), `perturb-${name}-`))
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, private: true, type: "module", dependencies: deps }, null, 2))
  const r = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], { cwd: dir, encoding: "utf8", timeout: 240_000 })
  if (r.status !== 0) {
    const output = `${r.stdout}\n${r.stderr}`
    if (NETWORK.test(output)) return { skip: `the npm registry is not reachable (npm install: ${output.trim().split("\n").find((l) => NETWORK.test(l))})` }
    throw new Error(`npm install in ${dir} failed:\n${output}`)
  }
  return { dir }
}

const node = (dir: string, args: Array<string>) => {
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: "utf8", timeout: 120_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** Every installed copy of a package in the app (npm nests a second copy where versions clash). */
const copies = (dir: string, name: string): Array<string> => {
  const found: Array<string> = []
  const walk = (nm: string) => {
    for (const entry of readdirSync(nm, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue
      const scoped = entry.name.startsWith("@") ? readdirSync(join(nm, entry.name)).map((n) => `${entry.name}/${n}`) : [entry.name]
      for (const pkg of scoped) {
        const path = join(nm, pkg)
        if (pkg === name) found.push(path)
        try {
          walk(join(path, "node_modules"))
        } catch {
          // no nested node_modules
        }
      }
    }
  }
  walk(join(dir, "node_modules"))
  return found
}

interface Smoke {
  backend: string
  tfjs: string
  sampleShape: Array<number>
  rowSums: Array<number>
  firstRow: Array<number>
  softmaxProbs: Array<number>
  argmaxProbs: Array<number>
  identified: Array<number>
  verdicts: Record<string, Record<string, string>>
  fusedAdam: Array<number>
  tfAdam: Array<number>
  denseGrad: Array<Array<number>>
  grid: Array<Array<number>>
  probsGrad: Array<number>
  gpu: string
}

const smoke = (dir: string, backend: "cpu" | "wasm"): Smoke => {
  copyFileSync(join(import.meta.dirname, "pack-app/smoke.mjs"), join(dir, "smoke.mjs"))
  const r = node(dir, ["smoke.mjs", backend])
  expect(r.code, r.stderr).toBe(0)
  expect(r.stderr).not.toMatch(BANNER)
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as Smoke
}

const checkSmoke = (s: Smoke, backend: string, tfjs: string) => {
  expect(s.backend).toBe(backend)
  expect(s.tfjs).toBe(tfjs)
  expect(s.sampleShape).toStrictEqual([64, 3])
  for (const x of s.rowSums) expect(x).toBeCloseTo(1, 6)
  // Gumbel-Argmax is softmax(θ) with θ = (0, 1, 2); identify inverts it exactly.
  const z = 1 + Math.E + Math.E ** 2
  s.argmaxProbs.forEach((p, i) => expect(p).toBeCloseTo(Math.E ** i / z, 6))
  expect(s.identified[0]).toBe(0)
  expect(s.identified[1]).toBeCloseTo(Math.log(1.5), 8)
  expect(s.identified[2]).toBeCloseTo(Math.log(2.5), 8)
  expect(s.softmaxProbs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
  expect(s.verdicts).toStrictEqual({
    softmax: { complete: "holds", minimal: "holds", identifiable: "holds" },
    argmax: { complete: "holds", minimal: "holds", identifiable: "holds" }
  })
  expect(s.fusedAdam).toStrictEqual(s.tfAdam)
  expect(s.denseGrad).toStrictEqual([[2, 2, 2, 2], [2, 2, 2, 2], [2, 2, 2, 2]])
  s.grid[1]!.forEach((p) => expect(p).toBeCloseTo(1 / 3, 6))
  // ∂P₂/∂θ of softmax(θ): P₂(δ₂ⱼ − Pⱼ).
  const p = s.argmaxProbs
  s.probsGrad.forEach((g, j) => expect(g).toBeCloseTo(p[2]! * ((j === 2 ? 1 : 0) - p[j]!), 5))
  // The optional WebGPU peers are not installed: the gpu entry loads and says what is missing.
  expect(s.gpu).toBe("WebGPUUnavailable:webgpu-package")
}

/** The first ```js block of a package README: the example it promises runs. */
const readmeExample = (pkg: string): string => {
  const m = /```js\n([\s\S]*?)```/.exec(readFileSync(join(root, "packages", pkg, "README.md"), "utf8"))
  if (m === null) throw new Error(`packages/${pkg}/README.md has no \`\`\`js example`)
  return m[1]!
}

afterAll(closeServers)

describe("the packed packages in a fresh app", () => {
  let tarballs: Record<(typeof PACKAGES)[number], string>
  let app: { dir: string } | { skip: string }

  beforeAll(() => {
    const dest = mkdtempSync(join(tmpdir(), "perturb-tarballs-"))
    mkdirSync(dest, { recursive: true })
    tarballs = pack(dest)
    app = makeApp("perturb-app", {
      ...Object.fromEntries(PACKAGES.map((p) => [`@perturb/${p}`, `file:${tarballs[p]}`])),
      "@tensorflow/tfjs": TFJS,
      "@tensorflow/tfjs-backend-wasm": TFJS
    })
  }, 300_000)

  it(`holds one copy of tfjs ${TFJS} and none of the optional WebGPU peers`, (ctx) => {
    if ("skip" in app) return ctx.skip(app.skip)
    for (const name of ["@tensorflow/tfjs", "@tensorflow/tfjs-core", "@tensorflow/tfjs-backend-cpu", "@tensorflow/tfjs-backend-wasm"]) {
      const found = copies(app.dir, name)
      expect(found, name).toHaveLength(1)
      expect(JSON.parse(readFileSync(join(found[0]!, "package.json"), "utf8")).version).toBe(TFJS)
    }
    expect(copies(app.dir, "webgpu")).toStrictEqual([])
    expect(copies(app.dir, "@tensorflow/tfjs-backend-webgpu")).toStrictEqual([])
  })

  for (const backend of ["cpu", "wasm"] as const) {
    it(`samples, estimates, identifies, analyzes and trains on ${backend}`, (ctx) => {
      if ("skip" in app) return ctx.skip(app.skip)
      checkSmoke(smoke(app.dir, backend), backend, TFJS)
    })
  }

  for (const pkg of ["noise", "core", "analysis"]) {
    it(`runs the example of packages/${pkg}/README.md`, (ctx) => {
      if ("skip" in app) return ctx.skip(app.skip)
      writeFileSync(join(app.dir, `readme-${pkg}.mjs`), readmeExample(pkg))
      const r = node(app.dir, [`readme-${pkg}.mjs`])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout.length).toBeGreaterThan(0)
      expect(r.stdout).not.toMatch(/NaN|undefined/)
    })
  }

  it("runs the perturb command line from the examples tarball, with no tfjs banner", (ctx) => {
    if ("skip" in app) return ctx.skip(app.skip)
    const perturb = join(app.dir, "node_modules/@perturb/examples/dist/src/cli.js")
    const probs = node(app.dir, [perturb, "probs", "--model", "argmax", "--noise", "gumbel", "--theta", "0,1,2", "--json"])
    expect(probs.code, probs.stderr).toBe(0)
    expect(probs.stderr).toBe("")
    expect(JSON.parse(probs.stdout).probs[2]).toBeCloseTo(Math.E ** 2 / (1 + Math.E + Math.E ** 2), 12)
    const analyze = node(app.dir, [perturb, "analyze", "--space", "reals:3", "--noise", "gumbel", "--model", "argmax"])
    expect(analyze.code, analyze.stderr).toBe(0)
    expect(analyze.stderr).toBe("")
    expect(analyze.stdout).toContain("minimal")
    expect(analyze.stdout + analyze.stderr).not.toMatch(BANNER)
  })

  it("bundles the browser app from the installed tarballs (esbuild defaults) and runs it in headless Chromium", async (ctx) => {
    if ("skip" in app) return ctx.skip(app.skip)
    const dir = join(app.dir, "browser-app")
    mkdirSync(dir, { recursive: true })
    copyFileSync(join(import.meta.dirname, "../browser-app/main.ts"), join(dir, "main.ts"))
    const out = await build({ entryPoints: [join(dir, "main.ts")], absWorkingDir: app.dir, bundle: true, platform: "browser", write: false, metafile: true, logLevel: "silent" })
    expect(out.warnings.map((w) => w.text)).toEqual([])
    // every @perturb module comes from the app's node_modules (the tarballs), none from the workspace
    const perturb = Object.keys(out.metafile.inputs).filter((f) => f.includes("@perturb/"))
    for (const pkg of ["noise", "core", "analysis"]) expect(perturb.some((f) => f.startsWith(`node_modules/@perturb/${pkg}/dist/`)), pkg).toBe(true)
    expect(perturb.filter((f) => !f.startsWith("node_modules/@perturb/"))).toEqual([])
    expect(Object.keys(out.metafile.inputs).filter((f) => f.startsWith("..") || f.includes("packages/"))).toEqual([])
    const highsWasm = createRequire(join(app.dir, "node_modules/@perturb/core/package.json")).resolve("highs/runtime")
    expect(highsWasm.startsWith(join(app.dir, "node_modules"))).toBe(true)
    await checkPage(await serve(esbuildPage(out.outputFiles[0]!.text), highsWasm), "esbuild, packed packages")
  }, 180_000)

  it("runs on the oldest tfjs its peer range admits, on cpu and wasm, with the same numbers", (ctx) => {
    if ("skip" in app) return ctx.skip(app.skip)
    const floor = floorVersion()
    const old = makeApp("perturb-app-floor", {
      ...Object.fromEntries(["noise", "core", "analysis"].map((p) => [`@perturb/${p}`, `file:${tarballs[p as "core"]}`])),
      "@tensorflow/tfjs": floor,
      "@tensorflow/tfjs-core": floor,
      "@tensorflow/tfjs-backend-wasm": floor
    })
    if ("skip" in old) return ctx.skip(old.skip)
    expect(copies(old.dir, "@tensorflow/tfjs-core")).toHaveLength(1)
    const current = smoke(app.dir, "wasm")
    for (const backend of ["cpu", "wasm"] as const) {
      const s = smoke(old.dir, backend)
      checkSmoke(s, backend, floor)
      // Same key, same numbers: the fused sampler does not depend on the tfjs version.
      s.firstRow.forEach((x, i) => expect(x).toBeCloseTo(current.firstRow[i]!, 6))
    }
  }, 300_000)
})
