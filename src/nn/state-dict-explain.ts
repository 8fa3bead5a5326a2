/**
 * Why a state dict does not fit a module, in words: after PyTorch's list of
 * missing keys, unexpected keys and size mismatches, the lines that say
 * what the checkpoint implies. A Linear whose checkpoint weight takes 2704
 * features after convolutions was trained on other image sizes (found by
 * running the model on shape-only inputs until its own features match); a
 * conv with another input channel count expects RGB or grayscale images;
 * keys that all start with `module.` come from `nn.DataParallel`; a dict of
 * `model`/`optimizer` entries is a training checkpoint, not a state dict.
 *
 * Layers are recognised by their attributes (`in_features`,
 * `in_channels`), not their classes, so this file needs no layer module.
 *
 * @example
 * net.load_state_dict(sdFrom64x64)
 * // RuntimeError: Error(s) in loading state_dict for Net:
 * //   size mismatch for fc1.weight: copying a param with shape torch.Size([120, 2704]) ...
 * // What the checkpoint implies:
 * //   • fc1 (Linear) takes 2704 input features in the checkpoint, 400 here: with this model's layers,
 * //     2704 features come from 64×64 inputs (any size 64–67); this model gets 400 from 32–35.
 */
import { Tensor } from "../tensor/tensor.js";
import { metaTensor } from "../tensor/meta.js";
import { float32 } from "../tensor/dtype.js";
import type { Module } from "./module.js";
import { escapeHtml, htmlBlock } from "../render/html.js";

interface Mismatch {
  key: string;
  layer: string;
  param: string;
  module: Module;
  got: readonly number[];
  want: readonly number[];
}

const fmt = (s: readonly number[]): string => `[${s.join(", ")}]`;

/** The explanation lines (empty when there is nothing to add to PyTorch's message). */
export function explainLoadMismatch(
  root: Module, entries: Map<string, unknown>, missing: readonly string[], unexpected: readonly string[],
): string[] {
  const lines: string[] = [];
  const modules = new Map(root.named_modules());
  const own = root.state_dict();
  const mismatches: Mismatch[] = [];
  for (const [key, want] of Object.entries(own)) {
    const got = entries.get(key);
    if (!(got instanceof Tensor) || !(want instanceof Tensor) || got.shape.equals(want.shape)) continue;
    const dot = key.lastIndexOf(".");
    const layer = dot < 0 ? "" : key.slice(0, dot);
    const module = modules.get(layer);
    if (module) mismatches.push({ key, layer, param: key.slice(dot + 1), module, got: [...got.shape], want: [...want.shape] });
  }
  for (const m of mismatches) lines.push(...explainShape(root, m));

  // Keys that differ only by a prefix: DataParallel's `module.`, or a wrapper's.
  if (missing.length > 0 && unexpected.length > 0) {
    const prefixed = unexpected.filter((k) => k.startsWith("module."));
    if (prefixed.length === unexpected.length && missing.every((k) => entries.has(`module.${k}`))) {
      lines.push("• every key of the checkpoint starts with 'module.': it was saved from nn.DataParallel or DistributedDataParallel. " +
        "Strip the prefix: net.load_state_dict(Object.fromEntries(Object.entries(sd).map(([k, v]) => [k.replace(/^module\\./, \"\"), v])))");
    } else {
      const pairs = sameShapesInOrder(own, entries, missing, unexpected);
      const layers = [...new Set(unexpected.filter((k) => k.includes(".")).map((k) => k.slice(0, k.lastIndexOf("."))))];
      if (!pairs && missing.length === Object.keys(own).length && layers.length > 0) {
        lines.push(`• none of this ${root._get_name()}'s keys are in the checkpoint: it holds another network, with layers ` +
          `${layers.slice(0, 8).join(", ")}${layers.length > 8 ? ", …" : ""}. Build that network, then load its state dict`);
      }
      if (pairs) {
        lines.push(`• the ${pairs.length} unexpected keys have the shapes of the ${pairs.length} missing ones, in the same order: the checkpoint names the layers differently ` +
          `(${pairs.slice(0, 3).map(([a, b]) => `${b} → ${a}`).join(", ")}${pairs.length > 3 ? ", …" : ""}). Rename its keys in that order before loading.`);
      }
    }
  }
  if (missing.length > 0 && unexpected.length > 0 && unexpected.every((k) => !k.includes("."))) {
    const nested = unexpected.filter((k) => {
      const v = entries.get(k);
      return typeof v === "object" && v !== null && !(v instanceof Tensor);
    });
    if (nested.length > 0) {
      lines.push(`• the checkpoint is a dict of ${unexpected.map((k) => `'${k}'`).join(", ")}, not a state dict: it is a training checkpoint. ` +
        `Load its weights: net.load_state_dict(ckpt.${/^[A-Za-z_$][\w$]*$/.test(nested[0]!) ? nested[0] : `["${nested[0]}"]`})`);
    }
  }
  return lines;
}

