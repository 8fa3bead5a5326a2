/**
 * `torch.set_printoptions`: the global settings every tensor repr reads,
 * with PyTorch's defaults and profiles.
 *
 * As in PyTorch, every call sets `sci_mode` (to `null`, "choose
 * automatically", when not given), and a `profile` is applied before the
 * individual options given with it.
 *
 * @example
 * set_printoptions({ precision: 2 });
 * formatTensor(t)                          // "tensor([1.12])"
 * set_printoptions({ threshold: 5 });      // tensor([0, 1, 2,  ..., 7, 8, 9])
 * set_printoptions({ profile: "default" }); // back to precision 4, threshold 1000
 */
import { ArgumentError } from "../errors.js";

/** The settings tensor printing reads (PyTorch's `PRINT_OPTS`). */
export interface PrintOptions {
  /** Digits after the decimal point (default 4). */
  precision: number;
  /** Tensors with more elements than this are summarised with `...` (default 1000; `Infinity` never). */
  threshold: number;
  /** Items kept at each end of every summarised dimension (default 3). */
  edgeitems: number;
  /** Characters per line before the last dimension wraps (default 80). */
  linewidth: number;
  /** `true`/`false` forces scientific notation on or off; `null` lets the values decide. */
  sci_mode: boolean | null;
}

export type PrintProfile = "default" | "short" | "full";

/** The keyword arguments of `set_printoptions`; `null` or a missing key means "leave as is" (but see `sci_mode`). */
export interface SetPrintOptionsArgs {
  precision?: number | null;
  threshold?: number | null;
  edgeitems?: number | null;
  linewidth?: number | null;
  profile?: PrintProfile | null;
  sci_mode?: boolean | null;
}

/** Larger precisions print thousands of digits per element; refuse them instead of appearing to hang. */
const MAX_PRECISION = 1000;

const PROFILES: Record<PrintProfile, Omit<PrintOptions, "sci_mode">> = {
  default: { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 },
  short: { precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80 },
  full: { precision: 4, threshold: Infinity, edgeitems: 3, linewidth: 80 },
};

const current: PrintOptions = { ...PROFILES.default, sci_mode: null };

/**
 * Sets the options for printing tensors, like `torch.set_printoptions`.
 * Takes PyTorch's keyword arguments as an object, or positionally in
 * PyTorch's order (precision, threshold, edgeitems, linewidth, profile, sci_mode).
 *
 * @example
 * set_printoptions({ precision: 2, sci_mode: false });
 * set_printoptions(2);                         // same precision, sci_mode back to automatic
 * set_printoptions({ profile: "full" });       // never summarise
 */
export function set_printoptions(args?: SetPrintOptionsArgs): void;
export function set_printoptions(
  precision?: number | null,
  threshold?: number | null,
  edgeitems?: number | null,
  linewidth?: number | null,
  profile?: PrintProfile | null,
  sci_mode?: boolean | null,
): void;
export function set_printoptions(
  first?: SetPrintOptionsArgs | number | null,
  threshold?: number | null,
  edgeitems?: number | null,
  linewidth?: number | null,
  profile?: PrintProfile | null,
  sci_mode?: boolean | null,
): void {
  const args: SetPrintOptionsArgs =
    typeof first === "object" && first !== null
      ? first
      : { precision: first, threshold, edgeitems, linewidth, profile, sci_mode };
  const next: PrintOptions = { ...current };
  if (args.profile !== undefined && args.profile !== null) {
    if (!Object.hasOwn(PROFILES, args.profile)) {
      throw new ArgumentError(
        `set_printoptions: unknown profile '${String(args.profile)}'; expected 'default', 'short' or 'full'`,
        "profile",
      );
    }
    Object.assign(next, PROFILES[args.profile]);
  }
  if (args.precision !== undefined && args.precision !== null) next.precision = args.precision;
  if (args.threshold !== undefined && args.threshold !== null) next.threshold = args.threshold;
  if (args.edgeitems !== undefined && args.edgeitems !== null) next.edgeitems = args.edgeitems;
  if (args.linewidth !== undefined && args.linewidth !== null) next.linewidth = args.linewidth;
  next.sci_mode = args.sci_mode ?? null;
  validatePrintOptions(next, "set_printoptions");
  Object.assign(current, next);
}

/**
 * The options in force, as a copy (PyTorch 2's `torch._tensor_str.get_printoptions`).
 *
 * @example
 * get_printoptions() // { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sci_mode: null }
 */
export function get_printoptions(): PrintOptions {
  return { ...current };
}

/** The global options with per-call overrides applied, validated. */
export function resolvePrintOptions(overrides?: Partial<PrintOptions>): PrintOptions {
  if (overrides === undefined) return { ...current };
  const merged: PrintOptions = { ...current };
  for (const key of ["precision", "threshold", "edgeitems", "linewidth", "sci_mode"] as const) {
    const value = overrides[key];
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  validatePrintOptions(merged, "print options");
  return merged;
}

function validatePrintOptions(o: PrintOptions, where: string): void {
  const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);
  if (!isInt(o.precision) || o.precision < 0 || o.precision > MAX_PRECISION) {
    throw new ArgumentError(
      `${where}: precision must be an integer from 0 to ${MAX_PRECISION}, got ${String(o.precision)}`,
      "precision",
    );
  }
  if (typeof o.threshold !== "number" || Number.isNaN(o.threshold)) {
    throw new ArgumentError(`${where}: threshold must be a number (Infinity to never summarise), got ${String(o.threshold)}`, "threshold");
  }
  if (!isInt(o.edgeitems) || o.edgeitems < 0) {
    throw new ArgumentError(`${where}: edgeitems must be a non-negative integer, got ${String(o.edgeitems)}`, "edgeitems");
  }
  if (!isInt(o.linewidth)) {
    throw new ArgumentError(`${where}: linewidth must be an integer, got ${String(o.linewidth)}`, "linewidth");
  }
  if (o.sci_mode !== null && typeof o.sci_mode !== "boolean") {
    throw new ArgumentError(`${where}: sci_mode must be true, false or null, got ${String(o.sci_mode)}`, "sci_mode");
  }
}
