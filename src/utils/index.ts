/**
 * `torch.utils`: data loading (`torch.utils.data`).
 *
 * @example
 * const loader = new torch.utils.data.DataLoader(dataset, { batch_size: 64, shuffle: true });
 */
export * as data from "./data/index.js";
