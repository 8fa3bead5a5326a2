/**
 * PyTorch's own module tests: the float32 samples of PyTorch 2.x's module
 * database (test/fixtures/gen_moduledb.py walks module_db), run against every
 * module tsorch has under the ModuleInfo's class name — constructor keyword
 * arguments passed as the options object, PyTorch's seeded weights loaded with
 * load_state_dict — comparing outputs, the gradients of the sum of the outputs
 * with respect to the inputs and parameters, running statistics after a
 * training forward, and errors. Prints the coverage; the floors below hold
 * what has been reached, so a regression fails.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { F, nn, torch } from "../src/index.js";
import { Tensor } from "../src/tensor/tensor.js";
import type { Module } from "../src/nn/module.js";
import { type EncodedTensor, decodeInput, decodeValues, dtypeOf } from "./ops-fixture-support.js";

interface Call { args: unknown[]; kwargs: Record<string, unknown> }
interface Sample {
  desc: string; training?: boolean; ctor: Call; forward: Call | null; lazy?: boolean; repr?: string;
  state?: [string, EncodedTensor][]; outputs?: EncodedTensor[];
  input_grads?: (EncodedTensor | null)[]; param_grads?: [string, EncodedTensor | null][]; buffers?: [string, EncodedTensor][];
  on?: "construction" | "forward"; error?: { type: string; message: string };
}
interface ModuleEntry { name: string; cls: string; samples: Sample[]; error_inputs: Sample[] }

const fixture = JSON.parse(readFileSync(new URL("./fixtures/moduledb.json", import.meta.url), "utf8")) as { torch: string; modules: ModuleEntry[] };

type Ctor = new (...args: unknown[]) => Module;

/** The tsorch class a ModuleInfo's class name stands for, if tsorch has one. */
function moduleClass(name: string): Ctor | null {
  const c = (nn as unknown as Record<string, unknown>)[name];
  return typeof c === "function" && c.prototype instanceof nn.Module ? (c as Ctor) : null;
}

function decodeArg(a: unknown): unknown {
  if (a === null || typeof a !== "object") return a;
  const o = a as { tensor?: EncodedTensor; requires_grad?: boolean; dtype?: string; seq?: unknown[]; float?: string; module?: string; function?: string } & Partial<Call>;
  if (o.tensor) {
    const t = decodeInput(o.tensor) as Tensor;
    return o.requires_grad ? t.requires_grad_(true) : t;
  }
  if (o.dtype) return dtypeOf(o.dtype);
  if (o.seq) return o.seq.map(decodeArg);
  if (o.float) return o.float === "nan" ? NaN : o.float === "inf" ? Infinity : -Infinity;
  if (o.module) {
    const cls = moduleClass(o.module);
    if (!cls) throw new Error(`no nn.${o.module}`);
    return construct(cls, { args: o.args!, kwargs: o.kwargs! });
  }
  if (o.function) return (F as unknown as Record<string, unknown>)[o.function];
  return a;
}

const withOptions = (c: Call): unknown[] => {
  const kwargs = Object.fromEntries(Object.entries(c.kwargs).map(([k, v]) => [k, decodeArg(v)]));
  return [...c.args.map(decodeArg), ...(Object.keys(kwargs).length > 0 ? [kwargs] : [])];
};

function construct(cls: Ctor, c: Call): Module {
  return new cls(...withOptions(c));
}

/** The tensors of a result in order, as gen_moduledb.py flattens PyTorch's (None left out). */
function flat(out: unknown): Tensor[] {
  if (out instanceof Tensor) return [out];
  if (out instanceof nn.utils.rnn.PackedSequence) return [out.data];
  if (Array.isArray(out)) return out.flatMap(flat);
  return [];
}

function forward(m: Module, c: Call): { out: unknown; inputs: Tensor[] } {
  const args = withOptions(c);
  const out = (m as unknown as (...a: unknown[]) => unknown)(...args);
  return { out, inputs: flat(args.flatMap((a) => a !== null && typeof a === "object" && !(a instanceof Tensor) && !Array.isArray(a) ? Object.values(a) : [a])) };
}

