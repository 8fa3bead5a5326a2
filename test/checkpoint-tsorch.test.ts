/**
 * The other direction: checkpoints tsorch writes, verified by real PyTorch.
 *
 * This file builds the checkpoints (LeNet, a BatchNorm model, shared and
 * non-contiguous tensors of every dtype, SGD and Adam states with the steps
 * that follow, safetensors) and `expected.json` (what they hold and what tsorch
 * computes from them). The committed copies in test/fixtures/checkpoints/tsorch/
 * were loaded by PyTorch 1.13 and 2.x (`weights_only=True`) with
 * test/fixtures/verify_tsorch_checkpoints.py, which recorded its checks in
 * verified_torch1.json / verified_torch2.json. Here: tsorch still writes those
 * exact bytes, and every check PyTorch ran passed.
 *
 * To regenerate after a deliberate format change:
 *   TSORCH_WRITE_FIXTURES=1 npx vitest run test/checkpoint-tsorch.test.ts
 *   /usr/bin/python3 test/fixtures/verify_tsorch_checkpoints.py
 *   /work/venv-torch2/bin/python test/fixtures/verify_tsorch_checkpoints.py
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { F, nn, optim, safetensors, torch, type Tensor } from "../src/index.js";
import { Tensor as TensorClass } from "../src/tensor/tensor.js";
import { LeNet } from "./lenet.js";
import { bnNet, smallNet } from "./checkpoint-models.js";

const DIR = fileURLToPath(new URL("./fixtures/checkpoints/tsorch/", import.meta.url));

const flat = (t: Tensor): (number | boolean)[] =>
  t.dtype.name === "bool" ? (t.reshape(-1).tolist() as number[]).map(Boolean) : (t.reshape(-1).tolist() as number[]);

/** Every tensor under `obj` with its key path and layout; storages numbered by first use. */
function describeTensors(obj: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const storages = new Map<unknown, number>();
  const walk = (v: unknown, path: string[]): void => {
    if (v instanceof TensorClass) {
      if (!storages.has(v.storage)) storages.set(v.storage, storages.size);
      out.push({
        path, dtype: v.dtype.name, shape: [...v.shape], stride: v.stride(), offset: v.storage_offset(),
        storage: storages.get(v.storage), requires_grad: v.requires_grad,
        // Large tensors by their first values and sum (the model outputs check them whole).
        ...(v.numel() <= 1000 ? { values: flat(v) } : { head: flat(v).slice(0, 16), sum: v.double().sum().item() }),
      });
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, String(i)]));
    else if (typeof v === "object" && v !== null) for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(obj, []);
  return out;
}

function train(model: nn.Module, opt: optim.Optimizer, steps: number, shape: number[], classes: number): { x: number[]; y: number[] }[] {
  const data: { x: number[]; y: number[] }[] = [];
  for (let s = 0; s < steps; s++) {
    const x = torch.randn(shape);
    const y = torch.randint(0, classes, [shape[0]!]);
    opt.zero_grad();
    F.cross_entropy(model(x) as Tensor, y).backward();
    opt.step();
    data.push({ x: flat(x) as number[], y: flat(y) as number[] });
  }
  return data;
}


