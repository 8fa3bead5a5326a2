/**
 * In-place ops and autograd, as PyTorch 1.13.1 behaves: version counters,
 * refusal on leaves that require grad, history rebasing (including writes
 * into views, through CopySlices), saved-tensor checks, and grad mode.
 * Expected values were taken from PyTorch for the same programs.
 */
import { describe, expect, it } from "vitest";
import * as torch from "../src/torch.js";
import { AutogradError, TsorchError } from "../src/errors.js";

const names = (t: torch.Tensor) => t.grad_fn!.next_functions.map(([f]) => (f ? f.name : null));

describe("in-place ops and autograd", () => {
  it("counts in-place writes on the shared storage", () => {
    const x = torch.zeros(2, 3);
    const v = x.index(0);
    expect(x.storage.version).toBe(0);
    v.add_(1);
    x.mul_(2);
    expect(x.storage.version).toBe(2);
    expect(v.storage.version).toBe(2);
    expect(x.tolist()).toEqual([[2, 2, 2], [0, 0, 0]]);
    // Creating and copying tensors is not an in-place write.
    expect(x.clone().storage.version).toBe(0);
    expect(torch.randn(3).storage.version).toBe(0);
  });

  it("refuses a leaf that requires grad, and a view of one", () => {
    const w = torch.zeros(3, 3).requires_grad_();
    expect(() => w.add_(1)).toThrow(AutogradError);
    expect(() => w.relu_()).toThrow("a leaf Variable that requires grad is being used in an in-place operation.");
    expect(() => w.index(0).zero_()).toThrow("a view of a leaf Variable that requires grad is being used in an in-place operation.");
    expect(w.storage.version).toBe(0);
  });

  it("allows updating a leaf inside no_grad (an optimizer step) without recording it", () => {
    const w = torch.ones(3).requires_grad_();
    w.mul(w).sum().backward();
    torch.no_grad(() => w.sub_(w.grad!, { alpha: 0.5 }));
    expect(w.tolist()).toEqual([0, 0, 0]);
    expect(w.is_leaf).toBe(true);
    expect(w.grad_fn).toBeNull();
    expect(w.requires_grad).toBe(true);
    // .data bypasses autograd too.
    w.data.fill_(4);
    expect(w.tolist()).toEqual([4, 4, 4]);
  });

  it("rebases the history of a non-leaf onto the op", () => {
    const x = torch.tensor([1, 2, 3], { dtype: torch.float32 }).requires_grad_();
    const y = x.mul(2);
    y.add_(1);
    expect(y.grad_fn!.name).toBe("AddBackward0");
    expect(names(y)).toEqual(["MulBackward0", null]);
    y.pow_(2);
    expect(y.grad_fn!.name).toBe("PowBackward0");
    y.sum().backward();
    // d/dx (2x + 1)^2 = 4 (2x + 1)
    expect(x.grad!.tolist()).toEqual([12, 20, 28]);
  });

  it("turns a plain tensor into a graph node when a value requiring grad is written into it", () => {
    const w = torch.tensor([1, 2, 3], { dtype: torch.float32 }).requires_grad_();
    const a = torch.zeros(3);
    a.add_(w);
    expect(a.requires_grad).toBe(true);
    expect(a.is_leaf).toBe(false);
    expect(names(a)).toEqual([null, "AccumulateGrad"]);
    a.mul(torch.tensor([1, 10, 100])).sum().backward();
    expect(w.grad!.tolist()).toEqual([1, 10, 100]);
  });

  it("routes gradients through CopySlices when a view is written (PyTorch: w.grad = [0, 1, 2])", () => {
    const w = torch.tensor([0.5, -1, 2], { dtype: torch.float32 }).requires_grad_();
    const b = torch.zeros(2, 3);
    const v = b.index(0);
    v.copy_(w);
    expect(b.grad_fn!.name).toBe("CopySlices");
    expect(names(b)).toEqual([null, "AccumulateGrad"]);
    expect(v.grad_fn!.name).toBe("AsStridedBackward0");
    expect(names(v)).toEqual(["CopySlices"]);
    b.mul(torch.arange(6).view(2, 3)).sum().backward();
    expect(w.grad!.tolist()).toEqual([0, 1, 2]);
  });

  it("keeps the unwritten part of the base in the graph (PyTorch: w.grad = [1, 4, 6])", () => {
    const w = torch.tensor([1, 2, 3], { dtype: torch.float32 }).requires_grad_();
    const c = w.clone().mul(1);
    const d = c.view(3).index("1:");
    d.mul_(2);
    expect(c.grad_fn!.name).toBe("CopySlices");
    expect(names(c)).toEqual(["MulBackward0", null]);
    c.mul(torch.tensor([1, 2, 3])).sum().backward();
    expect(w.grad!.tolist()).toEqual([1, 4, 6]);
  });

  it("reports a saved input changed in place, naming its producer as PyTorch does", () => {
    const a = torch.randn(3).requires_grad_();
    const c = a.mul(2);
    const y = c.mul(a);
    c.add_(1);
    expect(() => y.sum().backward()).toThrow(
      "one of the variables needed for gradient computation has been modified by an inplace operation: [torch.FloatTensor [3]], which is output 0 of AddBackward0, is at version 1; expected version 0 instead.",
    );
  });

  it("reports a saved output changed in place", () => {
    const a = torch.randn(2, 2, { dtype: torch.float64 }).requires_grad_();
    const s = a.sigmoid();
    s.mul_(2);
    expect(() => s.sum().backward()).toThrow(
      "[torch.DoubleTensor [2, 2]], which is output 0 of SigmoidBackward0, is at version 1; expected version 0 instead.",
    );
  });

  it("does not complain about in-place changes to values backward does not read", () => {
    const a = torch.randn(3).requires_grad_();
    const x = torch.randn(3);
    const y = a.add(x);
    x.add_(1);
    y.sum().backward();
    expect(a.grad!.tolist()).toEqual([1, 1, 1]);
  });

  it("refuses a write that would land on one element twice", () => {
    expect(() => torch.zeros(3).expand(2, 3).add_(1)).toThrow(
      "unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.",
    );
  });

  it("refuses results that do not fit the tensor's dtype", () => {
    const i = torch.tensor([1, 2, 3]);
    expect(() => i.add_(0.5)).toThrow("result type Float can't be cast to the desired output type Long");
    expect(() => i.sqrt_()).toThrow("result type Float can't be cast to the desired output type Long");
    i.mul_(2).add_(torch.tensor([true, false, true]));
    expect(i.tolist()).toEqual([3, 4, 7]);
  });

  it("applies in-place ops through non-contiguous views", () => {
    const x = torch.arange(12, { dtype: torch.float32 }).view(3, 4);
    x.t().index(1).mul_(-1);
    expect(x.index(":", 1).tolist()).toEqual([-1, -5, -9]);
    x.index(":", "::2").zero_();
    expect(x.tolist()).toEqual([[0, -1, 0, 3], [0, -5, 0, 7], [0, -9, 0, 11]]);
  });

  it("relu_ keeps the gradient of the result it overwrote", () => {
    const x = torch.tensor([-1, 2, -3, 4], { dtype: torch.float32 }).requires_grad_();
    const h = x.mul(3);
    h.relu_();
    expect(h.grad_fn!.name).toBe("ReluBackward0");
    h.sum().backward();
    expect(x.grad!.tolist()).toEqual([0, 3, 0, 3]);
  });
});