/** Why a tensor is not PyTorch's (dtype, shape, the worst element), or null when it is. */
function differs(t: Tensor | null | undefined, e: EncodedTensor, tol: number): string | null {
  if (!t) return "missing";
  if (t.dtype.name !== e.dtype) return `dtype ${t.dtype.name}, PyTorch ${e.dtype}`;
  if (t.shape.length !== e.shape!.length || t.shape.some((s, i) => s !== e.shape![i])) return `shape [${t.shape}], PyTorch [${e.shape}]`;
  const a = Array.from(t.detach().contiguous().toFlatArray() as ArrayLike<number>, Number);
  const w = decodeValues(e);
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!, x = w[i]!;
    const ok = Number.isNaN(x) ? Number.isNaN(v) : !Number.isFinite(x) ? v === x : Math.abs(v - x) <= tol + tol * Math.abs(x);
    if (!ok) return `element ${i}: ${v}, PyTorch ${x}`;
  }
  return null;
}

const firstLine = (e: unknown) => String((e as Error)?.message ?? e).split("\n")[0]!;

interface Tally {
  present: number; samples: number; matched: number; init: number; inits: number; reprs: number;
  errors: number; errorsRefused: number; errorsSameText: number; misses: { module: string; sample: string; why: string }[];
  /** Samples whose module, built after manual_seed(0), does not draw PyTorch's weights (the loaded ones are compared). */
  initMisses: { module: string; sample: string; why: string }[];
}

/** Runs one sample; returns why it does not match PyTorch's, or null. Counts seeded init and repr on the side. */
function runSample(cls: Ctor, s: Sample, t: Tally): string | null {
  torch.manual_seed(0);
  const m = construct(cls, s.ctor);
  m.train(s.training ?? false);
  if (String(m) === s.repr) t.reprs++;
  if (s.lazy) {
    // A lazy module takes its parameters' shapes from a first forward, as the generator's did.
    torch.no_grad(() => forward(m, s.forward!));
  }
  const own = m.state_dict();
  const keys = Object.keys(own);
  if (keys.join() !== s.state!.map(([k]) => k).join()) return `state_dict keys [${keys}], PyTorch [${s.state!.map(([k]) => k)}]`;
  // The seeded init: equal to PyTorch's when the module draws its weights as PyTorch does. Not comparable when the
  // constructor is given a module (TransformerEncoder copies a layer module_db built before the seed was set).
  if (!JSON.stringify(s.ctor).includes('"module"')) {
    t.inits++;
    const initDiff = s.state!.map(([k, e]) => [k, differs(own[k] as Tensor, e, 1e-6)] as const).find(([, why]) => why !== null);
    if (!initDiff) t.init++;
    else t.initMisses.push({ module: s.desc, sample: "seeded init", why: `${initDiff[0]}: ${initDiff[1]}` });
  }
  m.load_state_dict(Object.fromEntries(s.state!.map(([k, e]) => [k, decodeInput(e) as Tensor])));
  const { out, inputs } = forward(m, s.forward!);
  const outs = flat(out);
  if (outs.length !== s.outputs!.length) return `${outs.length} outputs, PyTorch ${s.outputs!.length}`;
  for (let i = 0; i < outs.length; i++) {
    const why = differs(outs[i], s.outputs![i]!, 1e-4);
    if (why) return `output ${i}: ${why}`;
  }
  if (s.buffers) {
    const bufs = new Map(m.named_buffers());
    for (const [k, e] of s.buffers) {
      const why = differs(bufs.get(k), e, 1e-4);
      if (why) return `buffer ${k} after forward: ${why}`;
    }
  }
  if (!s.input_grads) return null;
  const floats = outs.filter((o) => o.dtype.is_floating_point && o.requires_grad);
  if (floats.length === 0) return "outputs do not require grad";
  floats.map((o) => o.sum()).reduce((a, b) => a.add(b)).backward();
  const wanting = inputs.filter((x) => x.requires_grad);
  for (let i = 0; i < s.input_grads.length; i++) {
    const g = s.input_grads[i];
    if (g) {
      const why = differs(wanting[i]?.grad, g, 1e-3);
      if (why) return `input ${i} grad: ${why}`;
    }
  }
  const params = new Map(m.named_parameters());
  for (const [k, g] of s.param_grads!) {
    if (g) {
      const why = differs(params.get(k)?.grad, g, 1e-3);
      if (why) return `${k} grad: ${why}`;
    }
  }
  return null;
}

