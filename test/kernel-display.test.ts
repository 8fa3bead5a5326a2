/** Rich output (`kernel/display.ts`), the pager (`kernel/pager.ts`) and comms (`kernel/comms.ts`). */
import { describe, expect, it } from "vitest";
import { CommManager, type CommSink } from "../kernel/comms.js";
import { createDisplayApi, DISPLAY_SYMBOL, html, png, toDisplayData } from "../kernel/display.js";
import { describeValue, parseHelpQuery } from "../kernel/pager.js";
import { KERNEL_NAMES, preloadDeclarations } from "../kernel/preload.js";

describe("toDisplayData", () => {
  it("shows strings as themselves and other values through util.inspect", () => {
    expect(toDisplayData("hi")).toEqual({ data: { "text/plain": "hi" }, metadata: {} });
    expect(toDisplayData(42).data["text/plain"]).toBe("42");
    expect(toDisplayData([1, 2, 3]).data["text/plain"]).toBe("[ 1, 2, 3 ]");
    expect(toDisplayData({ a: { b: 1 } }).data["text/plain"]).toBe("{ a: { b: 1 } }");
  });

  it("gives HTML a plain-text form with tags dropped and entities decoded", () => {
    const shown = toDisplayData(html("<p>a &amp; b &lt;c&gt; &#x2192; &quot;d&quot;</p>")).data;
    expect(shown["text/plain"]).toBe('a & b <c> → "d"');
    expect(shown["text/html"]).toBe("<p>a &amp; b &lt;c&gt; &#x2192; &quot;d&quot;</p>");
  });

  it("cuts a huge string's text, saying how much is left out", () => {
    const text = toDisplayData("y".repeat(1_000_010)).data["text/plain"] as string;
    expect(text.length).toBeLessThan(1_000_100);
    expect(text.endsWith("… (10 more characters not shown)")).toBe(true);
  });

  it("uses the display symbol: bundles, { data, metadata }, binary images", () => {
    const bundle = { [DISPLAY_SYMBOL]: () => ({ "text/html": "<b>x</b>", "text/plain": "x" }) };
    expect(toDisplayData(bundle)).toEqual({ data: { "text/html": "<b>x</b>", "text/plain": "x" }, metadata: {} });
    const withMeta = { [DISPLAY_SYMBOL]: () => ({ data: { "image/png": new Uint8Array([137, 80, 78, 71]) }, metadata: { "image/png": { width: 8 } } }) };
    const shown = toDisplayData(withMeta);
    expect(shown.data["image/png"]).toBe("iVBORw==");
    expect(shown.metadata).toEqual({ "image/png": { width: 8 } });
    expect(typeof shown.data["text/plain"]).toBe("string");
    const json = { [DISPLAY_SYMBOL]: () => ({ "application/json": { a: [1] }, "application/vnd.x+json": { b: 2 } }) };
    expect(toDisplayData(json).data).toMatchObject({ "application/json": { a: [1] }, "application/vnd.x+json": { b: 2 } });
  });

  it("falls back to text, with a warning, when the display method misbehaves", () => {
    const warnings: string[] = [];
    class Broken {
      [DISPLAY_SYMBOL]() {
        throw new Error("no picture today");
      }
    }
    expect(toDisplayData(new Broken(), warnings).data).toEqual({ "text/plain": "<Broken>" });
    expect(warnings[0]).toMatch(/threw Error: no picture today/);
    const odd: string[] = [];
    const notBundle = { [DISPLAY_SYMBOL]: () => ({ "not a mime": 1, "text/plain": "ok" }) };
    expect(toDisplayData(notBundle, odd).data).toEqual({ "text/plain": "ok" });
    expect(odd[0]).toMatch(/not a MIME type/);
    const nothing: string[] = [];
    toDisplayData({ [DISPLAY_SYMBOL]: () => 5 }, nothing);
    expect(nothing[0]).toMatch(/returned number/);
  });
});

describe("createDisplayApi", () => {
  it("publishes display_data, update_display_data and clear_output with display ids", () => {
    const sent: [string, any][] = [];
    const warnings: string[] = [];
    const api = createDisplayApi({ publish: (t, c) => void sent.push([t, c]), warn: (w) => void warnings.push(w) });
    expect(api.display("plain")).toBeUndefined();
    const handle = api.display("step 1", { display_id: true, metadata: { k: 1 } })!;
    expect(handle.display_id).toMatch(/^[0-9a-f-]{36}$/);
    handle.update("step 2");
    api.updateDisplay("other", "x");
    api.clearOutput(true);
    api.display.png(new Uint8Array([1, 2, 3]), { width: 3, height: 1 });
    expect(sent.map((s) => s[0])).toEqual(["display_data", "display_data", "update_display_data", "update_display_data", "clear_output", "display_data"]);
    expect(sent[0]![1]).toEqual({ data: { "text/plain": "plain" }, metadata: {}, transient: {} });
    expect(sent[1]![1]).toMatchObject({ metadata: { k: 1 }, transient: { display_id: handle.display_id } });
    expect(sent[2]![1]).toMatchObject({ data: { "text/plain": "step 2" }, transient: { display_id: handle.display_id } });
    expect(sent[4]![1]).toEqual({ wait: true });
    expect(sent[5]![1]).toMatchObject({ data: { "image/png": "AQID", "text/plain": "<3x1 PNG image>" }, metadata: { "image/png": { width: 3, height: 1 } } });
    expect(() => api.updateDisplay("", 1)).toThrow(TypeError);
    expect(() => api.display(1, { display_id: 5 as never })).toThrow(/display_id must be/);
    expect(warnings).toEqual([]);
  });

  it("png() accepts base64 text as well as bytes", () => {
    expect(toDisplayData(png("AQID")).data["image/png"]).toBe("AQID");
  });
});

