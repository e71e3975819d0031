/**
 * Sobol low-discrepancy points for quasi-Monte Carlo, with Joe & Kuo's direction numbers
 * (new-joe-kuo-6.21201, the table SciPy ships) at 32-bit resolution, in Gray-code order.
 *
 * Unscrambled points equal `scipy.stats.qmc.Sobol(dim, scramble=False).random(n)`; their point 0
 * is exactly 0 in every coordinate. Scrambled points (pass a `key`) apply a random linear matrix
 * scramble and a digital shift, like SciPy's `scramble=True`, and are centred in their 2^-32 cell,
 * so every coordinate lies strictly inside (0, 1). Both keep the net property: for every k, each
 * coordinate of any aligned block of 2^k consecutive points puts exactly one point in each
 * interval [j/2^k, (j+1)/2^k).
 *
 * @since 0.1.0
 */
import { InvalidArgument } from "./Errors.js"
import { checkOptions } from "./internal/validate.js"
import { fold, isKey, type Key } from "./Key.js"
import { uint32 } from "./Random.js"
import { SOBOL_MAX_DIM, SOBOL_POLY, SOBOL_VINIT } from "./internal/sobolTable.js"

const BITS = 32
const TWO_32 = 4294967296
const TWO_M32 = 1 / TWO_32

// Scrambling bits come from a key derived for this purpose, so they never coincide with numbers
// the caller draws from the same key through `Random`.
const SCRAMBLE_DOMAIN = 0x50b0150b
// Per dimension: 32 rows of the lower-triangular scramble matrix, then the digital shift. A fixed
// layout per dimension makes the first d coordinates of a scrambled sequence independent of `dim`.
const WORDS_PER_DIM = BITS + 1

/**
 * Largest supported dimension.
 *
 * @example
 * import { Sobol } from "@perturb/noise"
 * Sobol.sobol(Sobol.maxDim, 2).length // 2 · maxDim: the widest sequence there is
 * @since 0.1.0
 * @category constants
 */
export const maxDim: number = SOBOL_MAX_DIM

/**
 * Number of distinct points at 32-bit resolution: `skip + n` may not exceed it.
 *
 * @example
 * import { Sobol } from "@perturb/noise"
 * Sobol.maxPoints // 2^32: points beyond it would repeat
 * @since 0.1.0
 * @category constants
 */
export const maxPoints: number = TWO_32

/**
 * Options of `sobol`: `key` turns scrambling on; `skip` starts at point `skip` of the sequence.
 *
 * @example
 * import { Key, Sobol } from "@perturb/noise"
 * const options: Sobol.SobolOptions = { key: Key.make(1), skip: 1024 }
 * Sobol.sobol(3, 1024, options) // the next 1024 points of the same scrambled sequence
 * @since 0.1.0
 * @category models
 */
export interface SobolOptions {
  /** Scramble with this key (default: unscrambled). */
  readonly key?: Key | undefined
  /** Start at this index (default 0): chunks of one sequence. */
  readonly skip?: number | undefined
}

let directions: Uint32Array | undefined

/**
 * Direction numbers v[d·32 + j] = m_j · 2^(31-j), built by the Bratley–Fox recurrence exactly as
 * SciPy's `initialize_v` does; dimension 0 is van der Corput (all m_j = 1).
 */
const directionNumbers = (): Uint32Array => {
  if (directions !== undefined) return directions
  const v = new Uint32Array(SOBOL_MAX_DIM * BITS)
  const m = new Uint32Array(BITS)
  let cursor = 0
  for (let d = 0; d < SOBOL_MAX_DIM; d++) {
    const p = SOBOL_POLY[d] ?? 1
    const degree = 31 - Math.clz32(p)
    if (d === 0) {
      m.fill(1)
    } else {
      for (let j = 0; j < degree; j++) m[j] = SOBOL_VINIT[cursor + j] ?? 0
      cursor += degree
      for (let j = degree; j < BITS; j++) {
        let next = ((m[j - degree] ?? 0) ^ ((m[j - degree] ?? 0) << degree)) >>> 0
        for (let k = 0; k < degree - 1; k++) {
          if ((p >>> (degree - 1 - k)) & 1) next = (next ^ ((m[j - k - 1] ?? 0) << (k + 1))) >>> 0
        }
        m[j] = next
      }
    }
    for (let j = 0; j < BITS; j++) v[d * BITS + j] = ((m[j] ?? 0) << (BITS - 1 - j)) >>> 0
  }
  directions = v
  return v
}

const parity = (x: number): number => {
  let y = x ^ (x >>> 16)
  y ^= y >>> 8
  y ^= y >>> 4
  y ^= y >>> 2
  y ^= y >>> 1
  return y & 1
}

