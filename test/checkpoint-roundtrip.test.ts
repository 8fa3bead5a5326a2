/**
 * torch.save then torch.load inside tsorch: the Python values a checkpoint can
 * hold keep their kind (tuples, int keys, big ints, dtypes, OrderedDict with
 * `_metadata`), views keep sharing their storage, and what cannot be saved
 * or loaded says why.
 */
import { expect, test } from "vitest";
import { nn, torch, TsorchError, UnpicklingError } from "../src/index.js";
import { isTuple, hasIntKeys, isOrdered, markIntKeys, markTuple } from "../src/serialization/py-types.js";

const roundTrip = (v: unknown): any => torch.load(torch.save(v)!);

test("plain values keep their Python kind", () => {
  const v = roundTrip({
    int: 7, neg: -70000, big: 2 ** 60 + 0, bigint: 2n ** 70n, float: 0.1, nan: NaN, inf: -Infinity, str: "héllo ∑",
    none: null, t: true, f: false, list: [1, [2]], tuple: markTuple([1, "a"]), dtype: torch.float64,
    ints: markIntKeys({ 0: "a", 5: "b" }), map: new Map<unknown, unknown>([[1, "x"], ["y", 2]]),
    __proto__key: Object.defineProperty({}, "__proto__", { value: 1, enumerable: true }),
  });
  expect(v.int).toBe(7);
  expect(v.neg).toBe(-70000);
  expect(v.big).toBe(2 ** 60);
  expect(v.bigint).toBe(2n ** 70n);
  expect(v.float).toBe(0.1);
  expect(v.nan).toBeNaN();
  expect(v.inf).toBe(-Infinity);
  expect(v.str).toBe("héllo ∑");
  expect(v.none).toBe(null);
  expect([v.t, v.f]).toEqual([true, false]);
  expect(v.list).toEqual([1, [2]]);
  expect(isTuple(v.tuple)).toBe(true);
  expect(isTuple(v.list)).toBe(false);
  expect(v.dtype).toBe(torch.float64);
  expect(hasIntKeys(v.ints)).toBe(true);
  expect(v.ints).toEqual({ 0: "a", 5: "b" });
  expect(v.map).toBeInstanceOf(Map);
  expect([...v.map]).toEqual([[1, "x"], ["y", 2]]);
  expect(Object.getPrototypeOf(v.__proto__key)).toBe(Object.prototype);
  expect(Object.keys(v.__proto__key)).toEqual(["__proto__"]);
});

test("a state dict stays an OrderedDict with its _metadata; views share their storage", () => {
  const net = new nn.Sequential(new nn.Linear(2, 3), new nn.BatchNorm1d(3));
  const sd = roundTrip(net.state_dict());
  expect(isOrdered(sd)).toBe(true);
  expect(sd._metadata).toEqual({ "": { version: 1 }, 0: { version: 1 }, 1: { version: 2 } });
  expect(Object.keys(sd)).toEqual(Object.keys(net.state_dict()));
  const base = torch.arange(6).float().view(2, 3);
  const { a, b, c } = roundTrip({ a: base, b: base.t(), c: base.select(1, 2) });
  expect(b.storage).toBe(a.storage);
  expect(c.storage).toBe(a.storage);
  expect(b.stride()).toEqual([1, 3]);
  expect(c.tolist()).toEqual([2, 5]);
  a.mul_(10);
  expect(c.tolist()).toEqual([20, 50]);
  const same = roundTrip([base, base]);
  expect(same[0]).toBe(same[1]);
  const p = roundTrip(new nn.Parameter(torch.ones(2)));
  expect(p).toBeInstanceOf(nn.Parameter);
  expect(p.requires_grad).toBe(true);
});

test("what cannot cross says why", () => {
  const err = (f: () => unknown): Error => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(TsorchError);
      return e as Error;
    }
    throw new Error("expected an error");
  };
  expect(err(() => torch.save(new nn.Linear(2, 2))).message).toMatch(/Can't pickle a Linear module.*torch\.save\(x\.state_dict\(\), path\)/);
  expect(err(() => torch.save({ f: () => 1 })).message).toMatch(/Can't pickle the function f/);
  expect(err(() => torch.save(torch.zeros(2, { device: "meta" }))).message).toMatch(/'meta' device/);
  expect(err(() => torch.load(torch.save(1)!, { weights_only: false }))).toBeInstanceOf(UnpicklingError);
  const missing = err(() => torch.load("/nonexistent/model.pt"));
  expect(missing.name).toBe("FileNotFoundError");
  expect(missing.message).toBe("[Errno 2] No such file or directory: '/nonexistent/model.pt'");
});

test("a loaded checkpoint shows its tensors and its other values in notebooks", () => {
  const ckpt = roundTrip({ model: new nn.Linear(3, 2).state_dict(), epoch: 4, best: 0.5, done: false });
  const bundle = ckpt[Symbol.for("Jupyter.display")]() as Record<string, string>;
  expect(bundle["text/plain"]!.split("\n")).toEqual([
    "checkpoint: 2 tensors, 8 values (float32), 32 B",
    "  key           shape   dtype",
    "  model.weight  [2, 3]  float32",
    "  model.bias    [2]     float32",
    "  also: epoch = 4 · best = 0.5 · done = False",
  ]);
  expect(bundle["text/html"]).toMatch(/<caption[^>]*>checkpoint: 2 tensors, 8 values \(float32\), 32 B<\/caption>/);
  // Not a key: Object.keys and load_state_dict do not see the display method.
  expect(Object.keys(ckpt)).toEqual(["model", "epoch", "best", "done"]);
});
