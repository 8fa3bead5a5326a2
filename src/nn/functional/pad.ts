/**
 * `F.pad`: padding (or, with negative amounts, cropping) of the last
 * dimensions, in PyTorch's four modes.
 *
 * `pad` lists amounts from the LAST dimension backwards, as PyTorch does:
 * `[left, right]` pads the last dimension, `[left, right, top, bottom]` the
 * last two. Every mode is one gather: for each padded dimension a map from
 * output coordinate to input coordinate (-1 meaning "the constant"), which
 * makes the backward pass the matching scatter-add.
 *
 * @example
 * F.pad(x, [1, 1, 2, 2])                      // zeros: H + 4, W + 2
 * F.pad(x, [2, 2, 2, 2], { mode: "reflect" }) // mirror without repeating the edge
 * F.pad(x, [-1, 0])                           // crops one column on the left
 */
import { ArgumentError, IndexError, ShapeError, SizeError, TsorchError, fmtShape } from "../../errors.js";
import { record } from "../../autograd/graph.js";
import { castScalar } from "../../tensor/dtype.js";
import { contiguousStrides, shapeNumel } from "../../tensor/strided.js";
import { Storage, Tensor } from "../../tensor/tensor.js";
import { requireTensor } from "./float-data.js";
import { isMeta, metaTensor } from "../../tensor/meta.js";
// Exported ops wrapped in hooked() show up as rows of the shape tracer (ops/op-hook.ts).
import { hooked } from "../../ops/op-hook.js";
import { describePad } from "../../shape/families/index.js";

/** The padding modes of `F.pad` and of `Conv2d(padding_mode=...)` (`"zeros"` is the conv spelling of constant 0). */
export type PadMode = "constant" | "reflect" | "replicate" | "circular";

/** Keyword arguments of `F.pad`. */
export interface PadOptions {
  mode?: PadMode;
  /** Fill value for `"constant"` (default 0). */
  value?: number | null;
}

/** Output coordinate -> input coordinate for one dimension, -1 for a constant cell. */
type CoordMap = Int32Array;

function constantMap(size: number, before: number, after: number): CoordMap {
  const out = size + before + after;
  const map = new Int32Array(out);
  for (let j = 0; j < out; j++) {
    const i = j - before;
    map[j] = i >= 0 && i < size ? i : -1;
  }
  return map;
}

/** ATen's reflection index: mirror around the edges without repeating them. */
function reflectMap(size: number, before: number, after: number): CoordMap {
  const out = size + before + after;
  const iStart = Math.max(0, -before);
  const oStart = Math.max(0, before);
  const map = new Int32Array(out);
  for (let j = 0; j < out; j++) {
    let ip: number;
    if (j < before) ip = before * 2 - j;
    else if (j < size + before) ip = j;
    else ip = (size + before - 1) * 2 - j;
    map[j] = ip - oStart + iStart;
  }
  return map;
}

/** ATen's replication index: repeat the edge values. */
function replicateMap(size: number, before: number, after: number): CoordMap {
  const out = size + before + after;
  const iStart = Math.max(0, -before);
  const oStart = Math.max(0, before);
  const map = new Int32Array(out);
  for (let j = 0; j < out; j++) {
    let ip: number;
    if (j < before) ip = before;
    else if (j < size + before) ip = j;
    else ip = size + before - 1;
    map[j] = ip - oStart + iStart;
  }
  return map;
}

function circularMap(size: number, before: number, after: number): CoordMap {
  const out = size + before + after;
  const map = new Int32Array(out);
  for (let j = 0; j < out; j++) map[j] = (((j - before) % size) + size) % size;
  return map;
}

/**
 * Gathers `x` through per-dimension coordinate maps (null = identity) into a
 * new contiguous tensor; cells whose map says -1 get `fill`.
 */
function gather(x: Tensor, maps: (CoordMap | null)[], outShape: number[], fill: number): Tensor {
  const src = x._contiguousData();
  const inStrides = contiguousStrides(x.shape);
  const n = shapeNumel(outShape);
  const out = new (x.dtype.ArrayType)(n);
  const nd = outShape.length;
  const coord = new Array<number>(nd).fill(0);
  for (let o = 0; o < n; o++) {
    let off = 0;
    let inside = true;
    for (let d = 0; d < nd; d++) {
      const m = maps[d];
      const i = m ? m[coord[d]!]! : coord[d]!;
      if (i < 0) {
        inside = false;
        break;
      }
      off += i * inStrides[d]!;
    }
    out[o] = inside ? src[off]! : fill;
    for (let d = nd - 1; d >= 0; d--) {
      if (++coord[d]! < outShape[d]!) break;
      coord[d] = 0;
    }
  }
  return new Tensor(new Storage(out), outShape, contiguousStrides(outShape), 0, x.dtype);
}

