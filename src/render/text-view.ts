/**
 * What every textual view of the runtime (traces, summaries, comparisons,
 * explanations) has in common: one rendering per medium — plain text, HTML
 * for notebooks, ANSI for colour terminals — and the three ways to show
 * itself that follow from them.
 */
import type { InspectOptions } from "node:util";
import { type DisplayResult, inspectCustom, jupyterDisplay } from "./mime.js";

export abstract class TextView {
  abstract toText(): string;
  abstract toHtml(): string;
  abstract toAnsi(): string;

  toString(): string {
    return this.toText();
  }

  [jupyterDisplay](): DisplayResult {
    return { "text/plain": this.toText(), "text/html": this.toHtml() };
  }

  [inspectCustom](_depth: number, options: InspectOptions | undefined): string {
    return options?.colors ? this.toAnsi() : this.toText();
  }
}
