/**
 * The wasm backend's conv2d kernels (forward, grad_input, grad_weight), with the signatures and
 * semantics of cpu/conv2d.ts (index.ts registers them).
 *
 * Each image and group is one product on the SIMD GEMM of gemm.ts (a 4x8 tile of four-lane float32
 * vectors). The zero-padded input is copied into the backend's memory once per call and the column
 * panels are gathered there by WebAssembly (pack.ts) through the same position/element offset tables as
 * the TypeScript kernels (implicit im2col):
 * - forward:     `y_g = w_g (C_out/g x E) * col (E x P)`, the column block gathered into 8-column panels;
 * - grad_weight: `grad_w_g += grad_y_g (C_out/g x P) * col^T (P x E)`, accumulated over the batch in the
 *   module's memory;
 * - grad_input:  `col_g = w_g^T * grad_y_g`, then scattered onto the (padded) input gradient (col2im).
 *
 * Packing and copying are O(E*P) per image against O(C_out*E*P) arithmetic, so the gain grows with the
 * channel count: about 3x at LeNet's sizes, more on wide layers. Sums accumulate in float32, as in
 * PyTorch; results differ from the float64-accumulating TypeScript kernels by float32 rounding.
 * Without WebAssembly SIMD every function falls back to its TypeScript kernel.
 */
import {
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  cropInto,
  elementTable,
  inputLength,
  isEmpty,
  outputLength,
  paddedH,
  paddedW,
  positionTable,
  weightLength,
} from "../cpu/conv2d.js";
import type { Conv2dGeometry } from "../../shape/conv-pool.js";
import { SIMD_TILE_COLS, SIMD_TILE_ROWS, runCallsHere, simdAvailable, simdGemm, simdMemory, workerModules } from "./gemm.js";
import { Call, CallList, MAX_CALLS, PARALLEL_MIN_WORK, getNumThreads, runJobs } from "./threads.js";
import { biasRows, gatherSlivers, gatherTables, packPanel, padPlanes, scatterAddRows, tableColumns } from "./pack.js";
import { checkLength, destination } from "../cpu/buffers.js";
import { isDepthwise, simdDepthwiseConv2d } from "./depthwise.js";
import { align4 } from "./memory.js";

function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

/** Forward convolution on WebAssembly SIMD; same contract as `conv2d`. */
export function simdConv2d(
  g: Conv2dGeometry,
  input: Float32Array,
  weight: Float32Array,
  bias: Float32Array | null,
  out?: Float32Array,
): Float32Array {
  if (!simdAvailable() || isEmpty(g)) return conv2d(g, input, weight, bias, out);
  checkLength("conv2d", "input", input, inputLength(g));
  checkLength("conv2d", "weight", weight, weightLength(g));
  if (bias) checkLength("conv2d", "bias", bias, g.outChannels);
  if (isDepthwise(g)) return simdDepthwiseConv2d(g, input, weight, bias, out);
  const y = destination("conv2d", "output", out, outputLength(g));
  const { cinG, coutG, E, P, planeP, positions, elements } = gatherSetup(g);
  const mp = roundUp(coutG, SIMD_TILE_ROWS);
  const np = roundUp(P, SIMD_TILE_COLS);
  const aLen = mp * E;
  const bLen = np * E;
  const cBase = aLen + bLen;
  const xOff = align4(cBase + mp * np);
  const xLen = g.batch * g.inChannels * planeP;
  const tOff = align4(xOff + xLen + 3);
  // The bias, then one image's output rows with the bias added (packed, plus 3 floats of slack).
  const biasOff = align4(tOff + E + tableColumns(P));
  const yOff = align4(biasOff + coutG * g.groups);
  const yEnd = align4(yOff + coutG * P + 3);
  const mem = simdMemory(yEnd + Math.max(inputLength(g), coutG * E));
  copyPadded(g, input, mem, xOff, yEnd);
  if (bias) mem.set(bias.subarray(0, g.outChannels), biasOff);
  else mem.fill(0, biasOff, yOff);
  gatherTables(elements, E, positions, P, tOff);
  const threads = batchThreads(g, mp * np * E);
  if (threads > 1) {
    packPanel(weight, 0, E, 1, coutG, E, SIMD_TILE_ROWS, mem, 0, yEnd);
    splitBatch(g, threads, y, { aLen, bLen, cLen: mp * np, mp, np, E, P, xOff, tOff, biasOff, free: align4(yEnd + Math.max(inputLength(g), coutG * E)) });
    return y;
  }
  for (let gr = 0; gr < g.groups; gr++) {
    packPanel(weight, gr * coutG * E, E, 1, coutG, E, SIMD_TILE_ROWS, mem, 0, yEnd);
    for (let n = 0; n < g.batch; n++) {
      const xBase = (n * g.inChannels + gr * cinG) * planeP;
      gatherSlivers(xOff + xBase, elements, E, positions, P, aLen, tOff);
      simdGemm(0, aLen, cBase, mp, np, E, false);
      biasRows(cBase, np, coutG, P, biasOff + gr * coutG, yOff);
      y.set(mem.subarray(yOff, yOff + coutG * P), (n * g.outChannels + gr * coutG) * P);
    }
  }
  return y;
}

