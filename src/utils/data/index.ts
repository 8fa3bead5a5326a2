/**
 * `torch.utils.data`: datasets, samplers and the `DataLoader`, with
 * PyTorch's names and PyTorch's random draws.
 *
 * @example
 * const { TensorDataset, DataLoader, random_split } = torch.utils.data;
 * const ds = new TensorDataset(torch.randn(100, 3), torch.randint(0, 2, [100]));
 * const [train, test] = random_split(ds, [80, 20]);
 * for (const [x, y] of new DataLoader(train, { batch_size: 16, shuffle: true })) { ... }
 */
export { Dataset } from "./dataset.js";
export { TensorDataset } from "./tensor-dataset.js";
export { Subset } from "./subset.js";
export { random_split } from "./random-split.js";
export { Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, BatchSampler, type RandomSamplerOptions, type Sized } from "./sampler.js";
export { default_collate, default_convert, type Collated } from "./collate.js";
export { DataLoader, DataLoaderIterator, type DataLoaderOptions } from "./dataloader.js";
