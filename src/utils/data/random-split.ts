/**
 * `random_split`: splits a dataset into non-overlapping random subsets, as
 * PyTorch does — one `randperm` of the whole length from the generator, cut
 * into consecutive pieces — so a seed gives PyTorch's very indices.
 *
 * Lengths are counts, or fractions summing to 1: each fraction takes
 * floor(fraction · length) items and what remains is handed out one by one,
 * round-robin from the first split.
 *
 * @example
 * const [train, test] = random_split(ds, [6000, 1000], torch.Generator().manual_seed(42));
 * const [a, b, c] = random_split(ds, [0.8, 0.1, 0.1]);  // from the default generator
 */
import { warn } from "../../warnings.js";
import { ArgumentError } from "../../errors.js";
import { defaultGenerator, type Generator } from "../../random/generator.js";
import { randperm } from "../../random/integer.js";
import { type Dataset, isDataset } from "./dataset.js";
import { Subset } from "./subset.js";

/** Python's `math.isclose(a, b)` with its default relative tolerance. */
function isClose(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/** The item counts the lengths stand for (fractions turned into counts as PyTorch does). */
export function splitLengths(total: number, lengths: readonly number[]): number[] {
  const sum = lengths.reduce((a, b) => a + b, 0);
  if (isClose(sum, 1) && sum <= 1) {
    const counts = lengths.map((frac, i) => {
      if (!(frac >= 0 && frac <= 1)) throw new ArgumentError(`Fraction at index ${i} is not between 0 and 1`, "lengths");
      return Math.floor(total * frac);
    });
    const remainder = total - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) counts[i % counts.length]! += 1;
    counts.forEach((c, i) => {
      if (c === 0) warn(`Length of split at index ${i} is 0. This might result in an empty dataset.`);
    });
    return counts;
  }
  lengths.forEach((n, i) => {
    if (!Number.isInteger(n) || n < 0) {
      throw new ArgumentError(`random_split(): length at index ${i} must be a non-negative integer (or all lengths fractions summing to 1), got ${n}`, "lengths");
    }
  });
  if (sum !== total) {
    throw new ArgumentError(
      `Sum of input lengths does not equal the length of the input dataset! (lengths [${lengths.join(", ")}] sum to ${sum}, the dataset has ${total})`,
      "lengths",
    );
  }
  return [...lengths];
}

/**
 * Random non-overlapping subsets of `dataset` with the given lengths (or
 * fractions), drawn from `generator` (default: the global generator).
 */
export function random_split<T>(dataset: Dataset<T>, lengths: readonly number[], generator: Generator = defaultGenerator): Subset<T>[] {
  if (!isDataset(dataset)) throw new ArgumentError("random_split(): dataset must be a Dataset (with length and getitem)", "dataset", "TypeError");
  if (!Array.isArray(lengths) || lengths.length === 0) {
    throw new ArgumentError("random_split(): lengths must be a non-empty list of counts or fractions", "lengths", "TypeError");
  }
  const counts = splitLengths(dataset.length, lengths);
  const total = counts.reduce((a, b) => a + b, 0);
  const indices = Array.from(randperm(total, generator));
  const parts: Subset<T>[] = [];
  let offset = 0;
  for (const n of counts) {
    parts.push(new Subset(dataset, indices.slice(offset, offset + n)));
    offset += n;
  }
  return parts;
}
