#!/usr/bin/env node
/**
 * The published packages as a consumer gets them: `pnpm pack` each workspace package into a temp
 * directory (so `publishConfig`, `files` and `workspace:` ranges are applied exactly as `pnpm publish`
 * would), then lint the tarballs with publint (strict: warnings fail) and, for the public packages,
 * @arethetypeswrong/cli. Also refuses a tarball that ships tests, benchmarks or tsc's build info.
 *
 *   node scripts/pack-check.mjs              pack and lint (needs `pnpm build` first; `pnpm check` runs it)
 *   node scripts/pack-check.mjs --keep DIR   pack into DIR and keep the tarballs (the outside-app test uses them)
 *
 * Exits non-zero, naming the package and the finding, on any problem.
 */
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const bin = (name) => join(root, "node_modules", ".bin", name)

/** Workspace packages, dependencies first (the order `pnpm -r` would use). */
export const PACKAGES = ["noise", "core", "analysis", "examples"]

/** Packs every package into `dir`; returns `{ name, dir, tarball, private }` per package. */
export const packAll = (dir) =>
  PACKAGES.map((pkg) => {
    const pkgDir = join(root, "packages", pkg)
    const manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"))
    if (!existsSync(join(pkgDir, "dist", "src"))) throw new Error(`${manifest.name}: no dist/src — run \`pnpm build\` first`)
    const out = execFileSync("pnpm", ["pack", "--pack-destination", dir, "--json"], { cwd: pkgDir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
    const info = JSON.parse(out.slice(out.indexOf("{")))
    const tarball = resolve(dir, info.filename)
    return { name: manifest.name, dir: pkgDir, tarball, private: manifest.private === true, files: info.files.map((f) => f.path) }
  })

// What a tarball must not carry: tests, benchmarks, tsc's incremental state, fixtures.
const FORBIDDEN = [/(^|\/)test\//, /(^|\/)bench\//, /\.tsbuildinfo$/, /(^|\/)fixtures\//, /\.test\.[cm]?[jt]s$/]

const check = (p) => {
  const problems = []
  for (const f of p.files) if (FORBIDDEN.some((re) => re.test(f))) problems.push(`ships ${f}`)
  for (const f of ["package.json", "README.md", "CHANGELOG.md", "LICENSE"]) if (!p.files.includes(f)) problems.push(`does not ship ${f}`)
  const lint = spawnSync(bin("publint"), ["run", p.tarball, "--strict", "--pack", "false"], { encoding: "utf8" })
  if (lint.status !== 0 || /Errors?:|Warnings?:|Suggestions?:/.test(lint.stdout)) problems.push(`publint:\n${(lint.stdout + lint.stderr).trim()}`)
  if (!p.private) {
    // ESM only (no CommonJS build): require() from CommonJS is not a consumer these packages serve.
    const attw = spawnSync(bin("attw"), [p.tarball, "--profile", "esm-only", "--format", "table-flipped", "--no-emoji", "--no-color"], { encoding: "utf8" })
    if (attw.status !== 0) problems.push(`@arethetypeswrong/cli:\n${(attw.stdout + attw.stderr).trim()}`)
  }
  return problems
}

const main = () => {
  const keep = process.argv.indexOf("--keep")
  const dir = keep >= 0 ? resolve(process.argv[keep + 1] ?? "") : mkdtempSync(join(tmpdir(), "perturb-pack-"))
  mkdirSync(dir, { recursive: true })
  let failed = false
  try {
    for (const p of packAll(dir)) {
      const problems = check(p)
      const size = readFileSync(p.tarball).length
      if (problems.length === 0) console.log(`✓ ${p.name}: ${p.files.length} files, ${(size / 1024).toFixed(0)} KiB packed; publint${p.private ? "" : " and attw"} clean`)
      else {
        failed = true
        console.error(`✗ ${p.name}:\n  ${problems.join("\n").replaceAll("\n", "\n  ")}`)
      }
    }
  } finally {
    if (keep < 0) rmSync(dir, { recursive: true, force: true })
  }
  if (failed) process.exit(1)
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main()
