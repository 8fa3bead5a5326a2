/**
 * Recurrent layers: `nn.RNN` (tanh or relu), `nn.LSTM` and `nn.GRU`, with
 * PyTorch's weight layout (`weight_ih_l0` is `[gates·hidden, input]`, gates in
 * PyTorch's order: LSTM i, f, g, o; GRU r, z, n; `_reverse` for the backward
 * direction) and its init (every parameter uniform in ±1/sqrt(hidden_size),
 * drawn in registration order), so seeded weights equal PyTorch's. Layers,
 * bidirectional, dropout between layers, `batch_first`, initial states,
 * unbatched 2-D input and packed sequences (`nn.utils.rnn.pack_padded_sequence`).
 *
 * The input is `[seq, batch, feature]` unless `batch_first` is set; the
 * error for a wrong feature size names what it got and what `input_size` is.
 *
 * @example
 * const lstm = new nn.LSTM(10, 20, { num_layers: 2, batch_first: true });
 * const [out, [h, c]] = lstm(torch.randn(3, 5, 10));   // out [3, 5, 20], h and c [2, 3, 20]
 */
import { requiredByKeyword } from "./args.js";
import { ArgumentError, ShapeError } from "../errors.js";
import { type ArgsOf, Bool, DTypeT, Float, Int, Str, arg, kwarg, oneOf, optional, signature } from "../ops/signature.js";
import { empty, tensor, zeros } from "../tensor/creation.js";
import { type DTypeLike, bool as boolDType, toDType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { stack, cat } from "../ops/join.js";
import { dropout } from "./functional/dropout.js";
import { linear } from "./functional/linear.js";
import { uniform_ } from "./init.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { pyFloat, pyValue } from "./python-style.js";
import { warn } from "../warnings.js";
import { PackedSequence, packSorted, unpackSorted } from "./packed-sequence.js";
import { type OpSpec, spec } from "../shape/descriptor.js";
import { rnn as rnnFamily } from "../shape/families/sequence.js";

type Mode = "RNN_TANH" | "RNN_RELU" | "LSTM" | "GRU";
const GATES: Record<Mode, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

const LAYERS = [arg("num_layers", Int, 1)] as const;
const COMMON = [
  arg("bias", Bool, true), arg("batch_first", Bool, false), arg("dropout", Float, 0), arg("bidirectional", Bool, false),
  kwarg("proj_size", Int, 0), kwarg("device", optional(Str), null), kwarg("dtype", optional(DTypeT), null),
] as const;

export const RNN_INIT = signature("RNN.__init__", [...LAYERS, arg("nonlinearity", oneOf("tanh", "relu"), "tanh"), ...COMMON], 3);
export const LSTM_INIT = signature("LSTM.__init__", [...LAYERS, ...COMMON], 3);
export const GRU_INIT = signature("GRU.__init__", [...LAYERS, ...COMMON], 3);

/** Options of the recurrent layers. */
export interface RNNBaseOptions {
  num_layers?: number;
  bias?: boolean;
  batch_first?: boolean;
  dropout?: number;
  bidirectional?: boolean;
  dtype?: DTypeLike;
}

/** What RNN, LSTM and GRU share (PyTorch's `RNNBase`). */
export abstract class RNNBase extends Module {
  declare mode: Mode;
  declare input_size: number;
  declare hidden_size: number;
  declare num_layers: number;
  declare bias: boolean;
  declare batch_first: boolean;
  declare dropout: number;
  declare bidirectional: boolean;
  declare nonlinearity: "tanh" | "relu";
  /** LSTM only: the size `h` is projected to (0: no projection). */
  declare proj_size: number;
  declare _flat_weights_names: string[];

  protected init(mode: Mode, input_size: number, hidden_size: number, o: {
    num_layers: number; bias: boolean; batch_first: boolean; dropout: number; bidirectional: boolean; proj_size: number; dtype: DTypeLike | null;
  }): void {
    const name = mode.startsWith("RNN") ? "RNN" : mode;
    if (!Number.isInteger(hidden_size) || hidden_size <= 0) throw new ArgumentError("hidden_size must be greater than zero", "hidden_size", "ValueError");
    if (!Number.isInteger(o.num_layers) || o.num_layers <= 0) throw new ArgumentError("num_layers must be greater than zero", "num_layers", "ValueError");
    if (o.dropout < 0 || o.dropout > 1) {
      throw new ArgumentError("dropout should be a number in range [0, 1] representing the probability of an element being zeroed", "dropout", "ValueError");
    }
    if (o.proj_size < 0) throw new ArgumentError("proj_size should be a positive integer or zero to disable projections", "proj_size", "ValueError");
    if (o.proj_size >= hidden_size) throw new ArgumentError("proj_size has to be smaller than hidden_size", "proj_size", "ValueError");
    if (o.proj_size > 0 && name !== "LSTM") {
      throw new ArgumentError("proj_size argument is only supported for LSTM, not RNN or GRU", "proj_size", "ValueError");
    }
    this.mode = mode;
    this.input_size = input_size;
    this.hidden_size = hidden_size;
    this.num_layers = o.num_layers;
    this.bias = o.bias;
    this.batch_first = o.batch_first;
    this.dropout = o.dropout;
    this.bidirectional = o.bidirectional;
    this.proj_size = o.proj_size;
    if (o.dropout > 0 && o.num_layers === 1) {
      warn(`dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects num_layers greater than 1, but got dropout=${pyFloat(o.dropout)} and num_layers=1`);
    }
    const dtype = toDType(o.dtype ?? null);
    const gate = GATES[mode] * hidden_size;
    const dirs = o.bidirectional ? 2 : 1;
    this._flat_weights_names = [];
    for (let layer = 0; layer < o.num_layers; layer++) {
      for (let d = 0; d < dirs; d++) {
        const inSize = layer === 0 ? input_size : this.outSize * dirs;
        const suffix = `_l${layer}${d === 1 ? "_reverse" : ""}`;
        const params: [string, number[]][] = [[`weight_ih${suffix}`, [gate, inSize]], [`weight_hh${suffix}`, [gate, this.outSize]]];
        if (o.bias) params.push([`bias_ih${suffix}`, [gate]], [`bias_hh${suffix}`, [gate]]);
        if (o.proj_size > 0) params.push([`weight_hr${suffix}`, [o.proj_size, hidden_size]]);
        for (const [n, shape] of params) {
          this.register_parameter(n, new Parameter(empty(shape, { dtype })));
          this._flat_weights_names.push(n);
        }
      }
    }
    this.reset_parameters();
  }

  /** Every weight and bias uniform in ±1/sqrt(hidden_size), in registration order (PyTorch's). */
  reset_parameters(): void {
    const stdv = this.hidden_size > 0 ? 1 / Math.sqrt(this.hidden_size) : 0;
    for (const p of this.parameters()) uniform_(p, -stdv, stdv);
  }

  /** The size of `h` and of each direction's output: `proj_size` when projecting, else `hidden_size`. */
  private get outSize(): number {
    return this.proj_size > 0 ? this.proj_size : this.hidden_size;
  }

  private get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  private param(name: string): Tensor | null {
    return (this._parameters.get(name) as Tensor | null | undefined) ?? null;
  }

  /** PyTorch's `check_input` and `check_hidden_size`, with the sizes in the message. */
  protected checkInput(input: Tensor, batchSizes: boolean): void {
    const expectedDim = batchSizes ? 2 : 3;
    if (!batchSizes && input.ndim !== 2 && input.ndim !== 3) {
      throw new ShapeError(`${this._get_name()}: Expected input to be 2D or 3D, got ${input.ndim}D instead`,
        { op: this._get_name(), shapes: { input: input.shape }, expected: { ndim: 3 }, got: { ndim: input.ndim } });
    }
    if (batchSizes && input.ndim !== expectedDim) {
      throw new ShapeError(`input must have ${expectedDim} dimensions, got ${input.ndim}`, { op: this._get_name(), shapes: { input: input.shape } });
    }
    const features = input.shape[input.ndim - 1]!;
    if (features !== this.input_size) {
      throw new ShapeError(`input.size(-1) must be equal to input_size. Expected ${this.input_size}, got ${features}`, {
        op: this._get_name(), shapes: { input: input.shape },
        expected: { input_size: this.input_size }, got: { input_size: features },
      });
    }
  }

  protected checkHidden(h: Tensor, expected: number[], which: string): void {
    if (h.ndim !== expected.length || h.shape.some((s, i) => s !== expected[i])) {
      throw new ShapeError(`Expected ${which} size (${expected.join(", ")}), got [${h.shape.join(", ")}]`, {
        op: this._get_name(), shapes: { [which]: h.shape }, expected: { shape: expected.join("x") }, got: { shape: h.shape.join("x") },
      });
    }
  }

  /**
   * Runs every layer and direction on `x` (`[T, B, F]`, sequence first) from
   * the states `h0` (and `c0` for LSTM), `[layers·dirs, B, H]`. With `lengths`
   * (packed input), a sequence stops updating its state after its length.
   */
  protected run(x: Tensor, h0: Tensor, c0: Tensor | null, lengths: number[] | null): [Tensor, Tensor, Tensor | null] {
    const T = x.shape[0]!;
    const B = x.shape[1]!;
    const dirs = this.numDirections;
    const masks = lengths ? [...Array(T).keys()].map((t) => tensor(lengths.map((l) => l > t), { dtype: boolDType }).reshape([B, 1])) : null;
    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    let layerInput = x;
    for (let layer = 0; layer < this.num_layers; layer++) {
      const outs: Tensor[] = [];
      for (let d = 0; d < dirs; d++) {
        const suffix = `_l${layer}${d === 1 ? "_reverse" : ""}`;
        const idx = layer * dirs + d;
        const [out, h, c] = this.direction(layerInput, this.param(`weight_ih${suffix}`)!, this.param(`weight_hh${suffix}`)!,
          this.param(`bias_ih${suffix}`), this.param(`bias_hh${suffix}`), this.param(`weight_hr${suffix}`), h0.select(0, idx),
          c0 ? c0.select(0, idx) : null, d === 1, masks);
        outs.push(out);
        hs.push(h);
        if (c) cs.push(c);
      }
      layerInput = dirs === 1 ? outs[0]! : cat(outs, 2);
      if (this.dropout > 0 && this.training && layer < this.num_layers - 1) layerInput = dropout(layerInput, this.dropout, true);
    }
    return [layerInput, stack(hs, 0), c0 ? stack(cs, 0) : null];
  }

  private direction(x: Tensor, wih: Tensor, whh: Tensor, bih: Tensor | null, bhh: Tensor | null, whr: Tensor | null, h0: Tensor, c0: Tensor | null,
    reverse: boolean, masks: Tensor[] | null): [Tensor, Tensor, Tensor | null] {
    const T = x.shape[0]!;
    const xw = linear(x, wih, bih);     // all time steps' input projections at once: [T, B, gates·H]
    let h = h0;
    let c = c0;
    const outs: Tensor[] = new Array<Tensor>(T);
    for (let s = 0; s < T; s++) {
      const t = reverse ? T - 1 - s : s;
      const gx = xw.select(0, t);
      const gh = linear(h, whh, bhh);
      let hNew: Tensor;
      let cNew: Tensor | null = null;
      if (this.mode === "LSTM") {
        const [i, f, g, o] = gx.add(gh).chunk(4, 1) as [Tensor, Tensor, Tensor, Tensor];
        cNew = f.sigmoid().mul(c!).add(i.sigmoid().mul(g.tanh()));
        hNew = o.sigmoid().mul(cNew.tanh());
        if (whr) hNew = linear(hNew, whr);
      } else if (this.mode === "GRU") {
        const [xr, xz, xn] = gx.chunk(3, 1) as [Tensor, Tensor, Tensor];
        const [hr, hz, hn] = gh.chunk(3, 1) as [Tensor, Tensor, Tensor];
        const r = xr.add(hr).sigmoid();
        const z = xz.add(hz).sigmoid();
        const n = xn.add(r.mul(hn)).tanh();
        hNew = n.add(z.mul(h.sub(n)));
      } else {
        const pre = gx.add(gh);
        hNew = this.mode === "RNN_TANH" ? pre.tanh() : pre.relu();
      }
      if (masks) {
        const m = masks[t]!;
        hNew = hNew.where(m, h);
        if (cNew) cNew = cNew.where(m, c!);
        outs[t] = hNew.where(m, zeros([1], { dtype: hNew.dtype }));
      } else {
        outs[t] = hNew;
      }
      h = hNew;
      c = cNew;
    }
    return [stack(outs, 0), h, c];
  }

  /** Shared forward: layout, unbatched input, packed input, default states. */
  protected forwardImpl(input: Tensor | PackedSequence, hx: Tensor | [Tensor, Tensor] | null | undefined): [Tensor | PackedSequence, Tensor, Tensor | null] {
    const isLSTM = this.mode === "LSTM";
    let x: Tensor;
    let lengths: number[] | null = null;
    let packed: PackedSequence | null = null;
    let batched = true;
    if (input instanceof PackedSequence) {
      packed = input;
      this.checkInput(input.data, true);
      const [padded, lens] = unpackSorted(input, 0);
      x = padded;
      lengths = lens;
    } else {
      this.checkInput(input, false);
      batched = input.ndim === 3;
      x = batched ? (this.batch_first ? input.transpose(0, 1) : input) : input.unsqueeze(1);
    }
    const B = x.shape[1]!;
    const expected = [this.num_layers * this.numDirections, B, this.outSize];
    const expectedCell = [this.num_layers * this.numDirections, B, this.hidden_size];
    let h0: Tensor;
    let c0: Tensor | null = null;
    if (hx === null || hx === undefined) {
      h0 = zeros(expected, { dtype: x.dtype });
      if (isLSTM) c0 = zeros(expectedCell, { dtype: x.dtype });
    } else {
      const states = Array.isArray(hx) ? hx : [hx];
      if (isLSTM && states.length !== 2) throw new ArgumentError("LSTM: expected hx to be a tuple (h_0, c_0)", "hx", "TypeError");
      let [h, c] = states as [Tensor, Tensor | undefined];
      if (!batched) {
        if (h.ndim !== 2) throw new ShapeError(`For unbatched 2-D input, hx should also be 2-D but got ${h.ndim}-D tensor`, { op: this._get_name(), shapes: { hx: h.shape } });
        h = h.unsqueeze(1);
        c = c?.unsqueeze(1);
      }
      if (packed) {
        h = h.index_select(1, packed.sorted_indices!);
        c = c?.index_select(1, packed.sorted_indices!);
      }
      this.checkHidden(h, expected, isLSTM ? "hidden[0]" : "hidden");
      if (c) this.checkHidden(c, expectedCell, "hidden[1]");
      h0 = h;
      c0 = c ?? null;
    }
    let [out, hn, cn] = this.run(x, h0, c0, lengths);
    if (packed) {
      const re = packSorted(out, packed);
      if (packed.unsorted_indices) {
        hn = hn.index_select(1, packed.unsorted_indices);
        cn = cn ? cn.index_select(1, packed.unsorted_indices) : null;
      }
      return [re, hn, cn];
    }
    if (!batched) return [out.squeeze(1), hn.squeeze(1), cn ? cn.squeeze(1) : null];
    if (this.batch_first) out = out.transpose(0, 1);
    return [out, hn, cn];
  }

  override extra_repr(): string {
    let s = `${this.input_size}, ${this.hidden_size}`;
    if (this.proj_size !== 0) s += `, proj_size=${this.proj_size}`;
    if (this.num_layers !== 1) s += `, num_layers=${this.num_layers}`;
    if (!this.bias) s += `, bias=${pyValue(this.bias)}`;
    if (this.batch_first) s += `, batch_first=${pyValue(this.batch_first)}`;
    if (this.dropout !== 0) s += `, dropout=${pyFloat(this.dropout)}`;
    if (this.bidirectional) s += `, bidirectional=${pyValue(this.bidirectional)}`;
    return s;
  }

  override op_spec(): OpSpec {
    return spec(rnnFamily, {
      mode: this.mode, input_size: this.input_size, hidden_size: this.hidden_size, batch_first: this.batch_first, bidirectional: this.bidirectional,
    });
  }
}

/**
 * Parses an RNN constructor's arguments; a non-bool `bias` or `batch_first` is PyTorch's own
 * `TypeError: bias should be of type bool, got: int` (RNNBase checks them itself).
 */
function parseInit<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    const m = e instanceof ArgumentError ? /argument '(bias|batch_first)' must be bool, not (\w+)/.exec(e.message) : null;
    if (m) throw new ArgumentError(`${m[1]} should be of type bool, got: ${m[2]}`, m[1]!, "TypeError");
    throw e;
  }
}

