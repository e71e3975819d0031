/**
 * A small line-chart renderer: plain SVG strings, no browser and no plotting runtime, so reports
 * render offline and in tests. Optional log-scale y axis for training curves.
 */

export interface Series {
  readonly name: string
  readonly color: string
  readonly y: ReadonlyArray<number>
  /** Optional band (e.g. ± one standard deviation across seeds). */
  readonly lower?: ReadonlyArray<number>
  readonly upper?: ReadonlyArray<number>
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

const niceTicks = (lo: number, hi: number, n = 5): Array<number> => {
  const span = hi - lo || 1
  const step0 = span / n
  const mag = 10 ** Math.floor(Math.log10(step0))
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0
  const out: Array<number> = []
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-12 * span; t += step) out.push(Number(t.toPrecision(12)))
  return out
}

export const lineChart = (options: {
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  readonly series: ReadonlyArray<Series>
  readonly logY?: boolean
  readonly width?: number
  readonly height?: number
}): string => {
  const W = options.width ?? 480
  const H = options.height ?? 300
  const m = { left: 64, right: 16, top: 32, bottom: 44 }
  const f = options.logY ? (v: number) => Math.log10(Math.max(v, 1e-300)) : (v: number) => v
  const all = options.series.flatMap((s) => [...s.y, ...(s.lower ?? []), ...(s.upper ?? [])]).filter((v) => Number.isFinite(f(v)))
  let lo = Math.min(...all.map(f))
  let hi = Math.max(...all.map(f))
  if (!(hi > lo)) {
    lo -= 1
    hi += 1
  }
  const n = Math.max(...options.series.map((s) => s.y.length))
  const x = (i: number) => m.left + ((W - m.left - m.right) * i) / Math.max(1, n - 1)
  const y = (v: number) => H - m.bottom - ((H - m.top - m.bottom) * (f(v) - lo)) / (hi - lo)
  const parts: Array<string> = []
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`)
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`)
  parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">${esc(options.title)}</text>`)
  const yTicks = options.logY
    ? Array.from({ length: Math.floor(hi) - Math.ceil(lo) + 1 }, (_, i) => Math.ceil(lo) + i)
    : niceTicks(lo, hi)
  for (const t of yTicks) {
    const py = H - m.bottom - ((H - m.top - m.bottom) * (t - lo)) / (hi - lo)
    parts.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${py}" y2="${py}" stroke="#ddd"/>`)
    parts.push(`<text x="${m.left - 6}" y="${py + 4}" text-anchor="end">${options.logY ? `1e${t}` : t}</text>`)
  }
  for (const t of niceTicks(0, n - 1)) {
    parts.push(`<text x="${x(t)}" y="${H - m.bottom + 16}" text-anchor="middle">${t}</text>`)
  }
  parts.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${H - m.bottom}" y2="${H - m.bottom}" stroke="#333"/>`)
  parts.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${H - m.bottom}" stroke="#333"/>`)
  parts.push(`<text x="${(W + m.left) / 2}" y="${H - 8}" text-anchor="middle">${esc(options.xLabel)}</text>`)
  parts.push(`<text transform="translate(14 ${(H + m.top - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(options.yLabel)}</text>`)
  const path = (ys: ReadonlyArray<number>) => ys.map((v, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join("")
  options.series.forEach((s, k) => {
    if (s.lower !== undefined && s.upper !== undefined) {
      const band = path(s.upper) + [...s.lower].reverse().map((v, j) => `L${x(s.lower!.length - 1 - j).toFixed(1)},${y(v).toFixed(1)}`).join("") + "Z"
      parts.push(`<path d="${band}" fill="${s.color}" fill-opacity="0.15" stroke="none"/>`)
    }
    parts.push(`<path d="${path(s.y)}" fill="none" stroke="${s.color}" stroke-width="1.6"/>`)
    const ly = m.top + 4 + 14 * k
    parts.push(`<line x1="${W - m.right - 110}" x2="${W - m.right - 92}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`)
    parts.push(`<text x="${W - m.right - 88}" y="${ly + 4}">${esc(s.name)}</text>`)
  })
  parts.push("</svg>")
  return parts.join("")
}
