/**
 * The kernel side of the Jupyter widgets protocol: each model's full state checked key by key
 * against ipywidgets 8 (test/fixtures/widgets.json, written by gen_widgets.py), then the protocol
 * over ZeroMQ against a spawned kernel, as the JupyterLab widget manager speaks it: comm_open with
 * state and buffers, update / echo_update, request_state, custom messages, the control comm's
 * request_states, Output capture by msg_id, interact, and bad input that loses nothing.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchKernel, type KernelClient, type LaunchedKernel } from "../kernel/client.js";
import type { Message } from "../kernel/messages.js";
import { cliPath } from "../kernel/paths.js";
import * as widgets from "../kernel/widgets/index.js";
import { manager } from "../kernel/widgets/widget.js";

if (!existsSync(cliPath())) throw new Error(`${cliPath()} is missing: run \`npm run build\` before these tests`);

interface Fixture {
  protocol_version: string;
  control_protocol_version: string;
  widgets: Record<string, string>;
  models: Record<string, Record<string, unknown>>;
}
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "widgets.json"), "utf8")) as Fixture;

/** A state as the fixture writes it: references by model name, bytes by length. */
function plain(value: unknown): unknown {
  if (typeof value === "string" && value.startsWith("IPY_MODEL_")) return { ref: manager.instances.get(value.slice(10))?.modelName };
  if (value instanceof Uint8Array) return { bytes: value.length };
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

describe("widget models match ipywidgets 8", () => {
  it("uses ipywidgets' protocol versions", () => {
    expect(fixture.protocol_version).toBe("2.1.0");
    expect(fixture.control_protocol_version).toBe("1.0.0");
  });

  for (const [name, modelName] of Object.entries(fixture.widgets)) {
    it(`${name}: ${modelName} with its layout and style, every key and default`, () => {
      const make: Record<string, () => widgets.Widget> = {
        Dropdown: () => new widgets.Dropdown({ options: [] }),
        ToggleButtons: () => new widgets.ToggleButtons({ options: [] }),
        jslink: () => widgets.jslink([new widgets.IntSlider(), "value"], [new widgets.IntSlider(), "value"]),
      };
      const cls = (widgets as unknown as Record<string, new () => widgets.Widget>)[name];
      const w = make[name]?.() ?? new cls!();
      expect(w.modelName).toBe(modelName);
      expect(plain(w.jsonState())).toEqual(fixture.models[modelName]);
      for (const part of ["layout", "style"]) {
        const sub = w.get(part);
        if (sub instanceof widgets.Widget) expect(plain(sub.jsonState())).toEqual(fixture.models[sub.modelName]);
      }
    });
  }
});

describe("widgets in a cell, checked without a frontend", () => {
  it("clamps, checks types and names, and keeps observers", () => {
    const s = new widgets.IntSlider({ value: 32, min: 16, max: 128 });
    const seen: unknown[] = [];
    s.observe((c) => seen.push([c.old, c.new]), "value");
    s.value = 500;
    expect(s.value).toBe(128);
    expect(() => (s.value = 1.5)).toThrow(/IntSlider.value must be an integer, got 1.5/);
    expect(() => new widgets.IntSlider({ valu: 3 } as never)).toThrow(/unknown option "valu"; it takes .*value/);
    expect(seen).toEqual([[32, 128]]);
    const d = new widgets.Dropdown({ options: [["conv1", 1], ["fc1", 2]], value: 2 });
    const picked: unknown[] = [];
    d.onChange((v) => picked.push(v));
    expect([d.value, d.label, d.index]).toEqual([2, "fc1", 1]);
    d.index = 0;
    expect(picked).toEqual([1]);
    expect(() => (d.value = 3)).toThrow(/3 is not one of the options \(conv1, fc1\)/);
    const b = new widgets.Button({ description: "go" });
    let clicks = 0;
    b.onClick(() => clicks++);
    b.click();
    expect(clicks).toBe(1);
  });
});

describe("the widget protocol over ZeroMQ", () => {
  let kernel: LaunchedKernel;
  let client: KernelClient;
  beforeAll(async () => {
    kernel = await launchKernel({ env: { TSORCH_LOG: "warn" } });
    client = kernel.client;
  });
  afterAll(async () => {
    await kernel?.stop();
  });

  const opens = (outputs: Message[]) => outputs.filter((m) => m.header.msg_type === "comm_open");
  const msgs = (outputs: Message[]) => outputs.filter((m) => m.header.msg_type === "comm_msg").map((m) => m.content.data as Record<string, any>);
  const ok = async (code: string) => {
    const r = await client.execute(code);
    expect(r.reply.content.status, JSON.stringify(r.outputs.map((m) => m.content))).toBe("ok");
    return r;
  };
  const commMsg = async (commId: string, data: object, buffers?: Uint8Array[]) => client.collect(client.send("shell", "comm_msg", { comm_id: commId, data }, { buffers }).msg_id);

  let sliderId = "";

  it("opens a comm per model with the full state, and displays the view", async () => {
    const { outputs } = await ok('const s = new widgets.IntSlider({ value: 32, min: 16, max: 128, description: "H" }); s');
    const o = opens(outputs);
    expect(o.map((m) => (m.content.data as any).state._model_name)).toEqual(["LayoutModel", "SliderStyleModel", "IntSliderModel"]);
    for (const m of o) {
      expect(m.content.target_name).toBe("jupyter.widget");
      expect(m.metadata).toEqual({ version: "2.1.0" });
    }
    const slider = o[2]!.content as any;
    sliderId = slider.comm_id;
    expect(slider.data.state).toMatchObject({ value: 32, min: 16, max: 128, description: "H", layout: `IPY_MODEL_${o[0]!.content.comm_id}`, style: `IPY_MODEL_${o[1]!.content.comm_id}` });
    expect(slider.data.buffer_paths).toEqual([]);
    const result = outputs.find((m) => m.header.msg_type === "execute_result")!;
    expect((result.content.data as any)["application/vnd.jupyter.widget-view+json"]).toEqual({ version_major: 2, version_minor: 0, model_id: sliderId });
    expect((result.content.data as any)["text/plain"]).toContain("IntSlider(value=32");
  });

  it("echoes frontend updates, does not send them back, runs observers, and re-sends clamped values", async () => {
    await ok('s.observe((c) => console.log(`H ${c.old} -> ${c.new}`), "value");');
    const out = await commMsg(sliderId, { method: "update", state: { value: 64 }, buffer_paths: [] });
    expect(msgs(out)).toEqual([{ method: "echo_update", state: { value: 64 }, buffer_paths: [] }]);
    expect(out.filter((m) => m.header.msg_type === "stream").map((m) => m.content.text).join("")).toBe("H 32 -> 64\n");
    expect((await ok("s.value")).outputs.find((m) => m.header.msg_type === "execute_result")?.content.data).toMatchObject({ "text/plain": "64" });
    const clamped = await commMsg(sliderId, { method: "update", state: { value: 500 }, buffer_paths: [] });
    expect(msgs(clamped)).toEqual([
      { method: "echo_update", state: { value: 500 }, buffer_paths: [] },
      { method: "update", state: { value: 128 }, buffer_paths: [] },
    ]);
    const fromKernel = await ok("s.value = 40;");
    expect(msgs(fromKernel.outputs)).toEqual([{ method: "update", state: { value: 40 }, buffer_paths: [] }]);
  });

  it("refuses a bad value from the frontend with a clear error, re-sends its own, and keeps going", async () => {
    const out = await commMsg(sliderId, { method: "update", state: { value: "abc" }, buffer_paths: [] });
    expect(msgs(out)).toContainEqual({ method: "update", state: { value: 40 }, buffer_paths: [] });
    expect(out.filter((m) => m.header.msg_type === "stream" && m.content.name === "stderr").map((m) => m.content.text).join("")).toMatch(/IntSlider.value must be an integer, got "abc"/);
    expect((await ok("s.value")).outputs.find((m) => m.header.msg_type === "execute_result")?.content.data).toMatchObject({ "text/plain": "40" });
  });

  it("answers request_state with the full state", async () => {
    const out = await commMsg(sliderId, { method: "request_state" });
    const [update] = msgs(out);
    expect(update!.method).toBe("update");
    expect(Object.keys(update!.state).sort()).toEqual(Object.keys(fixture.models.IntSliderModel!).sort());
    expect(update!.state.value).toBe(40);
  });

  it("delivers custom messages: a Button's clicks run kernel code", async () => {
    const { outputs } = await ok('const b = new widgets.Button({ description: "go" }); b.onClick(() => console.log("clicked")); b');
    const id = opens(outputs).find((m) => (m.content.data as any).state._model_name === "ButtonModel")!.content.comm_id as string;
    const out = await commMsg(id, { method: "custom", content: { event: "click" } });
    expect(out.filter((m) => m.header.msg_type === "stream").map((m) => m.content.text).join("")).toBe("clicked\n");
  });

  it("sends binary values as buffers, with buffer_paths", async () => {
    const { outputs } = await ok("const img = new widgets.Image({ value: new Uint8Array([137, 80, 78, 71]), width: 64 }); img");
    const open = opens(outputs).find((m) => (m.content.data as any).state._model_name === "ImageModel")!;
    expect((open.content.data as any).buffer_paths).toEqual([["value"]]);
    expect((open.content.data as any).state.value).toBeNull();
    expect([...open.buffers[0]!]).toEqual([137, 80, 78, 71]);
    expect((open.content.data as any).state.width).toBe("64");
    const out = await commMsg(open.content.comm_id as string, { method: "update", state: { value: null }, buffer_paths: [["value"]] }, [new Uint8Array([1, 2, 3])]);
    expect(msgs(out)[0]).toMatchObject({ method: "echo_update", buffer_paths: [["value"]] });
    expect([...out.find((m) => m.header.msg_type === "comm_msg")!.buffers[0]!]).toEqual([1, 2, 3]);
    expect((await ok("img.value.length")).outputs.find((m) => m.header.msg_type === "execute_result")?.content.data).toMatchObject({ "text/plain": "3" });
  });

  it("answers request_states on jupyter.widget.control with every model, and then knows a widget manager is there", async () => {
    expect((await ok("widgets.hasWidgetManager()")).outputs.find((m) => m.header.msg_type === "execute_result")?.content.data).toMatchObject({ "text/plain": "false" });
    const bad = await client.collect(client.send("shell", "comm_open", { comm_id: "ctl0", target_name: "jupyter.widget.control", data: {} }, { metadata: { version: "9.0.0" } }).msg_id);
    expect(bad.some((m) => m.header.msg_type === "comm_close")).toBe(true);
    await client.collect(client.send("shell", "comm_open", { comm_id: "ctl1", target_name: "jupyter.widget.control", data: {} }, { metadata: { version: "1.0.0" } }).msg_id);
    const out = await commMsg("ctl1", { method: "request_states" });
    const reply = out.find((m) => m.header.msg_type === "comm_msg")!;
    const data = reply.content.data as any;
    expect(data.method).toBe("update_states");
    expect(data.states[sliderId]).toMatchObject({ model_name: "IntSliderModel", model_module: "@jupyter-widgets/controls", model_module_version: "2.0.0", state: { value: 40 } });
    const imagePath = data.buffer_paths.find((p: unknown[]) => data.states[p[0] as string]?.model_name === "ImageModel");
    expect(imagePath?.slice(1)).toEqual(["state", "value"]);
    expect(reply.buffers.length).toBe(data.buffer_paths.length);
    expect((await ok("widgets.hasWidgetManager()")).outputs.find((m) => m.header.msg_type === "execute_result")?.content.data).toMatchObject({ "text/plain": "true" });
  });

  it("captures output in an Output widget by msg_id, and interact re-runs on each change into it", async () => {
    const r = await ok('const out = new widgets.Output(); display(out); out.capture(() => console.log("inside")); console.log("outside");');
    const msgId = r.reply.parent_header.msg_id;
    const seq = r.outputs.filter((m) => m.header.msg_type === "comm_msg" || m.header.msg_type === "stream").map((m) => (m.header.msg_type === "stream" ? `stream:${m.content.text}` : `msg_id:${(m.content.data as any).state.msg_id}`));
    expect(seq).toEqual([`msg_id:${msgId}`, "stream:inside\n", "msg_id:", "stream:outside\n"]);

    const i = await ok("widgets.interact(({ n, half }) => (half ? n / 2 : n * 2), { n: [1, 10], half: false });");
    const sliderOpen = opens(i.outputs).find((m) => (m.content.data as any).state._model_name === "IntSliderModel")!;
    expect((sliderOpen.content.data as any).state).toMatchObject({ min: 1, max: 10, value: 5, description: "n" });
    expect(opens(i.outputs).map((m) => (m.content.data as any).state._model_name)).toContain("CheckboxModel");
    const shown = i.outputs.filter((m) => m.header.msg_type === "display_data");
    expect((shown[0]!.content.data as any)["application/vnd.jupyter.widget-view+json"].model_id).toBe(opens(i.outputs).find((m) => (m.content.data as any).state._model_name === "VBoxModel")!.content.comm_id);
    expect((shown[1]!.content.data as any)["text/plain"]).toBe("10");
    const moved = await commMsg(sliderOpen.content.comm_id as string, { method: "update", state: { value: 7 }, buffer_paths: [] });
    const movedId = moved[0]!.parent_header.msg_id;
    const order = moved.filter((m) => ["comm_msg", "display_data", "clear_output"].includes(m.header.msg_type)).map((m) =>
      m.header.msg_type === "comm_msg" ? `${(m.content.data as any).method}:${JSON.stringify((m.content.data as any).state)}` : m.header.msg_type === "display_data" ? `display:${(m.content.data as any)["text/plain"]}` : "clear");
    expect(order).toEqual(['echo_update:{"value":7}', `update:{"msg_id":"${movedId}"}`, "clear", "display:14", 'update:{"msg_id":""}']);
  });

  it("explore: a move of the H slider re-traces and updates the trace and explanation views", async () => {
    await ok(`class Net extends nn.Module {
  conv1 = new nn.Conv2d(1, 6, 5); conv2 = new nn.Conv2d(6, 16, 5);
  fc1 = new nn.Linear(16 * 5 * 5, 120); fc2 = new nn.Linear(120, 84); fc3 = new nn.Linear(84, 10);
  forward(x: Tensor): Tensor {
    x = F.max_pool2d(F.relu(this.conv1(x)), 2);
    x = F.max_pool2d(F.relu(this.conv2(x)), 2);
    x = torch.flatten(x, 1);
    return this.fc3(F.relu(this.fc2(F.relu(this.fc1(x)))));
  }
}
const net = new Net();`);
    const { outputs } = await ok("const ex = explore(net, [1, 1, 32, 32]); ex");
    const byDescription = (d: string) => opens(outputs).find((m) => (m.content.data as any).state.description === d)!.content.comm_id as string;
    const html = (id: string, out: Message[]) => msgs(out.filter((m) => m.content.comm_id === id)).filter((d) => d.method === "update").map((d) => d.state.value).join("");
    const idOf = (name: "status" | "explanationView" | "traceView") => ok(`ex.${name}.model_id`).then((r) => String((r.outputs.find((m) => m.header.msg_type === "execute_result")!.content.data as any)["text/plain"]));
    const [status, explanation, traceView] = [await idOf("status"), await idOf("explanationView"), await idOf("traceView")];
    const moved = await commMsg(byDescription("H"), { method: "update", state: { value: 64 }, buffer_paths: [] });
    expect(html(status, moved)).toContain('data-failed="fc1"');
    expect(html(traceView, moved)).toContain('class="error"');
    // The explanation follows once the slider rests.
    const settled = await ok("await new Promise((r) => setTimeout(r, 300)); ex.explanationView.value");
    expect((settled.outputs.find((m) => m.header.msg_type === "execute_result")!.content.data as any)["text/plain"]).toContain("fc1 expects 400 = 16×5×5 features, got 1040 = 16×13×5");
    void explanation;
    const back = await commMsg(byDescription("H"), { method: "update", state: { value: 32 }, buffer_paths: [] });
    expect(html(status, back)).toContain("✓ 1×1×32×32 runs: output (1, 10)");
    expect(msgs(back.filter((m) => m.content.comm_id === explanation))).toContainEqual({ method: "update", state: { value: "" }, buffer_paths: [] });
  });
});