/**
 * How many threads a forward convolution splits its batch over: several when there are threads, no
 * groups, at least two images, and images too small for their own product to be split by rows
 * (`parallelGemm`) while the whole batch is large enough to be worth waking workers.
 */
function batchThreads(g: Conv2dGeometry, imageWork: number): number {
  const n = getNumThreads();
  if (n < 2 || g.groups !== 1 || g.batch < 2 || imageWork >= PARALLEL_MIN_WORK || imageWork * g.batch < PARALLEL_MIN_WORK) return 1;
  const threads = Math.min(n, g.batch);
  // Three calls per image must fit a thread's call list.
  return 3 * Math.ceil(g.batch / threads) <= MAX_CALLS ? threads : 1;
}

interface ForwardLayout {
  aLen: number; bLen: number; cLen: number; mp: number; np: number; E: number; P: number;
  xOff: number; tOff: number; biasOff: number;
  /** Where the threads' own regions (B panel, C tile, output rows) start. */
  free: number;
}

/**
 * The forward product of a batch split over `threads` threads (no groups): thread t gathers, multiplies
 * and adds the bias for its share of the images in its own B, C and output regions (calls run by
 * threads.ts), then the outputs are copied out. The arithmetic per image is the serial path's, so the
 * results are the same bits on any number of threads.
 */
function splitBatch(g: Conv2dGeometry, threads: number, y: Float32Array, L: ForwardLayout): void {
  const coutG = g.outChannels;
  const per = Math.ceil(g.batch / threads);
  const outImage = coutG * L.P;
  const region = align4(L.bLen) + align4(L.cLen) + align4(per * outImage + 3);
  const mem = simdMemory(L.free + threads * region);
  const planeP = paddedH(g) * paddedW(g);
  const slivers = tableColumns(L.P) >> 3;
  const jobs: CallList[] = [];
  for (let t = 0, n0 = 0; n0 < g.batch; t++, n0 += per) {
    const bOff = L.free + t * region;
    const cOff = bOff + align4(L.bLen);
    const yOff = cOff + align4(L.cLen);
    const job = (jobLists[t] ??= new CallList()).reset();
    const count = Math.min(per, g.batch - n0);
    for (let i = 0; i < count; i++) {
      const x = L.xOff + (n0 + i) * g.inChannels * planeP;
      job.add(Call.gather, (L.tOff + L.E) << 2, slivers, L.tOff << 2, L.E, bOff << 2, x << 2);
      job.add(Call.gemm, 0, bOff << 2, cOff << 2, L.mp, L.np, L.E, 0);
      job.add(Call.biasRows, cOff << 2, L.np << 2, coutG, L.P, L.biasOff << 2, (yOff + i * outImage) << 2);
    }
    jobs.push(job);
  }
  runJobs(jobs, workerModules, runCallsHere);
  for (let t = 0, n0 = 0; n0 < g.batch; t++, n0 += per) {
    const yOff = L.free + t * region + align4(L.bLen) + align4(L.cLen);
    const count = Math.min(per, g.batch - n0);
    y.set(mem.subarray(yOff, yOff + count * outImage), n0 * outImage);
  }
}

const jobLists: CallList[] = [];

/** Gradient with respect to the weight on WebAssembly SIMD; same contract as `conv2dBackwardWeight`. */
export function simdConv2dBackwardWeight(
  g: Conv2dGeometry,
  input: Float32Array,
  gradOutput: Float32Array,
  gradWeight?: Float32Array,
): Float32Array {
  if (!simdAvailable() || isEmpty(g)) return conv2dBackwardWeight(g, input, gradOutput, gradWeight);
  checkLength("conv2d", "input", input, inputLength(g));
  checkLength("conv2d", "grad_output", gradOutput, outputLength(g));
  const gw = destination("conv2d", "grad_weight", gradWeight, weightLength(g));
  const { cinG, coutG, E, P, planeP, positions, elements } = gatherSetup(g);
  const mp = roundUp(coutG, SIMD_TILE_ROWS);
  const np = roundUp(E, SIMD_TILE_COLS);
  const aLen = mp * P;
  const bLen = np * P;
  const cBase = aLen + bLen;
  const xOff = align4(cBase + mp * np);
  const xLen = g.batch * g.inChannels * planeP;
  const tOff = align4(xOff + xLen + 3);
  const tEnd = align4(tOff + P + tableColumns(E));
  const mem = simdMemory(tEnd + Math.max(inputLength(g), coutG * P));
  copyPadded(g, input, mem, xOff, tEnd);
  gatherTables(positions, P, elements, E, tOff);
  for (let gr = 0; gr < g.groups; gr++) {
    for (let n = 0; n < g.batch; n++) {
      packPanel(gradOutput, (n * g.outChannels + gr * coutG) * P, P, 1, coutG, P, SIMD_TILE_ROWS, mem, 0, tEnd);
      gatherSlivers(xOff + (n * g.inChannels + gr * cinG) * planeP, positions, P, elements, E, aLen, tOff);
      // The first image writes the tile, the others add to it.
      simdGemm(0, aLen, cBase, mp, np, P, n > 0);
    }
    for (let m = 0; m < coutG; m++) {
      const src = cBase + m * np;
      const dst = (gr * coutG + m) * E;
      for (let e = 0; e < E; e++) gw[dst + e] = mem[src + e];
    }
  }
  return gw;
}

