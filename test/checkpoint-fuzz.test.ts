/**
 * Fuzzing torch.load with mutants of real checkpoints (seeded, so every run
 * tries the same 6,000): bit flips, byte overwrites, 32-bit fields set to
 * extreme values, truncations, insertions, deletions and duplicated ranges.
 *
 * - Mutants of whole .pt files (PyTorch 1.13's, 2.x's and tsorch's): each one
 *   loads to exactly the original values (the damage hit bytes nothing reads)
 *   or raises a typed error.
 * - Mutants of the pickle alone, re-zipped with valid CRCs so the unpickler
 *   sees them: a typed error, or a well-formed result whose every tensor lies
 *   inside its storage and can be read.
 * - Mutants of a safetensors file: the same.
 *
 * Every load must finish within a time bound; none may throw anything but a
 * tsorch error (no RangeError, no TypeError from inside the reader).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { torch, TsorchError } from "../src/index.js";
import { Tensor } from "../src/tensor/tensor.js";
import { readZip, writeZip } from "../src/serialization/zip.js";
import { safetensors } from "../src/serialization/index.js";
import { rng } from "./backend-helpers.js";

const FIX = fileURLToPath(new URL("./fixtures/checkpoints/", import.meta.url));
const PER_LOAD_MS = 1000;

function mutate(src: Uint8Array, r: () => number): Uint8Array {
  const n = src.length;
  const at = Math.floor(r() * n);
  const kind = Math.floor(r() * 7);
  switch (kind) {
    case 0: { // flip one bit
      const b = src.slice();
      b[at] ^= 1 << Math.floor(r() * 8);
      return b;
    }
    case 1: { // overwrite a few bytes
      const b = src.slice();
      for (let i = 0, k = 1 + Math.floor(r() * 4); i < k && at + i < n; i++) b[at + i] = Math.floor(r() * 256);
      return b;
    }
    case 2: { // a 32-bit field to an extreme value
      const b = src.slice();
      const v = [0xffffffff, 0x7fffffff, 0x80000000, 0, 0x10000][Math.floor(r() * 5)]!;
      for (let i = 0; i < 4 && at + i < n; i++) b[at + i] = (v >>> (8 * i)) & 0xff;
      return b;
    }
    case 3: return src.slice(0, at); // truncate
    case 4: { // insert random bytes
      const ins = Uint8Array.from({ length: 1 + Math.floor(r() * 8) }, () => Math.floor(r() * 256));
      const b = new Uint8Array(n + ins.length);
      b.set(src.subarray(0, at));
      b.set(ins, at);
      b.set(src.subarray(at), at + ins.length);
      return b;
    }
    case 5: { // delete a range
      const len = Math.min(n - at, 1 + Math.floor(r() * 16));
      const b = new Uint8Array(n - len);
      b.set(src.subarray(0, at));
      b.set(src.subarray(at + len), at);
      return b;
    }
    default: { // duplicate a range
      const len = 1 + Math.floor(r() * 32);
      const piece = src.slice(at, at + len);
      const b = new Uint8Array(n + piece.length);
      b.set(src.subarray(0, at + piece.length));
      b.set(piece, at + piece.length);
      b.set(src.subarray(at + piece.length), at + 2 * piece.length);
      return b;
    }
  }
}

/** Every tensor (path, dtype, shape, strides, offset, values) of a loaded value, in order. */
function fingerprint(v: unknown, seen = new Set<unknown>(), path = ""): string[] {
  if (v instanceof Tensor) {
    const values = v.is_meta || v.numel() > 1e6 ? "…" : JSON.stringify(v.reshape(-1).tolist());
    return [`${path} ${v.dtype.name} ${v.shape.join("x")} ${v.stride().join(",")} @${v.storage_offset()} ${values}`];
  }
  if (typeof v !== "object" || v === null) return [`${path}=${typeof v === "bigint" ? `${v}n` : JSON.stringify(v)}`];
  if (seen.has(v)) return [`${path} (shared)`];
  seen.add(v);
  const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
  return entries.flatMap(([k, x]) => fingerprint(x, seen, `${path}/${String(k)}`));
}

