/**
 * PNG encoding and decoding over `node:zlib`, with no other dependency.
 *
 * The encoder writes 8-bit RGB or RGBA, non-interlaced, choosing a filter per
 * row. Heatmaps are made of nearest-neighbour blocks, so most rows repeat the
 * row above (the Up filter turns them into zeros) and the rest are runs of equal
 * pixels (Sub does the same): files stay small without a palette.
 *
 * The decoder reads what notebooks and tools commonly hold: colour types gray,
 * RGB, palette, gray+alpha and RGBA; bit depths 1/2/4/8 for gray and palette,
 * 8 and 16 for the others (16-bit samples keep their high byte); all five row
 * filters; CRCs checked. Interlaced (Adam7) images are refused with a clear
 * error. The result is always 8-bit RGB or RGBA so the terminal renderer can
 * draw it.
 *
 * @example
 * import { encodePng, decodePng } from "./png.js";
 * const red = { width: 1, height: 1, channels: 3, data: new Uint8Array([255, 0, 0]) } as const;
 * const png = encodePng(red);          // Buffer starting with \x89PNG
 * decodePng(png).data;                  // Uint8Array [255, 0, 0]
 */

import { deflateSync, inflateSync } from "node:zlib";
import { ArgumentError, SizeError } from "../errors.js";

/** An 8-bit image in row-major order, `channels` bytes per pixel (RGB or RGBA). */
export interface Pixels {
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
  readonly data: Uint8Array;
}

/** The largest image either direction will allocate: 64 Mpixel (256 MB as RGBA). */
export const MAX_PIXELS = 1 << 26;

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

// ---------------------------------------------------------------------------
// CRC-32 (ISO 3309, the polynomial PNG and zlib use), one table lookup per byte.

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * CRC-32 of `bytes[start..end)`, continuing from `crc` (pass the previous result
 * to checksum data in pieces).
 *
 * @example
 * crc32(new TextEncoder().encode("IEND")); // 0xae426082
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

// ---------------------------------------------------------------------------
// Encoder

/** Row filter selection: one fixed filter for every row, or a per-row choice. */
export type PngFilter = "none" | "sub" | "up" | "average" | "paeth" | "adaptive";

const FILTER_CODES: Record<Exclude<PngFilter, "adaptive">, number> = {
  none: 0,
  sub: 1,
  up: 2,
  average: 3,
  paeth: 4,
};

export interface EncodeOptions {
  /**
   * `"adaptive"` (default) picks, for each row, the filter whose output has the
   * smallest sum of absolute byte values (the heuristic the PNG specification
   * recommends); a named filter forces it on every row.
   */
  filter?: PngFilter;
  /** zlib level 0..9 (default 6: on heatmaps 9 is slower and barely smaller). */
  level?: number;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/**
 * Writes one filtered row into `out` at `o` (after the filter-type byte) and
 * returns the sum of |signed byte| of the result, the adaptive cost. One loop
 * per filter type: a switch inside the byte loop costs several times more.
 */
function filterRow(
  type: number,
  data: Uint8Array,
  row: number,
  prev: number,
  rowBytes: number,
  bpp: number,
  out: Uint8Array,
  o: number,
): number {
  let cost = 0;
  const hasPrev = prev >= 0;
  const emit = (i: number, v: number) => {
    v &= 0xff;
    out[o + i] = v;
    cost += v < 128 ? v : 256 - v;
  };
  switch (type) {
    case 0:
      for (let i = 0; i < rowBytes; i++) emit(i, data[row + i]!);
      break;
    case 1:
      for (let i = 0; i < bpp && i < rowBytes; i++) emit(i, data[row + i]!);
      for (let i = bpp; i < rowBytes; i++) emit(i, data[row + i]! - data[row + i - bpp]!);
      break;
    case 2:
      if (!hasPrev) return filterRow(0, data, row, prev, rowBytes, bpp, out, o);
      for (let i = 0; i < rowBytes; i++) emit(i, data[row + i]! - data[prev + i]!);
      break;
    case 3:
      for (let i = 0; i < bpp && i < rowBytes; i++) emit(i, data[row + i]! - (hasPrev ? data[prev + i]! >> 1 : 0));
      for (let i = bpp; i < rowBytes; i++) {
        emit(i, data[row + i]! - ((data[row + i - bpp]! + (hasPrev ? data[prev + i]! : 0)) >> 1));
      }
      break;
    default:
      if (!hasPrev) return filterRow(1, data, row, prev, rowBytes, bpp, out, o); // Paeth without a row above is Sub
      for (let i = 0; i < bpp && i < rowBytes; i++) emit(i, data[row + i]! - data[prev + i]!);
      for (let i = bpp; i < rowBytes; i++) {
        emit(i, data[row + i]! - paeth(data[row + i - bpp]!, data[prev + i]!, data[prev + i - bpp]!));
      }
  }
  return cost;
}

function rowsEqual(data: Uint8Array, row: number, prev: number, rowBytes: number): boolean {
  for (let i = 0; i < rowBytes; i++) if (data[row + i] !== data[prev + i]) return false;
  return true;
}

function checkPixels(image: Pixels, who: string): void {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ArgumentError(
      `${who}: width and height must be positive integers, got ${width}x${height}`,
      "image",
    );
  }
  if (channels !== 3 && channels !== 4) {
    throw new ArgumentError(`${who}: channels must be 3 (RGB) or 4 (RGBA), got ${String(channels)}`, "image");
  }
  if (width * height > MAX_PIXELS) {
    throw new SizeError(
      `${who}: image of ${width}x${height} pixels exceeds the limit of ${MAX_PIXELS} pixels`,
      who,
      [height, width],
    );
  }
  if (!(data instanceof Uint8Array) || data.length !== width * height * channels) {
    throw new ArgumentError(
      `${who}: expected ${width * height * channels} bytes for ${width}x${height}x${channels}, got ${
        data instanceof Uint8Array ? data.length : typeof data
      }`,
      "image",
    );
  }
}

