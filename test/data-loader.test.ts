/**
 * torch.utils.data beyond the PyTorch fixture: what batches look like
 * (shapes, dtypes, the short last batch, drop_last), the options that change
 * batching (batch_size null, collate_fn, sampler, batch_sampler), datasets
 * (TensorDataset, Subset, iteration) and the typed errors bad input gets.
 */
import { describe, expect, test } from "vitest";
import { ArgumentError, IndexError, TsorchError, torch } from "../src/index.js";
import type { Tensor } from "../src/tensor/tensor.js";

const { DataLoader, TensorDataset, Subset, Dataset, BatchSampler, SequentialSampler, SubsetRandomSampler, RandomSampler, default_collate } =
  torch.utils.data;

/** Images and labels like a small image dataset: 10 samples of [1, 4, 4], labels 0..9. */
function imageSet() {
  const x = torch.arange(10 * 16, { dtype: torch.float32 }).view(10, 1, 4, 4);
  const y = torch.arange(10);
  return { x, y, ds: new TensorDataset(x, y) };
}

/** Throws an error of class `cls` whose Python name is `name` and whose message contains `text`. */
function expectError(fn: () => unknown, cls: new (...args: never[]) => Error, name: string, text: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(cls);
  expect((caught as Error).name).toBe(name);
  expect((caught as Error).message).toContain(text);
}

