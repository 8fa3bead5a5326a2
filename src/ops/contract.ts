/**
 * Tensor contractions written with the existing ops (so autograd comes with
 * them): `einsum`, `tensordot`, `kron` and `cdist`. einsum contracts its
 * operands two at a time as batched matrix products, summing out early the
 * indices nothing later needs, and takes repeated indices of one operand
 * (`"ii->i"`) as its diagonal.
 *
 * @example
 * torch.einsum("bij,bjk->bik", a, b)          // batched matmul
 * torch.einsum("ii", m)                        // trace
 * torch.tensordot(a, b, { dims: [[1], [0]] })
 * torch.cdist(x, y)                            // pairwise Euclidean distances
 */
import { ArgumentError, ShapeError } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { type ArgsOf, Float, Int, arg, oneOf, optional, signature, union, type ArgType, NO_MATCH } from "./signature.js";
import { checkTensor } from "./operand.js";
import { norm } from "./reduce.js";

interface Term { t: Tensor; idx: string[] }

/** Takes the diagonal of repeated indices within one operand (`"ii"` → `"i"`). */
function dedupe(term: Term): Term {
  let { t, idx } = term;
  for (;;) {
    const dup = idx.findIndex((c, i) => idx.indexOf(c) !== i);
    if (dup < 0) return { t, idx };
    const first = idx.indexOf(idx[dup]!);
    if (t.shape[first] !== t.shape[dup]) {
      throw new ShapeError(`einsum(): subscript ${idx[dup]} is repeated for operand but the sizes don't match, ${t.shape[dup]} != ${t.shape[first]}`,
        { op: "einsum", shapes: { operand: t.shape } });
    }
    t = t.diagonal(0, first, dup);   // the diagonal goes last
    idx = [...idx.filter((_, i) => i !== first && i !== dup), idx[first]!];
  }
}

/** Sums out the indices of `term` that are not in `keep`. */
function sumOut(term: Term, keep: Set<string>): Term {
  const drop = term.idx.map((c, i) => (keep.has(c) ? -1 : i)).filter((i) => i >= 0);
  if (drop.length === 0) return term;
  return { t: term.t.sum(drop), idx: term.idx.filter((c) => keep.has(c)) };
}

function permuteTo(term: Term, order: string[]): Tensor {
  const perm = order.map((c) => term.idx.indexOf(c));
  return perm.every((p, i) => p === i) ? term.t : term.t.permute(perm);
}

function contractPair(a: Term, b: Term, keep: Set<string>, sizes: Map<string, number>): Term {
  const inB = new Set(b.idx);
  const inA = new Set(a.idx);
  a = sumOut(a, new Set([...keep, ...b.idx]));
  b = sumOut(b, new Set([...keep, ...a.idx]));
  const batch = a.idx.filter((c) => inB.has(c) && keep.has(c));
  const contract = a.idx.filter((c) => inB.has(c) && !keep.has(c));
  const left = a.idx.filter((c) => !inB.has(c));
  const right = b.idx.filter((c) => !inA.has(c));
  const n = (cs: string[]) => cs.reduce((p, c) => p * sizes.get(c)!, 1);
  const A = permuteTo(a, [...batch, ...left, ...contract]).reshape([n(batch), n(left), n(contract)]);
  const B = permuteTo(b, [...batch, ...contract, ...right]).reshape([n(batch), n(contract), n(right)]);
  const out = A.bmm(B).reshape([...batch, ...left, ...right].map((c) => sizes.get(c)!));
  return { t: out, idx: [...batch, ...left, ...right] };
}

/**
 * Einstein summation: `equation` names each operand's dimensions with
 * letters; letters missing from the output (after `->`, or every letter that
 * appears once, alphabetically, without it) are summed over.
 */
