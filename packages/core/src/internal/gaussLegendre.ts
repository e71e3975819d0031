/**
 * Gauss–Legendre nodes and weights on (0, 1), by Newton iteration on the Legendre recurrence
 * (exact to float64 for the orders used here). Cached per order.
 */
const cache = new Map<number, { nodes: Float64Array; weights: Float64Array }>()

/**
 * Gauss–Legendre nodes and weights on (0, 1) (weights sum to 1), cached per order.
 *
 * @since 0.1.0
 * @category constructors
 */
export const gaussLegendre01 = (n: number): { nodes: Float64Array; weights: Float64Array } => {
  const hit = cache.get(n)
  if (hit !== undefined) return hit
  const nodes = new Float64Array(n)
  const weights = new Float64Array(n)
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5))
    let dp = 0
    for (let it = 0; it < 100; it++) {
      let p0 = 1
      let p1 = x
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k
        p0 = p1
        p1 = p2
      }
      dp = (n * (x * p1 - p0)) / (x * x - 1)
      const dx = p1 / dp
      x -= dx
      if (Math.abs(dx) < 1e-16) break
    }
    const w = 2 / ((1 - x * x) * dp * dp)
    // Map [−1, 1] to (0, 1); nodes come in symmetric pairs.
    nodes[i] = (1 - x) / 2
    nodes[n - 1 - i] = (1 + x) / 2
    weights[i] = w / 2
    weights[n - 1 - i] = w / 2
  }
  const out = { nodes, weights }
  cache.set(n, out)
  return out
}
