/**
 * `repr(tensor)` exactly as PyTorch 1.13 prints it: the number format chosen
 * from the values (integers, fixed or scientific), the columns padded to one
 * width, `...` summaries of large tensors, rows wrapped at the line width,
 * and the `dtype=` / `grad_fn=` / `requires_grad=` suffixes.
 *
 * It works on anything that can list its elements in row-major order, so it
 * does not depend on the Tensor class (which passes itself in).
 *
 * @example
 * const t = { shape: [2, 2], dtype: "float32", get: (i: number) => [1, 2.5, -3, 4][i]! } as const;
 * formatTensor(t)
 * // tensor([[ 1.0000,  2.5000],
 * //         [-3.0000,  4.0000]])
 * formatTensor({ shape: [], dtype: "float32", get: () => 3 })  // "tensor(3.)"
 * formatSize([1, 6, 28, 28])                                    // "torch.Size([1, 6, 28, 28])"
 */
import { ArgumentError, DTypeError, TsorchError } from "../errors.js";
import { formatExponential, formatFixed, formatFloatRepr } from "./format-float.js";
import { type PrintOptions, resolvePrintOptions } from "./print-options.js";

/** The dtypes tensor printing knows, by PyTorch's names. */
export type PrintDType =
  | "float32" | "float64" | "float16" | "bfloat16"
  | "int64" | "int32" | "int16" | "int8" | "uint8"
  | "bool"
  | "complex64" | "complex128";

const FLOAT_DTYPES: ReadonlySet<string> = new Set(["float32", "float64", "float16", "bfloat16"]);
const KNOWN_DTYPES: ReadonlySet<string> = new Set([...FLOAT_DTYPES, "int64", "int32", "int16", "int8", "uint8", "bool", "complex64", "complex128"]);

/** What printing needs to know about a tensor. */
export interface Printable {
  readonly shape: readonly number[];
  readonly dtype: PrintDType;
  /** The element at this position of the row-major (logical) order; int64 may come as a bigint. */
  get(flatIndex: number): number | bigint | boolean;
  /** A complex tensor's imaginary parts (`get` gives the real parts), row-major like `get`. */
  imag?(flatIndex: number): number;
  readonly requires_grad?: boolean;
  /** The class name of the node that made this tensor, e.g. `"AddBackward0"`. */
  readonly grad_fn?: string | null;
  /** Printed as `Parameter containing:` and the tensor below it, like `nn.Parameter`. */
  readonly isParameter?: boolean;
}

/** Per-call overrides of the global print options, and the default dtype (which decides when `dtype=` shows). */
export interface FormatOptions extends Partial<PrintOptions> {
  /** `torch.get_default_dtype()`: float32 unless changed (complex64 goes with float32, complex128 with float64). */
  defaultDtype?: "float32" | "float64";
}

/**
 * `repr(t)` / `str(t)` as PyTorch prints it.
 *
 * @example
 * formatTensor({ shape: [3], dtype: "int32", get: (i) => i })
 * // "tensor([0, 1, 2], dtype=torch.int32)"
 * formatTensor({ shape: [0, 3], dtype: "float32", get: () => 0 })
 * // "tensor([], size=(0, 3))"
 * formatTensor({ shape: [], dtype: "float32", get: () => 2.3026, grad_fn: "NllLossBackward0" })
 * // "tensor(2.3026, grad_fn=<NllLossBackward0>)"
 */
export function formatTensor(t: Printable, opts?: FormatOptions): string {
  checkPrintable(t);
  const options = resolvePrintOptions(opts);
  const defaultDtype = opts?.defaultDtype ?? "float32";
  const prefix = "tensor(";
  const indent = prefix.length;
  const suffixes: string[] = [];
  let body: string;
  if (numelOf(t.shape) === 0) {
    // NumPy-style: the shape is shown unless it is (0,), and the dtype whenever
    // it is not the default float one, since there are no values to tell.
    if (t.shape.length !== 1) suffixes.push("size=" + formatShapeTuple(t.shape));
    if (t.dtype !== defaultDtype) suffixes.push("dtype=torch." + t.dtype);
    body = "[]";
  } else {
    const defaultComplex = defaultDtype === "float32" ? "complex64" : "complex128";
    const inferable = t.dtype === defaultDtype || t.dtype === defaultComplex || t.dtype === "int64" || t.dtype === "bool";
    if (!inferable) suffixes.push("dtype=torch." + t.dtype);
    body = formatTensorData(t, indent, options);
  }
  if (t.grad_fn) suffixes.push(`grad_fn=<${t.grad_fn}>`);
  else if (t.requires_grad) suffixes.push("requires_grad=True");
  const repr = addSuffixes(prefix + body, suffixes, indent, options.linewidth);
  return t.isParameter ? "Parameter containing:\n" + repr : repr;
}

