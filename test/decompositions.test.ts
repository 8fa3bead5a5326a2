/**
 * QR, SVD and symmetric eigendecompositions with their vectors, against
 * PyTorch 2.x (test/fixtures/gen_decompositions.py, on the matrices of
 * PyTorch's own OpInfo samples). QR is compared entry by entry: Householder
 * QR as LAPACK computes it fixes every sign. Singular and eigen vectors are
 * unique only up to the sign of each vector (of each pair for the SVD), and
 * LAPACK's choice is not reproducible, so they are compared as PyTorch's own
 * tests compare them: values entry by entry, each vector up to its sign, the
 * completed columns of full_matrices by their projector, the reconstruction,
 * and the gradient of the OpInfo's gauge-invariant function (|U|, S, |Vh|;
 * L, |Q|) with the same random weights.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as torch from "../src/torch.js";
import { Tensor } from "../src/tensor/tensor.js";
import { type EncodedTensor, decodeInput, decodeValues } from "./ops-fixture-support.js";

interface Case {
  op: string; input: EncodedTensor; args: (EncodedTensor | number)[]; kwargs: Record<string, unknown>;
  out?: EncodedTensor[]; error?: { type: string; message: string }; grad_error?: { type: string; message: string };
  loss?: { parts: string[]; weights: EncodedTensor[] }; grads?: (EncodedTensor | null)[];
  /** The seed PyTorch's generator had before the call (randomized algorithms). */
  seed?: number;
}
const fixture = JSON.parse(readFileSync(new URL("./fixtures/decompositions.json", import.meta.url), "utf8")) as { torch: string; cases: Case[] };

type Fn = (...a: unknown[]) => unknown;
const OPS: Record<string, Fn> = {
  "linalg.qr": torch.linalg.qr as Fn, qr: torch.qr as Fn, geqrf: torch.geqrf as Fn,
  "linalg.householder_product": torch.linalg.householder_product as Fn,
  "linalg.svd": torch.linalg.svd as Fn, svd: torch.svd as Fn, "linalg.eigh": torch.linalg.eigh as Fn,
  "linalg.lu_factor": torch.linalg.lu_factor as Fn, "linalg.lu_factor_ex": torch.linalg.lu_factor_ex as Fn,
  "linalg.lu": torch.linalg.lu as Fn, lu: torch.lu as Fn, lu_unpack: torch.lu_unpack as Fn,
  "linalg.lu_solve": torch.linalg.lu_solve as Fn, lu_solve: torch.lu_solve as Fn,
  "linalg.solve_triangular": torch.linalg.solve_triangular as Fn, triangular_solve: torch.triangular_solve as Fn,
  cholesky: torch.cholesky as Fn, cholesky_inverse: torch.cholesky_inverse as Fn, cholesky_solve: torch.cholesky_solve as Fn,
  "linalg.cholesky_ex": torch.linalg.cholesky_ex as Fn, "linalg.inv_ex": torch.linalg.inv_ex as Fn,
  "linalg.solve_ex": torch.linalg.solve_ex as Fn, "linalg.tensorinv": torch.linalg.tensorinv as Fn,
  "linalg.tensorsolve": torch.linalg.tensorsolve as Fn, matrix_exp: torch.matrix_exp as Fn, "linalg.lstsq": torch.linalg.lstsq as Fn,
  svd_lowrank: torch.svd_lowrank as Fn,
};
/** Ops whose vectors are compared up to sign (the rest entry by entry). */
const GAUGE = new Set(["linalg.svd", "svd", "svd_lowrank", "linalg.eigh"]);

const tensorOf = (e: EncodedTensor, grad = false): Tensor => {
  const t = decodeInput({ ...e, requires_grad: false }) as Tensor;
  return grad && t.dtype.is_floating_point ? t.requires_grad_(true) : t;
};
const values = (t: Tensor) => Array.from(t.contiguous().toFlatArray() as ArrayLike<number>);

function close(actual: Tensor, expected: EncodedTensor | Tensor, tol: number, what: string): void {
  const shape = expected instanceof Tensor ? expected.shape : expected.shape!;
  expect(actual.shape, `${what} shape`).toEqual(shape);
  const want = expected instanceof Tensor ? values(expected) : decodeValues(expected);
  const got = values(actual);
  const worst = got.reduce((w, v, i) => Math.max(w, Math.abs(v - want[i]!) / (1 + Math.abs(want[i]!))), 0);
  expect(worst, what).toBeLessThanOrEqual(tol);
}

