/**
 * The float64 numerics of each built-in family, written against the standardised variable
 * z = (x − loc) / scale wherever the family has one. Every formula stays in log space or uses
 * expm1/log1p where the textbook form under- or overflows, so tails are exact (see the SciPy
 * fixtures in `fixtures/laws.json`).
 */
import tCdf from "@stdlib/stats-base-dists-t-cdf"
import betainc from "@stdlib/math-base-special-betainc"
import gammaln from "@stdlib/math-base-special-gammaln"
import tQuantile from "@stdlib/stats-base-dists-t-quantile"
import { LN2, LOG_SQRT_2PI, log1mexp, normalCdf, normalLogCdf, normalQuantile, softplus } from "./special.js"

export interface Numerics {
  readonly logpdf: (x: number) => number
  readonly cdf: (x: number) => number
  readonly logcdf: (x: number) => number
  /** log(1 − cdf(x)), exact in the upper tail. */
  readonly logsf: (x: number) => number
  readonly quantile: (p: number) => number
  readonly mean: number
  readonly variance: number
  /**
   * d/dx log pdf(x), for the families whose density is positive and absolutely continuous on ℝ, so
   * that E[f(X) · score(X)] = −E[f′(X)] by parts with no boundary terms. Laplace qualifies: its
   * density has a kink at `loc` but no jump. Densities with jumps (uniform, exponential at 0) or
   * without a density (discrete, custom laws) leave it out: there the identity picks up boundary
   * terms a sampled estimator cannot see.
   */
  readonly dlogpdf?: ((x: number) => number) | undefined
}

const quantileGuard = (p: number, inner: (p: number) => number): number => {
  if (Number.isNaN(p) || p < 0 || p > 1) return NaN
  return inner(p)
}

/**
 * Location-scale wrapper: the standard family's numerics, shifted and stretched. The score is
 * written in x, as the textbook has it, so it is passed as is rather than derived from z.
 */
const locationScale = (
  loc: number,
  scale: number,
  std: {
    logpdf: (z: number) => number
    cdf: (z: number) => number
    logcdf: (z: number) => number
    logsf: (z: number) => number
    quantile: (p: number) => number
    mean: number
    variance: number
  },
  dlogpdf?: (x: number) => number
): Numerics => {
  const logScale = Math.log(scale)
  return {
    logpdf: (x) => std.logpdf((x - loc) / scale) - logScale,
    cdf: (x) => std.cdf((x - loc) / scale),
    logcdf: (x) => std.logcdf((x - loc) / scale),
    logsf: (x) => std.logsf((x - loc) / scale),
    quantile: (p) => quantileGuard(p, (q) => loc + scale * std.quantile(q)),
    mean: loc + scale * std.mean,
    variance: scale * scale * std.variance,
    dlogpdf
  }
}

export const gumbel = (loc: number, scale: number): Numerics =>
  locationScale(loc, scale, {
    logpdf: (z) => -z - Math.exp(-z),
    cdf: (z) => Math.exp(-Math.exp(-z)),
    logcdf: (z) => -Math.exp(-z),
    // log(1 − e^(−w)), w = e^(−z), is log w + log1p(−w/2 + w²/6 − …): past z ≈ 40 the correction is
    // below an ulp of z, and past z ≈ 745 w itself underflows, which made log1mexp(−w) = log(0).
    logsf: (z) => (z > 40 ? -z - 0.5 * Math.exp(-z) : log1mexp(-Math.exp(-z))),
    quantile: (p) => -Math.log(-Math.log(p)),
    mean: 0.5772156649015329,
    variance: (Math.PI * Math.PI) / 6
  }, (x) => Math.expm1(-(x - loc) / scale) / scale)

export const normal = (mean: number, sd: number): Numerics =>
  locationScale(mean, sd, {
    logpdf: (z) => -0.5 * z * z - LOG_SQRT_2PI,
    cdf: normalCdf,
    logcdf: normalLogCdf,
    logsf: (z) => normalLogCdf(-z),
    quantile: (p) => (p > 0.5 ? -normalQuantile(1 - p) : normalQuantile(p)),
    mean: 0,
    variance: 1
  }, (x) => -(x - mean) / (sd * sd))

export const logistic = (loc: number, scale: number): Numerics =>
  locationScale(loc, scale, {
    logpdf: (z) => -Math.abs(z) - 2 * Math.log1p(Math.exp(-Math.abs(z))),
    cdf: (z) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z))),
    logcdf: (z) => -softplus(-z),
    logsf: (z) => -softplus(z),
    quantile: (p) => Math.log(p) - Math.log1p(-p),
    mean: 0,
    variance: (Math.PI * Math.PI) / 3
  }, (x) => -Math.tanh((x - loc) / (2 * scale)) / scale)

