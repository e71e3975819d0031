/**
 * Adaptive vector Gauss–Kronrod (G7/K15) on the vector of all integrands of independent continuous
 * noise: the panel with the largest max_k |K15_k − G7_k| is bisected until the sum of those
 * estimates is below the tolerance (the K15 value is far more accurate than this G7 estimate).
 */
const XGK = [
  0.991455371120812639206854697526329, 0.949107912342758524526189684047851, 0.864864423359769072789712788640926,
  0.741531185599394439863864773280788, 0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
  0.207784955007898467600689403773245, 0
] as const
const WGK = [
  0.022935322010529224963732008058970, 0.063092092629978553290700663189204, 0.104790010322250183839876322541518,
  0.140653259715525918745189590510238, 0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
  0.204432940075298892414161999234649, 0.209482141084727828012999174891714
] as const
// Gauss weights of the nodes XGK[1], XGK[3], XGK[5], XGK[7].
const WG = [
  0.129484966168869693270611432679082, 0.279705391489276667901467771423780, 0.381830050505118944950369775488975,
  0.417959183673469387755102040816327
] as const

export type NodeFn = (t: number, out: Float64Array) => void

export interface Integral {
  readonly values: Float64Array
  /** Σ over panels of |K15 − G7| per component. */
  readonly errors: Float64Array
  readonly panels: number
}

/** A max-heap of panel slots by their normalised error `nerr[slot]`. */
const panelHeap = (nerr: ReadonlyArray<number>) => {
  const heap: Array<number> = []
  const push = (s: number): void => {
    heap.push(s)
    let i = heap.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (nerr[heap[p]!]! >= nerr[heap[i]!]!) break
      const tmp = heap[p]!
      heap[p] = heap[i]!
      heap[i] = tmp
      i = p
    }
  }
  const pop = (): number => {
    const top = heap[0]!
    const last = heap.pop()!
    if (heap.length > 0) {
      heap[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let b = i
        if (l < heap.length && nerr[heap[l]!]! > nerr[heap[b]!]!) b = l
        if (r < heap.length && nerr[heap[r]!]! > nerr[heap[b]!]!) b = r
        if (b === i) break
        const tmp = heap[b]!
        heap[b] = heap[i]!
        heap[i] = tmp
        i = b
      }
    }
    return top
  }
  return { heap, push, pop }
}

/**
 * ∫ f over [breaks[0], breaks[last]] for a vector integrand of m components. `invTol[k]` scales the
 * error of component k; refinement stops when Σ_panels max_k |K−G|_k·invTol[k] ≤ 1. One function
 * of ~100 lines because `evalPanel`, `grow` and the refinement loop share the panel arrays, which
 * `grow` reallocates.
 */
export const integrate = (breaks: ReadonlyArray<number>, m: number, f: NodeFn, invTol: Float64Array, maxPanels: number): Integral => {
  const buf = new Float64Array(m)
  const accK = new Float64Array(m)
  const accG = new Float64Array(m)
  let cap = Math.max(16, breaks.length * 2)
  let K = new Float64Array(cap * m)
  let E = new Float64Array(cap * m)
  const lo: Array<number> = []
  const hi: Array<number> = []
  const nerr: Array<number> = []

  const evalPanel = (slot: number, a: number, b: number): void => {
    const mid = 0.5 * (a + b)
    const hw = 0.5 * (b - a)
    accK.fill(0)
    accG.fill(0)
    for (let j = 0; j < 8; j++) {
      const wk = WGK[j]!
      const wg = j % 2 === 1 ? WG[(j - 1) >> 1]! : 0
      const npts = j < 7 ? 2 : 1
      for (let s = 0; s < npts; s++) {
        const t = j < 7 ? (s === 0 ? mid - hw * XGK[j]! : mid + hw * XGK[j]!) : mid
        f(t, buf)
        for (let k = 0; k < m; k++) {
          const v = buf[k]!
          accK[k] = accK[k]! + wk * v
          if (wg !== 0) accG[k] = accG[k]! + wg * v
        }
      }
    }
    let worst = 0
    const off = slot * m
    for (let k = 0; k < m; k++) {
      const kv = hw * accK[k]!
      const e = Math.abs(hw * (accK[k]! - accG[k]!))
      K[off + k] = kv
      E[off + k] = e
      const ne = e * invTol[k]!
      if (ne > worst || Number.isNaN(ne)) worst = ne
    }
    lo[slot] = a
    hi[slot] = b
    nerr[slot] = worst
  }

  const grow = (need: number): void => {
    if (need <= cap) return
    const next = Math.max(need, cap * 2)
    const K2 = new Float64Array(next * m)
    K2.set(K)
    const E2 = new Float64Array(next * m)
    E2.set(E)
    K = K2
    E = E2
    cap = next
  }

  const { heap, push, pop } = panelHeap(nerr)

  let n = 0
  for (let i = 0; i + 1 < breaks.length; i++) {
    grow(n + 1)
    evalPanel(n, breaks[i]!, breaks[i + 1]!)
    push(n)
    n++
  }
  const total = (): number => {
    let s = 0
    for (let i = 0; i < n; i++) s += nerr[i]!
    return s
  }
  let sum = total()
  let splits = 0
  while (sum > 1 && heap.length > 0 && n < maxPanels) {
    const s = pop()
    const a = lo[s]!
    const b = hi[s]!
    const mid = 0.5 * (a + b)
    // A panel that cannot be halved any further in float64 keeps its error estimate.
    if (!(mid > a && mid < b) || b - a <= 1e-13 * Math.max(1, Math.abs(mid))) continue
    grow(n + 1)
    const before = nerr[s]!
    evalPanel(s, a, mid)
    evalPanel(n, mid, b)
    push(s)
    push(n)
    sum += nerr[s]! + nerr[n]! - before
    n++
    // Re-sum now and then so rounding in the running total cannot stall or stop the loop early.
    if (++splits % 64 === 0 || sum <= 1) sum = total()
  }

  // Sum leaves in position order so the result does not depend on the refinement history.
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => lo[x]! - lo[y]!)
  const values = new Float64Array(m)
  const errors = new Float64Array(m)
  for (const s of order) {
    const off = s * m
    for (let k = 0; k < m; k++) {
      values[k] = values[k]! + K[off + k]!
      errors[k] = errors[k]! + E[off + k]!
    }
  }
  return { values, errors, panels: n }
}
