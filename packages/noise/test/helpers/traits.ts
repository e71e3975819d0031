/**
 * Traits written out by kind, for the tests' expected values and custom laws. Each field is spelled
 * here literally, not derived from the source's helpers, so the tests stay an independent check.
 */
import type { Traits } from "../../src/Traits.js"

/** A law on the whole real line with a positive density, differentiable everywhere. */
export const smooth = (tails: "light" | "heavy", symmetric: boolean, finiteMean = true): Traits => ({
  support: { _tag: "Interval", lower: -Infinity, upper: Infinity },
  kind: "continuous",
  densityPositive: true,
  densityDifferentiable: "everywhere",
  finiteMean,
  tails: { lower: tails, upper: tails },
  symmetric
})

/** A continuous law on [lower, upper] (bounded below) whose density vanishes outside it. */
export const onInterval = (lower: number, upper: number, symmetric: boolean, upperTail: "bounded" | "light" = "bounded"): Traits => ({
  support: { _tag: "Interval", lower, upper },
  kind: "continuous",
  densityPositive: false,
  densityDifferentiable: "almostEverywhere",
  finiteMean: true,
  tails: { lower: "bounded", upper: upperTail },
  symmetric
})

/** A discrete law on the given (sorted) atoms. */
export const onAtoms = (atoms: ReadonlyArray<number>, symmetric: boolean): Traits => ({
  support: { _tag: "Atoms", atoms },
  kind: "discrete",
  densityPositive: false,
  densityDifferentiable: "no",
  finiteMean: true,
  tails: { lower: "bounded", upper: "bounded" },
  symmetric
})
