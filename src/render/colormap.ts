/**
 * Colormaps as 256-entry lookup tables of 8-bit RGB.
 *
 * A colormap turns a normalised value t in [0, 1] into a colour. Each map here is
 * a `Uint8Array` of 768 bytes (r, g, b for entries 0..255), so painting a pixel is
 * one multiply and three reads. Values outside [0, 1] are clamped; NaN is not a
 * colour of any map, callers paint it with their own marker colour.
 *
 * - `viridis`: perceptually uniform, readable in grayscale and by colour-blind
 *   viewers; the default for feature maps (dark purple = low, yellow = high).
 *   The numbers are the CC0 viridis data of van der Walt and Smith (as shipped by
 *   matplotlib), rounded to 8 bits.
 * - `gray`: black (low) to white (high), for images such as the network input.
 * - `diverging`: blue (negative) through near-white (centre) to red (positive),
 *   for signed data such as weights or gradients; use it with a range that is
 *   symmetric around zero so white means 0.
 *
 * @example
 * import { colormap, colorAt } from "./colormap.js";
 * colorAt(colormap("viridis"), 0);   // [68, 1, 84]
 * colorAt(colormap("viridis"), 1);   // [253, 231, 37]
 * colorAt(colormap("gray"), 0.5);    // [128, 128, 128]
 */

import { ArgumentError } from "../errors.js";

export type ColormapName = "viridis" | "gray" | "diverging";

export interface Colormap {
  readonly name: ColormapName;
  /** 256 entries of r, g, b (768 bytes). Entry 0 is the low end, entry 255 the high end. */
  readonly lut: Uint8Array;
  /** One sentence for legends and text summaries. */
  readonly description: string;
}

// viridis, 256 colours as rrggbb hex, eight to a row (row k holds entries 8k..8k+7).
const VIRIDIS_HEX = [
  "440154 440256 450457 450559 46075a 46085c 460a5d 460b5e",
  "470d60 470e61 471063 471164 471365 481467 481668 481769",
  "48186a 481a6c 481b6d 481c6e 481d6f 481f70 482071 482173",
  "482374 482475 482576 482677 482878 482979 472a7a 472c7a",
  "472d7b 472e7c 472f7d 46307e 46327e 46337f 463480 453581",
  "453781 453882 443983 443a83 443b84 433d84 433e85 423f85",
  "424086 424186 414287 414487 404588 404688 3f4788 3f4889",
  "3e4989 3e4a89 3e4c8a 3d4d8a 3d4e8a 3c4f8a 3c508b 3b518b",
  "3b528b 3a538b 3a548c 39558c 39568c 38588c 38598c 375a8c",
  "375b8d 365c8d 365d8d 355e8d 355f8d 34608d 34618d 33628d",
  "33638d 32648e 32658e 31668e 31678e 31688e 30698e 306a8e",
  "2f6b8e 2f6c8e 2e6d8e 2e6e8e 2e6f8e 2d708e 2d718e 2c718e",
  "2c728e 2c738e 2b748e 2b758e 2a768e 2a778e 2a788e 29798e",
  "297a8e 297b8e 287c8e 287d8e 277e8e 277f8e 27808e 26818e",
  "26828e 26828e 25838e 25848e 25858e 24868e 24878e 23888e",
  "23898e 238a8d 228b8d 228c8d 228d8d 218e8d 218f8d 21908d",
  "21918c 20928c 20928c 20938c 1f948c 1f958b 1f968b 1f978b",
  "1f988b 1f998a 1f9a8a 1e9b8a 1e9c89 1e9d89 1f9e89 1f9f88",
  "1fa088 1fa188 1fa187 1fa287 20a386 20a486 21a585 21a685",
  "22a785 22a884 23a983 24aa83 25ab82 25ac82 26ad81 27ad81",
  "28ae80 29af7f 2ab07f 2cb17e 2db27d 2eb37c 2fb47c 31b57b",
  "32b67a 34b679 35b779 37b878 38b977 3aba76 3bbb75 3dbc74",
  "3fbc73 40bd72 42be71 44bf70 46c06f 48c16e 4ac16d 4cc26c",
  "4ec36b 50c46a 52c569 54c568 56c667 58c765 5ac864 5cc863",
  "5ec962 60ca60 63cb5f 65cb5e 67cc5c 69cd5b 6ccd5a 6ece58",
  "70cf57 73d056 75d054 77d153 7ad151 7cd250 7fd34e 81d34d",
  "84d44b 86d549 89d548 8bd646 8ed645 90d743 93d741 95d840",
  "98d83e 9bd93c 9dd93b a0da39 a2da37 a5db36 a8db34 aadc32",
  "addc30 b0dd2f b2dd2d b5de2b b8de29 bade28 bddf26 c0df25",
  "c2df23 c5e021 c8e020 cae11f cde11d d0e11c d2e21b d5e21a",
  "d8e219 dae319 dde318 dfe318 e2e418 e5e419 e7e419 eae51a",
  "ece51b efe51c f1e51d f4e61e f6e620 f8e621 fbe723 fde725",
];

