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

/** A node of the shape cache of `Size.frozen`: children by the next dimension, the Size ending here. */
interface ShapeNode {
  next: Map<number, ShapeNode>;
  size: Size | null;
}
/** How many dimensions (nodes) the shape cache holds at most. */
const SHAPE_CACHE_LIMIT = 4096;
let shapeRoot: ShapeNode = { next: new Map(), size: null };
let shapeNodes = 0;

export class Size extends Array<number> {
  /** Builds a Size from any list of dimensions. */
  static of_(dims: Iterable<number>): Size {
    const s = new Size();
    for (const d of dims) s.push(d);
    return s;
  }

  /**
   * A frozen Size of `dims`, shared with every other caller asking for the same dimensions (Sizes
   * are immutable, so tensors can share them): a tensor's shape costs a few map lookups instead of
   * building and freezing an array subclass (about 40 ns against 360 ns). Up to `SHAPE_CACHE_LIMIT`
   * distinct shapes are kept; past that the cache starts again.
   */
  static frozen(dims: readonly number[]): Size {
    let node = shapeRoot;
    for (let i = 0; i < dims.length; i++) {
      const d = dims[i]!;
      let next = node.next.get(d);
      if (next === undefined) {
        if (++shapeNodes > SHAPE_CACHE_LIMIT) {
          shapeRoot = { next: new Map(), size: null };
          shapeNodes = 0;
          return Object.freeze(Size.of_(dims));
        }
        next = { next: new Map(), size: null };
        node.next.set(d, next);
      }
      node = next;
    }
    return node.size ??= Object.freeze(Size.of_(dims));
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
