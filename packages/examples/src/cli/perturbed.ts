/**
 * `perturb perturbed`: the perturbed optimizer P_σ(θ) = E[y*(θ + σγ)] of a solver at one θ, in
 * float64, with per-coordinate standard errors (none when the method is exact) and, with
 * `--jacobian`, the outDim × d Jacobian ∂P_i/∂θ_j with its standard errors.
 *   SOLVER: argmax | topk:K | ranks | sort | path:H:W | lp:FILE.json | FILE.json (parse.ts)
 * argmax, topk, ranks and sort take their dimension from `--theta`; a path or a polytope fixes it,
 * and `--theta` must then have that many numbers.
 */
import { perturbed, type Solver } from "@perturb/core"
import { Key } from "@perturb/noise"
import { asUsageError, integer, number, parseNoise, parseSolver, UsageError, vector } from "./parse.js"

export interface PerturbedFlags {
  readonly solver?: string | undefined
  readonly noise?: string | undefined
  readonly sigma?: string | undefined
  readonly theta?: string | undefined
  readonly method?: string | undefined
  readonly samples?: string | undefined
  readonly seed?: string | undefined
  readonly json?: boolean | undefined
  readonly jacobian?: boolean | undefined
}

const METHODS = ["mc", "qmc", "exact"] as const

/** Which flag a typed error of the op came from (its `argument`), beyond those `asUsageError` knows. */
const flagOf = (e: unknown, flags: PerturbedFlags): UsageError | undefined => {
  const argument = (e as { argument?: unknown } | null)?.argument
  if (typeof argument !== "string") return undefined
  const own: ReadonlyArray<readonly [RegExp, keyof PerturbedFlags]> = [
    [/^(options\.)?sigma\b/, "sigma"],
    [/^(options\.)?noise\b/, "noise"],
    [/^(options\.)?method\b/, "method"],
    [/^(options\.)?samples\b/, "samples"],
    [/^(solver|polytope)\b/, "solver"]
  ]
  const flag = own.find(([re]) => re.test(argument))?.[1]
  if (flag !== undefined && typeof flags[flag] === "string") return new UsageError(flag, flags[flag], (e as Error).message)
  return asUsageError(e, flags as Readonly<Record<string, unknown>>)
}

const rows = (flat: Float64Array, width: number): Array<Array<number>> =>
  Array.from({ length: flat.length / width }, (_, i) => Array.from(flat.subarray(i * width, (i + 1) * width)))

interface Output {
  readonly mean: Array<number>
  readonly stdError: Array<number>
  readonly method: string
  /** Draws that ran (qmc rounds `--samples` to whole replicates; 0 for exact). */
  readonly samples: number
  readonly jacobian?: Array<Array<number>>
  readonly jacobianStdError?: Array<Array<number>>
}

const text = (out: Output, solver: Solver.Solver): string => {
  const line = (xs: ReadonlyArray<number>) => xs.map((x) => x.toPrecision(8)).join(", ")
  // An exact method's stdError is its closed form's error bound.
  const error = out.method === "exact" ? "error bound" : "standard error"
  const lines = [
    `E[y*(θ + σγ)] for ${solver.kind} (d = ${solver.d}) by ${out.method}${out.samples > 0 ? ` (${out.samples} samples)` : ""}: ${line(out.mean)}`,
    `${error}: ${line(out.stdError)}`
  ]
  if (out.jacobian !== undefined) {
    lines.push(`Jacobian ∂P_i/∂θ_j (${out.jacobian.length} × ${solver.d}), ± ${error}:`)
    out.jacobian.forEach((row, i) => lines.push(`  ${row.map((v, j) => `${v.toPrecision(6)} ± ${out.jacobianStdError![i]![j]!.toExponential(1)}`).join(", ")}`))
  }
  return lines.join("\n")
}

export const perturbedCommand = (flags: PerturbedFlags): void => {
  const theta = Float64Array.from(vector("theta", flags.theta))
  const solver = parseSolver("solver", flags.solver, theta.length)
  if (solver.d !== theta.length) {
    throw new UsageError("theta", flags.theta, `expected ${solver.d} numbers for --solver ${flags.solver}, got ${theta.length}`)
  }
  const noise = parseNoise(flags.noise)
  if (flags.sigma === undefined) throw new UsageError("sigma", flags.sigma, "is required (a positive number)")
  const sigma = number("sigma", flags.sigma)
  if (!(sigma > 0)) throw new UsageError("sigma", flags.sigma, "expected a positive number")
  const method = flags.method
  if (method !== undefined && !(METHODS as ReadonlyArray<string>).includes(method)) {
    throw new UsageError("method", method, "expected mc, qmc or exact")
  }
  const samples = flags.samples === undefined ? undefined : integer("samples", flags.samples)
  if (samples !== undefined && samples < 1) throw new UsageError("samples", flags.samples, "expected a positive integer")
  // Without --seed the key is fixed (seed 0): the command prints the same numbers every run.
  const key = Key.make(flags.seed === undefined ? 0 : integer("seed", flags.seed))
  let out: Output
  try {
    const op = perturbed(solver, {
      noise,
      sigma,
      key,
      ...(method === undefined ? {} : { method: method as (typeof METHODS)[number] }),
      ...(samples === undefined ? {} : { samples })
    })
    const r = op.estimate64(theta, { jacobian: flags.jacobian === true })
    out = {
      mean: Array.from(r.mean),
      stdError: Array.from(r.stdError),
      method: r.method,
      samples: r.samples,
      ...(r.jacobian === undefined ? {} : {
        jacobian: rows(r.jacobian, solver.d),
        jacobianStdError: rows(r.jacobianStdError ?? new Float64Array(r.jacobian.length), solver.d)
      })
    }
  } catch (e) {
    throw flagOf(e, flags) ?? e
  }
  console.log(flags.json ? JSON.stringify(out) : text(out, solver))
}
