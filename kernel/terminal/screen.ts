/**
 * Writing to a terminal with one status line kept at the bottom (a running cell's progress):
 * text is written above it, and the status is redrawn in place. On something that is not a
 * terminal (a pipe, a file, CI logs) there is no status line and text is written as it comes.
 *
 * It also counts the rows written since a mark, so that output can be erased again when a
 * cell clears it (`clear_output`) or replaces a display (`update_display_data`), as long as
 * those rows are still on the screen.
 *
 * @example
 * const screen = new Screen(process.stdout, { live: process.stdout.isTTY === true });
 * screen.setStatus("⠋ [1/3] cell 1 · 0.4 s");
 * screen.write("hello\n");   // clears the status, writes, redraws the status below
 */
import { screenRows } from "./style.js";

export interface TerminalStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

export interface ScreenOptions {
  /** Redraw a status line in place (only on a terminal). */
  live: boolean;
  /** Width when the stream does not say (default: $COLUMNS, else 80). */
  columns?: number;
}

/** Beyond this much text since a mark, erasing is not attempted. */
const MAX_TRACKED = 200_000;

export class Screen {
  private status: string | undefined;
  private statusShown = false;
  /** The last character written was a newline (a status line can be drawn). */
  private atLineStart = true;
  private sinceMark = "";
  private overflow = false;

  constructor(
    private readonly out: TerminalStream,
    private readonly options: ScreenOptions,
  ) {}

  get live(): boolean {
    return this.options.live;
  }

  get columns(): number {
    const envColumns = Number(process.env.COLUMNS);
    return this.out.columns || this.options.columns || (envColumns > 0 ? envColumns : 80);
  }

  /**
   * The width text is fitted to (tables narrowed, prose wrapped): the terminal's, or $COLUMNS;
   * unlimited when the output goes to a file or pipe that named no width, so logs keep whole lines.
   */
  get fitColumns(): number {
    const envColumns = Number(process.env.COLUMNS);
    return this.out.columns || this.options.columns || (envColumns > 0 ? envColumns : Infinity);
  }

  get rows(): number {
    const envLines = Number(process.env.LINES);
    return this.out.rows || (envLines > 0 ? envLines : 24);
  }

  /** Writes text above the status line. */
  write(text: string): void {
    if (text === "") return;
    this.hideStatus();
    this.out.write(text);
    this.atLineStart = text.endsWith("\n");
    if (!this.overflow) {
      this.sinceMark += text;
      if (this.sinceMark.length > MAX_TRACKED) this.overflow = true;
    }
    this.showStatus();
  }

  /** Ends a line left open by output without a final newline. */
  newlineIfNeeded(): void {
    if (!this.atLineStart) this.write("\n");
  }

  /** Sets (or with undefined removes) the status line; only drawn when live. */
  setStatus(text: string | undefined): void {
    if (!this.live) return;
    this.hideStatus();
    this.status = text;
    this.showStatus();
  }

  /** Starts counting rows from here. */
  mark(): void {
    this.sinceMark = "";
    this.overflow = false;
  }

  /** Rows written since the mark (wrapped lines counted), or Infinity when unknown. */
  rowsSinceMark(): number {
    return this.overflow ? Infinity : this.rowsOf(this.sinceMark);
  }

  /** Rows `text` takes on this screen, as `rowsSinceMark` counts them. */
  rowsOf(text: string): number {
    const shown = text.split("\n").map((line) => line.slice(line.lastIndexOf("\r") + 1));
    if (shown[shown.length - 1] === "") shown.pop();
    return shown.length === 0 ? 0 : screenRows(shown.join("\n"), this.columns);
  }

  /** Erases what was written since the mark if it is all still on screen; returns whether it did. */
  eraseSinceMark(): boolean {
    if (this.overflow) return false;
    return this.eraseLast(this.sinceMark);
  }

  /**
   * Erases `text`, which must be the last thing written, if live and it is all still on screen;
   * returns whether it did.
   */
  eraseLast(text: string): boolean {
    if (!this.live || !this.atLineStart || this.overflow || !this.sinceMark.endsWith(text)) return false;
    const rows = this.rowsOf(text);
    if (rows >= this.rows - 1) return false;
    if (rows > 0) {
      this.hideStatus();
      this.out.write(`\x1b[${rows}A\r\x1b[J`);
      this.showStatus();
    }
    this.sinceMark = this.sinceMark.slice(0, this.sinceMark.length - text.length);
    return true;
  }

  private hideStatus(): void {
    if (!this.statusShown) return;
    this.out.write("\r\x1b[2K");
    this.statusShown = false;
  }

  private showStatus(): void {
    if (!this.live || this.status === undefined || !this.atLineStart) return;
    // Never wider than the terminal, or the line would wrap and could not be redrawn in place.
    this.out.write(truncate(this.status, this.columns - 1));
    this.statusShown = true;
  }
}

/** `text` cut to `width` visible characters (colour codes kept, not counted). */
export function truncate(text: string, width: number): string {
  // The status is short plain text with colour codes; cut on visible characters only.
  let visible = 0;
  let out = "";
  for (const part of text.split(/(\x1b\[[0-9;]*m)/)) {
    if (part.startsWith("\x1b[")) {
      out += part;
      continue;
    }
    for (const ch of part) {
      if (visible >= width) return out + "\x1b[0m";
      out += ch;
      visible++;
    }
  }
  return out;
}
