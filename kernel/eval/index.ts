/**
 * The TypeScript cell evaluator: what makes notebook cells real TypeScript.
 *
 * Each cell is type-checked against everything earlier cells declared, compiled to JavaScript
 * (ES2022) and run in the kernel's own realm, so `instanceof` works between cells and the
 * runtime. Names persist across cells and any of them can be redeclared with a new type; cells
 * may `await` at top level and import npm packages (ESM-only ones too) from the notebook's
 * directory. Errors come back as IPython-style tracebacks on the cell's own lines; completion and
 * inspection come from the same TypeScript language service.
 *
 * How it works, in short (details in `project.ts`, `scope.ts`, `transform.ts`, `traceback.ts`):
 *
 * - Types: every executed cell stays in one LanguageService as a virtual module that exports its
 *   top-level names (as declarations: `declare const net: Net`). The scope module re-exports each
 *   name from the cell that declared it last (or from the globals module), so redeclaration is
 *   just a newer module exporting the name, and the new type takes over. A new cell is checked
 *   in the input file, importing the names it mentions from the scope module; its imports are
 *   therefore the same from cell to cell, and TypeScript reuses the last program whole. When it
 *   passes, it moves on to a module of its own. Modules nothing reaches any more are dropped.
 * - Values: the compiled cell runs as a function over one scope object; top-level declarations
 *   become properties of it, references read it (see `transform.ts`). Nothing lands on
 *   `globalThis`, so a cell's `const name` or `let process` cannot disturb the runtime.
 *
 * Choices a user notices:
 *
 * - The cell's value is its last statement when that is an expression (not an assignment);
 *   `hasValue` is false for declarations, statements, assignments and `undefined`. A trailing
 *   `;` does *not* hide the value, unlike IPython: TypeScript formatters add semicolons
 *   everywhere, so it cannot mean "be quiet" here (`void expr` does).
 * - Checking is `strict` except `noImplicitAny` and `useUnknownInCatchVariables`, which fight
 *   exploratory code (`function f(x) {}`, untyped packages, `catch (e) { e.message }`).
 * - A cell with a syntax error (`SyntaxError`) or a type error (`TSError`) does not run at all.
 *   A cell that throws keeps the names it defined before the throw; the names after it stay
 *   undefined for later cells (their types too).
 * - SIGINT stops synchronous code (`breakOnSigint`) and ends a cell waiting on a promise
 *   (`KeyboardInterrupt`); state is kept either way.
 * - The evaluator raises `Error.stackTraceLimit` to 50 so deep model stacks still reach the cell.
 *
 * @example
 * const ev = new CellEvaluator({ cwd: process.cwd(), globals: { print: console.log } });
 * await ev.execute("const x: number = 20", 1);           // { status: "ok", hasValue: false, ... }
 * await ev.execute("x + 22", 2);                          // { status: "ok", value: 42, hasValue: true }
 * await ev.execute('const y: number = "a"', 3);           // { status: "compile_error", ename: "TSError", ... }
 */
import path from "node:path";
// The module's own functions: a kernel may wrap the global ones to track what cells schedule,
// and the evaluator's idle work is not a cell's.
import { clearImmediate, setImmediate, setTimeout as nodeSetTimeout } from "node:timers";
import vm from "node:vm";
import type * as TS from "typescript";
import { hasTopLevelAwait, mentionedNames, topLevelDeclarations, type TopLevelDeclaration } from "./declarations.js";
import { formatCompileError, toCellDiagnostics, type CellDiagnostic } from "./diagnostics.js";
import { EVALUATOR_GLOBALS, exportsOfModule, globalsModule } from "./globals.js";
import { isCompleteCode, type IsCompleteResult } from "./is-complete.js";
import { LanguageFeatures, type CompletionResult, type InspectResult } from "./language.js";
import { ModuleLoader, type ModuleNamespace } from "./modules.js";
import { PACKAGE_NAME, packageRoot, runtimeDirectories, runtimeTypesEntry } from "./package-root.js";
import { packageEntryName } from "./declaration-bundle.js";
import { CellProject } from "./project.js";
import { compileUnchecked } from "./quick.js";
import { redirectScopeImports, scopeModuleText } from "./scope.js";
import { SourceMap } from "./source-map.js";
import { INTERRUPTED_CODE, TracebackFormatter, type CompiledCell, type FormattedError } from "./traceback.js";
import { INTERNALS_PARAM, SCOPE_PARAM, cellTransformer, type CellTransformInfo } from "./transform.js";
import { saveCodeCache, typescript } from "./typescript.js";

export type { CompletionResult, InspectResult } from "./language.js";
export type { IsCompleteResult } from "./is-complete.js";
export type { FormattedError } from "./traceback.js";

export type EvalOutcome =
  | { status: "ok"; value: unknown; hasValue: boolean }
  | { status: "compile_error"; ename: string; evalue: string; traceback: string[] }
  | { status: "runtime_error"; error: unknown; ename: string; evalue: string; traceback: string[] };

export interface CellEvaluatorOptions {
  /** The notebook's directory: packages and relative imports resolve from here. */
  cwd: string;
  /**
   * Told `true` when a cell starts compiling and `false` when compiling is over (before its code
   * runs): the kernel must not cut the compiler short, and must be free to stop the cell's code.
   */
  onCompiling?: (compiling: boolean) => void;
  /** Values every cell sees without importing them (torch, nn, ..., display, ...). */
  globals: Record<string, unknown>;
  /** Declarations (`.d.ts` text) typing kernel-provided globals: `declare function display(x: unknown): void;`. */
  preloadDeclarations?: string;
  /**
   * The file whose exports type the runtime globals. Defaults to tsorch's
   * `dist/src/index.d.ts` (or `src/index.ts` in a source checkout); names it does not export are
   * typed `any`.
   */
  runtimeTypes?: string;
  /**
   * Run cells that arrive before the project is built (a fresh kernel's first cells) compiled
   * without types, and check them as soon as it is (`checkLate`), so the first result does not
   * wait for the type checker. Off by default: such a cell runs even if it has a type error.
   */
  quickStart?: boolean;
}

