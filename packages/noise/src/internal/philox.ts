/**
 * Philox-4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011;
 * the Random123 library). A keyed bijection on 128-bit counters: the i-th random block is a pure
 * function of (key, i), so any block can be computed independently, in any order, on any device.
 *
 * JS numbers cannot hold a 64-bit product exactly: the low word comes from `Math.imul`, and the high
 * word is recovered from the rounded double product (see `mulhi`).
 *
 * @internal
 */

const M0 = 0xd2511f53
const M1 = 0xcd9e8d57
const W0 = 0x9e3779b9
const W1 = 0xbb67ae85

const TWO_32 = 4294967296
const TWO_M32 = 1 / TWO_32

/**
 * High 32 bits of the 64-bit product P = a·b of two uint32 words. The low word
 * `lo = Math.imul(a, b) >>> 0` is exact; the double product fl(a·b) is within 2^11 of P (P < 2^64), and the
 * subtraction adds at most another 2^11, so `(fl(a·b) - lo) / 2^32` lies within 2^-20 of the integer
 * `hi`; adding 0.5 and truncating recovers it exactly. This is ~1.5x faster than 16-bit limbs.
 *
 * @internal
 */
export const mulhi = (a: number, b: number): number => {
  const x = a >>> 0
  const y = b >>> 0
  const lo = Math.imul(x, y) >>> 0
  return ((x * y - lo) * TWO_M32 + 0.5) >>> 0
}

/**
 * One Philox-4x32-10 block: encrypt counter (c0, c1, c2, c3) under key (k0, k1) and write the four
 * output words to `out[at..at+3]`. All arguments are uint32 words.
 *
 * @internal
 */
export const philox4x32 = (
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
  at: number
): void => {
  let x0 = c0 >>> 0
  let x1 = c1 >>> 0
  let x2 = c2 >>> 0
  let x3 = c3 >>> 0
  let key0 = k0 >>> 0
  let key1 = k1 >>> 0
  for (let r = 0; r < 10; r++) {
    const lo0 = Math.imul(M0, x0) >>> 0
    const lo1 = Math.imul(M1, x2) >>> 0
    const hi0 = ((M0 * x0 - lo0) * TWO_M32 + 0.5) >>> 0
    const hi1 = ((M1 * x2 - lo1) * TWO_M32 + 0.5) >>> 0
    x0 = (hi1 ^ x1 ^ key0) >>> 0
    x1 = lo1
    x2 = (hi0 ^ x3 ^ key1) >>> 0
    x3 = lo0
    key0 = (key0 + W0) >>> 0
    key1 = (key1 + W1) >>> 0
  }
  out[at] = x0
  out[at + 1] = x1
  out[at + 2] = x2
  out[at + 3] = x3
}

// The words of a block cut by either end of a request.
const partial = new Uint32Array(4)

/**
 * The hot path: fill `out` with words `start, start+1, …` of the stream of key (k0, k1), where block
 * b of the stream is Philox(counter = (b mod 2^32, floor(b / 2^32), 0, 0)) and contributes 4 words.
 * `start` is a non-negative safe integer and need not be block-aligned. No allocation per block.
 *
 * @internal
 */
export const fillStream = (out: Uint32Array, k0: number, k1: number, start: number): void => {
  const n = out.length
  let block = Math.floor(start / 4)
  let skip = start - block * 4
  let i = 0
  while (i < n) {
    // Whole blocks go straight into `out`; V8 inlines philox4x32 here, so the call costs nothing.
    if (skip === 0 && i + 4 <= n) {
      philox4x32(block % TWO_32, Math.floor(block / TWO_32), 0, 0, k0, k1, out, i)
      i += 4
    } else {
      // A partial block only happens at the two ends of the request.
      philox4x32(block % TWO_32, Math.floor(block / TWO_32), 0, 0, k0, k1, partial, 0)
      for (let w = skip; w < 4 && i < n; w++) out[i++] = partial[w]!
      skip = 0
    }
    block++
  }
}
