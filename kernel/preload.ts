/**
 * The names every cell starts with: the runtime's (`torch`, `nn`, `F`, ...) and the kernel's own
 * (`display`, `input`, `comms`, ...), with TypeScript declarations so cells type-check
 * against them.
 *
 * The runtime is whatever the compiled `src/index.js` exports; names it does not export (yet)
 * are simply absent, and a runtime that fails to load leaves the kernel working without it.
 * The evaluator types the runtime's names from its declarations; the kernel's are declared here.
 */
import { fileURLToPath } from "node:url";
import type { CommManager } from "./comms.js";
import type { DisplayApi, DisplayFunction } from "./display.js";
import { log } from "./log.js";
import type { InputOptions } from "./stdin.js";

/** The runtime's names every cell gets without an import: the PyTorch-shaped API and the shape-insight tools. */
export const RUNTIME_NAMES = [
  "torch", "nn", "F", "optim", "Tensor", "summary", "trace", "compareTraces", "featureMaps", "print", "datasets",
] as const;

/** The kernel's functions as cells see them. */
export interface KernelGlobals {
  display: DisplayFunction;
  updateDisplay: DisplayApi["updateDisplay"];
  clearOutput: DisplayApi["clearOutput"];
  /** Reads a line from the frontend (Python's `input`). */
  input(prompt?: string, options?: InputOptions): string;
  /** The same as `input`, under the browser's name. */
  prompt(message?: string, options?: InputOptions): string;
  /** Pages a description of `value`, or the kernel's help with no argument. */
  help(value?: unknown): void;
  comms: CommManager;
  /** Jupyter widgets (sliders, dropdowns, interact, ...), as ipywidgets. */
  widgets: typeof import("./widgets/index.js");
  /** The live shape explorer (needs the runtime; absent if it failed to load). */
  explore?: typeof import("./widgets/explore.js").explore;
  /** Asks the frontend to close (jupyter console exits; notebooks ignore it). */
  exit(): void;
  quit(): void;
}

export const KERNEL_NAMES = ["display", "updateDisplay", "clearOutput", "input", "prompt", "help", "comms", "widgets", "explore", "exit", "quit"] as const;

/** Lets the runtime (or any library) reach the kernel without importing it. */
export const KERNEL_SYMBOL = Symbol.for("tsorch.kernel");

export interface Runtime {
  exports: Record<string, unknown>;
  error?: string;
}

export async function loadRuntime(): Promise<Runtime> {
  const url = new URL("../src/index.js", import.meta.url);
  let module: Record<string, unknown>;
  try {
    // A literal specifier, so that a bundler bundles the runtime (see scripts/bundle.mjs).
    module = (await import("../src/index.js")) as Record<string, unknown>;
  } catch (err) {
    const error = `the tsorch runtime (${fileURLToPath(url)}) could not be loaded: ${(err as Error).message}`;
    log.warn(error);
    return { exports: {}, error };
  }
  // Cells that import "tsorch" get this same instance (see kernel/eval/modules.ts).
  (globalThis as Record<symbol, unknown>)[Symbol.for("tsorch.runtime")] = module;
  const exports: Record<string, unknown> = {};
  for (const name of RUNTIME_NAMES) if (module[name] !== undefined) exports[name] = module[name];
  const missing = RUNTIME_NAMES.filter((n) => !(n in exports));
  if (missing.length) log.info(`the runtime does not export ${missing.join(", ")}`);
  return { exports };
}