/**
 * The bracketed values alone (PyTorch's `_tensor_str`), for a tensor whose
 * text starts `indent` characters into its first line.
 *
 * @example
 * formatTensorData({ shape: [2], dtype: "float32", get: (i) => i / 2 }, 0) // "[0.0000, 0.5000]"
 */
export function formatTensorData(t: Printable, indent: number, opts?: Partial<PrintOptions>): string {
  checkPrintable(t);
  const options = resolvePrintOptions(opts);
  if (numelOf(t.shape) === 0) return "[]";
  const summarize = numelOf(t.shape) > options.threshold;
  const walker = new Walker(t, summarize, options);
  if (t.imag) return walker.render(complexCells(t, walker.shownIndices(), options), indent);
  const formatter = new ElementFormatter(t.dtype, walker.shownValues(), options);
  return walker.render(formatter, indent);
}

/**
 * PyTorch's complex elements: the real and imaginary parts each get their own
 * float format (chosen from the shown values), the real part right-aligned,
 * the imaginary one with its sign and a `j`, e.g. `-0.2934-1.0845j`.
 */
function complexCells(t: Printable, shown: readonly number[], options: PrintOptions): Cells {
  const part = t.dtype === "complex128" ? "float64" : "float32";
  const re = new ElementFormatter(part, shown.map((i) => t.get(i)), options);
  const im = new ElementFormatter(part, shown.map((i) => t.imag!(i)), options);
  return {
    width: re.width + im.width + 1,
    cell: (i) => {
      const imag = (im.format(t.imag!(i)) + "j").trimStart();
      return re.format(t.get(i)) + (imag[0] === "+" || imag[0] === "-" ? "" : "+") + imag;
    },
  };
}

/** How each element prints (by its row-major index), and the column width rows wrap by. */
interface Cells {
  readonly width: number;
  cell(flatIndex: number): string;
}

/**
 * How Python prints `t.item()` for a tensor of this dtype: `repr` of a float
 * (shortest round-trip digits), of an int, or `True`/`False`.
 *
 * @example
 * formatScalarLikePython(0.1, "float32")  // "0.10000000149011612"
 * formatScalarLikePython(0.1, "float64")  // "0.1"
 * formatScalarLikePython(1e-5, "float64") // "1e-05"
 * formatScalarLikePython(7, "int64")      // "7"
 * formatScalarLikePython(1, "bool")       // "True"
 */
export function formatScalarLikePython(x: number | bigint | boolean, dtype: PrintDType): string {
  checkDtype(dtype);
  if (dtype === "bool") return x ? "True" : "False";
  if (FLOAT_DTYPES.has(dtype)) return formatFloatRepr(toFloat(x, dtype));
  return formatInt(x);
}

/**
 * `repr(torch.Size(shape))`.
 *
 * @example
 * formatSize([1, 6, 28, 28]) // "torch.Size([1, 6, 28, 28])"
 * formatSize([])             // "torch.Size([])"
 */
export function formatSize(shape: readonly number[]): string {
  return `torch.Size([${shape.join(", ")}])`;
}

/**
 * A shape as a Python tuple, as in `size=(0, 3)`.
 *
 * @example
 * formatShapeTuple([0, 3]) // "(0, 3)"
 * formatShapeTuple([0])    // "(0,)"
 */
export function formatShapeTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

// ---------------------------------------------------------------------------

function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function checkDtype(dtype: string): void {
  if (!KNOWN_DTYPES.has(dtype)) {
    throw new DTypeError(`repr: cannot print a tensor of dtype '${dtype}'`, "repr", [dtype]);
  }
}