export const laplace = (loc: number, scale: number): Numerics =>
  locationScale(loc, scale, {
    logpdf: (z) => -Math.abs(z) - LN2,
    cdf: (z) => (z < 0 ? 0.5 * Math.exp(z) : 1 - 0.5 * Math.exp(-z)),
    logcdf: (z) => (z < 0 ? z - LN2 : Math.log1p(-0.5 * Math.exp(-z))),
    logsf: (z) => (z > 0 ? -z - LN2 : Math.log1p(-0.5 * Math.exp(z))),
    quantile: (p) => (p < 0.5 ? Math.log(2 * p) : -Math.log(2 * (1 - p))),
    mean: 0,
    variance: 2
  }, (x) => -Math.sign(x - loc) / scale)

export const cauchy = (loc: number, scale: number): Numerics =>
  locationScale(loc, scale, {
    // Far out, z² overflows: log(1 + z²) = 2 log|z| + log1p(z⁻²).
    logpdf: (z) => -Math.log(Math.PI) - (Math.abs(z) > 1e150 ? 2 * Math.log(Math.abs(z)) : Math.log1p(z * z)),
    // atan2(1, −z)/π is the cdf without the cancellation of 1/2 + atan(z)/π in the lower tail;
    // the upper tail goes through log1p of the (small) survival function for the same reason.
    cdf: (z) => Math.atan2(1, -z) / Math.PI,
    logcdf: (z) => (z > 0 ? Math.log1p(-Math.atan2(1, z) / Math.PI) : Math.log(Math.atan2(1, -z) / Math.PI)),
    logsf: (z) => (z < 0 ? Math.log1p(-Math.atan2(1, -z) / Math.PI) : Math.log(Math.atan2(1, z) / Math.PI)),
    // Three branches so the median is exactly 0 and both tails keep their digits.
    quantile: (p) =>
      p === 0 ? -Infinity
      : p === 1 ? Infinity
      : p < 0.25 ? -1 / Math.tan(Math.PI * p)
      : p > 0.75 ? 1 / Math.tan(Math.PI * (1 - p))
      : Math.tan(Math.PI * (p - 0.5)),
    mean: NaN,
    variance: NaN
  }, (x) => {
    const z = (x - loc) / scale
    return (-2 * z) / (1 + z * z) / scale
  })

export const studentT = (df: number, loc: number, scale: number): Numerics => {
  const a = df / 2
  const logC = gammaln((df + 1) / 2) - gammaln(a) - 0.5 * Math.log(df * Math.PI)
  const logBeta = gammaln(a) + gammaln(0.5) - gammaln(a + 0.5)
  const logpdf = (z: number): number => {
    const t = (z * z) / df
    // log(1 + z²/ν) without overflowing z² far in the tails.
    const log1pT = Number.isFinite(t) && t < 1e300 ? Math.log1p(t) : 2 * Math.log(Math.abs(z)) - Math.log(df)
    return logC - ((df + 1) / 2) * log1pT
  }
  /**
   * log cdf for z < 0. With w = ν/(ν + z²), cdf = ½ I_w(ν/2, ½). Deep in the tail (small w) the
   * hypergeometric series I_w(a, b) = wᵃ(1−w)ᵇ/(a B(a,b)) · Σ_n (a+b)_n/(a+1)_n wⁿ is summed in
   * log space, so log cdf stays finite and exact where stdlib's cdf underflows.
   */
  const logLower = (z: number): number => {
    const z2 = z * z
    const logW = Number.isFinite(z2) && z2 < 1e300 ? Math.log(df) - Math.log(df + z2) : Math.log(df) - 2 * Math.log(Math.abs(z))
    const w = Math.exp(logW)
    if (w > 0.05) return Math.log(tCdf(z, df))
    let term = 1
    let sum = 1
    for (let n = 0; n < 200 && term > 1e-17 * sum; n++) {
      term *= ((a + 0.5 + n) / (a + 1 + n)) * w
      sum += term
    }
    return -LN2 + a * logW + 0.5 * Math.log1p(-w) - Math.log(a) - logBeta + Math.log(sum)
  }
  /** The cdf near 0, where ½ ± (small) loses digits in stdlib for small ν: ½ + sign·½·I_{z²/(ν+z²)}(½, ν/2). */
  const cdf = (z: number): number => {
    if (Math.abs(z) < 1 && z !== 0) {
      const half = 0.5 * betainc((z * z) / (df + z * z), 0.5, a)
      return z < 0 ? 0.5 - half : 0.5 + half
    }
    return z < 0 ? Math.exp(logLower(z)) : -Math.expm1(logLower(-z))
  }
  const logcdf = (z: number): number => (Math.abs(z) < 1 ? Math.log(cdf(z)) : z < 0 ? logLower(z) : log1mexp(logLower(-z)))
  /** Deep-tail quantile: the tail asymptote |z| ≈ (C ν^((ν−1)/2)/p)^(1/ν), then Newton on log cdf. */
  const lowerQuantile = (p: number): number => {
    if (p > 1e-100) {
      const q = tQuantile(p, df)
      if (Number.isFinite(q)) return q
    }
    const logP = Math.log(p)
    let z = -Math.exp((logC + ((df - 1) / 2) * Math.log(df) - Math.log(df) + Math.log(df) - logP) / df)
    for (let it = 0; it < 8; it++) {
      const lc = logLower(z)
      const step = (lc - logP) / Math.exp(logpdf(z) - lc)
      const next = z - step
      if (!Number.isFinite(next) || next >= 0) break
      const done = Math.abs(step) <= 1e-15 * Math.abs(z)
      z = next
      if (done) break
    }
    return z
  }
  return locationScale(loc, scale, {
    logpdf,
    cdf,
    logcdf,
    logsf: (z) => logcdf(-z),
    quantile: (p) => (p === 0 ? -Infinity : p === 1 ? Infinity : p > 0.5 ? -lowerQuantile(1 - p) : lowerQuantile(p)),
    mean: df > 1 ? 0 : NaN,
    variance: df > 2 ? df / (df - 2) : df > 1 ? Infinity : NaN
  }, (x) => {
    const z = (x - loc) / scale
    return (-(df + 1) * z) / (df + z * z) / scale
  })
}

