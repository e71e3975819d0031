#!/usr/bin/env node
// Writes each package's `src/index.ts` (its public entry) from the package's public modules, or,
// with --check, fails when a written barrel differs from what this script would write.
//
// The rule: every top-level module whose name starts with a capital letter (`src/Space.ts`, not
// `src/tfjs.ts`, `src/testing.ts` or anything under `src/internal/`) is public and appears in the
// barrel, in one of three ways decided by the tables below:
//   - `namespace`: `export * as Name from "./Name.js"` (modules whose exports read as `Name.member`);
//   - `pick`: only the listed names (modules already reached through a namespace, whose few
//     top-level names are convenience re-exports);
//   - otherwise flat: `export { every, exported, name } from "./Name.js"`, minus the names in `omit`.
// A module in `exclude` is left out. Lower-case top-level modules are never in the barrel (they are
// separate entries, like noise's `./tfjs`, or test-only, like a `testing.ts`). `extra` lines are
// re-exports from outside the rule (an internal under a public name). A name exported twice fails.
// Flat names are listed one by one, so a new export shows up in the barrel's diff for review.
//
// To add a public module: create `src/Name.ts`, run `node scripts/barrels.mjs`, and commit the
// barrel; list it under `namespace` first if it should read as `Name.member`.
// core's `src/gpu/index.ts` is not generated: its modules also export GPU programs that stay
// internal, so that barrel is a curated list, not a rule.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, relative } from "node:path"
import { root } from "./workspace.mjs"

const PACKAGES = {
  noise: {
    header: [
      "`@perturb/noise`: noise laws with their statistical traits, float64 numerics, and counter-based",
      "randomness (Philox-4x32-10 keys, uniforms, normals, scrambled Sobol points)."
    ],
    // Numeric: the float64 numerics module expected from another branch of #12.
    namespace: ["Noise", "Key", "Random", "Sobol", "Numeric"],
    pick: {
      Law: ["type Law"],
      Traits: ["type Traits"],
      Vector: ["type Gaussian", "type IID", "type Independent", "type Noise as NoiseLike", "type VectorNoise"]
    },
    // Reached through the Noise namespace only (Noise.ts re-exports them).
    exclude: ["Custom", "Json", "Sample"]
  },
  core: {
    header: [
      "`@perturb/core`: a typed DSL for parameter spaces and perturbation models, compiled into tfjs",
      "kernels (samples, exact probabilities, potentials, densities, the inverse map)."
    ],
    // Polyhedral: the public constraint-system module expected from another branch of #12.
    namespace: ["Space", "Model", "Lp", "Polyhedral", "Solver", "Threads"],
    omit: { Compile: ["IdentifyOptions"] }
  },
  analysis: {
    header: [
      "`@perturb/analysis`: decides completeness, minimality and identifiability of Perturb-Softmax and",
      "Perturb-Argmax models from the paper's results, with reasons and checkable witnesses; confirms",
      "the verdicts numerically; and shows them as text, JSON and pictures."
    ],
    namespace: ["Verdict"],
    // Verdict is also a namespace; its data types are used often enough to be top-level too.
    pick: { Verdict: ["type Agreement", "type Evidence", "type Reason", "type Value", "type Witness"] }
  }
}

const stripComments = (text) => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "")

/** The names a module exports, each as "name" (a value, maybe also a type) or "type name". */
const exportsOf = (file) => {
  const text = stripComments(readFileSync(file, "utf8"))
  const names = new Map() // name → "value" | "type"
  const add = (name, kind) => {
    if (names.get(name) !== "value") names.set(name, kind)
  }
  for (const m of text.matchAll(/^export\s+(?:declare\s+)?(?:abstract\s+)?(const|let|var|function\*?|class|enum|interface|type|namespace)\s+([A-Za-z_$][\w$]*)/gm)) {
    add(m[2], m[1] === "interface" || m[1] === "type" ? "type" : "value")
  }
  for (const m of text.matchAll(/^export\s+(type\s+)?\{([^}]*)\}/gm)) {
    for (const item of m[2].split(",").map((s) => s.trim()).filter(Boolean)) {
      const typeOnly = m[1] !== undefined || item.startsWith("type ")
      const name = item.replace(/^type\s+/, "").split(/\s+as\s+/).pop()
      add(name, typeOnly ? "type" : "value")
    }
  }
  const unsupported = text.match(/^export\s+(default\b|\*\s+from)/m)
  if (unsupported) throw new Error(`${relative(root, file)}: "${unsupported[0]}" cannot be listed by name; list the module under namespace`)
  return names
}