/** What checking a cell that already ran found (see `CellEvaluator.checkLate`). */
export interface LateCheck extends FormattedError {
  executionCount: number;
}

/** A cell that ran before the checker was ready, waiting for its check. */
interface UncheckedCell {
  id: number;
  code: string;
  executionCount: number;
  /** The names it got as far as defining. */
  reached: readonly string[];
}

/** Time spent in each phase of the last `execute`, in milliseconds (for benchmarks). */
export interface ExecuteTimings {
  check: number;
  emit: number;
  load: number;
  run: number;
  total: number;
}

/** A cell's virtual module that is still part of the type-checking project. */
interface LiveCell {
  id: number;
  file: string;
  /** Cells (by id) this one imports names from; 0 is the globals module. */
  imports: Set<number>;
  /** Cells with `declare global` or `declare module` change types outside themselves: kept for good. */
  pinned: boolean;
}

const ARGS_SLOT = Symbol.for("tsorch.eval.cellArguments");
/** How long an interrupted cell gets to end by itself before `abortPending` ends it. */
const ABORT_GRACE_MS = 50;

interface QueuedExecution {
  code: string;
  executionCount: number;
  resolve: (outcome: EvalOutcome) => void;
}

interface RunningExecution {
  executionCount: number;
  finish: (outcome: EvalOutcome) => void;
}
/**
 * Separates a cell from the imports appended to it: the `;` ends whatever the cell left open
 * (`torch.` while completing would otherwise run into the next line's `import`).
 */
const CELL_END = "\n;\n";
const GLOBALS_ID = 0;

export class CellEvaluator {
  private readonly cwd: string;
  private readonly globalValues: Record<string, unknown>;
  private readonly preload: string;
  private readonly runtimeTypes: string | undefined;
  /** The notebook scope: every top-level name of every cell, and the globals. */
  private readonly scope: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  /** Which cell (by id) declared each name last; 0 for the globals module. */
  private readonly owners = new Map<string, number>();
  private readonly live = new Map<number, LiveCell>();
  /** Compiled cells by the filename their frames carry, for tracebacks (kept after their types go). */
  private readonly compiled = new Map<string, CompiledCell>();
  private readonly formatter: TracebackFormatter;
  private readonly loader: ModuleLoader;
  private project: CellProject | undefined;
  private language: LanguageFeatures | undefined;
  private globalsFile = "";
  /** The module every cell imports earlier names from (see `scope.ts`). */
  private scopeFile = "";
  /**
   * The file a cell is checked in (and completion and inspection work in), whatever its
   * number: the project's root files stay the same from cell to cell, so TypeScript can reuse
   * the previous program whole. A cell that passes moves on to its own module, `cellN.mts`.
   */
  private inputFile = "";
  /** Preparing the next cell's program while the kernel is idle (see `prepareWhenIdle`). */
  private idlePreparation: NodeJS.Immediate | undefined;
  private cellCounter = 0;
  /** Executions waiting for the running one (see `execute`). */
  private waiting: QueuedExecution[] = [];
  private current: RunningExecution | undefined;
  private abortPendingCell: ((error: unknown) => void) | undefined;
  /** What the running cell must still do when it ends, however it ends (see `compileAndRun`). */
  private cellEpilogue: (() => void) | undefined;

  private readonly onCompiling: ((compiling: boolean) => void) | undefined;
  private compiling = false;
  private readonly quickStart: boolean;
  /** Cells run before the project was built, in order, and what checking them found. */
  private readonly unchecked: UncheckedCell[] = [];
  private readonly lateErrors: LateCheck[] = [];
  /** Names those cells defined (visible to the next unchecked cell). */
  private readonly uncheckedNames = new Set<string>();

  /** Phase timings of the last `execute`. */
  lastTimings: ExecuteTimings = { check: 0, emit: 0, load: 0, run: 0, total: 0 };

  constructor(opts: CellEvaluatorOptions) {
    this.cwd = path.resolve(opts.cwd);
    this.onCompiling = opts.onCompiling;
    this.quickStart = opts.quickStart ?? false;
    this.globalValues = opts.globals;
    this.preload = opts.preloadDeclarations ?? "";
    this.runtimeTypes = opts.runtimeTypes ?? runtimeTypesEntry();
    this.formatter = new TracebackFormatter(this.compiled, packageRoot(), (name, file) => qualifiedName(this.globalValues, name, file));
    this.loader = new ModuleLoader(this.cwd, packageRoot());
    const provided: Record<string, unknown> = {
      require: this.loader.require,
      __dirname: this.cwd,
      __filename: this.loader.meta.filename,
    };
    for (const [name, value] of Object.entries({ ...provided, ...opts.globals })) this.scope[name] = value;
    // Deep model stacks would otherwise cut the trace before it reaches the user's cell.
    if (Error.stackTraceLimit < 50) Error.stackTraceLimit = 50;
  }

  /**
   * Loads TypeScript and primes the language service (parses the libs, warms the checker), in
   * steps with the event loop free between them. `step` wraps each synchronous step: the kernel
   * marks those as work an interrupt must not cut short.
   */
  async warmUp(step: <T>(work: () => T) => T = (work) => work()): Promise<void> {
    const next = () => new Promise((resolve) => setImmediate(resolve));
    await next();
    step(() => this.ensureProject());
    await next();
    step(() => this.ensureLanguage().complete("[1].map((x) => x.toFixed(2)).", 28));
    await next();
    step(() => this.ensureLanguage().inspect("Math.max", 6, 0));
    await next();
    step(() => this.warmEmit());
    // What V8 compiled for all that is kept for the next start (see `typescript.ts`).
    step(() => saveCodeCache());
  }

