/**
 * 2-D convolution (cross-correlation, as PyTorch's `conv2d`) and its three gradients, NCHW, float32
 * or float64: one implementation over both array types. Scratch that holds values (the padded input,
 * the padded input gradient) has the input's element type, so float64 data is never rounded to float32;
 * packed panels and accumulators are doubles for both. Measured (bench/f64-twins.ts): this loop fed
 * both types runs float32 at 0.95-1.04x a float32-only copy and float64 in about half the time of the
 * separate float64 kernel it replaced.
 *
 * Shapes (all arrays contiguous, row-major):
 * - input `x`:        `[N, C_in, H, W]`
 * - weight `w`:       `[C_out, C_in/groups, kH, kW]`
 * - bias `b`:         `[C_out]` (optional)
 * - output `y`:       `[N, C_out, outH, outW]`
 *
 * With `E = C_in/groups * kH * kW` kernel elements and `P = outH * outW` output positions, each image
 * and group is the matrix product `y_g (C_out/g x P) = w_g (C_out/g x E) * col (E x P)` of im2col.
 *
 * How it is fast:
 * - **Implicit im2col.** The input is copied once into a zero-padded buffer (only when there is
 *   padding), after which every column entry is `Xpad[positionBase[p] + elementOffset[e]]`. The GEMM
 *   micro-kernel (`microKernelGather` in micro-kernels.ts) reads B through those two small offset
 *   tables, so the column matrix is never built or packed. At LeNet's sizes the packing pass cost as much as the
 *   arithmetic; here it is gone (about 2x faster there).
 * - **Wider layers** (16+ output channels per group, 64+ kernel elements) pack the gathered column
 *   block into panels (`packBGather`) and run the packed micro-kernel: the panel is then reused by
 *   every channel sliver.
 * - **Weights packed once** per group and K block, reused for every image of the batch.
 * - **grad_weight** is the same product with the roles swapped: `grad_w_g = grad_y_g * col^T`, rows of
 *   the micro-kernel walk the positions, columns are four kernel elements.
 * - **grad_input** is `col_g = w_g^T * grad_y_g` with col2im fused into the micro-kernel's epilogue
 *   (`microKernelScatter`): each tile of the column gradient is added straight onto the (padded) input
 *   gradient, so no column buffer is zeroed, written or read back. (Computing it as a "full"
 *   convolution of the padded gradient with the flipped weight was measured slower: at LeNet's sizes
 *   half of that work multiplies the zero border.)
 * - **Thin output-channel slivers** (2 live rows of 4, as with 6 channels) use a 2x4 micro-kernel
 *   instead of wasting half of a 4x4.
 * - Scratch (padded copies, offset tables, packed panels) comes from reusable buffers: repeated calls
 *   allocate nothing.
 *
 * Padding is per side (`padTop`, `padBottom`, `padLeft`, `padRight` in the geometry), which covers
 * PyTorch's `padding='same'` with even kernels (one more row/column at the bottom/right). Build the
 * geometry with `conv2dGeometry` (src/shape/conv-pool.ts), which also raises PyTorch's errors.
 *
 * Outputs are overwritten, not accumulated, and must not alias an input. Each function takes an
 * optional destination array and returns it (or a new one).
 *
 * @example
 * const g = conv2dGeometry([1, 1, 32, 32], [6, 1, 5, 5]);
 * const y = conv2d(g, x, w, b); // Float32Array of 1*6*28*28
 */
import { MC, NC, kBlock, macroKernel, packA, packB, packBGather, packedLength } from "./gemm.js";
import { microKernelGather, microKernelGather2, microKernelScatter } from "./micro-kernels.js";
import type { Conv2dGeometry } from "../../shape/conv-pool.js";
import { checkLength, destination } from "./buffers.js";
import { ScratchSlot, scratchF32, scratchF64, scratchI32 } from "./scratch.js";
import { floatArrayType, type FloatArray } from "./float-array.js";

