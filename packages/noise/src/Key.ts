/**
 * Keys for counter-based randomness. A key is an immutable pair of uint32 words (the Philox key);
 * every random number in the package is a pure function of a key and a counter, so results are
 * reproducible across runs, chunkings and devices. New keys are derived with `split` and `fold`,
 * never by mutating state.
 *
 * @since 0.1.0
 */
import { InvalidArgument } from "./Errors.js"
import { philox4x32 } from "./internal/philox.js"

/**
 * A Philox-4x32 key: two uint32 words.
 *
 * @example
 * import { Key } from "@perturb/noise"
 * const key: Key.Key = Key.make(42) // a value: two words of a Philox key, nothing mutable
 * @since 0.1.0
 * @category models
 */
export interface Key {
  /** Always `"Key"`: a key is a value, compared with `Key.equals`. */
  readonly _tag: "Key"
  /** The low 32-bit word of the Philox key. */
  readonly k0: number
  /** The high 32-bit word of the Philox key. */
  readonly k1: number
}

const TWO_32 = 4294967296
const TWO_64 = 1n << 64n

// Stream blocks use counters (b_lo, b_hi, 0, 0); derivations put a nonzero constant in the last
// counter word, so a child key never reuses a block of its parent's stream, and split and fold
// never collide with each other.
const SPLIT_DOMAIN = 0x5eed5eed
const FOLD_DOMAIN = 0xf01df01d

const scratch = new Uint32Array(4)

const unsafeMake = (k0: number, k1: number): Key => Object.freeze({ _tag: "Key", k0: k0 >>> 0, k1: k1 >>> 0 })

const derive = (key: Key, lo: number, hi: number, domain: number): Key => {
  philox4x32(lo, hi, 0, domain, key.k0, key.k1, scratch, 0)
  return unsafeMake(scratch[0] ?? 0, scratch[1] ?? 0)
}

const isUint32 = (x: unknown): x is number => typeof x === "number" && Number.isInteger(x) && x >= 0 && x < TWO_32

const requireKey = (key: unknown, argument: string): Key => {
  if (!isKey(key)) throw new InvalidArgument({ argument, value: key, reason: "expected a Key (use Key.make)" })
  return key
}

/**
 * Build a key from a seed: a non-negative safe integer or a bigint in [0, 2^64). The low 32 bits
 * become `k0`, the high 32 bits `k1`, so the mapping is injective and easy to reproduce elsewhere.
 *
 * @example
 * import { Key } from "@perturb/noise"
 * const key = Key.make(42) // also Key.make(2n ** 60n): any seed below 2^64
 * @since 0.1.0
 * @category constructors
 */
export const make = (seed: number | bigint): Key => {
  if (typeof seed === "bigint") {
    if (seed < 0n || seed >= TWO_64) {
      throw new InvalidArgument({ argument: "seed", value: seed, reason: "expected a bigint in [0, 2^64)" })
    }
    return unsafeMake(Number(seed & 0xffffffffn), Number(seed >> 32n))
  }
  if (typeof seed !== "number" || !Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidArgument({ argument: "seed", value: seed, reason: "expected a non-negative safe integer" })
  }
  return unsafeMake(seed % TWO_32, Math.floor(seed / TWO_32))
}

/**
 * Derive `n` child keys (default 2). Child i is the Philox block of counter (i, 0, 0, 0x5EED5EED)
 * under the parent key, so children are independent of each other and of the parent's stream.
 *
 * @example
 * import { Key } from "@perturb/noise"
 * const [a, b] = Key.split(Key.make(42)) // independent streams: use each key once
 * Key.equals(a!, b!) // false
 * @since 0.1.0
 * @category combinators
 */
export const split = (key: Key, n: number = 2): ReadonlyArray<Key> => {
  const parent = requireKey(key, "key")
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgument({ argument: "n", value: n, reason: "expected a positive safe integer" })
  }
  const children = new Array<Key>(n)
  for (let i = 0; i < n; i++) children[i] = derive(parent, i % TWO_32, Math.floor(i / TWO_32), SPLIT_DOMAIN)
  return children
}

/**
 * Mix a non-negative integer (typically a uint32 such as a step or an index) into a key: the
 * Philox block of counter (data mod 2^32, floor(data / 2^32), 0, 0xF01DF01D). Distinct data give
 * distinct, independent keys.
 *
 * @example
 * import { Key } from "@perturb/noise"
 * const perStep = (step: number) => Key.fold(Key.make(42), step) // one key per training step
 * Key.equals(perStep(3), perStep(3)) // true
 * @since 0.1.0
 * @category combinators
 */
export const fold = (key: Key, data: number): Key => {
  const parent = requireKey(key, "key")
  if (typeof data !== "number" || !Number.isSafeInteger(data) || data < 0) {
    throw new InvalidArgument({ argument: "data", value: data, reason: "expected a non-negative safe integer" })
  }
  return derive(parent, data % TWO_32, Math.floor(data / TWO_32), FOLD_DOMAIN)
}

/**
 * Whether a value is a `Key`.
 *
 * @example
 * import { Key } from "@perturb/noise"
 * Key.isKey(Key.make(1)) // true
 * Key.isKey({ k0: 1, k1: 2 }) // false: only Key.make/split/fold make keys
 * @since 0.1.0
 * @category guards
 */
export const isKey = (u: unknown): u is Key =>
  typeof u === "object" && u !== null && "_tag" in u && u._tag === "Key" &&
  "k0" in u && isUint32(u.k0) && "k1" in u && isUint32(u.k1)

/**
 * Whether two keys have the same words.
 *
 * @example
 * import { Key } from "@perturb/noise"
 * Key.equals(Key.make(7), Key.make(7)) // true: keys are values
 * @since 0.1.0
 * @category guards
 */
export const equals = (self: Key, that: Key): boolean => self.k0 === that.k0 && self.k1 === that.k1
