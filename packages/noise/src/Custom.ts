/**
 * User-defined laws. The user supplies the cdf and quantile (optionally the density and log forms)
 * and declares the traits; because `@perturb/analysis` trusts traits to pick theorems, the
 * declaration is spot-checked against the numerics at construction and a contradiction is a
 * `TraitMismatch`, never a silently wrong verdict.
 *
 * @since 0.1.0
 */
import { InvalidArgument, TraitMismatch } from "./Errors.js"
import { type Law, makeLaw } from "./Law.js"
import { log1mexp } from "./internal/special.js"
import type { Traits } from "./Traits.js"

/**
 * @example
 * import { Noise } from "@perturb/noise"
 * const options: Noise.CustomOptions = {
 *   name: "my logistic", cdf: (x) => 1 / (1 + Math.exp(-x)), quantile: (p) => Math.log(p / (1 - p)),
 *   pdf: (x) => 1 / (4 * Math.cosh(x / 2) ** 2),
 *   traits: Noise.logistic().traits
 * }
 * Noise.custom(options)
 * @since 0.1.0
 * @category models
 */
export interface CustomOptions {
  /** The law's name in reports and errors. */
  readonly name: string
  /** P(X ≤ x), required. */
  readonly cdf: (x: number) => number
  /** The inverse cdf, required: the sampler's transform. */
  readonly quantile: (p: number) => number
  /** The density, if known (else derived numerically where needed). */
  readonly pdf?: (x: number) => number
  /** log pdf, if known: exact where pdf underflows. */
  readonly logpdf?: (x: number) => number
  /** log cdf, if known: exact in the lower tail. */
  readonly logcdf?: (x: number) => number
  /** log(1 − cdf), if known: exact in the upper tail. */
  readonly logsf?: (x: number) => number
  /** E[X], if known. */
  readonly mean?: number
  /** Var[X], if known. */
  readonly variance?: number
  /** The traits the theorems read, declared: spot-checked against the numerics (`TraitMismatch`). */
  readonly traits: Traits
}

const grid = [1e-4, 1e-3, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999, 0.9999]

const mismatch = (trait: string, declared: unknown, observed: string): never => {
  throw new TraitMismatch({ trait, declared, observed })
}

const spotCheck = (o: CustomOptions, pdf: (x: number) => number): void => {
  const t = o.traits
  const xs = grid.map((p) => o.quantile(p))
  xs.forEach((x, i) => {
    if (!Number.isFinite(x)) mismatch("quantile", "finite inside (0,1)", `quantile(${grid[i]}) = ${x}`)
  })
  // The cdf must invert the quantile and be monotone: the foundation of every other check.
  for (let i = 0; i < xs.length; i++) {
    const c = o.cdf(xs[i]!)
    if (!(c >= 0 && c <= 1)) mismatch("cdf", "values in [0, 1]", `cdf(${xs[i]}) = ${c}`)
    if (t.kind === "continuous" && Math.abs(c - grid[i]!) > 1e-6 + 1e-6 * grid[i]!) {
      mismatch("quantile", "the inverse of cdf", `cdf(quantile(${grid[i]})) = ${c}`)
    }
    if (i > 0 && xs[i]! < xs[i - 1]!) mismatch("quantile", "non-decreasing", `quantile decreases after p = ${grid[i - 1]}`)
  }
  const spread = Math.max(xs[xs.length - 1]! - xs[0]!, 1e-12)
  const sup = t.support
  if (sup._tag === "Interval") {
    if (t.kind !== "continuous") mismatch("support", sup, "an interval support needs kind 'continuous'")
    const boundedLo = Number.isFinite(sup.lower)
    const boundedHi = Number.isFinite(sup.upper)
    if ((t.tails.lower === "bounded") !== boundedLo) mismatch("tails.lower", t.tails.lower, `support starts at ${sup.lower}`)
    if ((t.tails.upper === "bounded") !== boundedHi) mismatch("tails.upper", t.tails.upper, `support ends at ${sup.upper}`)
    if (boundedLo && o.cdf(sup.lower - 1e-9 * (1 + Math.abs(sup.lower))) > 1e-12) {
      mismatch("support.lower", sup.lower, `cdf is positive below it`)
    }
    if (boundedHi && o.cdf(sup.upper + 1e-9 * (1 + Math.abs(sup.upper))) < 1 - 1e-12) {
      mismatch("support.upper", sup.upper, `cdf is below 1 above it`)
    }
    if (xs.some((x) => x < sup.lower || x > sup.upper)) mismatch("support", sup, "quantiles fall outside it")
    // Probe the density inside the quantile range and beyond it on unbounded sides.
    // Probe just beyond the quantile range: far enough to see a vanishing density, near enough
    // that a light-tailed density has not underflowed (the log-density, when given, never does).
    const probes = [...xs]
    if (!boundedLo) probes.push(xs[0]! - 0.1 * spread)
    if (!boundedHi) probes.push(xs[xs.length - 1]! + 0.1 * spread)
    const positive = (x: number) => (o.logpdf !== undefined ? o.logpdf(x) > -Infinity : pdf(x) > 0)
    if (t.densityPositive) {
      if (boundedLo || boundedHi) mismatch("densityPositive", true, "the support is bounded, so the density vanishes outside it")
      for (const x of probes) if (!positive(x)) mismatch("densityPositive", true, `pdf(${x}) = ${pdf(x)}`)
    }
    if (o.pdf !== undefined || o.logpdf !== undefined) {
      const median = o.quantile(0.5)
      const iqr = Math.max(o.quantile(0.75) - o.quantile(0.25), 1e-300)
      for (const x of xs.slice(2, -2)) {
        // The step scales with the distance from the bulk so heavy tails are differenced finely enough.
        const h = 1e-6 * iqr * Math.max(1, Math.abs(x - median) / iqr)
        const fd = (o.cdf(x + h) - o.cdf(x - h)) / (2 * h)
        if (Math.abs(fd - pdf(x)) > 1e-3 * (fd + 1e-3 / spread)) {
          mismatch("pdf", "the derivative of cdf", `pdf(${x}) = ${pdf(x)}, cdf' ≈ ${fd}`)
        }
      }
    }
  } else {
    if (t.kind !== "discrete") mismatch("kind", t.kind, "atom support needs kind 'discrete'")
    if (t.densityDifferentiable !== "no" || t.densityPositive) {
      mismatch("densityDifferentiable", t.densityDifferentiable, "a discrete law has no density")
    }
    for (const x of xs) {
      if (!sup.atoms.includes(x)) mismatch("support.atoms", sup.atoms, `quantile returned ${x}, not an atom`)
    }
  }
  if ((t.tails.lower !== "heavy" && t.tails.upper !== "heavy") && !t.finiteMean) {
    mismatch("finiteMean", false, "a law with bounded or light tails has a finite mean")
  }
  if (t.symmetric) {
    const c = o.quantile(0.5)
    for (const p of grid) {
      const d = c - o.quantile(p)
      const s = o.cdf(c - d) + o.cdf(c + d)
      if (t.kind === "continuous" && Math.abs(s - 1) > 1e-6) mismatch("symmetric", true, `cdf(${c - d}) + cdf(${c + d}) = ${s}`)
    }
  }
}

