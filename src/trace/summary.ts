/**
 * `summary(net, [1, 1, 32, 32])`: torchinfo's summary, and more — functional
 * ops and views as rows, their arguments, time per row, the tutorial's arrow
 * chain, formulas for named sizes, and the explanation when the forward
 * fails. A size runs shape-only (meta tensors), so it is instant for any
 * input size.
 *
 * Totals follow torchinfo: parameters (total, trainable, non-trainable),
 * mult-adds, and memory — input size, forward/backward pass size (the outputs
 * of layers with parameters, twice: activations and their gradients), params
 * size, estimated total — in megabytes (10^6 bytes).
 *
 * @example
 * summary(net, [1, 1, 32, 32])          // the table, totals, and the arrow chain
 * summary(net, [1, 1, "H", "W"])        // output shapes as formulas of H and W
 * summary(net, torch.randn(1, 1, 32, 32), { keepActivations: true, depth: 1, columns: ["output", "params"] })
 */
import type { Module } from "../nn/module.js";
import { is_lazy } from "../nn/parameter.js";
import type { Tensor } from "../tensor/tensor.js";
import { htmlBlock } from "../render/html.js";
import { TextView } from "../render/text-view.js";
import { type SizeSpec, type Trace, type TraceOptions, trace } from "./trace.js";
import { TRACE_CSS, type TableOptions, traceAnsi, traceTableHtml, traceText } from "./render-trace.js";
import { numel } from "./row.js";

/** Options of {@link summary}: how to run (see `trace`) and what to show. */
export interface SummaryOptions extends TraceOptions, TableOptions {}

/** torchinfo's totals. */
export interface SummaryTotals {
  readonly totalParams: number;
  readonly trainableParams: number;
  readonly nonTrainableParams: number;
  readonly multAdds: number;
  /** Bytes. */
  readonly inputBytes: number;
  readonly forwardBackwardBytes: number;
  readonly paramBytes: number;
  readonly totalBytes: number;
}

/** `(M): 0.42` / `(G): 1.82`: torchinfo's unit and two decimals. */
function macsText(n: number): string {
  if (n >= 1e12) return `(T): ${(n / 1e12).toFixed(2)}`;
  if (n >= 1e9) return `(G): ${(n / 1e9).toFixed(2)}`;
  return `(M): ${(n / 1e6).toFixed(2)}`;
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(2);
}

/** A traced module's torchinfo-style summary. */
export class Summary extends TextView {
  readonly totals: SummaryTotals;

  constructor(readonly trace: Trace, readonly options: TableOptions = {}) {
    super();
    const net = trace.module;
    let total = 0;
    let trainable = 0;
    let paramBytes = 0;
    for (const p of net.parameters()) {
      if (is_lazy(p)) continue;
      total += p.numel();
      if (p.requires_grad) trainable += p.numel();
      paramBytes += p.numel() * p.dtype.itemsize;
    }
    const steps = trace.steps;
    const multAdds = steps.reduce((n, r) => n + r.macs, 0);
    const forwardBackward = steps.filter((r) => r.params > 0 && !r.failed).reduce((n, r) => n + 2 * r.outputBytes, 0);
    const inputBytes = trace.inputs.reduce((n, t) => n + numel(t.shape) * t.itemsize, 0);
    this.totals = {
      totalParams: total, trainableParams: trainable, nonTrainableParams: total - trainable, multAdds,
      inputBytes, forwardBackwardBytes: forwardBackward, paramBytes, totalBytes: inputBytes + forwardBackward + paramBytes,
    };
  }

  /** The totals as torchinfo prints them. */
  totalsLines(): string[] {
    const t = this.totals;
    return [
      `Total params: ${t.totalParams.toLocaleString("en-US")}`,
      `Trainable params: ${t.trainableParams.toLocaleString("en-US")}`,
      `Non-trainable params: ${t.nonTrainableParams.toLocaleString("en-US")}`,
      `Total mult-adds ${macsText(t.multAdds)}`,
      `Input size (MB): ${mb(t.inputBytes)}`,
      `Forward/backward pass size (MB): ${mb(t.forwardBackwardBytes)}`,
      `Params size (MB): ${mb(t.paramBytes)}`,
      `Estimated Total Size (MB): ${mb(t.totalBytes)}`,
    ];
  }

  private tableOptions(): TableOptions {
    return { ...this.options, after: this.totalsLines() };
  }

  /** The arrow chain (see `Trace.chain`). */
  chain(): string {
    return this.trace.chain();
  }

  toText(): string {
    return traceText(this.trace, this.tableOptions());
  }

  toAnsi(): string {
    return traceAnsi(this.trace, this.tableOptions());
  }

  toHtml(): string {
    return htmlBlock(traceTableHtml(this.trace, this.tableOptions()), TRACE_CSS);
  }

}

/**
 * Summarises `net` on an input (a size runs shape-only; strings name symbolic sizes).
 *
 * @example
 * const s = summary(net, [1, 1, 32, 32]);
 * s.totals.totalParams   // 61706
 * s.totals.multAdds      // 423038
 * String(s)              // the table, the totals and the arrow chain
 */
export function summary(net: Module, input: Tensor | readonly Tensor[] | SizeSpec | readonly SizeSpec[], options: SummaryOptions = {}): Summary {
  const { columns, depth, symbolic, explain, chain, maps, ...run } = options;
  const t = trace(net, input, run);
  return new Summary(t, { columns, depth, symbolic, explain, chain, maps });
}
