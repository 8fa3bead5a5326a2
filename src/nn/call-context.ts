/**
 * Which modules are running right now.
 *
 * Every `module(x)` call pushes a frame (the module, its qualified path such
 * as `features.0` or `fc1`, its type name) and pops it when the call returns or
 * throws. Tools that explain a network (the shape tracer, timing) subscribe
 * with `addModuleCallListener`; when nobody listens, a call costs one push and
 * one pop. Errors thrown inside a module learn where they happened: the
 * innermost frame writes its path and type onto a `TsorchError` on its way out,
 * leaving PyTorch's message untouched.
 *
 * @example
 * const stop = addModuleCallListener({
 *   onModuleEnter: (frame, args) => console.log("enter", frame.path, frame.typeName),
 *   onModuleExit: (frame, outcome) => console.log("exit", frame.path, outcome.error ? "failed" : "ok"),
 * });
 * net(x);   // enter "" Net, enter conv1 Conv2d, exit conv1 ok, ...
 * stop();
 */
import { TsorchError } from "../errors.js";

/** The parts of a module the call context needs (kept structural so this file does not import module.ts). */
export interface CallableModule {
  /** Registered children in order (`null` entries are empty slots). */
  readonly _modules: ReadonlyMap<string, CallableModule | null>;
  _get_name(): string;
}

/** One running module call. */
export class ModuleFrame {
  private cachedPath: string | undefined;
  private cachedName: string | undefined;

  constructor(
    /** The module being called. */
    readonly module: CallableModule,
    /** The frame of the module that called it, or null for the outermost call. */
    readonly parent: ModuleFrame | null,
  ) {}

  /** Nesting depth: 0 for the outermost module. */
  get depth(): number {
    return this.parent === null ? 0 : this.parent.depth + 1;
  }

  /** The class name of the module (`Conv2d`, `Net`). */
  get typeName(): string {
    return this.module._get_name();
  }

  /**
   * The module's name relative to its caller: `fc1`, or `features.0` when the
   * caller reached into a grandchild. An unregistered module (created inside
   * `forward`, or kept in a plain array) is named `<TypeName>`.
   */
  get name(): string {
    if (this.cachedName === undefined) this.cachedName = this.parent === null ? "" : nameWithin(this.parent, this.module);
    return this.cachedName;
  }

  /** The qualified path from the outermost module, as `named_modules()` spells it (`""` for the outermost). */
  get path(): string {
    if (this.cachedPath === undefined) {
      const parentPath = this.parent === null ? "" : this.parent.path;
      this.cachedPath = this.parent === null ? "" : parentPath === "" ? this.name : `${parentPath}.${this.name}`;
    }
    return this.cachedPath;
  }
}

/** The dotted name of `target` below `root`, searching registered children depth-first; undefined if absent. */
function findPath(root: CallableModule, target: CallableModule, seen = new Set<CallableModule>()): string | undefined {
  if (seen.has(root)) return undefined;
  seen.add(root);
  for (const [name, child] of root._modules) {
    if (child === target) return name;
  }
  for (const [name, child] of root._modules) {
    if (child === null) continue;
    const sub = findPath(child, target, seen);
    if (sub !== undefined) return `${name}.${sub}`;
  }
  return undefined;
}

function nameWithin(parent: ModuleFrame, module: CallableModule): string {
  const direct = findPath(parent.module, module);
  if (direct !== undefined) return direct;
  return `<${module._get_name()}>`;
}

/** What happened to a module call: its output, or the error it threw. */
export interface ModuleCallOutcome {
  output?: unknown;
  error?: unknown;
}

/** Receives module calls as they start and end (all methods optional). */
export interface ModuleCallListener {
  /** Called after the frame is pushed, before forward pre-hooks run. */
  onModuleEnter?(frame: ModuleFrame, args: readonly unknown[]): void;
  /** Called after forward hooks ran (or the call threw), before the frame is popped. */
  onModuleExit?(frame: ModuleFrame, outcome: ModuleCallOutcome): void;
}

const stack: ModuleFrame[] = [];
let listeners: ModuleCallListener[] = [];

/**
 * Subscribes to module calls; returns a function that unsubscribes.
 *
 * @example
 * const shapes: string[] = [];
 * const stop = addModuleCallListener({ onModuleExit: (f, o) => shapes.push(`${f.path}: ${(o.output as Tensor).shape}`) });
 * try { net(x) } finally { stop() }
 */
export function addModuleCallListener(listener: ModuleCallListener): () => void {
  listeners = [...listeners, listener];
  return () => {
    listeners = listeners.filter((l) => l !== listener);
  };
}

/** The running module calls, outermost first (a snapshot). */
export function moduleCallStack(): readonly ModuleFrame[] {
  return stack.slice();
}

/** The innermost running module call, or null outside any module. */
export function currentModuleFrame(): ModuleFrame | null {
  return stack.length === 0 ? null : stack[stack.length - 1]!;
}

/**
 * Forgets every running call. Only for a host that abandoned a computation
 * without unwinding it (a cell stopped from outside): normal returns and
 * thrown errors already pop their frames.
 *
 * @example
 * resetModuleCallStack();   // before running the next notebook cell
 */
export function resetModuleCallStack(): void {
  stack.length = 0;
}

/** @internal Pushes a frame for `module` and tells the listeners. */
export function enterModule(module: CallableModule, args: readonly unknown[]): ModuleFrame {
  const frame = new ModuleFrame(module, stack.length === 0 ? null : stack[stack.length - 1]!);
  stack.push(frame);
  if (listeners.length > 0) {
    try {
      for (const l of listeners) l.onModuleEnter?.(frame, args);
    } catch (e) {
      stack.pop();
      throw e;
    }
  }
  return frame;
}

/**
 * @internal Tells the listeners how the call ended and pops its frame. A
 * listener that throws does not leave the stack unbalanced.
 */
export function exitModule(frame: ModuleFrame, outcome: ModuleCallOutcome): void {
  try {
    if (listeners.length > 0) {
      for (const l of listeners) l.onModuleExit?.(frame, outcome);
    }
  } finally {
    const i = stack.lastIndexOf(frame);
    if (i >= 0) stack.length = i;
  }
}

/** A `TsorchError` that knows which module it came from. */
export interface ModuleError extends TsorchError {
  modulePath: string;
  /** The class name of the innermost module (`Linear`). */
  moduleType: string;
}

/**
 * @internal Records the innermost module on an error passing through a module
 * call (outer frames leave it alone). The message stays PyTorch's.
 */
export function annotateError(error: unknown, frame: ModuleFrame): void {
  if (!(error instanceof TsorchError) || error.modulePath !== undefined) return;
  error.modulePath = frame.path;
  (error as ModuleError).moduleType = frame.typeName;
}
