/** Shared assertions for the typed errors of `@perturb/noise`. */
import { expect } from "vitest"
import { InvalidArgument } from "../../src/index.js"

/** The error `f` throws; fails the test when it throws nothing. */
export const thrown = (f: () => unknown): unknown => {
  try {
    f()
  } catch (e) {
    return e
  }
  throw new Error("expected a throw")
}

/** `f` throws an `InvalidArgument` naming `argument`, whose message shows the value as `shown`. */
export const expectInvalid = (f: () => unknown, argument: string, shown: string): InvalidArgument => {
  const e = thrown(f)
  expect(e).toBeInstanceOf(InvalidArgument)
  const err = e as InvalidArgument
  expect(err._tag).toBe("InvalidArgument")
  expect(err.argument).toBe(argument)
  expect(err.message).toContain(argument)
  expect(err.message).toContain(shown)
  return err
}