/** Gradient with respect to the input on WebAssembly SIMD; same contract as `conv2dBackwardInput`. */
export function simdConv2dBackwardInput(
  g: Conv2dGeometry,
  gradOutput: Float32Array,
  weight: Float32Array,
  gradInput?: Float32Array,
): Float32Array {
  if (!simdAvailable() || isEmpty(g)) return conv2dBackwardInput(g, gradOutput, weight, gradInput);
  checkLength("conv2d", "grad_output", gradOutput, outputLength(g));
  checkLength("conv2d", "weight", weight, weightLength(g));
  const inLen = inputLength(g);
  const gx = destination("conv2d", "grad_input", gradInput, inLen);
  const cinG = g.inChannels / g.groups;
  const coutG = g.outChannels / g.groups;
  const E = cinG * g.kernelH * g.kernelW;
  const P = g.outH * g.outW;
  const planeP = paddedH(g) * paddedW(g);
  const padded = g.padTop !== 0 || g.padBottom !== 0 || g.padLeft !== 0 || g.padRight !== 0;
  const yLen = g.batch * g.inChannels * planeP;
  const positions = positionTable(g);
  const elements = elementTable(g);
  const mp = roundUp(E, SIMD_TILE_ROWS);
  const np = roundUp(P, SIMD_TILE_COLS);
  const aLen = mp * coutG;
  const bLen = np * coutG;
  const cBase = aLen + bLen;
  // The (padded) input gradient accumulates in the backend's memory, after the GEMM's panels.
  const yOff = cBase + mp * np;
  const tOff = yOff + yLen;
  const stage = align4(tOff + E + P + (P >> 3));
  const mem = simdMemory(stage + coutG * Math.max(E, P));
  mem.fill(0, yOff, tOff);
  for (let gr = 0; gr < g.groups; gr++) {
    // A = w_g^T: element (e, co) at weight[(gr*coutG + co)*E + e].
    packPanel(weight, gr * coutG * E, 1, E, E, coutG, SIMD_TILE_ROWS, mem, 0, stage);
    for (let n = 0; n < g.batch; n++) {
      // B = grad_y_g: element (co, p) at gradOutput[(n*C_out + gr*coutG + co)*P + p].
      packPanel(gradOutput, (n * g.outChannels + gr * coutG) * P, 1, P, P, coutG, SIMD_TILE_COLS, mem, aLen, stage);
      simdGemm(0, aLen, cBase, mp, np, coutG, false);
      // col2im: column-gradient entry (e, p) lands on the input pixel it was read from.
      scatterAddRows(yOff + (n * g.inChannels + gr * cinG) * planeP, elements, E, positions, P, cBase, np, tOff);
    }
  }
  if (padded) cropInto(g, mem.subarray(yOff, tOff), gx);
  else gx.set(mem.subarray(yOff, yOff + inLen));
  return gx;
}

/** The sizes and gather tables that the forward and weight-gradient gathers share. */
function gatherSetup(g: Conv2dGeometry) {
  const cinG = g.inChannels / g.groups;
  return {
    cinG,
    coutG: g.outChannels / g.groups,
    E: cinG * g.kernelH * g.kernelW,
    P: g.outH * g.outW,
    planeP: paddedH(g) * paddedW(g),
    positions: positionTable(g),
    elements: elementTable(g),
  };
}

/**
 * The input, zero-padded, at `mem[at...]` (plus 3 floats of slack): copied as is when unpadded, else
 * copied to the free region at `free` and padded by WebAssembly (`padPlanes`).
 */
function copyPadded(g: Conv2dGeometry, input: Float32Array, mem: Float32Array, at: number, free: number): void {
  const len = inputLength(g);
  if (g.padTop === 0 && g.padBottom === 0 && g.padLeft === 0 && g.padRight === 0) {
    mem.set(input.subarray(0, len), at);
    return;
  }
  mem.set(input.subarray(0, len), free);
  padPlanes(free, at, g.batch * g.inChannels, g.inH, g.inW, paddedH(g), paddedW(g), g.padTop, g.padLeft, 0);
}
