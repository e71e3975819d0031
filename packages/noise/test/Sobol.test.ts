import { readFileSync } from "node:fs"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Key from "../src/Key.js"
import { maxDim, maxPoints, sobol } from "../src/Sobol.js"
import { expectInvalid } from "./helpers/errors.js"

interface Fixture {
  readonly cases: ReadonlyArray<{ readonly dim: number; readonly n: number; readonly points: ReadonlyArray<number> }>
}

// Written by fixtures/make_sobol.py from scipy.stats.qmc.Sobol(d, scramble=False).random(n).
const fixture: Fixture = JSON.parse(readFileSync(new URL("../fixtures/sobol.json", import.meta.url), "utf8"))

const asKey = (u: unknown): Key.Key => u as Key.Key



/** Whether every coordinate of rows [from, from + 2^k) puts one point in each [j/2^k, (j+1)/2^k). */
const stratified = (points: Float64Array, dim: number, from: number, k: number): boolean => {
  const cells = 2 ** k
  for (let d = 0; d < dim; d++) {
    const seen = new Uint8Array(cells)
    for (let i = from; i < from + cells; i++) {
      const c = Math.floor((points[i * dim + d] ?? Number.NaN) * cells)
      if (!(c >= 0 && c < cells) || seen[c] === 1) return false
      seen[c] = 1
    }
  }
  return true
}

describe("sobol, unscrambled", () => {
  it("has the table's dimensions", () => {
    expect(maxDim).toBe(1024)
    expect(maxPoints).toBe(2 ** 32)
  })

  it.each(fixture.cases.map((c) => [c.dim, c.n, c] as const))("equals SciPy for dim %i, n %i", (dim, n, c) => {
    const got = sobol(dim, n)
    expect(got.length).toBe(c.points.length)
    let worst = 0
    c.points.forEach((x, i) => {
      worst = Math.max(worst, Math.abs((got[i] ?? Number.NaN) - x))
    })
    expect(worst).toBeLessThanOrEqual(1e-15)
  })

  it("point 0 is exactly 0 (only scrambled points are strictly inside)", () => {
    expect(Array.from(sobol(3, 1))).toEqual([0, 0, 0])
  })

  it("skip continues the sequence", () => {
    const all = sobol(7, 300)
    for (const skip of [1, 5, 64, 255]) {
      expect(sobol(7, 300 - skip, { skip })).toEqual(all.subarray(skip * 7))
    }
    const far = 2 ** 32 - 8
    expect(sobol(2, 8, { skip: far })).toEqual(sobol(2, 12, { skip: far - 4 }).subarray(8))
  })
})

describe("sobol, scrambled", () => {
  const key = Key.make(20240601)

  it("same key, same points; different keys, different points", () => {
    expect(sobol(5, 64, { key })).toEqual(sobol(5, 64, { key: Key.make(20240601) }))
    expect(sobol(5, 64, { key })).not.toEqual(sobol(5, 64, { key: Key.make(1) }))
    expect(sobol(5, 64, { key })).not.toEqual(sobol(5, 64))
  })

  it("points lie strictly inside (0, 1)", () => {
    for (const k of [key, Key.make(0), Key.make((1n << 64n) - 1n)]) {
      const p = sobol(64, 1024, { key: k })
      let outside = 0
      for (const x of p) if (!(x > 0 && x < 1)) outside++
      expect(outside).toBe(0)
    }
  })

  it("the first coordinates do not depend on dim", () => {
    const wide = sobol(10, 32, { key })
    const narrow = sobol(3, 32, { key })
    for (let i = 0; i < 32; i++) {
      expect(Array.from(narrow.subarray(i * 3, i * 3 + 3))).toEqual(Array.from(wide.subarray(i * 10, i * 10 + 3)))
    }
  })

  it("skip continues the scrambled sequence", () => {
    const all = sobol(4, 100, { key })
    expect(sobol(4, 60, { key, skip: 40 })).toEqual(all.subarray(160))
  })

  it("each coordinate of the first 2^k points is stratified, scrambled or not", () => {
    const dim = 40
    const plain = sobol(dim, 1024)
    const scrambled = sobol(dim, 1024, { key })
    for (let k = 0; k <= 10; k++) {
      expect(stratified(plain, dim, 0, k)).toBe(true)
      expect(stratified(scrambled, dim, 0, k)).toBe(true)
    }
    // Every aligned block too.
    expect(stratified(scrambled, dim, 512, 9)).toBe(true)
    expect(stratified(scrambled, dim, 768, 8)).toBe(true)
  })

  it("stratification holds for random keys and the last dimensions", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.integer({ min: 0, max: 8 }), (seed, k) => {
        const p = sobol(maxDim, 2 ** k, { key: Key.make(seed) })
        expect(stratified(p, maxDim, 0, k)).toBe(true)
      }),
      { numRuns: 20 }
    )
  })

  it("integrates a smooth function far better than its own error bar for plain MC", () => {
    // ∫ over [0,1]^5 of Π (1 + (x_d - 1/2)) = 1.
    const dim = 5
    const n = 4096
    const p = sobol(dim, n, { key })
    let s = 0
    for (let i = 0; i < n; i++) {
      let f = 1
      for (let d = 0; d < dim; d++) f *= 1 + ((p[i * dim + d] ?? 0) - 0.5)
      s += f
    }
    expect(Math.abs(s / n - 1)).toBeLessThan(1e-3)
  })
})

describe("sobol, validation", () => {
  it("rejects bad dim, n, skip and key", () => {
    expectInvalid(() => sobol(0, 4), "dim", "0")
    expectInvalid(() => sobol(-1, 4), "dim", "-1")
    expectInvalid(() => sobol(1.5, 4), "dim", "1.5")
    expectInvalid(() => sobol(maxDim + 1, 4), "dim", "1025")
    expectInvalid(() => sobol(Number.NaN, 4), "dim", "NaN")
    expectInvalid(() => sobol(2, -1), "n", "-1")
    expectInvalid(() => sobol(2, 2.5), "n", "2.5")
    expectInvalid(() => sobol(2, Number.POSITIVE_INFINITY), "n", "Infinity")
    expectInvalid(() => sobol(2, 2 ** 32 + 1), "n", "4294967297")
    expectInvalid(() => sobol(2, 4, { skip: -3 }), "skip", "-3")
    expectInvalid(() => sobol(2, 4, { skip: 2 ** 32 - 2 }), "n", "4")
    expectInvalid(() => sobol(2, 4, { key: asKey({ k0: 1 }) }), "key", "\"k0\":1")
  })

  it("n = 0 gives an empty array", () => {
    expect(sobol(3, 0).length).toBe(0)
    expect(sobol(3, 0, { key: Key.make(1) }).length).toBe(0)
  })
})
