/**
 * A generated corpus of random networks for the explanation's "sizes that
 * work": random depth; convolutions and poolings with random kernel, stride,
 * padding (incl. "same"), dilation and ceil_mode; adaptive pools; branches
 * joined by `cat`; residual adds; `F.interpolate`; subclassed layers; custom
 * modules calling `F.*`; `ModuleList` and `ModuleDict` loops; parts of a dim
 * (`narrow` and `split` parts joined again by `cat`, `narrow` crops); heads that flatten (nn.Flatten,
 * `torch.flatten`, `x.view(x.size(0), -1)`, a literal `x.view(-1, n)`) into a
 * Linear sized at a design input, or pool adaptively, or average globally.
 *
 * A net is a JSON description (`NetSpec`), so that the same nets can be built
 * in PyTorch (test/fixtures/gen_shape_corpus.py reads shape_corpus_nets.json).
 *
 * @example
 * const spec = corpusSpecs(300, 1)[0]!;
 * const net = buildNet(spec);
 * runsAt(net, spec, 32, 32)     // true when a real (shape-only) run succeeds and keeps the batch
 */
import { F, type Tensor, nn, torch } from "../src/index.js";
import { setFlightRecorder } from "../src/trace/flight-recorder.js";
import { rng } from "./rng.js";

export type ConvSpec = { kind: "conv"; out: number; k: number; s: number; p: number | "same"; d: number; sub: boolean };
export type LayerSpec =
  | ConvSpec
  | { kind: "pool"; type: "max" | "avg"; k: number; s: number; p: number; d: number; ceil: boolean; fn: boolean }
  | { kind: "adaptive"; type: "max" | "avg"; size: [number, number] }
  | { kind: "residual"; k: number; d: number; broken: boolean }
  | { kind: "updown" }
  | { kind: "branch"; a: ConvSpec; b: ConvSpec }
  | { kind: "fblock"; out: number; k: number; s: number; p: number }
  | { kind: "interp"; scale: number }
  | { kind: "list"; n: number; k: number }
  | { kind: "dict"; k: number }
  | { kind: "halves"; n: number }
  | { kind: "crop"; n: number }
  | { kind: "relu" };

export type HeadSpec =
  | { kind: "linear"; via: "Flatten" | "flatten" | "view-batch" | "view-literal"; features: number; out: number }
  | { kind: "adaptive"; size: number; out: number }
  | { kind: "gap"; out: number };

export interface NetSpec {
  readonly id: number;
  readonly channels: number;
  readonly batch: number;
  readonly layers: LayerSpec[];
  readonly head: HeadSpec;
  /** An input size (H, W) at which the net fails. */
  readonly failing: [number, number];
}

// ---------------------------------------------------------------- building

class MyConv extends nn.Conv2d {}
class MyMaxPool extends nn.MaxPool2d {}

function conv(c: number, s: ConvSpec): nn.Conv2d {
  const Cls = s.sub ? MyConv : nn.Conv2d;
  return new Cls(c, s.out, s.k, { stride: s.s, padding: s.p, dilation: s.d });
}

/** `x + relu(conv(x))`; a broken one loses its padding (or strides), so the add meets two sizes. */
class ResidualBlock extends nn.Module {
  conv: nn.Conv2d;
  constructor(c: number, k: number, d: number, broken: boolean) {
    super();
    this.conv = new nn.Conv2d(c, c, k, { padding: broken ? 0 : (d * (k - 1)) / 2, dilation: d });
  }
  override forward(x: Tensor): Tensor {
    return x.add(F.relu(this.conv(x)));
  }
}

/** `x + upsample(pool(x))`: the branch gets back to H only when H is even. */
class UpDown extends nn.Module {
  override forward(x: Tensor): Tensor {
    return x.add(F.interpolate(F.max_pool2d(x, 2), { scale_factor: 2, mode: "nearest" }));
  }
}

/** Two convolutions of the same input joined along the channels. */
class Branch extends nn.Module {
  a: nn.Conv2d;
  b: nn.Conv2d;
  constructor(c: number, a: ConvSpec, b: ConvSpec) {
    super();
    this.a = conv(c, a);
    this.b = conv(c, b);
  }
  override forward(x: Tensor): Tensor {
    return torch.cat([this.a(x), this.b(x)], 1);
  }
}

/** A module of one's own: its parameters and `F.*` calls, no op_spec(). */
class FBlock extends nn.Module {
  weight: nn.Parameter;
  bias: nn.Parameter;
  constructor(c: number, readonly spec: { out: number; k: number; s: number; p: number }) {
    super();
    this.weight = new nn.Parameter(torch.randn(spec.out, c, spec.k, spec.k).mul(0.1));
    this.bias = new nn.Parameter(torch.zeros(spec.out));
  }
  override forward(x: Tensor): Tensor {
    return F.relu(F.conv2d(x, this.weight, this.bias, this.spec.s, this.spec.p));
  }
}