function lutFromHex(rows: readonly string[]): Uint8Array {
  const entries = rows.join(" ").split(" ");
  const lut = new Uint8Array(entries.length * 3);
  entries.forEach((hex, i) => {
    lut[i * 3] = parseInt(hex.slice(0, 2), 16);
    lut[i * 3 + 1] = parseInt(hex.slice(2, 4), 16);
    lut[i * 3 + 2] = parseInt(hex.slice(4, 6), 16);
  });
  return lut;
}

/**
 * Builds a table by linear interpolation between control colours placed at
 * evenly spaced positions (first at t = 0, last at t = 1).
 */
function lutFromStops(stops: readonly (readonly [number, number, number])[]): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  const segments = stops.length - 1;
  for (let i = 0; i < 256; i++) {
    const pos = (i / 255) * segments;
    const k = Math.min(Math.floor(pos), segments - 1);
    const f = pos - k;
    for (let c = 0; c < 3; c++) {
      lut[i * 3 + c] = Math.round(stops[k]![c]! * (1 - f) + stops[k + 1]![c]! * f);
    }
  }
  return lut;
}

function grayLut(): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) lut.fill(i, i * 3, i * 3 + 3);
  return lut;
}

// Deep blue -> light blue -> near white -> salmon -> deep red. The centre is a
// light gray rather than pure white so it stays visible on a white page.
const DIVERGING_STOPS = [
  [38, 70, 150],
  [112, 156, 210],
  [242, 242, 242],
  [226, 128, 100],
  [165, 28, 42],
] as const;

const MAPS: Record<ColormapName, Colormap> = {
  viridis: {
    name: "viridis",
    lut: lutFromHex(VIRIDIS_HEX),
    description: "viridis (dark purple = low, yellow = high)",
  },
  gray: { name: "gray", lut: grayLut(), description: "gray (black = low, white = high)" },
  diverging: {
    name: "diverging",
    lut: lutFromStops(DIVERGING_STOPS),
    description: "diverging (blue = negative, white = 0, red = positive)",
  },
};

/** The names accepted by {@link colormap}. */
export const COLORMAP_NAMES: readonly ColormapName[] = ["viridis", "gray", "diverging"];

/**
 * Looks a colormap up by name.
 *
 * @example
 * colormap("viridis").lut.length; // 768
 */
export function colormap(name: ColormapName): Colormap {
  const map = (MAPS as Record<string, Colormap | undefined>)[name];
  if (map === undefined) {
    throw new ArgumentError(
      `colormap: unknown colormap '${String(name)}', expected one of ${COLORMAP_NAMES.join(", ")}`,
      "colormap",
    );
  }
  return map;
}

/**
 * The table index for a normalised value: t in [0, 1] maps onto 0..255 with
 * both ends reached exactly; values outside are clamped. NaN maps to 0, so
 * callers that care must test for it first.
 */
export function lutIndex(t: number): number {
  if (!(t > 0)) return 0;
  if (t >= 1) return 255;
  // matplotlib's convention for a 256-entry table: 256 equal bins over [0, 1).
  return Math.floor(t * 256);
}

/** The colour of a normalised value as [r, g, b]. */
export function colorAt(map: Colormap, t: number): [number, number, number] {
  const i = lutIndex(t) * 3;
  return [map.lut[i]!, map.lut[i + 1]!, map.lut[i + 2]!];
}
