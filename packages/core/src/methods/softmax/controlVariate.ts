/**
 * Perturb-Softmax probabilities with the Perturb-Argmax probabilities of the same noise as a
 * control variate. Each noise point gives the relaxed sample s = softmax((θ+γ)/τ) and the hard
 * sample h = onehot(argmax(θ+γ)), whose mean is known exactly (closed form or 1-D quadrature), so
 *   P̂ = mean(s) − β ∘ (mean(h) − P_argmax(θ)),  β_i = Cov(s_i, h_i) / Var(h_i)
 * has the variance of s − β h, small when τ is small (s ≈ h). β is estimated from the same points
 * (a bias of order 1/n, far below the standard error).
 *
 * The value uses the control; the gradient is that of the plain average mean(s) — an unbiased
 * estimate of ∇P — because mean(h) has zero pathwise derivative and would bias it.
 */
import * as tf from "@tensorflow/tfjs"
import type { Points } from "../../internal/points.js"
import { customOp, temperedSoftmax } from "../../internal/tensors.js"

interface Sums {
  s: Float64Array
  h: Float64Array
  sh: Float64Array
  ss: Float64Array
}

const CHUNK_ELEMENTS = 4_000_000

/** Visits the points in chunks as [chunk, rows, d] tensors of θ + γ, replicate by replicate. */
const forChunks = (points: Points, theta2: tf.Tensor, rows: number, d: number, visit: (z: tf.Tensor, replicate: number) => void): void => {
  const perReplicate = points.count / points.replicates
  const chunk = Math.max(1, Math.min(perReplicate, Math.floor(CHUNK_ELEMENTS / (rows * d))))
  for (let r = 0; r < points.replicates; r++) {
    for (let s0 = 0; s0 < perReplicate; s0 += chunk) {
      const n = Math.min(chunk, perReplicate - s0)
      const start = r * perReplicate + s0
      tf.tidy(() => {
        const gamma = tf.tensor3d(Float32Array.from(points.gamma.subarray(start * d, (start + n) * d)), [n, 1, d])
        visit(tf.add(theta2, gamma), r)
      })
    }
  }
}

/**
 * P̂ = mean(s) − β ∘ (mean(h) − P_argmax) from the replicates' sums, with its standard error: the
 * replicates' spread, or (one replicate) Var(s − βh) from the moments.
 */
const controlled = (sums: ReadonlyArray<Sums>, pArgmax: Float64Array, N: number, perReplicate: number): { value: Float64Array; se: Float64Array } => {
  const size = pArgmax.length
  const R = sums.length
  const total = (key: keyof Sums) => {
    const out = new Float64Array(size)
    for (const rep of sums) rep[key].forEach((v, i) => (out[i]! += v))
    return out
  }
  const S = total("s")
  const H = total("h")
  const SH = total("sh")
  const SS = total("ss")
  const beta = new Float64Array(size)
  const value = new Float64Array(size)
  const se = new Float64Array(size)
  for (let i = 0; i < size; i++) {
    const mh = H[i]! / N
    const varH = mh * (1 - mh)
    const cov = SH[i]! / N - (S[i]! / N) * mh
    beta[i] = varH > 1e-12 ? cov / varH : 0
    const estimate = (sRep: number, hRep: number, n: number) => sRep / n - beta[i]! * (hRep / n - pArgmax[i]!)
    value[i] = estimate(S[i]!, H[i]!, N)
    if (R > 1) {
      let v = 0
      for (const rep of sums) v += (estimate(rep.s[i]!, rep.h[i]!, perReplicate) - value[i]!) ** 2
      se[i] = Math.sqrt(v / (R - 1) / R)
    } else {
      // Var(s − βh) from the moments: Var s − 2β Cov(s, h) + β² Var h.
      const varS = Math.max(0, SS[i]! / N - (S[i]! / N) ** 2)
      se[i] = Math.sqrt(Math.max(0, varS - 2 * beta[i]! * cov + beta[i]! ** 2 * varH) / Math.max(1, N - 1))
    }
  }
  return { value, se }
}

export const controlVariateProbs = (
  points: Points,
  theta: tf.Tensor,
  d: number,
  tau: number,
  exact: (row: Float64Array) => Float64Array
): { probs: tf.Tensor; stdError: tf.Tensor } => {
  const rows = theta.rank === 1 ? 1 : theta.shape[0]!
  const size = rows * d
  const R = points.replicates
  const perReplicate = points.count / R
  const op = customOp(([input]) => {
    const th = input!
    const theta2 = th.reshape([1, rows, d])
    const sums: Array<Sums> = Array.from({ length: R }, () => ({
      s: new Float64Array(size), h: new Float64Array(size), sh: new Float64Array(size), ss: new Float64Array(size)
    }))
    forChunks(points, theta2, rows, d, (z, r) => {
      const s = temperedSoftmax(z, tau)
      const h = tf.cast(tf.oneHot(tf.argMax(z, -1), d), "float32")
      const parts = [tf.sum(s, 0), tf.sum(h, 0), tf.sum(tf.mul(s, h), 0), tf.sum(tf.square(s), 0)]
      const keys = ["s", "h", "sh", "ss"] as const
      // Chunk sums are read back and accumulated in float64: no long float32 running sums.
      parts.forEach((p, k) => p.dataSync().forEach((v, i) => (sums[r]![keys[k]!][i]! += v)))
    })
    const N = points.count
    const thetaRows = th.dataSync()
    const pArgmax = new Float64Array(size)
    for (let row = 0; row < rows; row++) {
      pArgmax.set(exact(Float64Array.from(thetaRows.subarray(row * d, (row + 1) * d))), row * d)
    }
    const { value, se } = controlled(sums, pArgmax, N, perReplicate)
    const gradFunc = (dy: tf.Tensor) => {
      // ∇ of the plain average: mean over points of y ∘ (dy − ⟨dy, y⟩)/τ.
      const acc = new Float64Array(size)
      const dy2 = dy.reshape([1, rows, d])
      forChunks(points, theta2, rows, d, (z) => {
        const y = temperedSoftmax(z, tau)
        const g = tf.sum(tf.mul(y, tf.sub(dy2, tf.sum(tf.mul(dy2, y), -1, true))), 0)
        g.dataSync().forEach((v, i) => (acc[i]! += v))
      })
      return tf.tensor(Float32Array.from(acc, (v) => v / (N * tau)), th.shape, "float32")
    }
    const out = tf.tensor(Float32Array.from(value), th.shape, "float32")
    // The standard errors leave as plain numbers: a tensor made in here would outlive the caller's
    // tidy scopes (custom-gradient forwards keep nothing but their value).
    seHolder.value = Float32Array.from(se)
    return { value: out, gradFunc }
  })
  const seHolder: { value?: Float32Array } = {}
  const probs = op(theta)
  return { probs, stdError: tf.tensor(seHolder.value!, theta.shape, "float32") }
}
