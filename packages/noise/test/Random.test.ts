import erfcinv from "@stdlib/math-base-special-erfcinv"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { fillStream, mulhi, philox4x32 } from "../src/internal/philox.js"
import * as Key from "../src/Key.js"
import * as Random from "../src/Random.js"
import { expectInvalid } from "./helpers/errors.js"

const hex = (words: ArrayLike<number>): Array<string> =>
  Array.from(words, (w) => (w >>> 0).toString(16).padStart(8, "0"))

const block = (ctr: readonly [number, number, number, number], key: readonly [number, number]): Array<string> => {
  const out = new Uint32Array(4)
  philox4x32(ctr[0], ctr[1], ctr[2], ctr[3], key[0], key[1], out, 0)
  return hex(out)
}


// Deliberately ill-typed inputs, as an untyped caller could pass them.
const asKey = (u: unknown): Key.Key => u as Key.Key


// Normal cdf for binning only: Numerical Recipes' erfc approximation (fractional error < 1.2e-7),
// independent of the quantile code under test.
const erfcApprox = (x: number): number => {
  const t = 1 / (1 + 0.5 * Math.abs(x))
  const y = t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
      t * (-0.82215223 + t * 0.17087277)))))))))
  return x >= 0 ? y : 2 - y
}
const normalCdf = (x: number): number => 0.5 * erfcApprox(-x / Math.SQRT2)

describe("mulhi", () => {
  it("matches the exact 64-bit product", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), (a, b) => {
        const exact = Number((BigInt(a) * BigInt(b)) >> 32n)
        expect(mulhi(a, b)).toBe(exact)
      }),
      { numRuns: 2000 }
    )
  })

  it("is exact when the low word is near 0 or 2^32 (worst case for the rounded product)", () => {
    const modInverse = (b: bigint): bigint => {
      // Newton iteration for the inverse of an odd b modulo 2^32.
      let x = b
      for (let i = 0; i < 5; i++) x = (x * (2n - b * x)) & 0xffffffffn
      return x
    }
    for (const b of [0xd2511f53, 0xcd9e8d57, 0xffffffff, 0x80000001, 3]) {
      const inv = modInverse(BigInt(b))
      for (const lo of [0n, 1n, 2n, 0x7fffffffn, 0x80000000n, 0xfffffffen, 0xffffffffn]) {
        const a = Number((lo * inv) & 0xffffffffn)
        const exact = BigInt(a) * BigInt(b)
        expect(exact & 0xffffffffn).toBe(lo)
        expect(mulhi(a, b)).toBe(Number(exact >> 32n))
      }
    }
  })

  it("handles the extreme words", () => {
    for (const a of [0, 1, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff]) {
      for (const b of [0, 1, 0xd2511f53, 0xcd9e8d57, 0xffffffff]) {
        expect(mulhi(a, b)).toBe(Number((BigInt(a) * BigInt(b)) >> 32n))
        expect(Math.imul(a, b) >>> 0).toBe(Number((BigInt(a) * BigInt(b)) & 0xffffffffn))
      }
    }
  })
})

describe("Philox-4x32-10 (Random123 kat_vectors)", () => {
  it("all zeros", () => {
    expect(block([0, 0, 0, 0], [0, 0])).toEqual(["6627e8d5", "e169c58d", "bc57ac4c", "9b00dbd8"])
  })

  it("all ones", () => {
    const f = 0xffffffff
    expect(block([f, f, f, f], [f, f])).toEqual(["408f276d", "41c83b0e", "a20bc7c6", "6d5451fd"])
  })

  it("pi digits", () => {
    expect(block([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]))
      .toEqual(["d16cfe09", "94fdcceb", "5001e420", "24126ea1"])
  })

  it("stream block b is the block of counter (b mod 2^32, floor(b / 2^32), 0, 0)", () => {
    const k0 = 0x12345678
    const k1 = 0x9abcdef0
    for (const b of [0, 1, 7, 0xffffffff, 0x100000000, 0x100000001, 2 ** 50 + 3]) {
      const got = new Uint32Array(4)
      fillStream(got, k0, k1, 4 * b)
      expect(hex(got)).toEqual(block([b % 2 ** 32, Math.floor(b / 2 ** 32), 0, 0], [k0, k1]))
    }
  })

  it("unaligned starts read across block boundaries", () => {
    const all = new Uint32Array(40)
    fillStream(all, 3, 5, 0)
    for (let start = 0; start < 20; start++) {
      for (const len of [0, 1, 2, 3, 4, 5, 9, 17]) {
        const part = new Uint32Array(len)
        fillStream(part, 3, 5, start)
        expect(Array.from(part)).toEqual(Array.from(all.subarray(start, start + len)))
      }
    }
  })
})

