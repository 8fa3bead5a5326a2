#!/usr/bin/env node
/**
 * Draws tsorch's kernelspec logos: a blue tile holding a 3×3 grid of white cells (a tensor),
 * one of them orange. Writes logo-32x32.png, logo-64x64.png and logo-svg.svg next to this file.
 *
 *     node kernel/assets/make-logos.mjs
 *
 * PNGs are encoded by hand (zlib + CRC32) so the script needs nothing but Node.
 */
import { writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";

const BLUE = [49, 120, 198];
const WHITE = [255, 255, 255];
const ORANGE = [238, 108, 44];

/** Shapes on a 64-unit canvas: a rounded tile and nine cells. */
const TILE = { x: 0, y: 0, size: 64, radius: 12 };
const CELLS = [];
for (let row = 0; row < 3; row++) {
  for (let col = 0; col < 3; col++) {
    CELLS.push({ x: 11 + col * 15, y: 11 + row * 15, size: 12, radius: 2.5, color: row === 1 && col === 2 ? ORANGE : WHITE });
  }
}

function insideRoundedSquare(px, py, s) {
  const cx = Math.min(Math.max(px, s.x + s.radius), s.x + s.size - s.radius);
  const cy = Math.min(Math.max(py, s.y + s.radius), s.y + s.size - s.radius);
  return (px - cx) ** 2 + (py - cy) ** 2 <= s.radius ** 2;
}

/** RGBA pixels at `size`, 4×4 supersampled for smooth edges. */
function render(size) {
  const scale = 64 / size;
  const pixels = Buffer.alloc(size * size * 4);
  const samples = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const px = (x + (sx + 0.5) / samples) * scale;
          const py = (y + (sy + 0.5) / samples) * scale;
          if (!insideRoundedSquare(px, py, TILE)) continue;
          const cell = CELLS.find((c) => insideRoundedSquare(px, py, c));
          const color = cell ? cell.color : BLUE;
          r += color[0]; g += color[1]; b += color[2]; a += 255;
        }
      }
      const n = samples * samples;
      const covered = a / 255;
      const i = (y * size + x) * 4;
      pixels[i] = covered ? Math.round(r / covered) : 0;
      pixels[i + 1] = covered ? Math.round(g / covered) : 0;
      pixels[i + 2] = covered ? Math.round(b / covered) : 0;
      pixels[i + 3] = Math.round(a / n);
    }
  }
  return pixels;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

export function encodePng(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function svg() {
  const hex = (c) => "#" + c.map((v) => v.toString(16).padStart(2, "0")).join("");
  const cells = CELLS.map((c) => `  <rect x="${c.x}" y="${c.y}" width="${c.size}" height="${c.size}" rx="${c.radius}" fill="${hex(c.color)}"/>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">`,
    `  <title>tsorch</title>`,
    `  <rect width="64" height="64" rx="${TILE.radius}" fill="${hex(BLUE)}"/>`,
    ...cells,
    `</svg>`,
    "",
  ].join("\n");
}

const here = new URL(".", import.meta.url);
for (const size of [32, 64]) writeFileSync(new URL(`logo-${size}x${size}.png`, here), encodePng(size, render(size)));
writeFileSync(new URL("logo-svg.svg", here), svg());
