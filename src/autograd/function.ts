/**
 * `torch.autograd.Function`: custom ops with a hand-written backward.
 *
 * Subclass it with a static `forward(ctx, ...args)` and a static
 * `backward(ctx, ...gradOutputs)`, then call `MyFn.apply(...args)`. `forward`
 * runs with grad mode off; its outputs get one node, named
 * `<ClassName>Backward` as in PyTorch, whose `next_functions` are the edges of
 * the tensor arguments. `backward` receives one gradient per output and
 * returns one per argument (null/undefined for arguments that are not tensors
 * or need no gradient). The engine runs that node like any other, so hooks,
 * `retain_graph`, `torch.autograd.grad` and `create_graph` (double backward,
 * when `backward` is written with differentiable ops) all work through it.
 *
 * @example
 * class Exp extends torch.autograd.Function {
 *   static forward(ctx: torch.autograd.FunctionCtx, x: Tensor): Tensor {
 *     const y = x.exp();
 *     ctx.save_for_backward(y);
 *     return y;
 *   }
 *   static backward(ctx: torch.autograd.FunctionCtx, gradOut: Tensor): Tensor {
 *     const [y] = ctx.saved_tensors;
 *     return gradOut.mul(y!);
 *   }
 * }
 * const x = torch.tensor([0.5, 2]).requires_grad_();
 * const y = Exp.apply(x);     // y.grad_fn.name === "ExpBackward"
 * y.sum().backward();         // x.grad: tensor([1.6487, 7.3891])
 * torch.autograd.gradcheck((t: Tensor) => Exp.apply(t), [torch.randn(3, { dtype: torch.float64 }).requires_grad_()]);  // true
 */
import { AutogradError, TsorchError, fmtShape } from "../errors.js";
import { type DType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { no_grad, is_grad_enabled } from "./grad-mode.js";
import { type BackwardFn, GradFn, edgeOf } from "./graph.js";
import { rebaseHistory } from "../ops/inplace.js";

/** PyTorch's text when saved tensors are read after backward freed them (the engine raises the same). */
const FREED_MESSAGE =
  "Trying to backward through the graph a second time (or directly access saved tensors after they have already " +
  "been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). " +
  "Specify retain_graph=True if you need to backward through the graph a second time or if you need to access " +
  "saved tensors after calling backward.";

/** Errors thrown by users' backward methods (gradcheck tells them from failures inside built-in nodes). */
const customBackwardErrors = new WeakSet<object>();

/** @internal True when `e` was thrown by the `backward` of a custom function. */
export function thrownByCustomBackward(e: unknown): boolean {
  return typeof e === "object" && e !== null && customBackwardErrors.has(e);
}

/** What `backward` may return: one gradient, or one per `forward` argument. */
export type GradResult = Tensor | null | undefined | readonly (Tensor | null | undefined)[];

/**
 * The `ctx` both static methods receive: it carries what `forward` leaves
 * for `backward`. Besides the methods below, any attribute may be set on it
 * (`ctx.k = 3` in forward, read back in backward), as in Python.
 */
export class FunctionCtx {
  // Python lets any attribute be set on ctx; so does this signature.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [attribute: string]: any;

  /** One flag per `forward` argument: true for a tensor that requires grad. */
  needs_input_grad: readonly boolean[] = [];

  /** @internal Tensors given to `save_for_backward` (null entries are kept, as Python keeps None). */
  _toSave: (Tensor | null)[] = [];
  /** @internal Tensors marked by `mark_dirty`. */
  _dirty: Tensor[] = [];
  /** @internal Tensors marked by `mark_non_differentiable`. */
  _nonDifferentiable: Tensor[] = [];
  /** @internal Whether missing output gradients reach `backward` as zeros (default) or as null. */
  _materializeGrads = true;
  /** @internal The node once `apply` recorded one (to tell when its saved tensors were freed). */
  _node: GradFn | null = null;

  /**
   * Saves tensors for `backward`, where `saved_tensors` gives them back.
   * Changing one in place before backward raises PyTorch's
   * "modified by an inplace operation" error when backward runs.
   */
  save_for_backward(...tensors: (Tensor | null | undefined)[]): void {
    tensors.forEach((t, i) => {
      if (t !== null && t !== undefined && !(t instanceof Tensor)) {
        throw new TsorchError(`save_for_backward can only save variables, but argument ${i} is of type ${pyTypeName(t)}`, "TypeError");
      }
    });
    this._toSave = tensors.map((t) => t ?? null);
  }

  /** The tensors `save_for_backward` saved, in order. */
  get saved_tensors(): (Tensor | null)[] {
    if (this._node?.released) throw new AutogradError(FREED_MESSAGE);
    return [...this._toSave];
  }

  /** Marks inputs that `forward` modified in place; each must also be returned as an output. */
  mark_dirty(...tensors: Tensor[]): void {
    this._dirty = tensors;
  }

  /** Marks outputs that get no gradient (indices, masks): they do not require grad; backward still gets zeros for them. */
  mark_non_differentiable(...tensors: Tensor[]): void {
    this._nonDifferentiable = tensors;
  }

  /** With `false`, gradients of outputs that received none reach `backward` as null instead of zeros. */
  set_materialize_grads(value: boolean): void {
    this._materializeGrads = value;
  }
}

/** Python's type name of a value, for messages (`int`, `str`, ...). */
function pyTypeName(v: unknown): string {
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "string") return "str";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return "list";
  return typeof v;
}

