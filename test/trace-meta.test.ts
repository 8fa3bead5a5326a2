/**
 * The meta device: shape-only tensors, every check of a real run with the
 * same error, no compute and no allocation; ops that need values refuse
 * clearly. (Expected reprs are PyTorch 1.13.1's.)
 */
import { describe, expect, test } from "vitest";
import { F, ShapeError, Tensor, TsorchError, nn, torch } from "../src/index.js";

const meta = (...shape: number[]) => torch.empty(shape, { device: "meta" });

/** The outcome of `f` as something comparable: the output shapes, or the error's class, name and message. */
function outcome(f: () => unknown): unknown {
  try {
    const out = f();
    const list = Array.isArray(out) ? out : [out];
    return { ok: list.map((t) => (t instanceof Tensor ? [...t.shape] : t)), meta: list.map((t) => (t instanceof Tensor ? t.device : null)) };
  } catch (e) {
    const err = e as TsorchError;
    return { error: err.constructor.name, name: err.name, message: err.message };
  }
}

/** Runs `f` on real and on meta inputs of the same shapes: same errors, same output shapes, meta outputs. */
function sameAsReal(shapes: number[][], f: (...xs: Tensor[]) => unknown): void {
  const real = outcome(() => f(...shapes.map((s) => torch.randn(s))));
  const onMeta = outcome(() => f(...shapes.map((s) => meta(...s))));
  if ("error" in (real as object)) {
    expect(onMeta).toEqual(real);
  } else {
    expect((onMeta as { ok: unknown }).ok).toEqual((real as { ok: unknown }).ok);
    for (const d of (onMeta as { meta: (string | null)[] }).meta) if (d !== null) expect(d).toBe("meta");
  }
}

