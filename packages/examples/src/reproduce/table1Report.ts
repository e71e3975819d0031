/**
 * Presenting a Table 1 run: the table beside the paper's values, mean training curves, and the
 * protocol, as text, JSON and report sections.
 */
import { lineChart } from "../report/svg.js"
import type { Section } from "../report/html.js"
import { type Fit, meanCurve, protocol, type Table1Options, table1Rows } from "./table1.js"

// Three significant digits: the Discrete fits reach KL ~ 1e-5, which toFixed(3) would print as 0.
const num = (x: number) => (x !== 0 && Math.abs(x) < 0.001 ? x.toExponential(2) : x.toFixed(3))
export const pm = ([m, s]: readonly [number, number]) => `${num(m)} ± ${num(s)}`

export const table1Json = (fits: ReadonlyArray<Fit>, o: Table1Options, seconds: number) => ({
  protocol: protocol(o),
  seconds,
  rows: table1Rows(fits).map((r) => ({
    target: r.target,
    normal: { mean: r.normal[0], std: r.normal[1] },
    gumbel: { mean: r.gumbel[0], std: r.gumbel[1] },
    paper: { normal: { mean: r.paperNormal[0], std: r.paperNormal[1] }, gumbel: { mean: r.paperGumbel[0], std: r.paperGumbel[1] } }
  })),
  curves: fits.map((f) => ({ target: f.target, noise: f.noise, mean: meanCurve(f.curves) }))
})

export const table1Text = (fits: ReadonlyArray<Fit>, o: Table1Options): string => {
  const head = "| target | Normal-Softmax (ours) | Gumbel-Softmax (ours) | Normal (paper) | Gumbel (paper) |"
  const rows = table1Rows(fits).map((r) => `| ${r.target} | ${pm(r.normal)} | ${pm(r.gumbel)} | ${pm(r.paperNormal)} | ${pm(r.paperGumbel)} |`)
  return [`Table 1: final KL(p̂ ‖ target), mean ± std over ${o.seeds} seeds (τ = ${o.temperature}, ${o.steps} Adam steps)`, head, "|---|---|---|---|---|", ...rows].join("\n")
}

export const curveSvgs = (fits: ReadonlyArray<Fit>): Array<{ target: string; svg: string }> =>
  [...new Set(fits.map((f) => f.target))].map((target) => ({
    target,
    svg: lineChart({
      title: `${target}: mean training KL`,
      xLabel: "Adam step",
      yLabel: "KL(p̂ ‖ target)",
      logY: true,
      series: fits
        .filter((f) => f.target === target)
        .map((f) => ({ name: `${f.noise}-Softmax`, color: f.noise === "Normal" ? "#1f77b4" : "#d62728", y: meanCurve(f.curves) }))
    })
  }))

export const table1Section = (fits: ReadonlyArray<Fit>, o: Table1Options, seconds: number): Section => ({
  title: "Table 1: approximating discrete distributions",
  blocks: [
    {
      kind: "table",
      head: ["target", "Normal-Softmax (ours)", "Gumbel-Softmax (ours)", "Normal (paper)", "Gumbel (paper)"],
      rows: table1Rows(fits).map((r) => [r.target, pm(r.normal), pm(r.gumbel), pm(r.paperNormal), pm(r.paperGumbel)])
    },
    {
      kind: "text",
      text: `Final KL re-estimated with ${o.finalSamples} fresh samples; ${o.seeds} seeds; ${seconds.toFixed(1)} s. ` +
        "The paper's exact settings are not all known (its Table 1 values come from its own runs), so compare the ordering and the ratios rather than the digits."
    },
    ...curveSvgs(fits).map((c) => ({ kind: "svg" as const, svg: c.svg, caption: `${c.target}: mean KL over seeds at each step (log scale).` })),
    { kind: "pre", text: JSON.stringify(protocol(o), null, 2) }
  ]
})