describe("Random.uint32", () => {
  const key = Key.make(42)

  it("is the Philox stream of the key", () => {
    const w = Random.uint32(Key.make(0), 8)
    expect(hex(w.subarray(0, 4))).toEqual(["6627e8d5", "e169c58d", "bc57ac4c", "9b00dbd8"])
    expect(hex(w.subarray(4))).toEqual(block([1, 0, 0, 0], [0, 0]))
  })

  it("same key, same numbers; different keys, different streams", () => {
    expect(Random.uint32(key, 100)).toEqual(Random.uint32(Key.make(42), 100))
    expect(Random.uint32(key, 100)).not.toEqual(Random.uint32(Key.make(43), 100))
    const [a, b] = Key.split(key)
    if (a === undefined || b === undefined) throw new Error("split")
    const sa = Random.uint32(a, 100)
    const sb = Random.uint32(b, 100)
    expect(sa).not.toEqual(sb)
    expect(sa).not.toEqual(Random.uint32(key, 100))
  })

  it("offset chunking: uint32(k, a + b) = uint32(k, a) ++ uint32(k, b, a)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.nat({ max: 300 }),
        fc.nat({ max: 300 }),
        (seed, a, b) => {
          const k = Key.make(seed)
          const whole = Random.uint32(k, a + b)
          const joined = new Uint32Array(a + b)
          joined.set(Random.uint32(k, a), 0)
          joined.set(Random.uint32(k, b, a), a)
          expect(joined).toEqual(whole)
          expect(Random.uint32(k, b, a)).toEqual(whole.subarray(a))
        }
      ),
      { numRuns: 200 }
    )
  })

  it("offset chunking holds for the float streams too", () => {
    fc.assert(
      fc.property(fc.nat({ max: 100 }), fc.nat({ max: 100 }), (a, b) => {
        expect(Random.uniform32(key, b, a)).toEqual(Random.uniform32(key, a + b).subarray(a))
        expect(Random.uniform64(key, b, a)).toEqual(Random.uniform64(key, a + b).subarray(a))
        expect(Random.normal64(key, b, a)).toEqual(Random.normal64(key, a + b).subarray(a))
        expect(Random.normal32(key, b, a)).toEqual(Random.normal32(key, a + b).subarray(a))
      }),
      { numRuns: 100 }
    )
  })

  it("large offsets skip ahead without generating", () => {
    const far = 2 ** 52 - 8
    const w = Random.uint32(key, 8, far)
    const expected = new Uint32Array(8)
    fillStream(expected, key.k0, key.k1, far)
    expect(w).toEqual(expected)
    expect(w).toEqual(Random.uint32(key, 12, far - 4).subarray(4))
  })

  it("n = 0 gives empty arrays", () => {
    expect(Random.uint32(key, 0).length).toBe(0)
    expect(Random.uniform64(key, 0, 5).length).toBe(0)
    expect(Random.normal32(key, 0).length).toBe(0)
  })

  it("rejects bad n, offset and key with typed errors", () => {
    for (const n of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expectInvalid(() => Random.uint32(key, n), "n", String(n))
      expectInvalid(() => Random.uniform64(key, n), "n", String(n))
      expectInvalid(() => Random.normal64(key, n), "n", String(n))
    }
    for (const offset of [-1, 0.5, Number.NaN]) {
      expectInvalid(() => Random.uint32(key, 3, offset), "offset", String(offset))
      expectInvalid(() => Random.uniform32(key, 3, offset), "offset", String(offset))
    }
    expectInvalid(() => Random.uint32(key, 2, 2 ** 53 - 1), "offset", String(2 ** 53 - 1))
    expectInvalid(() => Random.uniform64(key, 1, 2 ** 52), "offset", String(2 ** 52))
    const notKey = { _tag: "Key", k0: -1, k1: 0 }
    expectInvalid(() => Random.uint32(asKey(notKey), 3), "key", "-1")
    expectInvalid(() => Random.normal32(asKey({ k0: 1, k1: 2 }), 3), "key", "\"k0\":1")
  })
})