  /**
   * Checks and compiles a small cell (without running it), so the first real cell does not
   * pay for the emitter's first use, then leaves the input file as the next cell expects it.
   */
  private warmEmit(): void {
    const project = this.project!;
    const ts = project.ts;
    project.setFile(this.inputFile, "[0].map((x) => x + 1)" + CELL_END + this.scopePrelude([]) + "\nexport {};\n");
    const program = project.program();
    const sf = program.getSourceFile(this.inputFile)!;
    program.getSemanticDiagnostics(sf);
    const info: CellTransformInfo = { imports: [], hasValue: false };
    program.emit(sf, () => undefined, undefined, false, { before: [cellTransformer(ts, program.getTypeChecker(), sf.text.indexOf(CELL_END), info)] });
    project.setFile(this.inputFile, this.placeholderInput());
    project.program();
  }

  /**
   * Type-checks, compiles and runs one cell. Never rejects: every failure is an outcome.
   * Executions are serialised (a second call waits for the first to finish).
   */
  execute(code: string, executionCount: number): Promise<EvalOutcome> {
    return new Promise((resolve) => {
      this.waiting.push({ code, executionCount, resolve });
      this.startNext();
    });
  }

  /**
   * Starts the next waiting execution. The queue is explicit rather than a promise chain: a
   * cell stopped by `terminateExecution` while it ran as a microtask takes the microtasks queued
   * behind it down with it, and a chain link among them would never settle, leaving every later
   * cell waiting forever.
   */
  private startNext(): void {
    if (this.current || this.waiting.length === 0) return;
    const job = this.waiting.shift()!;
    let settled = false;
    const finish = (outcome: EvalOutcome) => {
      if (settled) return;
      settled = true;
      if (this.current === running) this.current = undefined;
      job.resolve(outcome);
      this.startNext();
    };
    const running: RunningExecution = { executionCount: job.executionCount, finish };
    this.current = running;
    this.executeNow(job.code, job.executionCount).then(finish, (error: unknown) => finish(this.runtimeError(error, job.executionCount)));
  }

  /**
   * Ends the cell that is waiting on asynchronous work with a KeyboardInterrupt outcome (the work
   * itself is not stopped; the kernel stops CPU-bound work with the inspector first). The
   * evaluator does this by itself when the process gets SIGINT while a cell awaits.
   */
  abortPending(): boolean {
    const abort = this.abortPendingCell;
    const error = Object.assign(new Error("Script execution was interrupted by `SIGINT`"), { code: INTERRUPTED_CODE });
    abort?.(error);
    // The rejection normally ends the cell within microtasks. If the cell's code was terminated
    // (while it ran synchronously, or as a continuation), the links that would end it may be
    // gone: end the execution here instead.
    const running = this.current;
    if (running) {
      nodeSetTimeout(() => {
        if (this.current !== running) return;
        this.cellEpilogue?.();
        running.finish(this.runtimeError(error, running.executionCount));
      }, ABORT_GRACE_MS).unref();
    }
    return abort !== undefined;
  }


  /** `fast: false` always asks the language service for a new program (tests compare the two ways). */
  complete(code: string, cursorPos: number, fast = true): CompletionResult {
    this.cancelIdlePreparation();
    // Names of cells that ran unchecked get their types first (what the check finds is kept for `checkLate`).
    if (this.unchecked.length > 0) this.checkUnchecked();
    return this.ensureLanguage().complete(code, cursorPos, fast);
  }

  inspect(code: string, cursorPos: number, detailLevel: 0 | 1): InspectResult {
    this.cancelIdlePreparation();
    if (this.unchecked.length > 0) this.checkUnchecked();
    return this.ensureLanguage().inspect(code, cursorPos, detailLevel);
  }

  isComplete(code: string): IsCompleteResult {
    return isCompleteCode(typescript(), code);
  }

  /** ename, evalue and IPython-style traceback for any thrown value (also errors thrown later by cell callbacks). */
  formatError(error: unknown, executionCount?: number): FormattedError {
    return this.formatter.format(error, executionCount);
  }

  // ---- the project -------------------------------------------------------------------------

  private ensureProject(): CellProject {
    if (this.project) return this.project;
    const root = packageRoot();
    const project = new CellProject(this.cwd, path.join(root, "package.json"), runtimeDirectories(root));
    this.globalsFile = project.virtualPath("globals.mts");
    this.scopeFile = project.virtualPath("scope.mts");
    this.inputFile = project.virtualPath("input.mts");
    const runtimeSpecifier = this.runtimeTypes ? this.runtimeModule(project, this.runtimeTypes) : undefined;
    let runtimeExports = new Set<string>();
    if (runtimeSpecifier) {
      // Ask the checker what the runtime exports, so names it lacks can fall back to `any`.
      project.setFile(this.globalsFile, `import * as runtime from ${JSON.stringify(runtimeSpecifier)};\nexport {};\n`);
      project.setRoots([this.globalsFile]);
      runtimeExports = exportsOfModule(project.ts, project.program(), this.globalsFile);
    }
    const names = [...new Set([...Object.keys(EVALUATOR_GLOBALS), ...Object.keys(this.globalValues)])];
    const globals = globalsModule(project.ts, { names, runtimeSpecifier, runtimeExports, preload: this.preload });
    project.setFile(this.globalsFile, globals.text);
    for (const name of globals.exported) this.owners.set(name, GLOBALS_ID);
    this.project = project;
    this.updateScope();
    project.setFile(this.inputFile, this.placeholderInput());
    project.setRoots(this.rootFiles());
    project.program();
    return project;
  }

  /**
   * How the globals module imports the runtime: by the name of its packed declarations
   * (`"tsorch"`, see `declaration-bundle.ts`) when they are compiled `.d.ts` files, else by path.
   */
  private runtimeModule(project: CellProject, entry: string): string {
    try {
      const name = project.packTypes(entry, packageEntryName(entry));
      if (name) return name;
    } catch {
      // Unreadable declarations: the program reads the files themselves.
    }
    return toJsSpecifier(entry);
  }

