/**
 * The stylesheet of the standalone notebook page: one set of colour variables for light pages
 * and one for dark (`prefers-color-scheme`), used by the cells, the ANSI colour classes of
 * tracebacks and, through JupyterLab's own variable names (`--jp-*`), by the runtime's HTML
 * outputs, which read those variables.
 */
export const PAGE_CSS = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #656d76; --border: #d0d7de; --code-bg: #f6f8fa;
  --input-bg: #f7f7f7; --prompt-in: #303f9f; --prompt-out: #d84315; --link: #0969da;
  --stderr-bg: #fdecea; --error-bg: #fff1f0; --error-border: #e5534b;
  --tok-kw: #8250df; --tok-str: #0a3069; --tok-num: #0550ae; --tok-comment: #6e7781; --tok-fn: #6639ba; --tok-type: #953800;
  --ansi-black: #3e424d; --ansi-red: #c4302b; --ansi-green: #1a7f37; --ansi-yellow: #9a6700; --ansi-blue: #0550ae;
  --ansi-magenta: #8250df; --ansi-cyan: #1b7c83; --ansi-white: #6e7781;
  --ansi-bright-black: #57606a; --ansi-bright-red: #e5534b; --ansi-bright-green: #2da44e; --ansi-bright-yellow: #bf8700;
  --ansi-bright-blue: #218bff; --ansi-bright-magenta: #a475f9; --ansi-bright-cyan: #3192aa; --ansi-bright-white: #8c959f;
  --jp-content-font-color1: var(--fg); --jp-content-font-color2: var(--muted); --jp-layout-color0: var(--bg);
  --jp-layout-color1: var(--bg); --jp-layout-color2: var(--code-bg); --jp-border-color1: var(--border);
  --jp-border-color2: var(--border); --jp-error-color1: var(--ansi-red); --jp-warn-color1: var(--ansi-yellow);
  --jp-code-font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; --jp-code-font-size: 13px;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #8d96a0; --border: #30363d; --code-bg: #161b22;
    --input-bg: #161b22; --prompt-in: #8c9eff; --prompt-out: #ff8a65; --link: #4493f8;
    --stderr-bg: #3d1d1d; --error-bg: #2a1517; --error-border: #f85149;
    --tok-kw: #d2a8ff; --tok-str: #a5d6ff; --tok-num: #79c0ff; --tok-comment: #8b949e; --tok-fn: #d2a8ff; --tok-type: #ffa657;
    --ansi-black: #8b949e; --ansi-red: #ff7b72; --ansi-green: #3fb950; --ansi-yellow: #d29922; --ansi-blue: #58a6ff;
    --ansi-magenta: #bc8cff; --ansi-cyan: #39c5cf; --ansi-white: #b1bac4;
    --ansi-bright-black: #6e7681; --ansi-bright-red: #ffa198; --ansi-bright-green: #56d364; --ansi-bright-yellow: #e3b341;
    --ansi-bright-blue: #79c0ff; --ansi-bright-magenta: #d2a8ff; --ansi-bright-cyan: #56d4dd; --ansi-bright-white: #f0f6fc;
  }
}
* { box-sizing: border-box; }
html { background: var(--bg); color: var(--fg); }
body { margin: 0; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main.notebook { max-width: 1100px; margin: 0 auto; padding: 24px 20px 64px; }
a { color: var(--link); }
.nb-meta { color: var(--muted); font-size: 13px; border-bottom: 1px solid var(--border); padding-bottom: 8px; margin-bottom: 16px; }
.cell { display: block; margin: 10px 0; }
.row { display: flex; align-items: flex-start; gap: 8px; }
.prompt { flex: 0 0 80px; text-align: right; font: 13px/1.45 var(--jp-code-font-family); padding-top: 6px; white-space: nowrap; user-select: none; }
.prompt.in { color: var(--prompt-in); }
.prompt.out { color: var(--prompt-out); }
.body { flex: 1 1 auto; min-width: 0; overflow-x: auto; }
pre, code { font-family: var(--jp-code-font-family); font-size: 13px; }
pre { margin: 0; padding: 6px 8px; line-height: 1.45; white-space: pre-wrap; word-break: break-word; }
.input pre.source { background: var(--input-bg); border: 1px solid var(--border); border-radius: 4px; }
.output pre { padding: 4px 8px; }
.output.stderr pre { background: var(--stderr-bg); }
.output.error pre { background: var(--error-bg); border-left: 3px solid var(--error-border); }
.output img { max-width: 100%; height: auto; display: block; margin: 4px 8px; }
.output img.pixelated { image-rendering: pixelated; }
.output .html-output, .output .markdown-output { padding: 4px 8px; }
.markdown-cell .body { padding: 0 8px; }
.markdown-cell h1, .markdown-cell h2, .markdown-cell h3 { line-height: 1.25; margin: 0.9em 0 0.4em; }
.markdown-cell h1 { font-size: 1.9em; border-bottom: 1px solid var(--border); padding-bottom: 0.2em; }
.markdown-cell h2 { font-size: 1.45em; }
.markdown-cell h3 { font-size: 1.2em; }
.markdown-cell code, .markdown-output code { background: var(--code-bg); border-radius: 3px; padding: 0.1em 0.3em; }
.markdown-cell pre, .markdown-output pre { background: var(--code-bg); border-radius: 4px; }
.markdown-cell pre code { padding: 0; background: none; }
.markdown-cell blockquote { margin: 0.5em 0; padding: 0 1em; color: var(--muted); border-left: 3px solid var(--border); }
.markdown-cell table, .output table { border-collapse: collapse; margin: 0.5em 0; }
.markdown-cell th, .markdown-cell td { border: 1px solid var(--border); padding: 4px 10px; }
.markdown-cell img { max-width: 100%; }
.math { font-family: "STIX Two Math", "Cambria Math", serif; font-style: italic; }
div.math { text-align: center; margin: 0.5em 0; }
.tok-kw { color: var(--tok-kw); } .tok-str { color: var(--tok-str); } .tok-num { color: var(--tok-num); }
.tok-comment { color: var(--tok-comment); font-style: italic; } .tok-fn { color: var(--tok-fn); } .tok-type { color: var(--tok-type); }
.ansi-bold { font-weight: 700; } .ansi-dim { opacity: 0.7; } .ansi-italic { font-style: italic; }
.ansi-underline { text-decoration: underline; } .ansi-strike { text-decoration: line-through; }
.ansi-default-fg { color: var(--fg); } .ansi-default-bg { background-color: var(--fg); }
.ansi-default-inverse-fg { color: var(--bg); } .ansi-default-inverse-bg { background-color: var(--bg); }
${["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]
  .flatMap((c) => [c, `bright-${c}`])
  .map((c) => `.ansi-${c}-fg { color: var(--ansi-${c}); } .ansi-${c}-bg { background-color: var(--ansi-${c}); }`)
  .join("\n")}
@media print { .prompt { flex-basis: 60px; } }
`.trim();
