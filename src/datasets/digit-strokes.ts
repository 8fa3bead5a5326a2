/**
 * The digits 0–9 as pen strokes, and a rasterizer that draws them with a
 * round pen of any thickness after an affine transform (scale, slant,
 * rotation, shift), anti-aliased.
 *
 * A glyph is a list of strokes; a stroke is a polyline in glyph units: x
 * to the right, y DOWN, the glyph spanning y in [-0.5, 0.5] (its height is 1)
 * and x in about [-0.3, 0.3]. Curves are ellipse arcs sampled every 10°.
 * Several digits come in two or three styles (a 1 with or without a flag and
 * base, a 7 with or without a crossbar, an open or closed 4, a 9 with a
 * straight or a curved tail), as people write them differently.
 *
 * A pixel's ink is the pen's coverage of the pixel centre: with d the
 * distance from the centre to the nearest stroke and r the pen's radius,
 * coverage = clamp(r + 0.5 − d, 0, 1) — a one-pixel soft edge. Where strokes
 * overlap the larger coverage wins, so crossings do not get darker.
 *
 * @example
 * const img = new Float32Array(32 * 32);
 * drawGlyph(img, 32, 32, DIGIT_GLYPHS[8][0], { a: 12, b: 0, c: 16, d: 0, e: 20, f: 16 }, 1.5, 1);
 */

/** A point in glyph units. */
export type Point = readonly [number, number];
/** A polyline. */
export type Stroke = readonly Point[];
/** One way of writing a digit. */
export type Glyph = readonly Stroke[];

/**
 * An affine map from glyph units to pixels: x' = a·x + b·y + c, y' = d·x + e·y + f
 * (pixel (i, j) has its centre at (i + 0.5, j + 0.5)).
 */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

/**
 * Points of the ellipse arc centred at (cx, cy) with radii (rx, ry), from
 * angle `from` to `to` in degrees (0° = right, 90° = down, as y points down),
 * in either direction, every 10° or less.
 */
export function arc(cx: number, cy: number, rx: number, ry: number, from: number, to: number): Point[] {
  const steps = Math.max(2, Math.ceil(Math.abs(to - from) / 10));
  const points: Point[] = [];
  for (let k = 0; k <= steps; k++) {
    const t = ((from + ((to - from) * k) / steps) * Math.PI) / 180;
    points.push([cx + rx * Math.cos(t), cy + ry * Math.sin(t)]);
  }
  return points;
}

/** Joins pieces into one stroke (each piece starts where the last ended, or a straight line bridges them). */
function path(...pieces: Point[][]): Stroke {
  return pieces.flat();
}

/** The styles of each digit, index = digit. */
export const DIGIT_GLYPHS: readonly (readonly Glyph[])[] = [
  // 0: an oval; a narrower one.
  [[arc(0, 0, 0.28, 0.48, -90, 270)], [arc(0, 0, 0.22, 0.48, -100, 260)]],
  // 1: a bare stem; with a flag; with a flag and a base.
  [
    [[[0.02, -0.5], [0, 0.5]]],
    [path([[-0.17, -0.3]], [[0.03, -0.5]], [[0.03, 0.5]])],
    [path([[-0.17, -0.3]], [[0.03, -0.5]], [[0.03, 0.5]]), [[-0.17, 0.5], [0.23, 0.5]]],
  ],
  // 2: a hook, a diagonal to the bottom left, a base; a rounder hook and a tilted base.
  [
    [path(arc(0, -0.22, 0.26, 0.27, 195, 370), [[-0.28, 0.5]], [[0.3, 0.5]])],
    [path(arc(0, -0.2, 0.27, 0.3, 180, 395), [[-0.3, 0.5]], [[0.3, 0.46]])],
  ],
  // 3: two bowls open to the left; a flat top with a diagonal.
  [
    [path(arc(0, -0.25, 0.24, 0.25, 200, 450)), path(arc(0, 0.24, 0.27, 0.26, 270, 520))],
    [path([[-0.26, -0.5]], [[0.26, -0.5]], [[-0.02, -0.06]]), path(arc(0, 0.22, 0.28, 0.28, 260, 520))],
  ],
  // 4: open (diagonal, bar, stem through); closed (stem crossing the bar of a triangle).
  [
    [path([[0.06, -0.5]], [[-0.3, 0.18]], [[0.3, 0.18]]), [[0.14, -0.15], [0.14, 0.5]]],
    [path([[0.3, 0.18]], [[-0.3, 0.18]], [[0.14, -0.5]], [[0.14, 0.5]])],
  ],
  // 5: flag, stem, bowl.
  [
    [path([[0.26, -0.5]], [[-0.2, -0.5]], [[-0.23, -0.06]]), path(arc(0, 0.19, 0.27, 0.29, 235, 515))],
    [path([[0.28, -0.48]], [[-0.18, -0.5]], [[-0.24, -0.02]]), path(arc(-0.02, 0.2, 0.28, 0.28, 230, 500))],
  ],
  // 6: a stem curving down into a loop.
  [
    [path(arc(0.22, 0.2, 0.49, 0.66, 252, 180), arc(0, 0.2, 0.27, 0.28, 180, 540))],
    [path([[0.18, -0.5]], arc(0, 0.2, 0.27, 0.28, 215, 575))],
  ],
  // 7: a bar and a diagonal; with a crossbar.
  [
    [path([[-0.28, -0.5]], [[0.28, -0.5]], [[-0.06, 0.5]])],
    [path([[-0.28, -0.5]], [[0.28, -0.5]], [[-0.06, 0.5]]), [[-0.14, 0.02], [0.24, 0.02]]],
  ],
  // 8: two loops, the lower one larger.
  [
    [arc(0, -0.26, 0.21, 0.24, 90, 450), arc(0, 0.24, 0.27, 0.26, -90, 270)],
    [path(arc(0, -0.25, 0.23, 0.25, 120, 420), arc(0, 0.25, 0.26, 0.25, 240, -60))],
  ],
  // 9: a loop with a straight tail; with a curved tail.
  [
    [arc(0, -0.22, 0.27, 0.28, 0, 360), [[0.27, -0.22], [0.2, 0.5]]],
    [path(arc(0, -0.2, 0.27, 0.28, 0, 360), arc(-0.22, -0.2, 0.49, 0.66, 0, 72))],
  ],
];

