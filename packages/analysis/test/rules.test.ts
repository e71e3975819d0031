/**
 * The rule tables: the engine takes the first rule that applies, each table's ids are distinct, and
 * every reason of a verdict cites a result its deciding rule declares — so `cites` says, for a
 * reader of the table, what each entry rests on.
 */
import { Space } from "@perturb/core"
import { Noise } from "@perturb/noise"
import { describe, expect, it } from "vitest"
import { noiseFacts } from "../src/internal/noise.js"
import { noises, spaces } from "./cases.js"
import * as Completeness from "../src/rules/completeness.js"
import { context, firstApplying, type Rules } from "../src/rules/engine.js"
import * as Identifiability from "../src/rules/identifiability.js"
import * as Minimality from "../src/rules/minimality.js"
import * as V from "../src/Verdict.js"

const tables: ReadonlyArray<[string, Rules]> = [
  ["completeness.softmax", Completeness.softmax],
  ["completeness.argmax", Completeness.argmax],
  ["minimality.softmax", Minimality.softmax],
  ["minimality.argmax", Minimality.argmax],
  ["identifiability.softmax", Identifiability.softmax],
  ["identifiability.argmax", Identifiability.argmax]
]

describe("rule tables", () => {
  it("the engine returns the first rule that applies, and the last rule when none before it does", () => {
    const ctx = context(Space.pinned(2), noiseFacts(Noise.normal(), 2))
    const never = { id: "never", cites: [], applies: () => undefined }
    const a = { id: "a", cites: ["A"], applies: () => V.holds("A", "first") }
    const b = { id: "b", cites: ["B"], applies: () => V.fails("B", "second") }
    expect(firstApplying([never, a, b], ctx).rule.id).toBe("a")
    expect(firstApplying([never, b], ctx)).toStrictEqual({ rule: b, verdict: V.fails("B", "second") })
  })

  it("ids are distinct within a table", () => {
    for (const [, rules] of tables) expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length)
  })

  it("every reason cites a result the deciding rule declares", () => {
    const used = new Set<string>()
    for (const space of spaces) {
      for (const noise of noises(space.dim)) {
        const ctx = context(space, noiseFacts(noise, space.dim))
        for (const [name, rules] of tables) {
          const { rule, verdict } = firstApplying(rules, ctx)
          used.add(`${name}.${rule.id}`)
          for (const { ref } of verdict.reasons) {
            const cited = rule.cites.includes(ref) || ref.split(", ").every((part) => rule.cites.includes(part))
            expect(cited, `${name}.${rule.id} on ${String(space._tag)}, ${String(noise)}: "${ref}" not in ${rule.cites.join("; ")}`).toBe(true)
          }
        }
      }
    }
    // The grid reaches most entries, so the check is not vacuous.
    console.log([...tables].flatMap(([n, rs]) => rs.map((r) => `${n}.${r.id}`)).filter((x) => !used.has(x)))
    expect(used.size).toBeGreaterThanOrEqual(20)
  })
})
