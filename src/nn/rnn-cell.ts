/**
 * One step of a recurrent layer: `nn.RNNCell`, `nn.LSTMCell`, `nn.GRUCell`, with PyTorch's parameters
 * (`weight_ih` `[gates·hidden, input]`, `weight_hh` `[gates·hidden, hidden]`, `bias_ih`, `bias_hh`),
 * init (every parameter uniform in ±1/sqrt(hidden_size), in registration order, so seeded weights
 * match), inputs `[N, input_size]` or unbatched `[input_size]`, a zero state when none is given, and
 * ATen's checks and messages.
 *
 * @example
 * const cell = new nn.LSTMCell(10, 20);
 * let [h, c] = cell(torch.randn(3, 10));            // h, c: [3, 20]
 * [h, c] = cell(torch.randn(3, 10), [h, c]);
 */
import { ArgumentError, ShapeError } from "../errors.js";
import { empty, zeros } from "../tensor/creation.js";
import { type DTypeLike, toDType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { parseArgs, requiredByKeyword } from "./args.js";
import { linear } from "./functional/linear.js";
import { uniform_ } from "./init.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";

/** Keyword arguments of the cells. */
export interface RNNCellOptions {
  /** Learn `bias_ih` and `bias_hh` (default true). */
  bias?: boolean;
  /** RNNCell only: "tanh" (default) or "relu". */
  nonlinearity?: "tanh" | "relu";
  device?: string | null;
  dtype?: DTypeLike | null;
}

/** PyTorch's `RNNCellBase`: the parameters, their init and the input checks the three cells share. */
export abstract class RNNCellBase extends Module {
  declare input_size: number;
  declare hidden_size: number;
  declare bias: boolean;
  declare weight_ih: Parameter;
  declare weight_hh: Parameter;
  declare bias_ih: Parameter | null;
  declare bias_hh: Parameter | null;

  protected _setup(input_size: number, hidden_size: number, bias: unknown, gates: number, dtype: DTypeLike | null): void {
    this.input_size = input_size;
    this.hidden_size = hidden_size;
    // Python tests the flag for truth (`if bias:`).
    this.bias = Boolean(bias);
    const dt = toDType(dtype);
    this.weight_ih = new Parameter(empty([gates * hidden_size, input_size], { dtype: dt }));
    this.weight_hh = new Parameter(empty([gates * hidden_size, hidden_size], { dtype: dt }));
    if (this.bias) {
      this.bias_ih = new Parameter(empty([gates * hidden_size], { dtype: dt }));
      this.bias_hh = new Parameter(empty([gates * hidden_size], { dtype: dt }));
    } else {
      this.register_parameter("bias_ih", null);
      this.register_parameter("bias_hh", null);
    }
    this.reset_parameters();
  }

  /** Every parameter uniform in ±1/sqrt(hidden_size), in registration order (PyTorch's). */
  reset_parameters(): void {
    const stdv = this.hidden_size > 0 ? 1 / Math.sqrt(this.hidden_size) : 0;
    for (const p of this.parameters()) uniform_(p, -stdv, stdv);
  }

  override extra_repr(): string {
    return `${this.input_size}, ${this.hidden_size}${this.bias ? "" : ", bias=False"}`;
  }

  /** `[N, I]` (or `[I]`, then batched as one) and a state `[N, H]` (zeros when absent): ATen's checks. */
  protected _inputs(name: string, input: Tensor, hx: Tensor | null, label: string): [Tensor, Tensor | null, boolean] {
    if (input.ndim !== 1 && input.ndim !== 2) {
      throw new ArgumentError(`${name}: Expected input to be 1D or 2D, got ${input.ndim}D instead`, "input", "ValueError");
    }
    if (hx && hx.ndim !== 1 && hx.ndim !== 2) {
      throw new ArgumentError(`${name}: Expected ${label} to be 1D or 2D, got ${hx.ndim}D instead`, "hx", "ValueError");
    }
    const batched = input.ndim === 2;
    const x = batched ? input : input.unsqueeze(0);
    if (x.shape[1] !== this.input_size) {
      throw new ShapeError(`input has inconsistent input_size: got ${x.shape[1]} expected ${this.input_size}`,
        { op: name, shapes: { input: input.shape }, expected: { input_size: this.input_size }, got: { input_size: x.shape[1]! } });
    }
    return [x, hx === null ? null : batched ? hx : hx.unsqueeze(0), batched];
  }

  /** ATen's `check_rnn_cell_forward_hidden`: the state's batch and size. */
  protected _checkHidden(x: Tensor, h: Tensor, label: number): void {
    if (h.shape[0] !== x.shape[0]) {
      throw new ShapeError(`Input batch size ${x.shape[0]} doesn't match hidden${label} batch size ${h.shape[0]}`,
        { op: "rnn_cell", shapes: { input: x.shape, hx: h.shape }, expected: { batch: x.shape[0]! }, got: { batch: h.shape[0]! } });
    }
    if (h.shape[1] !== this.hidden_size) {
      throw new ShapeError(`hidden${label} has inconsistent hidden_size: got ${h.shape[1]}, expected ${this.hidden_size}`,
        { op: "rnn_cell", shapes: { hx: h.shape }, expected: { hidden_size: this.hidden_size }, got: { hidden_size: h.shape[1]! } });
    }
  }

  protected _zeros(x: Tensor): Tensor {
    return zeros([x.shape[0]!, this.hidden_size], { dtype: x.dtype });
  }

  /** The gates' pre-activations of the input and of the state: `x W_ihᵀ + b_ih`, `h W_hhᵀ + b_hh`. */
  protected _gates(x: Tensor, h: Tensor): [Tensor, Tensor] {
    return [linear(x, this.weight_ih, this.bias_ih), linear(h, this.weight_hh, this.bias_hh)];
  }
}

function cellArgs(cls: string, input_size: number, hidden_size: number, args: unknown[], names: string[]): [number, number, RNNCellOptions] {
  const [i, h, ...rest] = requiredByKeyword(cls, ["input_size", "hidden_size"], [input_size, hidden_size, ...args]) as [number, number, ...unknown[]];
  return [i, h, parseArgs<RNNCellOptions>(`${cls}.__init__`, names, rest, ["device", "dtype"])];
}

/**
 * An Elman RNN step: `h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)` (or relu).
 *
 * @example
 * new nn.RNNCell(5, 10, { nonlinearity: "relu" })(torch.randn(3, 5)).shape   // torch.Size([3, 10])
 */
export class RNNCell extends RNNCellBase {
  declare nonlinearity: string;

  constructor(input_size: number, hidden_size: number, ...args: unknown[]) {
    super();
    const [i, h, o] = cellArgs("RNNCell", input_size, hidden_size, args, ["bias", "nonlinearity"]);
    this.nonlinearity = o.nonlinearity ?? "tanh";
    this._setup(i, h, o.bias ?? true, 1, o.dtype ?? null);
  }

  override forward(input: Tensor, hx: Tensor | null = null): Tensor {
    const [x, h0, batched] = this._inputs("RNNCell", input, hx, "hidden");
    const h = h0 ?? this._zeros(x);
    this._checkHidden(x, h, 0);
    const [gx, gh] = this._gates(x, h);
    let out: Tensor;
    if (this.nonlinearity === "tanh") out = gx.add(gh).tanh();
    else if (this.nonlinearity === "relu") out = gx.add(gh).relu();
    else throw new ArgumentError(`Unknown nonlinearity: ${this.nonlinearity}`, "nonlinearity", "RuntimeError");
    return batched ? out : out.squeeze(0);
  }

  override extra_repr(): string {
    return super.extra_repr() + (this.nonlinearity !== "tanh" ? `, nonlinearity=${this.nonlinearity}` : "");
  }
}

/**
 * An LSTM step: gates i, f, g, o; returns `[h', c']`.
 *
 * @example
 * const [h, c] = new nn.LSTMCell(10, 20)(torch.randn(3, 10));
 */
export class LSTMCell extends RNNCellBase {
  constructor(input_size: number, hidden_size: number, ...args: unknown[]) {
    super();
    const [i, h, o] = cellArgs("LSTMCell", input_size, hidden_size, args, ["bias"]);
    this._setup(i, h, o.bias ?? true, 4, o.dtype ?? null);
  }

  override forward(input: Tensor, hx: readonly [Tensor, Tensor] | null = null): [Tensor, Tensor] {
    const [x, h0, batched] = this._inputs("LSTMCell", input, hx ? hx[0] : null, "hx[0]");
    const h = h0 ?? this._zeros(x);
    const c = hx ? (batched ? hx[1] : hx[1].unsqueeze(0)) : this._zeros(x);
    this._checkHidden(x, h, 0);
    this._checkHidden(x, c, 1);
    const [gx, gh] = this._gates(x, h);
    const [ig, fg, gg, og] = gx.add(gh).chunk(4, 1) as [Tensor, Tensor, Tensor, Tensor];
    const cy = fg.sigmoid().mul(c).add(ig.sigmoid().mul(gg.tanh()));
    const hy = og.sigmoid().mul(cy.tanh());
    return batched ? [hy, cy] : [hy.squeeze(0), cy.squeeze(0)];
  }
}

/**
 * A GRU step: gates r, z, n; `h' = (h − n)·z + n`.
 *
 * @example
 * new nn.GRUCell(5, 10)(torch.randn(5)).shape   // torch.Size([10])
 */
export class GRUCell extends RNNCellBase {
  constructor(input_size: number, hidden_size: number, ...args: unknown[]) {
    super();
    const [i, h, o] = cellArgs("GRUCell", input_size, hidden_size, args, ["bias"]);
    this._setup(i, h, o.bias ?? true, 3, o.dtype ?? null);
  }

  override forward(input: Tensor, hx: Tensor | null = null): Tensor {
    const [x, h0, batched] = this._inputs("GRUCell", input, hx, "hidden");
    const h = h0 ?? this._zeros(x);
    this._checkHidden(x, h, 0);
    const [gx, gh] = this._gates(x, h);
    const [xr, xz, xn] = gx.chunk(3, 1) as [Tensor, Tensor, Tensor];
    const [hr, hz, hn] = gh.chunk(3, 1) as [Tensor, Tensor, Tensor];
    const r = xr.add(hr).sigmoid();
    const z = xz.add(hz).sigmoid();
    const n = xn.add(hn.mul(r)).tanh();
    const out = h.sub(n).mul(z).add(n);
    return batched ? out : out.squeeze(0);
  }
}
