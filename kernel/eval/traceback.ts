/**
 * Runtime errors as IPython-style tracebacks, mapped to the cells the user wrote.
 *
 * V8 reports positions in the JavaScript a cell compiled to; the cell's source map takes them
 * back to the TypeScript line. Frames are shown oldest first, as Python does, each with the
 * cell's line under an arrow:
 *
 *     ---------------------------------------------------------------------------
 *     RuntimeError                              Traceback (most recent call last)
 *     Cell In[3], line 2
 *           1 const x = torch.randn(1, 1, 64, 64)
 *     ----> 2 net.forward(x)
 *
 *     Cell In[2], line 9, in Net.forward
 *     ...
 *       ↳ inside nn.Linear (fc1)
 *
 *     RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x2704 and 400x120)
 *
 * Frames inside tsorch are folded into one line naming what the user called: the module
 * (`nn.Linear (fc1)`, the path from the error when it has one) or the op (`torch.cat`,
 * `Tensor.view`, `F.linear`). A learner needs the layer that failed, not the runtime's internals,
 * and internal names or line numbers would change with every release of tsorch (and make saved
 * notebooks stale). The module-call machinery between two of the user's frames (`net(x)` calling
 * `Net.forward`) is left out. Frames of the kernel, of Node's internals and of whatever called
 * the cell are dropped. Functions are named from the source (`Net.forward`), since V8 names
 * methods by their receiver (`Proxy.forward` for tsorch's callable modules).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import util from "node:util";
import type * as TS from "typescript";
import { CYAN, DIM, RESET, RULE, cellLocation, errorLine, sourceContext, tracebackHeader } from "./ansi.js";
import { unbundleFrame } from "./bundle-frames.js";
import { kernelDirectories, packageRoot, runtimeDirectories } from "./package-root.js";
import { splitLines } from "./positions.js";
import { SourceMap } from "./source-map.js";
import { SCOPE_PARAM } from "./transform.js";
import { typescript, type TypeScript } from "./typescript.js";

/** What the evaluator remembers of each compiled cell, to map its frames. */
export interface CompiledCell {
  /** The filename V8 reports for the cell's frames (`Cell In[3]`, unique per compilation). */
  filename: string;
  executionCount: number;
  source: string;
  map: SourceMap | undefined;
}

export interface FormattedError {
  ename: string;
  evalue: string;
  traceback: string[];
}

interface StackFrame {
  functionName: string;
  file: string;
  line: number;
  column: number;
}

/** Node's error code for a script stopped by `breakOnSigint`. */
export const INTERRUPTED_CODE = "ERR_SCRIPT_EXECUTION_INTERRUPTED";

export function isInterrupt(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === INTERRUPTED_CODE;
}

export class TracebackFormatter {
  private readonly runtimeDirs: string[];
  private readonly kernelDirs: string[];

  /**
   * @param qualify The name a user calls a runtime function by (`cat` → `torch.cat`), given the
   *   function's name and the runtime file it is in; undefined leaves the name as it is.
   */
  constructor(
    private readonly cells: ReadonlyMap<string, CompiledCell>,
    root = packageRoot(),
    private readonly qualify: (name: string, file: string) => string | undefined = () => undefined,
  ) {
    this.runtimeDirs = runtimeDirectories(root);
    this.kernelDirs = kernelDirectories(root);
  }

  /**
   * ename, evalue and an IPython-style traceback for anything a cell threw: an Error, an
   * Error-like object from another realm, or any other value (`throw "boom"`).
   */
  format(error: unknown, executionCount?: number): FormattedError {
    if (isInterrupt(error)) return this.formatInterrupt(executionCount);
    const { ename, evalue } = describe(error);
    // Frontends join the list with newlines; a trailing newline per chunk leaves a blank line
    // between frames, as IPython's output has.
    const chunks = [
      ...this.causeSection(error, new Set([error])),
      RULE + "\n" + tracebackHeader(ename),
      ...this.frameChunks(error, executionCount).map((c) => c + "\n"),
      errorLine(ename, evalue),
    ];
    return { ename, evalue, traceback: chunks };
  }

  private formatInterrupt(executionCount: number | undefined): FormattedError {
    const ename = "KeyboardInterrupt";
    return {
      ename,
      evalue: "",
      traceback: [
        RULE + "\n" + tracebackHeader(ename),
        cellLocation(executionCount, "") + ": interrupted; names it defined before the interruption are kept\n",
        errorLine(ename, ""),
      ],
    };
  }

