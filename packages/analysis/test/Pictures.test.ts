/**
 * Pictures: well-formed SVG, real PNGs, and images that show the properties (a complete space's
 * image fills the triangle; {θ₀ = θ₁}'s is a line).
 */
import * as tf from "@tensorflow/tfjs"
import { mkdirSync, writeFileSync } from "node:fs"
import { InvalidArgument, Space } from "@perturb/core"
import { Noise } from "@perturb/noise"
import { beforeAll, describe, expect, it } from "vitest"
import { analyze, coverage, type Picture, renderPicture, renderProbabilityCurves, renderSimplexImage, simplexImage } from "../src/index.js"

beforeAll(async () => {
  await tf.setBackend("cpu")
})

/** A tiny XML check: one root, every tag closed in order, attributes quoted, no stray `<` or `&`. */
const wellFormed = (svg: string): boolean => {
  const stack: Array<string> = []
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g
  let last = 0
  let roots = 0
  for (let m = tag.exec(svg); m !== null; m = tag.exec(svg)) {
    const text = svg.slice(last, m.index)
    if (text.includes("<") || /&(?!amp;|lt;|gt;|quot;)/.test(text)) return false
    last = tag.lastIndex
    const [, close, name, , self] = m
    if (close === "/") {
      if (stack.pop() !== name) return false
    } else if (self !== "/") {
      if (stack.length === 0) roots++
      stack.push(name!)
    } else if (stack.length === 0) roots++
  }
  return stack.length === 0 && roots === 1 && !svg.slice(last).trim().includes("<")
}

const pngSize = (png: Uint8Array): { width: number; height: number } => {
  expect(Array.from(png.slice(0, 8))).toStrictEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength)
  return { width: view.getUint32(16), height: view.getUint32(20) }
}

const check = (pic: Picture, name: string) => {
  expect(wellFormed(pic.svg)).toBe(true)
  const { width, height } = pngSize(pic.png)
  expect(width).toBe(pic.width)
  expect(height).toBeGreaterThan(200)
  expect(height).toBeLessThan(4000)
  mkdirSync("/tmp/pictures", { recursive: true })
  writeFileSync(`/tmp/pictures/${name}.png`, pic.png)
}

describe("pictures", () => {
  it("the well-formedness check rejects broken XML", () => {
    expect(wellFormed(`<svg><g></svg>`)).toBe(false)
    expect(wellFormed(`<svg><text>a & b</text></svg>`)).toBe(false)
    expect(wellFormed(`<svg x="1"><rect/></svg>`)).toBe(true)
  })

  it("d = 3: a complete space fills the triangle, {θ₀ = θ₁} collapses to the line p₀ = p₁", () => {
    const complete = simplexImage({ space: Space.pinned(3), noise: Noise.gumbel() })
    const line = simplexImage({ space: Space.affine({ C: [[1, -1, 0]], e: [0] }), noise: Noise.gumbel() })
    const c = coverage(complete.points.map((x) => x.p))
    const l = coverage(line.points.map((x) => x.p))
    expect(c).toBeGreaterThan(0.7)
    expect(l).toBeLessThan(0.1)
    expect(c).toBeGreaterThan(8 * l)
    for (const pt of line.points) expect(Math.abs(pt.p[0]! - pt.p[1]!)).toBeLessThan(1e-6)
    expect(coverage([[1 / 3, 1 / 3, 1 / 3]])).toBeCloseTo(1 / 400, 12)
  })

  it("d = 3: ℝ³ draws overlapping sheets (many-to-one); pictures are SVG + PNG", () => {
    const pic = renderSimplexImage({ space: Space.reals(3), noise: Noise.gumbel() })
    expect(pic.image.sheets).toHaveLength(3)
    expect(pic.svg).toContain("P is many-to-one")
    check(pic, "test-reals-gumbel")
    check(renderPicture(analyze(Space.affine({ C: [[1, -1, 0]], e: [0] }), Noise.normal())), "test-theta12-normal")
  })

  it("d = 2: curves show saturation (Prop 5.4) and the kink interval [1/4, 3/4] (Prop 5.5)", () => {
    const pic = renderProbabilityCurves()
    expect(pic.svg).toContain("[1/4, 3/4]")
    expect(pic.svg).toContain("saturates")
    check(pic, "test-curves")
    const own = renderPicture(analyze(Space.pinned(2), Noise.laplace()))
    expect(own.svg).toContain("(this report)")
    check(own, "test-curves-laplace")
  })

  it("labels coordinates from 0, as the reasons and the paper do", () => {
    const triangle = renderSimplexImage({ space: Space.pinned(3), noise: Noise.gumbel() }, { pngWidth: 8 })
    for (const label of ["e₀ (p₀ = 1)", "e₁ (p₁ = 1)", "e₂ (p₂ = 1)", "Θ = {θ₀ = 0}"]) expect(triangle.svg).toContain(label)
    expect(triangle.svg).not.toContain("e₃")
    const sheets = simplexImage({ space: Space.reals(3), noise: Noise.gumbel() }, { radii: [0, 1], angles: 4 }).sheets
    expect(sheets).toStrictEqual(["u₂ = -2", "u₂ = 0", "u₂ = 2"])
    const line = renderSimplexImage({ space: Space.affine({ C: [[1, -1, 0]], e: [0] }), noise: Noise.gumbel() }, { radii: [0, 1], angles: 4, pngWidth: 8 })
    expect(line.svg).toContain("θ₀−θ₁ = 0")
    const curves = renderProbabilityCurves({ noises: [{ label: "Gumbel", noise: Noise.gumbel() }], pngWidth: 8 })
    for (const label of ["P₁(θ = (0, t)) against t", "pinned space θ₀ = 0", "t = θ₁ − θ₀", "P₁(0, t)"]) expect(curves.svg).toContain(label)
    expect(curves.svg).not.toContain("P₂")
  })

  it("other dimensions and bad ranges are typed errors", () => {
    expect(() => renderPicture({ space: Space.pinned(4), noise: Noise.normal() })).toThrow(InvalidArgument)
    expect(() => renderProbabilityCurves({ range: [1, 0] })).toThrow(InvalidArgument)
  })
})
