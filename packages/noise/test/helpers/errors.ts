/** Shared assertions for the typed errors of `@perturb/noise`. */
import { expect } from "vitest"
import { InvalidParameter } from "../../src/index.js"

/** The error `f` throws; fails the test when it throws nothing. */
export const thrown = (f: () => unknown): unknown => {
  try {
    f()
  } catch (e) {
    return e
  }
  throw new Error("expected a throw")
}

/** `f` throws an `InvalidParameter` naming `argument`, whose message shows the value as `shown`. */
export const expectInvalid = (f: () => unknown, argument: string, shown: string): InvalidParameter => {
  const e = thrown(f)
  expect(e).toBeInstanceOf(InvalidParameter)
  const err = e as InvalidParameter
  expect(err._tag).toBe("InvalidParameter")
  expect(err.argument).toBe(argument)
  expect(err.message).toContain(argument)
  expect(err.message).toContain(shown)
  return err
}
