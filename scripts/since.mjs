#!/usr/bin/env node
// Fails when a doc comment claims an API appeared (`@since x.y.z`) or was deprecated
// (`@deprecated since x.y.z`) in a version newer than its package's `version`: the tag and the
// package must agree, so a new API is tagged with the version it will ship in and the package is
// bumped with it. A malformed version after `@since` fails too.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"

const root = resolve(dirname(new URL(import.meta.url).pathname), "..")
const packagesDir = join(root, "packages")

const walk = (dir) =>
  existsSync(dir)
    ? readdirSync(dir).flatMap((name) => {
        const p = join(dir, name)
        if (name === "node_modules" || name === "dist") return []
        return statSync(p).isDirectory() ? walk(p) : /\.(ts|mts)$/.test(p) && !p.endsWith(".d.ts") ? [p] : []
      })
    : []

const parse = (v) => v.split(".").map(Number)
const newer = (a, b) => {
  const [x, y] = [parse(a), parse(b)]
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] > y[i]
  return false
}

const problems = []
for (const dir of readdirSync(packagesDir)) {
  const manifest = join(packagesDir, dir, "package.json")
  if (!existsSync(manifest)) continue
  const { version } = JSON.parse(readFileSync(manifest, "utf8"))
  for (const file of walk(join(packagesDir, dir, "src"))) {
    const lines = readFileSync(file, "utf8").split("\n")
    lines.forEach((line, i) => {
      for (const m of line.matchAll(/@(?:since|deprecated since)\s+(\S+?)[:,]?(?=\s|$)/g)) {
        const where = `${relative(root, file)}:${i + 1}`
        if (!/^\d+\.\d+\.\d+$/.test(m[1])) problems.push(`${where}: "${m[0]}" is not x.y.z`)
        else if (newer(m[1], version)) problems.push(`${where}: ${m[0]} is newer than ${dir}'s version ${version}`)
      }
    })
  }
}
if (problems.length > 0) {
  console.error(problems.join("\n"))
  process.exit(1)
}
