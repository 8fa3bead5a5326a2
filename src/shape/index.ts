/**
 * Shape rules: the output sizes and shape checks of every op, written once
 * over `number | SymExpr` (dim.ts, conv-pool.ts), the op families that trace,
 * explain and summary read (descriptor.ts, families/), the constraints those
 * rules state and the solver that finds the sizes that meet them.
 */
export * from "./sym.js";
export { type Dim, pair, convOutputSize, poolOutputSize, samePadding, scaledOutputSize } from "./dim.js";
export * from "./descriptor.js";
export { Constraint, type ConstraintKind, rowLabel } from "./constraint.js";
export { solveSizes, formatRanges, formatFamily, type SolveResult, type SizeRange, type Family, type SolveOptions } from "./solver.js";
export * as families from "./families/index.js";
