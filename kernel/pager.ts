/**
 * The pager: documentation shown beside the notebook rather than in the cell's output, sent
 * as an execute_reply payload `{ source: "page", data, start }` (as IPython's `?` does).
 *
 * Two ways in:
 * - `name?` / `?name` (or `??` for more detail) as a whole cell: the TypeScript
 *   signature and doc comment of `name`, from the evaluator's inspection;
 * - `help(value)` in code: what the running value is (its kind, signature, members);
 *   `help()` alone pages the kernel's own functions.
 *
 * @example
 * torch.zeros?        // pages the declaration and JSDoc of torch.zeros
 * help(model)         // pages "Net (class instance)" with its fields and methods
 */
import type { JSONObject } from "./messages.js";

export interface HelpQuery {
  /** The expression to look up, e.g. `torch.zeros`. */
  target: string;
  /** 0 for `?`, 1 for `??`. */
  detailLevel: 0 | 1;
}

const NAME_PATH = String.raw`[A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*`;
const PREFIX = new RegExp(String.raw`^\s*(\?{1,2})\s*(${NAME_PATH})\s*$`);
const SUFFIX = new RegExp(String.raw`^\s*(${NAME_PATH})\s*(\?{1,2})\s*$`);

/** Recognises a cell that is only `name?`, `name??`, `?name` or `??name`. */
export function parseHelpQuery(code: string): HelpQuery | undefined {
  const prefix = PREFIX.exec(code);
  if (prefix) return { target: prefix[2]!.replace(/\s+/g, ""), detailLevel: prefix[1]!.length === 2 ? 1 : 0 };
  const suffix = SUFFIX.exec(code);
  if (suffix) return { target: suffix[1]!.replace(/\s+/g, ""), detailLevel: suffix[2]!.length === 2 ? 1 : 0 };
  return undefined;
}

export function pagePayload(data: Record<string, string>): JSONObject {
  return { source: "page", data, start: 0 };
}

export const KERNEL_HELP = `tsorch kernel functions (preloaded in every cell)

  display(value, { display_id?, metadata? })   show a value as rich output; returns a handle
                                               with update() when display_id is given
  display.html(text) / .markdown / .svg / .png(bytes, { width, height }) / .json / .latex
  updateDisplay(display_id, value)             replace an output shown with that display_id
  clearOutput(wait = false)                    clear this cell's output (wait: at next output)
  input(prompt, { password? }) / prompt(text)  read a line typed in the frontend
  help(value)                                  page what a value is; name? pages its docs
  comms.registerTarget(name, (comm, msg) => { comm.onMsg(...); comm.send(...) })
  comms.open(target, data)                     open a comm from the kernel side
  exit() / quit()                              ask the frontend to close (jupyter console)

Objects show themselves in notebooks through [Symbol.for("Jupyter.display")]() returning a
MIME bundle such as { "text/plain": "...", "image/png": base64 }. A cell's last expression is
shown as its result (a trailing semicolon does not hide it; \`void expr\` does). Interrupt stops loops, pending
awaits and timers, and keeps every variable.

Runtime: torch, nn, F, optim, Tensor, summary, trace, compareTraces, featureMaps, print, datasets.`;

function signatureOf(fn: Function): string {
  const source = Function.prototype.toString.call(fn);
  if (/^class[\s{]/.test(source)) {
    const ctor = /constructor\s*\(([^)]*)\)/.exec(source);
    return `class ${fn.name || "(anonymous)"}${ctor ? `(${ctor[1]!.replace(/\s+/g, " ").trim()})` : ""}`;
  }
  if (source.includes("[native code]")) return `${fn.name || "(anonymous)"}(${Array.from({ length: fn.length }, (_, i) => `arg${i}`).join(", ")}) [native]`;
  const head = /^[^(]*\(([^)]*)\)/.exec(source);
  return `${fn.name || "(anonymous)"}(${head ? head[1]!.replace(/\s+/g, " ").trim() : "…"})`;
}

function methodNames(proto: object | null): string[] {
  const names = new Set<string>();
  for (let p = proto; p && p !== Object.prototype && p !== Function.prototype; p = Object.getPrototypeOf(p)) {
    for (const key of Object.getOwnPropertyNames(p)) {
      if (key === "constructor" || key.startsWith("_")) continue;
      const d = Object.getOwnPropertyDescriptor(p, key);
      if (d && typeof d.value === "function") names.add(key);
      else if (d && (d.get || d.set)) names.add(`${key} (property)`);
    }
  }
  return [...names].sort();
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `Array(${value.length})`;
  if (typeof value === "object") {
    const name = (value as object).constructor?.name;
    return name && name !== "Object" ? `${name} instance` : "object";
  }
  return typeof value;
}

/** A plain-text description of a runtime value, for `help(value)`. */
export function describeValue(value: unknown): string {
  const lines: string[] = [];
  if (typeof value === "function") {
    lines.push(signatureOf(value));
    const statics = Object.getOwnPropertyNames(value).filter((k) => !["length", "name", "prototype", "caller", "arguments"].includes(k));
    if (statics.length) lines.push("", "Static members:", ...statics.sort().map((k) => `  ${k}`));
    const methods = methodNames(value.prototype as object | null);
    if (methods.length) lines.push("", "Methods of instances:", ...methods.map((m) => `  ${m}`));
    return lines.join("\n");
  }
  lines.push(`${kindOf(value)}`);
  if (typeof value !== "object" || value === null) {
    lines.push("", `value: ${String(value)}`);
    return lines.join("\n");
  }
  const own = Object.keys(value);
  if (own.length) {
    lines.push("", "Fields:");
    for (const key of own.slice(0, 60)) {
      let kind: string;
      try {
        kind = kindOf((value as Record<string, unknown>)[key]);
      } catch {
        kind = "(unreadable)";
      }
      lines.push(`  ${key}: ${kind}`);
    }
    if (own.length > 60) lines.push(`  … ${own.length - 60} more`);
  }
  const methods = methodNames(Object.getPrototypeOf(value) as object | null);
  if (methods.length) lines.push("", "Methods:", ...methods.map((m) => `  ${m}`));
  return lines.join("\n");
}
