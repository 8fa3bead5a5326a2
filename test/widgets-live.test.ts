/**
 * Training-loop displays: a progress bar and a loss curve shown with a display_id and redrawn
 * with updateDisplay are today's outputs (display_data, then update_display_data) until a widget
 * manager connects, and widgets updated in place after (a FloatProgress with its numbers, an
 * Image with the new PNG as a buffer; no output replaced while the cell runs). A manager makes
 * itself known by opening the control comm (ipywidgets 8); comm_info_request for jupyter.widget
 * (ipywidgets 7, which cannot draw these models) leaves the plain displays. Each case on a fresh kernel.
 */
import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { launchKernel, type KernelClient, type LaunchedKernel } from "../kernel/client.js";
import type { Message } from "../kernel/messages.js";
import { cliPath } from "../kernel/paths.js";

if (!existsSync(cliPath())) throw new Error(`${cliPath()} is missing: run \`npm run build\` before these tests`);

const VIEW = "application/vnd.jupyter.widget-view+json";
const LOOP = `
const steps: number[] = [], losses: number[] = [];
const curve = () => linePlot({ series: [{ name: "loss", x: steps, y: losses }], title: "loss", xlabel: "step" });
const bar = progressBar({ total: 4, label: "epoch 1/1" });
display(curve(), { display_id: "curve" });
display(bar, { display_id: "bar" });
for (let i = 1; i <= 4; i++) {
  steps.push(i); losses.push(1 / i);
  bar.update(i, { loss: 1 / i });
  updateDisplay("bar", bar);
  updateDisplay("curve", curve());
}`;

const types = (outputs: Message[]) => outputs.map((m) => m.header.msg_type).filter((t) => t !== "status" && t !== "execute_input");
const state = (m: Message) => (m.content.data as { state: Record<string, unknown> }).state;