  private ensureLanguage(): LanguageFeatures {
    const project = this.ensureProject();
    const isRuntimeFile = (file: string) => {
      const entry = project.bundleEntry(file) ?? file;
      return entry === this.runtimeTypes || runtimeDirectories(packageRoot()).some((dir) => entry.startsWith(dir));
    };
    this.language ??= new LanguageFeatures(project, {
      pendingFile: this.inputFile,
      cellEnd: CELL_END,
      prelude: (declared, wanted) => this.scopePrelude(this.visibleNames(declared, wanted)),
      roots: () => this.rootFiles(),
      ownerOf: (file) => this.cellLabel(file),
      cleanText: (text) => this.renameFiles(text),
      originalSource: (file) => this.originalSources.get(file),
      pytorchSignatures: (name, file) => (isRuntimeFile(file) ? runtimeSignatureTexts(name) : []),
      isRuntimeFile: (file) => isRuntimeFile(file),
      resting: () => {
        this.project!.setFile(this.inputFile, this.placeholderInput());
        this.project!.setRoots(this.rootFiles());
        return this.inputFile;
      },
    });
    return this.language;
  }

  private cellFile(id: number): string {
    return id === GLOBALS_ID ? this.globalsFile : this.project!.virtualPath(`cell${id}.mts`);
  }

  /** `./__tsorch1_cell3.mjs`: how virtual modules import each other. */
  private specifierOf(file: string): string {
    return "./" + path.basename(file).replace(/\.mts$/, ".mjs");
  }

  /**
   * Root files of the project: the globals, the scope, the cells that change types outside
   * themselves (`declare global`), and the input file. They change only when such a cell runs;
   * the other cells are reached through the scope module.
   */
  private rootFiles(): string[] {
    const pinned = [...this.live.values()].filter((c) => c.pinned).map((c) => c.file);
    return [this.globalsFile, this.scopeFile, ...pinned, this.inputFile];
  }

  /** Re-exports every name from its owner; true if the text changed (the next program is rebuilt). */
  private updateScope(): boolean {
    const project = this.project!;
    const text = scopeModuleText(this.owners, (owner) => this.specifierOf(this.cellFile(owner)));
    if (project.fileText(this.scopeFile) === text) return false;
    project.setFile(this.scopeFile, text);
    return true;
  }

  /** What the input file holds between cells: the imports every cell has, and nothing else. */
  private placeholderInput(): string {
    return CELL_END + this.scopePrelude([]) + "\nexport {};\n";
  }

  /** "In[3]" for a virtual cell file, a description for the other virtual files (inspection names them). */
  private cellLabel(file: string): string | undefined {
    if (file === this.globalsFile) return "kernel globals";
    if (file === this.project?.libFile) return "TypeScript's standard library";
    return this.labelByFile.get(file);
  }

  private readonly labelByFile = new Map<string, string>();
  /** Cells whose modules hold declaration snapshots: what the user wrote, by module file. */
  private readonly originalSources = new Map<string, string>();

  /**
   * `import { a, b } from "./__tsorch1_scope.mjs";`: the input file's one import of earlier
   * names, there even when it imports none, so that every cell has the same imports.
   */
  private scopePrelude(names: readonly string[]): string {
    return `import { ${names.join(", ")} } from ${JSON.stringify(this.specifierOf(this.scopeFile))};`;
  }

  /**
   * `import { a, b } from "./__tsorch1_cell3.mjs";` lines, each name from the cell that owns it:
   * how a cell module that keeps its source imports, so that its types stay what they were.
   */
  private directPrelude(imports: Map<number, string[]>): string {
    const lines: string[] = [];
    for (const [id, names] of imports) lines.push(`import { ${names.join(", ")} } from ${JSON.stringify(this.specifierOf(this.cellFile(id)))};`);
    return lines.join("\n");
  }

  /** Known names `wanted` accepts and the cell does not declare itself. */
  private visibleNames(declared: ReadonlySet<string>, wanted: (name: string) => boolean): string[] {
    const names: string[] = [];
    for (const name of this.owners.keys()) if (!declared.has(name) && wanted(name)) names.push(name);
    return names;
  }

  // ---- execution ---------------------------------------------------------------------------

  private async executeNow(code: string, executionCount: number): Promise<EvalOutcome> {
    this.cancelIdlePreparation();
    const t0 = performance.now();
    const timings: ExecuteTimings = { check: 0, emit: 0, load: 0, run: 0, total: 0 };
    this.lastTimings = timings;
    try {
      return await this.compileAndRun(code, executionCount, timings);
    } catch (error) {
      // A failure of the evaluator itself: report it like a runtime error rather than reject.
      return this.runtimeError(error, executionCount);
    } finally {
      timings.total = performance.now() - t0;
    }
  }

  private async compileAndRun(code: string, executionCount: number, timings: ExecuteTimings): Promise<EvalOutcome> {
    this.setCompiling(true);
    try {
      return await this.compileThenRun(code, executionCount, timings);
    } finally {
      this.setCompiling(false);
    }
  }

  private setCompiling(on: boolean): void {
    if (this.compiling === on) return;
    this.compiling = on;
    this.onCompiling?.(on);
  }

