/**
 * `torch.Size`: a tensor's shape. It is a real array (index it, spread it,
 * `for...of` it, `slice(1)` it) that prints the way PyTorch prints it.
 *
 * @example
 * const s = torch.zeros(1, 6, 28, 28).size();
 * String(s)       // "torch.Size([1, 6, 28, 28])"
 * s[1]            // 6
 * s.slice(1)      // torch.Size([6, 28, 28])
 * s.numel()       // 4704
 */
import { inspect } from "node:util";

export class Size extends Array<number> {
  /** Builds a Size from any list of dimensions. */
  static of_(dims: Iterable<number>): Size {
    const s = new Size();
    for (const d of dims) s.push(d);
    return s;
  }

  /** The number of elements a tensor of this shape holds. */
  numel(): number {
    let n = 1;
    for (let i = 0; i < this.length; i++) n *= this[i]!;
    return n;
  }

  /** Same dimensions, in the same order. */
  equals(other: readonly number[]): boolean {
    if (other.length !== this.length) return false;
    for (let i = 0; i < this.length; i++) if (this[i] !== other[i]) return false;
    return true;
  }

  override toString(): string {
    return `torch.Size([${this.join(", ")}])`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  /** A plain array, for JSON and for APIs that check `Array.prototype`. */
  toJSON(): number[] {
    return Array.from(this);
  }
}
