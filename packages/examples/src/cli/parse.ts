/**
 * Parsing of the command line's SPACE and NOISE mini-languages (docs/architecture.md):
 *   SPACE: reals:D | pinned:D[:INDEX] | zero-sum:D | box:D:LO:HI | file.json
 *   NOISE: gumbel[:LOC:SCALE] | normal[:MEAN:SD] | logistic | laplace | student-t:DF | cauchy |
 *          uniform:A:B | exponential | discrete:ATOM,ATOM,… | file.json
 *   SOLVER: argmax | topk:K | ranks | sort | path:H:W | lp:FILE.json | FILE.json ({ "A", "b" } for
 *           {A x ≤ b}, or a solver's JSON); argmax, topk, ranks and sort take the dimension given
 * Every failure is a `UsageError` whose message names the flag and the value.
 */
import { readFileSync } from "node:fs"
import { Solver, Space } from "@perturb/core"
import { Noise, type NoiseLike } from "@perturb/noise"

export class UsageError extends Error {
  constructor(readonly flag: string, readonly value: unknown, readonly reason: string) {
    super(`--${flag} ${JSON.stringify(value)}: ${reason}`)
  }
}

/**
 * Which flag a library argument came from, so a typed error raised from a flag's value names the
 * flag (`--tau`), not the library's name for it (`temperature`). First match wins.
 */
const FLAG_OF: ReadonlyArray<readonly [RegExp, string]> = [
  [/^(options\.)?temperature\b/, "tau"],
  [/^(theta|reals\.d)\b/, "theta"],
  [/^p\b/, "p"],
  [/^samples\b/, "samples"],
  [/^((options\.)?key|seed)\b/, "seed"],
  [/^method\b/, "method"],
  [/^options\.model\b/, "model"],
  [/^(model\.)?noise\b/, "noise"],
  [/^(model\.)?space\b/, "space"]
]

/**
 * A typed library error (one with an `argument`) raised from a flag's value, as a `UsageError` on
 * that flag; undefined when the argument comes from no flag that was given.
 */
export const asUsageError = (e: unknown, values: Readonly<Record<string, unknown>>): UsageError | undefined => {
  const argument = (e as { argument?: unknown } | null)?.argument
  if (typeof argument !== "string") return undefined
  const flag = FLAG_OF.find(([re]) => re.test(argument))?.[1]
  if (flag === undefined || typeof values[flag] !== "string") return undefined
  return new UsageError(flag, values[flag], (e as Error).message)
}

/**
 * `--tau -1` is, to `util.parseArgs`, an option followed by another option, refused in three lines.
 * A string flag's value may start with a dash (a negative number), so such pairs become `--tau=-1`.
 */