function runAll(): Tally {
  const t: Tally = { present: 0, samples: 0, matched: 0, init: 0, inits: 0, reprs: 0, errors: 0, errorsRefused: 0, errorsSameText: 0, misses: [], initMisses: [] };
  for (const entry of fixture.modules) {
    const cls = moduleClass(entry.cls);
    if (!cls) continue;
    t.present++;
    const miss = (sample: string, why: string) => t.misses.push({ module: entry.name, sample, why });
    const refused = (s: Sample, where: string, run: () => unknown) => {
      t.errors++;
      let threw: unknown;
      try { run(); } catch (e) { threw = e; }
      if (threw === undefined) return miss(where, `no error; PyTorch: ${s.error!.type}: ${s.error!.message}`), false;
      t.errorsRefused++;
      if (firstLine(threw) === s.error!.message) t.errorsSameText++;
      else miss(where, `other text: ${firstLine(threw)} | PyTorch: ${s.error!.message}`);
      return true;
    };
    entry.samples.forEach((s, i) => {
      t.samples++;
      const where = `sample ${i} ${s.desc}${s.training ? " (training)" : ""}`;
      if (s.error) {
        if (refused(s, where, () => forward(construct(cls, s.ctor), s.forward!))) t.matched++;
        return;
      }
      let why: string | null;
      const before = t.initMisses.length;
      try { why = runSample(cls, s, t); } catch (e) { why = `threw ${firstLine(e)}`; }
      for (const m of t.initMisses.slice(before)) m.module = `${entry.name} ${where}`;
      if (why === null) t.matched++;
      else miss(where, why);
    });
    entry.error_inputs.forEach((s, i) => refused(s, `error input ${i} ${s.desc} (${s.on})`, () => {
      const m = construct(cls, s.ctor);
      if (s.on === "forward") forward(m, s.forward!);
    }));
  }
  return t;
}

describe(`PyTorch ${fixture.torch}'s module database`, () => {
  it("runs every sample of the modules tsorch has and prints the coverage", () => {
    const t = runAll();
    const pct = (100 * t.matched / Math.max(t.samples, 1)).toFixed(1);
    console.log(`module_db coverage: ${t.present} of ${fixture.modules.length} ModuleInfos present; ${t.matched} of ${t.samples} float32 samples match (${pct}%); ` +
      `seeded init equal to PyTorch's in ${t.init} of ${t.inits}, repr in ${t.reprs}; ` +
      `${t.errorsRefused} of ${t.errors} error inputs refused, ${t.errorsSameText} with PyTorch's first line`);
    // TSORCH_MODULEDB_MISSES=<file> writes every sample that does not match, with why.
    if (process.env.TSORCH_MODULEDB_MISSES) writeFileSync(process.env.TSORCH_MODULEDB_MISSES, JSON.stringify([...t.misses, ...t.initMisses], null, 1));
    expect(t.present).toBeGreaterThanOrEqual(FLOOR.present);
    expect(t.matched).toBeGreaterThanOrEqual(FLOOR.matched);
    expect(t.init).toBeGreaterThanOrEqual(FLOOR.init);
    expect(t.errorsRefused).toBeGreaterThanOrEqual(FLOOR.errorsRefused);
    expect(t.errorsSameText).toBeGreaterThanOrEqual(FLOOR.errorsSameText);
  });
});

/** What this tree reaches today; raise it as modules arrive. */
const FLOOR = { present: 91, matched: 438, init: 427, errorsRefused: 61, errorsSameText: 60 };

describe("required constructor parameters by keyword, as Python takes them", () => {
  it("build the same module as the positional call, and a missing one is Python's TypeError", () => {
    torch.manual_seed(0);
    const a = new nn.LSTM(3, 4, { num_layers: 2 });
    torch.manual_seed(0);
    const b = new (nn.LSTM as unknown as Ctor)({ input_size: 3, hidden_size: 4, num_layers: 2 });
    expect(String(b)).toBe(String(a));
    expect(String(b)).toBe("LSTM(3, 4, num_layers=2)");
    const sa = a.state_dict(), sb = b.state_dict();
    for (const k of Object.keys(sa)) expect(torch.equal(sa[k] as Tensor, sb[k] as Tensor), k).toBe(true);
    expect(String(new (nn.Conv2d as unknown as Ctor)(1, { out_channels: 6, kernel_size: 5, padding: 2 }))).toBe("Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))");
    expect(String(new (nn.AvgPool1d as unknown as Ctor)({ kernel_size: 2 }))).toBe("AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))");
    expect(() => new (nn.Embedding as unknown as Ctor)({ num_embeddings: 4 })).toThrow("Embedding.__init__() missing 1 required positional argument: 'embedding_dim'");
    expect(() => new (nn.Linear as unknown as Ctor)({ bias: false })).toThrow("Linear.__init__() missing 2 required positional arguments: 'in_features' and 'out_features'");
  });
});
