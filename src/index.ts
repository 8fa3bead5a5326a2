/**
 * tsorch: a PyTorch-shaped tensor and nn runtime in TypeScript.
 *
 * @example
 * import { torch, nn, F, optim } from "tsorch";
 */
export * as torch from "./torch.js";
export { Tensor } from "./tensor/tensor.js";
export { Size } from "./tensor/size.js";
export * from "./errors.js";
export * as nn from "./nn/index.js";
export * as F from "./nn/functional/index.js";
export { print } from "./print.js";
export * as optim from "./optim/index.js";
export * as autograd from "./autograd/index.js";
export * as warnings from "./warnings.js";
// Shape insight: traces, summaries, explained shape errors, feature maps.
export {
  summary, trace, featureMaps, compareTraces, Trace, Summary, TraceComparison, TraceRow, setFlightRecorder,
  type TraceOptions, type SummaryOptions, type SizeSpec, type Explanation, type FeatureMapsOptions,
} from "./trace/index.js";
export * as datasets from "./datasets/index.js";
// Checkpoints: torch.save/torch.load (PyTorch's format) and safetensors.
export { safetensors } from "./serialization/index.js";
// Training-loop displays: line plots (live loss curves) and progress bars.
export { linePlot, LinePlot, type LinePlotOptions, type Series } from "./render/plot.js";
export { progressBar, ProgressBar, type ProgressBarOptions } from "./render/progress.js";