/** Reusable scratch for `slot` of `like`'s element type (float64 values stay float64). */
function scratchLike<A extends FloatArray>(like: A, slot: ScratchSlot, length: number): A {
  return (like.BYTES_PER_ELEMENT === 8 ? scratchF64(slot, length) : scratchF32(slot, length)) as A;
}

/** Elements of the input `[N, C_in, H, W]`. */
export function inputLength(g: Conv2dGeometry): number {
  return g.batch * g.inChannels * g.inH * g.inW;
}

/** Elements of the weight `[C_out, C_in/groups, kH, kW]`. */
export function weightLength(g: Conv2dGeometry): number {
  return g.outChannels * (g.inChannels / g.groups) * g.kernelH * g.kernelW;
}

/** Elements of the output `[N, C_out, outH, outW]`. */
export function outputLength(g: Conv2dGeometry): number {
  return g.batch * g.outChannels * g.outH * g.outW;
}

/** Whether the convolution has nothing to multiply (an empty batch, channel set, plane or kernel). */
export function isEmpty(g: Conv2dGeometry): boolean {
  return g.batch === 0 || g.outChannels === 0 || g.inChannels === 0 || g.outH * g.outW === 0 || g.kernelH * g.kernelW === 0;
}

/** Height and width of the zero-padded input. */
export function paddedH(g: Conv2dGeometry): number {
  return g.inH + g.padTop + g.padBottom;
}

export function paddedW(g: Conv2dGeometry): number {
  return g.inW + g.padLeft + g.padRight;
}

/**
 * The input with its padding made of real zeros (`[N, C, H+pt+pb, W+pl+pr]`), in scratch; the input
 * itself when there is no padding.
 */
export function padInput<A extends FloatArray>(g: Conv2dGeometry, x: A): A {
  if (g.padTop === 0 && g.padBottom === 0 && g.padLeft === 0 && g.padRight === 0) return x;
  const Hp = paddedH(g);
  const Wp = paddedW(g);
  const planes = g.batch * g.inChannels;
  const len = planes * Hp * Wp;
  const X = scratchLike(x, ScratchSlot.Padded, len);
  X.fill(0, 0, len);
  const { inH, inW } = g;
  for (let pl = 0; pl < planes; pl++) {
    let s = pl * inH * inW;
    let d = pl * Hp * Wp + g.padTop * Wp + g.padLeft;
    for (let h = 0; h < inH; h++, s += inW, d += Wp) {
      if (inW >= 16) X.set(x.subarray(s, s + inW) as ArrayLike<number>, d);
      else for (let w = 0; w < inW; w++) X[d + w] = x[s + w];
    }
  }
  return X;
}

/** `positions[p]`: where the window of output position p starts, relative to its padded input plane. */
export function positionTable(g: Conv2dGeometry): Int32Array {
  const { outH, outW, strideH, strideW } = g;
  const Wp = paddedW(g);
  const t = scratchI32(ScratchSlot.Positions, outH * outW);
  let p = 0;
  for (let oh = 0; oh < outH; oh++) for (let ow = 0; ow < outW; ow++) t[p++] = oh * strideH * Wp + ow * strideW;
  return t;
}

/** `elements[e]`: offset of kernel element e = (c, kh, kw) from a window's start in the padded input. */
export function elementTable(g: Conv2dGeometry): Int32Array {
  const { kernelH, kernelW, dilationH, dilationW } = g;
  const Hp = paddedH(g);
  const Wp = paddedW(g);
  const cinG = g.inChannels / g.groups;
  const t = scratchI32(ScratchSlot.Elements, cinG * kernelH * kernelW);
  let e = 0;
  for (let c = 0; c < cinG; c++) {
    for (let kh = 0; kh < kernelH; kh++) {
      for (let kw = 0; kw < kernelW; kw++) t[e++] = c * Hp * Wp + kh * dilationH * Wp + kw * dilationW;
    }
  }
  return t;
}