describe("grad mode", () => {
  it("records nothing inside no_grad", () => {
    const w = torch.randn(3).requires_grad_();
    const y = torch.no_grad(() => w.mul(2).add(1).sum());
    expect(y.requires_grad).toBe(false);
    expect(y.grad_fn).toBeNull();
  });

  it("enable_grad inside no_grad records again", () => {
    const w = torch.randn(3).requires_grad_();
    const y = torch.no_grad(() => torch.enable_grad(() => w.exp()));
    expect(y.grad_fn!.name).toBe("ExpBackward0");
  });

  it("integer and bool results never require grad", () => {
    const w = torch.randn(3).requires_grad_();
    expect(w.gt(0).requires_grad).toBe(false);
    expect(w.argmax().requires_grad).toBe(false);
    expect(w.max(0).indices.requires_grad).toBe(false);
  });

  it("create_graph keeps the graph for a second backward; plain backward frees it", () => {
    const x = torch.tensor([2], { dtype: torch.float64 }).requires_grad_();
    const y = x.pow(3);
    y.backward(undefined, { create_graph: true });
    expect(x.grad!.tolist()).toEqual([12]);
    y.backward();
    expect(x.grad!.tolist()).toEqual([24]);
    expect(() => y.backward()).toThrow(TsorchError);
    expect(() => y.backward()).toThrow("Trying to backward through the graph a second time");
  });
});

describe("aliasing between the written tensor and its inputs", () => {
  const message = "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location. Please clone() the tensor before performing the operation.";

  it("refuses inputs that partly overlap the output, as PyTorch does", () => {
    const x = torch.arange(9, { dtype: torch.float32 }).view(3, 3);
    expect(() => x.add_(x.index(0))).toThrow(message);
    expect(() => x.add_(x.t())).toThrow(message);
    expect(() => x.copy_(x.t())).toThrow(message);
  });

  it("allows the output itself and disjoint views", () => {
    const x = torch.arange(9, { dtype: torch.float32 }).view(3, 3);
    x.add_(x);
    x.index(0).add_(x.index(1));
    expect(x.tolist()).toEqual([[6, 10, 14], [6, 8, 10], [12, 14, 16]]);
    const c = x.index(":", 0);
    c.mul_(c);
    expect(x.index(":", 0).tolist()).toEqual([36, 36, 144]);
  });
});
