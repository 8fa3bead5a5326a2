/**
 * Three-operand element-wise ops: addcmul, addcdiv (the building blocks of
 * Adam-style updates) and lerp, with broadcasting, PyTorch's promotion and
 * nodes (`AddcmulBackward0`, `AddcdivBackward0`, `LerpBackward0/1`).
 *
 * @example
 * torch.addcmul(x, a, b, { value: 0.5 })   // x + 0.5 * a * b
 * torch.lerp(start, end, 0.25)             // start + 0.25 * (end - start)
 */
import { is_grad_enabled } from "../autograd/grad-mode.js";
import { record } from "../autograd/graph.js";
import type { Tensor } from "../tensor/tensor.js";
import { gradIf, inputInfo, saveInput, tensorOrNull } from "./grad-utils.js";
import { type TensorLike, checkTensor } from "./operand.js";
import { resultType } from "./result-type.js";
import { elementwise } from "./tensor-iterator.js";

/** `value` of addcmul/addcdiv. */
export interface ValueOptions {
  value?: number;
}

function anyGrad(...xs: unknown[]): boolean {
  return is_grad_enabled() && xs.some((x) => (x as Tensor | null)?.requires_grad === true);
}

/** `input + value * tensor1 * tensor2`, broadcasting all three. */
export function addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, options: ValueOptions = {}): Tensor {
  checkTensor(input, "addcmul");
  checkTensor(tensor1, "addcmul", "tensor1", 2);
  checkTensor(tensor2, "addcmul", "tensor2", 3);
  const value = options.value ?? 1;
  const dt = resultType([input, tensor1, tensor2]);
  const out = elementwise("addcmul", [input, tensor1, tensor2], dt, dt, [value], null, "addcmul");
  if (anyGrad(input, tensor1, tensor2)) {
    const [i0, i1, i2] = [inputInfo(input), inputInfo(tensor1), inputInfo(tensor2)];
    const node = record("AddcmulBackward0", out, [input, tensor1, tensor2], ([g]) => [
      gradIf(i0, () => g!),
      gradIf(i1, () => g!.mul(tensor2).mul(value)),
      gradIf(i2, () => g!.mul(tensor1).mul(value)),
    ]);
    if (i1.needs) saveInput(node, tensor2);
    if (i2.needs) saveInput(node, tensor1);
  }
  return out;
}

/** `input + value * tensor1 / tensor2`, broadcasting all three. */
export function addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, options: ValueOptions = {}): Tensor {
  checkTensor(input, "addcdiv");
  checkTensor(tensor1, "addcdiv", "tensor1", 2);
  checkTensor(tensor2, "addcdiv", "tensor2", 3);
  const value = options.value ?? 1;
  const dt = resultType([input, tensor1, tensor2]);
  const out = elementwise("addcdiv", [input, tensor1, tensor2], dt, dt, [value], null, "addcdiv");
  if (anyGrad(input, tensor1, tensor2)) {
    const [i0, i1, i2] = [inputInfo(input), inputInfo(tensor1), inputInfo(tensor2)];
    const node = record("AddcdivBackward0", out, [input, tensor1, tensor2], ([g]) => [
      gradIf(i0, () => g!),
      gradIf(i1, () => g!.mul(value).div(tensor2)),
      gradIf(i2, () => g!.mul(-value).mul(tensor1).div(tensor2.mul(tensor2))),
    ]);
    saveInput(node, tensor2);
    if (i2.needs) saveInput(node, tensor1);
  }
  return out;
}

/**
 * `input + weight * (end - input)` (PyTorch's formula, exact at weight 0 and
 * 1); `weight` is a number or a tensor.
 */
export function lerp(input: Tensor, end: Tensor, weight: TensorLike): Tensor {
  checkTensor(input, "lerp");
  checkTensor(end, "lerp", "end", 2);
  const dt = resultType([input, end]);
  const out = elementwise("lerp", [input, end, weight], dt, dt, [], null, "lerp");
  if (anyGrad(input, end, weight)) {
    const [i0, i1, i2] = [inputInfo(input), inputInfo(end), inputInfo(weight)];
    const w = weight;
    const tensorWeight = tensorOrNull(weight);
    const inputs = tensorWeight ? [input, end, tensorWeight] : [input, end];
    const node = record(tensorWeight ? "LerpBackward1" : "LerpBackward0", out, inputs, ([g]) => {
      const grads = [
        gradIf(i0, () => g!.mul(elementwise("affine", [w], dt, dt, [-1, 1]))),
        gradIf(i1, () => g!.mul(w)),
      ];
      if (tensorWeight) grads.push(gradIf(i2, () => g!.mul(end.sub(input))));
      return grads;
    });
    if (tensorWeight) saveInput(node, tensorWeight);
    if (i2.needs) {
      saveInput(node, input);
      saveInput(node, end);
    }
  }
  return out;
}
