/**
 * torch.load against checkpoints written by real PyTorch (1.13 and 2.x), from
 * test/fixtures/gen_checkpoints.py: every tensor's dtype, shape, strides,
 * offset, storage sharing and values; the containers around them; LeNet's and a
 * BatchNorm model's outputs after load_state_dict; optimizer states (SGD
 * momentum, Adam moments) that continue training to PyTorch's parameters; a
 * safetensors file with metadata; and the files that must be refused.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { CheckpointError, F, nn, optim, safetensors, torch, UnpicklingError, type Tensor } from "../src/index.js";
import { Parameter } from "../src/nn/parameter.js";
import { Tensor as TensorClass } from "../src/tensor/tensor.js";
import { LeNet } from "./lenet.js";
import { bnNet, smallNet } from "./checkpoint-models.js";

const DIR = fileURLToPath(new URL("./fixtures/checkpoints/", import.meta.url));

interface TensorRec {
  path: string[]; dtype: string; shape: number[]; stride: number[]; offset: number; storage: number;
  requires_grad: boolean; parameter: boolean; values?: (number | boolean)[]; head?: number[]; sum?: number;
}
interface FileRec {
  tensors: TensorRec[];
  structure: unknown;
  input?: number[]; input_shape?: number[]; output?: number[];
  continue?: { data: { x: number[]; y: number[] }[]; shape: number[]; params: Record<string, number[]> };
}
interface Expected { torch: string; files: Record<string, FileRec>; safetensors?: string }

/** The tensor at a dotted key path. */
function at(root: unknown, path: string[]): unknown {
  let v = root;
  for (const k of path) v = v instanceof Map ? v.get(k) : (v as Record<string, unknown>)[k];
  return v;
}

