/**
 * The offline report: one self-contained HTML file (tables, inline SVG pictures, protocols), so it
 * opens from disk with no server and no network.
 */

export type Block =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "table"; readonly head: ReadonlyArray<string>; readonly rows: ReadonlyArray<ReadonlyArray<string>> }
  | { readonly kind: "svg"; readonly svg: string; readonly caption: string }
  | { readonly kind: "image"; readonly src: string; readonly caption: string }
  | { readonly kind: "pre"; readonly text: string }

export interface Section {
  readonly title: string
  readonly blocks: ReadonlyArray<Block>
}

export const escapeHtml = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const DOC = /\bdocs\/(math|architecture|experiments)\.md\b/g

/**
 * Escaped text whose citations of the repository's docs (`docs/math.md` …, in verdict reasons and
 * protocols) become links, `docs` being the docs folder relative to where the report is written,
 * so that they open from the file on disk.
 */
const linked = (s: string, docs: string | undefined): string =>
  docs === undefined ? escapeHtml(s) : escapeHtml(s).replace(DOC, (m, name: string) => `<a href="${escapeHtml(`${docs}/${name}.md`)}">${m}</a>`)

const block = (b: Block, docs: string | undefined): string => {
  const t = (s: string) => linked(s, docs)
  switch (b.kind) {
    case "text":
      return `<p>${t(b.text)}</p>`
    case "pre":
      return `<pre>${t(b.text)}</pre>`
    case "table":
      return `<table><thead><tr>${b.head.map((h) => `<th>${t(h)}</th>`).join("")}</tr></thead><tbody>${b.rows
        .map((r) => `<tr>${r.map((c) => `<td>${t(c)}</td>`).join("")}</tr>`)
        .join("")}</tbody></table>`
    case "svg":
      return `<figure>${b.svg}<figcaption>${t(b.caption)}</figcaption></figure>`
    case "image":
      return `<figure><img src="${escapeHtml(b.src)}" alt="${escapeHtml(b.caption)}"><figcaption>${t(b.caption)}</figcaption></figure>`
  }
}

/** The report page; with `docs` (the docs folder relative to the report, `/`-separated) its citations of docs/*.md are links. */
export const renderHtml = (title: string, sections: ReadonlyArray<Section>, docs?: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; font-variant-numeric: tabular-nums; }
th { background: #f3f3f3; }
figure { display: inline-block; margin: 0.5em 1em 0.5em 0; vertical-align: top; }
figcaption { font-size: 0.85em; color: #555; max-width: 480px; }
pre { background: #f7f7f7; padding: 0.8em; white-space: pre-wrap; font-size: 0.8em; }
figure img { width: 440px; height: auto; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${sections.map((s) => `<section><h2>${escapeHtml(s.title)}</h2>\n${s.blocks.map((b) => block(b, docs)).join("\n")}</section>`).join("\n")}
</body>
</html>
`
