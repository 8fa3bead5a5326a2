/**
 * dtype conversion (`x.to(torch.int64)`, `x.float()`, ...). Converting to an
 * integer type truncates toward zero and to bool tests for non-zero, as in
 * PyTorch. Only floating-point results stay in the autograd graph.
 */
import { record } from "../autograd/graph.js";
import type { DType } from "./dtype.js";
import { contiguousStrides } from "./strided.js";
import { Storage, Tensor } from "./tensor.js";
import { isMeta, metaLike } from "./meta.js";

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
