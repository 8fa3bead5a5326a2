/**
 * torch.topk returns equal values in PyTorch 1.13.1's order, which its CPU kernel gets from
 * libstdc++'s partial_sort (k * 64 <= n) or nth_element + sort (test/fixtures/topk_ties.json,
 * from test/fixtures/gen_topk_ties.py): rows of zeros, of three values, and with NaN, every
 * k, largest and smallest, sorted or not.
 */
import { describe, expect, it } from "vitest";
import { torch } from "../src/index.js";
import { loadFixture } from "./backend-helpers.js";

interface TieCase {
  x: (number | null)[];
  k: number;
  largest: boolean;
  sorted: boolean;
  indices: number[];
}

const fixture = loadFixture<{
  torch: string;
  cases: TieCase[];
  dim_case: { x: number[][][]; k: number; dim: number; indices: number[][][]; values: number[][][] };
}>("topk_ties.json");

describe("topk order of ties, as PyTorch's", () => {
  it(`matches all ${fixture.cases.length} rows`, () => {
    const wrong: string[] = [];
    for (const c of fixture.cases) {
      const x = torch.tensor(c.x.map((v) => (v === null ? NaN : v)));
      const got = x.topk(c.k, { largest: c.largest, sorted: c.sorted }).indices.tolist() as number[];
      if (JSON.stringify(got) !== JSON.stringify(c.indices)) wrong.push(`n=${c.x.length} k=${c.k} largest=${c.largest} sorted=${c.sorted}: ${JSON.stringify(got)} vs ${JSON.stringify(c.indices)}`);
    }
    expect(wrong).toEqual([]);
    expect(fixture.cases.length).toBeGreaterThan(500);
  });

  it("along a middle dimension of a 3-D tensor", () => {
    const c = fixture.dim_case;
    const { values, indices } = torch.tensor(c.x).topk(c.k, c.dim);
    expect(indices.tolist()).toEqual(c.indices);
    expect(values.tolist()).toEqual(c.values);
  });
});
