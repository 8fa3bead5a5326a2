/**
 * The evaluator's notebook semantics: values, state across cells, redeclaration of every kind,
 * top-level await, globals, and cells that fail in every way leaving later cells working.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { notebook, plain, runtime, type TestNotebook, removeNotebookDirs } from "./eval-fixtures/helpers.js";

afterAll(removeNotebookDirs);

let nb: TestNotebook;

beforeAll(async () => {
  nb = notebook();
  await nb.ev.warmUp();
});

describe("cell values", () => {
  test("the last expression statement is the cell's value", async () => {
    expect(await nb.run("1 + 1")).toEqual({ status: "ok", value: 2, hasValue: true });
    expect(await nb.run("const a1 = 3\na1 * 2")).toEqual({ status: "ok", value: 6, hasValue: true });
  });

  test("declarations, statements and undefined show nothing", async () => {
    expect(await nb.run("const b1 = 1")).toMatchObject({ status: "ok", hasValue: false });
    expect(await nb.run("if (b1) { b1 + 1 }")).toMatchObject({ status: "ok", hasValue: false });
    expect(await nb.run("undefined")).toMatchObject({ status: "ok", hasValue: false });
    expect(await nb.run("function nothing() {}\nnothing()")).toMatchObject({ status: "ok", hasValue: false });
    expect(await nb.run("null")).toEqual({ status: "ok", value: null, hasValue: true });
  });

  test("a trailing semicolon does not hide the value (TypeScript style), assignments show nothing", async () => {
    expect(await nb.run("b1 + 41;")).toEqual({ status: "ok", value: 42, hasValue: true });
    expect(await nb.run("let c1 = 0\nc1 = 5")).toMatchObject({ status: "ok", hasValue: false });
    expect(await nb.value("c1")).toBe(5);
    expect(await nb.run("void c1")).toMatchObject({ status: "ok", hasValue: false });
  });

  test("a promise as the last value is shown as a promise, in sync and async cells alike", async () => {
    // (Through `run`: returning the value from an async helper would unwrap it.)
    const sync = await nb.run("Promise.resolve(7)");
    expect(sync.status === "ok" && sync.value).toBeInstanceOf(Promise);
    const asyncCell = await nb.run("await 1\nPromise.resolve(8)");
    expect(asyncCell.status === "ok" && asyncCell.value).toBeInstanceOf(Promise);
    expect(await (asyncCell as { value: Promise<number> }).value).toBe(8);
  });
});

describe("state across cells", () => {
  test("names persist, and functions see later values of the names they use (late binding)", async () => {
    await nb.value("let counter = 0\nfunction inc() { counter++; return counter }");
    expect(await nb.value("counter = 10; inc()")).toBe(11);
    expect(await nb.value("counter")).toBe(11);
    await nb.value("function helper() { return 'old' }\nfunction callsHelper() { return helper() }");
    await nb.value("function helper() { return 'new' }");
    expect(await nb.value("callsHelper()")).toBe("new");
  });

  test("function declarations are hoisted within their cell", async () => {
    expect(await nb.value("hoisted()\nfunction hoisted() { return 'up' }\n")).toBeUndefined();
    expect(await nb.value("const early = hoisted2()\nfunction hoisted2() { return 'up' }\nearly")).toBe("up");
  });

  test("destructuring declarations define every name", async () => {
    await nb.value("const { d1, nested: [d2, ...d3], d4 = 'default', ...d5 } = { d1: 1, nested: [2, 3, 4], extra: true } as any");
    expect(await nb.value("[d1, d2, d3, d4, d5]")).toEqual([1, 2, [3, 4], "default", { extra: true }]);
  });

  test("a function called without a receiver gets `this === undefined`, as in a module", async () => {
    expect(await nb.value("function whoAmI(this: unknown) { return this }\nwhoAmI()")).toBeUndefined();
  });

  test("names keep their function and class names", async () => {
    expect(await nb.value("const arrow = () => 1\nconst Anon = class {};\n[arrow.name, Anon.name]")).toEqual(["arrow", "Anon"]);
    expect(await nb.value("class Named {}\nNamed.name")).toBe("Named");
  });

  test("cell names do not leak into globalThis", async () => {
    await nb.value("const process2 = 1\nconst name = 'cell'");
    expect((globalThis as Record<string, unknown>).process2).toBeUndefined();
    expect(await nb.value("typeof globalThis.process.pid")).toBe("number");
  });
});

describe("redeclaration", () => {
  test("const, let and var can be redeclared with a new type", async () => {
    await nb.value("const r1 = 1");
    await nb.value("const r1 = 'now a string'");
    expect(await nb.value("r1.toUpperCase()")).toBe("NOW A STRING");
    await nb.value("let r2 = 1");
    await nb.value("let r2 = [1, 2]");
    expect(await nb.value("r2.length")).toBe(2);
    await nb.value("var r3 = 1");
    await nb.value("var r3 = { v: 1 }");
    expect(await nb.value("r3.v")).toBe(1);
    // The old type is gone: number methods no longer type-check.
    const out = await nb.run("r1.toFixed(2)");
    expect(out.status).toBe("compile_error");
  });

  test("a const from an earlier cell cannot be assigned, a let can", async () => {
    await nb.value("const fixed = 1\nlet loose = 1");
    const out = await nb.run("fixed = 2");
    expect(out).toMatchObject({ status: "compile_error", ename: "TSError" });
    if (out.status === "compile_error") expect(out.evalue).toContain("Cannot assign to 'fixed' because it is a constant.");
    expect(await nb.run("loose = 2; loose += 1")).toMatchObject({ status: "ok" });
    expect(await nb.value("loose")).toBe(3);
  });

  test("classes: the new class takes over, old instances keep their old class", async () => {
    await nb.value("class Model { kind() { return 'v1' } }\nconst m1 = new Model()");
    await nb.value("class Model { kind() { return 'v2' } extra() { return true } }");
    expect(await nb.value("new Model().extra()")).toBe(true);
    expect(await nb.value("m1.kind()")).toBe("v1");
    expect(await nb.value("m1 instanceof Model")).toBe(false);
    // m1's type is the old class: it has no `extra`.
    expect((await nb.run("m1.extra()")).status).toBe("compile_error");
  });

  test("functions, enums and namespaces", async () => {
    await nb.value("function f1(x: number) { return x + 1 }");
    await nb.value("function f1(s: string) { return s + '!' }");
    expect(await nb.value("f1('hi')")).toBe("hi!");
    expect((await nb.run("f1(1)")).status).toBe("compile_error");

    await nb.value("enum Color { Red, Green }");
    await nb.value("enum Color { Cyan = 'c', Magenta = 'm' }");
    expect(await nb.value("Color.Magenta")).toBe("m");
    expect((await nb.run("Color.Red")).status).toBe("compile_error");

    await nb.value("namespace Geo { export const unit = 1 }");
    await nb.value("namespace Geo { export const unit = 'm'; export function twice(x: number) { return 2 * x } }");
    expect(await nb.value("[Geo.unit, Geo.twice(2)]")).toEqual(["m", 4]);
  });

  test("types and interfaces: the new declaration is the one checked", async () => {
    await nb.value("type Id = number\ninterface Shape { sides: number }");
    expect(await nb.value("const id1: Id = 1\nconst sq: Shape = { sides: 4 }\nsq.sides")).toBe(4);
    await nb.value("type Id = string\ninterface Shape { name: string }");
    expect(await nb.value("const id2: Id = 'abc'\nconst tri: Shape = { name: 'triangle' }\ntri.name")).toBe("triangle");
    const out = await nb.run("const id3: Id = 5");
    expect(out.status).toBe("compile_error");
    if (out.status === "compile_error") expect(out.evalue).toContain("Type 'number' is not assignable to type 'string'");
  });

  test("a name can change kind: a const becomes a class, a class becomes a function", async () => {
    await nb.value("const Shifty = 1");
    await nb.value("class Shifty { v = 2 }");
    expect(await nb.value("new Shifty().v")).toBe(2);
    await nb.value("function Shifty() { return 3 }");
    expect(await nb.value("Shifty()")).toBe(3);
  });

  test("redeclaring a kernel global shadows it for later cells", async () => {
    await nb.value("const featureMaps = 'mine'");
    expect(await nb.value("featureMaps.length")).toBe(4);
  });
});

describe("TypeScript features in cells", () => {
  test("classes with generics, private fields, accessors, statics and abstract members", async () => {
    await nb.value(
      [
        "abstract class Shape<T> {",
        "  static count = 0",
        "  static { Shape.count = 100 }",
        "  #secret = 7",
        "  constructor(protected readonly label: T) { Shape.count++ }",
        "  abstract area(): number",
        "  get secret() { return this.#secret }",
        "  static make() { return new Square(2) }",
        "}",
        "class Square extends Shape<string> {",
        "  constructor(private side: number) { super('square') }",
        "  area() { return this.side ** 2 }",
        "}",
      ].join("\n"),
    );
    expect(await nb.value("const sq = Shape.make();\n[sq.area(), sq.secret, Shape.count, sq instanceof Shape]")).toEqual([4, 7, 101, true]);
  });

  test("overloads, exported declarations and merged declarations", async () => {
    await nb.value("function over(a: string): string\nfunction over(a: number): number\nfunction over(a: any) { return a }");
    expect(await nb.value("over(1) + over('a').length")).toBe(2);
    await nb.value("export const exported = 'fine'\nexport function exportedFn() { return exported }");
    expect(await nb.value("exportedFn()")).toBe("fine");
    await nb.value("function merged() { return 'fn' }\nnamespace merged { export const extra = 'ns' }");
    expect(await nb.value("merged() + merged.extra")).toBe("fnns");
    await nb.value("class Merged2 { static a = 1 }\nnamespace Merged2 { export const b = 2 }\ninterface Merged2 { c?: number }");
    expect(await nb.value("Merged2.a + Merged2.b")).toBe(3);
    await nb.value("enum Dir { Up = 1 }\nnamespace Dir { export function flip(d: Dir) { return -d } }");
    expect(await nb.value("Dir.flip(Dir.Up)")).toBe(-1);
  });

  test("`declare` types a value that lives elsewhere, for the cell that says so", async () => {
    await nb.value("(globalThis as any).ambientValue = 7");
    expect(await nb.value("declare const ambientValue: number\nambientValue * 2")).toBe(14);
    expect((await nb.run("ambientValue")).status).toBe("compile_error");
    delete (globalThis as Record<string, unknown>).ambientValue;
  });

  test("const enums and type-only namespaces", async () => {
    await nb.value("const enum Flag { On = 1, Off = 0 }\nnamespace OnlyTypes { export type T = number }");
    expect(await nb.value("const fl: OnlyTypes.T = Flag.On\nfl")).toBe(1);
  });
});

describe("the type-checking project", () => {
  test("cells nobody can reach any more leave the project, so long sessions stay fast", async () => {
    const live = () => (nb.ev as unknown as { live: Map<number, unknown> }).live.size;
    await nb.value("const rerun = 0");
    const before = live();
    for (let i = 0; i < 30; i++) await nb.value(`const rerun = ${i}`);
    expect(live()).toBeLessThanOrEqual(before + 1);
    expect(await nb.value("rerun")).toBe(29);
  });
});

describe("top-level await", () => {
  test("await works and declarations stay global", async () => {
    const value = await nb.value("const waited = await new Promise<number>((r) => setTimeout(() => r(21), 5))\nwaited * 2");
    expect(value).toBe(42);
    expect(await nb.value("waited")).toBe(21);
    expect(await nb.value("async function later() { return 'later' }\nawait later()")).toBe("later");
  });

  test("for await and await inside nested expressions", async () => {
    const out = await nb.value(
      "async function* gen() { yield 1; yield 2 }\nlet total = 0\nfor await (const v of gen()) total += v\ntotal + (await Promise.resolve(10))",
    );
    expect(out).toBe(13);
  });

  test("a rejected await is a runtime error, and later cells work", async () => {
    const out = await nb.run("const before = 1\nawait Promise.reject(new RangeError('went wrong'))\nconst after = 2");
    expect(out).toMatchObject({ status: "runtime_error", ename: "RangeError", evalue: "went wrong" });
    expect(await nb.value("before")).toBe(1);
    expect((await nb.run("after")).status).toBe("compile_error");
  });
});

describe("globals", () => {
  test("runtime and kernel globals are visible without imports", async () => {
    expect(await nb.value("torch.zeros(2, 3).numel()")).toBe(6);
    expect(await nb.value("display(1).displayId")).toBe("d1");
  });

  test("globals are typed from the runtime's exports and the preload declarations", async () => {
    const bad = await nb.run("torch.zeros('a')");
    expect(bad.status).toBe("compile_error");
    if (bad.status === "compile_error") expect(bad.evalue).toContain("not assignable to parameter of type 'number'");
    expect((await nb.run("display(1).nope")).status).toBe("compile_error");
    // Types as well as values: annotations and namespaces work.
    expect(await nb.value("const t: Tensor = torch.ones(4)\nconst lin: nn.Linear = new nn.Linear(4, 2)\nlin.outFeatures")).toBe(2);
    // A global the runtime does not export is `any` (a fresh notebook: this one shadowed it).
    const fresh = notebook({ cwd: nb.dir });
    expect(await fresh.value("const n: number = featureMaps()\nn")).toBe("not typed by the runtime");
  });

  test("objects keep their identity: instanceof works between cells and the runtime", async () => {
    expect(await nb.value("torch.zeros(1) instanceof Tensor")).toBe(true);
    const t = await nb.value("torch.ones(2)");
    expect(t).toBeInstanceOf(runtime.Tensor);
    await nb.value("class Sub extends nn.Module {}\nconst sub = new Sub()");
    expect(await nb.value("sub instanceof nn.Module")).toBe(true);
    expect(await nb.value("[1, 2] instanceof Array && new Error('x') instanceof Error")).toBe(true);
  });

  test("require and import.meta resolve from the notebook's directory", async () => {
    expect(await nb.value("typeof require('node:path').join")).toBe("function");
    expect(await nb.value("import.meta.dirname")).toBe(nb.dir);
  });
});

describe("robustness", () => {
  test("throwing any value gives a clear outcome and later cells work", async () => {
    for (const [code, ename, evalue] of [
      ["throw 'boom'", "Uncaught", "'boom'"],
      ["throw undefined", "Uncaught", "undefined"],
      ["throw { code: 1 }", "Uncaught", "{ code: 1 }"],
      ["throw null", "Uncaught", "null"],
      ["throw new TypeError('bad type')", "TypeError", "bad type"],
      ["throw Object.assign(new Error('custom'), { name: 'RuntimeError' })", "RuntimeError", "custom"],
    ] as const) {
      const out = await nb.run(code);
      expect(out).toMatchObject({ status: "runtime_error", ename, evalue });
      if (out.status === "runtime_error") expect(plain(out.traceback)).toContain(`${ename}: ${evalue}`);
      expect(await nb.value("1 + 2")).toBe(3);
    }
  });

  test("a cell that fails midway keeps what it defined before the failure, not after", async () => {
    const out = await nb.run("const kept = 'yes';\n(undefined as any).boom\nconst lost = 'no'");
    expect(out).toMatchObject({ status: "runtime_error", ename: "TypeError" });
    expect(await nb.value("kept")).toBe("yes");
    const lost = await nb.run("lost");
    expect(lost.status).toBe("compile_error");
    if (lost.status === "compile_error") expect(lost.evalue).toContain("Cannot find name 'lost'");
  });

  test("a failed redeclaration keeps the earlier value and type", async () => {
    await nb.value("const survivor = 5");
    expect((await nb.run("const survivor = (() => { throw new Error('no') })() as string")).status).toBe("runtime_error");
    expect(await nb.value("survivor.toFixed(1)")).toBe("5.0");
  });

  test("syntax and type errors never break later cells", async () => {
    expect((await nb.run("let = = 3")).status).toBe("compile_error");
    expect((await nb.run("const q: number = 'q'")).status).toBe("compile_error");
    expect((await nb.run("q")).status).toBe("compile_error");
    expect(await nb.value("'still fine'")).toBe("still fine");
  });

  test("the kernel's own identifiers are refused, not silently broken", async () => {
    const out = await nb.run("const $tsorch = 1");
    expect(out).toMatchObject({ status: "compile_error" });
    if (out.status === "compile_error") expect(out.evalue).toContain("reserved");
  });

  test("a huge cell runs", async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `const big${i} = ${i}`);
    lines.push("big4999 + big0");
    expect(await nb.value(lines.join("\n"))).toBe(4999);
    expect(await nb.value("big1234")).toBe(1234);
  });

  test("executions are serialised", async () => {
    const slow = nb.ev.execute("await new Promise((r) => setTimeout(r, 30))\nconst order1 = Date.now()", ++nb.count);
    const fast = nb.ev.execute("order1", ++nb.count);
    expect((await slow).status).toBe("ok");
    expect(await fast).toMatchObject({ status: "ok", hasValue: true });
  });

  test("cells that use `any` freely still work (noImplicitAny is off)", async () => {
    expect(await nb.value("function loose(a, b) { return a + b }\nloose(1, 2)")).toBe(3);
    expect(await nb.value("let anything\nanything = 1\nanything = 'two'\nanything")).toBe("two");
    expect(await nb.value("try { JSON.parse('{') } catch (e) { e.name }")).toBeUndefined();
    expect(await nb.value("let caught = ''\ntry { JSON.parse('{') } catch (e) { caught = e.name }\ncaught")).toBe("SyntaxError");
  });
});
