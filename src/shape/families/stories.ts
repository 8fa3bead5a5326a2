/**
 * Story parts more than one family tells: an input that shrank below what a
 * window needs (conv and pooling), and where a size came from.
 */
import type { FailureContext, Params, Story } from "../descriptor.js";

/** The smallest size `x` for which `size(x) ≥ 1` (searched; the rules are monotone). */
export function smallestInput(size: (x: number) => number, limit = 1 << 16): number {
  let x = 1;
  while (x < limit && size(x) < 1) x++;
  return x;
}

/**
 * The input shrank below a window: `pool (max_pool2d 2×2) needs an input of at least 2×2, got 1×1`,
 * with where it shrank and fixes (a size that works, padding, fewer poolings).
 */
export function tooSmallStory<P extends Params>(f: FailureContext<P>, label: string, need: readonly number[], isConv: boolean): Story {
  const row = f.row;
  const inShape = row.inputs[0]?.shape ?? [];
  // One size per spatial axis (`need` has as many): 28×28, or a length.
  const got = inShape.slice(inShape.length - need.length).join("×");
  const name = f.who(row);
  const headline = `${name} (${label}) needs an input of at least ${need.join("×")}, got ${got}`;
  const x = f.inputShape;
  const details = [`the input (${x.join(", ")}) shrinks to ${got} by the time it reaches ${name}`];
  const fixes: string[] = [];
  const resize = f.resizeFix();
  if (resize) fixes.push(resize);
  fixes.push(isConv ? `pad ${name} (padding=k//2 keeps H and W) or the convolutions before it` : "pad the convolutions before it (padding=k//2 keeps H and W)",
    "or remove a pooling layer (or pool with ceil_mode=True)");
  return { headline, details, fixes };
}

/**
 * Where dim `d` of the failing step's first input comes from, with its formula:
 * `dim 3 of (1, 4, 18, 18) = W−2 = 18, from conv(1, 4, 3)`, then the definitions of the functions it names.
 */
export function dimDetails<P extends Params>(f: FailureContext<P>, d: number): string[] {
  const row = f.row;
  const shape = row.inputs[0]?.shape ?? [];
  const src = f.origin(row.inputs[0]?.id ?? -1);
  const sym = f.symInputs?.[0]?.[d];
  const formula = sym !== undefined && !sym.isConst;
  return [`dim ${d} of (${shape.join(", ")}) = ${formula ? `${f.show(sym)} = ` : ""}${shape[d]}${src ? `, from ${f.call(src)}` : " (the input)"}`,
    ...(formula ? f.definitions() : [])];
}

/** The fixes of a size that no longer fits: resizing the input (when some size works), then `other`. */
export function sizeFixes<P extends Params>(f: FailureContext<P>, ...other: string[]): string[] {
  const resize = f.resizeFix();
  return resize ? [resize, ...other] : other;
}