/**
 * Elman RNN: `h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh)` (or relu).
 *
 * @example
 * const rnn = new nn.RNN(10, 20, 2);
 * const [out, h] = rnn(torch.randn(5, 3, 10));   // out [5, 3, 20], h [2, 3, 20]
 */
export class RNN extends RNNBase {
  constructor(input_size: number, hidden_size: number, ...args: ArgsOf<typeof RNN_INIT>) {
    super();
    [input_size, hidden_size, ...args] = requiredByKeyword("RNN", ["input_size", "hidden_size"], [input_size, hidden_size, ...args]) as [number, number, ...typeof args];
    const o = parseInit(() => RNN_INIT.parse(args));
    this.init(o.nonlinearity === "relu" ? "RNN_RELU" : "RNN_TANH", input_size, hidden_size, o);
  }

  override forward(input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
  override forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor];
  override forward(input: Tensor | PackedSequence, hx?: Tensor | null): [Tensor | PackedSequence, Tensor] {
    const [out, h] = this.forwardImpl(input, hx);
    return [out, h];
  }
}

/**
 * Long short-term memory: gates i, f, g, o; returns the output and `[h_n, c_n]`.
 *
 * @example
 * const lstm = new nn.LSTM(8, 16, { batch_first: true });
 * const [out, [h, c]] = lstm(torch.randn(4, 12, 8));   // out [4, 12, 16]; h, c [1, 4, 16]
 */
