/**
 * Random tensors and in-place sampling, drawing from PyTorch's generator
 * (src/random) in PyTorch's order, so that a seeded notebook prints the
 * numbers PyTorch prints: rand, randn, randint, randperm, normal, bernoulli,
 * the `_like` variants, and the in-place uniform_, normal_, bernoulli_,
 * random_, exponential_; plus manual_seed, seed, initial_seed and the RNG
 * state functions.
 *
 * @example
 * torch.manual_seed(0);
 * torch.randn(2)            // tensor([ 1.5410, -0.2934])
 * torch.randint(0, 10, [3]) // int64
 */
import { type ArgsOf, Bool, DTypeT, Int, Str, arg, instanceOf, kwarg, optional, signature } from "./signature.js";
import { is_grad_enabled } from "../autograd/grad-mode.js";
import { ArgumentError, DTypeError, TsorchError } from "../errors.js";
import { type CreationOptions, type SizeArgs, allocate, metaCreate, parseSizeArgs } from "../tensor/creation.js";
import { type DType, type DTypeLike, type TypedArray, float32, int64, toDType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { defaultGenerator, Generator } from "../random/generator.js";
import { uniformFill } from "../random/uniform.js";
import { normalFill } from "../random/normal.js";
import { randintFill, randomFill, randomFromToFill, randperm as randpermFill } from "../random/integer.js";
import { bernoulliFill, exponentialFill } from "../random/distributions.js";
import { checkRaceWeights, multinomialRace, multinomialWithReplacement } from "../random/multinomial.js";
import { uniformFloat01 } from "../random/uniform.js";
import type { SampleDType } from "../random/dtypes.js";
import { bumpVersion, checkInplace, rebaseHistory } from "./inplace.js";
import { iterationPermutation } from "./tensor-iterator.js";
import { copyStrided, contiguousStrides } from "../tensor/strided.js";
import { checkTensor } from "./operand.js";
import { scalarTypeName } from "./result-type.js";

export {
  Generator, manual_seed, seed, initial_seed, get_rng_state, set_rng_state, defaultGenerator as default_generator,
} from "../random/generator.js";

/** Creation options of the random functions: the usual ones plus a generator. */
export interface RandomOptions extends CreationOptions {
  generator?: Generator;
}

function finish(t: Tensor, opts: RandomOptions): Tensor {
  if (opts.device !== undefined && opts.device !== "cpu") {
    throw new ArgumentError(`tsorch only has the "cpu" device, got "${opts.device}"`, "device", "RuntimeError");
  }
  if (opts.requires_grad) t.requires_grad_(true);
  return t;
}

/** `device: "meta"`: the dtype check, then a shape-only tensor (no samples drawn, the generator untouched). */
function metaSample(shape: number[], opts: RandomOptions, fn: string): Tensor {
  const dtype = toDType(opts.dtype, float32);
  requireFloat(dtype, fn);
  return metaCreate(shape, dtype, opts);
}

function requireFloat(dtype: DType, fn: string): void {
  if (dtype.kind !== "float") throw new DTypeError(`"${fn}" not implemented for '${scalarTypeName(dtype)}'`, fn, [dtype.name]);
}

/** The sampler's name for a dtype. */
function sampleDType(d: DType): SampleDType {
  return d.name as SampleDType;
}

/**
 * Fills `self` with `fill(flat)` where `flat` is a contiguous buffer in the
 * order PyTorch's serial kernels visit the elements (memory order), then
 * writes it through `self`'s strides.
 */
function fillInOrder(self: Tensor, fill: (flat: TypedArray, contiguous: boolean) => void): void {
  const n = self.numel();
  if (n === 0) return;
  if (self.is_contiguous()) {
    const d = self.storage.data;
    const view = self._offset === 0 && d.length === n ? d : d.subarray(self._offset, self._offset + n);
    fill(view, true);
    return;
  }
  const flat = new self.dtype.ArrayType(n);
  fill(flat, false);
  // Element k of `flat` is the k-th element in iteration order (fastest dimension first).
  const perm = iterationPermutation(self.shape, [self._strides]);
  const order = perm.slice().reverse();
  const shape = order.map((d) => self.shape[d]!);
  const flatStrides = contiguousStrides(shape);
  copyStrided(shape, flat, flatStrides, 0, self.storage.data, order.map((d) => self._strides[d]!), self._offset);
}

/** Records the zero-gradient node of an in-place sampler on a tensor that requires grad. */
function recordSampler(self: Tensor, name: string): void {
  if (is_grad_enabled() && self.requires_grad) rebaseHistory(self, name, [self], ([g]) => [g!.mul(0)]);
}

// ---------------------------------------------------------------- in place

/** Fills with values uniform in [from, to). */
export function uniform_(self: Tensor, from = 0, to = 1, options: { generator?: Generator } = {}): Tensor {
  checkTensor(self, "uniform_");
  requireFloat(self.dtype, "check_uniform_bounds");
  checkInplace(self, []);
  fillInOrder(self, (flat) => uniformFill(flat as Float32Array | Float64Array, from, to, options.generator ?? defaultGenerator));
  bumpVersion(self);
  recordSampler(self, "UniformBackward0");
  return self;
}

/** Fills with normal samples of the given mean and standard deviation. */
export function normal_(self: Tensor, mean = 0, std = 1, options: { generator?: Generator } = {}): Tensor {
  checkTensor(self, "normal_");
  requireFloat(self.dtype, "normal_kernel_cpu");
  checkInplace(self, []);
  fillInOrder(self, (flat, contiguous) => normalFill(flat as Float32Array | Float64Array, mean, std, options.generator ?? defaultGenerator, contiguous));
  bumpVersion(self);
  recordSampler(self, "NormalBackward0");
  return self;
}

/** Fills with 1 with probability `p` (a number, or a tensor of probabilities), else 0. */
export function bernoulli_(self: Tensor, p: number | Tensor = 0.5, options: { generator?: Generator } = {}): Tensor {
  checkTensor(self, "bernoulli_");
  checkInplace(self, []);
  const gen = options.generator ?? defaultGenerator;
  if (p instanceof Tensor) {
    const probs = p.expand(self.shape).contiguous()._contiguousData();
    for (const v of probs) {
      if (!(v >= 0 && v <= 1)) throw new TsorchError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.");
    }
    fillInOrder(self, (flat) => {
      for (let i = 0; i < flat.length; i++) flat[i] = uniformFloat01(gen) < probs[i]! ? 1 : 0;
    });
  } else {
    fillInOrder(self, (flat) => bernoulliFill(flat as Float32Array, p, gen, sampleDType(self.dtype)));
  }
  bumpVersion(self);
  recordSampler(self, p instanceof Tensor ? "BernoulliBackward1" : "BernoulliBackward2");
  return self;
}

/**
 * Fills with integers: `random_()` over the dtype's range, `random_(to)` in
 * [0, to), `random_(from, to)` in [from, to).
 */
export function random_(self: Tensor, from?: number, to?: number | null, options: { generator?: Generator } = {}): Tensor {
  checkTensor(self, "random_");
  checkInplace(self, []);
  const gen = options.generator ?? defaultGenerator;
  const dt = sampleDType(self.dtype);
  let node = "RandomBackward2";
  if (from === undefined) {
    fillInOrder(self, (flat) => randomFill(flat as Float32Array, gen, dt));
  } else if (to === undefined) {
    node = "RandomBackward1";
    fillInOrder(self, (flat) => randomFromToFill(flat as Float32Array, 0, from, gen, dt));
  } else {
    node = "RandomBackward0";
    fillInOrder(self, (flat) => randomFromToFill(flat as Float32Array, from, to, gen, dt));
  }
  bumpVersion(self);
  recordSampler(self, node);
  return self;
}

/**
 * Fills with exponential samples of rate `lambd`: `-1 / lambd * log(1 - u)`
 * for one 64-bit uniform u per element, in double, then stored in the
 * tensor's dtype, in memory order. PyTorch 1.13's CPU build without MKL has
 * no vectorised path here (unlike normal_ from 16 elements), so every size
 * consumes exactly two 32-bit words per element.
 */
export function exponential_(self: Tensor, lambd = 1, options: { generator?: Generator } = {}): Tensor {
  checkTensor(self, "exponential_");
  requireFloat(self.dtype, "exponential_cpu");
  checkInplace(self, []);
  fillInOrder(self, (flat) => exponentialFill(flat as Float32Array | Float64Array, lambd, options.generator ?? defaultGenerator));
  bumpVersion(self);
  recordSampler(self, "ExponentialBackward0");
  return self;
}

// ---------------------------------------------------------------- creation

/** Splits `(...size, options?)` with a generator in the options. */
function sizeAndOpts(args: (number | readonly number[] | RandomOptions)[]): [number[], RandomOptions] {
  return parseSizeArgs(args as SizeArgs) as [number[], RandomOptions];
}

/**
 * Uniform samples in [0, 1) of the given size (float32 unless `dtype`).
 *
 * @example
 * torch.manual_seed(0); torch.rand(2)   // tensor([0.4963, 0.7682])
 */
export function rand(...args: (number | readonly number[] | RandomOptions)[]): Tensor {
  const [shape, opts] = sizeAndOpts(args);
  if (opts.device === "meta") return metaSample(shape, opts, "check_uniform_bounds");
  const t = allocate(shape, toDType(opts.dtype, float32));
  requireFloat(t.dtype, "check_uniform_bounds");
  // A fresh tensor is filled without counting an in-place write (its version stays 0, as in PyTorch).
  fillInOrder(t, (flat) => uniformFill(flat as Float32Array | Float64Array, 0, 1, opts.generator ?? defaultGenerator));
  return finish(t, opts);
}

/**
 * Standard normal samples of the given size.
 *
 * @example
 * torch.manual_seed(0); const x = torch.randn(1, 1, 32, 32);
 */
export function randn(...args: (number | readonly number[] | RandomOptions)[]): Tensor {
  const [shape, opts] = sizeAndOpts(args);
  if (opts.device === "meta") return metaSample(shape, opts, "normal_kernel_cpu");
  const t = allocate(shape, toDType(opts.dtype, float32));
  requireFloat(t.dtype, "normal_kernel_cpu");
  fillInOrder(t, (flat, contiguous) => normalFill(flat as Float32Array | Float64Array, 0, 1, opts.generator ?? defaultGenerator, contiguous));
  return finish(t, opts);
}

/**
 * Integers uniform in [low, high): `randint(high, size)` or
 * `randint(low, high, size)`; int64 unless `dtype`.
 */
export function randint(low: number, high: number | readonly number[], size?: readonly number[] | RandomOptions, options: RandomOptions = {}): Tensor {
  let lo = low;
  let hi: number;
  let shape: readonly number[];
  let opts = options;
  if (Array.isArray(high)) {
    lo = 0;
    hi = low;
    shape = high;
    if (size && !Array.isArray(size)) opts = size as RandomOptions;
  } else {
    hi = high as number;
    if (!Array.isArray(size)) throw new ArgumentError("randint(): argument 'size' must be tuple of ints", "size", "TypeError");
    shape = size;
  }
  const t = allocate([...shape], toDType(opts.dtype, int64));
  if (!(lo < hi)) throw new TsorchError(`random_ expects 'from' to be less than 'to', but got from=${lo} >= to=${hi}`);
  fillInOrder(t, (flat) => randintFill(flat as Float64Array, lo, hi, opts.generator ?? defaultGenerator, sampleDType(t.dtype)));
  return finish(t, opts);
}

/** A random permutation of 0..n-1 (int64). */
export function randperm(n: number, options: RandomOptions = {}): Tensor {
  const perm = randpermFill(n, options.generator ?? defaultGenerator);
  const dtype = toDType(options.dtype, int64);
  const t = allocate([n], dtype);
  t.storage.data.set(perm as Float64Array);
  return finish(t, options);
}

/** Like `rand` with the shape (and by default the dtype) of `input`. */
export function rand_like(input: Tensor, options: RandomOptions = {}): Tensor {
  return rand(input.shape, { ...options, dtype: options.dtype ?? input.dtype, device: options.device ?? (input.is_meta ? "meta" : undefined) });
}

/** Like `randn` with the shape (and by default the dtype) of `input`. */
export function randn_like(input: Tensor, options: RandomOptions = {}): Tensor {
  return randn(input.shape, { ...options, dtype: options.dtype ?? input.dtype, device: options.device ?? (input.is_meta ? "meta" : undefined) });
}

/** Like `randint` with the shape (and by default the dtype) of `input`. */
export const RANDINT_LIKE = signature("randint_like", [
  arg("low", Int), arg("high", Int),
  kwarg("dtype", optional(DTypeT), null), kwarg("device", optional(Str), null), kwarg("requires_grad", Bool, false),
  kwarg("generator", optional(instanceOf("torch.Generator", Generator)), null),
]);

export function randint_like(input: Tensor, ...args: ArgsOf<typeof RANDINT_LIKE>): Tensor {
  const p = RANDINT_LIKE.parse(args);
  // randint_like(input, high) or randint_like(input, low, high), positional or by keyword.
  if (p.low === undefined && p.high === undefined) throw new ArgumentError(`randint_like() missing 1 required positional arguments: "high"`, "high", "TypeError");
  const [lo, hi] = p.high === undefined ? [0, p.low!] : [p.low ?? 0, p.high];
  const options: RandomOptions = { dtype: p.dtype ?? input.dtype, requires_grad: p.requires_grad };
  if (p.device !== null) options.device = p.device;
  if (p.generator !== null) options.generator = p.generator;
  return randint(lo, hi, input.shape, options);
}

/**
 * Normal samples: `normal(mean, std, size)` with numbers, or element-wise
 * means/standard deviations given as tensors (broadcast).
 */
export function normal(mean: number | Tensor, std: number | Tensor = 1, size?: readonly number[] | RandomOptions, options: RandomOptions = {}): Tensor {
  const opts = size !== undefined && !Array.isArray(size) ? (size as RandomOptions) : options;
  if (typeof mean === "number" && typeof std === "number") {
    if (!Array.isArray(size)) throw new ArgumentError("normal(): argument 'size' must be tuple of ints when mean and std are numbers", "size", "TypeError");
    const t = allocate([...size], toDType(opts.dtype, float32));
    requireFloat(t.dtype, "normal_kernel_cpu");
    fillInOrder(t, (flat, contiguous) => normalFill(flat as Float32Array | Float64Array, mean, std, opts.generator ?? defaultGenerator, contiguous));
    return finish(t, opts);
  }
  if (typeof std === "number" && !(std >= 0)) throw new TsorchError(`normal expects std >= 0.0, but found std ${std}`);
  const meanT = mean instanceof Tensor ? mean : null;
  const stdT = std instanceof Tensor ? std : null;
  const shape = meanT && stdT ? meanT.add(stdT).shape : (meanT ?? stdT)!.shape;
  const dtype: DTypeLike = (meanT ?? stdT)!.dtype;
  const out = allocate([...shape], toDType(dtype));
  fillInOrder(out, (flat, contiguous) => normalFill(flat as Float32Array | Float64Array, 0, 1, opts.generator ?? defaultGenerator, contiguous));
  return out.mul(std).add(mean);
}

/** Samples 0/1 with the probabilities in `input` (or a fixed `p`). */
export function bernoulli(input: Tensor, p?: number, options: { generator?: Generator } = {}): Tensor {
  checkTensor(input, "bernoulli");
  const out = allocate([...input.shape], input.dtype);
  bernoulli_(out, p ?? input, options);
  out.storage.version = 0;
  return out;
}

/**
 * Draws `num_samples` category indices (int64) per row of `input` (1-D: one
 * distribution, 2-D: one per row) from its non-negative weights, which need
 * not sum to 1. The same seed gives PyTorch's picks: with replacement each
 * sample is one uniform draw searched in the row's cumulative sum; without
 * replacement every weight races one exponential draw (score weight / draw)
 * and the best scores win, in the order PyTorch's topk lists them (see
 * src/random/multinomial.ts).
 *
 * @example
 * torch.manual_seed(0);
 * torch.multinomial(torch.tensor([0.1, 0.6, 0.3]), 2)             // two distinct categories
 * torch.multinomial(torch.tensor([[1, 3], [2, 0]], { dtype: "float32" }), 4, true) // shape [2, 4]
 */
export function multinomial(input: Tensor, num_samples: number, replacementArg: boolean | { replacement?: boolean; generator?: Generator } = false, options: { generator?: Generator } = {}): Tensor {
  checkTensor(input, "multinomial");
  // `replacement` by keyword: multinomial(x, 3, { replacement: true }).
  if (typeof replacementArg === "object") options = replacementArg;
  const replacement = typeof replacementArg === "object" ? (replacementArg.replacement ?? false) : replacementArg;
  if (typeof num_samples !== "number" || !Number.isInteger(num_samples)) {
    const got = typeof num_samples === "number" ? "float" : typeof num_samples;
    throw new ArgumentError(`multinomial(): argument 'num_samples' (position 2) must be int, not ${got}`, "num_samples", "TypeError");
  }
  if (input.ndim < 1 || input.ndim > 2) throw new ArgumentError("prob_dist must be 1 or 2 dim", "input", "RuntimeError");
  if (input.dtype.kind !== "float") {
    throw new DTypeError(`multinomial only supports floating-point dtypes for input, got: ${scalarTypeName(input.dtype)}`, "multinomial", [input.dtype.name]);
  }
  if (num_samples <= 0) throw new TsorchError("cannot sample n_sample <= 0 samples");
  const k = input.shape[input.ndim - 1]!;
  if (!replacement && num_samples > k) throw new TsorchError("cannot sample n_sample > prob_dist.size(-1) samples without replacement");
  // PyTorch's limit: category indices must stay exact in float32.
  if (k > 2 ** 24) throw new TsorchError("number of categories cannot exceed 2^24");
  const rows = input.ndim === 1 ? 1 : input.shape[0]!;
  const out = allocate(input.ndim === 1 ? [num_samples] : [rows, num_samples], int64);
  if (rows * num_samples === 0) return out;
  const gen = options.generator ?? defaultGenerator;
  const weights = input.detach().contiguous()._contiguousData() as Float32Array | Float64Array;
  const picks = out.storage.data as Float64Array;
  if (replacement) {
    multinomialWithReplacement(weights, rows, k, num_samples, picks, gen);
  } else {
    checkRaceWeights(weights, rows, k);
    multinomialRace(weights, raceDraws(input, gen), rows, k, num_samples, picks);
  }
  return out;
}

/**
 * The exponential(1) draws of the race, row-major. PyTorch draws them into
 * `empty_like(input)`, which keeps a column-major (transposed) layout, and
 * fills that in memory order: column by column.
 */
function raceDraws(input: Tensor, gen: Generator): Float32Array | Float64Array {
  const n = input.numel();
  const draws = exponentialFill(new input.dtype.ArrayType(n) as Float32Array | Float64Array, 1, gen);
  const [rows, k] = input.ndim === 2 ? [input.shape[0]!, input.shape[1]!] : [1, n];
  const columnMajor = rows > 1 && k > 1 && input._strides[0] === 1 && input._strides[1] === rows;
  if (!columnMajor) return draws;
  const q = new input.dtype.ArrayType(n) as Float32Array | Float64Array;
  for (let c = 0; c < k; c++) {
    for (let r = 0; r < rows; r++) q[r * k + c] = draws[c * rows + r]!;
  }
  return q;
}
