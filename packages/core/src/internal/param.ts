/**
 * Free parameterisation of a space: a bijection `u ∈ ℝ^k ↦ θ` onto the space's relative interior
 * (onto the whole space when it is affine), in float64 (`toTheta64`, `fromTheta64`) and as
 * differentiable tfjs ops (`toTheta`). `k = freeDim(space)` is the dimension of the affine hull.
 *
 * Methods, by the structure `space/structure.ts` finds:
 * - `reals`: the identity. `pinned`: insert the pinned value at its index (`k = d − 1`).
 * - `zeroSum`: the orthonormal Helmert basis `h_j = (1,…,1, −j, 0,…,0)/√(j(j+1))`, applied in O(d)
 *   with one reverse cumulative sum, never as a dense `d × (d−1)` matrix, so `d = 100 000` is cheap.
 * - coordinate boxes (boxes, and their intersections with pinned coordinates): per coordinate
 *   `lo + (hi−lo)·σ(u)`, `lo + softplus(u)`, `hi − softplus(−u)` or `u`, all increasing; fixed
 *   coordinates take their value.
 * - general affine spaces: `θ = θ₀ + B·u` with `B` a dense orthonormal basis of the null space.
 * - general polyhedra: the **gauge map** around an interior (Chebyshev) centre `c` of the affine
 *   hull `c + span(B)`. With the non-implicit inequalities written `g_p·z ≤ h_p` (`h_p > 0`) in hull
 *   coordinates and the gauge `γ(v) = max(0, max_p g_p·v / h_p)`,
 *   `θ = c + B·v / (1 + γ(v))`, inverse `v = z / (1 − γ(z))` with `z = Bᵀ(θ − c)`.
 *   This is the radial map `θ = c + w·s(w)·r/(s(w) + r)` (`r = |v|`, `w = v/r`, `s(w) = 1/γ(w)` the
 *   largest feasible step, `∞` where the space is unbounded), written without division by `r`: it is
 *   a bijection onto the relative interior, exact along recession directions (`γ = 0` there, so the
 *   map is the identity), and Lipschitz. Caveat: it is not smooth where the maximising facet changes
 *   (the kinks of `s(w)`), so gradients jump across those cones; the sigmoid route is smooth but
 *   only exists for coordinate boxes.
 *
 * Laws (tested): `fromTheta64(toTheta64(u)) = u`; `toTheta64(u)` lies in the space; `toTheta`
 * agrees with `toTheta64` to float32 precision and has gradients.
 *
 * @since 0.1.0
 */
import * as tf from "@tensorflow/tfjs-core"
import { DimensionMismatch, InvalidArgument } from "../Errors.js"
import type { Space } from "../space/model.js"
import { structure, type Structure } from "../space/structure.js"

/**
 * The number of free parameters `k`: the dimension of the space's affine hull.
 *
 * @since 0.1.0
 * @category kernels
 */
export const freeDim = (space: Space): number => structure(space).k

// --- scalar helpers, written to stay finite and accurate in both tails -------------------------

const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)))
// softplus⁻¹(y) = log(eʸ − 1) = y + log(1 − e⁻ʸ), the latter exact for large y
const softplusInv = (y: number): number => y + Math.log(-Math.expm1(-y))
const sigmoid = (x: number): number => x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))

const coordForward = (lo: number, hi: number, u: number): number => {
  const hasLo = lo > -Infinity
  const hasHi = hi < Infinity
  if (hasLo && hasHi) {
    // evaluate from the nearer bound so that bound's distance keeps full relative precision
    return u <= 0 ? lo + (hi - lo) * sigmoid(u) : hi - (hi - lo) * sigmoid(-u)
  }
  if (hasLo) return lo + softplus(u)
  if (hasHi) return hi - softplus(-u)
  return u
}

const coordInverse = (lo: number, hi: number, t: number): number => {
  const hasLo = lo > -Infinity
  const hasHi = hi < Infinity
  if (hasLo && hasHi) return Math.log(t - lo) - Math.log(hi - t)
  if (hasLo) return softplusInv(t - lo)
  if (hasHi) return -softplusInv(hi - t)
  return t
}

const gaugeOf = (gauge: Float64Array, m: number, k: number, v: ArrayLike<number>): number => {
  let g = 0
  for (let p = 0; p < m; p++) {
    let s = 0
    for (let c = 0; c < k; c++) s += gauge[p * k + c]! * v[c]!
    if (s > g) g = s
  }
  return g
}