/**
 * Encodes 8-bit RGB or RGBA pixels as a PNG file.
 *
 * @example
 * const png = encodePng({ width: 2, height: 1, channels: 4, data: new Uint8Array([0,0,0,255, 255,255,255,0]) });
 * png.subarray(1, 4).toString(); // "PNG"
 */
export function encodePng(image: Pixels, options: EncodeOptions = {}): Buffer {
  checkPixels(image, "encodePng");
  const { width, height, channels, data } = image;
  const filter = options.filter ?? "adaptive";
  if (filter !== "adaptive" && !(filter in FILTER_CODES)) {
    throw new ArgumentError(`encodePng: unknown filter '${String(filter)}'`, "filter");
  }
  const level = options.level ?? 6;
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new ArgumentError(`encodePng: level must be an integer 0..9, got ${level}`, "level");
  }

  const rowBytes = width * channels;
  const raw = new Uint8Array((rowBytes + 1) * height);
  const scratch = filter === "adaptive" ? new Uint8Array(rowBytes) : raw;
  for (let y = 0; y < height; y++) {
    const row = y * rowBytes;
    const prev = y > 0 ? row - rowBytes : -1;
    const o = y * (rowBytes + 1);
    if (filter !== "adaptive") {
      raw[o] = FILTER_CODES[filter];
      filterRow(FILTER_CODES[filter], data, row, prev, rowBytes, channels, raw, o + 1);
      continue;
    }
    if (prev >= 0 && rowsEqual(data, row, prev, rowBytes)) {
      raw[o] = 2; // Up: a repeated row becomes all zeros (raw is zero-filled).
      continue;
    }
    let best = 0;
    let bestCost = filterRow(0, data, row, prev, rowBytes, channels, raw, o + 1);
    for (let type = 1; type <= 4 && bestCost > 0; type++) {
      const cost = filterRow(type, data, row, prev, rowBytes, channels, scratch, 0);
      if (cost < bestCost) {
        bestCost = cost;
        best = type;
        raw.set(scratch, o + 1);
      }
    }
    raw[o] = best;
  }

  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 4 ? 6 : 2; // colour type: RGBA or RGB
  // compression 0, filter method 0, interlace 0: already zero.

  const idat = deflateSync(raw, { level });
  return Buffer.concat([
    SIGNATURE,
    chunk("IHDR", ihdr),
    chunk("IDAT", idat),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out, 4, 8 + body.length));
  return out;
}

// ---------------------------------------------------------------------------
// Decoder

/** A decoded PNG: 8-bit RGB or RGBA pixels plus what the file said about itself. */
export interface DecodedPng extends Pixels {
  /** The PNG colour type: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA. */
  readonly colorType: number;
  /** Bits per sample in the file (the pixels returned are always 8-bit). */
  readonly bitDepth: number;
}

