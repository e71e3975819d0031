import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { philox4x32 } from "../src/internal/philox.js"
import * as Key from "../src/Key.js"
import * as Random from "../src/Random.js"
import { expectInvalid } from "./helpers/errors.js"

// Deliberately ill-typed inputs, as an untyped caller could pass them.
const asKey = (u: unknown): Key.Key => u as Key.Key
const asSeed = (u: unknown): number => u as number



const id = (k: Key.Key): string => `${k.k0}:${k.k1}`

describe("Key.make", () => {
  it("puts the low word in k0 and the high word in k1", () => {
    expect(Key.make(0)).toEqual({ _tag: "Key", k0: 0, k1: 0 })
    expect(Key.make(42)).toEqual({ _tag: "Key", k0: 42, k1: 0 })
    expect(Key.make(2 ** 32 + 5)).toEqual({ _tag: "Key", k0: 5, k1: 1 })
    expect(Key.make(Number.MAX_SAFE_INTEGER)).toEqual({ _tag: "Key", k0: 0xffffffff, k1: 0x1fffff })
    expect(Key.make((1n << 64n) - 1n)).toEqual({ _tag: "Key", k0: 0xffffffff, k1: 0xffffffff })
    expect(Key.make(0x1234567890abcdefn)).toEqual({ _tag: "Key", k0: 0x90abcdef, k1: 0x12345678 })
  })

  it("number and bigint seeds agree", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (s) => {
        expect(Key.equals(Key.make(s), Key.make(BigInt(s)))).toBe(true)
      })
    )
  })

  it("keys are immutable values", () => {
    const k = Key.make(9)
    expect(Object.isFrozen(k)).toBe(true)
    expect(Key.isKey(k)).toBe(true)
    expect(Key.equals(k, Key.make(9))).toBe(true)
    expect(Key.equals(k, Key.make(10))).toBe(false)
  })

  it("rejects bad seeds with InvalidArgument naming the seed", () => {
    expectInvalid(() => Key.make(-1), "seed", "-1")
    expectInvalid(() => Key.make(1.5), "seed", "1.5")
    expectInvalid(() => Key.make(Number.NaN), "seed", "NaN")
    expectInvalid(() => Key.make(Number.POSITIVE_INFINITY), "seed", "Infinity")
    expectInvalid(() => Key.make(2 ** 53), "seed", "9007199254740992")
    expectInvalid(() => Key.make(-1n), "seed", "-1n")
    expectInvalid(() => Key.make(1n << 64n), "seed", "18446744073709551616n")
    expectInvalid(() => Key.make(asSeed("7")), "seed", "\"7\"")
  })
})

describe("Key.isKey", () => {
  it("accepts keys and rejects look-alikes", () => {
    expect(Key.isKey(Key.make(1))).toBe(true)
    expect(Key.isKey({ _tag: "Key", k0: 1, k1: 2 })).toBe(true)
    expect(Key.isKey({ _tag: "Key", k0: -1, k1: 2 })).toBe(false)
    expect(Key.isKey({ _tag: "Key", k0: 1.5, k1: 2 })).toBe(false)
    expect(Key.isKey({ _tag: "Key", k0: 2 ** 32, k1: 2 })).toBe(false)
    expect(Key.isKey({ _tag: "Other", k0: 1, k1: 2 })).toBe(false)
    expect(Key.isKey({ k0: 1, k1: 2 })).toBe(false)
    expect(Key.isKey(null)).toBe(false)
    expect(Key.isKey(7)).toBe(false)
  })
})

describe("Key.split", () => {
  it("child i is the Philox block of counter (i, 0, 0, 0x5EED5EED)", () => {
    const k = Key.make(0x1234567890n)
    const children = Key.split(k, 5)
    const out = new Uint32Array(4)
    children.forEach((c, i) => {
      philox4x32(i, 0, 0, 0x5eed5eed, k.k0, k.k1, out, 0)
      expect([c.k0, c.k1]).toEqual([out[0], out[1]])
    })
  })

  it("defaults to two children and is deterministic", () => {
    const k = Key.make(3)
    expect(Key.split(k)).toHaveLength(2)
    expect(Key.split(k, 7)).toEqual(Key.split(Key.make(3), 7))
    // A prefix property: asking for more children does not change the first ones.
    expect(Key.split(k, 7).slice(0, 2)).toEqual(Key.split(k))
  })

  it("children are pairwise distinct, differ from the parent, and give distinct streams", () => {
    const k = Key.make(2024)
    const children = Key.split(k, 1000)
    const ids = new Set(children.map(id))
    expect(ids.size).toBe(1000)
    expect(ids.has(id(k))).toBe(false)
    const firstWords = new Set(children.slice(0, 100).map((c) => Array.from(Random.uint32(c, 4)).join(",")))
    expect(firstWords.size).toBe(100)
  })

  it("children's keys are not words of the parent's stream", () => {
    const k = Key.make(5)
    const stream = Random.uint32(k, 4096)
    const words = new Set(stream)
    for (const c of Key.split(k, 64)) {
      expect(words.has(c.k0) && words.has(c.k1)).toBe(false)
    }
  })

  it("children of distinct parents are distinct", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.maxSafeNat(), (a, b) => {
        fc.pre(a !== b)
        const ca = Key.split(Key.make(a), 3).map(id)
        const cb = Key.split(Key.make(b), 3).map(id)
        for (const x of ca) expect(cb).not.toContain(x)
      }),
      { numRuns: 200 }
    )
  })

  it("rejects bad n and bad keys", () => {
    const k = Key.make(1)
    expectInvalid(() => Key.split(k, 0), "n", "0")
    expectInvalid(() => Key.split(k, -2), "n", "-2")
    expectInvalid(() => Key.split(k, 1.5), "n", "1.5")
    expectInvalid(() => Key.split(k, Number.NaN), "n", "NaN")
    expectInvalid(() => Key.split(asKey({ k0: 1, k1: 1 })), "key", "\"k0\":1")
  })
})

describe("Key.fold", () => {
  it("is deterministic and distinct across data and from split", () => {
    const k = Key.make(77)
    expect(Key.fold(k, 3)).toEqual(Key.fold(Key.make(77), 3))
    const folded = Array.from({ length: 1000 }, (_, i) => id(Key.fold(k, i)))
    expect(new Set(folded).size).toBe(1000)
    const split = new Set(Key.split(k, 1000).map(id))
    for (const f of folded) expect(split.has(f)).toBe(false)
    expect(Key.equals(Key.fold(k, 0), k)).toBe(false)
    expect(Key.equals(Key.fold(k, 2 ** 32), Key.fold(k, 0))).toBe(false)
  })

  it("uses counter (data, 0, 0, 0xF01DF01D)", () => {
    const k = Key.make(0xfeedn)
    const out = new Uint32Array(4)
    philox4x32(0xdeadbeef, 0, 0, 0xf01df01d, k.k0, k.k1, out, 0)
    const f = Key.fold(k, 0xdeadbeef)
    expect([f.k0, f.k1]).toEqual([out[0], out[1]])
  })

  it("rejects bad data", () => {
    const k = Key.make(1)
    expectInvalid(() => Key.fold(k, -1), "data", "-1")
    expectInvalid(() => Key.fold(k, 0.25), "data", "0.25")
    expectInvalid(() => Key.fold(k, Number.POSITIVE_INFINITY), "data", "Infinity")
  })
})
