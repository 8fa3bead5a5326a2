/**
 * `F.bilinear(input1, input2, weight, bias?)`: `y[..., o] = Σ_ij input1[..., i] · weight[o, i, j] ·
 * input2[..., j] + bias[o]`, over any leading dims the two inputs share, with PyTorch's shape checks.
 *
 * @example
 * F.bilinear(torch.randn(8, 5), torch.randn(8, 3), torch.randn(4, 5, 3)).shape   // torch.Size([8, 4])
 */
import { ShapeError } from "../../errors.js";
import { hooked } from "../../ops/op-hook.js";
import { type ArgsOf, TensorT, optional, arg, signature } from "../../ops/signature.js";
import type { Tensor } from "../../tensor/tensor.js";
import { requireTensor } from "./float-data.js";

export const BILINEAR = signature("bilinear", [arg("bias", optional(TensorT), null)], 3);

function shapeError(message: string, input1: Tensor, input2: Tensor, weight: Tensor): ShapeError {
  return new ShapeError(message, { op: "bilinear", shapes: { input1: input1.shape, input2: input2.shape, weight: weight.shape } });
}

/** The bilinear form of two inputs, one `[in1, in2]` matrix per output feature. */
export const bilinear = hooked("F.bilinear", function bilinear(input1: Tensor, input2: Tensor, weight: Tensor, ...args: ArgsOf<typeof BILINEAR>): Tensor {
  requireTensor("bilinear", [[input1, "input1"], [input2, "input2"], [weight, "weight"]]);
  const { bias } = BILINEAR.parse(args);
  const n1 = input1.ndim, n2 = input2.ndim;
  if (n1 !== n2) throw shapeError(`bilinear(): input dimensions do not match: got ${n1} and ${n2}`, input1, input2, weight);
  for (let i = 0; i < n1 - 1; i++) {
    if (input1.shape[i] !== input2.shape[i]) {
      throw shapeError(`bilinear(): input batch dimensions do not match: got ${input1.shape[i]} and ${input2.shape[i]}`, input1, input2, weight);
    }
  }
  if (weight.ndim !== 3) throw shapeError(`bilinear(): weight must be three-dimensional, got ${weight.ndim}`, input1, input2, weight);
  if (input1.shape[n1 - 1] !== weight.shape[1]) {
    throw shapeError(`bilinear(): input1 size does not match weight size: got ${input1.shape[n1 - 1]} but expected ${weight.shape[1]}`, input1, input2, weight);
  }
  if (input2.shape[n2 - 1] !== weight.shape[2]) {
    throw shapeError(`bilinear(): input2 size does not match weight size: got ${input2.shape[n2 - 1]} but expected ${weight.shape[2]}`, input1, input2, weight);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw shapeError(`bilinear(): bias size does not match weight size: got ${bias.shape[bias.ndim - 1]} but expected ${weight.shape[0]}`, input1, input2, weight);
  }
  const lead = input1.shape.slice(0, n1 - 1);
  const x1 = input1.reshape([-1, weight.shape[1]!]);
  const x2 = input2.reshape([-1, weight.shape[2]!]);
  // [O, B, J] = x1 [B, I] against each weight[o] [I, J]; times x2 and summed over J: [O, B] → [B, O].
  let y = x1.matmul(weight).mul(x2).sum(-1).transpose(0, 1);
  if (bias) y = y.add(bias);
  return y.reshape([...lead, weight.shape[0]!]);
});