describe("batches", () => {
  test("for (const [x, y] of loader): stacked images and int64 labels, the last batch short", () => {
    const { x, ds } = imageSet();
    const loader = new DataLoader(ds, { batch_size: 4 });
    expect(loader.length).toBe(3);
    const batches = [...loader];
    expect(batches.map(([xb]) => [...xb!.shape])).toEqual([[4, 1, 4, 4], [4, 1, 4, 4], [2, 1, 4, 4]]);
    for (const [xb, yb] of batches) {
      expect(xb!.dtype).toBe(torch.float32);
      expect(yb!.dtype).toBe(torch.int64);
    }
    expect(batches.map(([, yb]) => yb!.tolist())).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    // The images are the dataset's rows, in order.
    expect(batches[2]![0]!.tolist()).toEqual(x.narrow(0, 8, 2).tolist());
  });

  test("drop_last drops the short batch and counts it out of the length", () => {
    const { ds } = imageSet();
    const loader = new DataLoader(ds, { batch_size: 4, drop_last: true });
    expect(loader.length).toBe(2);
    expect([...loader].map(([, y]) => y!.shape[0])).toEqual([4, 4]);
    expect(new DataLoader(ds, { batch_size: 5, drop_last: true }).length).toBe(2);
    expect(new DataLoader(ds, { batch_size: 11, drop_last: true }).length).toBe(0);
    expect([...new DataLoader(ds, { batch_size: 11, drop_last: true })]).toEqual([]);
  });

  test("shuffle: every epoch is a permutation of the whole dataset, and epochs differ", () => {
    torch.manual_seed(3);
    const loader = new DataLoader(new TensorDataset(torch.arange(50)), { batch_size: 8, shuffle: true });
    const epoch = () => ([...loader].flatMap(([b]) => b!.tolist()) as number[]);
    const a = epoch();
    const b = epoch();
    expect([...a].sort((p, q) => p - q)).toEqual([...Array(50).keys()]);
    expect([...b].sort((p, q) => p - q)).toEqual([...Array(50).keys()]);
    expect(a).not.toEqual(b);
  });

  test("a loader with its own generator repeats itself when the generator is reseeded", () => {
    const g = new torch.Generator();
    const loader = new DataLoader(new TensorDataset(torch.arange(20)), { batch_size: 5, shuffle: true, generator: g });
    g.manual_seed(9);
    const a = [...loader].map(([b]) => b!.tolist());
    g.manual_seed(9);
    torch.randn(7); // the global generator plays no part
    const b = [...loader].map(([b2]) => b2!.tolist());
    expect(a).toEqual(b);
  });

  test("batch_size: null passes samples one by one, uncollated", () => {
    const { ds } = imageSet();
    const loader = new DataLoader(ds, { batch_size: null });
    expect(loader.length).toBe(10);
    const first = loader[Symbol.iterator]().next().value as Tensor[];
    expect(first[0]!.shape).toEqual([1, 4, 4]);
    expect(first[1]!.item()).toBe(0);
  });

  test("collate_fn replaces default_collate", () => {
    const { ds } = imageSet();
    const loader = new DataLoader(ds, { batch_size: 3, collate_fn: (samples) => samples.map(([, y]) => y!.item()) });
    expect([...loader]).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
  });

  test("a sampler chooses the indices (an array works), a batch_sampler the batches", () => {
    const { ds } = imageSet();
    const bySampler = new DataLoader(ds, { batch_size: 2, sampler: [9, 0, 5] });
    expect([...bySampler].map(([, y]) => y!.tolist())).toEqual([[9, 0], [5]]);
    expect(bySampler.length).toBe(2);
    const byBatches = new DataLoader(ds, { batch_sampler: [[1, 2, 3], [7]] });
    expect([...byBatches].map(([, y]) => y!.tolist())).toEqual([[1, 2, 3], [7]]);
    expect(byBatches.batch_size).toBeNull();
  });

  test("samplers: sequential, subset-random, batches of them", () => {
    expect([...new SequentialSampler({ length: 4 })]).toEqual([0, 1, 2, 3]);
    const sub = new SubsetRandomSampler([10, 20, 30, 40], new torch.Generator().manual_seed(0));
    expect([...sub].sort()).toEqual([10, 20, 30, 40]);
    expect([...new BatchSampler(new SequentialSampler({ length: 10 }), 3, false)]).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
    expect([...new BatchSampler(new SequentialSampler({ length: 10 }), 3, true)]).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
    expect(new BatchSampler(new SequentialSampler({ length: 10 }), 3, true).length).toBe(3);
  });

  test("a loader describes itself in one line", () => {
    const { ds } = imageSet();
    expect(String(new DataLoader(ds, { batch_size: 4, shuffle: true }))).toBe("DataLoader(TensorDataset of 10, batch_size=4, shuffle=true): 3 batches");
    expect(String(new DataLoader(ds, { batch_size: 4, drop_last: true }))).toBe("DataLoader(TensorDataset of 10, batch_size=4, drop_last=true): 2 batches");
  });

  test("the iterator counts what it yielded and keeps the pass's seed", () => {
    const { ds } = imageSet();
    const it = new DataLoader(ds, { batch_size: 4 })[Symbol.iterator]();
    expect(typeof it.base_seed).toBe("bigint");
    expect(it.base_seed >= 0n).toBe(true);
    it.next();
    it.next();
    expect(it.yielded).toBe(2);
    expect([...it].length).toBe(1);
    expect(it.next().done).toBe(true);
  });
});

describe("datasets", () => {
  class Squares extends Dataset<[number, number]> {
    get length() {
      return 5;
    }
    getitem(i: number): [number, number] {
      return [i, i * i];
    }
  }

  test("a Dataset subclass iterates in index order and collates numbers to int64", () => {
    expect([...new Squares()]).toEqual([[0, 0], [1, 1], [2, 4], [3, 9], [4, 16]]);
    const [a, b] = [...new DataLoader(new Squares(), { batch_size: 5 })][0]!;
    expect(a!.tolist()).toEqual([0, 1, 2, 3, 4]);
    expect(b!.dtype).toBe(torch.int64);
    expect(b!.tolist()).toEqual([0, 1, 4, 9, 16]);
  });

  test("TensorDataset rows are views; negative indices count from the end", () => {
    const { x, ds } = imageSet();
    const [xi, yi] = ds.getitem(-1);
    expect(yi!.item()).toBe(9);
    expect(xi!.tolist()).toEqual(x.select(0, 9).tolist());
    expect(xi!.storage).toBe(x.storage);
    expect(ds.length).toBe(10);
  });

  test("Subset reads through its indices", () => {
    const sub = new Subset(new Squares(), [4, 2]);
    expect(sub.length).toBe(2);
    expect(sub.getitem(0)).toEqual([4, 16]);
    expect(sub.getitem(-1)).toEqual([2, 4]);
    expect([...sub]).toEqual([[4, 16], [2, 4]]);
  });

  test("default_collate: strings stay a list, nested arrays and objects are collated field by field", () => {
    expect(default_collate(["a", "b"])).toEqual(["a", "b"]);
    const out = default_collate([{ p: [1, 2.5], q: true }, { p: [3, 4], q: false }]);
    expect(out.p[0]!.dtype).toBe(torch.int64);
    expect(out.p[1]!.dtype).toBe(torch.float64);
    expect(out.p[1]!.tolist()).toEqual([2.5, 4]);
    expect(out.q.dtype).toBe(torch.bool);
  });
});

