/**
 * The score d/dx log pdf: the derivative of each law's own logpdf (central differences), and
 * absent exactly where the score-function identity E[f(X) s(X)] = −E[f′(X)] fails.
 */
import { describe, expect, it } from "vitest"
import { Noise } from "../src/index.js"

const smooth = [
  Noise.gumbel(),
  Noise.gumbel({ loc: 0.3, scale: 2 }),
  Noise.normal({ mean: -1, sd: 0.5 }),
  Noise.logistic({ loc: 1, scale: 0.7 }),
  Noise.laplace({ loc: 0.2, scale: 1.5 }),
  Noise.cauchy({ loc: 0, scale: 3 }),
  Noise.studentT({ df: 4, loc: 1, scale: 2 })
]

describe("dlogpdf", () => {
  it.each(smooth.map((l) => [String(l), l] as const))("%s is the derivative of logpdf", (_, law) => {
    const s = law.dlogpdf!
    for (const p of [0.01, 0.1, 0.3, 0.55, 0.8, 0.97, 0.999]) {
      const x = law.quantile(p)
      const h = 1e-5 * Math.max(1, Math.abs(x))
      const fd = (law.logpdf(x + h) - law.logpdf(x - h)) / (2 * h)
      expect(Math.abs(s(x) - fd)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)))
    }
  })

  it("is undefined for laws with density jumps, atoms or user numerics", () => {
    expect(Noise.uniform().dlogpdf).toBeUndefined()
    expect(Noise.exponential().dlogpdf).toBeUndefined()
    expect(Noise.discrete({ atoms: [0, 1] }).dlogpdf).toBeUndefined()
  })
})