describe("pager", () => {
  it.each([
    ["Math.max?", { target: "Math.max", detailLevel: 0 }],
    ["Math.max??", { target: "Math.max", detailLevel: 1 }],
    ["?torch", { target: "torch", detailLevel: 0 }],
    ["  nn . Conv2d ?  ", { target: "nn.Conv2d", detailLevel: 0 }],
    ["a ? b : c", undefined],
    ["x?.y", undefined],
    ["1?", undefined],
    ["?x?", undefined],
  ])("%j → %j", (code, expected) => expect(parseHelpQuery(code)).toEqual(expected));

  it("describes functions, classes and instances", () => {
    class Net {
      layers = 3;
      forward(x: number) {
        return x;
      }
    }
    expect(describeValue(Net)).toMatch(/class Net[\s\S]*forward/);
    expect(describeValue(new Net())).toMatch(/Net instance[\s\S]*layers: number[\s\S]*forward/);
    expect(describeValue(function add(a: number, b: number) { return a + b; })).toMatch(/^add\(a, b\)/);
    expect(describeValue(Math.max)).toMatch(/max\(arg0, arg1\) \[native\]/);
    expect(describeValue(7)).toMatch(/number[\s\S]*value: 7/);
  });
});

describe("CommManager", () => {
  function manager() {
    const sent: [string, any][] = [];
    const errors: string[] = [];
    const sink: CommSink = { publish: (t, c) => void sent.push([t, c]), error: (e, where) => void errors.push(`${where}: ${(e as Error).message}`) };
    return { comms: new CommManager(sink), sent, errors };
  }

  it("opens comms from the frontend on registered targets and routes messages", () => {
    const { comms, sent, errors } = manager();
    const received: unknown[] = [];
    let closed = false;
    comms.registerTarget("t", (comm, open) => {
      comm.onMsg((data) => received.push(data));
      comm.onClose(() => (closed = true));
      comm.send({ hello: open.data.who });
    });
    comms.handleOpen({ comm_id: "1", target_name: "t", data: { who: "lab" } }, []);
    comms.handleMsg({ comm_id: "1", data: { n: 1 } }, []);
    expect(comms.info()).toEqual({ 1: { target_name: "t" } });
    expect(comms.info("other")).toEqual({});
    comms.handleClose({ comm_id: "1", data: {} }, []);
    expect(received).toEqual([{ n: 1 }]);
    expect(closed).toBe(true);
    expect(comms.info()).toEqual({});
    expect(sent).toEqual([["comm_msg", { comm_id: "1", data: { hello: "lab" } }]]);
    expect(errors).toEqual([]);
  });

  it("refuses unknown targets and reports handler errors without throwing", () => {
    const { comms, sent, errors } = manager();
    comms.handleOpen({ comm_id: "9", target_name: "nobody", data: {} }, []);
    expect(sent).toEqual([["comm_close", { comm_id: "9", data: {} }]]);
    comms.registerTarget("bad", (comm) => comm.onMsg(() => { throw new Error("handler broke"); }));
    comms.handleOpen({ comm_id: "2", target_name: "bad", data: {} }, []);
    comms.handleMsg({ comm_id: "2", data: {} }, []);
    comms.handleMsg({ comm_id: "404", data: {} }, []);
    expect(errors).toEqual([
      'comm_open: no comm target named "nobody"',
      "comm bad message handler: handler broke",
      'comm_msg: comm_msg for unknown comm "404"',
    ]);
  });

  it("opens comms from the kernel side", () => {
    const { comms, sent } = manager();
    const comm = comms.open("plot", { a: 1 });
    comm.send({ b: 2 });
    comm.close();
    comm.close();
    expect(() => comm.send({})).toThrow(/closed/);
    expect(sent.map((s) => s[0])).toEqual(["comm_open", "comm_msg", "comm_close"]);
    expect(sent[0]![1]).toMatchObject({ comm_id: comm.id, target_name: "plot", data: { a: 1 } });
  });
});

describe("preload declarations", () => {
  it("declare every kernel function at top level, and type-check", async () => {
    const text = preloadDeclarations();
    for (const name of KERNEL_NAMES) expect(text).toMatch(new RegExp(`^declare (const|function) ${name}\\b`, "m"));
    const ts = (await import("typescript")).default;
    const file = "preload.d.ts";
    // The widgets are typed from their own declaration files, which use Node's types.
    const options = { strict: true, noEmit: true, lib: ["lib.es2023.d.ts"], types: ["node"], module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext };
    const host = ts.createCompilerHost(options);
    const read = host.getSourceFile.bind(host);
    host.getSourceFile = (name, version) => (name === file ? ts.createSourceFile(file, text, version) : read(name, version));
    const program = ts.createProgram([file], options, host);
    const problems = ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(problems).toEqual([]);
  });
});