const SAMPLES_PER_PIXEL: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ALLOWED_DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

function bad(message: string): ArgumentError {
  return new ArgumentError(`decodePng: ${message}`, "png");
}

/**
 * Decodes a PNG file into 8-bit RGB (no alpha in the file) or RGBA pixels.
 * Gray becomes RGB with r = g = b; palette entries are looked up (RGBA when the
 * file has a tRNS chunk); 16-bit samples keep their high byte.
 *
 * @example
 * const { width, height, channels, data } = decodePng(fs.readFileSync("plot.png"));
 */
export function decodePng(bytes: Uint8Array): DecodedPng {
  if (!(bytes instanceof Uint8Array)) throw bad(`expected a Uint8Array, got ${typeof bytes}`);
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw bad("not a PNG file (bad signature)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  let width = 0;
  let height = 0;
  let bitDepth = 0;
  let colorType = -1;
  let palette: Uint8Array | undefined;
  let transparency: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let sawEnd = false;

  let pos = 8;
  while (pos < bytes.length) {
    if (pos + 12 > bytes.length) throw bad(`truncated chunk header at byte ${pos}`);
    const length = view.getUint32(pos);
    const type = String.fromCharCode(bytes[pos + 4]!, bytes[pos + 5]!, bytes[pos + 6]!, bytes[pos + 7]!);
    const bodyStart = pos + 8;
    const bodyEnd = bodyStart + length;
    if (bodyEnd + 4 > bytes.length) throw bad(`chunk ${type} of ${length} bytes runs past the end of the file`);
    const stored = view.getUint32(bodyEnd);
    const actual = crc32(bytes, pos + 4, bodyEnd);
    if (stored !== actual) {
      throw bad(`CRC mismatch in chunk ${type} (stored 0x${stored.toString(16)}, computed 0x${actual.toString(16)})`);
    }
    const body = bytes.subarray(bodyStart, bodyEnd);
    if (colorType < 0 && type !== "IHDR") throw bad(`first chunk must be IHDR, got ${type}`);

    switch (type) {
      case "IHDR": {
        if (length !== 13) throw bad(`IHDR must be 13 bytes, got ${length}`);
        width = view.getUint32(bodyStart);
        height = view.getUint32(bodyStart + 4);
        bitDepth = body[8]!;
        colorType = body[9]!;
        if (width < 1 || height < 1) throw bad(`invalid size ${width}x${height}`);
        if (!(colorType in SAMPLES_PER_PIXEL)) throw bad(`invalid colour type ${colorType}`);
        if (!ALLOWED_DEPTHS[colorType]!.includes(bitDepth)) {
          throw bad(`bit depth ${bitDepth} is not valid for colour type ${colorType}`);
        }
        if (body[10] !== 0 || body[11] !== 0) throw bad("unknown compression or filter method");
        if (body[12] !== 0) throw bad("interlaced (Adam7) PNGs are not supported; save the image non-interlaced");
        if (width * height > MAX_PIXELS) {
          throw new SizeError(
            `decodePng: image of ${width}x${height} pixels exceeds the limit of ${MAX_PIXELS} pixels`,
            "decodePng",
            [height, width],
          );
        }
        break;
      }
      case "PLTE":
        if (length % 3 !== 0 || length === 0 || length > 768) throw bad(`invalid PLTE length ${length}`);
        palette = body;
        break;
      case "tRNS":
        transparency = body;
        break;
      case "IDAT":
        idat.push(body);
        break;
      case "IEND":
        sawEnd = true;
        break;
      default:
        // Ancillary chunks (text, gamma, physical size) do not change the pixels.
        if ((bytes[pos + 4]! & 0x20) === 0) throw bad(`unknown critical chunk ${type}`);
    }
    pos = bodyEnd + 4;
    if (sawEnd) break;
  }
  if (colorType < 0) throw bad("missing IHDR chunk");
  if (idat.length === 0) throw bad("missing IDAT chunk");
  if (colorType === 3 && palette === undefined) throw bad("palette image without a PLTE chunk");

  const samples = SAMPLES_PER_PIXEL[colorType]!;
  const bitsPerPixel = samples * bitDepth;
  const rowBytes = Math.ceil((width * bitsPerPixel) / 8);
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const expected = (rowBytes + 1) * height;

  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: expected + 1 });
  } catch (e) {
    throw bad(`image data does not inflate: ${(e as Error).message}`);
  }
  if (raw.length < expected) throw bad(`image data too short: ${raw.length} bytes, expected ${expected}`);

  const unfiltered = unfilter(raw, height, rowBytes, bpp);
  return { ...expand(unfiltered, width, height, rowBytes, colorType, bitDepth, palette, transparency), colorType, bitDepth };
}