const checkLength = (argument: string, x: ArrayLike<number>, n: number) => {
  if (x.length !== n) throw new DimensionMismatch({ argument: `${argument}.length`, expected: n, received: x.length })
}

/**
 * `u ∈ ℝ^k ↦ θ ∈ Θ` in float64.
 *
 * @since 0.1.0
 * @category kernels
 */
export const toTheta64 = (space: Space, u: ArrayLike<number>): Float64Array => {
  const s = structure(space)
  checkLength("u", u, s.k)
  const d = s.d
  switch (s.kind) {
    case "reals":
      return Float64Array.from(u)
    case "pinned": {
      const out = new Float64Array(d)
      for (let i = 0, j = 0; i < d; i++) out[i] = i === s.index ? s.value : u[j++]!
      return out
    }
    case "zeroSum": {
      // θ_i = Σ_{j ≥ i} a_j − (i−1)·a_{i−1} (1-based) with a_j = u_j/√(j(j+1))
      const out = new Float64Array(d)
      let tail = 0
      for (let i = d; i >= 1; i--) {
        const a = i <= d - 1 ? u[i - 1]! / Math.sqrt(i * (i + 1)) : 0
        tail += a
        const prev = i >= 2 ? u[i - 2]! / Math.sqrt((i - 1) * i) : 0
        out[i - 1] = tail - (i - 1) * prev
      }
      return out
    }
    case "coords": {
      const out = Float64Array.from(s.lo)
      s.free.forEach((j, c) => (out[j] = coordForward(s.lo[j]!, s.hi[j]!, u[c]!)))
      return out
    }
    case "affine":
    case "radial": {
      const k = s.k
      const scale = s.kind === "radial" ? 1 / (1 + gaugeOf(s.gauge, s.m, k, u)) : 1
      const out = Float64Array.from(s.point)
      for (let i = 0; i < d; i++) {
        let t = 0
        for (let c = 0; c < k; c++) t += s.basis[i * k + c]! * u[c]!
        out[i] = out[i]! + scale * t
      }
      return out
    }
  }
}

/**
 * The inverse of `toTheta64` on the relative interior. Components off the affine hull are dropped
 * (orthogonal projection); a `θ` on or beyond an inequality's boundary throws `InvalidArgument`.
 *
 * @since 0.1.0
 * @category kernels
 */
export const fromTheta64 = (space: Space, theta: ArrayLike<number>): Float64Array => {
  const s = structure(space)
  checkLength("theta", theta, s.d)
  const d = s.d
  const outside = (value: unknown) =>
    new InvalidArgument({ argument: "theta", value, reason: "Expected a point in the relative interior of the space" })
  switch (s.kind) {
    case "reals":
      return Float64Array.from(theta)
    case "pinned": {
      const out = new Float64Array(d - 1)
      for (let i = 0, j = 0; i < d; i++) if (i !== s.index) out[j++] = theta[i]!
      return out
    }
    case "zeroSum": {
      // u_j = (Σ_{i ≤ j} θ_i − j·θ_{j+1}) / √(j(j+1))
      const out = new Float64Array(d - 1)
      let prefix = 0
      for (let j = 1; j <= d - 1; j++) {
        prefix += theta[j - 1]!
        out[j - 1] = (prefix - j * theta[j]!) / Math.sqrt(j * (j + 1))
      }
      return out
    }
    case "coords": {
      const out = new Float64Array(s.k)
      s.free.forEach((j, c) => {
        const u = coordInverse(s.lo[j]!, s.hi[j]!, theta[j]!)
        if (!Number.isFinite(u)) throw outside(`θ[${j}] = ${theta[j]} outside (${s.lo[j]}, ${s.hi[j]})`)
        out[c] = u
      })
      return out
    }
    case "affine":
    case "radial": {
      const k = s.k
      const z = new Float64Array(k)
      for (let i = 0; i < d; i++) {
        const t = theta[i]! - s.point[i]!
        for (let c = 0; c < k; c++) z[c] = z[c]! + s.basis[i * k + c]! * t
      }
      if (s.kind === "affine") return z
      const g = gaugeOf(s.gauge, s.m, k, z)
      // within rounding of the boundary the inverse would be astronomically large: call it outside
      if (!(g < 1 - 1e-12)) throw outside(Array.from(theta))
      return z.map((x) => x / (1 - g))
    }
  }
}

// Float32 copies of the dense constants, made once per structure rather than per call.
const f32 = new WeakMap<Structure, { basisT?: Float32Array; gaugeT?: Float32Array; point?: Float32Array }>()

const transpose32 = (a: Float64Array, rows: number, cols: number): Float32Array => {
  const out = new Float32Array(rows * cols)
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j]!
  return out
}