/**
 * Linear matrix scramble: multiply each direction number (as a bit vector, most significant bit
 * first) by a random lower-triangular matrix with unit diagonal over GF(2). Output digit p depends
 * only on input digits 0..p, which is what preserves the net property.
 */
const scrambledDirections = (dim: number, key: Key): { readonly v: Uint32Array; readonly shift: Uint32Array } => {
  const base = directionNumbers()
  const bits = uint32(fold(key, SCRAMBLE_DOMAIN), dim * WORDS_PER_DIM)
  const v = new Uint32Array(dim * BITS)
  const shift = new Uint32Array(dim)
  const rows = new Uint32Array(BITS)
  for (let d = 0; d < dim; d++) {
    const at = d * WORDS_PER_DIM
    for (let p = 0; p < BITS; p++) {
      const below = p === 0 ? 0 : (0xffffffff << (BITS - p)) >>> 0
      rows[p] = (((bits[at + p] ?? 0) & below) | (1 << (BITS - 1 - p))) >>> 0
    }
    for (let j = 0; j < BITS; j++) {
      const x = base[d * BITS + j] ?? 0
      let y = 0
      for (let p = 0; p < BITS; p++) y |= parity((rows[p] ?? 0) & x) << (BITS - 1 - p)
      v[d * BITS + j] = y >>> 0
    }
    shift[d] = bits[at + BITS] ?? 0
  }
  return { v, shift }
}

const checkIndex = (value: unknown, argument: string): number => {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgument({ argument, value, reason: "expected a non-negative safe integer" })
  }
  return value
}

/**
 * Points `skip, …, skip + n - 1` of the `dim`-dimensional Sobol sequence, row-major (n × dim).
 * Without `key`: SciPy's unscrambled points, in [0, 1). With `key`: scrambled (linear matrix
 * scramble + digital shift, bits from `Random.uint32`), strictly inside (0, 1), a pure function of
 * (key, dim, index). Use n a power of two (and skip a multiple of it) to keep the balance
 * properties.
 *
 * @example
 * import { Key, Sobol } from "@perturb/noise"
 * const pts = Sobol.sobol(2, 8) // 8 × 2, row-major: [0, 0, 0.5, 0.5, 0.75, 0.25, …]
 * const scrambled = Sobol.sobol(2, 8, { key: Key.make(3) }) // strictly inside (0, 1)
 * @since 0.1.0
 * @category constructors
 */
export const sobol = (dim: number, n: number, options: SobolOptions = {}): Float64Array => {
  if (typeof dim !== "number" || !Number.isInteger(dim) || dim < 1 || dim > SOBOL_MAX_DIM) {
    throw new InvalidArgument({ argument: "dim", value: dim, reason: `expected an integer in [1, ${SOBOL_MAX_DIM}]` })
  }
  const count = checkIndex(n, "n")
  checkOptions("sobol", options)
  const skip = checkIndex(options.skip ?? 0, "skip")
  if (skip + count > TWO_32) {
    throw new InvalidArgument({ argument: "n", value: n, reason: `skip + n = ${skip + count} exceeds 2^32 points` })
  }
  const key = options.key
  if (key !== undefined && !isKey(key)) {
    throw new InvalidArgument({ argument: "key", value: key, reason: "expected a Key (use Key.make)" })
  }
  const scrambled = key === undefined ? undefined : scrambledDirections(dim, key)
  const v = scrambled?.v ?? directionNumbers()
  const centre = scrambled === undefined ? 0 : 0.5
  const out = new Float64Array(count * dim)
  if (count === 0) return out

  // Point i is the XOR of the directions selected by the bits of gray(i) = i ^ (i >> 1); from
  // there, point i + 1 flips direction ctz(i + 1).
  const x = new Uint32Array(dim)
  if (scrambled !== undefined) x.set(scrambled.shift)
  const gray = (skip ^ (skip >>> 1)) >>> 0
  for (let j = 0; j < BITS; j++) {
    if ((gray >>> j) & 1) for (let d = 0; d < dim; d++) x[d] = ((x[d] ?? 0) ^ (v[d * BITS + j] ?? 0)) >>> 0
  }
  for (let i = 0; i < count; i++) {
    if (i > 0) {
      const index = skip + i
      const c = 31 - Math.clz32(index & -index)
      for (let d = 0; d < dim; d++) x[d] = ((x[d] ?? 0) ^ (v[d * BITS + c] ?? 0)) >>> 0
    }
    const row = i * dim
    for (let d = 0; d < dim; d++) out[row + d] = ((x[d] ?? 0) + centre) * TWO_M32
  }
  return out
}