/** `got` with each of its first k columns (dim -1) signed like the matching column of `want`. */
function alignColumns(got: Tensor, want: Tensor, k: number): Tensor {
  if (got.numel() === 0 || k === 0) return got;
  const g = got.narrow(-1, 0, k);
  const sign = g.mul(want.narrow(-1, 0, k)).sum(-2, true).sign().masked_fill(g.mul(want.narrow(-1, 0, k)).sum(-2, true).eq(0), 1);
  return torch.cat([g.mul(sign), got.narrow(-1, k, got.shape[got.ndim - 1]! - k)], -1);
}

/** The sign-invariant comparison of (U, S, Vh) or (L, Q) with PyTorch's. */
function compareGauge(c: Case, outs: Tensor[], A: Tensor): void {
  const exp = c.out!.map((e) => tensorOf(e));
  if (c.op === "linalg.eigh") {
    const [L, Q] = outs as [Tensor, Tensor];
    close(L, exp[0]!, 1e-10, "eigenvalues");
    close(alignColumns(Q, exp[1]!, Q.shape[Q.ndim - 1] ?? 0), exp[1]!, 1e-8, "eigenvectors up to sign");
    const sym = c.kwargs.UPLO === "U" ? A.triu().add(A.triu(1).mT) : A.tril().add(A.tril(-1).mT);
    if (A.numel() > 0) close(Q.mul(L.unsqueeze(-2)).matmul(Q.mT), sym, 1e-10, "Q diag(L) Q^T");
    return;
  }
  const legacy = c.op === "svd" || c.op === "svd_lowrank";
  if (legacy && c.kwargs.compute_uv === false) {
    outs.forEach((t, i) => close(t, exp[i]!, 1e-10, ["U (zeros)", "S", "V (zeros)"][i]!));
    return;
  }
  const [U, S, W] = outs as [Tensor, Tensor, Tensor];
  const k = S.shape[S.ndim - 1]!;
  // Columns of U and V (V = Vh^T for linalg.svd).
  const V = legacy ? W : W.mT, eV = legacy ? exp[2]! : exp[2]!.mT;
  close(S, exp[1]!, 1e-10, "singular values");
  // Each pair up to one sign: U's sign decides, V follows it.
  const sign = k === 0 || U.numel() === 0 ? null : U.narrow(-1, 0, k).mul(exp[0]!.narrow(-1, 0, k)).sum(-2, true).sign();
  const flip = (X: Tensor) => (sign ? torch.cat([X.narrow(-1, 0, k).mul(sign), X.narrow(-1, k, X.shape[X.ndim - 1]! - k)], -1) : X);
  close(flip(U).narrow(-1, 0, k), exp[0]!.narrow(-1, 0, k), 1e-8, "U up to sign");
  close(flip(V).narrow(-1, 0, k), eV.narrow(-1, 0, k), 1e-8, "V up to the same sign");
  // full_matrices: the completed columns span what PyTorch's span.
  for (const [X, E, name] of [[U, exp[0]!, "U"], [V, eV, "V"]] as const) {
    const extra = X.shape[X.ndim - 1]! - k;
    expect(X.shape, `${name} shape`).toEqual(E.shape);
    if (extra > 0) {
      const P = (Y: Tensor) => Y.narrow(-1, k, extra).matmul(Y.narrow(-1, k, extra).mT);
      close(P(X), P(E), 1e-8, `${name}'s completed columns (projector)`);
      close(X.mT.matmul(X), torch.eye(X.shape[X.ndim - 1]!, { dtype: X.dtype }).expand(X.mT.matmul(X).shape), 1e-10, `${name} orthonormal`);
    }
  }
  // (svd_lowrank's is an approximation of A: its values were compared above.)
  if (A.numel() > 0 && c.op !== "svd_lowrank") close(U.narrow(-1, 0, k).mul(S.unsqueeze(-2)).matmul(V.narrow(-1, 0, k).mT), A, 1e-10, "U diag(S) V^T");
}

/** The scalar PyTorch differentiated: sum of weights times each part (the OpInfo's output processing). */
function loss(c: Case, outs: Tensor[]): Tensor {
  const k = c.op.includes("svd") ? outs[1]!.shape[outs[1]!.ndim - 1]! : 0;
  const Vh = c.op === "svd" ? outs[2]?.mT : outs[2];
  const parts: Record<string, () => Tensor> = {
    S: () => outs[1]!, absU: () => outs[0]!.narrow(-1, 0, k).abs(), absVh: () => Vh!.narrow(-2, 0, k).abs(),
    L: () => outs[0]!, absQ: () => outs[1]!.abs(),
  };
  const part = (name: string): Tensor => parts[name]?.() ?? outs[Number(name.slice(3))]!;
  return c.loss!.parts.map((p, i) => part(p).mul(tensorOf(c.loss!.weights[i]!)).sum()).reduce((a, b) => a.add(b));
}

