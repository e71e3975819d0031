/**
 * Bad inputs to every public function of `@perturb/analysis`: each must be refused with a typed
 * error (`_tag`) whose message names the argument and shows the value — thrown, or as the Promise's
 * rejection, or as the Effect's failure — never a TypeError from deep inside, never a quiet run.
 * The table of cases is in packages/core/test/BAD_INPUTS.md.
 */
import { Space } from "@perturb/core"
import { Noise } from "@perturb/noise"
import { Cause, Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import {
  analyze,
  confirm,
  confirmPromise,
  coverage,
  disagreements,
  type Report,
  renderPicture,
  renderProbabilityCurves,
  renderSimplexImage,
  renderText,
  simplexImage,
  svgToPng,
  toJSON
} from "../src/index.js"

const TYPED = ["InvalidArgument", "DimensionMismatch"]
const report = analyze(Space.pinned(3), Noise.normal())
const spec = { space: Space.pinned(3), noise: Noise.gumbel() }
const any = (x: unknown) => x as never

/** The error an input produced, however it was delivered; undefined when it was accepted. */
const outcome = async (f: () => unknown): Promise<unknown> => {
  try {
    const r = f()
    if (r instanceof Promise) await r
    else if (Effect.isEffect(r)) {
      const exit = await Effect.runPromiseExit(r as Effect.Effect<unknown, unknown>)
      if (Exit.isFailure(exit)) return Cause.squash(exit.cause)
    }
    return undefined
  } catch (e) {
    return e
  }
}

// [what, call, argument named, value shown]
const cases: Array<[string, () => unknown, string, string]> = [
  ["analyze space null", () => analyze(any(null), Noise.normal()), "space", "null"],
  ["analyze noise 3", () => analyze(Space.pinned(3), any(3)), "noise", "3"],
  ["analyze options null", () => analyze(Space.pinned(3), Noise.normal(), any(null)), "options", "null"],
  ["analyze options 5", () => analyze(Space.pinned(3), Noise.normal(), any(5)), "options", "5"],
  ["analyze model bogus", () => analyze(Space.pinned(3), Noise.normal(), { model: any("bogus") }), "options.model", "bogus"],
  ["analyze temperature 0", () => analyze(Space.pinned(3), Noise.normal(), { temperature: 0 }), "options.temperature", "0"],
  ["analyze temperature NaN", () => analyze(Space.pinned(3), Noise.normal(), { temperature: NaN }), "options.temperature", "NaN"],
  ["analyze noise of dimension 4 on d = 3", () => analyze(Space.pinned(3), Noise.iid(Noise.normal(), 4)), "noise.dim", "4"],
  ["confirm report null", () => confirm(any(null)), "report", "null"],
  ["confirm report {}", () => confirm(any({})), "report", "{}"],
  ["confirm options null", () => confirm(report, any(null)), "options", "null"],
  ["confirm budget 0", () => confirm(report, { budget: 0 }), "options.budget", "0"],
  ["confirm budget 1e6", () => confirm(report, { budget: 1e6 }), "options.budget", "1000000"],
  ["confirm budget '1'", () => confirm(report, { budget: any("1") }), "options.budget", "1"],
  ["confirm key 42", () => confirm(report, { key: any(42) }), "options.key", "42"],
  ["confirm onProgress 'log'", () => confirm(report, { onProgress: any("log") }), "options.onProgress", "log"],
  ["confirmPromise report null", () => confirmPromise(any(null)), "report", "null"],
  ["confirmPromise options null", () => confirmPromise(report, any(null)), "options", "null"],
  ["confirmPromise budget -1", () => confirmPromise(report, { budget: -1 }), "options.budget", "-1"],
  ["confirmPromise signal 'stop'", () => confirmPromise(report, { signal: any("stop") }), "options.signal", "stop"],
  ["confirmPromise onProgress 7", () => confirmPromise(report, {}, any(7)), "onProgress", "7"],
  ["renderText null", () => renderText(any(null)), "report", "null"],
  ["renderText a space", () => renderText(any(Space.pinned(3))), "report", "Pinned"],
  ["toJSON undefined", () => toJSON(any(undefined)), "report", "undefined"],
  ["disagreements 3", () => disagreements(any(3)), "report", "3"],
  ["simplexImage spec null", () => simplexImage(any(null)), "spec", "null"],
  ["simplexImage space null", () => simplexImage({ space: any(null), noise: Noise.normal() }), "space", "null"],
  ["simplexImage d = 2", () => simplexImage({ space: Space.reals(2), noise: Noise.normal() }), "space.dim", "2"],
  ["simplexImage options null", () => simplexImage(spec, any(null)), "options", "null"],
  ["simplexImage model bogus", () => simplexImage(spec, { model: any("bogus") }), "options.model", "bogus"],
  ["simplexImage angles 0", () => simplexImage(spec, { angles: 0 }), "options.angles", "0"],
  ["simplexImage angles 2.5", () => simplexImage(spec, { angles: 2.5 }), "options.angles", "2.5"],
  ["simplexImage angles 1e9", () => simplexImage(spec, { angles: 1e9 }), "options.angles", "1000000000"],
  ["simplexImage radii []", () => simplexImage(spec, { radii: [] }), "options.radii", "[]"],
  ["simplexImage radii [NaN]", () => simplexImage(spec, { radii: [NaN] }), "options.radii", "NaN"],
  ["simplexImage levels 'x'", () => simplexImage({ space: Space.reals(3), noise: Noise.normal() }, { levels: any("x") }), "options.levels", "x"],
  ["simplexImage temperature -1 (softmax)", () => simplexImage(spec, { model: "softmax", temperature: -1 }), "temperature", "-1"],
  ["renderSimplexImage pngWidth 0", () => renderSimplexImage(spec, { pngWidth: 0 }), "options.pngWidth", "0"],
  ["coverage points null", () => coverage(any(null)), "points", "null"],
  ["coverage cells 0", () => coverage([[1, 0, 0]], 0), "cells", "0"],
  ["coverage cells 2.5", () => coverage([[1, 0, 0]], 2.5), "cells", "2.5"],
  ["renderProbabilityCurves options null", () => renderProbabilityCurves(any(null)), "options", "null"],
  ["renderProbabilityCurves range [1, 0]", () => renderProbabilityCurves({ range: [1, 0] }), "options.range", "1"],
  ["renderProbabilityCurves range [NaN, 1]", () => renderProbabilityCurves({ range: [NaN, 1] }), "options.range", "NaN"],
  ["renderProbabilityCurves noises [null]", () => renderProbabilityCurves({ noises: [any(null)] }), "options.noises[0]", "null"],
  ["renderProbabilityCurves noise 5", () => renderProbabilityCurves({ noises: [{ label: "x", noise: any(5) }] }), "options.noises[0].noise", "5"],
  ["renderPicture null", () => renderPicture(any(null)), "input", "null"],
  ["renderPicture d = 4", () => renderPicture({ space: Space.reals(4), noise: Noise.normal() }), "space.dim", "4"],
  ["svgToPng 42", () => svgToPng(any(42)), "svg", "42"],
  ["svgToPng width -5", () => svgToPng("<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>", -5), "width", "-5"]
]

describe("@perturb/analysis: bad inputs get a typed error naming the argument and the value", () => {
  it.each(cases)("%s", async (_what, call, argument, value) => {
    const e = await outcome(call)
    expect(e, "accepted").toBeDefined()
    expect(TYPED, String(e)).toContain((e as { _tag?: string })._tag)
    const message = (e as Error).message
    expect(message).toContain(argument)
    expect(message).toContain(value)
  })

  it("a report that lost a field is refused by name, not read as undefined", async () => {
    const { argmax: _, ...rest } = report
    const broken = { ...rest, softmax: { complete: null } } as unknown as Report
    const e = await outcome(() => renderText(broken))
    expect((e as { _tag?: string })._tag).toBe("InvalidArgument")
    expect((e as Error).message).toContain("report.softmax")
  })
})