function checkPrintable(t: Printable): void {
  checkDtype(t.dtype);
  if ((t.dtype === "complex64" || t.dtype === "complex128") !== Boolean(t.imag)) {
    throw new DTypeError(`repr: a ${t.dtype} tensor ${t.imag ? "has no" : "needs its"} imaginary parts`, "repr", [t.dtype]);
  }
  for (const d of t.shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ArgumentError(`repr: invalid shape [${t.shape.join(", ")}]: sizes must be non-negative integers`, "shape");
    }
  }
}

function toFloat(v: number | bigint | boolean, dtype: string): number {
  const x = Number(v);
  // A float32 element is the float32 value, whatever double the caller held.
  return dtype === "float32" ? Math.fround(x) : x;
}

function formatInt(v: number | bigint | boolean): string {
  if (typeof v === "bigint") return v.toString();
  const x = Number(v);
  // BigInt prints every digit (String() turns to 1e+21 notation) and drops the sign of -0.
  return Number.isInteger(x) ? BigInt(x).toString() : String(x);
}

/**
 * One number format for every element of a tensor (PyTorch's `_Formatter`):
 * it looks at the values that will be shown and picks integer mode (`1.`),
 * fixed (`1.0000`) or scientific (`1.0000e+00`), and the column width.
 */
class ElementFormatter {
  private readonly floating: boolean;
  private readonly precision: number;
  private intMode = true;
  private sciMode = false;
  /** Every element is right-aligned to this width. */
  readonly width: number;

  constructor(private readonly dtype: PrintDType, values: readonly (number | bigint | boolean)[], options: PrintOptions) {
    this.floating = FLOAT_DTYPES.has(dtype);
    this.precision = options.precision;
    this.width = this.floating ? this.chooseFloatFormat(values.map((v) => toFloat(v, dtype)), options) : this.intWidth(values);
  }

  private intWidth(values: readonly (number | bigint | boolean)[]): number {
    let width = 1;
    for (const v of values) width = Math.max(width, this.formatBare(v).length);
    return width;
  }

  /** Sets intMode/sciMode and returns the width, from the nonzero finite values only. */
  private chooseFloatFormat(values: readonly number[], options: PrintOptions): number {
    const nonzeroFinite = values.filter((v) => Number.isFinite(v) && v !== 0);
    // Nothing to measure (all zeros, NaN or inf): integer mode, and PyTorch
    // returns before applying a forced sci_mode.
    if (nonzeroFinite.length === 0) return 1;
    let min = Infinity;
    let max = 0;
    for (const v of nonzeroFinite) {
      const a = Math.abs(v);
      if (a < min) min = a;
      if (a > max) max = a;
    }
    this.intMode = nonzeroFinite.every((v) => v === Math.ceil(v));
    const wideRange = max / min > 1000 || max > 1e8;
    this.sciMode = this.intMode ? wideRange : wideRange || min < 1e-4;
    let width = 1;
    for (const v of nonzeroFinite) {
      let len: number;
      if (this.sciMode) len = formatExponential(v, this.precision).length;
      else if (this.intMode) len = formatFixed(v, 0).length + 1; // room for the trailing "."
      else len = formatFixed(v, this.precision).length;
      width = Math.max(width, len);
    }
    // The width stays the one measured for the automatic choice, as in PyTorch.
    if (options.sci_mode !== null) this.sciMode = options.sci_mode;
    return width;
  }

  /** The element without padding. */
  private formatBare(v: number | bigint | boolean): string {
    if (this.dtype === "bool") return v ? "True" : "False";
    if (!this.floating) return formatInt(v);
    const x = toFloat(v, this.dtype);
    if (this.sciMode) return formatExponential(x, this.precision);
    if (this.intMode) return Number.isFinite(x) ? formatFixed(x, 0) + "." : formatFixed(x, 0);
    return formatFixed(x, this.precision);
  }

  /** The element right-aligned to the column width (never cut: `nan` may be wider than `1.`). */
  format(v: number | bigint | boolean): string {
    return this.formatBare(v).padStart(this.width, " ");
  }
}

/** Which indices of a dimension are printed: all of them, or both ends around `...`. */
interface Shown {
  head: number[];
  ellipsis: boolean;
  tail: number[];
}

function range(start: number, end: number): number[] {
  const out: number[] = [];
  for (let i = start; i < end; i++) out.push(i);
  return out;
}

