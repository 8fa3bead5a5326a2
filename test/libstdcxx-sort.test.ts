/**
 * The libstdc++ algorithms that PyTorch's CPU kernels sort with, reproduced step by step: they
 * order correctly, and they leave ties where GCC's do (a case whose answer PyTorch 1.13.1 printed).
 */
import { describe, expect, it } from "vitest";
import { nthElement, partialSort, sort } from "../src/tensor/libstdcxx-sort.js";
import { topkIndices } from "../src/ops/topk-order.js";
import { rng } from "./backend-helpers.js";

const byValue = (v: number[]) => (x: number, y: number) => v[x]! < v[y]!;

describe("libstdc++ sort, partial_sort and nth_element", () => {
  const next = rng(7);
  const cases = Array.from({ length: 50 }, (_, i) => Array.from({ length: 1 + i * 7 }, () => Math.floor(next() * 10)));

  it("sort orders every index by value", () => {
    for (const v of cases) {
      const idx = v.map((_, i) => i);
      sort(idx, byValue(v));
      for (let i = 1; i < idx.length; i++) expect(v[idx[i - 1]!]!).toBeLessThanOrEqual(v[idx[i]!]!);
      expect([...idx].sort((a, b) => a - b)).toEqual(v.map((_, i) => i));
    }
  });

  it("partial_sort puts the k smallest first, in order; nth_element puts the k-th in place", () => {
    for (const v of cases) {
      const k = Math.floor(v.length / 3);
      const sorted = [...v].sort((a, b) => a - b);
      const p = v.map((_, i) => i);
      partialSort(p, k, byValue(v));
      expect(p.slice(0, k).map((i) => v[i]!)).toEqual(sorted.slice(0, k));
      if (k >= v.length) continue;
      const n = v.map((_, i) => i);
      nthElement(n, k, byValue(v));
      expect(v[n[k]!]).toBe(sorted[k]);
      for (let i = 0; i < k; i++) expect(v[n[i]!]!).toBeLessThanOrEqual(v[n[k]!]!);
    }
  });

  it("leaves ties in GCC's order: torch.zeros(20).topk(20).indices in PyTorch 1.13.1", () => {
    expect(topkIndices(new Float64Array(20), 20)).toEqual([11, 0, 8, 9, 7, 4, 3, 2, 1, 5, 10, 12, 13, 14, 15, 16, 17, 18, 19, 6]);
  });
});
