/**
 * Tensor printing against PyTorch 1.13.1: every repr in test/fixtures/format.json
 * (made by gen_format.py) must come out character for character.
 */
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ArgumentError, DTypeError, TsorchError } from "../src/errors.js";
import { formatScalarLikePython, formatShapeTuple, formatSize, formatTensor, formatTensorData, type PrintDType, type Printable } from "../src/tensor/format.js";
import { exactForTesting, formatExponential, formatFixed, formatFloatRepr } from "../src/tensor/format-float.js";
import { get_printoptions, type PrintOptions, set_printoptions, type SetPrintOptionsArgs } from "../src/tensor/print-options.js";

type JsonValue = number | string | boolean;

interface TensorCase {
  kind: "tensor";
  name: string;
  shape: number[];
  dtype: PrintDType;
  values?: JsonValue[];
  b64?: string;
  requires_grad?: boolean;
  grad_fn?: string;
  isParameter?: boolean;
  opts?: SetPrintOptionsArgs;
  repr?: string;
  error?: { type: string; message: string };
}
interface ScalarCase { kind: "scalar"; name: string; dtype: PrintDType; value: JsonValue; repr: string }
interface SizeCase { kind: "size"; name: string; shape: number[]; repr: string }
interface FloatCase { kind: "fixed" | "exp"; name: string; value: number; precision: number; repr: string }
type Case = TensorCase | ScalarCase | SizeCase | FloatCase;

const fixture = JSON.parse(readFileSync(new URL("./fixtures/format.json", import.meta.url), "utf8")) as {
  torch: string;
  cases: Case[];
};
const tensorCases = fixture.cases.filter((c): c is TensorCase => c.kind === "tensor");
const scalarCases = fixture.cases.filter((c): c is ScalarCase => c.kind === "scalar");
const sizeCases = fixture.cases.filter((c): c is SizeCase => c.kind === "size");
const floatCases = fixture.cases.filter((c): c is FloatCase => c.kind === "fixed" || c.kind === "exp");

function decodeJson(v: JsonValue): number | bigint | boolean {
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  if (typeof v === "string") return BigInt(v); // int64 beyond 2^53
  return v;
}

function decodeValues(c: TensorCase): (number | bigint | boolean)[] {
  if (c.values) return c.values.map(decodeJson);
  const bytes = Buffer.from(c.b64!, "base64");
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  switch (c.dtype) {
    case "float32": return Array.from(new Float32Array(buf));
    case "float64": return Array.from(new Float64Array(buf));
    case "int32": return Array.from(new Int32Array(buf));
    case "uint8": case "bool": return Array.from(new Uint8Array(buf));
    case "int64":
      return Array.from(new BigInt64Array(buf), (v) => (v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v));
    default: throw new Error(`no base64 decoding for ${c.dtype}`);
  }
}

function printable(c: TensorCase): Printable {
  const values = decodeValues(c);
  return {
    shape: c.shape,
    dtype: c.dtype,
    get: (i) => values[i]!,
    requires_grad: c.requires_grad ?? false,
    grad_fn: c.grad_fn ?? null,
    isParameter: c.isParameter ?? false,
  };
}

/** The options PyTorch was under, as the per-call overrides formatTensor takes. */
function overridesFor(opts: SetPrintOptionsArgs | undefined): Partial<PrintOptions> {
  set_printoptions({ profile: "default" });
  set_printoptions(opts ?? {});
  const resolved = get_printoptions();
  set_printoptions({ profile: "default" });
  return resolved;
}

const resetOptions = (): void => set_printoptions({ profile: "default" });

describe("fixture", () => {
  it("comes from PyTorch 1.13 and has enough cases", () => {
    // Debian's 1.13.1 package reports its version as "1.13.0a0".
    expect(fixture.torch.startsWith("1.13.")).toBe(true);
    expect(tensorCases.length).toBeGreaterThanOrEqual(300);
    expect(new Set(fixture.cases.map((c) => c.name)).size).toBe(fixture.cases.length);
  });
});

