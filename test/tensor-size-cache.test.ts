/**
 * Tensor shapes come from a cache of frozen Sizes (tensor/size.ts `Size.frozen`): tensors of one shape
 * share one immutable Size, and the shapes stay right however many distinct shapes a program makes
 * (the cache starts again past its limit).
 */
import { describe, expect, it } from "vitest";
import { Size } from "../src/tensor/size.js";
import { torch } from "../src/index.js";

describe("shape cache", () => {
  it("gives tensors of one shape one frozen Size that reads and prints as before", () => {
    const a = torch.zeros(2, 3, 4);
    const b = torch.ones(2, 3, 4).add(1);
    expect(a.shape).toBe(b.shape);
    expect(Object.isFrozen(a.shape)).toBe(true);
    expect(a.shape).toBeInstanceOf(Size);
    expect(String(a.shape)).toBe("torch.Size([2, 3, 4])");
    expect(a.shape.numel()).toBe(24);
    expect(() => { (a.shape as unknown as number[])[0] = 9; }).toThrow(TypeError);
    // A slice is a fresh, writable Size.
    const s = a.size().slice(1);
    expect(String(s)).toBe("torch.Size([3, 4])");
    expect(Object.isFrozen(s)).toBe(false);
  });

  it("keeps every shape right past the cache's limit, with prefixes and scalars", () => {
    for (let i = 0; i < 3000; i++) {
      const shape = [i % 7 + 1, Math.floor(i / 7) + 1, 2];
      expect(Array.from(Size.frozen(shape))).toEqual(shape);
      expect(Array.from(Size.frozen(shape.slice(0, 2)))).toEqual(shape.slice(0, 2));
    }
    expect(Array.from(Size.frozen([]))).toEqual([]);
    expect(torch.tensor(3).shape.length).toBe(0);
    expect(Array.from(torch.zeros(5, 0, 2).shape)).toEqual([5, 0, 2]);
  });
});