/** What one size mismatch says about the layer and the data the checkpoint was trained on. */
function explainShape(root: Module, m: Mismatch): string[] {
  const mod = m.module as unknown as Record<string, unknown>;
  const name = `${m.layer} (${m.module._get_name()})`;
  if (m.param === "weight" && typeof mod.in_features === "number" && m.got.length === 2 && m.want.length === 2) {
    const out: string[] = [];
    if (m.got[0] !== m.want[0]) {
      out.push(`• ${name} has ${m.got[0]} outputs in the checkpoint, ${m.want[0]} here` +
        (isLast(root, m.layer) ? " (the number of classes): for fine-tuning, leave its keys out and load with strict=false" : "") +
        `; to load it as it is: nn.Linear(${m.got[1]}, ${m.got[0]})`);
    }
    if (m.got[1] !== m.want[1]) {
      const bySize = featuresBySize(root, m.module, Math.max(m.got[1]!, m.want[1]!));
      const implied = sizesGiving(bySize, m.got[1]!);
      const current = sizesGiving(bySize, m.want[1]!);
      out.push(`• ${name} takes ${m.got[1]} input features in the checkpoint, ${m.want[1]} here` +
        (implied ? `: with this model's layers, ${m.got[1]} features come from ${implied} inputs` : "") +
        (implied && current ? `; this model's ${m.want[1]} come from ${current}` : "") +
        `. Resize the inputs to the checkpoint's size, or build ${m.layer} as nn.Linear(${m.got[1]}, ${m.got[0]})`);
    }
    return out;
  }
  if (m.param === "weight" && typeof mod.in_channels === "number" && m.got.length === m.want.length && m.got.length >= 3) {
    const out: string[] = [];
    const groups = typeof mod.groups === "number" ? mod.groups : 1;
    if (m.got[1] !== m.want[1]) {
      const cin = m.got[1]! * groups;
      const kind = (c: number): string => (c === 1 ? " (grayscale)" : c === 3 ? " (RGB)" : "");
      out.push(`• ${name} expects ${cin} input channels${kind(cin)} in the checkpoint, ${mod.in_channels}${kind(mod.in_channels as number)} here`);
    }
    if (m.got[0] !== m.want[0]) out.push(`• ${name} has ${m.got[0]} output channels in the checkpoint, ${m.want[0]} here`);
    if (m.got.slice(2).join() !== m.want.slice(2).join()) out.push(`• ${name} has ${m.got.slice(2).join("×")} kernels in the checkpoint, ${m.want.slice(2).join("×")} here`);
    if (out.length > 0) out[out.length - 1] += `; the checkpoint's layer is nn.${m.module._get_name()}(${m.got[1]! * groups}, ${m.got[0]}, ${m.got.length === 4 && m.got[2] === m.got[3] ? m.got[2] : `[${m.got.slice(2).join(", ")}]`})`;
    return out;
  }
  return [`• ${name}: ${m.param} is ${fmt(m.got)} in the checkpoint, ${fmt(m.want)} here`];
}

