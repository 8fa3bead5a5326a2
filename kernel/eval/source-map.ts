/**
 * A small reader for source maps (revision 3): enough to turn a line and column of generated
 * JavaScript back into the line and column of the TypeScript it came from.
 *
 * Cells are compiled with a source map, and the runtime's `dist/**.js.map` files map its frames
 * back to `src/**.ts`, so a traceback can name the line the user wrote, not the line the
 * compiler produced.
 *
 * @example
 * const map = SourceMap.parse(jsonText);
 * map.originalPosition(3, 10) // { source: "cell.mts", line: 2, column: 4 } (0-based)
 */

/** One mapping: a generated column and where it came from (all 0-based). */
interface Segment {
  generatedColumn: number;
  source: number;
  line: number;
  column: number;
}

export interface OriginalPosition {
  /** The source file as the map names it, resolved against `sourceRoot`. */
  source: string;
  /** 0-based line in the source. */
  line: number;
  /** 0-based UTF-16 column in the source. */
  column: number;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64_VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64.length; i++) BASE64_VALUES[BASE64.charCodeAt(i)] = i;

/**
 * Decodes the base64 VLQ numbers of one mapping segment (`"AAgBC"` → `[0, 0, 16, 1]`).
 * Each digit carries 5 bits, least significant group first; bit 6 says "more digits follow";
 * the lowest bit of the assembled number is the sign.
 */
export function decodeVlqSegment(text: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = BASE64_VALUES[text.charCodeAt(i)] ?? -1;
    if (digit < 0) throw new SyntaxError(`invalid base64 VLQ character ${JSON.stringify(text[i])} in source map`);
    value += (digit & 31) * 2 ** shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    const negative = value % 2 === 1;
    const magnitude = Math.floor(value / 2);
    values.push(negative ? -magnitude : magnitude);
    value = 0;
    shift = 0;
  }
  if (shift !== 0) throw new SyntaxError("truncated base64 VLQ segment in source map");
  return values;
}

export class SourceMap {
  /** Segments of each generated line, sorted by generated column. */
  private readonly lines: Segment[][];

  private constructor(
    readonly sources: string[],
    lines: Segment[][],
  ) {
    this.lines = lines;
  }

  /** Parses a source map's JSON text. Throws `SyntaxError` on malformed input. */
  static parse(json: string): SourceMap {
    const raw = JSON.parse(json) as { sources?: unknown; sourceRoot?: unknown; mappings?: unknown };
    if (!Array.isArray(raw.sources) || typeof raw.mappings !== "string") {
      throw new SyntaxError("not a source map: `sources` or `mappings` is missing");
    }
    const root = typeof raw.sourceRoot === "string" && raw.sourceRoot !== "" ? raw.sourceRoot.replace(/\/?$/, "/") : "";
    const sources = raw.sources.map((s) => root + String(s));
    return new SourceMap(sources, decodeMappings(raw.mappings));
  }

  /**
   * Where generated `line` and `column` (0-based) came from: the last segment at or before the
   * column on that line, or the line's first segment when the column precedes all of them.
   */
  originalPosition(line: number, column: number): OriginalPosition | undefined {
    const segments = this.lines[line];
    if (!segments || segments.length === 0) return undefined;
    let lo = 0;
    let hi = segments.length - 1;
    if (segments[0]!.generatedColumn > column) return this.toPosition(segments[0]!);
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segments[mid]!.generatedColumn <= column) lo = mid;
      else hi = mid - 1;
    }
    return this.toPosition(segments[lo]!);
  }

  private toPosition(segment: Segment): OriginalPosition {
    return { source: this.sources[segment.source] ?? "", line: segment.line, column: segment.column };
  }
}

/** Decodes the `mappings` string into per-line segment lists (fields are deltas, as the format says). */
function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let source = 0;
  let line = 0;
  let column = 0;
  for (const lineText of mappings.split(";")) {
    const segments: Segment[] = [];
    let generatedColumn = 0;
    if (lineText !== "") {
      for (const segmentText of lineText.split(",")) {
        if (segmentText === "") continue;
        const fields = decodeVlqSegment(segmentText);
        generatedColumn += fields[0] ?? 0;
        // One-field segments map generated code to nothing; they carry no position.
        if (fields.length < 4) continue;
        source += fields[1]!;
        line += fields[2]!;
        column += fields[3]!;
        segments.push({ generatedColumn, source, line, column });
      }
    }
    segments.sort((a, b) => a.generatedColumn - b.generatedColumn);
    lines.push(segments);
  }
  return lines;
}
