/** Presenting a VAE run: per-epoch table, curves and protocol. */
import type { Section } from "../report/html.js"
import { lineChart } from "../report/svg.js"
import type { Digits } from "./mnist.js"
import { meanOver, type VaeCurve, type VaeOptions, vaeProtocol } from "./vae.js"

export const vaeJson = (runs: ReadonlyArray<ReadonlyArray<VaeCurve>>, o: VaeOptions, digits: Digits, seconds: number) => ({
  protocol: vaeProtocol(o, digits),
  seconds,
  noises: runs.map((curves) => ({
    noise: curves[0]!.noise,
    trainNegElbo: meanOver(curves, "trainElbo"),
    testNegElboRelaxed: meanOver(curves, "testRelaxed"),
    testNegElboHard: meanOver(curves, "testHard")
  }))
})

export const vaeText = (runs: ReadonlyArray<ReadonlyArray<VaeCurve>>, o: VaeOptions): string => {
  const lines = [`Categorical VAE, −ELBO per epoch (mean over ${o.seeds} seed(s)): train (relaxed) / test relaxed / test hard`]
  for (const curves of runs) {
    const tr = meanOver(curves, "trainElbo")
    const te = meanOver(curves, "testRelaxed")
    const th = meanOver(curves, "testHard")
    lines.push(`${curves[0]!.noise}-Softmax:`)
    tr.forEach((_, e) => lines.push(`  epoch ${String(e + 1).padStart(2)}: ${tr[e]!.toFixed(2)} / ${te[e]!.toFixed(2)} / ${th[e]!.toFixed(2)}`))
  }
  return lines.join("\n")
}

export const vaeSection = (runs: ReadonlyArray<ReadonlyArray<VaeCurve>>, o: VaeOptions, digits: Digits, seconds: number): Section => {
  const color = (noise: string) => (noise === "Normal" ? "#1f77b4" : "#d62728")
  const chart = (field: "trainElbo" | "testRelaxed" | "testHard", title: string) =>
    lineChart({
      title,
      xLabel: "epoch",
      yLabel: "−ELBO (nats)",
      series: runs.map((curves) => ({ name: `${curves[0]!.noise}-Softmax`, color: color(curves[0]!.noise), y: meanOver(curves, field) }))
    })
  const last = (curves: ReadonlyArray<VaeCurve>, f: "trainElbo" | "testRelaxed" | "testHard") => meanOver(curves, f).at(-1)!.toFixed(2)
  return {
    title: "Categorical VAE on MNIST",
    blocks: [
      {
        kind: "table",
        head: ["relaxation", "final train −ELBO", "final test −ELBO (relaxed)", "final test −ELBO (hard)"],
        rows: runs.map((c) => [`${c[0]!.noise}-Softmax`, last(c, "trainElbo"), last(c, "testRelaxed"), last(c, "testHard")])
      },
      { kind: "text", text: `${o.epochs} epoch(s), ${o.seeds} seed(s), ${seconds.toFixed(1)} s.` },
      { kind: "svg", svg: chart("trainElbo", "train −ELBO (relaxed samples)"), caption: "Mean over seeds." },
      { kind: "svg", svg: chart("testRelaxed", "test −ELBO (relaxed samples)"), caption: "Mean over seeds." },
      { kind: "svg", svg: chart("testHard", "test −ELBO (hard one-hot samples)"), caption: "Mean over seeds." },
      { kind: "pre", text: JSON.stringify(vaeProtocol(o, digits), null, 2) }
    ]
  }
}