function isLast(root: Module, layer: string): boolean {
  const withParams = root.named_modules().filter(([, mod]) => [...mod._parameters.values()].some((p) => p !== null));
  return withParams.length > 0 && withParams[withParams.length - 1]![0] === layer;
}

/**
 * The features `target` (a Linear after convolutions) receives for square
 * inputs s×s, by running the model on shape-only inputs, up to the size where
 * they exceed `upTo`; null when the model has no 2-d conv to feed. The input
 * channels are the first conv's that lets an input reach `target`.
 */
function featuresBySize(root: Module, target: Module, upTo: number): Map<number, number> | null {
  const convs = root.modules().filter((mod) => {
    const k = (mod as unknown as { kernel_size?: unknown }).kernel_size;
    return typeof (mod as unknown as { in_channels?: unknown }).in_channels === "number" && Array.isArray(k) && k.length === 2;
  });
  const STOP = Symbol("stop");
  let seen = -1;
  const handle = target.register_forward_pre_hook((_m, args) => {
    const x = args[0];
    seen = x instanceof Tensor ? x.shape[x.ndim - 1]! : -1;
    throw STOP;
  });
  try {
    for (const channels of new Set(convs.map((c) => (c as unknown as { in_channels: number }).in_channels))) {
      const out = new Map<number, number>();
      for (let s = 1; s <= 512; s++) {
        seen = -1;
        try {
          (root as unknown as (x: Tensor) => unknown)(metaTensor([1, channels, s, s], float32));
        } catch (e) {
          if (e !== STOP) continue;
        }
        if (seen < 0) continue;
        out.set(s, seen);
        if (seen > upTo) break;
      }
      if (out.size > 0) return out;
    }
    return null;
  } finally {
    handle.remove();
  }
}

/** The square sizes giving `features`: `64×64 (any size 64–67)`, or null. */
function sizesGiving(bySize: Map<number, number> | null, features: number): string | null {
  if (!bySize) return null;
  const sizes = [...bySize].filter(([, f]) => f === features).map(([s]) => s);
  if (sizes.length === 0) return null;
  const lo = sizes[0]!;
  const hi = sizes[sizes.length - 1]!;
  return lo === hi ? `${lo}×${lo}` : `${lo}×${lo} (any size ${lo}–${hi})`;
}

/** Missing and unexpected keys pairing up by shape in order (a renamed model), or null. */
function sameShapesInOrder(own: Record<string, Tensor>, entries: Map<string, unknown>, missing: readonly string[], unexpected: readonly string[]): [string, string][] | null {
  if (missing.length !== unexpected.length) return null;
  const pairs: [string, string][] = [];
  for (let i = 0; i < missing.length; i++) {
    const a = own[missing[i]!];
    const b = entries.get(unexpected[i]!);
    if (!(a instanceof Tensor) || !(b instanceof Tensor) || !a.shape.equals(b.shape)) return null;
    pairs.push([missing[i]!, unexpected[i]!]);
  }
  return pairs;
}

/** The error with its explanation, as notebooks show it (HTML) and terminals (text). */
export function impliedBundle(name: string, message: string, lines: readonly string[]): Record<string, string> {
  const text = `${name}: ${message}\n\nWhat the checkpoint implies:\n  ${lines.join("\n  ")}`;
  const html = htmlBlock(`<div class="tsorch-error">${escapeHtml(`${name}: ${message}`).replace(/\n\t?/g, "<br>")}</div>` +
    `<div style="margin-top:0.4em;font-weight:600">What the checkpoint implies</div>` +
    `<ul style="margin:0.2em 0">${lines.map((l) => `<li>${escapeHtml(l.replace(/^• /, ""))}</li>`).join("")}</ul>`);
  return { "text/plain": text, "text/html": html };
}
