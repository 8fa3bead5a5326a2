import { describe, expect, it } from "vitest";
import { nn, torch } from "../src/index.js";
import { LeNet } from "./lenet.js";

describe("devices: cpu and meta", () => {
  it("moves a tensor to meta: same shape and dtype, no values", () => {
    const x = torch.ones(2, 3);
    const m = x.to("meta");
    expect(m.device).toBe("meta");
    expect(m.is_meta).toBe(true);
    expect(m.shape).toEqual([2, 3]);
    expect(m.dtype).toBe(torch.float32);
    expect(String(m)).toBe("tensor(..., device='meta', size=(2, 3))");
    expect(() => m.tolist()).toThrow(/Cannot copy out of meta tensor; no data!/);
    expect(x.to("meta", "float64").dtype).toBe(torch.float64);
    expect(x.to({ device: "meta", dtype: "float64" }).dtype).toBe(torch.float64);
    expect(x.to(torch.empty([4], { device: "meta", dtype: "int64" })).device).toBe("meta");
  });

  it("returns the tensor itself when nothing changes, and refuses the way back from meta", () => {
    const x = torch.ones(2);
    expect(x.to("cpu")).toBe(x);
    expect(x.to("cpu:0")).toBe(x);
    const m = x.to("meta");
    expect(m.to("meta")).toBe(m);
    let caught: unknown;
    try {
      m.to("cpu");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).name).toBe("NotImplementedError");
    expect((caught as Error).message).toMatch(/^Cannot copy out of meta tensor; no data!/);
  });

  it("refuses accelerators with a clear error", () => {
    expect(() => torch.ones(2).to("cuda")).toThrow("tsorch computes on the CPU only; device 'cuda' is not available");
    expect(() => torch.ones(2).to("mps:0")).toThrow(/device 'mps:0' is not available/);
  });

  it("records the copy in the graph as PyTorch does", () => {
    const x = torch.ones([2], { requires_grad: true });
    const m = x.to("meta");
    expect(m.requires_grad).toBe(true);
    expect(m.grad_fn?.name).toBe("ToCopyBackward0");
    expect(torch.ones(2).to("meta").grad_fn).toBeNull();
  });

  it("moves a whole network to meta: shapes and shape errors without computing", () => {
    const net = new LeNet().to("meta");
    for (const [, p] of net.named_parameters()) expect(p.device).toBe("meta");
    expect([...net.parameters()].every((p) => p instanceof nn.Parameter)).toBe(true);
    const out = net(torch.empty([1, 1, 32, 32], { device: "meta" }));
    expect(out.shape).toEqual([1, 10]);
    expect(out.device).toBe("meta");
    expect(() => net(torch.empty([1, 1, 64, 64], { device: "meta" }))).toThrow(/1x2704 and 400x120/);
    expect(() => net.to("cpu")).toThrow(/Cannot copy out of meta tensor/);
  });

  it("converts a network's dtype and device in one call", () => {
    const net = new nn.Linear(3, 2).to({ device: "meta", dtype: "float64" });
    expect(net.weight.dtype).toBe(torch.float64);
    expect(net.weight.device).toBe("meta");
    expect(new nn.Linear(3, 2).to("cpu", "float64").weight.dtype).toBe(torch.float64);
  });
});

describe("meta tensors through ordering, scans and indexing", () => {
  const m = torch.empty([4, 6], { device: "meta" });

  it("sort, argsort, topk and median give shapes and dtypes", () => {
    const { values, indices } = m.sort(1);
    expect([values.shape, values.device, indices.dtype]).toEqual([[4, 6], "meta", torch.int64]);
    expect(m.argsort(0).shape).toEqual([4, 6]);
    expect(m.topk(2, 1).values.shape).toEqual([4, 2]);
    expect(() => m.topk(7, 1)).toThrow("selected index k out of range");
  });

  it("cumsum, cumprod and cummax keep the shape; cumsum of int64 stays int64", () => {
    expect(m.cumsum(1).shape).toEqual([4, 6]);
    expect(m.cumprod(0).device).toBe("meta");
    expect(m.cummax(1).indices.dtype).toBe(torch.int64);
    expect(torch.empty([3], { device: "meta", dtype: "int64" }).cumsum(0).dtype).toBe(torch.int64);
  });

  it("index_select and gather take the index's sizes; real indices are still bounds-checked", () => {
    expect(m.index_select(1, torch.tensor([0, 5, 2])).shape).toEqual([4, 3]);
    expect(m.index_select(0, torch.empty([10], { device: "meta", dtype: "int64" })).shape).toEqual([10, 6]);
    expect(() => m.index_select(0, torch.tensor([4]))).toThrow("index out of range in self");
    const g = m.gather(1, torch.zeros([4, 2], { dtype: "int64" }));
    expect([g.shape, g.device]).toEqual([[4, 2], "meta"]);
    expect(() => m.gather(1, torch.zeros([5, 2], { dtype: "int64" }))).toThrow(/Size does not match at dimension 0/);
  });
});
