/**
 * Module-level parity with PyTorch 1.13.1 over randomly drawn layer
 * configurations (test/fixtures/gen_nn.py): construction-time init (bit for
 * bit), repr, forward output, autograd node names, running statistics, input
 * and parameter gradients (1e-5 relative), and PyTorch's error text for the
 * configurations PyTorch refuses.
 */
import { afterAll, describe, expect, test } from "vitest";
import { manual_seed } from "../src/random/generator.js";
import type { GradFn } from "../src/autograd/graph.js";
import { Tensor } from "../src/tensor/tensor.js";
import { build, expectClose, expectExact, expectPadAccepted, expectPyError, fixture, isPoolPad113, poolPad2x, relError, repr2x, toTensor, values } from "./nn-helpers.js";
import { writeInPlace } from "../src/nn/in-place.js";

type Chain = [string, (Chain | null)[]] | null;

/**
 * PyTorch builds circular padding from slice copies (a tree of CopySlices
 * nodes); tsorch records one CopySlices node. Compare names down to it.
 */
function pruneCopySlices(c: Chain): Chain {
  if (c === null) return null;
  if (c[0] === "CopySlices") return ["CopySlices", []];
  return [c[0], c[1].map(pruneCopySlices)];
}

/** The grad_fn tree of `t` to `depth`, in the fixture's form. */
function chainOf(t: Tensor, depth: number): Chain {
  const rec = (fn: GradFn | null, d: number): Chain => {
    if (fn === null) return null;
    if (d === 0 || fn.name === "AccumulateGrad") return [fn.name, []];
    return [fn.name, fn.next_functions.map(([n]) => rec(n, d - 1))];
  };
  return rec(t.grad_fn, depth);
}

const stats = { configs: 0, forward: 0, errors: 0, constructErrors: 0, backward: 0, maxOut: 0, maxGradIn: 0, maxGradParam: 0 };
const byKind = new Map<string, number>();

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const configs: any[] = fixture.configs;

