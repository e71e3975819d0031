// The API reference: TypeDoc over the packages' public entry points (typedoc.json), written to
// docs/api/. Fails on any TypeDoc warning (a broken {@link}, an undocumented export or member, a
// type reachable from the API but not exported) and on any public export without an `@example`,
// which packages/examples/test/api-examples.test.ts then type-checks and runs.
//
// Known gaps are listed in scripts/api-docs-gaps.json, which may only shrink: a gap not listed there
// fails the check, and so does a listed one that has since been filled (delete its line).
//
//   node scripts/api-docs.mjs               check and write docs/api/
//   node scripts/api-docs.mjs --check       check only (what `pnpm check` runs)
//   node scripts/api-docs.mjs --print-gaps  print the gaps as they are now, in the gaps file's form
import { readFileSync } from "node:fs"
import { register } from "node:module"
import { fileURLToPath } from "node:url"
import path from "node:path"

// TypeDoc needs the compiler's JS API, which TypeScript 7 does not ship: see typedoc-ts6.mjs.
register("./typedoc-ts6.mjs", import.meta.url)
const { Application, ReflectionKind, TSConfigReader, TypeDocReader } = await import("typedoc")

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..")
process.chdir(root)
const printGaps = process.argv.includes("--print-gaps")
const checkOnly = printGaps || process.argv.includes("--check")
const gaps = JSON.parse(readFileSync(path.join(root, "scripts/api-docs-gaps.json"), "utf8"))

// Entry file → the specifier a user imports it by, so the reference reads as the packages' exports.
const entryNames = {
  "packages/noise/src/index.ts": "@perturb/noise",
  "packages/noise/src/tfjs.ts": "@perturb/noise/tfjs",
  "packages/core/src/index.ts": "@perturb/core",
  "packages/core/src/gpu/index.ts": "@perturb/core/gpu",
  "packages/analysis/src/index.ts": "@perturb/analysis"
}

const app = await Application.bootstrapWithPlugins({}, [new TSConfigReader(), new TypeDocReader()])
// TypeDoc itself fails on a listed name that no longer needs listing (an unused intentional name).
if (!printGaps) app.options.setValue("intentionallyNotDocumented", gaps.notDocumented)
const undocumented = []
const validationWarning = app.logger.validationWarning.bind(app.logger)
app.logger.validationWarning = (message) => {
  const m = /^(.*) \(\w+\), defined in .*, does not have any documentation$/.exec(message)
  if (printGaps && m !== null) undocumented.push(m[1])
  else validationWarning(message)
}
const project = await app.convert()
if (project === undefined) {
  console.error("api-docs: TypeDoc could not convert the entry points")
  process.exit(1)
}

const entries = app.options.getValue("entryPoints").map((e) => path.relative(root, path.resolve(root, e)))
const modules = project.children ?? []
for (const m of modules) {
  const file = entries.find((e) => m.sources?.some((s) => path.resolve(root, s.fullFileName) === path.resolve(root, e)))
    ?? entries.find((e) => m.name === path.relative("packages", e).replace(/\.ts$/, "").replace(/\/index$/, ""))
  if (file === undefined || entryNames[file] === undefined) {
    console.error(`api-docs: module ${m.name} matches no entry in entryNames`)
    process.exit(1)
  }
  m.name = entryNames[file]
}

// Every public export needs an `@example`: namespaces (`export * as Space`) are walked into, since
// their members are the exports users call.
const missing = []
const walk = (reflection, trail) => {
  for (const child of reflection.children ?? []) {
    const name = `${trail}.${child.name}`
    if (child.kindOf(ReflectionKind.Namespace)) {
      walk(child, name)
      continue
    }
    // A second export of a declaration (`export type { X }` beside `export * as Ns`) links to it.
    if (child.kindOf(ReflectionKind.Reference)) continue
    const comment = child.comment ?? child.signatures?.[0]?.comment
    if (!comment?.blockTags.some((t) => t.tag === "@example")) missing.push(name)
  }
}
for (const m of modules) walk(m, m.name)

app.validate(project)
if (printGaps) {
  console.log(JSON.stringify({ notDocumented: [...new Set(undocumented)].sort(), noExample: missing.sort() }, null, 2))
  process.exit(0)
}
if (!checkOnly) await app.generateDocs(project, app.options.getValue("out"))

const newGaps = missing.filter((name) => !gaps.noExample.includes(name))
const filled = gaps.noExample.filter((name) => !missing.includes(name))
if (newGaps.length > 0) console.error(`api-docs: public exports without an @example:\n  ${newGaps.join("\n  ")}`)
if (filled.length > 0) console.error(`api-docs: these have an @example now; delete them from scripts/api-docs-gaps.json:\n  ${filled.join("\n  ")}`)
const warnings = app.logger.warningCount + app.logger.errorCount
if (warnings > 0 || newGaps.length > 0 || filled.length > 0) process.exit(1)
const known = gaps.notDocumented.length + gaps.noExample.length
console.log(`api-docs: ${modules.length} entry points, no new gaps (${known} known in scripts/api-docs-gaps.json)${checkOnly ? "" : `, written to ${app.options.getValue("out")}`}`)