  /** Python's "The above exception was the direct cause of the following exception", oldest cause first. */
  private causeSection(error: unknown, seen: Set<unknown>): string[] {
    if (typeof error !== "object" || error === null) return [];
    const cause = (error as { cause?: unknown }).cause;
    if (cause === undefined || seen.has(cause)) return [];
    seen.add(cause);
    const { ename, evalue } = describe(cause);
    return [
      ...this.causeSection(cause, seen),
      RULE + "\n" + tracebackHeader(ename),
      ...this.frameChunks(cause, undefined).map((c) => c + "\n"),
      errorLine(ename, evalue) + "\n",
      `${DIM}The above exception was the direct cause of the following exception:${RESET}\n`,
    ];
  }

  /** One chunk of text per shown frame (or folded group of runtime frames), oldest first. */
  private frameChunks(error: unknown, executionCount: number | undefined): string[] {
    const stack = typeof error === "object" && error !== null ? (error as { stack?: unknown }).stack : undefined;
    const frames = typeof stack === "string" ? parseStack(stack).map(unbundleFrame) : [];
    const cellIndexes = frames.map((f, i) => (this.cells.has(f.file) ? i : -1)).filter((i) => i >= 0);
    // Everything older than the outermost cell frame is the machinery that ran the cell.
    const shown = cellIndexes.length > 0 ? frames.slice(0, cellIndexes[cellIndexes.length - 1]! + 1) : frames;
    const chunks: string[] = [];
    let runtimeGroup: StackFrame[] = [];
    const flushRuntime = () => {
      const chunk = runtimeGroup.length > 0 ? this.runtimeChunk(runtimeGroup, error) : undefined;
      if (chunk) chunks.push(chunk);
      runtimeGroup = [];
    };
    for (const frame of shown.slice().reverse()) {
      const cell = this.cells.get(frame.file);
      if (cell) {
        flushRuntime();
        const chunk = this.cellChunk(cell, frame);
        if (chunk) chunks.push(chunk);
      } else if (this.isRuntimeFile(frame.file)) {
        runtimeGroup.push(frame);
      } else if (!this.isInternalFile(frame.file)) {
        flushRuntime();
        chunks.push(`File ${CYAN}${displayPath(frame.file)}:${frame.line}${RESET}${frame.functionName ? `, in ${CYAN}${frame.functionName}${RESET}` : ""}`);
      }
    }
    flushRuntime();
    if (chunks.length === 0 && executionCount !== undefined && cellIndexes.length === 0 && frames.length === 0) {
      chunks.push(cellLocation(executionCount, ""));
    }
    return chunks;
  }

  /** The frame's cell line with context, or undefined for the wrapper that called the cell (no mapping). */
  private cellChunk(cell: CompiledCell, frame: StackFrame): string | undefined {
    // V8 columns are 1-based; source maps count from 0.
    const pos = cell.map?.originalPosition(frame.line - 1, frame.column - 1);
    if (!pos) return undefined;
    const line = pos.line + 1;
    const name = enclosingFunctionName(cell, pos.line, pos.column) ?? cleanFunctionName(frame.functionName);
    const header = cellLocation(cell.executionCount, `, line ${line}`) + (name ? `, in ${CYAN}${name}${RESET}` : "");
    return [header, ...sourceContext(splitLines(cell.source), line)].join("\n");
  }

