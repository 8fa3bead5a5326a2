/**
 * torch.utils.data against PyTorch 1.13.1 (test/fixtures/data.json, from
 * gen_data.py): after the same torch.manual_seed, a DataLoader yields
 * PyTorch's batches epoch after epoch and leaves the global generator where
 * PyTorch leaves it; RandomSampler and random_split draw PyTorch's indices;
 * default_collate makes PyTorch's dtypes and shapes.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { torch } from "../src/index.js";
import type { Tensor } from "../src/tensor/tensor.js";

const { DataLoader, TensorDataset, RandomSampler, random_split, default_collate, Dataset } = torch.utils.data;

interface LoaderCase {
  n: number; batch_size: number; shuffle: boolean; drop_last: boolean; seed: number; generator_seed: number | null;
  len: number; epochs: number[][][]; after: number[]; generator_after: number[] | null;
}
type Described = { tensor: { dtype: string; shape: number[]; values: unknown } } | { list: Described[] } | { dict: Record<string, Described> } | { value: unknown };

const fixture = JSON.parse(readFileSync(fileURLToPath(new URL("./fixtures/data.json", import.meta.url)), "utf8")) as {
  loaders: LoaderCase[];
  partial: { created: number[]; one_batch: { batch: number[]; after: number[] }; sequential_created: number[] };
  samplers: { n: number; replacement: boolean; num_samples: number | null; seed: number; len: number; indices: number[]; after: number[] }[];
  splits: { n: number; lengths: number[]; generator_seed: number | null; seed: number | null; parts: number[][]; values: number[][] }[];
  collate: Record<string, Described>;
  errors: Record<string, { type: string; message: string }>;
};

/** Where the global generator stands: the fixture's torch.randint(0, 2**31, (3,)). */
const after = (gen?: InstanceType<typeof torch.Generator>) => torch.randint(0, 2 ** 31, [3], { generator: gen }).tolist();

/** Python's range(n) as a dataset. */
class Range extends Dataset<number> {
  constructor(readonly n: number) {
    super();
  }
  get length() {
    return this.n;
  }
  getitem(i: number) {
    return i;
  }
}

describe("DataLoader yields PyTorch's batches", () => {
  for (const c of fixture.loaders) {
    const name = `n=${c.n} batch_size=${c.batch_size} shuffle=${c.shuffle} drop_last=${c.drop_last} seed=${c.seed}` +
      (c.generator_seed === null ? "" : ` generator=${c.generator_seed}`);
    test(name, () => {
      torch.manual_seed(c.seed);
      const g = c.generator_seed === null ? undefined : new torch.Generator().manual_seed(c.generator_seed);
      const loader = new DataLoader(new TensorDataset(torch.arange(c.n)), {
        batch_size: c.batch_size, shuffle: c.shuffle, drop_last: c.drop_last, generator: g,
      });
      expect(loader.length).toBe(c.len);
      const epochs = c.epochs.map(() => [...loader].map(([b]) => b!.tolist()));
      expect(epochs).toEqual(c.epochs);
      expect(after()).toEqual(c.after);
      if (c.generator_after) expect(after(g)).toEqual(c.generator_after);
    });
  }

  test("a pass draws its seed when the iterator is made, the shuffle's seed at the first batch", () => {
    const loader = new DataLoader(new TensorDataset(torch.arange(10)), { batch_size: 4, shuffle: true });
    torch.manual_seed(5);
    loader[Symbol.iterator]();
    expect(after()).toEqual(fixture.partial.created);
    torch.manual_seed(5);
    const it = loader[Symbol.iterator]();
    const first = it.next();
    expect(first.done).toBe(false);
    expect((first.value as Tensor[])[0]!.tolist()).toEqual(fixture.partial.one_batch.batch);
    expect(after()).toEqual(fixture.partial.one_batch.after);
    torch.manual_seed(5);
    new DataLoader(new TensorDataset(torch.arange(10)), { batch_size: 4 })[Symbol.iterator]();
    expect(after()).toEqual(fixture.partial.sequential_created);
  });
});