describe("module configurations against PyTorch", () => {
  test("there are at least 150 configurations", () => {
    expect(configs.length).toBeGreaterThanOrEqual(150);
  });

  for (const [i, c] of configs.entries()) {
    const label = `#${i} ${c.kind}(${JSON.stringify(c.args).slice(1, -1)}${Object.keys(c.kwargs).length ? ", " + JSON.stringify(c.kwargs) : ""}) on [${c.input_shape}]${c.train ? "" : " eval"}`;
    test(label, () => {
      stats.configs++;
      byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + 1);
      manual_seed(c.seed);
      if (c.construct_error) {
        expectPyError(() => build(c.kind, c.args, c.kwargs), c.construct_error);
        stats.constructErrors++;
        return;
      }
      const m = build(c.kind, c.args, c.kwargs);
      expect(String(m)).toBe(repr2x(c.repr));
      // Init: bit for bit, from the same generator state.
      const params = Object.fromEntries(m.named_parameters());
      expect(Object.keys(params)).toEqual(Object.keys(c.params));
      for (const [k, rec] of Object.entries(c.params)) expectExact(params[k]!, rec as never, `param ${k}`);
      const buffers = Object.fromEntries(m.named_buffers());
      expect(Object.keys(buffers)).toEqual(Object.keys(c.buffers));
      for (const [k, rec] of Object.entries(c.buffers)) expectExact(buffers[k]!, rec as never, `buffer ${k}`);
      m.train(c.train);
      if (c.buffers_before_eval) {
        for (const [k, rec] of Object.entries(c.buffers_before_eval)) writeInPlace(buffers[k]!, values(rec as never));
      }
      const x = toTensor(c.input).requires_grad_(true);
      manual_seed(c.forward_seed);
      if (c.error && isPoolPad113(c.error.message)) {
        // Recorded under 1.13; 2.x's pad bound and text win (see poolPad2x).
        const message = poolPad2x(c.args[0], c.kwargs.padding, c.kind.startsWith("AvgPool") ? 1 : c.kwargs.dilation);
        if (message !== null) {
          expectPyError(() => m(x), { ...c.error, message });
          stats.errors++;
          return;
        }
        // 2.x accepts this pad (its outcome is not in this 1.13 fixture; layers.json has 2.x pooling values).
        expectPadAccepted(() => m(x), label);
        return;
      }
      if (c.error) {
        const e = expectPyError(() => m(x), c.error);
        expect(e.modulePath).toBe("");
        stats.errors++;
        return;
      }
      let y = m(x) as Tensor | [Tensor, Tensor];
      if (Array.isArray(y)) {
        expectExact(y[1], c.indices, "indices");
        y = y[0];
      }
      stats.maxOut = Math.max(stats.maxOut, expectClose(y, c.output, 1e-5, "output"));
      stats.forward++;
      expect(pruneCopySlices(chainOf(y, 2))).toEqual(pruneCopySlices(c.grad_fn));
      for (const [k, rec] of Object.entries(c.buffers_after ?? {})) {
        const b = Object.fromEntries(m.named_buffers())[k]!;
        expectClose(b, rec as never, 1e-6, `buffer after ${k}`);
      }
      if (c.grad_output) {
        y.backward(toTensor(c.grad_output));
        // atol 1e-6: over two samples BatchNorm's input gradient is exactly zero in theory, rounding noise in practice.
        expectClose(x.grad!, c.grad_input, 1e-5, "grad input", 1e-6);
        const ref = values(c.grad_input);
        if (ref.some((v) => Math.abs(v) > 1e-5)) stats.maxGradIn = Math.max(stats.maxGradIn, relError(x.grad!.toFlatArray(), ref));
        const ps = Object.fromEntries(m.named_parameters());
        expect(Object.keys(c.grads).sort()).toEqual(Object.keys(ps).filter((k) => ps[k]!.grad !== null).sort());
        for (const [k, rec] of Object.entries(c.grads)) {
          stats.maxGradParam = Math.max(stats.maxGradParam, expectClose(ps[k]!.grad!, rec as never, 1e-5, `grad ${k}`));
        }
        stats.backward++;
      }
    });
  }
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const reprs: any[] = fixture.reprs;


describe("reprs of every module kind", () => {
  for (const r of reprs) {
    test(`${r.kind}(${JSON.stringify(r.args).slice(1, -1)} ${JSON.stringify(r.kwargs)})`, () => {
      expect(String(build(r.kind, r.args, r.kwargs))).toBe(repr2x(r.repr));
    });
  }
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const fns: any[] = fixture.functional;

import * as F from "../src/nn/functional/index.js";
import { flatten } from "../src/tensor/view.js";

/** How each functional fixture calls F (same arguments as gen_nn.py). */
const calls: Record<string, (...xs: Tensor[]) => Tensor | [Tensor, Tensor]> = {
  conv2d_stride_padding: (x, w, b) => F.conv2d(x, w, b, { stride: 2, padding: 1 }),
  conv2d_nobias_tuple: (x, w) => F.conv2d(x, w, null, [1, 2], [2, 0], [2, 1]),
  conv2d_same_even: (x, w) => F.conv2d(x, w, null, { padding: "same" }),
  max_pool2d_int: (x) => F.max_pool2d(x, 2),
  max_pool2d_list_stride: (x) => F.max_pool2d(x, [3, 3], { stride: 2 }),
  max_pool2d_indices: (x) => F.max_pool2d(x, 2, { return_indices: true }),
  max_pool2d_ceil_pad: (x) => F.max_pool2d(x, 3, 2, 1, 1, true),
  avg_pool2d: (x) => F.avg_pool2d(x, 3, 2, 1, false, false),
  adaptive_avg_pool2d_1: (x) => F.adaptive_avg_pool2d(x, 1),
  adaptive_avg_pool2d_4x3: (x) => F.adaptive_avg_pool2d(x, [4, 3]),
  adaptive_max_pool2d_idx: (x) => F.adaptive_max_pool2d(x, 3, true),
  relu: (x) => F.relu(x),
  leaky_relu: (x) => F.leaky_relu(x, 0.1),
  sigmoid: (x) => F.sigmoid(x),
  tanh: (x) => F.tanh(x),
  gelu: (x) => F.gelu(x),
  gelu_tanh: (x) => F.gelu(x, { approximate: "tanh" }),
  softmax_1: (x) => F.softmax(x, { dim: 1 }),
  softmax_0: (x) => F.softmax(x, 0),
  log_softmax_1: (x) => F.log_softmax(x, { dim: 1 }),
  log_softmax_neg: (x) => F.log_softmax(x, -2),
  linear_bias: (x, w, b) => F.linear(x, w, b),
  linear_nobias: (x, w) => F.linear(x, w),
  linear_1d: (x, w, b) => F.linear(x, w, b),
  linear_3d: (x, w, b) => F.linear(x, w, b),
  linear_4d: (x, w, b) => F.linear(x, w, b),
  linear_3d_nobias: (x, w) => F.linear(x, w),
  flatten: (x) => flatten(x, 1),
  pad_constant: (x) => F.pad(x, [1, 2, 0, 1], { value: 0.5 }),
  pad_negative: (x) => F.pad(x, [-1, 2, 1, -2]),
  pad_last_dim: (x) => F.pad(x, [2, 1]),
  pad_reflect: (x) => F.pad(x, [2, 1, 1, 2], { mode: "reflect" }),
  pad_replicate: (x) => F.pad(x, [2, 1, 3, 0], "replicate"),
  pad_circular: (x) => F.pad(x, [2, 1, 1, 2], { mode: "circular" }),
  batch_norm_train: (x, w, b) => F.batch_norm(x, zerosLike(3), onesLike(3), w, b, true, 0.1, 1e-5),
  batch_norm_eval: (x) => F.batch_norm(x, evalMean, evalVar, null, null, false, 0.1, 1e-3),
  dropout_eval: (x) => F.dropout(x, 0.5, false),
};

const zerosLike = (n: number) => Tensor._fromData(new Float32Array(n), [n]);
const onesLike = (n: number) => Tensor._fromData(new Float32Array(n).fill(1), [n]);
// F.batch_norm_eval's running stats: torch.randn(3, generator=seed 5), torch.rand(3, generator=seed 6) + 0.5.
import { Generator } from "../src/random/generator.js";
import { normalFill } from "../src/random/normal.js";
import { uniformFill } from "../src/random/uniform.js";
const evalMean = Tensor._fromData(normalFill(new Float32Array(3), 0, 1, new Generator().manual_seed(5)), [3]);
const evalVar = Tensor._fromData(uniformFill(new Float32Array(3), 0, 1, new Generator().manual_seed(6)).map((v) => Math.fround(v + 0.5)), [3]);

describe("F functions against PyTorch", () => {
  for (const f of fns) {
    test(f.name, () => {
      const call = calls[f.name];
      expect(call, `a call for ${f.name}`).toBeDefined();
      const inputs: Tensor[] = f.inputs.map((r: never) => {
        const t = toTensor(r);
        return t.dtype.is_floating_point ? t.requires_grad_(true) : t;
      });
      let y = call!(...inputs);
      if (Array.isArray(y)) {
        expectExact(y[1], f.indices, "indices");
        y = y[0];
      }
      expectClose(y, f.output, 1e-5, "output");
      expect(pruneCopySlices(chainOf(y, 2))).toEqual(pruneCopySlices(f.grad_fn));
      if (f.grad_output) {
        y.backward(toTensor(f.grad_output));
        f.grads.forEach((g: never, i: number) => {
          if (g !== null) expectClose(inputs[i]!.grad!, g, 1e-5, `grad ${i}`);
        });
      }
    });
  }
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const drops: any[] = fixture.dropout_rng;

import { uniformFloat01 } from "../src/random/uniform.js";
import { defaultGenerator } from "../src/random/generator.js";

describe("dropout in training draws PyTorch's mask from the default generator", () => {
  for (const d of drops) {
    test(`${d.fn} p=${d.p} on [${d.input.shape}]`, () => {
      const x = toTensor(d.input);
      manual_seed(d.seed);
      const y = d.fn === "dropout" ? F.dropout(x, d.p, true) : F.dropout2d(x, d.p, true);
      expectExact(y, d.output, "masked output");
      // The same amount of the stream was consumed: the next torch.rand(1) matches.
      expect(uniformFloat01(defaultGenerator)).toBe(d.next_rand);
    });
  }
});

afterAll(() => {
  const kinds = [...byKind.entries()].map(([k, n]) => `${k}:${n}`).join(" ");
  console.log(
    `nn parity: ${stats.configs} configurations (${kinds}); ${stats.forward} forward, ${stats.backward} backward, ` +
    `${stats.errors} PyTorch errors, ${stats.constructErrors} constructor errors; max relative error ` +
    `output ${stats.maxOut.toExponential(2)}, grad input ${stats.maxGradIn.toExponential(2)}, grad params ${stats.maxGradParam.toExponential(2)}`,
  );
});