/** The static side a custom function provides. */
interface FunctionClass {
  readonly name: string;
  forward(ctx: FunctionCtx, ...args: never[]): unknown;
  backward(ctx: FunctionCtx, ...grads: (Tensor | null)[]): GradResult;
}

/** The arguments of `forward` after `ctx`. */
type ApplyArgs<F> = F extends (ctx: FunctionCtx, ...args: infer A) => unknown ? A : never;

/**
 * Base class of custom autograd functions. Subclasses define static
 * `forward` and `backward` and are used through `apply`; instances are never
 * needed.
 *
 * @example
 * class MulConst extends torch.autograd.Function {
 *   static forward(ctx: torch.autograd.FunctionCtx, x: Tensor, k: number): Tensor { ctx.k = k; return x.mul(k); }
 *   static backward(ctx: torch.autograd.FunctionCtx, g: Tensor) { return [g.mul(ctx.k), null]; }
 * }
 * const x = torch.randn(4).requires_grad_();
 * MulConst.apply(x, 3).sum().backward();   // x.grad: tensor([3., 3., 3., 3.])
 *
 * // Several outputs: forward returns an array, backward takes one gradient per output.
 * // ctx.mark_non_differentiable(t) for outputs such as indices; ctx.mark_dirty(x) when forward
 * // modified x in place (and returns it); ctx.set_materialize_grads(false) to get null, not
 * // zeros, for outputs that received no gradient.
 */
export class Function {
  // `forward` and `backward` are not declared here: a subclass defines them as new members, so
  // it needs no `override` under `noImplicitOverride`, and `apply` is typed from its `forward`.
  // A subclass without them fails at run time with PyTorch's NotImplementedError.

  /**
   * Runs `forward` and records the function in the graph when grad mode is
   * on and a tensor argument requires grad.
   */
  static apply<F extends FunctionClass>(this: F, ...args: ApplyArgs<F["forward"]>): ReturnType<F["forward"]> {
    return applyFunction(this, args as unknown[]) as ReturnType<F["forward"]>;
  }
}

/** What the node remembers of one output: enough to make a zero gradient for it. */
interface OutputMeta {
  shape: readonly number[];
  dtype: DType;
}

