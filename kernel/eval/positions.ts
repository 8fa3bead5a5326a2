/**
 * Positions in cell text.
 *
 * Jupyter counts cursor positions in Unicode code points (protocol 5.2+); JavaScript strings and
 * the TypeScript compiler count UTF-16 code units. A cell with `×` or an emoji before the cursor
 * puts the two apart, so every position crossing the boundary goes through these functions.
 *
 * @example
 * codePointToUtf16("😀x", 1) // 2: the emoji takes two UTF-16 units
 * utf16ToCodePoint("😀x", 2) // 1
 */

/** The UTF-16 offset of code point number `cp` (clamped to the text). */
export function codePointToUtf16(text: string, cp: number): number {
  let offset = 0;
  for (let i = 0; i < cp && offset < text.length; i++) {
    offset += isHighSurrogateAt(text, offset) ? 2 : 1;
  }
  return offset;
}

/** The code point index of UTF-16 offset `offset` (clamped to the text). */
export function utf16ToCodePoint(text: string, offset: number): number {
  let cp = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (isHighSurrogateAt(text, i)) i++;
    cp++;
  }
  return cp;
}

function isHighSurrogateAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff) return false;
  const next = text.charCodeAt(i + 1);
  return next >= 0xdc00 && next <= 0xdfff;
}

/** A 1-based line and a 1-based column counted in code points, as shown to users. */
export interface LineCol {
  line: number;
  col: number;
}

/** Start offsets (UTF-16) of every line of `text`. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

/** Line and column (both 1-based, column in code points) of a UTF-16 offset. */
export function offsetToLineCol(text: string, offset: number, starts = lineStarts(text)): LineCol {
  const clamped = Math.max(0, Math.min(offset, text.length));
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= clamped) lo = mid;
    else hi = mid - 1;
  }
  const lineStart = starts[lo]!;
  return { line: lo + 1, col: utf16ToCodePoint(text.slice(lineStart, clamped), clamped - lineStart) + 1 };
}

/** The lines of a text without their terminators. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** Characters that continue an identifier (ASCII fast path, Unicode ID_Continue otherwise). */
export function isIdentifierChar(ch: string): boolean {
  return /[\p{ID_Continue}$\u200c\u200d]/u.test(ch);
}
