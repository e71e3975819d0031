// What the check scripts share: the repository root, the workspace packages, and their source files.
import { existsSync, readdirSync, statSync } from "node:fs"
import { dirname, join, resolve } from "node:path"

export const root = resolve(dirname(new URL(import.meta.url).pathname), "..")
export const packagesDir = join(root, "packages")

/** The folder names under packages/ that hold a package.json. */
export const packageDirs = () => readdirSync(packagesDir).filter((name) => existsSync(join(packagesDir, name, "package.json")))

/** The TypeScript and JavaScript sources under `dir` (none if it is missing), skipping builds and declarations. */
export const walk = (dir) =>
  existsSync(dir)
    ? readdirSync(dir).flatMap((name) => {
        const p = join(dir, name)
        if (name === "node_modules" || name === "dist") return []
        return statSync(p).isDirectory() ? walk(p) : /\.(ts|mts|js|mjs)$/.test(p) && !p.endsWith(".d.ts") ? [p] : []
      })
    : []
