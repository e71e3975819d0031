/**
 * Means and standard errors of i.i.d. vectors (the block means of `draws.ts`), accumulated one
 * vector at a time. Sums are taken about the first vector, so a mean far from zero (ranks near
 * d/2, potentials) does not cancel the variance away in Σx² − n·x̄². A common `divisor` (σ for the
 * Jacobian) is applied at the end: accumulating x/σ would overflow for tiny σ, and its squares
 * underflow to a zero standard error for huge σ.
 */
export class Moments {
  private readonly shift: Float64Array
  private readonly sum: Float64Array
  private readonly squares: Float64Array
  private n = 0

  constructor(readonly size: number, private readonly divisor = 1) {
    this.shift = new Float64Array(size)
    this.sum = new Float64Array(size)
    this.squares = new Float64Array(size)
  }

  /** Adds x · scale. */
  add(x: ArrayLike<number>, scale = 1): void {
    if (this.n === 0) for (let i = 0; i < this.size; i++) this.shift[i] = x[i]! * scale
    for (let i = 0; i < this.size; i++) {
      const v = x[i]! * scale - this.shift[i]!
      this.sum[i] = this.sum[i]! + v
      this.squares[i] = this.squares[i]! + v * v
    }
    this.n++
  }

  /** The mean and its standard error, over the divisor (NaN with a single vector: no spread to measure, and 0 would claim exactness). */
  result(): { mean: Float64Array; stdError: Float64Array } {
    const n = this.n
    const mean = new Float64Array(this.size)
    const stdError = new Float64Array(this.size)
    for (let i = 0; i < this.size; i++) {
      const m = this.sum[i]! / n
      mean[i] = (this.shift[i]! + m) / this.divisor
      const variance = n > 1 ? Math.max(0, (this.squares[i]! - n * m * m) / (n - 1)) : NaN
      stdError[i] = Math.sqrt(variance / n) / this.divisor
    }
    return { mean, stdError }
  }
}