export class LSTM extends RNNBase {
  constructor(input_size: number, hidden_size: number, ...args: ArgsOf<typeof LSTM_INIT>) {
    super();
    [input_size, hidden_size, ...args] = requiredByKeyword("LSTM", ["input_size", "hidden_size"], [input_size, hidden_size, ...args]) as [number, number, ...typeof args];
    this.init("LSTM", input_size, hidden_size, parseInit(() => LSTM_INIT.parse(args)));
  }

  override forward(input: PackedSequence, hx?: [Tensor, Tensor] | null): [PackedSequence, [Tensor, Tensor]];
  override forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]];
  override forward(input: Tensor | PackedSequence, hx?: [Tensor, Tensor] | null): [Tensor | PackedSequence, [Tensor, Tensor]] {
    const [out, h, c] = this.forwardImpl(input, hx);
    return [out, [h, c!]];
  }
}

/**
 * Gated recurrent unit: gates r, z, n.
 *
 * @example
 * const gru = new nn.GRU(8, 16, { bidirectional: true });
 * const [out, h] = gru(torch.randn(12, 4, 8));   // out [12, 4, 32], h [2, 4, 16]
 */
export class GRU extends RNNBase {
  constructor(input_size: number, hidden_size: number, ...args: ArgsOf<typeof GRU_INIT>) {
    super();
    [input_size, hidden_size, ...args] = requiredByKeyword("GRU", ["input_size", "hidden_size"], [input_size, hidden_size, ...args]) as [number, number, ...typeof args];
    this.init("GRU", input_size, hidden_size, parseInit(() => GRU_INIT.parse(args)));
  }

  override forward(input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
  override forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor];
  override forward(input: Tensor | PackedSequence, hx?: Tensor | null): [Tensor | PackedSequence, Tensor] {
    const [out, h] = this.forwardImpl(input, hx);
    return [out, h];
  }
}