function applyFunction(cls: FunctionClass, args: unknown[]): unknown {
  const ctx = new FunctionCtx();
  ctx.needs_input_grad = args.map((a) => a instanceof Tensor && a.requires_grad);
  const tensorArgs = args.filter((a): a is Tensor => a instanceof Tensor);
  const executable = is_grad_enabled() && tensorArgs.some((t) => t.requires_grad);
  // Edges are taken before forward: an input modified in place gets a new history afterwards.
  const edges = executable ? tensorArgs.map(edgeOf) : [];

  if (typeof cls.forward !== "function") {
    throw new TsorchError("You must implement the forward function for custom autograd.Function.", "NotImplementedError");
  }
  const raw = no_grad(() => (cls.forward as (ctx: FunctionCtx, ...a: unknown[]) => unknown)(ctx, ...args));
  const isTuple = Array.isArray(raw);
  const outputs: unknown[] = isTuple ? [...raw] : [raw];
  for (const d of ctx._dirty) {
    if (!outputs.includes(d)) {
      throw new AutogradError("Some elements marked as dirty during the forward method were not returned as output. The inputs that are modified inplace must all be outputs of the Function.");
    }
  }

  if (!executable) {
    // Nothing to record; an input returned unchanged still comes back as a new tensor (a view), as in PyTorch.
    const wrapped = outputs.map((o) => (o instanceof Tensor && args.includes(o) && !ctx._dirty.includes(o) ? aliasOf(o) : o));
    return isTuple ? wrapped : wrapped[0];
  }

  const name = `${cls.name}Backward`;
  const metas: (OutputMeta | null)[] = outputs.map((o) => (o instanceof Tensor ? { shape: [...o.shape], dtype: o.dtype } : null));
  const backwardFn = makeBackward(cls, ctx, name, args, tensorArgs, metas);
  const dirtyView = ctx._dirty.find((d) => d._base !== null);
  if (dirtyView) return applyToDirtyView(ctx, name, dirtyView, outputs, tensorArgs, backwardFn, isTuple);

  const node = new FunctionNode(name, edges, backwardFn, outputs.length, ctx);
  ctx._node = node;
  const wrapped = outputs.map((o, i) => {
    if (!(o instanceof Tensor)) return o;
    if (ctx._nonDifferentiable.includes(o) || !o.dtype.is_floating_point) return o;
    if (ctx._dirty.includes(o)) {
      if (o.is_leaf && o.requires_grad) throw new AutogradError("a leaf Variable that requires grad has been used in an in-place operation.");
      o._setGradFn(node, i);
      return o;
    }
    const out = args.includes(o) ? aliasOf(o) : o;
    out._setGradFn(node, i);
    return out;
  });
  saveTensors(ctx, node, wrapped);
  return isTuple ? wrapped : wrapped[0];
}

/**
 * The node of a custom function. Freeing it (backward without
 * `retain_graph`) drops the saved tensors but keeps `backward` callable, as
 * PyTorch does: a second backward fails only if `backward` reads
 * `ctx.saved_tensors`.
 */
class FunctionNode extends GradFn {
  constructor(name: string, edges: ReadonlyArray<readonly [GradFn | null, number]>, fn: BackwardFn, numOutputs: number, private readonly ctx: FunctionCtx) {
    super(name, edges, fn, numOutputs);
  }

  override get runsWithoutGradients(): boolean {
    return true;
  }

  override release(): void {
    const fn = this.backwardFn;
    super.release();
    this.backwardFn = fn;
    this.ctx._toSave = [];
  }
}

/** A new tensor over the same elements (PyTorch returns an input given back by forward as a view of it). */
function aliasOf(t: Tensor): Tensor {
  return t._view(t.shape, t._strides, t._offset);
}

/** Registers the saved tensors with the node, so that in-place changes before backward are caught. */
function saveTensors(ctx: FunctionCtx, node: GradFn, outputs: readonly unknown[]): void {
  for (const t of ctx._toSave) if (t) node.saveForBackward(t, outputs.includes(t) ? "output" : "input");
}

/**
 * A view modified in place: its base's history absorbs the function through
 * `CopySlices` (the view gets `AsStridedBackward0`), as for built-in
 * in-place ops. Supported when the view is the function's only output.
 */
function applyToDirtyView(
  ctx: FunctionCtx, name: string, view: Tensor, outputs: unknown[], tensorArgs: Tensor[], backwardFn: BackwardFn, isTuple: boolean,
): unknown {
  const base = view._base!;
  if (base.is_leaf && base.requires_grad) {
    throw new AutogradError("a view of a leaf Variable that requires grad is being used in an in-place operation.");
  }
  const k = tensorArgs.indexOf(view);
  if (outputs.length !== 1 || k < 0) {
    throw new TsorchError(`${name}: an input view marked dirty is only supported when it is the function's only output`, "NotImplementedError");
  }
  // rebaseHistory takes the written tensor first; the function's own order is restored around the call.
  const order = [k, ...tensorArgs.map((_, i) => i).filter((i) => i !== k)];
  const node = rebaseHistory(view, name, order.map((i) => tensorArgs[i]!), (grads) => {
    const res = backwardFn(grads);
    return order.map((i) => res[i] ?? null);
  });
  ctx._node = node;
  if (node) saveTensors(ctx, node, outputs);
  return isTuple ? [view] : view;
}

