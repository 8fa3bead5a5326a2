/**
 * Widgets where there is no widget manager: `tsorch run` saves the widgets' last state in the
 * notebook's metadata as JupyterLab does, `--html` embeds it as nbconvert does and draws every
 * control from it as static HTML with its last value (no script, nothing from the network), the
 * cells show their text form, and the explorer reads as its trace and explanation.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { requireBuild, tempDir, tsorch } from "./run-support.js";

requireBuild();
const dir = tempDir("tsorch-widgets-run-");
const code = (source: string) => ({ cell_type: "code", metadata: {}, source, outputs: [], execution_count: null });
const notebook = join(dir, "w.ipynb");
writeFileSync(
  notebook,
  JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      code('const s = new widgets.IntSlider({ value: 32, min: 16, max: 128, description: "H" }); s'),
      code("const img = new widgets.Image({ value: new Uint8Array([1, 2, 3]) }); const gone = new widgets.Label(); gone.close(); s.value = 64;"),
      code(`class Net extends nn.Module {
  conv1 = new nn.Conv2d(1, 6, 5); conv2 = new nn.Conv2d(6, 16, 5);
  fc1 = new nn.Linear(400, 120); fc2 = new nn.Linear(120, 84); fc3 = new nn.Linear(84, 10);
  forward(x: Tensor): Tensor {
    x = F.max_pool2d(F.relu(this.conv1(x)), 2);
    x = F.max_pool2d(F.relu(this.conv2(x)), 2);
    return this.fc3(F.relu(this.fc2(F.relu(this.fc1(torch.flatten(x, 1))))));
  }
}
explore(new Net(), [1, 1, 64, 64])`),
      code(`const play = new widgets.Play({ min: 0, max: 10 }); const ps = new widgets.IntSlider({ max: 10, description: "linked" });
widgets.jslink([play, "value"], [ps, "value"]); ps.value = 7;
const tab = new widgets.Tab({ children: [new widgets.Label({ value: "first page" }), new widgets.Label({ value: "second page" })], titles: ["one", "two"] });
tab.selected_index = 1;
new widgets.VBox([
  new widgets.HBox([play, ps]),
  new widgets.Dropdown({ options: ["conv1", "conv2", "fc1"], value: "fc1", description: "layer" }),
  new widgets.ToggleButtons({ options: ["relu", "tanh"], value: "tanh" }),
  new widgets.Checkbox({ value: true, description: "bias" }),
  new widgets.Text({ value: "LeNet <1>", description: "name" }),
  new widgets.FloatSlider({ value: 0.0125, min: 0, max: 0.1, step: 0.0005, readout_format: ".4f", description: "lr" }),
  new widgets.IntRangeSlider({ value: [16, 64], min: 8, max: 128, description: "sizes" }),
  new widgets.IntProgress({ value: 70, description: "epoch 2", bar_style: "success" }),
  new widgets.Button({ description: "train" }),
  tab,
  new widgets.Accordion({ children: [new widgets.HTML({ value: "<b>A body</b>" }), new widgets.Image({ value: img.value })], titles: ["A", "B"], selected_index: 0 }),
])`),
      code(`console.log("before");
widgets.interact(({ n }) => { console.log("n is", n); return n * 2; }, { n: [1, 5] });
console.log("after");`),
    ],
  }),
);

describe("tsorch run with widgets", () => {
  it("saves the widgets' last state in the notebook metadata and embeds it in the HTML page", async () => {
    const out = join(dir, "out.ipynb");
    const html = join(dir, "out.html");
    const r = await tsorch(["run", notebook, "-o", out, "--html", html, "--no-source", "--color", "never"], { timeoutMs: 180_000 });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const saved = JSON.parse(readFileSync(out, "utf8"));
    const state = saved.metadata.widgets["application/vnd.jupyter.widget-state+json"];
    expect(state).toMatchObject({ version_major: 2, version_minor: 0 });
    const models = Object.entries(state.state) as [string, { model_name: string; state: Record<string, unknown>; buffers?: unknown[] }][];
    const view = saved.cells[0].outputs[0].data["application/vnd.jupyter.widget-view+json"];
    const slider = models.find(([id]) => id === view.model_id)!;
    expect(slider[1]).toMatchObject({ model_name: "IntSliderModel", state: { description: "H", value: 64, min: 16, max: 128 } });
    // Every model a view refers to is saved, closed ones are not, and bytes travel as base64 buffers.
    expect(models.filter(([, m]) => m.model_name === "LabelModel" && m.state.value === "")).toEqual([]);
    const images = models.filter(([, m]) => m.model_name === "ImageModel").map(([, m]) => m.buffers);
    expect(images).toContainEqual([{ encoding: "base64", path: ["value"], data: Buffer.from([1, 2, 3]).toString("base64") }]);
    const layout = slider[1].state.layout as string;
    expect(state.state[layout.replace("IPY_MODEL_", "")].model_name).toBe("LayoutModel");
    // Without a widget manager the explorer reads as its trace and explanation.
    const explorer = saved.cells[2].outputs.find((o: { output_type: string }) => o.output_type === "execute_result");
    const text = [explorer.data["text/plain"]].flat().join("");
    expect(text).toContain("explore 1×1×64×64: fc1 fails");
    expect(text).toContain("fc1 expects 400 = 16×5×5 features, got 2704 = 16×13×13");
    const page = readFileSync(html, "utf8");
    const script = /<script type="application\/vnd.jupyter.widget-state\+json">\n(.*)\n<\/script>/.exec(page);
    expect(JSON.parse(script![1]!).state[slider[0]].state.value).toBe(64);
    expect(page).toContain("fc1 expects 400 = 16×5×5 features, got 2704 = 16×13×13");

    // The controls drawn from the saved state, with their last values; nothing loads from elsewhere.
    const outputOf = (cell: number) => {
      const section = page.split('<section class="cell code-cell"')[cell + 1]!;
      return section.slice(section.indexOf('<div class="outputs">'), section.indexOf("</section>"));
    };
    expect(outputOf(0)).toMatch(/<div class="w w-intslider"[^>]*><div class="w-row"><span class="w-desc">H<\/span><input type="range" disabled min="16" max="128" step="1" value="64"[^>]*><span class="w-readout">64<\/span>/);
    const controls = outputOf(3);
    expect(controls).toMatch(/<input type="range" disabled min="0" max="10" step="1" value="7"[^>]*><span class="w-readout">7</);
    expect(controls).toContain('<button disabled title="play">▶</button>');
    expect(controls).toContain("<option selected>fc1</option>");
    expect(controls).toContain('<button disabled class="w-on">tanh</button>');
    expect(controls).toContain('<input type="checkbox" disabled checked> bias');
    expect(controls).toContain('value="LeNet &lt;1&gt;"');
    expect(controls).toContain('<span class="w-readout">0.0125</span>');
    expect(controls).toContain('<span class="w-readout">16 – 64</span>');
    expect(controls).toMatch(/aria-valuenow="70"><span style="width: 70.0%; background: #43a047"/);
    expect(controls).toContain("<button disabled>train</button>");
    expect(controls).toContain('<span class="w-on">two</span></div><div class="w-tabpanel"><div class="w w-label"><div class="w-row"><span class="w-desc"></span><span>second page</span>');
    expect(controls.includes("first page")).toBe(false);
    expect(controls).toContain("<details open><summary>A</summary><div><div class=\"w w-html\"><div class=\"w-html\"><b>A body</b>");
    expect(controls).toContain(`<img src="data:image/png;base64,${Buffer.from([1, 2, 3]).toString("base64")}"`);
    // The explorer: its sliders at 64, its trace table and the explanation, inside its own classes.
    expect(outputOf(2)).toMatch(/class="w w-vbox tsorch-explore"/);
    expect(outputOf(2)).toContain('value="64"');
    expect(page).not.toMatch(/<script[^>]*src=|<link[^>]*href=|src="https?:/);

    // An Output widget captures as JupyterLab's would (and nbclient's does): interact's prints and
    // result go into it, its clear_output clears it and not the cell, which keeps its own lines.
    const cellOutputs = saved.cells[4].outputs as { output_type: string; text?: string[]; data?: Record<string, unknown> }[];
    expect(cellOutputs.map((o) => (o.output_type === "stream" ? o.text!.join("") : Object.keys(o.data!).sort().join(",")))).toEqual([
      "before\n", "application/vnd.jupyter.widget-view+json,text/plain", "after\n",
    ]);
    expect(cellOutputs[1]!.data!["text/plain"]).toEqual(["interact(n=3)"]);
    const captured = models.find(([, m]) => m.model_name === "OutputModel")![1].state.outputs;
    expect(captured).toEqual([
      { output_type: "stream", name: "stdout", text: "n is 3\n" },
      { output_type: "display_data", data: { "text/plain": "6" }, metadata: {} },
    ]);
    expect(outputOf(4)).toMatch(/<div class="w w-output"[^>]*>.*n is 3.*<pre>6<\/pre>/s);
  });
});
