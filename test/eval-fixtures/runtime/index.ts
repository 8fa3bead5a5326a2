/**
 * A stand-in for the tsorch runtime with the same shape of exports (a `torch` namespace object,
 * a `Tensor` class, an `nn` namespace with module classes, a `print` function), so evaluator
 * tests do not depend on the real runtime's progress.
 */

export class Tensor {
  constructor(
    readonly data: number[],
    readonly shape: number[],
  ) {}

  /** The number of elements. */
  numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** Returns a tensor with the same data viewed with another shape. */
  view(...shape: number[]): Tensor {
    return new Tensor(this.data, shape);
  }
}

export class ShapeError extends Error {
  constructor(message: string) {
    super(message);
    Object.defineProperty(this, "name", { value: "RuntimeError" });
  }
}

function zeros(...shape: number[]): Tensor {
  return new Tensor(new Array(shape.reduce((a, b) => a * b, 1)).fill(0), shape);
}

/** Tensor creation functions, as in PyTorch. */
export const torch = {
  /** Returns a tensor filled with zeros. */
  zeros,
  ones(...shape: number[]): Tensor {
    return new Tensor(new Array(shape.reduce((a, b) => a * b, 1)).fill(1), shape);
  },
  Tensor,
};

export namespace nn {
  export class Module {
    forward(x: Tensor): Tensor {
      return x;
    }
  }

  export class Linear extends Module {
    constructor(
      readonly inFeatures: number,
      readonly outFeatures: number,
    ) {
      super();
    }

    override forward(x: Tensor): Tensor {
      const last = x.shape[x.shape.length - 1];
      if (last !== this.inFeatures) {
        throw new ShapeError(`mat1 and mat2 shapes cannot be multiplied (1x${last} and ${this.inFeatures}x${this.outFeatures})`);
      }
      return zeros(1, this.outFeatures);
    }
  }
}

export function print(...values: unknown[]): void {
  console.log(...values);
}