/** The glyph's bounding box after `m`, in pixels: [minX, minY, maxX, maxY]. */
export function glyphBounds(glyph: Glyph, m: Affine): [number, number, number, number] {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const stroke of glyph) {
    for (const [x, y] of stroke) {
      const px = m.a * x + m.b * y + m.c;
      const py = m.d * x + m.e * y + m.f;
      minX = Math.min(minX, px);
      maxX = Math.max(maxX, px);
      minY = Math.min(minY, py);
      maxY = Math.max(maxY, py);
    }
  }
  return [minX, minY, maxX, maxY];
}

/**
 * Draws `glyph`, mapped by `m`, into the `width`×`height` image `out` (row
 * major, values in [0, 1]) with a pen of radius `radius` pixels and
 * darkness `ink`, keeping the larger of the old and new value per pixel.
 */
export function drawGlyph(out: Float32Array, width: number, height: number, glyph: Glyph, m: Affine, radius: number, ink: number): void {
  const reach = radius + 0.5;
  for (const stroke of glyph) {
    for (let k = 0; k + 1 < stroke.length; k++) {
      const [x0, y0] = stroke[k]!;
      const [x1, y1] = stroke[k + 1]!;
      drawSegment(out, width, height, m.a * x0 + m.b * y0 + m.c, m.d * x0 + m.e * y0 + m.f, m.a * x1 + m.b * y1 + m.c, m.d * x1 + m.e * y1 + m.f, reach, ink);
    }
  }
}

/** One segment of a stroke: coverage of every pixel within reach of it. */
function drawSegment(out: Float32Array, width: number, height: number, ax: number, ay: number, bx: number, by: number, reach: number, ink: number): void {
  const i0 = Math.max(0, Math.floor(Math.min(ax, bx) - reach));
  const i1 = Math.min(width - 1, Math.ceil(Math.max(ax, bx) + reach));
  const j0 = Math.max(0, Math.floor(Math.min(ay, by) - reach));
  const j1 = Math.min(height - 1, Math.ceil(Math.max(ay, by) + reach));
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  for (let j = j0; j <= j1; j++) {
    const py = j + 0.5;
    for (let i = i0; i <= i1; i++) {
      const px = i + 0.5;
      // Distance from the pixel centre to the segment (its nearest point, clamped to the ends).
      let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = ax + t * dx - px;
      const ey = ay + t * dy - py;
      const coverage = reach - Math.sqrt(ex * ex + ey * ey);
      if (coverage <= 0) continue;
      const v = ink * (coverage > 1 ? 1 : coverage);
      const o = j * width + i;
      if (v > out[o]!) out[o] = v;
    }
  }
}