export function einsum(equation: string, ...operands: (Tensor | readonly Tensor[])[]): Tensor {
  const ops = operands.length === 1 && Array.isArray(operands[0]) ? [...operands[0]] as Tensor[] : operands as Tensor[];
  ops.forEach((t, i) => checkTensor(t, "einsum", `operands[${i}]`, i + 2));
  const eq = equation.replace(/\s+/g, "");
  if (eq.includes("...")) throw new ArgumentError("einsum(): ellipsis ('...') is not supported yet; name every dimension", "equation", "RuntimeError");
  const [lhs, rhs] = eq.split("->") as [string, string | undefined];
  const specs = lhs.split(",");
  if (specs.length !== ops.length) throw new ArgumentError(`einsum(): more operands were provided than specified in the equation`.replace("more", specs.length < ops.length ? "more" : "fewer"), "operands", "RuntimeError");
  const sizes = new Map<string, number>();
  const terms: Term[] = specs.map((s, i) => {
    const idx = [...s];
    const t = ops[i]!;
    if (idx.some((c) => !/[a-zA-Z]/.test(c))) throw new ArgumentError(`einsum(): invalid subscript given at index ${s.search(/[^a-zA-Z]/)} in the equation string, subscripts must be in [a-zA-Z]`, "equation", "RuntimeError");
    if (idx.length !== t.ndim) {
      throw new ShapeError(`einsum(): the number of subscripts in the equation (${idx.length}) does not match the number of dimensions (${t.ndim}) for operand ${i} and no ellipsis was given`,
        { op: "einsum", shapes: { [`operand ${i}`]: t.shape }, expected: { ndim: idx.length }, got: { ndim: t.ndim } });
    }
    idx.forEach((c, d) => {
      const size = t.shape[d]!;
      const seen = sizes.get(c);
      if (seen !== undefined && seen !== size && seen !== 1 && size !== 1) {
        throw new ShapeError(`einsum(): subscript ${c} has size ${size} for operand ${i} which does not broadcast with previously seen size ${seen}`,
          { op: "einsum", shapes: { [`operand ${i}`]: t.shape }, expected: { [c]: seen }, got: { [c]: size } });
      }
      sizes.set(c, Math.max(seen ?? 1, size));
    });
    return dedupe({ t, idx });
  });
  const counts = new Map<string, number>();
  for (const s of specs) for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  const output = rhs !== undefined ? [...rhs] : [...counts.keys()].filter((c) => counts.get(c) === 1).sort();
  for (const c of output) {
    if (!counts.has(c)) throw new ArgumentError(`einsum(): output subscript ${c} does not appear in the equation for any input operand`, "equation", "RuntimeError");
  }
  // Broadcast size-1 dims up to the size the letter has elsewhere.
  for (const term of terms) {
    const want = term.idx.map((c) => sizes.get(c)!);
    if (want.some((s, d) => s !== term.t.shape[d])) term.t = term.t.expand(want);
  }
  let acc = sumOut(terms[0]!, new Set([...output, ...terms.slice(1).flatMap((t) => t.idx)]));
  for (let i = 1; i < terms.length; i++) {
    const keep = new Set([...output, ...terms.slice(i + 1).flatMap((t) => t.idx)]);
    acc = contractPair(acc, terms[i]!, keep, sizes);
  }
  acc = sumOut(acc, new Set(output));
  const out = permuteTo(acc, output);
  return terms.length === 1 && out === ops[0] ? out.clone() : out;
}

const DIMS_PAIR: ArgType<number | readonly [readonly number[], readonly number[]]> = union(Int, {
  name: "list of two lists of ints",
  read: (v: unknown) => Array.isArray(v) && v.length === 2 && v.every((l) => Array.isArray(l) && l.every(Number.isInteger))
    ? (v as [number[], number[]]) : NO_MATCH,
}, "int or tuple of two lists of ints");

export const TENSORDOT = signature("tensordot", [arg("dims", DIMS_PAIR, 2)], 2);

