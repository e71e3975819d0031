/**
 * A progress line with an ETA on stderr (so `--json` stdout stays one document). On a terminal it
 * redraws one line; elsewhere (CI logs) it prints at every 10 %.
 */
const fmt = (s: number): string => (s >= 90 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s` : `${s.toFixed(0)}s`)

export const progressBar = (label: string, enabled = true): ((done: number, total: number) => void) => {
  const start = performance.now()
  const tty = process.stderr.isTTY === true
  let lastDecile = -1
  let lastDraw = 0
  return (done, total) => {
    if (!enabled) return
    const now = performance.now()
    const frac = total === 0 ? 1 : done / total
    const elapsed = (now - start) / 1000
    const eta = frac > 0 ? (elapsed * (1 - frac)) / frac : NaN
    const line = `${label} ${(100 * frac).toFixed(0).padStart(3)}% ${done}/${total}  elapsed ${fmt(elapsed)}  ETA ${Number.isFinite(eta) ? fmt(eta) : "?"}`
    if (tty) {
      if (now - lastDraw > 100 || done === total) {
        const width = 24
        const filled = Math.round(width * frac)
        process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${line}`)
        lastDraw = now
        if (done === total) process.stderr.write("\n")
      }
    } else {
      const decile = Math.floor(frac * 10)
      if (decile !== lastDecile) {
        lastDecile = decile
        process.stderr.write(`${line}\n`)
      }
    }
  }
}
