/**
 * The kernel_info_reply content. It is static, so the worker thread can answer kernel_info
 * requests itself the moment its sockets are bound, while the main thread is still loading
 * TypeScript.
 */
import { getVersions } from "./paths.js";
import { PROTOCOL_VERSION } from "./messages.js";
import type { KernelMessage } from "./messages.js";

export const LANGUAGE = "typescript";

export type KernelInfoContent = KernelMessage.IInfoReply & { status: "ok"; debugger: boolean; supported_features: string[] };

export function kernelInfoContent(): KernelInfoContent {
  const { tsorch, typescript } = getVersions();
  return {
    status: "ok",
    protocol_version: PROTOCOL_VERSION,
    implementation: "tsorch",
    implementation_version: tsorch,
    language_info: {
      name: LANGUAGE,
      version: typescript,
      mimetype: "text/x.typescript",
      file_extension: ".ts",
      // CodeMirror 5 (classic notebook) has TypeScript as a flavour of its javascript mode.
      codemirror_mode: { name: "javascript", typescript: true },
      pygments_lexer: "typescript",
      nbconvert_exporter: "script",
    },
    banner:
      `tsorch ${tsorch}: PyTorch-shaped tensors and nn in TypeScript ${typescript} on Node ${process.version}\n` +
      "Preloaded: torch, nn, F, optim, Tensor, summary, trace, compareTraces, featureMaps, print, datasets, display, prompt, comms.\n" +
      "Type help() for the kernel's functions; end a name with ? (or ??) to read its documentation.",
    help_links: [
      { text: "TypeScript handbook", url: "https://www.typescriptlang.org/docs/handbook/intro.html" },
      { text: "PyTorch documentation", url: "https://pytorch.org/docs/stable/index.html" },
      { text: "Node.js API", url: "https://nodejs.org/docs/latest-v20.x/api/" },
    ],
    debugger: false,
    supported_features: [],
  };
}