  private async compileThenRun(code: string, executionCount: number, timings: ExecuteTimings): Promise<EvalOutcome> {
    if (this.quickStart && !this.project) return this.runUnchecked(code, executionCount, timings);
    if (this.unchecked.length > 0) this.checkUnchecked();
    const project = this.ensureProject();
    const ts = project.ts;
    project.refresh();
    const id = ++this.cellCounter;

    let t = performance.now();
    const parsed = parseCell(ts, this.inputFile, code);
    const early = this.earlyError(ts, parsed, code, executionCount);
    if (early) {
      timings.check = performance.now() - t;
      return early;
    }
    const checked = this.checkInput(code, parsed);
    timings.check = performance.now() - t;
    if (checked.diagnostics.some((d) => d.category === "error")) return this.compileError(checked.diagnostics, code, executionCount, checked.syntactic);

    t = performance.now();
    const info: CellTransformInfo = { imports: [], hasValue: false };
    let js = "";
    let mapText = "";
    const emit = checked.program.emit(
      checked.sf,
      (name, text) => {
        if (name.endsWith(".map")) mapText = text;
        else js = text;
      },
      undefined,
      false,
      { before: [cellTransformer(ts, checked.program.getTypeChecker(), code.length, info)] },
    );
    if (emit.emitSkipped) throw new Error("TypeScript did not emit the cell");
    const filename = this.recordCompiled(code, executionCount, mapText);
    this.labelByFile.set(this.cellFile(id), `In[${executionCount}]`);
    // The cell is part of the project from here on, whatever happens when it runs.
    const cell = this.addCellModule(id, code, parsed, checked.declarations, checked.imports);
    timings.emit = performance.now() - t;
    this.setCompiling(false);

    const isAsync = hasTopLevelAwait(ts, parsed);
    return this.runCompiled(wrapScript(js, isAsync), isAsync, filename, info, executionCount, timings, (reached) => {
      this.publishNames(id, checked.declarations, reached);
      const userImports = parsed.statements.some((st) => ts.isImportDeclaration(st) || ts.isImportEqualsDeclaration(st));
      if (this.updateScope() || cell.pinned || userImports) this.prepareWhenIdle();
    });
  }

  /** A syntax error, or a name the compiled cell reserves: the cell cannot even be compiled. */
  private earlyError(ts: typeof TS, parsed: TS.SourceFile, code: string, executionCount: number): EvalOutcome | undefined {
    const parseErrors = parseDiagnosticsOf(parsed);
    if (parseErrors.length > 0) return this.compileError(toCellDiagnostics(ts, parseErrors, code.length, (m) => m), code, executionCount, true);
    const reserved = reservedIdentifierUse(ts, parsed);
    if (reserved) return this.compileError([reserved], code, executionCount, false);
    return undefined;
  }

  /** Type-checks a cell in the input file, importing the earlier names it mentions. */
  private checkInput(code: string, parsed: TS.SourceFile) {
    const project = this.project!;
    const ts = project.ts;
    const declarations = topLevelDeclarations(ts, parsed);
    const declared = new Set(declarations.map((d) => d.name));
    const imported: string[] = [];
    const imports = new Map<number, string[]>();
    for (const name of mentionedNames(ts, parsed)) {
      const owner = this.owners.get(name);
      if (owner === undefined || declared.has(name)) continue;
      imported.push(name);
      let list = imports.get(owner);
      if (!list) imports.set(owner, (list = []));
      list.push(name);
    }
    project.setFile(this.inputFile, code + CELL_END + this.scopePrelude(imported) + "\n" + exportList(declarations));
    project.setRoots(this.rootFiles());
    const program = project.program();
    const sf = program.getSourceFile(this.inputFile)!;
    const checker = program.getTypeChecker();
    const syntactic = program.getSyntacticDiagnostics(sf);
    const raw = [...syntactic, ...program.getSemanticDiagnostics(sf)];
    const diagnostics = toCellDiagnostics(ts, adjustImportAssignments(ts, checker, sf, raw), code.length, (m) => this.renameFiles(m));
    return { program, sf, declarations, imports, diagnostics, syntactic: syntactic.length > 0 };
  }

  /** Keeps a compiled cell for tracebacks; returns the filename its frames carry. */
  private recordCompiled(code: string, executionCount: number, mapText: string): string {
    const filename = this.uniqueFilename(executionCount);
    this.compiled.set(filename, { filename, executionCount, source: code, map: mapText ? SourceMap.parse(mapText) : undefined });
    return filename;
  }

  /**
   * The cell's module, from the cell just checked in the input file: its declarations (or its
   * source, importing each name from its owner). A cell that declares nothing needs no module:
   * nothing can import from it.
   */
  private addCellModule(id: number, code: string, parsed: TS.SourceFile, declarations: readonly TopLevelDeclaration[], imports: Map<number, string[]>): LiveCell {
    const project = this.project!;
    const file = this.cellFile(id);
    const cell: LiveCell = { id, file, imports: new Set(imports.keys()), pinned: declaresOutside(project.ts, parsed) };
    if (cell.pinned || declarations.some((d) => !d.ambient)) {
      const snapshot = cell.pinned ? undefined : this.declarationSnapshot();
      if (snapshot) {
        project.setFile(file, snapshot.text);
        this.originalSources.set(file, code);
        cell.imports = snapshot.imports;
      } else {
        project.setFile(file, code + CELL_END + this.directPrelude(imports) + "\n" + exportList(declarations));
      }
      this.live.set(id, cell);
    }
    return cell;
  }