describe("formatTensor matches repr(t) of PyTorch", () => {
  beforeEach(resetOptions);
  afterEach(resetOptions);

  it.each(tensorCases.map((c) => [c.name, c] as const))("%s (global options)", (_name, c) => {
    set_printoptions(c.opts ?? {});
    const t = printable(c);
    if (c.error) {
      let caught: unknown;
      try {
        formatTensor(t);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(TsorchError);
      expect((caught as TsorchError).name).toBe(c.error.type);
      expect((caught as TsorchError).message).toBe(c.error.message);
    } else {
      expect(formatTensor(t)).toBe(c.repr);
    }
  });

  it("gives the same text with the options passed per call, leaving the globals alone", () => {
    let compared = 0;
    for (const c of tensorCases) {
      if (!c.opts || c.error) continue;
      const overrides = overridesFor(c.opts);
      expect(formatTensor(printable(c), overrides), c.name).toBe(c.repr);
      expect(get_printoptions()).toEqual({ precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sci_mode: null });
      compared++;
    }
    expect(compared).toBeGreaterThan(30);
  });
});

describe("Python scalars, sizes and float formatting", () => {
  it("formatScalarLikePython matches repr(t.item())", () => {
    const wrong = scalarCases
      .map((c) => ({ name: c.name, want: c.repr, got: formatScalarLikePython(decodeJson(c.value), c.dtype) }))
      .filter((r) => r.got !== r.want);
    expect(wrong).toEqual([]);
    expect(scalarCases.length).toBeGreaterThan(400);
  });

  it("formatSize matches repr(torch.Size)", () => {
    for (const c of sizeCases) expect(formatSize(c.shape), c.name).toBe(c.repr);
    expect(sizeCases.length).toBeGreaterThan(0);
  });

  it("formatFixed / formatExponential match Python's '{:.Nf}' / '{:.Ne}', ties to even", () => {
    const wrong = floatCases
      .map((c) => {
        const got = c.kind === "fixed" ? formatFixed(c.value, c.precision) : formatExponential(c.value, c.precision);
        return { name: c.name, value: c.value, precision: c.precision, want: c.repr, got };
      })
      .filter((r) => r.got !== r.want);
    expect(wrong).toEqual([]);
    expect(floatCases.length).toBeGreaterThan(3000);
  });

  it("rounds exact binary ties to even where JS rounds them away from zero", () => {
    expect((0.03125).toFixed(4)).toBe("0.0313"); // the JS built-in this module must not trust
    expect(formatFixed(0.03125, 4)).toBe("0.0312");
    expect(formatFixed(0.09375, 4)).toBe("0.0938");
    expect(formatFixed(2.5, 0)).toBe("2");
    expect(formatFixed(-0.5, 0)).toBe("-0");
    expect(formatExponential(1.03125, 4)).toBe("1.0312e+00");
    expect(formatExponential(123455, 4)).toBe("1.2346e+05");
    expect(formatExponential(25, 0)).toBe("2e+01");
    expect(formatExponential(9.99995e-10, 4)).toBe(exactForTesting.exponential(9.99995e-10, 4));
  });

  it("the fast paths agree with exact BigInt arithmetic on random doubles and float32 values", () => {
    let seed = 12345;
    const next = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const view = new DataView(new ArrayBuffer(8));
    const mismatches: string[] = [];
    for (let i = 0; i < 20000; i++) {
      let x: number;
      if (i % 3 === 0) {
        // any bit pattern: subnormals, huge and tiny values
        view.setUint32(0, Math.floor(next() * 2 ** 32));
        view.setUint32(4, Math.floor(next() * 2 ** 32));
        x = view.getFloat64(0);
        if (!Number.isFinite(x)) continue;
      } else if (i % 3 === 1) {
        x = Math.fround((next() - 0.5) * 10 ** Math.floor(next() * 24 - 12));
      } else {
        x = Math.round((next() - 0.5) * 2 ** 12) / 2 ** Math.floor(next() * 14); // dyadic: many ties
      }
      const p = Math.floor(next() * 10);
      if (Math.abs(x) < 1e30 && formatFixed(x, p) !== exactForTesting.fixed(x, p)) mismatches.push(`fixed ${x} ${p}`);
      if (formatExponential(x, p) !== exactForTesting.exponential(x, p)) mismatches.push(`exp ${x} ${p}`);
    }
    expect(mismatches).toEqual([]);
  });

  it("formats non-finite values and zeros as Python does", () => {
    expect(formatFixed(NaN, 4)).toBe("nan");
    expect(formatExponential(-Infinity, 4)).toBe("-inf");
    expect(formatFixed(-0, 4)).toBe("-0.0000");
    expect(formatExponential(0, 2)).toBe("0.00e+00");
    expect(formatFloatRepr(-0)).toBe("-0.0");
    expect(formatFloatRepr(1e16)).toBe("1e+16");
    expect(formatFloatRepr(123)).toBe("123.0");
    expect(formatFloatRepr(0.0001)).toBe("0.0001");
  });
});

describe("set_printoptions / get_printoptions", () => {
  beforeEach(resetOptions);
  afterEach(resetOptions);
  const t: Printable = { shape: [4], dtype: "float32", get: (i) => [1.12345, 2.5, 1e-2, 7][i]! };

  it("starts at PyTorch's defaults", () => {
    expect(get_printoptions()).toEqual({ precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sci_mode: null });
  });

  it("applies a profile first, then the options given with it", () => {
    set_printoptions({ profile: "short", precision: 3 });
    expect(get_printoptions()).toEqual({ precision: 3, threshold: 1000, edgeitems: 2, linewidth: 80, sci_mode: null });
    set_printoptions({ profile: "full" });
    expect(get_printoptions().threshold).toBe(Infinity);
  });

  it("resets sci_mode to automatic on every call that does not give it, as PyTorch does", () => {
    set_printoptions({ sci_mode: true });
    expect(formatTensor(t)).toBe("tensor([1.1235e+00, 2.5000e+00, 1.0000e-02, 7.0000e+00])");
    set_printoptions({ precision: 2 });
    expect(get_printoptions().sci_mode).toBeNull();
    expect(formatTensor(t)).toBe("tensor([1.12, 2.50, 0.01, 7.00])");
  });

  it("takes PyTorch's positional order too", () => {
    set_printoptions(2, 5, 1, 60, null, false);
    expect(get_printoptions()).toEqual({ precision: 2, threshold: 5, edgeitems: 1, linewidth: 60, sci_mode: false });
  });

  it("returns a copy", () => {
    const o = get_printoptions();
    o.precision = 9;
    expect(get_printoptions().precision).toBe(4);
  });

  it("refuses bad values with a typed error and keeps the previous options", () => {
    set_printoptions({ precision: 6 });
    const bad: SetPrintOptionsArgs[] = [
      { precision: -1 },
      { precision: 2.5 },
      { precision: 100000 },
      { edgeitems: -1 },
      { threshold: NaN },
      { linewidth: 1.5 },
      { profile: "wide" as "full" },
      { sci_mode: "yes" as unknown as boolean },
    ];
    for (const args of bad) {
      expect(() => set_printoptions(args), JSON.stringify(args)).toThrow(ArgumentError);
      expect(get_printoptions().precision).toBe(6);
    }
    expect(() => formatTensor(t, { precision: -2 })).toThrow(ArgumentError);
  });
});

describe("formatTensor details", () => {
  beforeEach(resetOptions);
  afterEach(resetOptions);

  it("shows dtype=torch.float32 when the default dtype is float64", () => {
    const f32: Printable = { shape: [2], dtype: "float32", get: (i) => i };
    const f64: Printable = { shape: [2], dtype: "float64", get: (i) => i };
    expect(formatTensor(f32, { defaultDtype: "float64" })).toBe("tensor([0., 1.], dtype=torch.float32)");
    expect(formatTensor(f64, { defaultDtype: "float64" })).toBe("tensor([0., 1.])");
    expect(formatTensor({ shape: [0], dtype: "float64", get: () => 0 }, { defaultDtype: "float64" })).toBe("tensor([])");
  });

  it("rounds float32 elements to float32 even when handed a double", () => {
    expect(formatScalarLikePython(0.1, "float32")).toBe("0.10000000149011612");
    expect(formatTensor({ shape: [], dtype: "float32", get: () => 0.1 }, { precision: 10 })).toBe("tensor(0.1000000015)");
  });

  it("accepts booleans, 0/1 and bigint elements", () => {
    expect(formatTensor({ shape: [2], dtype: "bool", get: (i) => i === 0 })).toBe("tensor([ True, False])");
    expect(formatTensor({ shape: [2], dtype: "bool", get: (i) => i })).toBe("tensor([False,  True])");
    expect(formatTensor({ shape: [1], dtype: "int64", get: () => 2n ** 63n - 1n })).toBe("tensor([9223372036854775807])");
  });

  it("formatTensorData gives the bracketed values alone", () => {
    expect(formatTensorData({ shape: [2], dtype: "float32", get: (i) => i / 2 }, 0)).toBe("[0.0000, 0.5000]");
    expect(formatTensorData({ shape: [0, 2], dtype: "float32", get: () => 0 }, 0)).toBe("[]");
  });

  it("formats shape tuples as Python does", () => {
    expect(formatShapeTuple([0])).toBe("(0,)");
    expect(formatShapeTuple([2, 0, 3])).toBe("(2, 0, 3)");
    expect(formatShapeTuple([])).toBe("()");
  });

  it("reads only the elements it shows", () => {
    const reads = new Set<number>();
    const big: Printable = { shape: [1000, 1000], dtype: "float32", get: (i) => (reads.add(i), i % 7) };
    const text = formatTensor(big);
    expect(text.split("\n")).toHaveLength(7);
    expect(reads.size).toBe(36);
  });

  it("refuses unknown dtypes and malformed shapes with typed errors", () => {
    expect(() => formatTensor({ shape: [1], dtype: "complex64" as PrintDType, get: () => 0 })).toThrow(DTypeError);
    expect(() => formatTensor({ shape: [-1], dtype: "float32", get: () => 0 })).toThrow(ArgumentError);
    expect(() => formatTensor({ shape: [1.5], dtype: "float32", get: () => 0 })).toThrow(ArgumentError);
    expect(() => formatScalarLikePython(1, "string" as PrintDType)).toThrow(DTypeError);
  });
});