export const joinDashValues = (args: ReadonlyArray<string>, stringFlags: ReadonlyArray<string>): Array<string> => {
  const out: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    const next = args[i + 1]
    if (a.startsWith("--") && stringFlags.includes(a.slice(2)) && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${a}=${next}`)
      i++
    } else out.push(a)
  }
  return out
}

export const number = (flag: string, text: string | undefined): number => {
  const x = text === undefined || text.trim() === "" ? NaN : Number(text)
  if (!Number.isFinite(x)) throw new UsageError(flag, text, "expected a finite number")
  return x
}

export const integer = (flag: string, text: string | undefined): number => {
  const x = number(flag, text)
  if (!Number.isInteger(x)) throw new UsageError(flag, text, "expected an integer")
  return x
}

export const vector = (flag: string, text: string | undefined): Array<number> => {
  if (text === undefined) throw new UsageError(flag, text, "is required (comma-separated numbers)")
  return text.split(",").map((s) => number(flag, s))
}

const readJson = (flag: string, path: string): unknown => {
  try {
    return JSON.parse(readFileSync(path, "utf8"))
  } catch (e) {
    throw new UsageError(flag, path, `cannot read JSON: ${(e as Error).message}`)
  }
}

/** Runs a library constructor, turning its typed error into a usage error on this flag. */
const guarded = <A>(flag: string, text: string, f: () => A): A => {
  try {
    return f()
  } catch (e) {
    // A part of the value (`student-t`'s missing DF) is shown with the whole value, which is what was typed.
    if (e instanceof UsageError) throw e.flag === flag && e.value !== text ? new UsageError(flag, text, `${e.reason} (at ${JSON.stringify(e.value)})`) : e
    throw new UsageError(flag, text, (e as Error).message)
  }
}

export const parseSpace = (text: string | undefined): Space.Space => {
  if (text === undefined) throw new UsageError("space", text, "is required")
  return guarded("space", text, () => {
    if (text.endsWith(".json")) return Space.fromJSON(readJson("space", text))
    const [kind, ...args] = text.split(":")
    const d = () => integer("space", args[0])
    switch (kind) {
      case "reals":
        return Space.reals(d())
      case "pinned":
        return Space.pinned(d(), { index: args[1] === undefined ? 0 : integer("space", args[1]) })
      case "zero-sum":
        return Space.zeroSum(d())
      case "box":
        return Space.box(number("space", args[1]), number("space", args[2]), d())
      default:
        throw new UsageError("space", text, "expected reals:D, pinned:D[:INDEX], zero-sum:D, box:D:LO:HI or FILE.json")
    }
  })
}

export const parseNoise = (text: string | undefined): NoiseLike => {
  if (text === undefined) throw new UsageError("noise", text, "is required")
  return guarded("noise", text, () => {
    if (text.endsWith(".json")) return Noise.fromJSON(readJson("noise", text))
    const [kind, ...args] = text.split(":")
    const opt = (i: number) => (args[i] === undefined ? undefined : number("noise", args[i]))
    const two = <K extends string>(a: K, b: K) => {
      const x = opt(0)
      const y = opt(1)
      return { ...(x === undefined ? {} : { [a]: x }), ...(y === undefined ? {} : { [b]: y }) } as Partial<Record<K, number>>
    }
    switch (kind) {
      case "gumbel":
        return Noise.gumbel(two("loc", "scale"))
      case "normal":
        return Noise.normal(two("mean", "sd"))
      case "logistic":
        return Noise.logistic(two("loc", "scale"))
      case "laplace":
        return Noise.laplace(two("loc", "scale"))
      case "cauchy":
        return Noise.cauchy(two("loc", "scale"))
      case "student-t":
        return Noise.studentT({ df: number("noise", args[0]) })
      case "uniform":
        return Noise.uniform(two("a", "b"))
      case "exponential":
        return Noise.exponential(args[0] === undefined ? {} : { rate: number("noise", args[0]) })
      case "discrete":
        return Noise.discrete({ atoms: vector("noise", args[0]) })
      default:
        throw new UsageError(
          "noise",
          text,
          "expected gumbel, normal, logistic, laplace, student-t:DF, cauchy, uniform:A:B, exponential, discrete:ATOMS or FILE.json"
        )
    }
  })
}

const SOLVERS = "expected argmax, topk:K, ranks, sort, path:H:W, lp:FILE.json or FILE.json"
const ARITY = { argmax: 0, topk: 1, ranks: 0, sort: 0, path: 2 } as const

const solverFile = (flag: string, path: string): Solver.Solver => {
  const json = readJson(flag, path)
  const j = json as { A?: unknown; b?: unknown; kind?: unknown } | null
  if (typeof j === "object" && j !== null && j.kind === undefined && "A" in j) {
    return Solver.lp({ A: j.A as ReadonlyArray<ReadonlyArray<number>>, b: j.b as ReadonlyArray<number> })
  }
  return Solver.fromJSON(json)
}

/** The solver a SOLVER value names (`--solver`, `--polytope`); `d` is the dimension where the value leaves it open. */
export const parseSolver = (flag: string, text: string | undefined, d: number): Solver.Solver => {
  if (text === undefined) throw new UsageError(flag, text, `is required (${SOLVERS})`)
  return guarded(flag, text, () => {
    if (text.endsWith(".json") && !text.startsWith("lp:")) return solverFile(flag, text)
    const [kind, ...args] = text.split(":")
    const arity = ARITY[kind as keyof typeof ARITY]
    if (arity !== undefined && args.length !== arity) throw new UsageError(flag, text, SOLVERS)
    switch (kind) {
      case "argmax":
        return Solver.argmax(d)
      case "topk":
        return Solver.topK(d, integer(flag, args[0]))
      case "ranks":
        return Solver.ranks(d)
      case "sort":
        return Solver.sort(d)
      case "path":
        return Solver.shortestPath(integer(flag, args[0]), integer(flag, args[1]))
      case "lp":
        // A file name may itself hold a colon: everything after "lp:" is the path.
        if (args.join(":") === "") throw new UsageError(flag, text, "expected lp:FILE.json")
        return solverFile(flag, args.join(":"))
      default:
        throw new UsageError(flag, text, SOLVERS)
    }
  })
}
