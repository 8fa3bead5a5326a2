/**
 * Shape insight: traces of every step of a forward (modules, functional ops,
 * views), torchinfo-style summaries, shape-only runs, symbolic sizes,
 * explained shape errors with the sizes that would work, trace comparison,
 * and feature-map heatmaps.
 *
 * The flight recorder that explains shape errors thrown by `net(x)` is
 * switched on by loading `nn` (src/nn/index.ts), on every import path.
 *
 * @example
 * import { summary, trace, featureMaps } from "tsorch";
 * summary(net, [1, 1, 32, 32]);
 * trace(net, [1, 1, 32, 32]).compare(trace(net, [1, 1, 64, 64]));
 */
export { trace, Trace, stepName, type TraceOptions, type SizeSpec } from "./trace.js";
export { summary, Summary, type SummaryOptions, type SummaryTotals } from "./summary.js";
export { compareTraces, TraceComparison, type ComparedRow, type PairStatus } from "./compare.js";
export { featureMaps, FeatureMapGallery, type FeatureMapsOptions, type NetFeatureMapsOptions } from "./feature-maps.js";
export { explainTrace, attachTrace, isShapeFailure, type Explanation } from "./explain.js";
export { setFlightRecorder, flightRecorderEnabled } from "./flight-recorder.js";
export { TraceRow, type TensorInfo, type RowKind } from "./row.js";
export { type OpSpec, type OpFamily } from "../shape/descriptor.js";
export { replayTrace, Constraint, type Replay, type SymShape } from "./symbolic-replay.js";
export { solveSizes, formatRanges, type SolveResult, type SizeRange, type Family } from "../shape/solver.js";
export { resetViewWarnings } from "./view-warning.js";
export { hooked, addOpListener, type OpListener } from "../ops/op-hook.js";
export { type TableOptions, type ColumnKey } from "./render-trace.js";
export * as symbolic from "../shape/sym.js";
