/**
 * Datasets a notebook makes itself (no downloads), as `Dataset`s for
 * `torch.utils.data.DataLoader`.
 *
 * @example
 * import { datasets } from "tsorch";
 * const train = datasets.SyntheticDigits({ size: 6000, train: true });
 */
export {
  SyntheticDigits, SyntheticDigitsDataset, DigitGrid, IMAGE_SIZE, MAX_SIZE,
  type SyntheticDigitsOptions, type SyntheticDigitsConstructor, type DigitRecipe, type PreviewOptions,
} from "./digits.js";
export { DIGIT_GLYPHS } from "./digit-strokes.js";