describe("Random.uniform32", () => {
  it("maps the smallest and largest words strictly inside (0, 1) in float32", () => {
    const smallest = new Float32Array([((0 >>> 9) + 0.5) / 2 ** 23])
    const largest = new Float32Array([((0xffffffff >>> 9) + 0.5) / 2 ** 23])
    expect(smallest[0]).toBe(2 ** -24)
    expect(largest[0]).toBe(1 - 2 ** -24)
    expect(largest[0]).toBeLessThan(1)
    // The naive w / 2^32 rounds to exactly 1 in float32 for the largest word.
    expect(Math.fround(0xffffffff / 2 ** 32)).toBe(1)
  })

  it("stays strictly inside (0, 1) and matches the formula", () => {
    const key = Key.make(7)
    const n = 100_000
    const u = Random.uniform32(key, n)
    const w = Random.uint32(key, n)
    let bad = 0
    for (let i = 0; i < n; i++) {
      const x = u[i] ?? Number.NaN
      if (!(x > 0 && x < 1) || x !== Math.fround((((w[i] ?? 0) >>> 9) + 0.5) / 2 ** 23)) bad++
    }
    expect(bad).toBe(0)
  })

  it("mean and variance within 6 sigma", () => {
    const n = 200_000
    const u = Random.uniform32(Key.make(2024), n)
    let s = 0
    let s2 = 0
    for (const x of u) {
      s += x
      s2 += (x - 0.5) ** 2
    }
    // Var(U) = 1/12; Var((U - 1/2)^2) = 1/80 - 1/144 = 1/180.
    expect(Math.abs(s / n - 0.5)).toBeLessThan(6 * Math.sqrt(1 / 12 / n))
    expect(Math.abs(s2 / n - 1 / 12)).toBeLessThan(6 * Math.sqrt(1 / 180 / n))
  })
})

describe("Random.uniform64", () => {
  it("uses word pairs (hi, lo) with 52 centred bits", () => {
    const key = Key.make(99)
    const u = Random.uniform64(key, 50, 3)
    const w = Random.uint32(key, 100, 6)
    for (let i = 0; i < 50; i++) {
      const m = ((w[2 * i] ?? 0) >>> 6) * 2 ** 26 + ((w[2 * i + 1] ?? 0) >>> 6)
      expect(u[i]).toBe((m + 0.5) / 2 ** 52)
    }
  })

  it("extreme words map strictly inside (0, 1)", () => {
    const top = ((0xffffffff >>> 6) * 2 ** 26 + (0xffffffff >>> 6) + 0.5) / 2 ** 52
    const bottom = (0 + 0.5) / 2 ** 52
    expect(top).toBe(1 - 2 ** -53)
    expect(top).toBeLessThan(1)
    expect(bottom).toBe(2 ** -53)
    // Why not 53 bits: (2^53 - 1 + 0.5) / 2^53 rounds to exactly 1.
    expect((2 ** 53 - 1 + 0.5) / 2 ** 53).toBe(1)
  })

  it("mean and variance within 6 sigma, and strictly inside (0, 1)", () => {
    const n = 200_000
    const u = Random.uniform64(Key.make(31337), n)
    let s = 0
    let s2 = 0
    let outside = 0
    for (const x of u) {
      if (!(x > 0 && x < 1)) outside++
      s += x
      s2 += (x - 0.5) ** 2
    }
    expect(outside).toBe(0)
    expect(Math.abs(s / n - 0.5)).toBeLessThan(6 * Math.sqrt(1 / 12 / n))
    expect(Math.abs(s2 / n - 1 / 12)).toBeLessThan(6 * Math.sqrt(1 / 180 / n))
  })

  it("passes a chi-square test on 100 bins", () => {
    const n = 100_000
    const bins = 100
    const counts = new Array<number>(bins).fill(0)
    for (const x of Random.uniform64(Key.make(5), n)) {
      const b = Math.floor(x * bins)
      counts[b] = (counts[b] ?? 0) + 1
    }
    const e = n / bins
    const chi2 = counts.reduce((acc, c) => acc + (c - e) ** 2 / e, 0)
    // df = 99: mean 99, sd = sqrt(198) ≈ 14.1; 6 sigma above the mean is ≈ 183.
    expect(chi2).toBeLessThan(99 + 6 * Math.sqrt(198))
    expect(chi2).toBeGreaterThan(30)
  })

  it("passes a Kolmogorov–Smirnov test", () => {
    const n = 50_000
    const u = Array.from(Random.uniform64(Key.make(11), n)).sort((a, b) => a - b)
    let d = 0
    u.forEach((x, i) => {
      d = Math.max(d, Math.abs((i + 1) / n - x), Math.abs(x - i / n))
    })
    // P(sqrt(n)·D > 1.95) ≈ 1e-3; 2.5 gives about 1e-5.
    expect(Math.sqrt(n) * d).toBeLessThan(2.5)
  })
})