describe("meta tensors", () => {
  test("creation and PyTorch's repr", () => {
    const x = torch.empty(1, 1, 64, 64, { device: "meta" });
    expect(x.device).toBe("meta");
    expect(x.is_meta).toBe(true);
    expect(String(x)).toBe("tensor(..., device='meta', size=(1, 1, 64, 64))");
    expect(String(torch.empty([2, 3], { device: "meta", dtype: torch.int64 }))).toBe("tensor(..., device='meta', size=(2, 3), dtype=torch.int64)");
    expect(String(torch.empty([], { device: "meta" }))).toBe("tensor(..., device='meta', size=())");
    expect(String(torch.empty([2], { device: "meta", requires_grad: true }))).toBe("tensor(..., device='meta', size=(2,), requires_grad=True)");
    expect(String(torch.empty(5, { device: "meta" }))).toBe("tensor(..., device='meta', size=(5,))");
    for (const t of [torch.zeros(2, 2, { device: "meta" }), torch.ones([3], { device: "meta" }), torch.full([2], 7, { device: "meta" }),
      torch.randn(4, 4, { device: "meta" }), torch.rand(2, { device: "meta" }), torch.zeros_like(x), torch.randn_like(x)]) {
      expect(t.device).toBe("meta");
    }
    expect(torch.full([2], 7, { device: "meta" }).dtype).toBe(torch.int64);
    expect(torch.zeros(2).device).toBe("cpu");
  });

  test("any size, nothing allocated", () => {
    const before = process.memoryUsage().arrayBuffers;
    const x = torch.empty(1, 1, 4096, 4096, { device: "meta" });
    const huge = torch.zeros(1000, 1000, 1000, 1000, { device: "meta" });
    expect(huge.numel()).toBe(1e12);
    const y = new nn.Conv2d(1, 6, 5)(x);
    expect([...y.shape]).toEqual([1, 6, 4092, 4092]);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 1024 * 1024);
    expect(() => torch.empty(-1, 3, { device: "meta" })).toThrow("Trying to create tensor with negative dimension -1: [-1, 3]");
  });

  test("reading values fails with PyTorch's message, never computes on empty data", () => {
    const x = meta(2, 3);
    // Ops whose output shape depends on the values (nonzero, unique, masked_select) cannot run on meta.
    for (const f of [() => x.tolist(), () => meta(1).item(), () => torch.nonzero(x), () => torch.unique(x), () => x.masked_select(torch.ones([2, 3], { dtype: "bool" }))]) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TsorchError);
      expect((err as Error).name).toBe("NotImplementedError");
      expect((err as Error).message).toMatch(/^Cannot copy out of meta tensor; no data!/);
    }
    // Writing meta values into a real tensor is refused instead of silently doing nothing.
    expect(() => torch.zeros(2, 3).add_(x)).toThrow(/meta tensor/);
  });

  test("real parameters and a meta input give a meta output through the LeNet layers", () => {
    const conv = new nn.Conv2d(1, 6, 5);
    const fc = new nn.Linear(400, 120);
    let x = F.max_pool2d(F.relu(conv(meta(1, 1, 32, 32))), 2);
    expect(String(x)).toBe("tensor(..., device='meta', size=(1, 6, 14, 14))");
    x = F.max_pool2d(F.relu(new nn.Conv2d(6, 16, 5)(x)), 2).view(-1, 400);
    const y = fc(x);
    expect(y.device).toBe("meta");
    expect([...y.shape]).toEqual([1, 120]);
    expect(fc.weight.device).toBe("cpu");
  });

  test("views, clone, contiguous, dtype conversion, reductions, matmul, cat, softmax on meta", () => {
    const x = meta(2, 3, 4);
    expect([...x.transpose(0, 2).contiguous().shape]).toEqual([4, 3, 2]);
    expect(x.transpose(0, 2).contiguous().device).toBe("meta");
    expect(x.clone().device).toBe("meta");
    expect(x.to("float64").dtype).toBe(torch.float64);
    expect(x.to("float64").device).toBe("meta");
    expect([...x.sum(1).shape]).toEqual([2, 4]);
    expect([...x.mean([0, 2], true).shape]).toEqual([1, 3, 1]);
    expect([...x.max(2).values.shape]).toEqual([2, 3]);
    expect([...x.argmax().shape]).toEqual([]);
    expect([...x.std(1).shape]).toEqual([2, 4]);
    expect([...torch.matmul(x, meta(4, 5)).shape]).toEqual([2, 3, 5]);
    expect([...torch.matmul(x, torch.randn(4)).shape]).toEqual([2, 3]);
    expect([...torch.cat([x, torch.randn(2, 3, 1)], 2).shape]).toEqual([2, 3, 5]);
    expect([...torch.stack([x, x]).shape]).toEqual([2, 2, 3, 4]);
    expect([...F.softmax(x, 1).shape]).toEqual([2, 3, 4]);
    expect([...x.reshape(6, -1).shape]).toEqual([6, 4]);
    expect([...x.permute(2, 0, 1).reshape(-1).shape]).toEqual([24]);
    expect(F.relu(x, true)).toBe(x);
  });

  test("element-wise broadcasting: same errors as a real run", () => {
    const pairs: [number[], number[]][] = [
      [[2, 3], [3]], [[2, 3], [2]], [[4, 1, 5], [3, 1]], [[1, 3, 30, 30], [1, 3, 32, 32]], [[5], [5, 1]], [[2, 2], [3, 3]],
    ];
    for (const [a, b] of pairs) {
      for (const op of ["add", "sub", "mul", "div", "maximum"] as const) sameAsReal([a, b], (x, y) => (torch[op] as (p: Tensor, q: Tensor) => Tensor)(x!, y!));
    }
  });

  test("conv2d: same errors and shapes as a real run across configurations", () => {
    const cases: [number[], [number, number, number | [number, number]], Record<string, unknown>][] = [];
    for (const hw of [1, 3, 4, 5, 8, 13]) {
      for (const cin of [1, 3]) {
        cases.push([[1, cin, hw, hw], [3, 4, 3], {}]);
        cases.push([[2, cin, hw, hw + 1], [3, 2, 3], { stride: 2, padding: 1 }]);
        cases.push([[1, cin, hw, hw], [3, 2, 5], { dilation: 2 }]);
        cases.push([[1, cin, hw, hw], [3, 6, [2, 3]], { padding: "same" }]);
        cases.push([[cin, hw, hw], [3, 4, 3], { padding: 1 }]);
      }
    }
    cases.push([[1, 3, 8, 8], [3, 4, 3], { groups: 2 }]);
    cases.push([[1, 4, 8, 8], [4, 4, 3], { groups: 2, stride: 2 }]);
    cases.push([[1, 3, 8], [3, 4, 3], {}]);
    for (const [shape, [cin, cout, k], opts] of cases) {
      let conv: nn.Conv2d;
      try {
        conv = new nn.Conv2d(cin, cout, k as number, opts as never);
      } catch {
        continue;
      }
      sameAsReal([shape], (x) => conv(x!));
    }
    expect(cases.length).toBeGreaterThan(50);
  });

  test("pooling, linear, view, batch norm, pad, dropout: same errors and shapes as a real run", () => {
    for (const hw of [1, 2, 3, 5, 8]) {
      sameAsReal([[1, 2, hw, hw]], (x) => F.max_pool2d(x!, 2));
      sameAsReal([[1, 2, hw, hw]], (x) => F.max_pool2d(x!, 3, { stride: 2, padding: 1, ceil_mode: true }));
      sameAsReal([[1, 2, hw, hw]], (x) => F.max_pool2d(x!, 2, { return_indices: true }));
      sameAsReal([[1, 2, hw, hw]], (x) => F.avg_pool2d(x!, 2, { padding: 1 }));
      sameAsReal([[2, hw, hw]], (x) => F.avg_pool2d(x!, 3));
      sameAsReal([[1, 2, hw, hw]], (x) => F.adaptive_avg_pool2d(x!, [3, 2]));
      sameAsReal([[1, 2, hw, hw]], (x) => F.adaptive_avg_pool2d(x!, 1));
      sameAsReal([[1, 2, hw, hw]], (x) => F.adaptive_max_pool2d(x!, 2, true));
      sameAsReal([[1, 2, hw, hw]], (x) => F.pad(x!, [1, 2, 0, 1]));
      sameAsReal([[1, 2, hw, hw]], (x) => F.pad(x!, [2, 2], "reflect"));
    }
    sameAsReal([[1, 2]], (x) => F.max_pool2d(x!, 2));
    sameAsReal([[1, 2, 0, 4]], (x) => F.max_pool2d(x!, 2));
    const fc = new nn.Linear(400, 120);
    for (const s of [[1, 400], [7, 400], [1, 2704], [3, 5, 400], [400], [2, 399]]) sameAsReal([s], (x) => fc(x!));
    sameAsReal([[1, 400]], (x) => F.linear(x!, torch.randn(120, 400), torch.randn(121)));
    for (const [s, v] of [[[1, 16, 13, 13], [-1, 400]], [[25, 16, 13, 13], [-1, 400]], [[1, 16, 5, 5], [-1, 400]], [[2, 3], [-1, -1]], [[2, 3], [7]]] as [number[], number[]][]) {
      sameAsReal([s], (x) => x!.view(v));
      sameAsReal([s], (x) => x!.reshape(v));
    }
    sameAsReal([[2, 3]], (x) => x!.t().view(6));
    const bn = new nn.BatchNorm2d(4);
    for (const s of [[2, 4, 3, 3], [2, 3, 3, 3], [1, 4, 1, 1]]) sameAsReal([s], (x) => bn(x!));
    sameAsReal([[2, 4, 3, 3]], (x) => F.dropout(x!, 0.5));
    sameAsReal([[2, 4, 3, 3]], (x) => F.dropout(x!, 1.5));
    sameAsReal([[3, 4], [3, 5]], (x, y) => torch.cat([x!, y!], 0));
    sameAsReal([[3, 4], [5, 6]], (x, y) => torch.mm(x!, y!));
    sameAsReal([[2, 3, 4], [2, 4, 5]], (x, y) => torch.bmm(x!, y!));
  });

  test("a shape error on meta is the same ShapeError, with its numbers", () => {
    const net = new nn.Sequential(new nn.Conv2d(1, 6, 5), new nn.Flatten(), new nn.Linear(400, 10));
    let err: unknown;
    try {
      net(meta(1, 1, 64, 64));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ShapeError);
    expect((err as ShapeError).message).toBe("mat1 and mat2 shapes cannot be multiplied (1x21600 and 400x10)");
    expect((err as ShapeError).expected).toEqual({ in_features: 400 });
  });
});