export const uniform = (a: number, b: number): Numerics => {
  const width = b - a
  return {
    logpdf: (x) => (x >= a && x <= b ? -Math.log(width) : -Infinity),
    cdf: (x) => (x <= a ? 0 : x >= b ? 1 : (x - a) / width),
    // log1p of the small side keeps digits at both ends of the interval.
    logcdf: (x) => (x <= a ? -Infinity : x >= b ? 0 : (b - x) / width < 0.5 ? Math.log1p(-(b - x) / width) : Math.log((x - a) / width)),
    logsf: (x) => (x <= a ? 0 : x >= b ? -Infinity : (x - a) / width < 0.5 ? Math.log1p(-(x - a) / width) : Math.log((b - x) / width)),
    quantile: (p) => quantileGuard(p, (q) => (q <= 0.5 ? a + q * width : b - (1 - q) * width)),
    mean: a + width / 2,
    variance: (width * width) / 12
  }
}

export const exponential = (rate: number): Numerics => ({
  logpdf: (x) => (x >= 0 ? Math.log(rate) - rate * x : -Infinity),
  cdf: (x) => (x <= 0 ? 0 : -Math.expm1(-rate * x)),
  logcdf: (x) => (x <= 0 ? -Infinity : log1mexp(-rate * x)),
  logsf: (x) => (x <= 0 ? 0 : -rate * x),
  quantile: (p) => quantileGuard(p, (q) => -Math.log1p(-q) / rate),
  mean: 1 / rate,
  variance: 1 / (rate * rate)
})

/**
 * A law on finitely many sorted atoms. `logpdf` is the log mass at an atom (density w.r.t.
 * counting measure); the quantile is the smallest atom whose cdf reaches p (SciPy's `ppf`).
 */
export const discrete = (atoms: ReadonlyArray<number>, weights: ReadonlyArray<number>): Numerics => {
  const cum: Array<number> = []
  let acc = 0
  for (const w of weights) cum.push((acc += w))
  // Upper tail masses are summed from the right so logsf keeps its digits near 1.
  const tail: Array<number> = new Array(weights.length).fill(0)
  let rest = 0
  for (let i = weights.length - 1; i >= 0; i--) {
    tail[i] = rest
    rest += weights[i]!
  }
  const index = (x: number): number => {
    // number of atoms ≤ x
    let lo = 0
    let hi = atoms.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (atoms[mid]! <= x) lo = mid + 1
      else hi = mid
    }
    return lo
  }
  const cdf = (x: number): number => {
    if (Number.isNaN(x)) return NaN
    const k = index(x)
    return k === 0 ? 0 : k === atoms.length ? 1 : Math.min(1, cum[k - 1]!)
  }
  let mean = 0
  atoms.forEach((a, i) => (mean += a * weights[i]!))
  let variance = 0
  atoms.forEach((a, i) => (variance += weights[i]! * (a - mean) ** 2))
  return {
    logpdf: (x) => {
      const k = index(x)
      return k > 0 && atoms[k - 1] === x ? Math.log(weights[k - 1]!) : -Infinity
    },
    cdf,
    logcdf: (x) => Math.log(cdf(x)),
    logsf: (x) => {
      if (Number.isNaN(x)) return NaN
      const k = index(x)
      return k === 0 ? 0 : Math.log(tail[k - 1]!)
    },
    quantile: (p) =>
      quantileGuard(p, (q) => {
        if (q === 0) return atoms[0]!
        for (let i = 0; i < atoms.length; i++) if (cum[i]! >= q * (1 - 4 * Number.EPSILON)) return atoms[i]!
        return atoms[atoms.length - 1]!
      }),
    mean,
    variance
  }
}