/** Undoes the per-row filters, top to bottom; returns the rows without filter bytes. */
function unfilter(raw: Uint8Array, height: number, rowBytes: number, bpp: number): Uint8Array {
  const out = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    const type = raw[y * (rowBytes + 1)]!;
    const src = y * (rowBytes + 1) + 1;
    const row = y * rowBytes;
    const prev = row - rowBytes;
    switch (type) {
      case 0:
        out.set(raw.subarray(src, src + rowBytes), row);
        break;
      case 1:
        for (let i = 0; i < rowBytes; i++) {
          out[row + i] = raw[src + i]! + (i >= bpp ? out[row + i - bpp]! : 0);
        }
        break;
      case 2:
        for (let i = 0; i < rowBytes; i++) out[row + i] = raw[src + i]! + (y > 0 ? out[prev + i]! : 0);
        break;
      case 3:
        for (let i = 0; i < rowBytes; i++) {
          const a = i >= bpp ? out[row + i - bpp]! : 0;
          const b = y > 0 ? out[prev + i]! : 0;
          out[row + i] = raw[src + i]! + ((a + b) >> 1);
        }
        break;
      case 4:
        for (let i = 0; i < rowBytes; i++) {
          const a = i >= bpp ? out[row + i - bpp]! : 0;
          const b = y > 0 ? out[prev + i]! : 0;
          const c = y > 0 && i >= bpp ? out[prev + i - bpp]! : 0;
          out[row + i] = raw[src + i]! + paeth(a, b, c);
        }
        break;
      default:
        throw bad(`invalid filter type ${type} on row ${y}`);
    }
  }
  return out;
}

/** Converts unfiltered rows of any supported colour type and depth into 8-bit RGB(A). */
function expand(
  rows: Uint8Array,
  width: number,
  height: number,
  rowBytes: number,
  colorType: number,
  bitDepth: number,
  palette: Uint8Array | undefined,
  trns: Uint8Array | undefined,
): Pixels {
  const hasAlpha = colorType === 4 || colorType === 6 || (colorType === 3 && trns !== undefined);
  const channels = hasAlpha ? 4 : 3;
  const out = new Uint8Array(width * height * channels);
  const samples = SAMPLES_PER_PIXEL[colorType]!;
  const bytesPerSample = bitDepth === 16 ? 2 : 1;

  // A sample of `bitDepth` bits at sample index s of a row, scaled to 8 bits
  // (palette indices are returned unscaled).
  const sampleAt = (row: number, s: number, scale: boolean): number => {
    if (bitDepth === 8) return rows[row + s]!;
    if (bitDepth === 16) return rows[row + s * 2]!;
    const bit = s * bitDepth;
    const v = (rows[row + (bit >> 3)]! >> (8 - bitDepth - (bit & 7))) & ((1 << bitDepth) - 1);
    return scale ? Math.round((v * 255) / ((1 << bitDepth) - 1)) : v;
  };

  for (let y = 0; y < height; y++) {
    const row = y * rowBytes;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      switch (colorType) {
        case 0: {
          const g = sampleAt(row, x, true);
          out[o] = out[o + 1] = out[o + 2] = g;
          break;
        }
        case 4: {
          const g = sampleAt(row, x * 2, true);
          out[o] = out[o + 1] = out[o + 2] = g;
          out[o + 3] = sampleAt(row, x * 2 + 1, true);
          break;
        }
        case 3: {
          const index = sampleAt(row, x, false);
          if (index * 3 + 2 >= palette!.length) throw bad(`palette index ${index} out of range at (${x}, ${y})`);
          out[o] = palette![index * 3]!;
          out[o + 1] = palette![index * 3 + 1]!;
          out[o + 2] = palette![index * 3 + 2]!;
          if (hasAlpha) out[o + 3] = index < trns!.length ? trns![index]! : 255;
          break;
        }
        default: {
          const base = x * samples * bytesPerSample;
          for (let c = 0; c < samples; c++) out[o + c] = rows[row + base + c * bytesPerSample]!;
        }
      }
    }
  }
  return { width, height, channels, data: out };
}