  /**
   * Runs a compiled cell; `onEnd` gets the names it got as far as defining, however it ends
   * (see `abortPending`).
   */
  private async runCompiled(
    script: string,
    isAsync: boolean,
    filename: string,
    info: CellTransformInfo,
    executionCount: number,
    timings: ExecuteTimings,
    onEnd: (reached: readonly string[]) => void,
  ): Promise<EvalOutcome> {
    const reached: string[] = [];
    let ended = false;
    const epilogue = () => {
      if (ended) return;
      ended = true;
      if (this.cellEpilogue === epilogue) this.cellEpilogue = undefined;
      onEnd(reached);
    };
    this.cellEpilogue = epilogue;
    let t = performance.now();
    try {
      const namespaces: ModuleNamespace[] = [];
      for (const specifier of info.imports) namespaces.push(await this.loader.importModule(specifier));
      timings.load = performance.now() - t;

      t = performance.now();
      const internals = {
        i: namespaces,
        d: (...names: string[]) => {
          reached.push(...names);
        },
        import: (specifier: string) => this.loader.importModule(specifier),
        require: this.loader.require,
        meta: this.loader.meta,
      };
      let result = this.runScript(script, filename, internals);
      if (isAsync) result = await this.awaitCell(result as Promise<unknown>);
      timings.run = performance.now() - t;
      const hasValue = info.hasValue && Array.isArray(result) && result[0] !== undefined;
      return { status: "ok", value: hasValue ? (result as unknown[])[0] : undefined, hasValue };
    } catch (error) {
      timings.run = performance.now() - t;
      return this.runtimeError(error, executionCount);
    } finally {
      epilogue();
    }
  }

  // ---- cells run before the checker was ready (see `quick.ts`) --------------------------------

  /** Compiles a cell without types (the project is not built yet), runs it, and queues its check. */
  private async runUnchecked(code: string, executionCount: number, timings: ExecuteTimings): Promise<EvalOutcome> {
    const ts = typescript();
    const id = ++this.cellCounter;
    let t = performance.now();
    const file = path.join(this.cwd, `__tsorch_unchecked_cell${id}.mts`);
    const parsed = parseCell(ts, file, code);
    const early = this.earlyError(ts, parsed, code, executionCount);
    if (early) {
      timings.check = performance.now() - t;
      return early;
    }
    timings.check = performance.now() - t;
    t = performance.now();
    const visible = [...Object.keys(EVALUATOR_GLOBALS), ...Object.keys(this.globalValues), ...this.uncheckedNames];
    const out = compileUnchecked(ts, { code, file, visible: [...new Set(visible)], cellEnd: CELL_END });
    const filename = this.recordCompiled(code, executionCount, out.map);
    timings.emit = performance.now() - t;
    this.setCompiling(false);
    const declarations = topLevelDeclarations(ts, parsed);
    const cell: UncheckedCell = { id, code, executionCount, reached: [] };
    this.unchecked.push(cell);
    const isAsync = hasTopLevelAwait(ts, parsed);
    return this.runCompiled(wrapScript(out.js, isAsync), isAsync, filename, out.info, executionCount, timings, (reached) => {
      cell.reached = reached;
      for (const d of declarations) if (!d.ambient && !d.typeOnly && reached.includes(d.name)) this.uncheckedNames.add(d.name);
    });
  }

  /**
   * Checks the cells that ran before the type checker was ready, now that it can be (building
   * the project if the warm-up has not), and gives their names their types for later cells.
   * Returns what the checker found in them, one error per cell, in the order they ran. The
   * kernel calls it after such a cell's result and before its reply, so the errors are the cell's; a cell
   * that runs first checks what is left.
   */
  checkLate(): LateCheck[] {
    if (this.unchecked.length > 0) {
      this.setCompiling(true);
      try {
        this.checkUnchecked();
      } finally {
        this.setCompiling(false);
      }
    }
    return this.lateErrors.splice(0);
  }

  private checkUnchecked(): void {
    const project = this.ensureProject();
    const ts = project.ts;
    project.refresh();
    for (const cell of this.unchecked.splice(0)) {
      const parsed = parseCell(ts, this.inputFile, cell.code);
      const checked = this.checkInput(cell.code, parsed);
      const errors = checked.diagnostics.filter((d) => d.category === "error");
      if (errors.length > 0) {
        const consequence = "found after the cell ran (it ran before the type checker was ready)";
        const formatted = formatCompileError(checked.diagnostics, cell.code, cell.executionCount, checked.syntactic, consequence);
        this.lateErrors.push({ executionCount: cell.executionCount, ...formatted });
      }
      this.labelByFile.set(this.cellFile(cell.id), `In[${cell.executionCount}]`);
      this.addCellModule(cell.id, cell.code, parsed, checked.declarations, checked.imports);
      this.publishNames(cell.id, checked.declarations, cell.reached);
      this.updateScope();
    }
    this.uncheckedNames.clear();
    project.setFile(this.inputFile, this.placeholderInput());
    this.prepareWhenIdle();
  }
  /**
   * The declarations of the cell just checked in the input file (`declare const net: Net;`,
   * `declare class Net {…}`), from the program that checked it (well under a millisecond), with
   * what they take from the scope module taken from the names' current owners instead. Later
   * cells then read declared types instead of re-inferring the cell, and chains of cells built
   * on each other stay cheap to check; the snapshot also imports only what its types need, so
   * cells it used but whose types it does not mention can be dropped. Undefined when the
   * declarations cannot be emitted (the cell keeps its source then).
   */
  private declarationSnapshot(): { text: string; imports: Set<number> } | undefined {
    const project = this.project!;
    const output = project.service.getEmitOutput(this.inputFile, true, true);
    const dts = output.outputFiles.find((f) => /\.d\.m?ts$/.test(f.name));
    if (output.emitSkipped || !dts || output.diagnostics.length > 0) return undefined;
    const text = redirectScopeImports(project.ts, dts.text, this.specifierOf(this.scopeFile), (name) => {
      const owner = this.owners.get(name);
      return owner === undefined ? undefined : this.specifierOf(this.cellFile(owner));
    });
    const imports = new Set<number>();
    // `from "./…cell3.mjs"`, and `import("./…cell3.mts").T` in types the cell did not import.
    const spec = new RegExp(`["']\\./${escapeRegExp(project.prefix)}(?:cell(\\d+)|(globals)|(scope))(?:\\.m[jt]s)?["']`, "g");
    for (const m of text.matchAll(spec)) {
      // A reference to the scope that could not be redirected would change meaning later on.
      if (m[3]) return undefined;
      imports.add(m[2] ? GLOBALS_ID : Number(m[1]));
    }
    return { text, imports };
  }