const byName = (a, b) => {
  const key = (s) => s.replace(/^type\s+/, "")
  // Case-insensitive, and on a tie the capitalised (type) name first: `type SimplexImage, simplexImage`.
  return key(a).localeCompare(key(b), "en", { sensitivity: "base" }) || (key(a) < key(b) ? -1 : 1)
}

const exportLine = (items, module) => {
  // All types: `export type { A, B }`, which an isolated-modules compiler can drop without looking.
  const typesOnly = items.every((i) => i.startsWith("type "))
  const names = typesOnly ? items.map((i) => i.slice(5)) : items
  const keyword = typesOnly ? "export type" : "export"
  const one = `${keyword} { ${names.join(", ")} } from "./${module}.js"`
  return one.length <= 120 ? one : `${keyword} {\n${names.map((i) => `  ${i}`).join(",\n")}\n} from "./${module}.js"`
}

/** The barrel text of one package, and the names it exports (to catch a name exported twice). */
const barrel = (dir, spec) => {
  const src = join(root, "packages", dir, "src")
  const modules = readdirSync(src)
    .filter((f) => /^[A-Z][A-Za-z0-9]*\.ts$/.test(f))
    .map((f) => f.slice(0, -3))
    .sort((a, b) => a.localeCompare(b))
  const namespaces = (spec.namespace ?? []).filter((m) => modules.includes(m))
  const lines = namespaces.map((m) => `export * as ${m} from "./${m}.js"`)
  const seen = new Map(namespaces.map((m) => [m, m]))
  const claim = (name, module) => {
    if (seen.has(name)) throw new Error(`packages/${dir}: "${name}" is exported by both ${seen.get(name)} and ${module}`)
    seen.set(name, module)
  }
  for (const m of modules) {
    if ((spec.exclude ?? []).includes(m)) continue
    let items
    if (spec.pick?.[m] !== undefined) {
      const own = exportsOf(join(src, `${m}.ts`))
      for (const item of spec.pick[m]) {
        const name = item.replace(/^type\s+/, "").split(/\s+as\s+/)[0]
        if (!own.has(name)) throw new Error(`packages/${dir}/src/${m}.ts does not export ${name} (scripts/barrels.mjs pick)`)
      }
      items = [...spec.pick[m]]
    } else if (namespaces.includes(m)) {
      continue
    } else {
      const omit = spec.omit?.[m] ?? []
      items = [...exportsOf(join(src, `${m}.ts`))]
        .filter(([name]) => !omit.includes(name))
        .map(([name, kind]) => (kind === "type" ? `type ${name}` : name))
    }
    items.sort(byName)
    for (const item of items) claim(item.replace(/^type\s+/, "").split(/\s+as\s+/).pop(), m)
    if (items.length > 0) lines.push(exportLine(items, m))
  }
  lines.push(...(spec.extra ?? []))
  const header = ["/**", ...spec.header.map((l) => ` * ${l}`), " *", " * @since 0.1.0", " */"]
  const notice = "// Generated by scripts/barrels.mjs from the package's public modules: run it, do not edit."
  return [...header, notice, ...lines, ""].join("\n")
}

const check = process.argv.includes("--check")
const stale = []
for (const [dir, spec] of Object.entries(PACKAGES)) {
  const file = join(root, "packages", dir, "src", "index.ts")
  const want = barrel(dir, spec)
  const have = existsSync(file) ? readFileSync(file, "utf8") : undefined
  if (have === want) continue
  if (check) stale.push(relative(root, file))
  else {
    writeFileSync(file, want)
    console.log(`wrote ${relative(root, file)}`)
  }
}
if (stale.length > 0) {
  console.error(`stale barrels (run node scripts/barrels.mjs): ${stale.join(", ")}`)
  process.exit(1)
}
if (check) console.log(`${Object.keys(PACKAGES).length} barrels: each is what scripts/barrels.mjs writes`)
