/**
 * Report rendering: the JSON contract of architecture.md (`analyze --json`) and the terminal text.
 */
import { Space } from "@perturb/core"
import { Noise } from "@perturb/noise"
import { describe, expect, it } from "vitest"
import { analyze, renderText, toJSON } from "../src/index.js"

describe("toJSON", () => {
  it("is exactly { softmax?, argmax? } of { complete, minimal, identifiable } verdicts, plain JSON", () => {
    const json = toJSON(analyze(Space.box(-1, 1, 3), Noise.normal()))
    expect(Object.keys(json)).toStrictEqual(["softmax", "argmax"])
    for (const props of [json.softmax!, json.argmax!]) {
      expect(Object.keys(props)).toStrictEqual(["complete", "minimal", "identifiable"])
      for (const v of Object.values(props)) {
        expect(["holds", "fails", "undecided"]).toContain(v.verdict)
        for (const r of v.reasons) expect(Object.keys(r)).toStrictEqual(["ref", "text"])
        for (const k of Object.keys(v)) expect(["verdict", "reasons", "witness", "evidence"]).toContain(k)
      }
    }
    const text = JSON.stringify(json)
    expect(JSON.parse(text)).toStrictEqual(json)
    const w = json.argmax!.minimal.witness as { theta: unknown }
    expect(Array.isArray(w.theta)).toBe(true)
  })
  it("keeps only the requested model", () => {
    expect(Object.keys(toJSON(analyze(Space.pinned(3), Noise.normal(), { model: "argmax" })))).toStrictEqual(["argmax"])
  })
})

describe("renderText", () => {
  it("shows each property with its verdict, rule and witness", () => {
    const text = renderText(analyze(Space.pinned(2), Noise.discrete({ atoms: [0, 1] }), { model: "argmax" }))
    expect(text).toContain("Perturb-Argmax")
    expect(text).toMatch(/identifiable\s+✗ fails\s+Proposition 5\.5/)
    expect(text).toContain("witness: at θ = (0, 0) (M = 0.75): ∂M/∂θ_1 from the left 0.25, from the right 0.75")
    expect(text).not.toContain("Perturb-Softmax")
  })
})
