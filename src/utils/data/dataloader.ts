/**
 * `DataLoader`: iterates over a dataset in batches, as PyTorch's does with
 * `num_workers=0` — indices from a sampler (in order, or shuffled by a
 * `RandomSampler`), grouped by a `BatchSampler`, each batch's samples read
 * with `getitem` and joined by `default_collate`.
 *
 * Random numbers are drawn as in PyTorch, so a seeded notebook sees
 * PyTorch's batches and the global generator ends where PyTorch's does:
 * every pass (every `for ... of loader`) first draws one int64 from
 * `generator` (default: the global generator) when its iterator is made —
 * PyTorch's per-pass base seed, drawn even without shuffling — and a
 * shuffling sampler then draws its own seed when the first batch is taken.
 *
 * @example
 * const loader = new DataLoader(trainSet, { batch_size: 64, shuffle: true });
 * loader.length;                         // batches per epoch: ceil(6000 / 64) = 94
 * for (const [images, labels] of loader) {
 *   // images: [64, 1, 32, 32] float32, labels: [64] int64
 * }
 */
import { ArgumentError } from "../../errors.js";
import { defaultGenerator, Generator } from "../../random/generator.js";
import { randomFill } from "../../random/integer.js";
import { type Dataset, isDataset } from "./dataset.js";
import { type Collated, default_collate, default_convert } from "./collate.js";
import { BatchSampler, RandomSampler, SequentialSampler } from "./sampler.js";

/** An iterable of indices, with a length when `len(loader)` is wanted. */
type IndexSampler = Iterable<number> & { readonly length?: number };

export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1); `null` turns batching off (each sample passes through `collate_fn` alone). */
  batch_size?: number | null;
  /** Visit the samples in a new random order each pass (default false). */
  shuffle?: boolean;
  /** Where indices come from instead (exclusive with `shuffle`). */
  sampler?: IndexSampler;
  /** Where whole batches of indices come from (exclusive with batch_size, shuffle, sampler, drop_last). */
  batch_sampler?: Iterable<number[]> & { readonly length?: number };
  /** Joins a list of samples into a batch (default `default_collate`). */
  collate_fn?: (batch: T[]) => B;
  /** Drop the last batch when it is smaller than `batch_size` (default false). */
  drop_last?: boolean;
  /** The generator shuffling and the per-pass seed draw from (default: the global generator). */
  generator?: Generator;
  /** Only 0 (load in the calling thread) exists in tsorch. */
  num_workers?: number;
}

export class DataLoader<T, B = Collated<T>> implements Iterable<B> {
  readonly dataset: Dataset<T>;
  /** Samples per batch, or null without batching. */
  readonly batch_size: number | null;
  readonly drop_last: boolean;
  /** The index sampler (sequential, random or the one given). */
  readonly sampler: IndexSampler;
  /** The batch sampler (null without batching). */
  readonly batch_sampler: (Iterable<number[]> & { readonly length?: number }) | null;
  readonly generator: Generator | undefined;
  readonly collate_fn: (batch: T[]) => B;

  constructor(dataset: Dataset<T>, options: DataLoaderOptions<T, B> = {}) {
    if (!isDataset(dataset)) {
      throw new ArgumentError("DataLoader(): dataset must be a Dataset (with length and getitem)", "dataset", "TypeError");
    }
    const { shuffle = false, sampler, collate_fn, generator, num_workers = 0 } = options;
    let { batch_size = 1, drop_last = false, batch_sampler } = options;
    if (num_workers !== 0) {
      throw new ArgumentError(`tsorch's DataLoader loads in the calling thread only: num_workers must be 0, got ${num_workers}`, "num_workers");
    }
    if (generator !== undefined && !(generator instanceof Generator)) {
      throw new ArgumentError("DataLoader(): generator must be a torch.Generator", "generator", "TypeError");
    }
    if (sampler !== undefined && shuffle) throw new ArgumentError("sampler option is mutually exclusive with shuffle", "sampler");
    if (batch_sampler !== undefined) {
      if (batch_size !== 1 || shuffle || sampler !== undefined || drop_last) {
        throw new ArgumentError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last", "batch_sampler");
      }
      batch_size = null;
      drop_last = false;
    } else if (batch_size === null && drop_last) {
      throw new ArgumentError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last", "drop_last");
    }
    this.dataset = dataset;
    this.sampler = sampler ?? (shuffle ? new RandomSampler(dataset, { generator }) : new SequentialSampler(dataset));
    if (batch_size !== null && batch_sampler === undefined) batch_sampler = new BatchSampler(this.sampler, batch_size, drop_last);
    this.batch_size = batch_size;
    this.drop_last = drop_last;
    this.batch_sampler = batch_sampler ?? null;
    this.generator = generator;
    const fallback = batch_sampler ? default_collate : (b: T[]) => default_convert(b[0]);
    this.collate_fn = collate_fn ?? (fallback as unknown as (batch: T[]) => B);
  }

  /** Batches per pass (`len(loader)`); samples per pass without batching. */
  get length(): number {
    const source = this.batch_sampler ?? this.sampler;
    if (typeof source.length !== "number") throw new ArgumentError("DataLoader: the sampler has no length", "sampler", "TypeError");
    return source.length;
  }

  /** `DataLoader(SyntheticDigitsDataset of 6000, batch_size=64, shuffle=true): 94 batches`. */
  toString(): string {
    const n = this.dataset.length;
    const kind = this.sampler instanceof RandomSampler ? ", shuffle=true" : this.sampler instanceof SequentialSampler ? "" : ", sampler";
    const batches = typeof (this.batch_sampler ?? this.sampler).length === "number" ? `: ${this.length} batches` : "";
    return `DataLoader(${this.dataset.constructor.name} of ${n}, batch_size=${this.batch_size}${kind}${this.drop_last ? ", drop_last=true" : ""})${batches}`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** A new pass over the data (draws the pass's seed now, as PyTorch does). */
  [Symbol.iterator](): DataLoaderIterator<T, B> {
    return new DataLoaderIterator(this);
  }
}

/** One pass over a loader (PyTorch's `_SingleProcessDataLoaderIter`). */
export class DataLoaderIterator<T, B> implements IterableIterator<B> {
  /** The int64 seed drawn for this pass (PyTorch hands it to worker processes; tsorch draws it to keep the stream aligned). */
  readonly base_seed: bigint;
  readonly #loader: DataLoader<T, B>;
  readonly #indices: Iterator<number[] | number>;
  #yielded = 0;

  constructor(loader: DataLoader<T, B>) {
    this.#loader = loader;
    // PyTorch makes the sampler iterator first (lazy: draws nothing yet), then draws the base seed.
    this.#indices = (loader.batch_sampler ?? loader.sampler)[Symbol.iterator]();
    this.base_seed = randomFill(new BigInt64Array(1), loader.generator ?? defaultGenerator, "int64")[0]!;
  }

  /** Batches yielded so far in this pass. */
  get yielded(): number {
    return this.#yielded;
  }

  next(): IteratorResult<B> {
    const step = this.#indices.next();
    if (step.done) return { done: true, value: undefined };
    const { dataset, collate_fn } = this.#loader;
    const samples = Array.isArray(step.value) ? step.value.map((i) => dataset.getitem(i)) : [dataset.getitem(step.value)];
    this.#yielded++;
    return { done: false, value: collate_fn(samples) };
  }

  [Symbol.iterator](): this {
    return this;
  }
}
