/**
 * `TensorDataset`: samples are the rows (first dimension) of one or more
 * tensors of the same length, e.g. inputs and their labels.
 *
 * @example
 * const x = torch.randn(100, 1, 32, 32);
 * const y = torch.randint(0, 10, [100]);
 * const ds = new TensorDataset(x, y);
 * ds.length;                   // 100
 * const [xi, yi] = ds.getitem(0); // xi: [1, 32, 32] view of x, yi: 0-d int64
 */
import { ArgumentError, TsorchError } from "../../errors.js";
import { Tensor } from "../../tensor/tensor.js";
import { Dataset } from "./dataset.js";

export class TensorDataset<T extends Tensor[] = Tensor[]> extends Dataset<T> {
  /** The wrapped tensors, as given. */
  readonly tensors: Readonly<T>;

  constructor(...tensors: T) {
    super();
    if (tensors.length === 0) throw new ArgumentError("TensorDataset needs at least one tensor", "tensors", "IndexError");
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) {
        throw new ArgumentError(`TensorDataset(): argument ${i} must be a Tensor, not ${t === null ? "null" : typeof t}`, "tensors", "TypeError");
      }
      if (t.ndim === 0) throw new ArgumentError(`TensorDataset(): tensor ${i} is 0-d; samples are taken along dimension 0`, "tensors", "IndexError");
    });
    const n = tensors[0]!.shape[0]!;
    const bad = tensors.findIndex((t) => t.shape[0] !== n);
    if (bad >= 0) {
      // PyTorch's text (an assert), then the sizes that differ.
      throw new TsorchError(
        `Size mismatch between tensors: tensor 0 has ${n} rows but tensor ${bad} has ${tensors[bad]!.shape[0]}`,
        "AssertionError",
      );
    }
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }

  /** Row `index` of every tensor (views, not copies). */
  getitem(index: number): T {
    return this.tensors.map((t) => t.select(0, index)) as T;
  }
}
