/**
 * Samplers: the order in which a `DataLoader` visits a dataset's indices,
 * and how it groups them into batches — PyTorch's `SequentialSampler`,
 * `RandomSampler`, `SubsetRandomSampler` and `BatchSampler`.
 *
 * `RandomSampler` draws exactly what PyTorch's draws: without its own
 * generator, each pass starts by drawing a seed from the global generator
 * (one int64 `random_()`, two 32-bit words) and shuffles with a fresh
 * generator seeded with it; the shuffle is `randperm(n)`. The draws happen
 * when the pass starts (the first `next()`), not when the iterator is made —
 * as with Python's generator functions. After `torch.manual_seed(s)` a loader
 * therefore yields PyTorch's batches, epoch after epoch.
 *
 * @example
 * torch.manual_seed(0);
 * [...new RandomSampler({ length: 5 })];                 // a permutation of 0..4, PyTorch's
 * [...new BatchSampler(new SequentialSampler({ length: 10 }), 3, false)];
 * // [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
 */
import { ArgumentError } from "../../errors.js";
import { defaultGenerator, Generator } from "../../random/generator.js";
import { randintFill, randomFill, randperm } from "../../random/integer.js";

/** Anything with a size: a dataset, an array. */
export interface Sized {
  readonly length: number;
}

/** An iterable of indices (or of batches of indices) with a length. */
export abstract class Sampler<T = number> implements Iterable<T> {
  abstract get length(): number;
  abstract [Symbol.iterator](): Iterator<T>;
}

function checkSized(source: unknown, who: string): Sized {
  const n = (source as Sized | null)?.length;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    throw new ArgumentError(`${who}: data_source must have a length (a dataset or an array)`, "data_source", "TypeError");
  }
  return source as Sized;
}

/**
 * What a sampler without a generator of its own does at the start of a pass:
 * `int(torch.empty((), dtype=torch.int64).random_())` from the global
 * generator, then a fresh generator seeded with it.
 */
export function generatorFromGlobalSeed(): Generator {
  const seed = randomFill(new BigInt64Array(1), defaultGenerator, "int64")[0]!;
  return new Generator().manual_seed(seed);
}

/** Indices 0, 1, 2, ... in order. */
export class SequentialSampler extends Sampler<number> {
  readonly data_source: Sized;

  constructor(data_source: Sized) {
    super();
    this.data_source = checkSized(data_source, "SequentialSampler");
  }

  get length(): number {
    return this.data_source.length;
  }

  *[Symbol.iterator](): Iterator<number> {
    const n = this.data_source.length;
    for (let i = 0; i < n; i++) yield i;
  }
}

export interface RandomSamplerOptions {
  /** Draw with replacement (default false: a permutation). */
  replacement?: boolean;
  /** How many indices a pass yields (default: the data source's length). */
  num_samples?: number;
  /** Where the randomness comes from (default: a seed drawn from the global generator at each pass). */
  generator?: Generator;
}

/** Indices in random order: permutations, or draws with replacement. */
export class RandomSampler extends Sampler<number> {
  readonly data_source: Sized;
  readonly replacement: boolean;
  readonly generator: Generator | undefined;
  readonly #numSamples: number | undefined;

  constructor(data_source: Sized, options: RandomSamplerOptions = {}) {
    super();
    this.data_source = checkSized(data_source, "RandomSampler");
    const { replacement = false, num_samples, generator } = options;
    if (typeof replacement !== "boolean") {
      throw new ArgumentError(`replacement should be a boolean value, but got replacement=${String(replacement)}`, "replacement", "TypeError");
    }
    if (generator !== undefined && !(generator instanceof Generator)) {
      throw new ArgumentError("RandomSampler: generator must be a torch.Generator", "generator", "TypeError");
    }
    this.replacement = replacement;
    this.generator = generator;
    this.#numSamples = num_samples;
    const n = this.num_samples;
    if (!Number.isInteger(n) || n <= 0) {
      throw new ArgumentError(`num_samples should be a positive integer value, but got num_samples=${n}`, "num_samples");
    }
  }

  /** Indices per pass: `num_samples` if given, else the data source's current length. */
  get num_samples(): number {
    return this.#numSamples ?? this.data_source.length;
  }

  get length(): number {
    return this.num_samples;
  }

  *[Symbol.iterator](): Iterator<number> {
    const n = this.data_source.length;
    const gen = this.generator ?? generatorFromGlobalSeed();
    const total = this.num_samples;
    if (this.replacement) {
      // PyTorch draws in chunks of 32 (randint(high=n, size=(32,))), then the rest.
      for (let k = 0; k < Math.floor(total / 32); k++) yield* randintFill(new Float64Array(32), 0, n, gen, "int64");
      yield* randintFill(new Float64Array(total % 32), 0, n, gen, "int64");
      return;
    }
    for (let k = 0; k < Math.floor(total / n); k++) yield* randperm(n, gen);
    yield* randperm(n, gen).subarray(0, total % n);
  }
}

/** The given indices in random order (a fresh permutation each pass). */
export class SubsetRandomSampler extends Sampler<number> {
  constructor(
    readonly indices: readonly number[],
    readonly generator: Generator = defaultGenerator,
  ) {
    super();
    if (!Array.isArray(indices)) throw new ArgumentError("SubsetRandomSampler: indices must be an array of integers", "indices", "TypeError");
  }

  get length(): number {
    return this.indices.length;
  }

  *[Symbol.iterator](): Iterator<number> {
    for (const i of randperm(this.indices.length, this.generator)) yield this.indices[i]!;
  }
}

/** Groups another sampler's indices into lists of `batch_size`; the last may be short unless `drop_last`. */
export class BatchSampler extends Sampler<number[]> {
  constructor(
    readonly sampler: Iterable<number> & Partial<Sized>,
    readonly batch_size: number,
    readonly drop_last: boolean,
  ) {
    super();
    if (typeof batch_size !== "number" || !Number.isInteger(batch_size) || batch_size <= 0) {
      throw new ArgumentError(`batch_size should be a positive integer value, but got batch_size=${String(batch_size)}`, "batch_size");
    }
    if (typeof drop_last !== "boolean") {
      throw new ArgumentError(`drop_last should be a boolean value, but got drop_last=${String(drop_last)}`, "drop_last");
    }
    if (sampler === null || typeof (sampler as Iterable<number>)[Symbol.iterator] !== "function") {
      throw new ArgumentError("BatchSampler: sampler must be iterable", "sampler", "TypeError");
    }
  }

  get length(): number {
    const n = this.sampler.length;
    if (typeof n !== "number") throw new ArgumentError("BatchSampler: the sampler has no length", "sampler", "TypeError");
    return this.drop_last ? Math.floor(n / this.batch_size) : Math.ceil(n / this.batch_size);
  }

  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const index of this.sampler) {
      batch.push(index);
      if (batch.length === this.batch_size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0 && !this.drop_last) yield batch;
  }
}
