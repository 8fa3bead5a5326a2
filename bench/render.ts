/**
 * How long the conv1 feature-map heatmap takes, end to end: from a 6×28×28
 * activation to the Jupyter display bundle (statistics, layout, painting, PNG
 * encoding, base64). Target: under 20 ms.
 *
 * Run: `npx tsc -p tsconfig.json && node dist/bench/render.js [iterations]`
 * Prints one line per stage with median and 90th percentile, then a JSON line.
 */

import { fileURLToPath } from "node:url";
import { featureMapImage } from "../src/render/heatmap.js";
import { jupyterDisplay, toBase64 } from "../src/render/mime.js";
import { encodePng, decodePng } from "../src/render/png.js";
import { pixelsToAnsi } from "../src/render/ansi.js";

const TARGET_MS = 20;

/** A deterministic stand-in for LeNet's conv1 · relu output on a 32×32 digit-like image. */
export function conv1Activation(): Float32Array {
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  // A blurry stroke image: a ring plus a bar, like a handwritten "6".
  const image = new Float32Array(32 * 32);
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      const r = Math.hypot(x - 16, y - 19);
      image[y * 32 + x] = Math.exp(-((r - 7) ** 2) / 4) + (x > 9 && x < 13 && y > 4 && y < 19 ? 0.9 : 0) + rand() * 0.05;
    }
  }
  const out = new Float32Array(6 * 28 * 28);
  for (let c = 0; c < 6; c++) {
    const kernel = Array.from({ length: 25 }, () => (rand() - 0.5) * 0.8);
    const bias = (rand() - 0.5) * 0.2;
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        let acc = bias;
        for (let ky = 0; ky < 5; ky++) for (let kx = 0; kx < 5; kx++) acc += kernel[ky * 5 + kx]! * image[(y + ky) * 32 + x + kx]!;
        out[(c * 28 + y) * 28 + x] = Math.max(0, acc);
      }
    }
  }
  return out;
}

interface Stat {
  name: string;
  medianMs: number;
  p90Ms: number;
}

function measure(name: string, iterations: number, fn: () => unknown): Stat {
  for (let i = 0; i < Math.min(20, iterations); i++) fn(); // warm up the JIT
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return {
    name,
    medianMs: times[Math.floor(times.length / 2)]!,
    p90Ms: times[Math.floor(times.length * 0.9)]!,
  };
}

/** Runs the benchmark and returns its figures. */
export function benchRender(iterations = 200): { stats: Stat[]; width: number; height: number; pngBytes: number } {
  const values = conv1Activation();
  const shape = [6, 28, 28] as const;
  const options = { title: "conv1 · relu" };
  const sample = featureMapImage(values, shape, options);
  const pixels = sample.pixels;
  const png = sample.png();

  const stats = [
    measure("end to end: featureMapImage + display bundle", iterations, () =>
      featureMapImage(values, shape, options)[jupyterDisplay](),
    ),
    measure("  featureMapImage (stats, text, layout)", iterations, () => featureMapImage(values, shape, options)),
    measure("  paint pixels", iterations, () => featureMapImage(values, shape, options).pixels),
    measure("  encodePng", iterations, () => encodePng(pixels)),
    measure("  base64", iterations, () => toBase64(png)),
    measure("decodePng of the same image", iterations, () => decodePng(png)),
    measure("terminal view (toAnsi, 100 columns, truecolor)", iterations, () =>
      featureMapImage(values, shape, options).toAnsi({ columns: 100, color: "truecolor" }),
    ),
    measure("PNG to ANSI (decode + half blocks, 100 columns)", iterations, () =>
      pixelsToAnsi(decodePng(png), { columns: 100, color: "truecolor" }),
    ),
  ];
  return { stats, width: pixels.width, height: pixels.height, pngBytes: png.length };
}

function main(): void {
  const iterations = Number(process.argv[2] ?? 200);
  const { stats, width, height, pngBytes } = benchRender(iterations);
  console.log(`render: conv1 heatmap 6×28×28 -> ${width}×${height} PNG, ${pngBytes} bytes; ${iterations} runs each`);
  for (const s of stats) {
    console.log(`${s.name.padEnd(52)} median ${s.medianMs.toFixed(2).padStart(7)} ms   p90 ${s.p90Ms.toFixed(2).padStart(7)} ms`);
  }
  const endToEnd = stats[0]!.medianMs;
  console.log(
    `end-to-end median ${endToEnd.toFixed(2)} ms vs target ${TARGET_MS} ms: ${(endToEnd / TARGET_MS).toFixed(2)}x of budget ` +
      (endToEnd < TARGET_MS ? "(within target)" : "(OVER target)"),
  );
  console.log(JSON.stringify({ bench: "render", width, height, pngBytes, stats }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
