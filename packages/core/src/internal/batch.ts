/**
 * The shape boundary of the kernels: θ (and y) of any rank `[..., d]` are reshaped to the 2-D
 * `[rows, d]` the methods underneath take, and their results back to the leading shape. Rank 1
 * and 2 pass through untouched, so those callers see exactly what they saw before.
 */
import * as tf from "@tensorflow/tfjs"
import { DimensionMismatch } from "../Errors.js"

/** The leading (batch) shape of `[..., d]`. */
export const leadShape = (x: tf.Tensor): Array<number> => x.shape.slice(0, -1)

const product = (xs: ReadonlyArray<number>): number => xs.reduce((a, b) => a * b, 1)

const show = (shape: ReadonlyArray<number>): string => `[${shape.join(", ")}]`

/**
 * `f` on θ as `[rows, d]`, its result's leading `rows` axis (at `axis`) put back as θ's leading
 * shape. θ of rank ≤ 2 goes to `f` as it is.
 */
export const onRows = <A>(theta: tf.Tensor, f: (rows: tf.Tensor) => A, back: (a: A, unflatten: (x: tf.Tensor, axis?: number) => tf.Tensor) => A): A => {
  if (theta.rank <= 2) return f(theta)
  const lead = leadShape(theta)
  const d = theta.shape[theta.rank - 1]!
  const result = f(theta.reshape([product(lead), d]))
  return back(result, (x, axis = 0) => x.reshape([...x.shape.slice(0, axis), ...lead, ...x.shape.slice(axis + 1)]))
}

/**
 * Per-row temperatures for θ `[..., d]` of rank ≥ 3: a tensor shaped like θ's leading shape (or
 * with a trailing 1), as the `[rows]` the kernels take.
 */
export const rowTemperatures = (t: tf.Tensor, lead: ReadonlyArray<number>): tf.Tensor => {
  const fits = (t.rank === lead.length || (t.rank === lead.length + 1 && t.shape[t.rank - 1] === 1)) &&
    lead.every((n, i) => t.shape[i] === n)
  if (!fits) throw new DimensionMismatch({ argument: "temperature.shape", expected: show(lead), received: show(t.shape) })
  return t.reshape([product(lead)])
}

/**
 * The broadcast of two leading shapes (NumPy's rule, aligned on the right), or a
 * `DimensionMismatch` naming `argument` when an axis differs and neither is 1.
 */
export const broadcastLead = (argument: string, a: ReadonlyArray<number>, b: ReadonlyArray<number>): Array<number> => {
  const n = Math.max(a.length, b.length)
  const out = new Array<number>(n)
  for (let i = 1; i <= n; i++) {
    const x = a[a.length - i] ?? 1
    const y = b[b.length - i] ?? 1
    if (x !== y && x !== 1 && y !== 1) throw new DimensionMismatch({ argument, expected: `a shape broadcasting with ${show(a)}`, received: show(b) })
    out[n - i] = x === 1 ? y : x
  }
  return out
}

/** `x` `[..., d]` broadcast to `[...lead, d]` and flattened to `[rows, d]` (no copy where it already has that leading shape). */
export const broadcastRows = (x: tf.Tensor, lead: ReadonlyArray<number>): tf.Tensor => {
  const d = x.shape[x.rank - 1]!
  const own = leadShape(x)
  const same = own.length === lead.length && own.every((n, i) => n === lead[i])
  return (same ? x : tf.broadcastTo(x, [...lead, d])).reshape([product(lead), d])
}

/** `[i][j]…` of the flat index `flat` in `shape` (row-major). */
export const indexPath = (shape: ReadonlyArray<number>, flat: number): string => {
  const parts = new Array<string>(shape.length)
  for (let k = shape.length - 1; k >= 0; k--) {
    const n = shape[k]!
    parts[k] = `[${flat % n}]`
    flat = Math.floor(flat / n)
  }
  return parts.join("")
}