/**
 * Whether a layer is wide enough in output channels for packed column panels to beat gathering: a
 * packed panel costs one pass over the column block but is then read by every 4-channel sliver at the
 * speed of the packed micro-kernel (about 20% faster than the gathering one). Measured: from 16
 * channels packing wins by 5-10% (LeNet's conv2, 32- and 64-channel 3x3 layers), below it the pass
 * is not repaid (LeNet's conv1, 6 channels and 25 kernel elements).
 */
function usePackedPanels(outChannelsPerGroup: number, E: number): boolean {
  return outChannelsPerGroup >= 16 && E >= 64;
}

/**
 * `y += conv(X, w)` for an already padded input `X` (`[N, C_in, Hp, Wp]` with `Hp, Wp` of `g`'s
 * padding); `y` holds `[N, C_out, outH, outW]`.
 */
function convAccumulate(g: Conv2dGeometry, X: FloatArray, weight: FloatArray, y: FloatArray): void {
  const cinG = g.inChannels / g.groups;
  const coutG = g.outChannels / g.groups;
  const E = cinG * g.kernelH * g.kernelW;
  const P = g.outH * g.outW;
  const planeP = paddedH(g) * paddedW(g);
  const positions = positionTable(g);
  const elements = elementTable(g);
  const kcMax = kBlock(E);
  if (usePackedPanels(coutG, E)) {
    convAccumulatePacked(g, X, weight, y, positions, elements, kcMax);
    return;
  }
  const Pk = scratchF64(ScratchSlot.PackA, packedLength(coutG, kcMax));
  for (let gr = 0; gr < g.groups; gr++) {
    for (let pc = 0; pc < E; pc += kcMax) {
      const kc = Math.min(kcMax, E - pc);
      // w_g[:, pc:pc+kc] packed once, used by every image.
      packA(weight, gr * coutG * E + pc, E, 1, coutG, kc, Pk, 0);
      for (let n = 0; n < g.batch; n++) {
        const xBase = (n * g.inChannels + gr * cinG) * planeP;
        const yBase = (n * g.outChannels + gr * coutG) * P;
        for (let p = 0; p < P; p += 4) {
          const nr = Math.min(4, P - p);
          const b0 = xBase + positions[p];
          const b1 = nr > 1 ? xBase + positions[p + 1] : b0;
          const b2 = nr > 2 ? xBase + positions[p + 2] : b0;
          const b3 = nr > 3 ? xBase + positions[p + 3] : b0;
          for (let i = 0; i < coutG; i += 4) {
            const mr = Math.min(4, coutG - i);
            if (mr > 2) microKernelGather(kc, Pk, i * kc, X, elements, pc, b0, b1, b2, b3, y, yBase + i * P + p, P, 1, mr, nr);
            else microKernelGather2(kc, Pk, i * kc, X, elements, pc, b0, b1, b2, b3, y, yBase + i * P + p, P, 1, mr, nr);
          }
        }
      }
    }
  }
}

/** `convAccumulate` with packed column panels (`packBGather`) and the packed micro-kernel. */
function convAccumulatePacked(
  g: Conv2dGeometry,
  X: FloatArray,
  weight: FloatArray,
  y: FloatArray,
  positions: Int32Array,
  elements: Int32Array,
  kcMax: number,
): void {
  const cinG = g.inChannels / g.groups;
  const coutG = g.outChannels / g.groups;
  const E = cinG * g.kernelH * g.kernelW;
  const P = g.outH * g.outW;
  const planeP = paddedH(g) * paddedW(g);
  const aLen = packedLength(coutG, kcMax);
  const Pk = scratchF64(ScratchSlot.PackA, aLen + packedLength(Math.min(P, NC), kcMax));
  for (let gr = 0; gr < g.groups; gr++) {
    for (let pc = 0; pc < E; pc += kcMax) {
      const kc = Math.min(kcMax, E - pc);
      packA(weight, gr * coutG * E + pc, E, 1, coutG, kc, Pk, 0);
      for (let n = 0; n < g.batch; n++) {
        const xBase = (n * g.inChannels + gr * cinG) * planeP;
        const yBase = (n * g.outChannels + gr * coutG) * P;
        for (let jc = 0; jc < P; jc += NC) {
          const nc = Math.min(NC, P - jc);
          packBGather(X, xBase, elements, pc, kc, positions, jc, nc, Pk, aLen);
          macroKernel(Pk, 0, aLen, coutG, nc, kc, 1, y, yBase + jc, P, 1);
        }
      }
    }
  }
}