function run(c: Case): void {
  const A = tensorOf(c.input, true);
  const args = c.args.map((a) => (a !== null && typeof a === "object" ? tensorOf(a, true) : a));
  const call = () => {
    if (c.seed !== undefined) torch.manual_seed(c.seed);
    return OPS[c.op]!(A, ...args, ...(Object.keys(c.kwargs).length ? [c.kwargs] : []));
  };
  if (c.error) {
    expect(call).toThrow(c.error.message);
    return;
  }
  const result = call();
  const outs = (result instanceof Tensor ? [result] : [...(result as Tensor[])]);
  if (c.grad_error) {
    expect(() => outs[1]!.sum().backward()).toThrow(c.grad_error.message);
    return;
  }
  if (GAUGE.has(c.op)) compareGauge(c, outs, A.detach());
  else outs.forEach((t, i) => close(t, c.out![i]!, 1e-9, `output ${i}`));
  if (c.grads) {
    const inputs = [A, ...args.filter((a): a is Tensor => a instanceof Tensor && a.requires_grad)];
    const grads = torch.autograd.grad([loss(c, outs)], inputs, { allow_unused: true });
    c.grads.forEach((g, i) => { if (g) close(grads[i]!, g, 1e-7, `gradient ${i}`); });
  }
}

describe(`decompositions with vectors, against PyTorch ${fixture.torch}`, () => {
  const byOp = new Map<string, Case[]>();
  for (const c of fixture.cases) byOp.set(c.op, [...(byOp.get(c.op) ?? []), c]);
  for (const [op, cases] of byOp) {
    it.each(cases.map((c, i) => [`${i}: ${JSON.stringify(c.input.shape)} ${JSON.stringify(c.kwargs)}`, c] as const))(`${op} %s`, (_, c) => run(c));
  }
});

describe("decompositions: named results and the canonical sign", () => {
  const A = torch.tensor([[3, 1], [4, 2]], { dtype: torch.float64 });
  it("linalg.qr's Q and R are LAPACK's, signs included", () => {
    const { Q, R } = torch.linalg.qr(A);
    close(Q, torch.tensor([[-0.6, -0.8], [-0.8, 0.6]], { dtype: torch.float64 }), 1e-12, "Q");
    close(R, torch.tensor([[-5, -2.2], [0, 0.4]], { dtype: torch.float64 }), 1e-12, "R");
    expect(String(torch.linalg.qr(A.float()))).toMatch(/^torch\.return_types\.linalg_qr\(\nQ=tensor/);
  });
  it("each singular pair and each eigenvector is signed so its largest entry is positive", () => {
    const { U, S, Vh } = torch.linalg.svd(A, { full_matrices: false });
    const pivots = (M: Tensor) => values(M.abs().argmax(0).unsqueeze(0).double());
    const col = (M: Tensor, j: number) => values(M.narrow(1, j, 1));
    pivots(U).forEach((i, j) => expect(col(U, j)[i]!).toBeGreaterThan(0));
    close(U.mul(S.unsqueeze(0)).matmul(Vh), A, 1e-12, "reconstruction");
    const { eigenvectors: Q } = torch.linalg.eigh(A.add(A.mT));
    pivots(Q).forEach((i, j) => expect(col(Q, j)[i]!).toBeGreaterThan(0));
  });
  it("matrix norms from singular values ('nuc', 2, -2) match the SVD and pass gradcheck", () => {
    torch.manual_seed(0);
    const M = torch.randn(2, 4, 3, { dtype: torch.float64 });
    const S = torch.linalg.svdvals(M);
    close(torch.linalg.matrix_norm(M, "nuc"), S.sum(-1), 1e-12, "nuc");
    close(torch.linalg.matrix_norm(M, 2), S.narrow(-1, 0, 1).squeeze(-1), 1e-12, "2");
    close(torch.linalg.matrix_norm(M, -2, { dim: [0, 2], keepdim: true }), torch.linalg.svdvals(M.movedim(1, 0)).amin(-1).reshape([1, 4, 1]), 1e-12, "-2 over dims (0, 2)");
    for (const ord of ["nuc", 2, -2] as const) {
      expect(torch.autograd.gradcheck((a: Tensor) => torch.linalg.matrix_norm(a, ord), [M.clone().requires_grad_(true)])).toBe(true);
    }
  });
  it("a rank-deficient matrix still gets orthonormal singular vectors", () => {
    const { U, S, Vh } = torch.linalg.svd(torch.ones(4, 3).double());
    close(U.mT.matmul(U), torch.eye(4).double(), 1e-12, "U^T U");
    close(Vh.matmul(Vh.mT), torch.eye(3).double(), 1e-12, "Vh Vh^T");
    close(S, torch.tensor([Math.sqrt(12), 0, 0], { dtype: torch.float64 }), 1e-12, "S");
  });
});