/** A `ModuleList` looped over in forward. */
class Stack extends nn.Module {
  convs: nn.ModuleList;
  constructor(c: number, n: number, k: number) {
    super();
    this.convs = new nn.ModuleList(Array.from({ length: n }, () => new nn.Conv2d(c, c, k, { padding: "same" })));
  }
  override forward(x: Tensor): Tensor {
    for (const m of this.convs) x = F.relu((m as nn.Conv2d)(x));
    return x;
  }
}

/** A `ModuleDict` looped over in forward (two same-padded convolutions by name). */
class Named extends nn.Module {
  blocks: nn.ModuleDict;
  constructor(c: number, k: number) {
    super();
    this.blocks = new nn.ModuleDict({ first: new nn.Conv2d(c, c, k, { padding: "same" }), second: new nn.Conv2d(c, c, k, { padding: "same" }) });
  }
  override forward(x: Tensor): Tensor {
    for (const m of this.blocks.values()) x = F.relu((m as nn.Conv2d)(x));
    return x;
  }
}

/**
 * Two n-wide parts of W (`narrow`, then `split` of the 2n columns) side by side in the channels: W must
 * hold 2n columns. (A `chunk` whose piece count changes with W changes the network's structure; the
 * explanation models the pieces of the recorded run.)
 */
class Halves extends nn.Module {
  constructor(readonly n: number) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return torch.cat(x.narrow(3, 0, 2 * this.n).split(this.n, 3), 1);
  }
}

/** The top-left n×n corner (`narrow` twice): the map must have at least n rows and columns. */
class Crop extends nn.Module {
  constructor(readonly n: number) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return x.narrow(2, 0, this.n).narrow(3, 0, this.n);
  }
}

class Interp extends nn.Module {
  constructor(readonly scale: number) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return F.interpolate(x, { scale_factor: this.scale, mode: "nearest" });
  }
}

class FPool extends nn.Module {
  constructor(readonly s: Extract<LayerSpec, { kind: "pool" }>) {
    super();
  }
  override forward(x: Tensor): Tensor {
    const o = { stride: this.s.s, padding: this.s.p, ceil_mode: this.s.ceil };
    return this.s.type === "max" ? F.max_pool2d(x, this.s.k, { ...o, dilation: this.s.d }) : F.avg_pool2d(x, this.s.k, o);
  }
}

/** The body's layers and the channel count after each. */
function buildLayers(spec: { channels: number; layers: readonly LayerSpec[] }): { modules: nn.Module[]; channels: number } {
  let c = spec.channels;
  const modules: nn.Module[] = [];
  for (const l of spec.layers) {
    switch (l.kind) {
      case "conv":
        modules.push(conv(c, l));
        c = l.out;
        break;
      case "pool":
        if (l.fn) modules.push(new FPool(l));
        else if (l.type === "max") modules.push(new (l.d === 1 ? MyMaxPool : nn.MaxPool2d)(l.k, { stride: l.s, padding: l.p, dilation: l.d, ceil_mode: l.ceil }));
        else modules.push(new nn.AvgPool2d(l.k, { stride: l.s, padding: l.p, ceil_mode: l.ceil }));
        break;
      case "adaptive":
        modules.push(l.type === "max" ? new nn.AdaptiveMaxPool2d(l.size) : new nn.AdaptiveAvgPool2d(l.size));
        break;
      case "residual":
        modules.push(new ResidualBlock(c, l.k, l.d, l.broken));
        break;
      case "updown":
        modules.push(new UpDown());
        break;
      case "branch":
        modules.push(new Branch(c, l.a, l.b));
        c = l.a.out + l.b.out;
        break;
      case "fblock":
        modules.push(new FBlock(c, l));
        c = l.out;
        break;
      case "interp":
        modules.push(new Interp(l.scale));
        break;
      case "list":
        modules.push(new Stack(c, l.n, l.k));
        break;
      case "dict":
        modules.push(new Named(c, l.k));
        break;
      case "halves":
        modules.push(new Halves(l.n));
        c *= 2;
        break;
      case "crop":
        modules.push(new Crop(l.n));
        break;
      case "relu":
        modules.push(new nn.ReLU());
        break;
    }
  }
  return { modules, channels: c };
}