/**
 * Forward convolution. `bias` may be null. Returns `out` (or a new array) holding
 * `[N, C_out, outH, outW]`.
 */
export function conv2d<A extends FloatArray>(
  g: Conv2dGeometry,
  input: A,
  weight: A,
  bias: A | null,
  out?: A,
): A {
  checkLength("conv2d", "input", input, inputLength(g));
  checkLength("conv2d", "weight", weight, weightLength(g));
  if (bias) checkLength("conv2d", "bias", bias, g.outChannels);
  const y = destination("conv2d", "output", out, outputLength(g), floatArrayType(input));
  const P = g.outH * g.outW;
  // Start from the bias (or zero); the products accumulate onto it.
  for (let n = 0; n < g.batch; n++) {
    for (let co = 0; co < g.outChannels; co++) {
      const o = (n * g.outChannels + co) * P;
      y.fill(bias ? bias[co] : 0, o, o + P);
    }
  }
  if (isEmpty(g)) return y;
  convAccumulate(g, padInput(g, input), weight, y);
  return y;
}

/**
 * Gradient of the convolution with respect to its input: `[N, C_in, H, W]` from `gradOutput`
 * `[N, C_out, outH, outW]` and the weight.
 */
export function conv2dBackwardInput<A extends FloatArray>(
  g: Conv2dGeometry,
  gradOutput: A,
  weight: A,
  gradInput?: A,
): A {
  checkLength("conv2d", "grad_output", gradOutput, outputLength(g));
  checkLength("conv2d", "weight", weight, weightLength(g));
  const inLen = inputLength(g);
  const gx = destination("conv2d", "grad_input", gradInput, inLen, floatArrayType(gradOutput));
  gx.fill(0, 0, inLen);
  if (isEmpty(g)) return gx;
  const cinG = g.inChannels / g.groups;
  const coutG = g.outChannels / g.groups;
  const E = cinG * g.kernelH * g.kernelW;
  const P = g.outH * g.outW;
  const padded = g.padTop !== 0 || g.padBottom !== 0 || g.padLeft !== 0 || g.padRight !== 0;
  const planeP = paddedH(g) * paddedW(g);
  // The gradient lands in a zero-padded buffer (cropped at the end) so that padding positions can be
  // written without bounds tests.
  const paddedLen = g.batch * g.inChannels * planeP;
  const Y = padded ? scratchLike(gx, ScratchSlot.Padded, paddedLen) : gx;
  if (padded) Y.fill(0, 0, paddedLen);
  const positions = positionTable(g);
  const elements = elementTable(g);
  // col_g (E x P) = w_g^T (E x C_out/g) * grad_y_g (C_out/g x P), scattered straight onto the input
  // gradient (col2im fused into the micro-kernel). The GEMM's K is C_out/g.
  const kcMax = kBlock(coutG);
  const ncMax = Math.min(P, NC);
  const aLen = packedLength(E, kcMax);
  const Pk = scratchF64(ScratchSlot.PackA, aLen + packedLength(ncMax, kcMax));
  for (let gr = 0; gr < g.groups; gr++) {
    for (let pc = 0; pc < coutG; pc += kcMax) {
      const kc = Math.min(kcMax, coutG - pc);
      // w_g^T block: element (e, co) is weight[(gr*coutG + pc + co)*E + e]; packed once for all images.
      packA(weight, (gr * coutG + pc) * E, 1, E, E, kc, Pk, 0);
      for (let n = 0; n < g.batch; n++) {
        const yOff = (n * g.outChannels + gr * coutG + pc) * P;
        const xBase = (n * g.inChannels + gr * cinG) * planeP;
        for (let jc = 0; jc < P; jc += NC) {
          const nc = Math.min(NC, P - jc);
          packB(gradOutput, yOff + jc, P, 1, kc, nc, Pk, aLen);
          for (let j = 0; j < nc; j += 4) {
            const nr = Math.min(4, nc - j);
            const p = jc + j;
            const q0 = xBase + positions[p];
            const q1 = nr > 1 ? xBase + positions[p + 1] : q0;
            const q2 = nr > 2 ? xBase + positions[p + 2] : q0;
            const q3 = nr > 3 ? xBase + positions[p + 3] : q0;
            const pb = aLen + j * kc;
            for (let i = 0; i < E; i += 4) {
              const mr = Math.min(4, E - i);
              const r0 = elements[i];
              const r1 = mr > 1 ? elements[i + 1] : r0;
              const r2 = mr > 2 ? elements[i + 2] : r0;
              const r3 = mr > 3 ? elements[i + 3] : r0;
              microKernelScatter(kc, Pk, i * kc, pb, Y, r0, r1, r2, r3, q0, q1, q2, q3, mr, nr);
            }
          }
        }
      }
    }
  }
  if (padded) cropInto(g, Y, gx);
  return gx;
}

