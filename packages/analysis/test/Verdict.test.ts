/**
 * The three-valued algebra (src/Verdict.ts): Kleene's laws as properties, and the verdict monoid.
 */
import * as fc from "fast-check"
import { concatAll } from "fp-ts/lib/Monoid.js"
import { describe, expect, it } from "vitest"
import { Verdict } from "../src/index.js"

const value = fc.constantFrom<Verdict.Value>("holds", "fails", "undecided")

describe("Kleene algebra", () => {
  it("and / or are associative and commutative with their units", () => {
    fc.assert(
      fc.property(value, value, value, (x, y, z) => {
        expect(Verdict.and(x, Verdict.and(y, z))).toBe(Verdict.and(Verdict.and(x, y), z))
        expect(Verdict.or(x, Verdict.or(y, z))).toBe(Verdict.or(Verdict.or(x, y), z))
        expect(Verdict.and(x, y)).toBe(Verdict.and(y, x))
        expect(Verdict.or(x, y)).toBe(Verdict.or(y, x))
        expect(Verdict.MonoidAll.concat(x, Verdict.MonoidAll.empty)).toBe(x)
        expect(Verdict.MonoidAny.concat(Verdict.MonoidAny.empty, x)).toBe(x)
      })
    )
  })
  it("fails absorbs and, holds absorbs or; De Morgan; not is an involution", () => {
    fc.assert(
      fc.property(value, value, (x, y) => {
        expect(Verdict.and("fails", x)).toBe("fails")
        expect(Verdict.or("holds", x)).toBe("holds")
        expect(Verdict.not(Verdict.and(x, y))).toBe(Verdict.or(Verdict.not(x), Verdict.not(y)))
        expect(Verdict.not(Verdict.not(x))).toBe(x)
      })
    )
  })
  it("undecided is not excluded: undecided ∧ ¬undecided = undecided", () => {
    expect(Verdict.and("undecided", Verdict.not("undecided"))).toBe("undecided")
    expect(concatAll(Verdict.MonoidAll)(["holds", "undecided", "holds"])).toBe("undecided")
    expect(concatAll(Verdict.MonoidAll)([])).toBe("holds")
  })
})

describe("verdict monoid", () => {
  it("combines values by Kleene conjunction, keeps reasons in order and the failing witness", () => {
    const w = { _tag: "TranslationPair", theta: [0, 0], thetaPrime: [1, 1], c: 1 } as const
    const v = Verdict.all([Verdict.holds("A", "a"), Verdict.undecided("B", "b"), Verdict.fails("C", "c", w)])
    expect(v.verdict).toBe("fails")
    expect(v.reasons.map((r) => r.ref)).toStrictEqual(["A", "B", "C"])
    expect(v.witness).toStrictEqual(w)
    const u = Verdict.all([Verdict.holds("A", "a"), Verdict.undecided("B", "b")])
    expect(u.verdict).toBe("undecided")
    expect(u.witness).toBeUndefined()
  })
  it("is associative on verdict values", () => {
    const mk = (x: Verdict.Value) => ({ verdict: x, reasons: [{ ref: x, text: x }] })
    fc.assert(
      fc.property(value, value, value, (x, y, z) => {
        const M = Verdict.MonoidVerdict
        const l = M.concat(M.concat(mk(x), mk(y)), mk(z))
        const r = M.concat(mk(x), M.concat(mk(y), mk(z)))
        expect(l).toStrictEqual(r)
      })
    )
  })
})