export const KERNEL_DECLARATIONS = `
  /** A MIME bundle: MIME type → data (strings for text, base64 for images, JSON for application/json). */
  type TsorchMimeBundle = { [mime: string]: unknown };
  interface TsorchDisplayOptions {
    /** Names the output so updateDisplay can replace it; true makes up an id. */
    display_id?: string | true;
    /** Output metadata, e.g. { "image/png": { width: 64 } }. */
    metadata?: Record<string, unknown>;
  }
  interface TsorchDisplayHandle {
    readonly display_id: string;
    /** Replaces the output shown under this handle's display_id. */
    update(value: unknown, options?: { metadata?: Record<string, unknown> }): void;
  }
  interface TsorchImageOptions extends TsorchDisplayOptions { width?: number; height?: number }
  interface TsorchDisplay {
    /**
     * Shows a value as rich output: objects with [Symbol.for("Jupyter.display")]() use their MIME bundle,
     * strings show as text, anything else through util.inspect.
     * @example display(model); const h = display("step 1", { display_id: true }); h?.update("step 2");
     */
    (value: unknown, options?: TsorchDisplayOptions): TsorchDisplayHandle | undefined;
    html(text: string, options?: TsorchDisplayOptions): TsorchDisplayHandle | undefined;
    markdown(text: string, options?: TsorchDisplayOptions): TsorchDisplayHandle | undefined;
    latex(text: string, options?: TsorchDisplayOptions): TsorchDisplayHandle | undefined;
    svg(text: string, options?: TsorchDisplayOptions): TsorchDisplayHandle | undefined;
    json(value: unknown, options?: TsorchDisplayOptions): TsorchDisplayHandle | undefined;
    /** Shows a PNG given as bytes or base64. */
    png(data: Uint8Array | ArrayBuffer | string, options?: TsorchImageOptions): TsorchDisplayHandle | undefined;
    jpeg(data: Uint8Array | ArrayBuffer | string, options?: TsorchImageOptions): TsorchDisplayHandle | undefined;
    /** Shows a MIME bundle as given. */
    bundle(data: TsorchMimeBundle, options?: TsorchDisplayOptions): TsorchDisplayHandle | undefined;
  }
  interface TsorchInputOptions { /** Hide what is typed. */ password?: boolean }
  interface TsorchCommMessage {
    data: Record<string, unknown>;
    metadata: Record<string, unknown>;
    buffers: Uint8Array[];
  }
  interface TsorchComm {
    readonly id: string;
    readonly targetName: string;
    readonly closed: boolean;
    send(data?: Record<string, unknown>, metadata?: Record<string, unknown>, buffers?: Uint8Array[]): void;
    close(data?: Record<string, unknown>, metadata?: Record<string, unknown>): void;
    /** Calls handler for each message from the frontend; returns a function that stops it. */
    onMsg(handler: (data: Record<string, unknown>, message: TsorchCommMessage) => void): () => void;
    onClose(handler: (data: Record<string, unknown>, message: TsorchCommMessage) => void): () => void;
  }
  interface TsorchComms {
    /** Lets the frontend open comms on a target name. */
    registerTarget(name: string, handler: (comm: TsorchComm, open: TsorchCommMessage) => void): void;
    unregisterTarget(name: string): void;
    /** Opens a comm from the kernel side. */
    open(targetName: string, data?: Record<string, unknown>, metadata?: Record<string, unknown>, buffers?: Uint8Array[]): TsorchComm;
    get(id: string): TsorchComm | undefined;
  }
  /** Rich output. */
  declare const display: TsorchDisplay;
  /** Replaces the output shown with display(value, { display_id }). */
  declare function updateDisplay(displayId: string, value: unknown, options?: { metadata?: Record<string, unknown> }): void;
  /** Clears this cell's output; with wait, only when the next output arrives (no flicker). */
  declare function clearOutput(wait?: boolean): void;
  /** Reads a line typed in the frontend (needs a frontend that allows input). */
  declare function input(prompt?: string, options?: TsorchInputOptions): string;
  /** The same as input(). */
  declare function prompt(message?: string, options?: TsorchInputOptions): string;
  /** Pages a description of a value; help() alone lists the kernel's functions. End a name with ? for its docs. */
  declare function help(value?: unknown): void;
  /** Comms with frontend widgets. */
  declare const comms: TsorchComms;
  /** Asks the frontend to close (jupyter console exits; a notebook ignores it). The kernel keeps running. */
  declare function exit(): void;
  /** The same as exit(). */
  declare function quit(): void;
`;

/** The kernel's names typed from their own declaration files (next to this module's). */
function moduleDeclarations(): string {
  const widgets = JSON.stringify(fileURLToPath(new URL("./widgets/index.js", import.meta.url)));
  const explore = JSON.stringify(fileURLToPath(new URL("./widgets/explore.js", import.meta.url)));
  return [
    `/** Jupyter widgets: IntSlider, Dropdown, Button, Output, HBox, interact, ... (ipywidgets' names and state). */`,
    `declare const widgets: typeof import(${widgets});`,
    `/** The live shape explorer: sliders for the input size, the trace and explanation re-traced on every move. @example explore(net, [1, 1, 32, 32]) */`,
    `declare const explore: typeof import(${explore}).explore;`,
  ].join("\n");
}

/** The kernel's names built on the runtime (`explore`): empty when the runtime did not load. */
export async function loadRuntimeTools(runtime: Runtime): Promise<{ explore?: KernelGlobals["explore"] }> {
  if (runtime.error) return {};
  try {
    return { explore: (await import("./widgets/explore.js")).explore };
  } catch (err) {
    log.warn(`explore is unavailable: ${(err as Error).message}`);
    return {};
  }
}

/** The preload text handed to the evaluator. */
export function preloadDeclarations(): string {
  return KERNEL_DECLARATIONS.replace(/^ {2}/gm, "").trim() + "\n" + moduleDeclarations() + "\n";
}
