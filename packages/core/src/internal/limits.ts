/**
 * Work limits, checked before anything is allocated, so that a mistyped `samples: 1e12` or a
 * d = 10⁵ default is a typed error naming the argument, not an hour-long run, a 3 GB array or an
 * untyped RangeError from a typed-array constructor. The numbers are documented on
 * `EstimateOptions.samples` and `Kernels.sample`:
 * - `MAX_SAMPLES`: points (or lattice points) per call;
 * - `MAX_POINT_VALUES`: samples × d noise values an estimator holds in float64 (256 MiB);
 * - `MAX_WORK`: samples × rows × d values an estimator evaluates (2^30: tens of minutes of tfjs-cpu,
 *   which evaluates about 10⁶ softmax values a second; the default points stay near 2^24 values);
 * - `MAX_SAMPLE_VALUES`: samples × rows × d values of one `sample` output (1 GiB of float32).
 */
import { InvalidArgument } from "../Errors.js"

export const MAX_SAMPLES = 2 ** 24
export const MAX_POINT_VALUES = 2 ** 25
export const MAX_WORK = 2 ** 30
export const MAX_SAMPLE_VALUES = 2 ** 28

const fmt = (x: number): string => (x >= 1e6 ? x.toExponential(2) : String(x))

/**
 * Refuses an estimator run of `samples` points on `rows × d` values. `argument`/`value` name what
 * the caller chose: `samples` when given, else θ (whose shape set the default).
 */
export const checkEstimatorWork = (argument: string, value: unknown, samples: number, rows: number, d: number): void => {
  if (samples > MAX_SAMPLES) {
    throw new InvalidArgument({ argument, value, reason: `Expected at most 2^24 = ${MAX_SAMPLES} points per call` })
  }
  if (samples * d > MAX_POINT_VALUES) {
    throw new InvalidArgument({
      argument,
      value,
      reason: `${samples} points × d = ${d} is ${fmt(samples * d)} noise values, over the limit of 2^25 (256 MiB in float64); use at most ${Math.floor(MAX_POINT_VALUES / d)} points`
    })
  }
  if (samples * rows * d > MAX_WORK) {
    throw new InvalidArgument({
      argument,
      value,
      reason: `${samples} points × ${rows} rows × d = ${d} is ${fmt(samples * rows * d)} values, over the work limit of 2^30; use fewer points or rows per call`
    })
  }
}

/**
 * The default point count of the sampling estimators: 4096, or fewer where d or the rows would pass
 * the budget: at most 2^24 / d points (noise values held) and 2^30 / (rows · d) (values evaluated),
 * a multiple of 16 and at least 16, so eight antithetic QMC replicates stay balanced. E.g. 160 at
 * d = 10⁵ (1.6·10⁷ values, about half a minute of tfjs-cpu); 4096 wherever rows · d ≤ 2^18. The
 * standard errors grow accordingly; past 16 points the work limit refuses, naming θ.
 */
export const defaultSamples = (rows: number, d: number): number => {
  const fit = Math.min(4096, Math.floor(DEFAULT_POINT_VALUES / d), Math.floor(MAX_WORK / (rows * d)))
  return Math.max(16, Math.floor(fit / 16) * 16)
}

const DEFAULT_POINT_VALUES = 2 ** 24

/** Refuses a `sample` output of samples × rows × d values past `MAX_SAMPLE_VALUES`. */
export const checkSampleSize = (samples: number, rows: number, d: number): void => {
  if (samples * rows * d > MAX_SAMPLE_VALUES) {
    throw new InvalidArgument({
      argument: "samples",
      value: samples,
      reason: `${samples} samples × ${rows} rows × d = ${d} is ${fmt(samples * rows * d)} output values, over the limit of 2^28 (1 GiB of float32); draw fewer samples per call`
    })
  }
}