describe("progress bars and loss curves as widgets when a widget manager is there", () => {
  let kernel: LaunchedKernel | undefined;
  let client: KernelClient;
  afterEach(async () => {
    await kernel?.stop();
    kernel = undefined;
  });
  const start = async () => {
    kernel = await launchKernel({ env: { TSORCH_LOG: "warn" } });
    client = kernel.client;
  };
  const run = async (code: string) => {
    const r = await client.execute(code);
    expect(r.reply.content.status, JSON.stringify(r.outputs.map((m) => m.content))).toBe("ok");
    return r.outputs;
  };

  it("without one: display_data and update_display_data with the bar's HTML and the plot's PNG, no comms", async () => {
    await start();
    const outputs = await run(`import { linePlot, progressBar } from "tsorch";${LOOP}`);
    expect(types(outputs)).toEqual(["display_data", "display_data", ...Array(8).fill("update_display_data")]);
    const last = outputs.filter((m) => m.header.msg_type === "update_display_data");
    const lastBar = last.filter((m) => (m.content.transient as { display_id: string }).display_id === "bar").at(-1)!;
    expect((lastBar.content.data as Record<string, string>)["text/html"]).toMatch(/loss <b[^>]*>0.25<\/b>/);
    expect((lastBar.content.data as Record<string, string>)["text/plain"]).toMatch(/^epoch 1\/1 █+ 100% 4\/4/);
    expect(Object.keys(last.at(-1)!.content.data as object)).toContain("image/png");
  });

  it("after the control comm opens: one widget per display, updated in place; the fallback forms stay in the output", async () => {
    await start();
    await run('import { linePlot, progressBar } from "tsorch";');
    await client.collect(client.send("shell", "comm_open", { comm_id: "control", target_name: "jupyter.widget.control", data: {} }, { metadata: { version: "1.0.0" } }).msg_id);
    const outputs = await run(LOOP);
    // No output is replaced while the loop runs: two displays, then comm messages; as the cell ends, each
    // output gets its finished forms once, beside the same view.
    expect(types(outputs).filter((t) => t !== "comm_open" && t !== "comm_msg")).toEqual(["display_data", "display_data", "update_display_data", "update_display_data"]);
    const finals = Object.fromEntries(outputs.filter((m) => m.header.msg_type === "update_display_data").map((m) => [(m.content.transient as { display_id: string }).display_id, m.content.data as Record<string, unknown>]));
    const lastComm = outputs.map((m) => m.header.msg_type).lastIndexOf("comm_msg");
    expect(outputs.findIndex((m) => m.header.msg_type === "update_display_data")).toBeGreaterThan(lastComm);
    const opened = new Map(outputs.filter((m) => m.header.msg_type === "comm_open").map((m) => [m.content.comm_id as string, state(m)]));
    const [curveOut, barOut] = outputs.filter((m) => m.header.msg_type === "display_data").map((m) => m.content.data as Record<string, unknown>);
    const imageId = (curveOut![VIEW] as { model_id: string }).model_id;
    expect(opened.get(imageId)).toMatchObject({ _model_name: "ImageModel", format: "png", _dom_classes: ["tsorch-live-image"] });
    expect(Object.keys(curveOut!).sort()).toEqual([VIEW, "text/plain"]);
    const boxId = (barOut![VIEW] as { model_id: string }).model_id;
    const box = opened.get(boxId)!;
    expect(box._model_name).toBe("HBoxModel");
    const [progressId, htmlId] = (box.children as string[]).map((ref) => ref.replace("IPY_MODEL_", ""));
    expect(opened.get(progressId!)).toMatchObject({ _model_name: "FloatProgressModel", max: 4, value: 0, description: "epoch 1/1" });
    expect(barOut!["text/html"]).toContain("tsorch-progress");
    // Each updateDisplay is one update of the models.
    const updates = (id: string) => outputs.filter((m) => m.header.msg_type === "comm_msg" && m.content.comm_id === id);
    expect(updates(progressId!).map((m) => (m.content.data as { state: { value?: number } }).state.value)).toEqual([1, 2, 3, 4]);
    expect(state(updates(progressId!).at(-1)!)).toMatchObject({ bar_style: "success" });
    expect(String(state(updates(htmlId!).at(-1)!).value)).toContain("loss <b>0.25</b>");
    const images = updates(imageId);
    expect(images).toHaveLength(4);
    expect((images[0]!.content.data as { buffer_paths: unknown }).buffer_paths).toEqual([["value"]]);
    const png = images.at(-1)!.buffers[0]!;
    expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(png.length).toBeGreaterThan(1000);
    expect(finals.bar![VIEW]).toEqual(barOut![VIEW]);
    expect(finals.bar!["text/plain"]).toMatch(/^epoch 1\/1 █+ 100% 4\/4/);
    expect(finals.bar!["text/html"]).toMatch(/loss <b[^>]*>0.25<\/b>/);
    expect(finals.curve![VIEW]).toEqual(curveOut![VIEW]);
    expect(Buffer.from(finals.curve!["image/png"] as string, "base64").equals(Buffer.from(png))).toBe(true);
    // A cell that changes nothing sends nothing more.
    expect(types(await run("1")).filter((t) => t === "update_display_data")).toEqual([]);

    // Something that is not a bar under the id: the output is replaced as before.
    const replaced = await run('updateDisplay("bar", "done")');
    expect(types(replaced)).toEqual(["update_display_data"]);
    // Shown again under the same id, a curve keeps its model (every view of it follows).
    const again = await run('void display(curve(), { display_id: "curve" })');
    expect(((again.find((m) => m.header.msg_type === "display_data")!.content.data as Record<string, unknown>)[VIEW] as { model_id: string }).model_id).toBe(imageId);
  });

  it("comm_info_request for jupyter.widget (ipywidgets 7's managers) keeps the plain displays; the control comm then makes widgets", async () => {
    await start();
    await run('import { progressBar } from "tsorch";');
    await client.collect(client.send("shell", "comm_info_request", { target_name: "jupyter.widget" }).msg_id);
    expect(types(await run('void display(progressBar({ total: 3 }), { display_id: "a" })'))).toEqual(["display_data"]);
    expect(types(await run('updateDisplay("a", progressBar({ total: 3 }).update(2))'))).toEqual(["update_display_data"]);
    await client.collect(client.send("shell", "comm_open", { comm_id: "control", target_name: "jupyter.widget.control", data: {} }, { metadata: { version: "1.0.0" } }).msg_id);
    const outputs = await run('void display(progressBar({ total: 3 }), { display_id: "b" })');
    expect(types(outputs)).toContain("comm_open");
    expect(Object.keys(outputs.find((m) => m.header.msg_type === "display_data")!.content.data as object)).toContain(VIEW);
    // Without a display_id nothing is updated later: the bar shows as HTML.
    const plain = await run("display(progressBar({ total: 3 }))");
    expect(types(plain)).toEqual(["display_data"]);
  });
});
