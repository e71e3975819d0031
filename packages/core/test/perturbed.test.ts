/**
 * perturbed(solver, …).estimate64: values and Jacobians of every solver against exact references
 * (closed forms: softmax for Gumbel argmax, Plackett–Luce enumeration for Gumbel top-k, pairwise
 * Φ for Normal ranks, the logistic difference for Gumbel paths and pairs, E[max] of two normals for
 * sort, one-dimensional cdfs for the unit square's LP), within 4 standard errors, for `mc`,
 * antithetic `mc` and `qmc`; plus `exact` for argmax, keys, and refusals.
 */
import { Key, type Law, Noise } from "@perturb/noise"
import { beforeAll, describe, expect, it } from "vitest"
import { fenchelYoungLoss, InvalidArgument, Lp, perturbed, type PerturbedOptions, Solver } from "../src/index.js"
import { caught } from "./helpers.js"

interface Reference {
  readonly mean: ArrayLike<number>
  readonly jacobian: ArrayLike<number>
}

const variants: ReadonlyArray<PerturbedOptions> = [
  { method: "mc" },
  { method: "mc", antithetic: true },
  { method: "qmc" },
  { method: "mc", controlVariate: false }
]

/** Every entry within 4 standard errors (+ float rounding), and the errors themselves small. */
const within = (est: ArrayLike<number>, se: ArrayLike<number>, ref: ArrayLike<number>, seMax: number, what: string): void => {
  expect(est.length).toBe(ref.length)
  for (let i = 0; i < ref.length; i++) {
    const tol = 4 * se[i]! + 1e-9
    if (!(Math.abs(est[i]! - ref[i]!) <= tol)) throw new Error(`${what}[${i}]: ${est[i]} vs exact ${ref[i]} (4 SE = ${4 * se[i]!})`)
    expect(se[i]!).toBeLessThan(seMax)
  }
}

const check = (solver: Solver.Solver, noise: Law, sigma: number, theta: Float64Array, ref: Reference, samples = 4096, seMax = 0.05): void => {
  for (const [v, options] of variants.entries()) {
    const op = perturbed(solver, { noise, sigma, samples, key: Key.make(11 + v), ...options })
    const e = op.estimate64(theta, { jacobian: true })
    const label = `${solver.kind} ${JSON.stringify(options)}`
    within(e.mean, e.stdError, ref.mean, seMax, `${label} mean`)
    within(e.jacobian!, e.jacobianStdError!, ref.jacobian, seMax * 4, `${label} jacobian`)
  }
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x))
const normal = Noise.normal()
const phi = (x: number): number => Math.exp(normal.logpdf(x))

/** Central differences of an exact smooth map: errors ~h² ≈ 1e-10, far below any standard error here. */
const jacobianFD = (f: (t: Float64Array) => Float64Array, theta: Float64Array, h = 1e-5): Float64Array => {
  const d = theta.length
  const out = f(theta).length
  const J = new Float64Array(out * d)
  for (let j = 0; j < d; j++) {
    const up = Float64Array.from(theta)
    const down = Float64Array.from(theta)
    up[j] = up[j]! + h
    down[j] = down[j]! - h
    const a = f(up)
    const b = f(down)
    for (let i = 0; i < out; i++) J[i * d + j] = (a[i]! - b[i]!) / (2 * h)
  }
  return J
}

/** Gumbel top-k marginals: the order of θ + σγ is Plackett–Luce with weights e^{θ/σ}; enumerate orders. */
const plackettLuceTopK = (k: number, sigma: number) => (theta: Float64Array): Float64Array => {
  const d = theta.length
  const w = Array.from(theta, (t) => Math.exp(t / sigma))
  const mean = new Float64Array(d)
  const walk = (chosen: Array<number>, prob: number, rest: number): void => {
    if (chosen.length === k) {
      for (const i of chosen) mean[i] = mean[i]! + prob
      return
    }
    for (let i = 0; i < d; i++) {
      if (chosen.includes(i)) continue
      walk([...chosen, i], (prob * w[i]!) / rest, rest - w[i]!)
    }
  }
  walk([], 1, w.reduce((a, b) => a + b, 0))
  return mean
}

