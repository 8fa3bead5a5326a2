/**
 * Comparing executed notebooks: one comparable line per output, with what legitimately changes
 * between runs (durations, rates, clock readings) masked. Used where fresh runs are compared
 * with committed outputs, and remote runs with local ones.
 */
import { decodePng } from "../src/render/png.js";

export interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
  execution_count?: number;
}

export interface Notebook {
  cells: { cell_type: string; source: string | string[]; outputs?: Output[] }[];
}

export const joined = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join("") : (value ?? ""));

/**
 * Text with what legitimately changes between runs masked: durations, rates and clock readings
 * (trace "Time" columns, progress bars), and the padding that table columns get from them.
 */
export function normalize(text: string): string {
  return text
    .replace(/\u001b\[[0-9;]*m/g, "")
    .replace(/\[\d\d:\d\d<\d\d:\d\d(, [\d.]+ it\/s)?\]/g, "[<elapsed>]")
    .replace(/\b\d+(\.\d+)? ?(ms|µs|us|s|it\/s|min)\b/g, "<time>")
    .replace(/([=─-])\1{2,}/g, "$1$1$1")
    .replace(/[ \t]+/g, " ")
    .replace(/ +$/gm, "");
}

/** One comparable line per output: its kind and normalised text, or an image's size. */
export function describeOutputs(outputs: readonly Output[]): string[] {
  const described: string[] = [];
  let stream: { name: string; text: string } | null = null;
  const flush = () => {
    if (stream) described.push(`stream ${stream.name}: ${normalize(stream.text)}`);
    stream = null;
  };
  for (const o of outputs) {
    if (o.output_type === "stream") {
      // Jupyter clients may split a stream into several outputs; what matters is the text.
      if (stream && stream.name === o.name) stream.text += joined(o.text);
      else {
        flush();
        stream = { name: o.name ?? "stdout", text: joined(o.text) };
      }
      continue;
    }
    flush();
    if (o.output_type === "error") {
      // The whole traceback: frames that point at the wrong cell line, or name runtime internals
      // that have since changed, are stale outputs.
      described.push(`error ${o.ename}: ${normalize(o.evalue ?? "")}\n${normalize((o.traceback ?? []).join("\n"))}`);
      continue;
    }
    const data = o.data ?? {};
    const png = data["image/png"];
    if (png !== undefined) {
      const image = decodePng(Buffer.from(joined(png).replace(/\s+/g, ""), "base64"));
      described.push(`${o.output_type} image/png ${image.width}x${image.height}`);
    }
    described.push(`${o.output_type} text/plain: ${normalize(joined(data["text/plain"]))}`);
  }
  flush();
  return described;
}

export function codeCellOutputs(notebook: Notebook): string[][] {
  return notebook.cells.filter((c) => c.cell_type === "code").map((c) => describeOutputs(c.outputs ?? []));
}