/** The whole net: `features` (a Sequential of the body) and the head, in a module of its own. */
class CorpusNet extends nn.Module {
  features: nn.Sequential;
  pool: nn.Module | null;
  fc: nn.Linear;
  constructor(readonly spec: Omit<NetSpec, "failing">) {
    super();
    const { modules, channels } = buildLayers(spec);
    this.features = new nn.Sequential(...modules);
    const h = spec.head;
    this.pool = h.kind === "adaptive" ? new nn.AdaptiveAvgPool2d(h.size) : null;
    const inF = h.kind === "linear" ? h.features : h.kind === "adaptive" ? channels * h.size * h.size : channels;
    this.fc = new nn.Linear(inF, h.out);
  }
  override forward(x: Tensor): Tensor {
    x = this.features(x);
    const h = this.spec.head;
    if (h.kind === "gap") return this.fc(x.mean([2, 3]));
    if (this.pool) return this.fc(torch.flatten(this.pool(x), 1));
    if (h.kind === "linear") {
      if (h.via === "Flatten") x = new nn.Flatten()(x);
      else if (h.via === "flatten") x = torch.flatten(x, 1);
      else if (h.via === "view-batch") x = x.view(x.size(0), -1);
      else x = x.view(-1, h.features);
    }
    return this.fc(x);
  }
}

export function buildNet(spec: Omit<NetSpec, "failing">): nn.Module {
  return new CorpusNet(spec);
}

/** A real run at H×W (shape-only: meta tensors; the flight recorder off): "works" when it keeps the batch. */
export function runAt(net: nn.Module, spec: { channels: number; batch: number }, h: number, w: number): "works" | "mixes" | "throws" {
  const was = setFlightRecorder(false);
  try {
    const out = (net as unknown as (x: Tensor) => Tensor)(torch.empty([spec.batch, spec.channels, h, w], { device: "meta" }));
    return out.shape[0] === spec.batch ? "works" : "mixes";
  } catch {
    return "throws";
  } finally {
    setFlightRecorder(was);
  }
}

/** Whether a real run at H×W succeeds and keeps the batch. */
export function runsAt(net: nn.Module, spec: { channels: number; batch: number }, h: number, w: number): boolean {
  return runAt(net, spec, h, w) === "works";
}

/** Every corpus net: 300 random ones, 60 whose joins agree only at some sizes, 40 with ModuleDict loops and parts of dims. */
export function allCorpusSpecs(): NetSpec[] {
  return [
    ...corpusSpecs(300, 20261207),
    ...corpusSpecs(60, 7, { joins: true }).map((s) => ({ ...s, id: 1000 + s.id })),
    ...corpusSpecs(40, 11, { parts: true }).map((s) => ({ ...s, id: 2000 + s.id })),
  ];
}