  /**
   * Consecutive runtime frames (oldest first) as one dim line naming what the user called:
   * `↳ inside nn.Linear (fc1)`, `↳ inside nn.Sequential → nn.Linear (1)`, `↳ inside torch.cat`.
   * Undefined when the frames are only the machinery of a call (a module calling its forward).
   */
  private runtimeChunk(frames: StackFrame[], error: unknown): string | undefined {
    const named = frames.map((f) => {
      const file = toPath(f.file);
      return { file, name: enclosingFunctionNameInFile(file, f.line - 1, f.column - 1) ?? cleanFunctionName(f.functionName) };
    });
    const modules = named.map((f) => /^([\p{ID_Start}$][\p{ID_Continue}$]*)\.forward$/u.exec(f.name)?.[1]).filter((m) => m !== undefined);
    let what: string;
    if (modules.length > 0) {
      const { modulePath, moduleType } = (error ?? {}) as { modulePath?: unknown; moduleType?: unknown };
      what = modules
        .map((m, i) => {
          const innermost = i === modules.length - 1;
          const path = innermost && moduleType === m && typeof modulePath === "string" && modulePath !== "" ? ` (${modulePath})` : "";
          return `nn.${m}${path}`;
        })
        .join(" → ");
    } else {
      const entry = named.find((f) => f.name !== "" && !CALL_MACHINERY.has(f.name));
      if (!entry) return undefined;
      what = entry.name.includes(".") ? entry.name : (this.qualify(entry.name, entry.file) ?? entry.name);
    }
    return `${DIM}  ↳ inside ${what}${RESET}`;
  }

  private isRuntimeFile(file: string): boolean {
    const p = toPath(file);
    return this.runtimeDirs.some((d) => p.startsWith(d));
  }

  private isInternalFile(file: string): boolean {
    const p = toPath(file);
    if (p.startsWith("node:") || p.startsWith("internal/") || p === "native" || p === "<anonymous>") return true;
    if (this.kernelDirs.some((d) => p.startsWith(d))) return true;
    // The test runner or any other host that called into the kernel.
    return /[\\/]node_modules[\\/](vitest|@vitest|tinypool|tinyspy)[\\/]/.test(p);
  }
}

/** The name and message an error shows: `RuntimeError` / `mat1 and mat2 ...`. */
export function describe(error: unknown): { ename: string; evalue: string } {
  if (isErrorLike(error)) {
    const name = typeof error.name === "string" && error.name !== "" ? error.name : (error.constructor?.name ?? "Error");
    return { ename: name, evalue: cleanMessage(String(error.message)) };
  }
  // `throw "boom"`, `throw undefined`, `throw { code: 1 }`: Node and browsers call these "Uncaught".
  return { ename: "Uncaught", evalue: util.inspect(error, { depth: 2, breakLength: Infinity }) };
}

function isErrorLike(value: unknown): value is Error {
  if (value instanceof Error) return true;
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { message?: unknown }).message === "string" &&
    typeof (value as { stack?: unknown }).stack === "string"
  );
}

/** V8 messages quote the failing expression (`$tsorch.f is not a function`); show what the user wrote. */
function cleanMessage(message: string): string {
  return message.replace(/\(0 ?, ?\$tsorch\.([\p{ID_Continue}$]+)\)/gu, "$1").replaceAll(`${SCOPE_PARAM}.`, "");
}

/**
 * Names of the runtime's call plumbing, never what a user called: the function that makes a
 * module callable, its `_call` (PyTorch's `_call_impl`), the op wrappers and anonymous callbacks.
 */
const CALL_MACHINERY = new Set(["f", "wrapper", "Module._call", "<lambda>", "<anonymous>"]);

/** `Object.<anonymous>` is the cell itself; `$tsorch.f` and `Object.f` are the cell's function `f`. */
function cleanFunctionName(name: string): string {
  return name
    .replaceAll(`${SCOPE_PARAM}.`, "")
    .replace(/^Object\.<anonymous>$/, "")
    .replace(/^(Object|Proxy)\./, "");
}

const cellAsts = new WeakMap<CompiledCell, TS.SourceFile>();
const fileAsts = new Map<string, TS.SourceFile | null>();

/**
 * The name of the function around a position in a cell, as the user wrote it: `Net.forward`,
 * `new Net`, `train`, `<lambda>` for an anonymous callback; undefined at the cell's top level.
 * V8's own names go by the receiver (`Proxy.forward` for tsorch's callable modules, or
 * `Object.f` for the scope object), which says less than the source does.
 */
function enclosingFunctionName(cell: CompiledCell, line: number, column: number): string | undefined {
  const ts = typescript();
  let sf = cellAsts.get(cell);
  if (!sf) {
    sf = ts.createSourceFile("cell.ts", cell.source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    cellAsts.set(cell, sf);
  }
  return functionNameAt(ts, sf, line, column);
}

/** The same for a frame in a file on disk (the runtime's compiled or source files). */
function enclosingFunctionNameInFile(file: string, line: number, column: number): string | undefined {
  const ts = typescript();
  let sf = fileAsts.get(file);
  if (sf === undefined) {
    try {
      const kind = file.endsWith(".ts") ? ts.ScriptKind.TS : ts.ScriptKind.JS;
      sf = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true, kind);
    } catch {
      sf = null;
    }
    fileAsts.set(file, sf);
  }
  return sf ? functionNameAt(ts, sf, line, column) : undefined;
}