describe("RandomSampler draws PyTorch's indices", () => {
  for (const c of fixture.samplers) {
    test(`n=${c.n} replacement=${c.replacement} num_samples=${c.num_samples}`, () => {
      torch.manual_seed(c.seed);
      const s = new RandomSampler(new Range(c.n), { replacement: c.replacement, num_samples: c.num_samples ?? undefined });
      expect(s.length).toBe(c.len);
      expect([...s]).toEqual(c.indices);
      expect(after()).toEqual(c.after);
    });
  }
});

describe("random_split matches PyTorch", () => {
  for (const c of fixture.splits) {
    test(`range(${c.n}) into [${c.lengths.join(", ")}]`, () => {
      if (c.seed !== null) torch.manual_seed(c.seed);
      const g = c.generator_seed === null ? undefined : new torch.Generator().manual_seed(c.generator_seed);
      const parts = random_split(new Range(c.n), c.lengths, g);
      expect(parts.map((p) => [...p.indices])).toEqual(c.parts);
      expect(parts.map((p) => [...p])).toEqual(c.values);
    });
  }
});

/** A collated batch in the fixture's description. */
function describeValue(v: unknown): Described {
  if (v instanceof torch.Tensor) return { tensor: { dtype: v.dtype.name, shape: [...v.shape], values: v.tolist() } };
  if (Array.isArray(v)) return { list: v.map(describeValue) };
  if (typeof v === "object" && v !== null) return { dict: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, describeValue(x)])) };
  return { value: v };
}

describe("default_collate makes PyTorch's batches", () => {
  const batches: Record<string, unknown[]> = {
    ints: [1, 2, 3],
    floats: [0.5, 1.0, 2.25],
    bools: [true, false, true],
    // JavaScript's 1.0 is the integer 1: float tensors are asked for by dtype.
    tensors: [torch.tensor([1, 2], { dtype: torch.float32 }), torch.tensor([3, 4], { dtype: torch.float32 })],
    int_tensors: [torch.tensor(3), torch.tensor(4)],
    tuples: [[torch.tensor([[1]], { dtype: torch.float32 }), 7], [torch.tensor([[2]], { dtype: torch.float32 }), 8]],
    dicts: [{ x: torch.tensor([1], { dtype: torch.float32 }), y: 0 }, { x: torch.tensor([2], { dtype: torch.float32 }), y: 1 }],
    strings: ["a", "b"],
  };
  test("every fixture batch has a counterpart", () => {
    expect(Object.keys(batches).sort()).toEqual(Object.keys(fixture.collate).sort());
  });
  for (const [name, batch] of Object.entries(batches)) {
    test(name, () => {
      expect(describeValue(default_collate(batch))).toEqual(fixture.collate[name]);
    });
  }
});

describe("errors start with PyTorch's text and carry its exception name", () => {
  const ds = new TensorDataset(torch.arange(10));
  const cases: Record<string, () => unknown> = {
    batch_size_zero: () => new DataLoader(ds, { batch_size: 0 }),
    batch_size_negative: () => new DataLoader(ds, { batch_size: -2 }),
    sampler_and_shuffle: () => new DataLoader(ds, { sampler: [0, 1, 2], shuffle: true }),
    drop_last_without_batch_size: () => new DataLoader(ds, { batch_size: null, drop_last: true }),
    split_sum: () => random_split(new Range(10), [3, 3]),
    split_fraction: () => random_split(new Range(10), [1.5, -0.5]),
    tensor_dataset_sizes: () => new TensorDataset(torch.zeros(3), torch.zeros(4)),
    num_samples: () => new RandomSampler(new Range(10), { num_samples: 0 }),
    collate_sizes: () => default_collate([torch.zeros(2), torch.zeros(3)]),
  };
  test("every fixture error has a counterpart", () => {
    expect(Object.keys(cases).sort()).toEqual(Object.keys(fixture.errors).sort());
  });
  for (const [name, fn] of Object.entries(cases)) {
    test(name, () => {
      const { type, message } = fixture.errors[name]!;
      let caught: Error | undefined;
      try {
        fn();
      } catch (e) {
        caught = e as Error;
      }
      expect(caught, "should throw").toBeInstanceOf(Error);
      expect(caught!.name).toBe(type);
      expect(caught!.message.startsWith(message)).toBe(true);
    });
  }
});
