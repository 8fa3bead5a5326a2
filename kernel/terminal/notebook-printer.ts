/**
 * What `tsorch run` shows while a notebook runs: Markdown cells as styled text, each code
 * cell's source (dimmed, behind a bar), its outputs as they arrive, and a progress line.
 *
 * Outputs: streams as written, results after `Out[n]:`, images as half-blocks, HTML through its
 * text, errors with their traceback. On a terminal, `clear_output` erases the cell's output
 * and an update of the display shown last redraws it in place; elsewhere (logs) they are
 * written one after another.
 *
 * @example
 * const printer = new NotebookPrinter({ screen, style, colorMode: "truecolor", showSource: true });
 * await new NotebookRunner({ cwd, onEvent: (e) => printer.handle(e) }).run(nb);
 */
import type { AnsiColorMode } from "../../src/render/ansi.js";
import type { RunEvent } from "../notebook/runner.js";
import { joinText } from "../notebook/nbformat.js";
import type { OutputEvent } from "../notebook/outputs.js";
import { renderBundle, renderError, type TerminalRenderOptions } from "./bundle.js";
import { fitToWidth, wrapLine } from "./fit.js";
import { markdownToTerminal } from "./markdown.js";
import { CellProgress, formatSeconds } from "./progress.js";
import type { Screen } from "./screen.js";
import type { Style } from "./style.js";

export interface NotebookPrinterOptions {
  screen: Screen;
  style: Style;
  colorMode: AnsiColorMode;
  /** Show each code cell's source before its outputs. */
  showSource: boolean;
}

/** The display shown last, so an update of it can be redrawn in place. */
interface LastDisplay {
  displayId: string;
  text: string;
}

export class NotebookPrinter {
  private readonly progress: CellProgress;
  private readonly counts = new Map<number, number>();
  private last: LastDisplay | undefined;
  private running: number | undefined;

  constructor(private readonly options: NotebookPrinterOptions) {
    this.progress = new CellProgress(options.screen, options.style);
  }

  private get render(): TerminalRenderOptions {
    const { screen } = this.options;
    return { style: this.options.style, columns: screen.columns, fitColumns: screen.fitColumns, colorMode: this.options.colorMode };
  }

  private write(text: string): void {
    this.options.screen.write(text);
  }

  /** Shows that the kernel is starting (on a terminal, until it has). */
  starting(): void {
    this.options.screen.setStatus(this.options.style.dim("starting the kernel…"));
  }

  handle(event: RunEvent): void {
    const { style, screen } = this.options;
    switch (event.type) {
      case "kernel-started":
        screen.setStatus(undefined);
        this.write(style.dim(`${event.kernel.display_name} kernel started${event.where ? ` on ${event.where}` : ""} in ${formatSeconds(event.startupMs)}`) + "\n\n");
        break;
      case "markdown": {
        const text = fitToWidth(markdownToTerminal(joinText(event.cell.source), style, screen.columns).trimEnd(), screen.fitColumns);
        if (text) this.write(text + "\n\n");
        break;
      }
      case "cell-start":
        this.running = event.index;
        this.last = undefined;
        this.progress.start(event.position, event.total, event.index + 1);
        if (this.options.showSource) this.write(sourceBlock(joinText(event.cell.source), style, screen.fitColumns));
        screen.mark();
        break;
      case "execution-count":
        this.counts.set(event.index, event.count);
        break;
      case "output":
        this.output(event.index, event.event, event.late);
        break;
      case "page":
        screen.newlineIfNeeded();
        this.write(this.renderText(event.text).trimEnd() + "\n");
        this.last = undefined;
        break;
      case "timeout":
        screen.newlineIfNeeded();
        this.write(style.yellow(`cell ${event.index + 1} is still running after ${event.seconds} s (--timeout): interrupting it`) + "\n");
        this.last = undefined;
        break;
      case "input":
        screen.newlineIfNeeded();
        if (event.value === undefined) this.write(style.yellow(`input(${JSON.stringify(event.prompt)}) has no answer left (--input gives them, in order): interrupting the cell`) + "\n");
        else this.write(event.prompt + style.dim(event.password ? "•".repeat(event.value.length) : event.value) + "\n");
        this.last = undefined;
        break;
      case "cell-end":
        this.progress.finish(event.status, event.elapsedMs);
        this.write("\n");
        this.running = undefined;
        break;
    }
  }

  /** Stops the progress line (the run ended early). */
  stop(): void {
    this.progress.stop();
    this.options.screen.newlineIfNeeded();
  }

  private output(index: number, event: OutputEvent, late: boolean): void {
    const { style, screen } = this.options;
    if (late && event.type !== "clear") {
      screen.newlineIfNeeded();
      this.write(style.dim(`[output from cell ${index + 1}, which has finished]`) + "\n");
    }
    switch (event.type) {
      case "stream":
        this.write(this.renderText(event.text));
        this.last = undefined;
        return;
      case "clear":
        if (late || index !== this.running) return;
        screen.newlineIfNeeded();
        if (!screen.eraseSinceMark() && screen.live) this.write(style.dim("(output cleared)") + "\n");
        screen.mark();
        this.last = undefined;
        return;
      case "update": {
        const text = renderBundle(event.data, event.metadata, this.render) + "\n";
        screen.newlineIfNeeded();
        if (this.last?.displayId === event.displayId && screen.eraseLast(this.last.text)) {
          this.write(text);
          this.last = { displayId: event.displayId, text };
          return;
        }
        this.write(style.dim(`↻ display updated${event.updated === 0 ? " (it was not shown in this run)" : ""}`) + "\n" + text);
        this.last = undefined;
        return;
      }
      case "output": {
        screen.newlineIfNeeded();
        const output = event.output;
        let text: string;
        if (output.output_type === "error") text = renderError(output.ename, output.evalue, output.traceback, this.render);
        else {
          const body = renderBundle(output.data, output.metadata, this.render);
          if (output.output_type === "execute_result") {
            const prompt = style.red(`Out[${output.execution_count ?? this.counts.get(index) ?? " "}]:`);
            text = body.includes("\n") ? `${prompt}\n${body}` : `${prompt} ${body}`;
          } else text = body;
        }
        text += "\n";
        this.write(text);
        this.last = event.displayId !== undefined ? { displayId: event.displayId, text } : undefined;
        return;
      }
    }
  }

  private renderText(text: string): string {
    return fitToWidth(this.options.style.enabled ? text : text.replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, ""), this.options.screen.fitColumns);
  }
}

/** A cell's source behind a bar, long lines wrapped under their own indentation. */
function sourceBlock(source: string, style: Style, columns: number): string {
  const lines = source.replace(/\s+$/, "").split("\n");
  return lines.flatMap((line) => wrapLine(line, columns - 2).map((part) => style.dim("│ ") + style.dim(part))).join("\n") + "\n";
}