/** The node's closure: calls the user's backward and checks what it returns, as PyTorch's engine does. */
function makeBackward(
  cls: FunctionClass, ctx: FunctionCtx, name: string, args: readonly unknown[], tensorArgs: readonly Tensor[], metas: readonly (OutputMeta | null)[],
): BackwardFn {
  // Only what the checks need is kept: shapes and dtypes, and which arguments were tensors that required grad.
  const isTensorArg = args.map((a) => a instanceof Tensor);
  const inputMetas = tensorArgs.map((t) => ({ shape: [...t.shape], dtype: t.dtype, requiresGrad: t.requires_grad }));
  return (gradOutputs) => {
    const grads = metas.map((m, i) => {
      const g = gradOutputs[i] ?? null;
      if (g !== null || m === null || !ctx._materializeGrads) return g;
      return Tensor._fromData(new m.dtype.ArrayType(m.shape.reduce((a, b) => a * b, 1)), m.shape, m.dtype);
    });
    let result: GradResult;
    try {
      if (typeof cls.backward !== "function") {
        throw new TsorchError("You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.", "NotImplementedError");
      }
      result = cls.backward(ctx, ...grads);
    } catch (e) {
      if (typeof e === "object" && e !== null) customBackwardErrors.add(e);
      throw e;
    }
    const list: unknown[] = Array.isArray(result) ? [...result] : [result];
    if (list.length > args.length && list.slice(args.length).every((g) => g === null || g === undefined)) {
      list.length = args.length;
    }
    if (list.length !== args.length) {
      throw new AutogradError(`function ${name} returned an incorrect number of gradients (expected ${args.length}, got ${list.length})`);
    }
    const out: (Tensor | null)[] = [];
    list.forEach((g, i) => {
      if (g !== null && g !== undefined && !(g instanceof Tensor)) {
        throw new AutogradError(`expected Variable or None (got ${pyTypeName(g)})`);
      }
      if (!isTensorArg[i]) {
        if (g) throw new AutogradError(`function ${name} returned a gradient different than None at position ${i + 1}, but the corresponding forward input was not a Variable`);
        return;
      }
      const j = out.length;
      const meta = inputMetas[j]!;
      out.push(g && meta.requiresGrad ? validGradient(g, meta, name, j) : null);
    });
    return out;
  };
}

/**
 * PyTorch's `validate_outputs`: a gradient whose shape differs from its
 * input's is summed down when the input's shape broadcasts to it, refused
 * otherwise; a gradient of another dtype is converted to the input's.
 */
function validGradient(g: Tensor, meta: { shape: readonly number[]; dtype: DType }, name: string, index: number): Tensor {
  if (!g.shape.equals(meta.shape)) {
    if (!expandableTo(meta.shape, g.shape)) {
      throw new AutogradError(`Function ${name} returned an invalid gradient at index ${index} - got ${fmtShape(g.shape)} but expected shape compatible with ${fmtShape(meta.shape)}`);
    }
    g = sumTo(g, meta.shape);
  }
  return g.dtype === meta.dtype ? g : g.to(meta.dtype);
}

/** True when `shape` broadcasts to `target` (PyTorch's `is_expandable_to`). */
function expandableTo(shape: readonly number[], target: readonly number[]): boolean {
  if (shape.length > target.length) return false;
  const lead = target.length - shape.length;
  return shape.every((s, i) => s === target[lead + i] || s === 1);
}

/** Sums a broadcast gradient back to `shape` with differentiable ops (so double backward sees the reduction). */
function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  const summed = dims.length > 0 ? g.sum(dims, true) : g;
  return summed.reshape([...shape]);
}