describe("Random.normal64 / normal32", () => {
  it("is the inverse normal cdf of uniform64, -√2·erfcinv(2u), value for value", () => {
    const key = Key.make(123)
    const n = 20_000
    const u = Random.uniform64(key, n)
    const z = Random.normal64(key, n)
    let worst = 0
    for (let i = 0; i < n; i++) {
      const ref = -Math.SQRT2 * erfcinv(2 * (u[i] ?? 0.5))
      worst = Math.max(worst, Math.abs((z[i] ?? 0) - ref) / Math.max(1, Math.abs(ref)))
    }
    expect(worst).toBeLessThanOrEqual(4e-15)
  })

  it("the AS 241 quantile agrees with erfcinv across both tails", () => {
    const points: Array<number> = [2 ** -53, 1 - 2 ** -53, 0.5, 0.075, 0.925, 0.0749999, 0.925001]
    for (let e = 1; e <= 53; e++) points.push(2 ** -e, 1 - 2 ** -e, 3 * 2 ** (-e - 2))
    for (let k = 1; k < 1000; k++) points.push(k / 1000)
    for (const p of points) {
      const ref = -Math.SQRT2 * erfcinv(2 * p)
      const got = Random.normalQuantile(p)
      // erfcinv's own error is a few ulp; relative agreement to 1e-14 (absolute near 0).
      expect(Math.abs(got - ref)).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(ref)))
    }
    expect(Random.normalQuantile(0.5)).toBe(0)
    expect(Random.normalQuantile(2 ** -53)).toBeCloseTo(-8.2095361516, 9)
    expect(Random.normalQuantile(1 - 2 ** -53)).toBeCloseTo(8.2095361516, 9)
  })

  it("normal32 is normal64 rounded to float32", () => {
    const key = Key.make(8)
    expect(Random.normal32(key, 1000, 17)).toEqual(Float32Array.from(Random.normal64(key, 1000, 17)))
  })

  it("moments within 6 sigma", () => {
    const n = 200_000
    const z = Random.normal64(Key.make(77), n)
    let s = 0
    let s2 = 0
    let s4 = 0
    let infinite = 0
    for (const x of z) {
      if (!Number.isFinite(x)) infinite++
      s += x
      s2 += x * x
      s4 += x ** 4
    }
    expect(infinite).toBe(0)
    // Var(Z) = 1, Var(Z^2) = 2.
    expect(Math.abs(s / n)).toBeLessThan(6 / Math.sqrt(n))
    expect(Math.abs(s2 / n - 1)).toBeLessThan(6 * Math.sqrt(2 / n))
    // E Z^4 = 3, Var(Z^4) = 105 - 9 = 96.
    expect(Math.abs(s4 / n - 3)).toBeLessThan(6 * Math.sqrt(96 / n))
  })

  it("passes a chi-square test on equiprobable normal bins", () => {
    const n = 100_000
    const bins = 50
    const counts = new Array<number>(bins).fill(0)
    for (const x of Random.normal64(Key.make(2), n)) {
      const b = Math.min(bins - 1, Math.floor(normalCdf(x) * bins))
      counts[b] = (counts[b] ?? 0) + 1
    }
    const e = n / bins
    const chi2 = counts.reduce((acc, c) => acc + (c - e) ** 2 / e, 0)
    // df = 49: mean 49, sd ≈ 9.9.
    expect(chi2).toBeLessThan(49 + 6 * Math.sqrt(98))
  })

  it("passes a Kolmogorov–Smirnov test against Φ", () => {
    const n = 50_000
    const z = Array.from(Random.normal64(Key.make(13), n)).sort((a, b) => a - b)
    let d = 0
    z.forEach((x, i) => {
      const f = normalCdf(x)
      d = Math.max(d, Math.abs((i + 1) / n - f), Math.abs(f - i / n))
    })
    expect(Math.sqrt(n) * d).toBeLessThan(2.5)
  })
})
