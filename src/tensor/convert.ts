/**
 * dtype conversion (`x.to(torch.int64)`, `x.float()`, ...). Converting to an
 * integer type truncates toward zero and to bool tests for non-zero, as in
 * PyTorch. Only floating-point results stay in the autograd graph.
 */
import { record } from "../autograd/graph.js";
import { ArgumentError } from "../errors.js";
import { DType, type DTypeLike, toDType } from "./dtype.js";
import { contiguousStrides } from "./strided.js";
import { Storage, Tensor } from "./tensor.js";
import { isMeta, metaDataError, metaLike } from "./meta.js";

/** The devices a tensor can be on: "cpu", and "meta" for a shape without data. */
export type DeviceName = "cpu" | "meta";

/** Device strings PyTorch knows: a dtype argument never looks like one of these. */
const DEVICE_STRING = /^(cpu|meta|cuda|mps|xpu|hip|xla|ipu|hpu|vulkan|lazy)(:\d+)?$/;

/** True for a string that names a device (`"cpu"`, `"meta"`, `"cuda:0"`, ...), as opposed to a dtype. */
export function isDeviceString(x: unknown): x is string {
  return typeof x === "string" && DEVICE_STRING.test(x);
}

/** What a `to(...)` call asks for: a device, a dtype, both or neither (resolved and checked). */
export interface ToTarget {
  device?: DeviceName;
  dtype?: DType;
}

/**
 * Reads the arguments of `to` as PyTorch does for tensors and modules: `to(dtype)`,
 * `to(device, dtype?)` or `to({ device, dtype })`.
 */
export function toTarget(target: DTypeLike | string | { dtype?: DTypeLike; device?: string }, dtype?: DTypeLike): ToTarget {
  let device: string | undefined;
  let wanted: DTypeLike | undefined = dtype;
  if (isDeviceString(target)) {
    device = target;
  } else if (typeof target === "object" && target !== null && !(target instanceof DType)) {
    ({ device, dtype: wanted } = target);
  } else {
    wanted = target as DTypeLike;
  }
  return {
    ...(device === undefined ? {} : { device: parseDevice(device) }),
    ...(wanted === undefined ? {} : { dtype: toDType(wanted) }),
  };
}

/** The device a device string means here; accelerators are refused with a clear error. */
export function parseDevice(device: string): DeviceName {
  const kind = device.replace(/:\d+$/, "");
  if (kind === "cpu" || kind === "meta") return kind;
  throw new ArgumentError(
    `tsorch computes on the CPU only; device '${device}' is not available (use "cpu", or "meta" for shapes without data)`,
    "device", "RuntimeError");
}

/**
 * `x.to("meta")`: a tensor with `x`'s shape and dtype and no data, recorded
 * like PyTorch's cross-device copy. The way back (`meta.to("cpu")`) fails as
 * in PyTorch: there are no values to copy.
 */
export function toDeviceCopy(x: Tensor, device: DeviceName): Tensor {
  if (x.device === device) return x;
  if (device === "cpu") throw metaDataError();
  const out = metaLike(x);
  if (out.dtype.is_floating_point) record("ToCopyBackward0", out, [x], ([g]) => [toDeviceCopy(g!, "cpu")]);
  return out;
}

/** Casts one value the way storing it into `dtype` does. */
function castFn(dtype: DType): ((v: number) => number) | null {
  switch (dtype.name) {
    case "float32":
    case "float64":
      return null;
    case "bool":
      return (v) => (v !== 0 ? 1 : 0);
    default:
      return (v) => Math.trunc(v);
  }
}

export function toDtypeCopy(x: Tensor, dtype: DType): Tensor {
  if (dtype === x.dtype) return x;
  if (isMeta(x)) return recordTo(metaLike(x, x.shape, dtype), x);
  const src = x._contiguousData();
  const out = new dtype.ArrayType(src.length);
  const cast = castFn(dtype);
  if (cast === null) out.set(src);
  else for (let i = 0; i < src.length; i++) out[i] = cast(src[i]!);
  return recordTo(new Tensor(new Storage(out), x.shape, contiguousStrides(x.shape), 0, dtype), x);
}

function recordTo(t: Tensor, x: Tensor): Tensor {
  if (t.dtype.is_floating_point) {
    const from = x.dtype;
    record("ToCopyBackward0", t, [x], ([g]) => [toDtypeCopy(g!, from)]);
  }
  return t;
}
