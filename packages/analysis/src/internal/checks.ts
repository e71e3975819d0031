/**
 * Argument checks shared by the public entries: each refuses with `InvalidArgument` naming the
 * argument and showing the value, before any work (issue 11: no TypeError from deep inside).
 */
import { InvalidArgument, Space } from "@perturb/core"
import { Noise } from "@perturb/noise"

/** An options object: absent is the defaults, anything but a plain object is refused. */
export const optionsObject = <A extends object>(argument: string, value: A | undefined): A => {
  if (value === undefined) return {} as A
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidArgument({ argument, value, reason: "Expected an options object (or nothing, for the defaults)" })
  }
  return value
}

/** A report from `analyze` (or `confirm`): its fields are read without further checks. */
export const checkReport = (value: unknown, argument = "report"): void => {
  const r = value as { dim?: unknown; space?: unknown; noise?: unknown; softmax?: unknown; argmax?: unknown; perturbed?: unknown } | null
  if (typeof r !== "object" || r === null || typeof r.dim !== "number" || !Space.isSpace(r.space) || !Noise.isNoise(r.noise)) {
    throw new InvalidArgument({ argument, value, reason: "Expected a Report from analyze(space, noise)" })
  }
  for (const which of ["softmax", "argmax", "perturbed"] as const) {
    const p = r[which] as Record<string, unknown> | undefined
    if (p === undefined) continue
    for (const prop of ["complete", "minimal", "identifiable"]) {
      const v = typeof p === "object" && p !== null ? (p[prop] as { verdict?: unknown } | null) : undefined
      if (typeof v !== "object" || v === null || typeof v.verdict !== "string") {
        throw new InvalidArgument({ argument: `${argument}.${which}.${prop}`, value: v, reason: "Expected a verdict from analyze" })
      }
    }
  }
}

export const checkFunction = (argument: string, value: unknown): void => {
  if (value !== undefined && typeof value !== "function") throw new InvalidArgument({ argument, value, reason: "Expected a function" })
}

/** A whole number in [lo, hi]. */
export const checkCount = (argument: string, value: unknown, lo: number, hi: number): number => {
  if (typeof value !== "number" || !Number.isInteger(value) || value < lo || value > hi) {
    throw new InvalidArgument({ argument, value, reason: `Expected a whole number in [${lo}, ${hi}]` })
  }
  return value
}

/** A non-empty array of finite numbers (at most `max`). */
export const checkNumbers = (argument: string, value: unknown, max: number): ReadonlyArray<number> => {
  if (!Array.isArray(value) || value.length === 0 || value.length > max || !value.every((x) => typeof x === "number" && Number.isFinite(x))) {
    throw new InvalidArgument({ argument, value, reason: `Expected 1 to ${max} finite numbers` })
  }
  return value
}