describe("perturbed estimate64 against exact references", () => {
  beforeAll(async () => {
    await Lp.ready()
  })

  it("argmax, Gumbel: softmax(θ/σ) and (diag p − ppᵀ)/σ; method exact matches them", () => {
    const sigma = 0.7
    const theta = Float64Array.of(0.3, -0.5, 1.1, 0.2)
    const z = Array.from(theta, (t) => Math.exp(t / sigma))
    const total = z.reduce((a, b) => a + b, 0)
    const p = z.map((v) => v / total)
    const J = Array.from({ length: 16 }, (_, k) => ((k % 5 === 0 ? p[k / 5]! : 0) - p[Math.floor(k / 4)]! * p[k % 4]!) / sigma)
    check(Solver.argmax(4), Noise.gumbel(), sigma, theta, { mean: p, jacobian: J })
    const exact = perturbed(Solver.argmax(4), { noise: Noise.gumbel(), sigma, method: "exact" }).estimate64(theta, { jacobian: true })
    exact.mean.forEach((v, i) => expect(v).toBeCloseTo(p[i]!, 14))
    exact.jacobian!.forEach((v, i) => expect(v).toBeCloseTo(J[i]!, 13))
    expect(exact.method).toBe("exact")
  })

  it("ranks, Normal: E[rank_i] = 1 + Σ_j Φ((θ_i − θ_j)/(σ√2)) and its derivatives", () => {
    const sigma = 0.8
    const theta = Float64Array.of(0.4, -0.2, 0.9, 0.1)
    const s = sigma * Math.SQRT2
    const mean = Array.from(theta, (ti, i) => 1 + theta.reduce((acc, tj, j) => acc + (j === i ? 0 : normal.cdf((ti - tj) / s)), 0))
    const J = new Float64Array(16)
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        if (i === j) continue
        const g = phi((theta[i]! - theta[j]!) / s) / s
        J[i * 4 + j] = -g
        J[i * 4 + i] = J[i * 4 + i]! + g
      }
    }
    check(Solver.ranks(4), normal, sigma, theta, { mean, jacobian: J }, 4096, 0.1)
  })

  it("topK, Gumbel: Plackett–Luce marginals and their Jacobian", () => {
    const sigma = 0.6
    const theta = Float64Array.of(0.2, 0.5, -0.3, 0.4, 0.0)
    const f = plackettLuceTopK(2, sigma)
    check(Solver.topK(5, 2), Noise.gumbel(), sigma, theta, { mean: f(theta), jacobian: jacobianFD(f, theta) })
  })

  it("shortestPath 2 × 2, Gumbel: the two paths split by a logistic difference", () => {
    const sigma = 0.5
    const theta = Float64Array.of(0.3, 0.2, -0.1, 0.7)
    const p = sigmoid((theta[1]! - theta[2]!) / sigma)
    const g = (p * (1 - p)) / sigma
    const jacobian = [0, 0, 0, 0, 0, g, -g, 0, 0, -g, g, 0, 0, 0, 0, 0]
    check(Solver.shortestPath(2, 2), Noise.gumbel(), sigma, theta, { mean: [1, p, 1 - p, 1], jacobian })
  })

  it("a custom solver, Gumbel: Pr[θ₀ + σγ₀ > θ₁ + σγ₁] is a sigmoid", () => {
    const sigma = 1.3
    const theta = Float64Array.of(0.4, -0.3)
    const beats = Solver.custom({ d: 2, outDim: 1, solve: (t) => [t[0]! > t[1]! ? 1 : 0] })
    const p = sigmoid((theta[0]! - theta[1]!) / sigma)
    const g = (p * (1 - p)) / sigma
    check(beats, Noise.gumbel(), sigma, theta, { mean: [p], jacobian: [g, -g] })
  })

  it("sort of two, Normal: E[max] and E[min] of two normals", () => {
    const sigma = 0.9
    const theta = Float64Array.of(0.5, 0.1)
    const s = sigma * Math.SQRT2
    const delta = theta[0]! - theta[1]!
    const up = normal.cdf(delta / s)
    const max = theta[0]! * up + theta[1]! * (1 - up) + s * phi(delta / s)
    const jacobian = [up, 1 - up, 1 - up, up]
    check(Solver.sort(2), normal, sigma, theta, { mean: [max, theta[0]! + theta[1]! - max], jacobian })
  })

  it("lp, the unit square under Laplace noise (a kink in its log-density): y_i = 1{θ_i + σγ_i > 0}", () => {
    const sigma = 0.6
    const theta = Float64Array.of(0.3, -0.4)
    const laplace = Noise.laplace()
    const square = Solver.lp({ A: [[1, 0], [-1, 0], [0, 1], [0, -1]], b: [1, 0, 1, 0] })
    const mean = Array.from(theta, (t) => 1 - laplace.cdf(-t / sigma))
    const dens = Array.from(theta, (t) => Math.exp(laplace.logpdf(-t / sigma)) / sigma)
    check(square, laplace, sigma, theta, { mean, jacobian: [dens[0]!, 0, 0, dens[1]!] }, 1024, 0.1)
  })

  it("shortestPath 3 × 3 under two-point noise: the mean against enumeration of all 2⁹ outcomes", () => {
    const sigma = 0.4
    const theta = Float64Array.of(0.1, 0.5, -0.2, 0.3, 0.0, 0.6, -0.1, 0.2, 0.4)
    const grid = Solver.shortestPath(3, 3)
    const mean = new Float64Array(9)
    for (let m = 0; m < 512; m++) {
      const y = grid.apply(theta.map((t, j) => t + sigma * (((m >> j) & 1) === 1 ? 1 : -1)))
      y.forEach((v, j) => (mean[j] = mean[j]! + v / 512))
    }
    for (const method of ["mc", "qmc"] as const) {
      const e = perturbed(grid, { noise: Noise.discrete({ atoms: [-1, 1] }), sigma, method, samples: 4096, key: Key.make(3) }).estimate64(theta)
      within(e.mean, e.stdError, mean, 0.02, `path ${method}`)
    }
  })

  it("the potential M_σ(θ) = σ·(logsumexp(θ/σ) + γ_Euler) for Gumbel argmax, through the Fenchel–Young loss", () => {
    const sigma = 0.6
    const theta = Float64Array.of(0.3, -0.5, 1.1, 0.2)
    const y = Float64Array.of(0, 0, 1, 0)
    const lse = Math.log(theta.reduce((a, t) => a + Math.exp(t / sigma), 0))
    const loss = sigma * (lse + 0.5772156649015329) - theta[2]!
    for (const method of ["mc", "qmc"] as const) {
      const r = fenchelYoungLoss(Solver.argmax(4), { noise: Noise.gumbel(), sigma, method, samples: 4096, key: Key.make(8) }).estimate64(theta, y)
      within([r.loss], [r.stdError], [loss], 0.05, `loss ${method}`)
    }
    const exact = fenchelYoungLoss(Solver.argmax(4), { noise: Noise.gumbel(), sigma, method: "exact" }).estimate64(theta, y)
    expect(exact.loss).toBeCloseTo(loss, 13)
    expect(exact.stdError).toBe(0)
  })

  it("extreme σ: tiny gives y*(θ) with a zero Jacobian (finite), huge gives near-uniform argmax", () => {
    const theta = Float64Array.of(0.3, -0.5, 1.1)
    for (const method of ["mc", "qmc"] as const) {
      const tiny = perturbed(Solver.ranks(3), { sigma: 1e-300, method, samples: 64 }).estimate64(theta, { jacobian: true })
      expect(Array.from(tiny.mean)).toEqual([2, 1, 3])
      expect(Array.from(tiny.jacobian!).every((v) => v === 0)).toBe(true)
      const huge = perturbed(Solver.argmax(3), { noise: Noise.gumbel(), sigma: 1e200, method, samples: 4096 }).estimate64(theta, { jacobian: true })
      within(huge.mean, huge.stdError, [1 / 3, 1 / 3, 1 / 3], 0.02, `σ = 1e200 ${method}`)
      // (diag p − ppᵀ)/σ at p = 1/3: about 2.2e-201 on the diagonal; its standard error must not underflow
      const J = Array.from({ length: 9 }, (_, k) => ((k % 4 === 0 ? 1 / 3 : 0) - 1 / 9) / 1e200)
      within(huge.jacobian!, huge.jacobianStdError!, J, 1e-200, `σ = 1e200 ${method} jacobian`)
      expect(huge.jacobianStdError!.every((v) => v > 0)).toBe(true)
    }
  })

  it("the same key gives the same numbers; another key other numbers", () => {
    const theta = Float64Array.of(0.1, 0.5, 0.3)
    for (const method of ["mc", "qmc"] as const) {
      const a = perturbed(Solver.ranks(3), { method, key: Key.make(5) }).estimate64(theta, { jacobian: true })
      const b = perturbed(Solver.ranks(3), { method, key: Key.make(5) }).estimate64(theta, { jacobian: true })
      const c = perturbed(Solver.ranks(3), { method, key: Key.make(6) }).estimate64(theta, { jacobian: true })
      expect(b.mean).toEqual(a.mean)
      expect(b.jacobian).toEqual(a.jacobian)
      expect(c.mean).not.toEqual(a.mean)
    }
  })

  it("atomic noise: the mean is estimated, the Jacobian refused with a typed error naming noise", () => {
    const coin = Noise.discrete({ atoms: [0, 1] })
    const op = perturbed(Solver.argmax(3), { noise: coin, method: "mc", samples: 512 })
    const e = op.estimate64(Float64Array.of(0, 0.5, 0.2))
    expect(e.mean.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12)
    const err = caught(() => op.estimate64(Float64Array.of(0, 0.5, 0.2), { jacobian: true }))
    expect(err).toBeInstanceOf(InvalidArgument)
    expect(err.argument).toBe("noise")
  })

  it("refuses bad options and θ, naming them", () => {
    const argumentOf = (f: () => unknown): unknown => caught(f).argument
    expect(argumentOf(() => perturbed(Solver.ranks(3), { sigma: 0 }))).toBe("sigma")
    expect(argumentOf(() => perturbed(Solver.ranks(3), { sigma: Number.NaN }))).toBe("sigma")
    expect(argumentOf(() => perturbed(Solver.ranks(3), { samples: 1 }))).toBe("samples")
    expect(argumentOf(() => perturbed(Solver.ranks(3), { samples: 2.5 }))).toBe("samples")
    expect(argumentOf(() => perturbed(Solver.shortestPath(2, 2), { method: "exact" }))).toBe("method")
    expect(argumentOf(() => perturbed(Solver.ranks(3), { method: "magic" as "mc" }))).toBe("method")
    expect(argumentOf(() => perturbed(Solver.ranks(3), { method: "qmc", antithetic: true }))).toBe("antithetic")
    // one antithetic pair is one block: no spread, so no standard error to report
    expect(argumentOf(() => perturbed(Solver.ranks(3), { method: "mc", antithetic: true, samples: 2 }))).toBe("samples")
    expect(argumentOf(() => perturbed(Solver.ranks(3), { key: 3 as unknown as Key.Key }))).toBe("key")
    expect(argumentOf(() => perturbed(Solver.ranks(3), { noise: "normal" as unknown as Law }))).toBe("noise")
    expect(argumentOf(() => perturbed(Solver.ranks(3), { noise: Noise.iid(normal, 4) }))).toBe("noise")
    expect(argumentOf(() => perturbed(Solver.ranks(3), { noise: Noise.gaussian({ covariance: [[1, 0.5, 0], [0.5, 1, 0], [0, 0, 1]] }) }))).toBe("noise")
    expect(argumentOf(() => perturbed({} as Solver.Solver))).toBe("solver")
    expect(argumentOf(() => perturbed(Solver.ranks(3), { samples: 2 ** 25 }))).toBe("samples")
    const op = perturbed(Solver.ranks(3))
    expect(argumentOf(() => op.estimate64(Float64Array.of(1, 2)))).toBe("theta")
    expect(argumentOf(() => op.estimate64(Float64Array.of(1, Number.POSITIVE_INFINITY, 2)))).toBe("theta[1]")
  })
})