// ---------------------------------------------------------------- generating

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function int(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

function convSpec(r: () => number, out: number): ConvSpec {
  const k = pick(r, [1, 2, 3, 3, 3, 5, 7]);
  const s = pick(r, [1, 1, 1, 2, 3]);
  const d = r() < 0.2 ? 2 : 1;
  const p: number | "same" = s === 1 && r() < 0.25 ? "same" : int(r, 0, Math.floor((k * d) / 2));
  return { kind: "conv", out, k, s, p, d, sub: r() < 0.2 };
}

function layerSpec(r: () => number, c: number): LayerSpec {
  const u = r();
  if (u < 0.34) return convSpec(r, int(r, 2, 8));
  if (u < 0.58) {
    const k = pick(r, [2, 2, 3, 3, 4]);
    const type = r() < 0.7 ? "max" : "avg";
    return {
      kind: "pool", type, k, s: r() < 0.6 ? k : int(r, 1, k), p: int(r, 0, Math.floor(k / 2)),
      d: type === "max" && r() < 0.15 ? 2 : 1, ceil: r() < 0.3, fn: r() < 0.3,
    };
  }
  if (u < 0.63) return { kind: "adaptive", type: r() < 0.5 ? "max" : "avg", size: [int(r, 2, 8), int(r, 2, 8)] };
  if (u < 0.72) return { kind: "residual", k: pick(r, [1, 3, 5]), d: r() < 0.2 ? 2 : 1, broken: r() < 0.12 };
  if (u < 0.8) {
    const a = convSpec(r, int(r, 2, 4));
    // Usually the same output size (same kernel reach, same stride), sometimes not.
    const b: ConvSpec = r() < 0.8
      ? { ...a, out: int(r, 2, 4), sub: r() < 0.3 }
      : { ...convSpec(r, int(r, 2, 4)) };
    void c;
    return { kind: "branch", a, b };
  }
  if (u < 0.87) {
    const k = pick(r, [1, 3, 5]);
    return { kind: "fblock", out: int(r, 2, 8), k, s: pick(r, [1, 1, 2]), p: int(r, 0, Math.floor(k / 2)) };
  }
  if (u < 0.91) return { kind: "interp", scale: pick(r, [2, 0.5, 3]) };
  if (u < 0.96) return { kind: "list", n: int(r, 1, 3), k: pick(r, [3, 5]) };
  return { kind: "relu" };
}

/** Layers whose joins (`cat`, `+`) agree only at some sizes: strided branches of different kernels, pool-then-upsample shortcuts. */
function joinSpec(r: () => number): LayerSpec {
  const u = r();
  if (u < 0.35) {
    const a: ConvSpec = { kind: "conv", out: int(r, 2, 4), k: 3, s: 2, p: 1, d: 1, sub: false };
    return { kind: "branch", a, b: { kind: "conv", out: int(r, 2, 4), k: pick(r, [1, 2]), s: 2, p: 0, d: 1, sub: r() < 0.5 } };
  }
  if (u < 0.6) return { kind: "updown" };
  return layerSpec(r, 1);
}

/** Loops over a ModuleDict, and parts of a dim (split parts joined by cat, narrow crops), among the usual layers. */
function partSpec(r: () => number): LayerSpec {
  const u = r();
  if (u < 0.2) return { kind: "dict", k: pick(r, [3, 5]) };
  if (u < 0.4) return { kind: "halves", n: int(r, 2, 12) };
  if (u < 0.55) return { kind: "crop", n: int(r, 4, 24) };
  return layerSpec(r, 1);
}

function headSpec(r: () => number): HeadSpec {
  const u = r();
  const out = int(r, 2, 10);
  if (u < 0.7) return { kind: "linear", via: pick(r, ["Flatten", "flatten", "view-batch", "view-literal"] as const), features: 0, out };
  if (u < 0.85) return { kind: "adaptive", size: int(r, 1, 3), out };
  return { kind: "gap", out };
}

/** The element count per sample after the body at H×W, or null when the body fails there. */
function featuresAt(spec: Omit<NetSpec, "failing">, h: number, w: number): number | null {
  const was = setFlightRecorder(false);
  try {
    const body = new nn.Sequential(...buildLayers(spec).modules);
    const out = (body as unknown as (x: Tensor) => Tensor)(torch.empty([spec.batch, spec.channels, h, w], { device: "meta" }));
    return out.shape.slice(1).reduce((a, b) => a * b, 1);
  } catch {
    return null;
  } finally {
    setFlightRecorder(was);
  }
}

/**
 * `count` nets from `seed`: each runs at a design size and fails at the recorded `failing` size.
 * With `joins`, most layers are joins that agree only at some sizes (the failures are `cat` and `+`);
 * with `parts`, many are ModuleDict loops, chunk halves and narrow crops.
 */
export function corpusSpecs(count: number, seed: number, options: { joins?: boolean; parts?: boolean } = {}): NetSpec[] {
  const r = rng(seed);
  const out: NetSpec[] = [];
  torch.manual_seed(seed);
  for (let tries = 0; out.length < count && tries < count * 50; tries++) {
    const channels = pick(r, [1, 3]);
    const layers = Array.from({ length: int(r, 1, 7) }, () => (options.joins ? joinSpec(r) : options.parts ? partSpec(r) : layerSpec(r, channels)));
    const head = headSpec(r);
    const design: [number, number] = r() < 0.7 ? [int(r, 8, 48), 0] : [int(r, 8, 48), int(r, 8, 48)];
    if (design[1] === 0) design[1] = design[0];
    const base = { id: out.length, channels, batch: pick(r, [1, 2]), layers, head };
    const f = featuresAt(base, design[0], design[1]);
    if (f === null || f > 20000) continue;
    if (head.kind === "linear") head.features = f;
    // A literal view that no input reaches, now and then: no input size fixes it.
    if (head.kind === "linear" && head.via === "view-literal" && r() < 0.05) head.features = f + 1;
    const net = buildNet(base);
    if (!runsAt(net, base, design[0], design[1]) && !(head.kind === "linear" && head.features === f + 1)) continue;
    // An input that fails: random sizes up to 160, square or not.
    let failing: [number, number] | null = null;
    for (let i = 0; i < 40 && failing === null; i++) {
      const hh = int(r, 1, 160);
      const ww = r() < 0.6 ? hh : int(r, 1, 160);
      if (runAt(net, base, hh, ww) === "throws") failing = [hh, ww];
    }
    if (failing === null) continue;
    out.push({ ...base, failing });
  }
  return out;
}
