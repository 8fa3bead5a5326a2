/**
 * The errors tsorch throws on purpose.
 *
 * Every error is a typed value: the message starts with PyTorch's own text for
 * the same mistake (so a search engine finds the answer users already wrote),
 * and the fields carry the numbers behind it (shapes, expected values, the op,
 * the module path) so that tools such as the shape tracer can explain it
 * without parsing the message.
 *
 * `name` is the Python exception PyTorch raises (`RuntimeError`,
 * `ValueError`, ...), which is what a notebook shows as the error name;
 * `instanceof ShapeError` still tells the kinds apart.
 *
 * @example
 * try { torch.zeros(2, 3).view(-1, 4) } catch (e) {
 *   if (e instanceof ShapeError) console.log(e.op, e.shapes) // "view" { input: [2, 3], requested: [-1, 4] }
 * }
 */

/** The Python exception class PyTorch raises for the same mistake. */
export type PyErrorType =
  | "RuntimeError"
  | "ValueError"
  | "TypeError"
  | "IndexError"
  | "KeyError"
  | "NotImplementedError"
  | "OverflowError"
  | "AttributeError"
  | "AssertionError"
  | "KeyboardInterrupt"
  | "UnpicklingError"
  | "SafetensorError"
  | "FileNotFoundError"
  | "IsADirectoryError"
  // torch.linalg.LinAlgError (a RuntimeError; Python names its class _LinAlgError)
  | "_LinAlgError";

export class TsorchError extends Error {
  /** The module path the error passed through, innermost last (`fc1`, `features.0`); set by `Module.call`. */
  modulePath: string | undefined;
  /** The class name of that innermost module (`Linear`, `Conv2d`). */
  moduleType: string | undefined;

  constructor(message: string, pyType: PyErrorType = "RuntimeError") {
    super(message);
    // Shown as the error name by Node, the kernel and the REPL: PyTorch's wording.
    Object.defineProperty(this, "name", { value: pyType, enumerable: false, configurable: true, writable: true });
  }

  get pyType(): PyErrorType {
    return this.name as PyErrorType;
  }
}

/** What a shape error knows beyond its message. */
export interface ShapeErrorDetails {
  /** The op that refused, as PyTorch names it: `linear`, `conv2d`, `view`, `max_pool2d`, `add`. */
  op: string;
  /** The shapes involved, by role: `{ input: [1, 2704], weight: [120, 400] }`. */
  shapes: Record<string, readonly number[]>;
  /** What the op needed, by name: `{ in_features: 400 }`, `{ in_channels: 3 }`. */
  expected?: Record<string, unknown>;
  /** What it got instead, by the same names: `{ in_features: 2704 }`. */
  got?: Record<string, unknown>;
}

/** A tensor arrived with a shape an op cannot take (PyTorch raises RuntimeError). */
export class ShapeError extends TsorchError {
  readonly op: string;
  readonly shapes: Record<string, readonly number[]>;
  readonly expected: Record<string, unknown>;
  readonly got: Record<string, unknown>;

  constructor(message: string, details: ShapeErrorDetails, pyType: PyErrorType = "RuntimeError") {
    super(message, pyType);
    this.op = details.op;
    this.shapes = details.shapes;
    this.expected = details.expected ?? {};
    this.got = details.got ?? {};
  }
}

/** A request that can never be met: a negative size, a tensor too large to allocate. */
export class SizeError extends TsorchError {
  readonly op: string;
  readonly size: readonly number[];

  constructor(message: string, op: string, size: readonly number[], pyType: PyErrorType = "RuntimeError") {
    super(message, pyType);
    this.op = op;
    this.size = size;
  }
}

/** A dimension or element index outside the tensor (PyTorch raises IndexError). */
export class IndexError extends TsorchError {
  readonly index: number;
  readonly bound: readonly [number, number];

  constructor(message: string, index: number, bound: readonly [number, number]) {
    super(message, "IndexError");
    this.index = index;
    this.bound = bound;
  }
}

/** An argument of the wrong kind or value (PyTorch raises ValueError or TypeError). */
export class ArgumentError extends TsorchError {
  readonly argument: string;

  constructor(message: string, argument: string, pyType: PyErrorType = "ValueError") {
    super(message, pyType);
    this.argument = argument;
  }
}

/** A dtype an op does not support, or two dtypes that do not mix. */
export class DTypeError extends TsorchError {
  readonly op: string;
  readonly dtypes: readonly string[];

  constructor(message: string, op: string, dtypes: readonly string[]) {
    super(message, "RuntimeError");
    this.op = op;
    this.dtypes = dtypes;
  }
}

/** Autograd refused: a second backward without retain_graph, grad of a non-scalar without a gradient, ... */
export class AutogradError extends TsorchError {
  constructor(message: string) {
    super(message, "RuntimeError");
  }
}

/**
 * A pickle `torch.load` refused: malformed bytes, an unknown opcode, or a
 * global outside the weights-only whitelist (named in `global`). Nothing in
 * the file is ever executed (PyTorch raises `pickle.UnpicklingError`).
 */
export class UnpicklingError extends TsorchError {
  constructor(message: string, readonly offset: number, readonly global: string | null = null) {
    super(message, "UnpicklingError");
  }
}

/**
 * A checkpoint file that is not what it claims: a damaged zip, a storage
 * shorter than its tensors, strides outside their storage, a dtype tsorch has
 * not got. `reason` says which, `record` the zip entry involved.
 */
export class CheckpointError extends TsorchError {
  constructor(message: string, readonly reason: string, readonly record: string | null = null) {
    super(message, "RuntimeError");
  }
}

/** A `.safetensors` file or tensor dict that breaks the format (the `safetensors` package raises SafetensorError). */
export class SafetensorError extends TsorchError {
  constructor(message: string) {
    super(message, "SafetensorError");
  }
}

/** Formats a shape the way PyTorch's messages do: `[1, 6, 28, 28]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}