function functionNameAt(ts: TypeScript, sf: TS.SourceFile, line: number, column: number): string | undefined {
  const starts = sf.getLineStarts();
  if (line >= starts.length) return undefined;
  const offset = starts[line]! + column;
  let innermost: TS.SignatureDeclaration | undefined;
  const visit = (node: TS.Node): void => {
    if (offset < node.getStart(sf) || offset >= node.end) return;
    if (ts.isFunctionLike(node) && "body" in node && node.body) innermost = node;
    node.forEachChild(visit);
  };
  sf.forEachChild(visit);
  return innermost ? functionName(ts, innermost) : undefined;
}

function functionName(ts: TypeScript, fn: TS.SignatureDeclaration): string {
  const owner = fn.parent && ts.isClassLike(fn.parent) ? (fn.parent.name?.text ?? "<class>") : undefined;
  const own = fn.name && (ts.isIdentifier(fn.name) || ts.isPrivateIdentifier(fn.name) || ts.isStringLiteral(fn.name)) ? fn.name.text : undefined;
  if (ts.isConstructorDeclaration(fn)) return `new ${owner ?? "<class>"}`;
  if (owner && own) return `${owner}.${own}`;
  if (own) return own;
  const parent = fn.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyDeclaration(parent) && ts.isIdentifier(parent.name)) {
    const cls = ts.isClassLike(parent.parent) ? (parent.parent.name?.text ?? "<class>") : undefined;
    return cls ? `${cls}.${parent.name.text}` : parent.name.text;
  }
  if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  return "<lambda>";
}

function toPath(file: string): string {
  if (file.startsWith("file://")) {
    try {
      return fileURLToPath(file.replace(/\?.*$/, ""));
    } catch {
      return file;
    }
  }
  return file;
}

function displayPath(file: string): string {
  const p = toPath(file);
  const home = process.env.HOME;
  return home && p.startsWith(home + path.sep) ? "~" + p.slice(home.length) : p;
}

/** V8 stack lines (`    at fn (file:line:col)`), innermost first. */
export function parseStack(stack: string): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const raw of stack.split("\n")) {
    const line = raw.trim();
    if (!line.startsWith("at ")) continue;
    // `at async fn (file:1:2)` and `at async file:1:2` are frames of suspended async functions.
    let body = line.slice(3).replace(/^async /, "");
    let functionName = "";
    let location = body;
    if (body.endsWith(")")) {
      const open = findLocationParen(body);
      if (open > 0) {
        functionName = body.slice(0, open).trim();
        location = body.slice(open + 1, -1);
      }
    }
    if (location.startsWith("eval at ")) {
      // `eval at fn (file:1:2), <anonymous>:3:4`: the frame of an eval'd string has no file of its own.
      const inner = /, ([^,]*):(\d+):(\d+)$/.exec(location);
      if (inner) location = `${inner[1]}:${inner[2]}:${inner[3]}`;
    }
    functionName = functionName.replace(/^async /, "").replace(/ \[as [^\]]+\]$/, "");
    const m = /^(.*):(\d+):(\d+)$/.exec(location);
    if (!m) {
      frames.push({ functionName, file: location, line: 0, column: 0 });
      continue;
    }
    body = m[1]!;
    frames.push({ functionName, file: body, line: Number(m[2]), column: Number(m[3]) });
  }
  return frames;
}

/**
 * The index of the `(` that opens the location in `fn (location)`. File names may contain
 * ` (` themselves (`copy (2)/x.js`), function names rarely do, so the first ` (` whose contents
 * look like a location wins.
 */
function findLocationParen(body: string): number {
  for (let i = body.indexOf(" ("); i >= 0; i = body.indexOf(" (", i + 1)) {
    const inside = body.slice(i + 2, -1);
    if (/:\d+:\d+$/.test(inside) || inside === "native" || inside === "<anonymous>" || inside.startsWith("index ")) return i + 1;
  }
  return -1;
}