/**
 * A law from user-supplied numerics. Missing log forms are derived from `cdf` and `pdf` (and are
 * then only as accurate as those in the tails); a missing density makes `pdf` `NaN`.
 *
 * @example
 * import { Noise } from "@perturb/noise"
 * const triangle = Noise.custom({
 *   name: "triangle",
 *   cdf: (x) => (x <= 0 ? 0 : x >= 1 ? 1 : x * x),
 *   quantile: (p) => Math.sqrt(p),
 *   pdf: (x) => (x > 0 && x < 1 ? 2 * x : 0),
 *   traits: {
 *     support: { _tag: "Interval", lower: 0, upper: 1 }, kind: "continuous",
 *     densityPositive: false, densityDifferentiable: "almostEverywhere", finiteMean: true,
 *     tails: { lower: "bounded", upper: "bounded" }, symmetric: false
 *   }
 * })
 * @since 0.1.0
 * @category constructors
 */
export const custom = (options: CustomOptions): Law<"Custom"> => {
  if (typeof options?.name !== "string" || options.name.length === 0) {
    throw new InvalidArgument({ argument: "custom.name", value: options?.name, reason: "Expected a non-empty string" })
  }
  for (const key of ["cdf", "quantile"] as const) {
    if (typeof options[key] !== "function") {
      throw new InvalidArgument({ argument: `custom.${key}`, value: options[key], reason: "Expected a function" })
    }
  }
  const { cdf, quantile } = options
  const logpdf = options.logpdf ?? (options.pdf !== undefined ? (x: number) => Math.log(options.pdf!(x)) : () => NaN)
  const pdf = options.pdf ?? ((x: number) => Math.exp(logpdf(x)))
  spotCheck(options, pdf)
  const law = makeLaw("Custom", { name: options.name }, options.traits, {
    logpdf,
    cdf,
    logcdf: options.logcdf ?? ((x) => Math.log(cdf(x))),
    logsf: options.logsf ?? ((x) => log1mexp(Math.log(cdf(x)))),
    quantile,
    mean: options.mean ?? NaN,
    variance: options.variance ?? NaN
  })
  // The user's own density, not exp(log(pdf)), which would cost an ulp.
  return options.pdf === undefined ? law : Object.freeze(Object.assign(Object.create(Object.getPrototypeOf(law)), law, { pdf: options.pdf }))
}