/** The checkpoints and what they must give, built the same way on every run. */
function build(): { files: Map<string, Uint8Array>; expected: Record<string, unknown> } {
  const files = new Map<string, Uint8Array>();
  const expected: Record<string, unknown> = {};
  const save = (name: string, obj: unknown, extra: Record<string, unknown> = {}): void => {
    files.set(name, torch.save(obj, undefined, { format: "torch" })!);
    expected[name] = { tensors: describeTensors(obj), ...extra };
  };

  torch.manual_seed(0);
  const net = new LeNet();
  train(net, new optim.SGD(net.parameters(), { lr: 0.05 }), 3, [4, 1, 32, 32], 10);
  const x = torch.randn(2, 1, 32, 32);
  save("lenet.pt", net.state_dict(), { input: flat(x), input_shape: [...x.shape], output: flat(net(x)) });

  torch.manual_seed(1);
  const bn = bnNet();
  train(bn, new optim.SGD(bn.parameters(), { lr: 0.1 }), 3, [5, 1, 8, 8], 3);
  bn.eval();
  const xb = torch.randn(3, 1, 8, 8);
  save("batchnorm.pt", bn.state_dict(), { input: flat(xb), input_shape: [...xb.shape], output: flat(bn(xb)) });

  const base = torch.arange(24, { dtype: torch.float32 }).reshape(4, 6);
  save("tensors.pt", {
    base, transposed: base.t(), row: base.select(0, 2), narrow: base.narrow(1, 1, 3),
    strided: base.as_strided([2, 2], [12, 3], 0),
    expanded: torch.tensor([1.5, -2.5]).reshape(2, 1).expand(2, 3),
    float64: torch.tensor([[1e-300, -2.5], [Math.PI, 1e300]], { dtype: torch.float64 }),
    int64: torch.tensor([0, -1, 2 ** 40, -(2 ** 50), 7], { dtype: torch.int64 }),
    int32: torch.tensor([[-5, 6], [2 ** 31 - 1, -(2 ** 31)]], { dtype: torch.int32 }),
    uint8: torch.tensor([0, 1, 255], { dtype: torch.uint8 }),
    bool: torch.tensor([[true, false, true]]),
    scalar: torch.tensor(3.25),
    empty: torch.zeros(0, 3),
    param: new nn.Parameter(torch.tensor([0.5, 0.25])),
    list: [torch.tensor([1.0]), 2, "three", null, true],
    nested: { a: { b: [1, 2.5, { c: torch.tensor([9], { dtype: torch.int64 }) }] } },
  });

  for (const [name, make] of [
    ["optim_sgd.pt", (p: Tensor[]) => new optim.SGD(p, { lr: 0.05, momentum: 0.9 })],
    ["optim_adam.pt", (p: Tensor[]) => new optim.Adam(p, { lr: 0.01 })],
  ] as const) {
    torch.manual_seed(2);
    const model = smallNet();
    const opt = make(model.parameters());
    train(model, opt, 3, [5, 1, 8, 8], 3);
    const saved = { model: model.state_dict(), optimizer: opt.state_dict(), epoch: 3 };
    files.set(name, torch.save(saved, undefined, { format: "torch" })!);
    const entry: Record<string, unknown> = { tensors: describeTensors(saved) };
    const data = train(model, opt, 3, [5, 1, 8, 8], 3);
    entry.continue = { data, shape: [5, 1, 8, 8], params: Object.fromEntries(Object.entries(model.state_dict()).map(([k, v]) => [k, flat(v)])) };
    expected[name] = entry;
  }

  files.set("lenet.safetensors", safetensors.save(net.state_dict(), { format: "pt", source: "tsorch" }));
  expected["lenet.safetensors"] = { same_as: "lenet.pt", metadata: { format: "pt", source: "tsorch" } };
  files.set("expected.json", new TextEncoder().encode(JSON.stringify(expected)));
  return { files, expected };
}

const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

describe("checkpoints tsorch writes, as PyTorch verified them", () => {
  // The files hold values computed by training steps: built on the TypeScript reference kernels, so
  // the bytes are the same whichever backend the suite runs on (the wasm kernels round differently).
  const backend = torch.get_backend();
  torch.set_backend("ts");
  const { files } = build();
  torch.set_backend(backend);
  if (process.env.TSORCH_WRITE_FIXTURES === "1") {
    mkdirSync(DIR, { recursive: true });
    for (const [name, bytes] of files) writeFileSync(`${DIR}${name}`, bytes);
  }

  test("tsorch writes exactly the bytes PyTorch verified", () => {
    for (const [name, bytes] of files) {
      expect(sha256(bytes), name).toBe(sha256(readFileSync(`${DIR}${name}`)));
    }
  });

  for (const version of ["torch1", "torch2"]) {
    test(`PyTorch ${version === "torch1" ? "1.13" : "2.x"} loaded every file and every check passed`, () => {
      const report = JSON.parse(readFileSync(`${DIR}verified_${version}.json`, "utf8")) as {
        torch: string; weights_only: boolean; files: Record<string, { sha256: string; checks: { name: string; ok: boolean; detail?: string }[] }>;
      };
      expect(report.torch.startsWith(version === "torch1" ? "1.13" : "2.")).toBe(true);
      if (version === "torch2") expect(report.weights_only).toBe(true);
      const names = [...files.keys()].filter((n) => n !== "expected.json").sort();
      // Debian's PyTorch 1.13 has no safetensors package; the 2.x environment checks that file.
      expect(Object.keys(report.files).sort()).toEqual(version === "torch2" ? names : names.filter((n) => n.endsWith(".pt")));
      for (const [name, r] of Object.entries(report.files)) {
        expect(r.sha256, name).toBe(sha256(files.get(name)!));
        expect(r.checks.length, name).toBeGreaterThan(0);
        for (const c of r.checks) expect(c.ok, `${name}: ${c.name} ${c.detail ?? ""}`).toBe(true);
      }
    });
  }

  test("tsorch reads back what it wrote: same layout, sharing and values", () => {
    for (const [name, bytes] of files) {
      if (!name.endsWith(".pt")) continue;
      const loaded = torch.load(bytes);
      const again = describeTensors(loaded);
      const before = (JSON.parse(new TextDecoder().decode(files.get("expected.json")!)) as Record<string, { tensors: unknown }>)[name]!.tensors;
      expect(again, name).toEqual(before);
    }
  });
});
