#!/usr/bin/env node
// Fails when a doc comment claims an API appeared (`@since x.y.z`) or was deprecated
// (`@deprecated since x.y.z`) in a version newer than its package's `version`: the tag and the
// package must agree, so a new API is tagged with the version it will ship in and the package is
// bumped with it. A malformed version after `@since` fails too.
import { readFileSync } from "node:fs"
import { join, relative } from "node:path"
import { packageDirs, packagesDir, root, walk } from "./workspace.mjs"

const parse = (v) => v.split(".").map(Number)
const newer = (a, b) => {
  const [x, y] = [parse(a), parse(b)]
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] > y[i]
  return false
}

const problems = []
let tags = 0
for (const dir of packageDirs()) {
  const { version } = JSON.parse(readFileSync(join(packagesDir, dir, "package.json"), "utf8"))
  for (const file of walk(join(packagesDir, dir, "src")).filter((f) => /\.m?ts$/.test(f))) {
    const lines = readFileSync(file, "utf8").split("\n")
    lines.forEach((line, i) => {
      for (const m of line.matchAll(/@(?:since|deprecated since)\s+(\S+?)[:,]?(?=\s|$)/g)) {
        tags++
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
console.log(`${tags} @since tags: none newer than its package's version`)
