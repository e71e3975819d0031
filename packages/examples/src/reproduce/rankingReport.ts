/**
 * Presenting a ranking run: the table (test Spearman and gradient variance per method), the mean
 * test-Spearman curves with a ± one standard deviation band over seeds, and the protocol, as text,
 * JSON and a report section.
 */
import type { Section } from "../report/html.js"
import { lineChart } from "../report/svg.js"
import { type RankingOptions, rankingProtocol, rankingRows, type RankingSeed } from "./ranking.js"
import { meanCurve, meanStd } from "./table1.js"

const num = (x: number) => (x !== 0 && Math.abs(x) < 0.001 ? x.toExponential(2) : x.toFixed(3))
const pm = ([m, s]: readonly [number, number]) => `${num(m)} ± ${num(s)}`
const sci = ([m, s]: readonly [number, number]) => `${m.toExponential(2)} ± ${s.toExponential(1)}`
const NAMES = { mc: "plain Monte Carlo", qmc: "quasi-Monte Carlo" } as const
const COLORS = { mc: "#d62728", qmc: "#1f77b4" } as const

/** Per seed, mc variance / qmc variance at the trained w: above 1 means QMC's gradients are less noisy. */
const varianceRatios = (seeds: ReadonlyArray<RankingSeed>, at: "initial" | "trained") =>
  seeds.map((s) => s.variance.find((v) => v.method === "mc")![at] / s.variance.find((v) => v.method === "qmc")![at])

export const rankingJson = (seeds: ReadonlyArray<RankingSeed>, o: RankingOptions, seconds: number) => ({
  protocol: rankingProtocol(o),
  seconds,
  oracleSpearman: meanStd(seeds.map((s) => s.oracleSpearman)),
  rows: rankingRows(seeds).map((r) => ({
    method: r.method,
    finalSpearman: { mean: r.finalSpearman[0], std: r.finalSpearman[1] },
    initialSpearman: { mean: r.initialSpearman[0], std: r.initialSpearman[1] },
    gradientVariance: {
      initial: { mean: r.varianceInitial[0], std: r.varianceInitial[1] },
      trained: { mean: r.varianceTrained[0], std: r.varianceTrained[1] }
    }
  })),
  varianceRatio: { initial: meanStd(varianceRatios(seeds, "initial")), trained: meanStd(varianceRatios(seeds, "trained")) },
  seeds
})

const tableRows = (seeds: ReadonlyArray<RankingSeed>) =>
  rankingRows(seeds).map((r) => [NAMES[r.method], pm(r.finalSpearman), pm(r.initialSpearman), sci(r.varianceInitial), sci(r.varianceTrained)])

const HEAD = ["method", "test Spearman, trained", "test Spearman, untrained", "gradient variance at w₀", "gradient variance at trained w"]

export const rankingText = (seeds: ReadonlyArray<RankingSeed>, o: RankingOptions): string => [
  `Learning to rank (${o.items} items, ${o.queries} queries): perturbed ranks + Fenchel–Young loss, ${o.samples} samples per query, ` +
  `mean ± std over ${o.seeds} seeds (${o.steps} Adam steps)`,
  `| ${HEAD.join(" | ")} |`,
  `|${HEAD.map(() => "---").join("|")}|`,
  ...tableRows(seeds).map((r) => `| ${r.join(" | ")} |`),
  `true scorer w* (ceiling set by the label noise): ${pm(meanStd(seeds.map((s) => s.oracleSpearman)))}`,
  `gradient variance, MC / QMC: ${pm(meanStd(varianceRatios(seeds, "initial")))} at w₀, ${pm(meanStd(varianceRatios(seeds, "trained")))} at the trained w`
].join("\n")

/**
 * The gap to the true scorer's test Spearman after each step: per seed, so that the band shows the
 * spread of training, not that of the seeds' data sets (which moves both methods alike).
 */
export const rankingSvg = (seeds: ReadonlyArray<RankingSeed>, o: RankingOptions): string =>
  lineChart({
    title: `Learning to rank, ${o.samples} samples per query: gap to the true scorer`,
    xLabel: "Adam step",
    yLabel: "ρ(w*) − ρ(w), test Spearman",
    series: (["mc", "qmc"] as const).map((method) => {
      const curves = seeds.map((s) => s.runs.find((r) => r.method === method)!.curve.map((rho) => s.oracleSpearman - rho))
      const mean = meanCurve(curves)
      const sd = mean.map((_, i) => meanStd(curves.map((c) => c[i]!))[1])
      return {
        name: NAMES[method],
        color: COLORS[method],
        y: mean,
        lower: mean.map((m, i) => m - sd[i]!),
        upper: mean.map((m, i) => m + sd[i]!)
      }
    })
  })

export const rankingSection = (seeds: ReadonlyArray<RankingSeed>, o: RankingOptions, seconds: number): Section => ({
  title: "Learning to rank: perturbed ranks, quasi-Monte Carlo vs Monte Carlo",
  blocks: [
    { kind: "table", head: HEAD, rows: tableRows(seeds) },
    {
      kind: "text",
      text: `Gradient variance: Σ_j Var(∂loss/∂w_j) across ${o.varianceKeys} noise keys at fixed w; MC / QMC ratio ` +
        `${pm(meanStd(varianceRatios(seeds, "initial")))} at the initial w, ${pm(meanStd(varianceRatios(seeds, "trained")))} at the trained w. ` +
        `The true scorer reaches ${pm(meanStd(seeds.map((s) => s.oracleSpearman)))} (the label noise's ceiling). ${o.seeds} seeds; ${seconds.toFixed(1)} s.`
    },
    { kind: "svg", svg: rankingSvg(seeds, o), caption: "The true scorer's test Spearman minus the model's after each Adam step, mean over seeds ± one standard deviation." },
    { kind: "pre", text: JSON.stringify(rankingProtocol(o), null, 2) }
  ]
})
