/**
 * How the REPL shows a value: objects that render themselves for terminals
 * (`[util.inspect.custom]`, as tsorch's tensors and modules do) through `util.inspect` with
 * colours; objects whose MIME bundle holds an image as half-blocks; other displayable objects
 * through their bundle (Markdown rendered, HTML as its text); everything else as
 * `util.inspect` shows it, like Node's own REPL.
 *
 * @example
 * showValue(torch.zeros(2), options)       // "tensor([0., 0.])" with ANSI colours
 * showValue(featureMaps(net, x), options)  // the heatmaps as half-block lines
 */
import { inspect } from "node:util";
import { isDisplayable, toDisplayData } from "../display.js";
import { renderBundle, type TerminalRenderOptions } from "../terminal/bundle.js";
import { fitToWidth } from "../terminal/fit.js";

export interface ShowOptions extends TerminalRenderOptions {
  /** Strings as themselves (display) rather than quoted (a result). */
  rawStrings?: boolean;
}

export function showValue(value: unknown, options: ShowOptions): string {
  if (typeof value === "string" && options.rawStrings) return value;
  const colors = options.style.enabled;
  if (isDisplayable(value)) {
    const warnings: string[] = [];
    const { data, metadata } = toDisplayData(value, warnings);
    const hasImage = Object.keys(data).some((mime) => mime.startsWith("image/"));
    if (hasImage || !hasInspectCustom(value)) {
      const shown = renderBundle(data, metadata, options);
      return warnings.length ? `${shown}\n${options.style.dim(warnings.map((w) => `[display] ${w}`).join("\n"))}` : shown;
    }
  }
  try {
    const text = inspect(value, { colors, depth: 4, maxArrayLength: 100, breakLength: Math.max(40, Math.min(options.columns, 120)) });
    return fitToWidth(text, options.fitColumns ?? options.columns);
  } catch (err) {
    return `<${typeof value} that cannot be shown: ${(err as Error).message}>`;
  }
}

function hasInspectCustom(value: unknown): boolean {
  return typeof (value as Record<symbol, unknown>)[inspect.custom] === "function";
}
