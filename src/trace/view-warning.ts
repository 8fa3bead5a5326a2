/**
 * The silent bug of `x.view(-1, 400)`: when the element count happens to be
 * a multiple of 400, the view succeeds on a batch of the wrong image size and
 * quietly changes the batch dimension. A batch of 25 images of 64x64 reaches
 * the view as [25, 16, 13, 13] (67,600 values) and leaves as [169, 400]: each
 * row now holds pieces of different samples, and training goes on with
 * nonsense. PyTorch says nothing.
 *
 * Here the traced row gets a warning, and the first time a call site does it,
 * a `UserWarning` goes to stderr (through the runtime's `warn` (src/warnings.ts), like
 * Python's `warnings.warn`), without stopping the run.
 *
 * A view that merges the batch with the next dims (`[B, T, C] → [B·T, C]`) or
 * flattens everything (`view(-1)`) is deliberate and not flagged.
 *
 * @example
 * x.view(-1, 400)   // on [25, 16, 13, 13]:
 * // (node:1234) UserWarning: net.py:7: view(-1, 400) turned a batch of 25 samples [25, 16, 13, 13]
 * //   into [169, 400]: ...
 */
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";
import type { TraceRow } from "./row.js";
import { warn } from "../warnings.js";

/** Call sites already reported (one warning each, as Python's default warning filter does). */
const reported = new Set<string>();

/** The runtime's source root (src/ or dist/src/): frames inside it are not the user's call site. */
const runtimeRoot = dirname(dirname(fileURLToPath(import.meta.url)));

/** Forgets which call sites were reported (for tests and for a notebook's "restart"). */
export function resetViewWarnings(): void {
  reported.clear();
}

/** The first stack frame outside the runtime: `file:line:col`, or null when none is found. */
export function userCallSite(stack = new Error().stack ?? ""): string | null {
  for (const line of stack.split("\n").slice(1)) {
    const m = /\(?((?:file:\/\/)?[^()\s]+):(\d+):(\d+)\)?\s*$/.exec(line.trim());
    if (!m) continue;
    const file = m[1]!.startsWith("file://") ? fileURLToPath(m[1]!) : m[1]!;
    if (file.startsWith(runtimeRoot) || file.startsWith("node:") || file.includes("node_modules")) continue;
    return `${file}:${m[2]}:${m[3]}`;
  }
  return null;
}

/** Whether `m` is the product of a prefix of `shape` (a deliberate merge of the batch with following dims). */
function isPrefixProduct(m: number, shape: readonly number[]): boolean {
  let p = 1;
  for (const d of shape) {
    p *= d;
    if (p === m) return true;
    if (p > m) return false;
  }
  return false;
}

/** The warning text for a view that changed the batch dimension, or null when it kept it. */
export function viewBatchProblem(op: string, requested: readonly number[], input: readonly number[], output: readonly number[]): string | null {
  if (input.length < 2 || output.length < 2) return null;
  const n = input[0]!;
  const m = output[0]!;
  if (m === n || isPrefixProduct(m, input)) return null;
  const call = `${op}(${requested.join(", ")})`;
  const how = m % n !== 0
    ? `rows of ${output.slice(1).join("×")} values now mix pieces of different samples`
    : `each sample is split into ${m / n} rows`;
  return `${call} turned a batch of ${n} samples [${input.join(", ")}] into [${output.join(", ")}]: ${how}. ` +
    `Keep the batch dimension with x.view(x.size(0), -1) or torch.flatten(x, 1), ` +
    `and give the next layer the matching number of features.`;
}

/** Flags `row` (a view or reshape) when it changed the batch dimension; warns once per call site. */
export function checkViewBatch(row: TraceRow): void {
  const input = row.inputs[0];
  const output = row.outputs[0];
  // The common case, a kept batch, decided before anything is built.
  if (!input || !output || input.shape[0] === output.shape[0]) return;
  const requested = Array.isArray(row.args[1]) ? (row.args[1] as number[]) : [...output.shape];
  const problem = viewBatchProblem(row.name, requested, input.shape, output.shape);
  if (problem === null) return;
  row.warning = problem;
  const site = userCallSite() ?? `${row.path}`;
  if (reported.has(site)) return;
  reported.add(site);
  warn(`${site}: ${problem}`, "UserWarning");
}
