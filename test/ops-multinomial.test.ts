/**
 * torch.multinomial and Tensor.exponential_ against PyTorch 1.13.1
 * (fixtures from gen_multinomial.py): the same seed must give the same
 * category indices, leave the generator in the same place (a randn drawn
 * afterwards matches too), and refuse bad input with PyTorch's messages.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as torch from "../src/torch.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { TsorchError } from "../src/errors.js";
import { topkIndices } from "../src/ops/topk-order.js";

type Weight = number | string;

interface MultinomialCase {
  name: string;
  seed: number;
  generator: boolean;
  dtype: "float32" | "float64";
  shape: number[];
  weights: number[];
  transposed: boolean;
  num_samples: number;
  replacement: boolean;
  shape_out: number[];
  expect: number[];
  after_randn5: number[];
}

interface AccumulationCase {
  dtype: "float32" | "float64";
  seed: number;
  first: number;
  rest: number;
  count: number;
  num_samples: number;
  nonzero_at: number[];
  nonzero_picks: number[];
  after_randn5: number[];
}

interface ExponentialCase {
  seed: number;
  dtype: "float32" | "float64";
  n: number;
  lambd: number;
  transposed: boolean;
  expect: number[];
  after_randn3: number[];
}

interface ErrorCase {
  name: string;
  weights: Weight[];
  dtype: string;
  shape: number[];
  num_samples: number;
  replacement: boolean;
  type: string;
  message: string;
}

interface Fixture {
  cases: MultinomialCase[];
  accumulation: AccumulationCase[];
  exponential: ExponentialCase[];
  errors: ErrorCase[];
  exponential_errors: Record<string, { type: string; message: string }>;
  stream_after_error: { type: string; message: string; after_randn5: number[] };
}

const fixture: Fixture = JSON.parse(readFileSync(new URL("./fixtures/multinomial.json", import.meta.url), "utf8"));

function decodeWeight(w: Weight): number {
  if (typeof w === "number") return w;
  return { inf: Infinity, "-inf": -Infinity, nan: NaN }[w]!;
}

function weightsOf(c: { weights: Weight[]; dtype: string; shape: number[] }): Tensor {
  return torch.tensor(c.weights.map(decodeWeight), { dtype: c.dtype as "float32" }).reshape(c.shape);
}

function caught(fn: () => unknown): TsorchError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TsorchError) return e;
    throw e;
  }
  throw new Error("expected an error");
}

describe("multinomial draws PyTorch's samples", () => {
  it("covers the fixture's sweep", () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(40);
    const kinds = new Set(fixture.cases.map((c) => `${c.dtype} ${c.replacement} ${c.shape.length}`));
    expect(kinds.size).toBe(8);
  });

  for (const c of fixture.cases) {
    it(c.name, () => {
      const base = weightsOf(c);
      const input = c.transposed ? base.t() : base;
      let gen: torch.Generator | undefined;
      if (c.generator) gen = new torch.Generator().manual_seed(c.seed);
      else torch.manual_seed(c.seed);
      // Every other case goes through the Tensor method: both forms draw the same samples.
      const out = c.seed % 2 === 0
        ? torch.multinomial(input, c.num_samples, c.replacement, { generator: gen })
        : input.multinomial(c.num_samples, c.replacement, { generator: gen });
      expect(out.dtype.name).toBe("int64");
      expect([...out.shape]).toEqual(c.shape_out);
      expect(Array.from(out.toFlatArray())).toEqual(c.expect);
      // The generator is where PyTorch's is: the next draws agree too.
      const after = gen ? torch.randn(5, { generator: gen }) : torch.randn(5);
      expect(Array.from(after.toFlatArray())).toEqual(c.after_randn5);
    });
  }

  for (const c of fixture.accumulation) {
    it(`accumulates the cumulative sum in ${c.dtype}`, () => {
      const w = torch.cat([torch.full([1], c.first, { dtype: c.dtype }), torch.full([c.count], c.rest, { dtype: c.dtype })]);
      torch.manual_seed(c.seed);
      const picks = torch.multinomial(w, c.num_samples, true).toFlatArray();
      const at: number[] = [];
      const which: number[] = [];
      picks.forEach((v, i) => {
        if (v !== 0) {
          at.push(i);
          which.push(Number(v));
        }
      });
      expect(at).toEqual(c.nonzero_at);
      expect(which).toEqual(c.nonzero_picks);
      expect(Array.from(torch.randn(5).toFlatArray())).toEqual(c.after_randn5);
    });
  }

  it("leaves the default generator alone when drawing from another one", () => {
    torch.manual_seed(3);
    const before = torch.get_rng_state();
    torch.multinomial(torch.ones(2, 6), 3, false, { generator: new torch.Generator().manual_seed(1) });
    expect(torch.get_rng_state()).toEqual(before);
  });

  it("does not track gradients through the indices", () => {
    const w = torch.tensor([1, 2, 3], { dtype: "float32" }).requires_grad_();
    const out = torch.multinomial(w, 2);
    expect(out.requires_grad).toBe(false);
    expect(out.dtype.name).toBe("int64");
  });

  it("returns an empty result for zero rows without drawing", () => {
    torch.manual_seed(0);
    const before = torch.get_rng_state();
    for (const replacement of [false, true]) {
      const out = torch.multinomial(torch.ones(0, 3), 2, replacement);
      expect([...out.shape]).toEqual([0, 2]);
      expect(out.dtype.name).toBe("int64");
    }
    expect(torch.get_rng_state()).toEqual(before);
  });
});

describe("exponential_ draws PyTorch's samples", () => {
  for (const c of fixture.exponential) {
    const label = `${c.transposed ? "transposed 4x5 view" : c.n} ${c.dtype} lambd=${c.lambd}`;
    it(label, () => {
      torch.manual_seed(c.seed);
      let values: number[];
      if (c.transposed) {
        const base = torch.empty(4, 5, { dtype: c.dtype });
        base.t().exponential_(c.lambd);
        values = Array.from(base.toFlatArray());
      } else {
        values = Array.from(torch.empty(c.n, { dtype: c.dtype }).exponential_(c.lambd).toFlatArray());
      }
      expect(values).toEqual(c.expect);
      // Two 32-bit words per element whatever the size: no vectorised path to mirror.
      expect(Array.from(torch.randn(3).toFlatArray())).toEqual(c.after_randn3);
    });
  }

  it("refuses what PyTorch refuses", () => {
    const neg = caught(() => torch.empty(3).exponential_(-1));
    expect([neg.name, neg.message]).toEqual([fixture.exponential_errors["negative lambda"]!.type, fixture.exponential_errors["negative lambda"]!.message]);
    const int = caught(() => torch.empty(3, { dtype: "int64" }).exponential_());
    expect([int.name, int.message]).toEqual([fixture.exponential_errors["integer tensor"]!.type, fixture.exponential_errors["integer tensor"]!.message]);
  });
});

describe("multinomial errors", () => {
  for (const c of fixture.errors) {
    it(c.name, () => {
      const e = caught(() => torch.multinomial(weightsOf(c), c.num_samples, c.replacement));
      expect(e.name).toBe(c.type);
      expect(e.message.startsWith(c.message)).toBe(true);
    });
  }

  it("refuses a fractional sample count like PyTorch's argument parser", () => {
    const e = caught(() => torch.multinomial(torch.ones(3), 1.5));
    expect(e.name).toBe("TypeError");
    expect(e.message).toBe("multinomial(): argument 'num_samples' (position 2) must be int, not float");
  });

  it("draws nothing before refusing weights without replacement", () => {
    torch.manual_seed(4);
    const before = torch.get_rng_state();
    caught(() => torch.multinomial(torch.tensor([1, -1, 2], { dtype: "float32" }), 2));
    caught(() => torch.multinomial(torch.tensor([[1, 2], [0, 0]], { dtype: "float32" }), 1));
    expect(torch.get_rng_state()).toEqual(before);
  });

  it("with replacement, rows above a bad row have drawn their samples", () => {
    const c = fixture.stream_after_error;
    torch.manual_seed(8);
    const e = caught(() => torch.multinomial(torch.tensor([[1, 2], [0, 0]], { dtype: "float32" }), 3, true));
    expect([e.name, e.message]).toEqual([c.type, c.message]);
    expect(Array.from(torch.randn(5).toFlatArray())).toEqual(c.after_randn5);
  });
});

describe("libstdc++ top-k order", () => {
  /** A small deterministic generator of test rows. */
  function lcg(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
  }

  it("lists distinct values from largest to smallest, on both algorithm paths", () => {
    const next = lcg(1);
    for (const n of [1, 2, 3, 4, 5, 16, 17, 33, 64, 100, 129, 300]) {
      const values = Float64Array.from({ length: n }, () => next());
      const byValue = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[b]! - values[a]!);
      for (const k of new Set([1, 2, Math.ceil(n / 3), n])) {
        expect(topkIndices(values, k), `n=${n} k=${k}`).toEqual(byValue.slice(0, k));
      }
    }
  });

  it("puts NaN first and keeps every index once among ties", () => {
    expect(topkIndices(new Float64Array([1, NaN, 3, 2]), 2)).toEqual([1, 2]);
    const next = lcg(2);
    for (const n of [7, 20, 50, 200]) {
      const values = Float64Array.from({ length: n }, () => Math.floor(next() * 3));
      const picks = topkIndices(values, n);
      expect([...picks].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      for (let i = 1; i < n; i++) expect(values[picks[i]!]!).toBeLessThanOrEqual(values[picks[i - 1]!]!);
    }
  });

  it("orders ties as torch.topk does", () => {
    // torch.tensor([0., 1, 0, 0, 2]).topk(5).indices and torch.zeros(20).topk(20).indices in PyTorch 1.13.1.
    expect(topkIndices(new Float64Array([0, 1, 0, 0, 2]), 5)).toEqual([4, 1, 2, 3, 0]);
    expect(topkIndices(new Float64Array(20), 20)).toEqual([11, 0, 8, 9, 7, 4, 3, 2, 1, 5, 10, 12, 13, 14, 15, 16, 17, 18, 19, 6]);
    expect(topkIndices(new Float64Array(130), 2)).toEqual([0, 1]);
  });
});