/** Sums the products over the last `dims` dims of `a` and the first `dims` of `b` (or over the listed pairs). */
export function tensordot(a: Tensor, b: Tensor, ...args: ArgsOf<typeof TENSORDOT>): Tensor {
  checkTensor(a, "tensordot");
  checkTensor(b, "tensordot", "other", 2);
  const { dims } = TENSORDOT.parse(args);
  let da: number[], db: number[];
  if (typeof dims === "number") {
    if (dims < 0) throw new ArgumentError(`tensordot expects dims >= 0, but got dims=${dims}`, "dims", "RuntimeError");
    da = [...Array(dims).keys()].map((i) => a.ndim - dims + i);
    db = [...Array(dims).keys()];
  } else {
    da = dims[0].map((d) => (d < 0 ? d + a.ndim : d));
    db = dims[1].map((d) => (d < 0 ? d + b.ndim : d));
  }
  if (da.length !== db.length) throw new ArgumentError("both dimension lists should have same length", "dims", "RuntimeError");
  // A contracted dim of size 1 on one side broadcasts: the other side is summed over it first (PyTorch 2.x).
  da.forEach((d, i) => {
    const e = db[i]!;
    if (a.shape[d] === 1 && b.shape[e]! > 1) b = b.sum(e, true);
    else if (b.shape[e] === 1 && a.shape[d]! > 1) a = a.sum(d, true);
  });
  da.forEach((d, i) => {
    if (a.shape[d] !== b.shape[db[i]!]) {
      throw new ShapeError(`contracted dimensions need to match, but first has size ${a.shape[d]} in dim ${d} and second has size ${b.shape[db[i]!]} in dim ${db[i]}`,
        { op: "tensordot", shapes: { a: a.shape, b: b.shape } });
    }
  });
  const freeA = [...Array(a.ndim).keys()].filter((d) => !da.includes(d));
  const freeB = [...Array(b.ndim).keys()].filter((d) => !db.includes(d));
  const n = (t: Tensor, ds: number[]) => ds.reduce((p, d) => p * t.shape[d]!, 1);
  const A = a.permute([...freeA, ...da]).reshape([n(a, freeA), n(a, da)]);
  const B = b.permute([...db, ...freeB]).reshape([n(b, db), n(b, freeB)]);
  return A.mm(B).reshape([...freeA.map((d) => a.shape[d]!), ...freeB.map((d) => b.shape[d]!)]);
}

/** The Kronecker product: every element of `a` times all of `b`, in blocks. */
export function kron(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, "kron");
  checkTensor(b, "kron", "other", 2);
  const nd = Math.max(a.ndim, b.ndim);
  const sa = [...Array(nd - a.ndim).fill(1), ...a.shape];
  const sb = [...Array(nd - b.ndim).fill(1), ...b.shape];
  const A = a.reshape(sa.flatMap((s) => [s, 1]));
  const B = b.reshape(sb.flatMap((s) => [1, s]));
  return A.mul(B).reshape(sa.map((s, i) => s * sb[i]!));
}

export const CDIST = signature("cdist", [arg("p", Float, 2.0), arg("compute_mode", optional(oneOf("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")), null)], 2);

/** Pairwise p-norm distances between the rows of `x1` (`[..., P, M]`) and `x2` (`[..., R, M]`): `[..., P, R]`. */
export function cdist(x1: Tensor, x2: Tensor, ...args: ArgsOf<typeof CDIST>): Tensor {
  checkTensor(x1, "cdist");
  checkTensor(x2, "cdist", "x2", 2);
  const { p } = CDIST.parse(args);
  if (p < 0) throw new ArgumentError(`cdist only supports non-negative p values`, "p", "RuntimeError");
  if (x1.ndim < 2 || x2.ndim < 2) throw new ShapeError(`cdist only supports at least 2D tensors, X${x1.ndim < 2 ? 1 : 2} got: ${(x1.ndim < 2 ? x1 : x2).ndim}D`, { op: "cdist", shapes: { x1: x1.shape, x2: x2.shape } });
  const m1 = x1.shape[x1.ndim - 1]!, m2 = x2.shape[x2.ndim - 1]!;
  if (m1 !== m2) {
    throw new ShapeError(`X1 and X2 must have the same number of columns. X1: ${m1} X2: ${m2}`,
      { op: "cdist", shapes: { x1: x1.shape, x2: x2.shape }, expected: { columns: m1 }, got: { columns: m2 } });
  }
  const diff = x1.unsqueeze(-2).sub(x2.unsqueeze(-3));
  return norm(diff, p, -1);
}