/** The adjoint of `gather`: adds each output gradient onto the input cell it was read from. */
function scatterAdd(grad: Tensor, inShape: readonly number[], maps: (CoordMap | null)[]): Tensor {
  const g = grad._contiguousData();
  const inStrides = contiguousStrides(inShape);
  const out = new (grad.dtype.ArrayType)(shapeNumel(inShape));
  const outShape = grad.shape;
  const nd = outShape.length;
  const coord = new Array<number>(nd).fill(0);
  const n = g.length;
  for (let o = 0; o < n; o++) {
    let off = 0;
    let inside = true;
    for (let d = 0; d < nd; d++) {
      const m = maps[d];
      const i = m ? m[coord[d]!]! : coord[d]!;
      if (i < 0) {
        inside = false;
        break;
      }
      off += i * inStrides[d]!;
    }
    if (inside) out[off] = out[off]! + g[o]!;
    for (let d = nd - 1; d >= 0; d--) {
      if (++coord[d]! < outShape[d]!) break;
      coord[d] = 0;
    }
  }
  return new Tensor(new Storage(out), inShape, contiguousStrides(inShape), 0, grad.dtype);
}

function runtime(message: string, arg = "pad"): ArgumentError {
  return new ArgumentError(message, arg, "RuntimeError");
}

/**
 * `constant_pad_nd`: checks and maps. Negative amounts crop; PyTorch crops
 * first with `narrow` (whose message reports a crop larger than the
 * dimension), then checks that every padded size stays positive.
 */
function constantMaps(x: Tensor, pad: readonly number[]): [(CoordMap | null)[], number[]] {
  const nd = x.ndim;
  if (pad.length > nd * 2) {
    throw runtime(`Length of pad should be no more than twice the number of dimensions of the input. Pad length is ${pad.length}while the input has ${nd}dimensions.`);
  }
  const padded = pad.length / 2;
  const first = nd - padded;
  let allNonPositive = true;
  for (let d = first; d < nd; d++) {
    const i = nd - 1 - d;
    let size = x.shape[d]!;
    for (const [amount, start] of [[pad[2 * i]!, -pad[2 * i]!], [pad[2 * i + 1]!, 0]] as const) {
      if (amount < 0) {
        if (start !== size && (start >= size || start < -size)) {
          throw new IndexError(`Dimension out of range (expected to be in range of [${-size}, ${size - 1}], but got ${start})`, start, [-size, size - 1]);
        }
        const length = size + amount;
        if (!(length >= 0 && start <= size - length)) {
          throw new ShapeError(`start (${start}) + length (${length}) exceeds dimension size (${size}).`, {
            op: "pad", shapes: { input: x.shape, pad }, got: { crop: -amount, size },
          });
        }
        size = length;
      } else if (amount !== 0) {
        allNonPositive = false;
      }
    }
  }
  const maps: (CoordMap | null)[] = new Array(nd).fill(null);
  const outShape = [...x.shape];
  for (let d = first; d < nd; d++) {
    const i = nd - 1 - d;
    const before = pad[2 * i]!;
    const after = pad[2 * i + 1]!;
    const size = x.shape[d]!;
    const newSize = size + before + after;
    if (!allNonPositive && newSize <= 0) {
      throw new ShapeError(
        `The input size ${size}, plus negative padding ${before} and ${after} resulted in a negative output size, which is invalid. Check dimension ${d} of your input.`,
        { op: "pad", shapes: { input: x.shape }, got: { output_size: newSize } });
    }
    outShape[d] = newSize;
    maps[d] = constantMap(size, before, after);
  }
  return [maps, outShape];
}

function describe(x: Tensor): string {
  return `${fmtShape(x.shape)}`;
}

/** Checks and maps of reflection/replication padding over `k` = 1, 2 or 3 trailing dims. */
function boundaryMaps(x: Tensor, pad: readonly number[], mode: "reflect" | "replicate"): [(CoordMap | null)[], number[]] {
  const k = pad.length / 2;
  const nd = x.ndim;
  const maps: (CoordMap | null)[] = new Array(nd).fill(null);
  const outShape = [...x.shape];
  const spatial = x.shape.slice(nd - k);
  if (spatial.some((s) => s === 0) || (nd === k + 1 && x.shape[0] === 0) || x.shape[nd - k - 1] === 0) {
    const message = mode === "reflect"
      ? `${k + 1}D or ${k + 2}D (batch mode) tensor expected for input, but got: ${describe(x)}`
      : `Expected ${k + 1}D or ${k + 2}D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: ${describe(x)}`;
    throw new ShapeError(message, { op: "pad", shapes: { input: x.shape } });
  }
  for (let i = 0; i < k; i++) {
    const d = nd - 1 - i;
    const before = pad[2 * i]!;
    const after = pad[2 * i + 1]!;
    const size = x.shape[d]!;
    if (mode === "reflect" && !(before < size && after < size)) {
      // PyTorch's 1-D kernel prints the input's sizes, the 2-D and 3-D kernels its number of dims.
      const of = k === 1 ? describe(x) : String(nd);
      throw runtime(
        `Argument #${4 + 2 * i}: Padding size should be less than the corresponding input dimension, but got: padding (${before}, ${after}) at dimension ${d} of input ${of}`);
    }
    outShape[d] = size + before + after;
  }
  const negative = outShape.find((s) => s < 0);
  if (negative !== undefined) {
    throw new SizeError(`Trying to create tensor with negative dimension ${negative}: ${fmtShape(outShape)}`, "pad", outShape);
  }
  for (let i = 0; i < k; i++) {
    const d = nd - 1 - i;
    const [before, after, size] = [pad[2 * i]!, pad[2 * i + 1]!, x.shape[d]!];
    maps[d] = mode === "reflect" ? reflectMap(size, before, after) : replicateMap(size, before, after);
  }
  return [maps, outShape];
}