/** Walks the elements PyTorch would show, for measuring and for rendering. */
class Walker {
  private readonly strides: number[];
  private readonly edge: number;

  constructor(
    private readonly t: Printable,
    private readonly summarize: boolean,
    private readonly options: PrintOptions,
  ) {
    this.edge = options.edgeitems;
    this.strides = new Array<number>(t.shape.length);
    let stride = 1;
    for (let d = t.shape.length - 1; d >= 0; d--) {
      this.strides[d] = stride;
      stride *= t.shape[d]!;
    }
    if (summarize && this.edge === 0 && t.shape.length >= 2) {
      // PyTorch stacks the kept rows of each end; with none kept it has nothing to stack.
      throw new TsorchError("stack expects a non-empty TensorList");
    }
  }

  private shown(d: number): Shown {
    const size = this.t.shape[d]!;
    if (!(this.summarize && size > 2 * this.edge)) return { head: range(0, size), ellipsis: false, tail: [] };
    // PyTorch slices the tail as self[-edgeitems:], which is the whole row when edgeitems is 0.
    const tailStart = this.edge === 0 ? 0 : size - this.edge;
    return { head: range(0, this.edge), ellipsis: true, tail: range(tailStart, size) };
  }

  /** The values the format is chosen from (PyTorch's get_summarized_data). */
  shownValues(): (number | bigint | boolean)[] {
    return this.shownIndices().map((i) => this.t.get(i));
  }

  /** The row-major indices of the values shown. */
  shownIndices(): number[] {
    const out: number[] = [];
    const visit = (d: number, base: number): void => {
      if (d === this.t.shape.length) {
        out.push(base);
        return;
      }
      const { head, tail } = this.shown(d);
      for (const i of head) visit(d + 1, base + i * this.strides[d]!);
      for (const i of tail) visit(d + 1, base + i * this.strides[d]!);
    };
    visit(0, 0);
    return out;
  }

  render(formatter: ElementFormatter | Cells, indent: number): string {
    const cells: Cells = formatter instanceof ElementFormatter ? { width: formatter.width, cell: (i) => formatter.format(this.t.get(i)) } : formatter;
    return this.renderFrom(0, 0, indent, cells);
  }

  private renderFrom(d: number, base: number, indent: number, formatter: Cells): string {
    const remaining = this.t.shape.length - d;
    if (remaining === 0) return formatter.cell(base);
    const { head, ellipsis, tail } = this.shown(d);
    const stride = this.strides[d]!;
    if (remaining === 1) {
      const items = head.map((i) => formatter.cell(base + i));
      if (ellipsis) items.push(" ...");
      for (const i of tail) items.push(formatter.cell(base + i));
      return this.wrapRow(items, indent, formatter.width);
    }
    const slices = head.map((i) => this.renderFrom(d + 1, base + i * stride, indent + 1, formatter));
    if (ellipsis) slices.push("...");
    for (const i of tail) slices.push(this.renderFrom(d + 1, base + i * stride, indent + 1, formatter));
    // Blocks of higher dimensions are set apart by one blank line per extra dimension.
    return "[" + slices.join("," + "\n".repeat(remaining - 1) + " ".repeat(indent + 1)) + "]";
  }

  /** The last dimension, as many elements to a line as fit the line width. */
  private wrapRow(items: string[], indent: number, width: number): string {
    const elementLength = width + 2; // ", " between elements
    const perLine = Math.max(1, Math.floor((this.options.linewidth - indent) / elementLength));
    const lines: string[] = [];
    for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(", "));
    return "[" + lines.join(",\n" + " ".repeat(indent + 1)) + "]";
  }
}

/**
 * Appends `, suffix` items and the closing parenthesis, moving a suffix to its
 * own line when it would pass the line width. The length of the last line is
 * measured as PyTorch does (two more than its real length).
 */
function addSuffixes(text: string, suffixes: readonly string[], indent: number, linewidth: number): string {
  let out = text;
  let lastLineLength = text.length - text.lastIndexOf("\n") + 1;
  for (const suffix of suffixes) {
    if (lastLineLength + suffix.length + 2 > linewidth) {
      out += ",\n" + " ".repeat(indent) + suffix;
      lastLineLength = indent + suffix.length;
    } else {
      out += ", " + suffix;
      lastLineLength += suffix.length + 2;
    }
  }
  return out + ")";
}
