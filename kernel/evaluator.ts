/**
 * The contract between the kernel and the TypeScript cell evaluator (`kernel/eval/`), and how
 * the kernel loads it.
 *
 * The evaluator compiles, type-checks and runs cells (synchronous code under `vm` with
 * `breakOnSigint`), and serves completion, inspection and is_complete. It is loaded with a
 * dynamic import so that the kernel can answer kernel_info before TypeScript is in memory.
 * `TSORCH_EVALUATOR` may name another module exporting the same `CellEvaluator` class.
 */
import { pathToFileURL } from "node:url";
import { log } from "./log.js";

export interface EvalOk {
  status: "ok";
  value: unknown;
  hasValue: boolean;
}
export interface EvalCompileError {
  status: "compile_error";
  ename: string;
  evalue: string;
  traceback: string[];
}
export interface EvalRuntimeError {
  status: "runtime_error";
  error: unknown;
  ename: string;
  evalue: string;
  traceback: string[];
}
export type EvalOutcome = EvalOk | EvalCompileError | EvalRuntimeError;

export interface CompletionResult {
  matches: string[];
  cursor_start: number;
  cursor_end: number;
  metadata: Record<string, unknown>;
}

export interface InspectionResult {
  found: boolean;
  data: Record<string, string>;
}

export interface CompletenessResult {
  status: "complete" | "incomplete" | "invalid" | "unknown";
  indent?: string;
}

export interface FormattedError {
  ename: string;
  evalue: string;
  traceback: string[];
}

export interface EvaluatorOptions {
  cwd: string;
  globals: Record<string, unknown>;
  /** Declarations (.d.ts text) of the globals the kernel provides. */
  preloadDeclarations?: string;
  /** Told `true` while a cell compiles and `false` once its code runs (see `CellEvaluatorOptions`). */
  onCompiling?: (compiling: boolean) => void;
  /** Run the first cells before the type checker is ready and check them after (see `CellEvaluatorOptions`). */
  quickStart?: boolean;
}

export interface Evaluator {
  /** Loads and primes TypeScript; `step` (if given) wraps each synchronous part of that work. */
  warmUp(step?: <T>(work: () => T) => T): Promise<void>;
  execute(code: string, executionCount: number): Promise<EvalOutcome>;
  /** `cursorPos` counts Unicode code points, as the protocol does since 5.2. */
  complete(code: string, cursorPos: number): CompletionResult | Promise<CompletionResult>;
  inspect(code: string, cursorPos: number, detailLevel: 0 | 1): InspectionResult | Promise<InspectionResult>;
  isComplete(code: string): CompletenessResult | Promise<CompletenessResult>;
  formatError(error: unknown, executionCount?: number): FormattedError;
  /** Ends a cell that is waiting on a promise (the kernel calls it on interrupt), if the evaluator can. */
  abortPending?(): boolean;
  /**
   * Type-checks cells that ran before the checker was ready; returns the errors found (one per
   * cell), which the kernel makes the cell's error (after its result, before its reply).
   */
  checkLate?(): (FormattedError & { executionCount: number })[];
}

type EvaluatorClass = new (options: EvaluatorOptions) => Evaluator;

/** Loads the evaluator module; if it cannot be loaded, every cell reports why instead of crashing. */
export async function loadEvaluator(options: EvaluatorOptions): Promise<Evaluator> {
  const override = process.env.TSORCH_EVALUATOR;
  const url = override ? pathToFileURL(override).href : new URL("./eval/index.js", import.meta.url).href;
  try {
    // A literal specifier, so that a bundler bundles the evaluator (see scripts/bundle.mjs).
    const module = (override ? await import(url) : await import("./eval/index.js")) as { CellEvaluator?: EvaluatorClass; default?: EvaluatorClass };
    const Class = module.CellEvaluator ?? module.default;
    if (typeof Class !== "function") throw new Error(`${url} does not export a CellEvaluator class`);
    return new Class(options);
  } catch (err) {
    log.error("cannot load the TypeScript evaluator:", err);
    return new UnavailableEvaluator(err);
  }
}

/**
 * Loads the TypeScript compiler ahead of the evaluator (which loads it on first use anyway);
 * `step` wraps the synchronous load (the kernel protects it from interrupts). Never rejects: a missing compiler is reported by the evaluator.
 */
export async function preloadCompiler(step: <T>(work: () => T) => T = (work) => work()): Promise<void> {
  if (process.env.TSORCH_EVALUATOR) return;
  try {
    const { typescript } = await import("./eval/typescript.js");
    step(() => typescript());
  } catch {
    // The evaluator says what is wrong when a cell needs it.
  }
}

/** Stands in when the evaluator failed to load: the kernel stays up and says what is wrong. */
export class UnavailableEvaluator implements Evaluator {
  private readonly reason: string;

  constructor(cause: unknown) {
    this.reason = `the TypeScript evaluator could not be loaded: ${(cause as Error)?.message ?? String(cause)}`;
  }

  async warmUp(): Promise<void> {}

  async execute(): Promise<EvalOutcome> {
    return { status: "compile_error", ename: "KernelError", evalue: this.reason, traceback: [`KernelError: ${this.reason}`] };
  }

  complete(_code: string, cursorPos: number): CompletionResult {
    return { matches: [], cursor_start: cursorPos, cursor_end: cursorPos, metadata: {} };
  }

  inspect(): InspectionResult {
    return { found: false, data: {} };
  }

  isComplete(): CompletenessResult {
    return { status: "unknown" };
  }

  formatError(error: unknown): FormattedError {
    const e = error as Error;
    return { ename: e?.name ?? "Error", evalue: e?.message ?? String(error), traceback: [String(e?.stack ?? error)] };
  }
}
