#!/usr/bin/env node
// Fails when a package's sources, tests or benches import another workspace package's internals:
// a subpath its `exports` map does not publish, or a relative path that leaves the package. What
// another package may use is exactly what it exports, so an internal can change without a search.
import { readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { packageDirs, packagesDir, root, walk } from "./workspace.mjs"

const importRe = /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm

const packages = packageDirs()
const manifests = new Map(packages.map((dir) => {
  const json = JSON.parse(readFileSync(join(packagesDir, dir, "package.json"), "utf8"))
  return [json.name, { dir, exports: json.exports ?? { ".": "./index.js" } }]
}))

/** Whether `subpath` ("." or "./x/y") is published by an exports map (a null target hides it). */
const published = (exportsMap, subpath) => {
  if (typeof exportsMap === "string") return subpath === "."
  let best
  for (const [pattern, target] of Object.entries(exportsMap)) {
    const star = pattern.indexOf("*")
    const hit = star < 0 ? pattern === subpath : subpath.startsWith(pattern.slice(0, star)) && subpath.endsWith(pattern.slice(star + 1))
    // Node picks the most specific pattern: the longest prefix before "*".
    if (hit && (best === undefined || pattern.length > best.pattern.length || star < 0)) best = { pattern, target }
  }
  return best !== undefined && best.target !== null
}

const problems = []
for (const dir of packages) {
  const base = join(packagesDir, dir)
  for (const file of ["src", "test", "bench", "scripts"].flatMap((d) => walk(join(base, d)))) {
    const text = readFileSync(file, "utf8")
    for (const m of text.matchAll(importRe)) {
      const spec = m[1] ?? m[2] ?? m[3]
      const where = relative(root, file)
      if (spec.startsWith(".")) {
        const target = resolve(dirname(file), spec)
        if (!target.startsWith(base + "/")) problems.push(`${where}: "${spec}" reaches outside ${dir}; import the package by name`)
        continue
      }
      const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]
      const pkg = manifests.get(name)
      if (pkg === undefined || pkg.dir === dir) continue
      const subpath = spec === name ? "." : "." + spec.slice(name.length)
      if (!published(pkg.exports, subpath)) problems.push(`${where}: "${spec}" is not in ${name}'s exports`)
    }
  }
}

if (problems.length > 0) {
  console.error(`Imports of another package's internals (${problems.length}):\n  ${problems.join("\n  ")}`)
  process.exit(1)
}
console.log(`${packages.length} packages: every cross-package import is a published entry point`)