describe("errors", () => {
  const { ds } = imageSet();

  test("indices out of range and non-integer indices", () => {
    expectError(() => ds.getitem(10), IndexError, "IndexError", "index 10 is out of bounds for dimension 0 with size 10");
    expectError(() => new Subset(ds, [1, 2]).getitem(2), IndexError, "IndexError", "index 2 is out of range for a Subset of length 2");
    expectError(() => new Subset(ds, [1, 2]).getitem(0.5), ArgumentError, "TypeError", "indices must be integers");
  });

  test("DataLoader options", () => {
    expectError(() => new DataLoader(ds, { num_workers: 2 }), ArgumentError, "ValueError", "num_workers must be 0");
    expectError(() => new DataLoader({} as never), ArgumentError, "TypeError", "dataset must be a Dataset");
    expectError(() => new DataLoader(ds, { batch_sampler: [[0]], batch_size: 4 }), ArgumentError, "ValueError",
      "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last");
    expectError(() => new DataLoader(ds, { batch_size: 2.5 }), ArgumentError, "ValueError", "batch_size should be a positive integer value, but got batch_size=2.5");
    expectError(() => new DataLoader(ds, { generator: {} as never }), ArgumentError, "TypeError", "generator must be a torch.Generator");
    expectError(() => new DataLoader(ds, { sampler: (function* () { yield 0; })() }).length, ArgumentError, "TypeError", "the sampler has no length");
  });

  test("TensorDataset arguments", () => {
    expectError(() => new TensorDataset(), ArgumentError, "IndexError", "needs at least one tensor");
    expectError(() => new TensorDataset(torch.tensor(3)), ArgumentError, "IndexError", "0-d");
    expectError(() => new TensorDataset([1, 2] as never), ArgumentError, "TypeError", "must be a Tensor");
    expectError(() => new TensorDataset(torch.zeros(3), torch.zeros(4)), TsorchError, "AssertionError",
      "Size mismatch between tensors: tensor 0 has 3 rows but tensor 1 has 4");
  });

  test("RandomSampler and collate arguments", () => {
    expectError(() => new RandomSampler({ length: 3 }, { replacement: "yes" as never }), ArgumentError, "TypeError", "replacement should be a boolean value");
    expectError(() => new RandomSampler(5 as never), ArgumentError, "TypeError", "data_source must have a length");
    expectError(() => default_collate([]), ArgumentError, "ValueError", "cannot collate an empty batch");
    expectError(() => default_collate([[1, 2], [3]]), ArgumentError, "RuntimeError", "each element in list of batch should be of equal size");
    expectError(() => default_collate([1, "a"] as never), ArgumentError, "TypeError", "found number and string");
    expectError(() => default_collate([null, null]), ArgumentError, "TypeError", "found null");
  });

  test("random_split arguments", () => {
    const { random_split } = torch.utils.data;
    expectError(() => random_split(ds, [5, 4.5]), ArgumentError, "ValueError", "length at index 1 must be a non-negative integer");
    expectError(() => random_split(ds, []), ArgumentError, "TypeError", "lengths must be a non-empty list");
    expectError(() => random_split([1, 2] as never, [1, 1]), ArgumentError, "TypeError", "dataset must be a Dataset");
  });
});
