/**
 * One row of the issue-#6 goal table that `pnpm bench` prints and writes to
 * bench/results/latest.json: a figure of ours and the baseline it is judged against, both measured
 * in the same run (the machine is shared and noisy, so only ratios within one run mean anything).
 */
export interface GoalRow {
  /** What is measured, e.g. "Perturb-Softmax sample + gradient, wasm, [16384, 1000]". */
  readonly goal: string
  /** Ours, this run. */
  readonly figure: number
  /** What the baseline is, e.g. "tfjs-wasm composed ops". */
  readonly baselineName: string
  /** The baseline, this run. */
  readonly baseline: number
  /** Unit of figure and baseline ("ms", "RMSE", …). */
  readonly unit: string
  /** baseline / figure: above 1 means ours is better. */
  readonly ratio: number
  /** The requirement in words, e.g. "ratio ≥ 2" or "≤ 5 ms at error ≤ 1e-9". */
  readonly target: string
  readonly met: boolean
  /** Anything else worth keeping (errors, repeats, sample counts). */
  readonly detail?: Readonly<Record<string, number | string | boolean>>
}

export const median = (xs: ReadonlyArray<number>): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!

/** Median wall time in ms of `repeats` calls after one warm-up call. */
export const timeit = async (f: () => Promise<void> | void, repeats: number): Promise<number> => {
  await f()
  const ts: Array<number> = []
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now()
    await f()
    ts.push(performance.now() - t0)
  }
  return median(ts)
}