  /**
   * Builds the program the next cell will most likely be checked in (the input file holding
   * just the usual imports) once the current work is done, so a cell that changed the project's
   * structure (declared names, imported a package) does not make the next one wait for the
   * rebuild: the next cell then only replaces the input file's text. Anything that uses the
   * project first cancels it (and builds what it needs itself).
   */
  private prepareWhenIdle(): void {
    if (this.idlePreparation) return;
    this.idlePreparation = setImmediate(() => {
      this.idlePreparation = undefined;
      try {
        this.project!.setFile(this.inputFile, this.placeholderInput());
        this.project!.program();
      } catch {
        // Only a head start: the next cell builds its program anyway.
      }
    });
    this.idlePreparation.unref();
  }

  private cancelIdlePreparation(): void {
    if (!this.idlePreparation) return;
    clearImmediate(this.idlePreparation);
    this.idlePreparation = undefined;
  }

  private runScript(script: string, filename: string, internals: object): unknown {
    const slot = globalThis as unknown as Record<symbol, unknown>;
    slot[ARGS_SLOT] = [this.scope, internals];
    try {
      // lineOffset -1: the wrapper's first line is not part of the compiled cell.
      return vm.runInThisContext(script, { filename, lineOffset: -1, breakOnSigint: true });
    } finally {
      delete slot[ARGS_SLOT];
    }
  }

  /** Waits for an async cell; SIGINT (or `abortPending`) ends the wait with a KeyboardInterrupt. */
  private awaitCell(promise: Promise<unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const finish = () => {
        process.off("SIGINT", onSigint);
        this.abortPendingCell = undefined;
      };
      const onSigint = () => this.abortPending();
      this.abortPendingCell = (error) => {
        finish();
        reject(error);
      };
      process.on("SIGINT", onSigint);
      promise.then(
        (value) => {
          finish();
          resolve(value);
        },
        (error: unknown) => {
          finish();
          reject(error);
        },
      );
    });
  }

  /** Makes the names the cell got as far as defining (and all its types) visible to later cells. */
  private publishNames(id: number, declarations: readonly TopLevelDeclaration[], reached: readonly string[]): void {
    const reachedSet = new Set(reached);
    for (const d of declarations) {
      if (d.ambient) continue;
      if (d.typeOnly || reachedSet.has(d.name)) this.owners.set(d.name, id);
    }
    this.collectGarbage();
  }

  /**
   * Drops cell modules nothing can reach any more (every name redeclared since, and no live cell
   * importing from them), so the project stays the size of the live state in long sessions.
   */
  private collectGarbage(): void {
    const reachable = new Set<number>();
    const stack = [...this.owners.values()];
    for (const cell of this.live.values()) if (cell.pinned) stack.push(cell.id);
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (reachable.has(id)) continue;
      reachable.add(id);
      for (const dep of this.live.get(id)?.imports ?? []) stack.push(dep);
    }
    for (const [id, cell] of this.live) {
      if (reachable.has(id)) continue;
      this.live.delete(id);
      this.project!.deleteFile(cell.file);
      this.originalSources.delete(cell.file);
    }
  }

  private uniqueFilename(executionCount: number): string {
    const base = `Cell In[${executionCount}]`;
    if (!this.compiled.has(base)) return base;
    for (let n = 2; ; n++) if (!this.compiled.has(`${base}#${n}`)) return `${base}#${n}`;
  }

  private compileError(diagnostics: CellDiagnostic[], code: string, executionCount: number, syntactic: boolean): EvalOutcome {
    return { status: "compile_error", ...formatCompileError(diagnostics, code, executionCount, syntactic) };
  }

  private runtimeError(error: unknown, executionCount: number): EvalOutcome {
    const formatted = this.formatter.format(error, executionCount);
    return { status: "runtime_error", error, ...formatted };
  }

  /**
   * Compiler text (messages, hover types) as a user should read it: virtual files named by the
   * cells they stand for, tsorch's files by the package name, no resolution-mode attributes.
   */
  private renameFiles(message: string): string {
    const prefix = this.project!.prefix;
    const runtimeDir = path.join(packageRoot(), "dist", "src") + path.sep;
    return message
      .replaceAll(`, { with: { "resolution-mode": "import" } }`, "")
      .replaceAll(`, { with: { "resolution-mode": "require" } }`, "")
      .replace(new RegExp(`(?:import\\()?"[^"]*${escapeRegExp(prefix)}(cell\\d+|globals|input|scope)(?:\\.m?[jt]s)?"\\)?`, "g"), (_m, name: string) => {
        if (name === "globals") return "(kernel globals)";
        if (name === "input") return "(this cell)";
        if (name === "scope") return "(earlier cells)";
        const label = this.cellLabel(this.project!.virtualPath(`${name}.mts`));
        return label ? `(Cell ${label})` : "(an earlier cell)";
      })
      .replaceAll(`"${runtimeDir}`, `"tsorch/`)
      .replaceAll(`"${PACKAGE_NAME}/dist/src/`, `"${PACKAGE_NAME}/`)
      .replaceAll(`"${this.cwd}${path.sep}`, `"./`);
  }
}

// ---- helpers ---------------------------------------------------------------------------------

/** The runtime's PyTorch-form signatures of an op (see `signatureTexts` in src/ops/signature.ts), read without importing it. */
function runtimeSignatureTexts(name: string): readonly string[] {
  const registry = (globalThis as unknown as Record<symbol, Map<string, string[]> | undefined>)[Symbol.for("tsorch.signatures")];
  return registry?.get(name) ?? [];
}

function parseCell(ts: typeof TS, file: string, code: string): TS.SourceFile {
  return ts.createSourceFile(
    file,
    code,
    {
      languageVersion: ts.ScriptTarget.ES2022,
      impliedNodeFormat: ts.ModuleKind.ESNext,
      // Cells are modules (top-level await parses as such).
      setExternalModuleIndicator: (sf) => {
        (sf as { externalModuleIndicator?: unknown }).externalModuleIndicator = true;
      },
    },
    true,
    ts.ScriptKind.TS,
  );
}

