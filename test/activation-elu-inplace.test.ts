/**
 * In-place ELU as PyTorch 1.13.1 does it (values below printed by it):
 *
 *   x = torch.tensor([-2., -0.5, 0., 1.5], requires_grad=True); h = x * 1
 *   y = F.elu(h, alpha=0.7, inplace=True)   # y is h, y.grad_fn: EluBackward1, h._version == 1 (storage.version here)
 *   y.sum().backward(); x.grad              # tensor([0.0947, 0.4246, 0.7000, 1.0000])
 *   F.elu_(x * 1, alpha=-0.5).sum().backward()
 *   # RuntimeError: In-place elu backward calculation is triggered with a negative slope ...
 */
import { describe, expect, it } from "vitest";
import { F, TsorchError, nn, torch } from "../src/index.js";

function close(a: number[], b: number[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 4));
}

describe("F.elu with inplace", () => {
  it("overwrites a tracked input and records EluBackward1", () => {
    const x = torch.tensor([-2, -0.5, 0, 1.5], { dtype: torch.float32 }).requires_grad_(true);
    const h = x.mul(1);
    const y = F.elu(h, { alpha: 0.7, inplace: true });
    expect(y).toBe(h);
    expect(y.grad_fn!.name).toBe("EluBackward1");
    expect(h.storage.version).toBe(1);
    y.sum().backward();
    close(x.grad!.tolist() as number[], [0.0947, 0.4246, 0.7, 1.0]);
  });

  it("the gradient equals the out-of-place one", () => {
    torch.manual_seed(0);
    const base = torch.randn(3, 5);
    const a = base.clone().requires_grad_(true);
    const b = base.clone().requires_grad_(true);
    const w = torch.randn(3, 5);
    F.elu(a.mul(1), 1.3, true).mul(w).sum().backward();
    F.elu(b.mul(1), 1.3).mul(w).sum().backward();
    close(a.grad!.flatten().tolist() as number[], b.grad!.flatten().tolist() as number[]);
  });

  it("positional (alpha, inplace), F.elu_ and nn.ELU(inplace) run in place too", () => {
    const z = torch.tensor([-1, 2], { dtype: torch.float32 });
    expect(F.elu(z, 1.0, true)).toBe(z);
    close(z.tolist() as number[], [-0.6321, 2]);
    const z2 = torch.tensor([-1, 2], { dtype: torch.float32 });
    expect(F.elu_(z2, 0.5)).toBe(z2);
    close(z2.tolist() as number[], [-0.5 * (1 - Math.exp(-1)), 2]);
    const z3 = torch.tensor([-1, 2], { dtype: torch.float32 });
    expect(new nn.ELU({ alpha: 0.5, inplace: true })(z3)).toBe(z3);
    const h = torch.tensor([-1, 2], { dtype: torch.float32 }).requires_grad_(true).mul(1);
    expect(new nn.ELU({ inplace: true })(h)).toBe(h);
    expect(h.grad_fn!.name).toBe("EluBackward1");
  });

  it("a negative alpha fails at backward with PyTorch's message", () => {
    const x = torch.tensor([-2, 1], { dtype: torch.float32 }).requires_grad_(true);
    const y = F.elu(x.mul(1), -0.5, true);
    expect(y.grad_fn!.name).toBe("EluBackward1");
    let err: unknown;
    try {
      y.sum().backward();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TsorchError);
    expect((err as Error).name).toBe("RuntimeError");
    expect((err as Error).message).toBe(
      "In-place elu backward calculation is triggered with a negative slope which is not supported. This is caused by calling " +
      "in-place forward function with a negative slope, please call out-of-place version instead.");
  });

  it("a leaf that requires grad is refused, out of place stays EluBackward0", () => {
    const l = torch.tensor([-1, 2], { dtype: torch.float32 }).requires_grad_(true);
    expect(() => F.elu(l, { inplace: true })).toThrow("a leaf Variable that requires grad is being used in an in-place operation.");
    expect(F.elu(l).grad_fn!.name).toBe("EluBackward0");
  });
});
