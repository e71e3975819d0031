#!/usr/bin/env node
// Fails when any package's source has an import cycle, or when the workspace packages depend on
// each other in a cycle. Type-only imports count too: a cycle of types still couples modules.
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"

const root = resolve(dirname(new URL(import.meta.url).pathname), "..")
const packagesDir = join(root, "packages")

const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? walk(p) : p.endsWith(".ts") ? [p] : []
  })

const importRe = /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g

const findCycle = (graph) => {
  const state = new Map() // 1 = on stack, 2 = done
  const stack = []
  const visit = (node) => {
    state.set(node, 1)
    stack.push(node)
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 1) return [...stack.slice(stack.indexOf(next)), next]
      if (!state.has(next)) {
        const found = visit(next)
        if (found) return found
      }
    }
    stack.pop()
    state.set(node, 2)
    return undefined
  }
  for (const node of graph.keys()) {
    if (!state.has(node)) {
      const found = visit(node)
      if (found) return found
    }
  }
  return undefined
}

let failed = false
const pkgGraph = new Map()
for (const pkg of readdirSync(packagesDir)) {
  const pj = join(packagesDir, pkg, "package.json")
  if (!existsSync(pj)) continue
  const meta = JSON.parse(readFileSync(pj, "utf8"))
  const deps = Object.keys({ ...meta.dependencies, ...meta.peerDependencies }).filter((d) => d.startsWith("@perturb/"))
  pkgGraph.set(meta.name, deps)
  const src = join(packagesDir, pkg, "src")
  if (!existsSync(src)) continue
  const graph = new Map()
  for (const file of walk(src)) {
    const text = readFileSync(file, "utf8")
    const edges = []
    for (const m of text.matchAll(importRe)) {
      const spec = m[1] ?? m[2]
      if (!spec.startsWith(".")) continue
      edges.push(resolve(dirname(file), spec.replace(/\.js$/, ".ts")))
    }
    graph.set(file, edges)
  }
  const cycle = findCycle(graph)
  if (cycle) {
    failed = true
    console.error(`import cycle in ${pkg}: ${cycle.map((f) => relative(root, f)).join(" → ")}`)
  } else {
    console.log(`${pkg}: ${graph.size} modules, no import cycle`)
  }
}
const pkgCycle = findCycle(pkgGraph)
if (pkgCycle) {
  failed = true
  console.error(`package dependency cycle: ${pkgCycle.join(" → ")}`)
}
process.exit(failed ? 1 : 0)