const constants = (s: Structure & { kind: "affine" | "radial" }) => {
  let c = f32.get(s)
  if (c === undefined) {
    c = {
      basisT: transpose32(s.basis, s.d, s.k),
      point: Float32Array.from(s.point),
      ...(s.kind === "radial" ? { gaugeT: transpose32(s.gauge, s.m, s.k) } : {})
    }
    f32.set(s, c)
  }
  return c
}

/**
 * `u [batch, k] ↦ θ [batch, d]` as differentiable tfjs ops on the active backend.
 *
 * @since 0.1.0
 * @category kernels
 */
export const toTheta = (space: Space, u: tf.Tensor2D): tf.Tensor2D => {
  const s = structure(space)
  if (u.rank !== 2) throw new DimensionMismatch({ argument: "u.rank", expected: 2, received: u.rank })
  const [batch, k] = u.shape
  if (k !== s.k) throw new DimensionMismatch({ argument: "u.shape[1]", expected: s.k, received: k })
  const d = s.d
  return tf.tidy(() => {
    switch (s.kind) {
      case "reals":
        return tf.clone(u)
      case "pinned": {
        const parts: Array<tf.Tensor2D> = []
        if (s.index > 0) parts.push(tf.slice(u, [0, 0], [batch, s.index]))
        parts.push(tf.fill([batch, 1], s.value) as tf.Tensor2D)
        if (s.index < d - 1) parts.push(tf.slice(u, [0, s.index], [batch, d - 1 - s.index]))
        return tf.concat(parts, 1)
      }
      case "zeroSum": {
        const j = tf.range(1, d, 1, "float32")
        const a = tf.div(u, tf.sqrt(tf.mul(j, tf.add(j, 1))))
        const tail = tf.cumsum(a, 1, false, true) // S_i = Σ_{j ≥ i} a_j
        const zeros = tf.zeros([batch, 1])
        return tf.sub(tf.concat([tail, zeros], 1), tf.concat([zeros, tf.mul(a, j)], 1)) as tf.Tensor2D
      }
      case "coords": {
        const lo = Array.from(s.free, (j) => s.lo[j]!)
        const hi = Array.from(s.free, (j) => s.hi[j]!)
        const kinds = lo.map((l, c) => (l > -Infinity ? 1 : 0) + (hi[c]! < Infinity ? 2 : 0))
        const mask = (kind: number) => tf.tensor1d(kinds.map((t) => t === kind ? 1 : 0))
        const safe = (xs: Array<number>, kind: number) => tf.tensor1d(xs.map((x, c) => kinds[c] === kind ? x : 0))
        const width = tf.tensor1d(lo.map((l, c) => kinds[c] === 3 ? hi[c]! - l : 0))
        const free = tf.addN([
          tf.mul(mask(0), u),
          tf.mul(mask(3), tf.add(safe(lo, 3), tf.mul(width, tf.sigmoid(u)))),
          tf.mul(mask(1), tf.add(safe(lo, 1), tf.softplus(u))),
          tf.mul(mask(2), tf.sub(safe(hi, 2), tf.softplus(tf.neg(u))))
        ]) as tf.Tensor2D
        if (s.k === d) return free
        // fixed coordinates come after the free ones; one gather puts every coordinate in place
        const fixed = Int32Array.from({ length: d }, (_, j) => j).filter((j) => !(s.lo[j]! < s.hi[j]!))
        const fixedRow = tf.tile(tf.tensor2d([Array.from(fixed, (j) => s.lo[j]!)]), [batch, 1])
        const position = new Int32Array(d)
        s.free.forEach((j, c) => (position[j] = c))
        fixed.forEach((j, c) => (position[j] = s.k + c))
        return tf.gather(tf.concat([free, fixedRow], 1), tf.tensor1d(position, "int32"), 1) as tf.Tensor2D
      }
      case "affine":
      case "radial": {
        const c = constants(s)
        const basisT = tf.tensor2d(c.basisT!, [s.k, d])
        const point = tf.tensor1d(c.point!)
        if (s.kind === "affine" || s.k === 0) return tf.add(point, tf.matMul(u, basisT)) as tf.Tensor2D
        const gaugeT = tf.tensor2d(c.gaugeT!, [s.k, s.m])
        const g = tf.relu(tf.max(tf.matMul(u, gaugeT), 1, true))
        return tf.add(point, tf.matMul(tf.div(u, tf.add(g, 1)), basisT)) as tf.Tensor2D
      }
    }
  })
}