/** The containers with tensors replaced by "<tensor>", as the generator's `plain` writes them. */
function plain(v: unknown): unknown {
  if (v instanceof TensorClass) return "<tensor>";
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

function flat(t: Tensor): number[] {
  return Array.from(t.reshape(-1).tolist() as number[], Number);
}


for (const version of ["torch1", "torch2"]) {
  const dir = `${DIR}${version}/`;
  const expected = JSON.parse(readFileSync(`${dir}expected.json`, "utf8")) as Expected;

  describe(`checkpoints written by PyTorch ${expected.torch}`, () => {
    for (const [name, rec] of Object.entries(expected.files)) {
      test(`${name}: every tensor's layout, sharing and values; the containers`, () => {
        const loaded = torch.load(`${dir}${name}`);
        const storages = new Map<number, unknown>();
        for (const t of rec.tensors) {
          const key = t.path.join("/");
          const x = at(loaded, t.path);
          expect(x, key).toBeInstanceOf(TensorClass);
          const tensor = x as Tensor;
          expect(tensor.dtype.name, key).toBe(t.dtype);
          expect([...tensor.shape], key).toEqual(t.shape);
          expect(tensor.stride(), key).toEqual(t.stride);
          expect(tensor.storage_offset(), key).toBe(t.offset);
          expect(tensor.requires_grad, key).toBe(t.requires_grad);
          expect(tensor instanceof Parameter, key).toBe(t.parameter);
          // Same storage in PyTorch ⇔ same storage here.
          if (storages.has(t.storage)) expect(tensor.storage, key).toBe(storages.get(t.storage));
          else {
            expect([...storages.values()], key).not.toContain(tensor.storage);
            storages.set(t.storage, tensor.storage);
          }
          const got = t.dtype === "bool" ? flat(tensor).map(Boolean) : flat(tensor);
          if (t.values) expect(got, key).toEqual(t.values);
          else {
            expect(got.slice(0, 16), key).toEqual(t.head);
            expect(flat(tensor).reduce((a, b) => a + b, 0)).toBeCloseTo(t.sum!, 3);
          }
        }
        expect(plain(loaded)).toEqual(rec.structure);
      });
    }

    test("lenet.pt: load_state_dict gives PyTorch's outputs", () => {
      const rec = expected.files["lenet.pt"]!;
      const net = new LeNet();
      net.load_state_dict(torch.load(`${dir}lenet.pt`));
      const out = flat(net(torch.tensor(rec.input!).view(rec.input_shape!)));
      out.forEach((v, i) => expect(v).toBeCloseTo(rec.output![i]!, 5));
    });

    test("batchnorm.pt: running statistics and num_batches_tracked load; eval outputs match", () => {
      const rec = expected.files["batchnorm.pt"]!;
      const net = bnNet();
      net.load_state_dict(torch.load(`${dir}batchnorm.pt`, { map_location: "cpu" }));
      net.eval();
      const bn = net._modules.get("1") as nn.BatchNorm2d;
      expect(bn.num_batches_tracked!.item()).toBe(3);
      const out = flat(net(torch.tensor(rec.input!).view(rec.input_shape!)));
      out.forEach((v, i) => expect(v).toBeCloseTo(rec.output![i]!, 5));
    });

    for (const [file, make] of [
      ["optim_sgd.pt", (p: Tensor[]) => new optim.SGD(p, { lr: 0.05, momentum: 0.9 })],
      ["optim_adam.pt", (p: Tensor[]) => new optim.Adam(p, { lr: 0.01 })],
    ] as const) {
      test(`${file}: the optimizer state continues training to PyTorch's parameters`, () => {
        const rec = expected.files[file]!.continue!;
        const ckpt = torch.load(`${dir}${file}`);
        const model = smallNet();
        model.load_state_dict(ckpt.model);
        const opt = make(model.parameters());
        opt.load_state_dict(ckpt.optimizer);
        expect(ckpt.epoch).toBe(3);
        for (const { x, y } of rec.data) {
          opt.zero_grad();
          F.cross_entropy(model(torch.tensor(x).view(rec.shape)), torch.tensor(y, { dtype: torch.int64 })).backward();
          opt.step();
        }
        for (const [k, want] of Object.entries(rec.params)) {
          const got = flat(model.state_dict()[k]!);
          got.forEach((v, i) => expect(v, `${k}[${i}]`).toBeCloseTo(want[i]!, 4));
        }
      });
    }

    if (expected.safetensors) {
      test("lenet.safetensors: the same tensors as lenet.pt, and the header metadata", () => {
        const st = torch.load(`${dir}${expected.safetensors}`);
        const pt = torch.load(`${dir}lenet.pt`);
        expect(Object.keys(st).sort()).toEqual(Object.keys(pt).sort());
        for (const k of Object.keys(pt)) expect(torch.equal(st[k], pt[k]), k).toBe(true);
        expect(safetensors.metadata(`${dir}${expected.safetensors}`)).toEqual({ format: "pt", trained: "3 steps" });
        expect(st[Symbol.for("Jupyter.display")]()["text/plain"]).toContain("format: pt");
      });
    }

    test("refused files: each a typed error that says what to do", () => {
      const err = (f: string): Error => {
        try {
          torch.load(`${dir}bad/${f}`);
        } catch (e) {
          return e as Error;
        }
        throw new Error(`${f} loaded`);
      };
      const legacy = err("legacy.pt");
      expect(legacy).toBeInstanceOf(CheckpointError);
      expect(legacy.message).toMatch(/legacy format.*torch\.save\(torch\.load\(path\), path\)/);
      const whole = err("whole_module.pt");
      expect(whole).toBeInstanceOf(UnpicklingError);
      expect((whole as UnpicklingError).global).toBe("torch.nn.modules.linear.Linear");
      expect(whole.message).toContain("torch.save(model.state_dict(), path)");
      const evil = err("os_system.pt");
      expect(evil).toBeInstanceOf(UnpicklingError);
      expect(evil.name).toBe("UnpicklingError");
      expect((evil as UnpicklingError).global).toMatch(/^(posix|os|nt)\.system$/);
      const half = err("float16.pt");
      expect(half).toBeInstanceOf(CheckpointError);
      expect(half.message).toContain("torch.float16");
      const script = err("torchscript.pt");
      expect(script).toBeInstanceOf(CheckpointError);
      expect(script.message).toContain("TorchScript");
    });
  });
}

describe("the notebook's PyTorch-trained LeNet (notebooks/data/lenet-digits-pytorch.pt)", () => {
  test("gives PyTorch's predictions and scores on tsorch's digits", async () => {
    const rec = JSON.parse(readFileSync(`${DIR}notebook_lenet_pytorch.json`, "utf8")) as { predicted_first_12: number[]; scores_0: number[]; correct: number };
    const { datasets } = await import("../src/index.js");
    const testSet = datasets.SyntheticDigits({ size: 1000, train: false, seed: 0 });
    const net = new LeNet();
    net.load_state_dict(torch.load(fileURLToPath(new URL("../notebooks/data/lenet-digits-pytorch.pt", import.meta.url))));
    const scores = torch.no_grad(() => net(testSet.data));
    const answers = scores.argmax(1);
    expect(answers.narrow(0, 0, 12).tolist()).toEqual(rec.predicted_first_12);
    flat(scores.select(0, 0)).forEach((v, i) => expect(v).toBeCloseTo(rec.scores_0[i]!, 4));
    expect(answers.eq(testSet.targets).sum().item()).toBe(rec.correct);
  });
});
