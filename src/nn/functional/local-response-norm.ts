/**
 * `F.local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0)`: each value divided by
 * `(k + alpha/size · Σ x²)^beta`, the sum over `size` neighbouring channels (AlexNet's normalisation),
 * computed as PyTorch does: the squares average-pooled across channels (padded with zeros) and scaled.
 *
 * @example
 * F.local_response_norm(torch.randn(1, 8, 5, 5), 3).shape   // torch.Size([1, 8, 5, 5])
 */
import { ShapeError } from "../../errors.js";
import { hooked } from "../../ops/op-hook.js";
import { type ArgsOf, Float, Int, arg, required, signature } from "../../ops/signature.js";
import type { Tensor } from "../../tensor/tensor.js";
import { requireTensor } from "./float-data.js";
import { pad } from "./pad.js";
import { avg_pool2d } from "./pooling.js";
import { avg_pool3d } from "./pooling3d.js";

export const LOCAL_RESPONSE_NORM = signature("local_response_norm", [
  required("size", Int), arg("alpha", Float, 1e-4), arg("beta", Float, 0.75), arg("k", Float, 1.0),
]);

/** Normalises each value by the squares of its `size` neighbouring channels (dim 1). */
export const local_response_norm = hooked("F.local_response_norm", function local_response_norm(
  input: Tensor, ...args: ArgsOf<typeof LOCAL_RESPONSE_NORM>
): Tensor {
  requireTensor("local_response_norm", [[input, "input"]]);
  const { size, alpha, beta, k } = LOCAL_RESPONSE_NORM.parse(args);
  const dim = input.ndim;
  if (dim < 3) {
    throw new ShapeError(`Expected 3D or higher dimensionality input (got ${dim} dimensions)`,
      { op: "local_response_norm", shapes: { input: input.shape }, expected: { ndim: ">= 3" }, got: { ndim: dim } });
  }
  if (input.numel() === 0) return input;
  let div = input.mul(input);
  const [before, after] = [Math.floor(size / 2), Math.floor((size - 1) / 2)];
  if (dim === 3) {
    div = avg_pool2d(pad(div.unsqueeze(1), [0, 0, before, after]), [size, 1], 1).squeeze(1);
  } else {
    const sizes = [...input.shape];
    div = div.reshape([sizes[0]!, 1, sizes[1]!, sizes[2]!, -1]);
    div = avg_pool3d(pad(div, [0, 0, 0, 0, before, after]), [size, 1, 1], 1).squeeze(1).reshape(sizes);
  }
  return input.div(div.mul(alpha).add(k).pow(beta));
});