/** Loads a mutant; returns the value or the (typed) error, checking the time bound and the error type. */
function attempt(load: () => unknown, label: string): { value?: unknown; error?: TsorchError } {
  const t0 = performance.now();
  let out: { value?: unknown; error?: TsorchError };
  try {
    out = { value: load() };
  } catch (e) {
    if (!(e instanceof TsorchError)) throw new Error(`${label}: untyped ${(e as Error)?.name}: ${(e as Error)?.message}`);
    out = { error: e };
  }
  const ms = performance.now() - t0;
  if (ms > PER_LOAD_MS) throw new Error(`${label}: took ${ms.toFixed(0)} ms`);
  return out;
}

/** A loaded value is well formed when every tensor can be read (its elements lie in its storage). */
function readAll(v: unknown): void {
  fingerprint(v);
}

const seeds = [
  "torch1/tensors.pt", "torch2/tensors.pt", "torch1/batchnorm.pt", "torch2/optim_adam.pt", "tsorch/tensors.pt", "tsorch/optim_sgd.pt",
].map((f) => [f, new Uint8Array(readFileSync(`${FIX}${f}`))] as const);

test("5,000+ mutants: whole files, pickles alone, safetensors; right values or a typed error, in bounded time", () => {
  const r = rng(20261207);
  const counts = { zip: 0, zipLoaded: 0, pickle: 0, pickleLoaded: 0, safetensors: 0, safetensorsLoaded: 0 };
  const t0 = performance.now();

  // Whole files: 3,000 mutants.
  for (const [name, bytes] of seeds) {
    const original = fingerprint(torch.load(bytes)).join("\n");
    for (let i = 0; i < 500; i++) {
      const m = mutate(bytes, r);
      const res = attempt(() => torch.load(m), `${name} mutant ${i}`);
      counts.zip++;
      if (res.error === undefined) {
        counts.zipLoaded++;
        expect(fingerprint(res.value).join("\n"), `${name} mutant ${i} loaded different values`).toBe(original);
      }
    }
  }

  // The pickle alone, re-zipped with valid CRCs: 2,000 mutants.
  for (const [name, bytes] of seeds.slice(0, 4)) {
    const records = [...readZip(bytes).entries()];
    const pklIndex = records.findIndex(([k]) => k.endsWith("data.pkl"));
    for (let i = 0; i < 500; i++) {
      const entries = records.map(([k, v], j) => [k, j === pklIndex ? mutate(v, r) : v] as [string, Uint8Array]);
      const res = attempt(() => torch.load(writeZip(entries)), `${name} pickle mutant ${i}`);
      counts.pickle++;
      if (res.error === undefined) {
        counts.pickleLoaded++;
        readAll(res.value);
      }
    }
  }

  // safetensors: 1,000 mutants of a small file with metadata.
  const st = safetensors.save({
    w: torch.arange(12).float().view(3, 4), i: torch.tensor([1, -2, 2 ** 40]), b: torch.tensor([true, false]), d: torch.tensor([0.5], { dtype: torch.float64 }),
  }, { format: "pt" });
  for (let i = 0; i < 1000; i++) {
    const m = mutate(st, r);
    const res = attempt(() => safetensors.load(m), `safetensors mutant ${i}`);
    counts.safetensors++;
    if (res.error === undefined) {
      counts.safetensorsLoaded++;
      readAll(res.value);
    }
  }

  const total = counts.zip + counts.pickle + counts.safetensors;
  expect(total).toBeGreaterThanOrEqual(5000);
  // Most mutants must fail (the checks work) and some pickle mutants must load (the fuzzer reaches past the first byte).
  expect(counts.zipLoaded).toBeLessThan(counts.zip / 2);
  expect(counts.pickleLoaded).toBeGreaterThan(0);
  console.log(`checkpoint fuzz: ${total} mutants in ${((performance.now() - t0) / 1000).toFixed(1)} s`, counts);
}, 240_000);