/** Copies the interior of a padded `[N, C_in, Hp, Wp]` buffer into `[N, C_in, H, W]`. */
export function cropInto(g: Conv2dGeometry, Y: FloatArray, gx: FloatArray): void {
  const Hp = paddedH(g);
  const Wp = paddedW(g);
  const { inH, inW } = g;
  const planes = g.batch * g.inChannels;
  for (let pl = 0; pl < planes; pl++) {
    let s = pl * Hp * Wp + g.padTop * Wp + g.padLeft;
    let d = pl * inH * inW;
    for (let h = 0; h < inH; h++, s += Wp, d += inW) {
      for (let w = 0; w < inW; w++) gx[d + w] = Y[s + w];
    }
  }
}

/**
 * Gradient of the convolution with respect to its weight: `[C_out, C_in/groups, kH, kW]` from the input
 * and `gradOutput`, summed over the batch.
 */
export function conv2dBackwardWeight<A extends FloatArray>(
  g: Conv2dGeometry,
  input: A,
  gradOutput: A,
  gradWeight?: A,
): A {
  checkLength("conv2d", "input", input, inputLength(g));
  checkLength("conv2d", "grad_output", gradOutput, outputLength(g));
  const wLen = weightLength(g);
  const gw = destination("conv2d", "grad_weight", gradWeight, wLen, floatArrayType(input));
  gw.fill(0, 0, wLen);
  if (isEmpty(g)) return gw;
  const cinG = g.inChannels / g.groups;
  const coutG = g.outChannels / g.groups;
  const E = cinG * g.kernelH * g.kernelW;
  const P = g.outH * g.outW;
  const planeP = paddedH(g) * paddedW(g);
  const X = padInput(g, input);
  const positions = positionTable(g);
  const elements = elementTable(g);
  // grad_w_g (C_out/g x E) += grad_y_g (C_out/g x P) * col^T (P x E): the GEMM's K is P.
  const kcMax = kBlock(P);
  const mcMax = Math.min(coutG, MC);
  if (usePackedPanels(coutG, E)) {
    const aLen = packedLength(mcMax, kcMax);
    const Pk = scratchF64(ScratchSlot.PackA, aLen + packedLength(Math.min(E, NC), kcMax));
    for (let n = 0; n < g.batch; n++) {
      for (let gr = 0; gr < g.groups; gr++) {
        const xBase = (n * g.inChannels + gr * cinG) * planeP;
        const yOff = (n * g.outChannels + gr * coutG) * P;
        const wOff = gr * coutG * E;
        for (let jc = 0; jc < E; jc += NC) {
          const nc = Math.min(NC, E - jc);
          for (let pc = 0; pc < P; pc += kcMax) {
            const kc = Math.min(kcMax, P - pc);
            packBGather(X, xBase, positions, pc, kc, elements, jc, nc, Pk, aLen);
            for (let ic = 0; ic < coutG; ic += MC) {
              const mc = Math.min(MC, coutG - ic);
              packA(gradOutput, yOff + ic * P + pc, P, 1, mc, kc, Pk, 0);
              macroKernel(Pk, 0, aLen, mc, nc, kc, 1, gw, wOff + ic * E + jc, E, 1);
            }
          }
        }
      }
    }
    return gw;
  }
  const Pk = scratchF64(ScratchSlot.PackA, packedLength(mcMax, kcMax));
  for (let n = 0; n < g.batch; n++) {
    for (let gr = 0; gr < g.groups; gr++) {
      const xBase = (n * g.inChannels + gr * cinG) * planeP;
      const yOff = (n * g.outChannels + gr * coutG) * P;
      const wOff = gr * coutG * E;
      for (let pc = 0; pc < P; pc += kcMax) {
        const kc = Math.min(kcMax, P - pc);
        for (let ic = 0; ic < coutG; ic += MC) {
          const mc = Math.min(MC, coutG - ic);
          packA(gradOutput, yOff + ic * P + pc, P, 1, mc, kc, Pk, 0);
          for (let e = 0; e < E; e += 4) {
            const nr = Math.min(4, E - e);
            const b0 = xBase + elements[e];
            const b1 = nr > 1 ? xBase + elements[e + 1] : b0;
            const b2 = nr > 2 ? xBase + elements[e + 2] : b0;
            const b3 = nr > 3 ? xBase + elements[e + 3] : b0;
            for (let i = 0; i < mc; i += 4) {
              const mr = Math.min(4, mc - i);
              const c0 = wOff + (ic + i) * E + e;
              if (mr > 2) microKernelGather(kc, Pk, i * kc, X, positions, pc, b0, b1, b2, b3, gw, c0, E, 1, mr, nr);
              else microKernelGather2(kc, Pk, i * kc, X, positions, pc, b0, b1, b2, b3, gw, c0, E, 1, mr, nr);
            }
          }
        }
      }
    }
  }
  return gw;
}

/** Gradient of the convolution with respect to its bias: `[C_out]`, the sum of `gradOutput` over N, H, W. */
export function conv2dBackwardBias<A extends FloatArray>(g: Conv2dGeometry, gradOutput: A, gradBias?: A): A {
  const P = g.outH * g.outW;
  checkLength("conv2d", "grad_output", gradOutput, g.batch * g.outChannels * P);
  const gb = destination("conv2d", "grad_bias", gradBias, g.outChannels, floatArrayType(gradOutput));
  for (let c = 0; c < g.outChannels; c++) {
    // Four running sums in double (one chain of dependent adds would wait on each add's latency).
    let s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    for (let n = 0; n < g.batch; n++) {
      const o = (n * g.outChannels + c) * P;
      const end = o + P;
      let p = o;
      for (; p + 4 <= end; p += 4) {
        s0 += gradOutput[p]!;
        s1 += gradOutput[p + 1]!;
        s2 += gradOutput[p + 2]!;
        s3 += gradOutput[p + 3]!;
      }
      for (; p < end; p++) s0 += gradOutput[p]!;
    }
    gb[c] = (s0 + s1) + (s2 + s3);
  }
  return gb;
}