function circularMaps(x: Tensor, pad: readonly number[]): [(CoordMap | null)[], number[]] {
  const nd = x.ndim;
  // The padded dims are the last pad.length / 2; one (unbatched) or two dims come before them.
  const k = pad.length / 2;
  if (nd - k !== 1 && nd - k !== 2) {
    throw runtime("Invalid padding size, expected 1 or 2 non-padded dimensions, which would be equivalent to padding of length " +
      `${(nd - 1) * 2} or ${(nd - 2) * 2} respectively but got ${pad.length}`);
  }
  const maps: (CoordMap | null)[] = new Array(nd).fill(null);
  const outShape = [...x.shape];
  for (let i = 0; i < k; i++) {
    const d = nd - k + i;
    const before = pad[2 * (k - i - 1)]!;
    const after = pad[2 * (k - i - 1) + 1]!;
    const size = x.shape[d]!;
    if (!(before <= size && after <= size)) throw runtime("Padding value causes wrapping around more than once.");
    if (size + before + after < 0) throw runtime("Negative padding value is resulting in an empty dimension");
    outShape[d] = size + before + after;
    maps[d] = circularMap(size, before, after);
  }
  return [maps, outShape];
}

/**
 * Pads (or crops, with negative amounts) the last `pad.length / 2` dimensions.
 *
 * @example
 * F.pad(torch.ones(1, 1, 2, 2), [1, 1, 1, 1]).shape                  // [1, 1, 4, 4]
 * F.pad(x, [1, 2], { value: -1 })                                    // constant -1 on the last dim
 * F.pad(x, [1, 1, 1, 1], "replicate")                                // PyTorch's positional mode
 */
export const pad = hooked("F.pad", function pad(input: Tensor, pad: readonly number[], mode: PadMode | PadOptions = "constant", value?: number | null): Tensor {
  requireTensor("pad", [[input, "input"]]);
  const opts: PadOptions = typeof mode === "string" ? { mode, value } : mode;
  const m = opts.mode ?? "constant";
  if (!["constant", "reflect", "replicate", "circular"].includes(m)) {
    throw new TsorchError(`Unrecognised padding mode ${m}`, "NotImplementedError");
  }
  const amounts = Array.from(pad);
  if (amounts.length % 2 !== 0) throw runtime("Padding length must be divisible by 2");
  if (amounts.length > input.ndim * 2) throw runtime("Padding length too large");
  let maps: (CoordMap | null)[];
  let outShape: number[];
  let node: string;
  if (m === "constant") {
    [maps, outShape] = constantMaps(input, amounts);
    node = "ConstantPadNdBackward0";
  } else {
    if (opts.value !== undefined && opts.value !== null && opts.value !== 0) {
      throw runtime(`Padding mode "${m}" doesn't take in value argument`);
    }
    const k = amounts.length / 2;
    const supported = (k === 1 && (input.ndim === 2 || input.ndim === 3)) ||
      (k === 2 && (input.ndim === 3 || input.ndim === 4)) || (k === 3 && (input.ndim === 4 || input.ndim === 5));
    if (!supported) {
      throw new TsorchError("Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now", "NotImplementedError");
    }
    if (m === "circular") {
      [maps, outShape] = circularMaps(input, amounts);
      // PyTorch builds circular padding from slice copies; its graph ends in a CopySlices node.
      node = "CopySlices";
    } else {
      [maps, outShape] = boundaryMaps(input, amounts, m);
      node = `${m === "reflect" ? "Reflection" : "Replication"}Pad${k}DBackward0`;
    }
  }
  const fill = m === "constant" ? castScalar(opts.value ?? 0, input.dtype) : 0;
  // A meta input (tensor/meta.ts): the checks ran; the padded shape, nothing copied.
  if (isMeta(input)) return metaTensor(outShape, input.dtype);
  const out = gather(input, maps, outShape, fill);
  const inShape = [...input.shape];
  record(node, out, [input], ([g]) => [scatterAdd(g!, inShape, maps)]);
  return out;
}, describePad);