function parseDiagnosticsOf(sf: TS.SourceFile): readonly TS.Diagnostic[] {
  return (sf as unknown as { parseDiagnostics?: readonly TS.Diagnostic[] }).parseDiagnostics ?? [];
}

/** The compiled cell refers to the scope and the evaluator through two identifiers cells may not use. */
function reservedIdentifierUse(ts: typeof TS, sf: TS.SourceFile): CellDiagnostic | undefined {
  let found: TS.Identifier | undefined;
  const visit = (node: TS.Node): void => {
    if (found) return;
    if (ts.isIdentifier(node) && (node.text === SCOPE_PARAM || node.text === INTERNALS_PARAM)) found = node;
    else node.forEachChild(visit);
  };
  sf.forEachChild(visit);
  if (!found) return undefined;
  return {
    code: 0,
    message: `'${found.text}' is reserved by the kernel; choose another name.`,
    start: found.getStart(sf),
    length: found.text.length,
    category: "error",
  };
}

/** `export { a, b };` for the cell's top-level names that the user did not export already. */
function exportList(declarations: readonly TopLevelDeclaration[]): string {
  const names = [...new Set(declarations.filter((d) => !d.exported && !d.ambient).map((d) => d.name))];
  return `export { ${names.join(", ")} };`;
}

function declaresOutside(ts: typeof TS, sf: TS.SourceFile): boolean {
  return sf.statements.some((st) => ts.isModuleDeclaration(st) && (ts.isStringLiteral(st.name) || st.name.text === "global"));
}

/**
 * Assigning to a name from an earlier cell is, for the checker, assigning to an import
 * (TS2632). For `let` and `var` that is exactly what a notebook means, so the diagnostic goes;
 * for `const`, functions, classes the checker's usual message is restored.
 */
function adjustImportAssignments(
  ts: typeof TS,
  checker: TS.TypeChecker,
  sf: TS.SourceFile,
  diagnostics: readonly TS.Diagnostic[],
): TS.Diagnostic[] {
  const out: TS.Diagnostic[] = [];
  for (const d of diagnostics) {
    if (d.code !== 2632 || d.start === undefined) {
      out.push(d);
      continue;
    }
    const node = findIdentifierAt(ts, sf, d.start);
    const alias = node && checker.getSymbolAtLocation(node);
    const target = alias && alias.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(alias) : undefined;
    const decl = target?.valueDeclaration;
    if (!decl || !node) {
      out.push(d);
      continue;
    }
    if (ts.isVariableDeclaration(decl) || ts.isBindingElement(decl)) {
      const list = ts.findAncestor(decl, ts.isVariableDeclarationList);
      const isConst = !!list && (list.flags & ts.NodeFlags.Const) !== 0;
      if (!isConst) continue;
      out.push({ ...d, code: 2588, messageText: `Cannot assign to '${node.text}' because it is a constant.` });
      continue;
    }
    const what = ts.isFunctionDeclaration(decl)
      ? [2630, "a function"]
      : ts.isClassDeclaration(decl)
        ? [2629, "a class"]
        : ts.isEnumDeclaration(decl)
          ? [2628, "an enum"]
          : ts.isModuleDeclaration(decl)
            ? [2631, "a namespace"]
            : undefined;
    if (!what) {
      out.push(d);
      continue;
    }
    out.push({ ...d, code: what[0] as number, messageText: `Cannot assign to '${node.text}' because it is ${what[1]}.` });
  }
  return out;
}

function findIdentifierAt(ts: typeof TS, sf: TS.SourceFile, pos: number): TS.Identifier | undefined {
  let found: TS.Identifier | undefined;
  const visit = (node: TS.Node): void => {
    if (found || pos < node.pos || pos >= node.end) return;
    if (ts.isIdentifier(node) && node.getStart(sf) === pos) found = node;
    else node.forEachChild(visit);
  };
  sf.forEachChild(visit);
  return found;
}

/**
 * The script `vm` runs: a function over the scope and the evaluator's helpers, called at once so
 * that `breakOnSigint` covers the cell's synchronous part. The compiled cell starts on line 2
 * (hence `lineOffset: -1`), and its trailing `export {};` and source map comment are dropped.
 */
function wrapScript(js: string, isAsync: boolean): string {
  // Only at the very end: the same text inside a template literal of the cell must stay.
  const body = js.replace(/\n\/\/# sourceMappingURL=[^\n]*\s*$/, "\n").replace(/(^|\n)export \{\};\s*$/, "$1");
  return (
    `(${isAsync ? "async " : ""}function (${SCOPE_PARAM}, ${INTERNALS_PARAM}) {"use strict";\n` +
    body +
    `\n}).apply(undefined, globalThis[Symbol.for(${JSON.stringify(ARGS_SLOT.description)})])`
  );
}

/** `/x/dist/src/index.d.ts` → `/x/dist/src/index.js`; `/x/src/index.ts` → `/x/src/index.js`. */
function toJsSpecifier(file: string): string {
  return file.replace(/\.d\.ts$/, ".js").replace(/\.ts$/, ".js");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The name a cell calls a runtime function by: `F.linear` for the functional module's functions,
 * `torch.cat` for what `torch` exports, as the kernel's globals name them.
 */
function qualifiedName(globals: Record<string, unknown>, name: string, file: string): string | undefined {
  const namespaces = /[\\/]nn[\\/]functional/.test(file) ? ["F", "torch"] : ["torch", "F"];
  for (const ns of namespaces) {
    const value = globals[ns] as Record<string, unknown> | undefined;
    if (value && typeof value[name] === "function") return `${ns}.${name}`;
  }
  return undefined;
}
