/**
 * Stack frames inside the bundled CLI (`dist/kernel/cli.bundle*.js`, see scripts/bundle.mjs)
 * mapped back to the compiled file, line and column they came from (`dist/src/nn/linear.js:68`),
 * so that tracebacks recognise and name runtime frames exactly as when the kernel runs unbundled.
 * Each bundle file's source map is read once, on the first frame that needs it.
 *
 * @example
 * unbundleFrame({ functionName: "", file: "/p/dist/kernel/cli.bundle-X.js", line: 9, column: 5 })
 * // { functionName: "", file: "/p/dist/src/nn/linear.js", line: 68, column: 13 }
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SourceMap } from "./source-map.js";

export interface Frame {
  functionName: string;
  file: string;
  /** 1-based, as V8 reports it. */
  line: number;
  /** 1-based, as V8 reports it. */
  column: number;
}

const BUNDLE_FILE = /[\\/]cli\.bundle(-[A-Z0-9]+)?\.js$/;
const maps = new Map<string, SourceMap | null>();

function mapOf(file: string): SourceMap | null {
  let map = maps.get(file);
  if (map === undefined) {
    try {
      map = SourceMap.parse(fs.readFileSync(file + ".map", "utf8"));
    } catch {
      map = null; // no map beside it: the frame stays as V8 reported it
    }
    maps.set(file, map);
  }
  return map;
}

/** The frame's original position when it is inside the bundle, else the frame itself. */
export function unbundleFrame<F extends Frame>(frame: F): F {
  let file = frame.file;
  if (file.startsWith("file://")) {
    try {
      file = fileURLToPath(file.replace(/\?.*$/, ""));
    } catch {
      return frame;
    }
  }
  if (!BUNDLE_FILE.test(file) || frame.line < 1) return frame;
  const pos = mapOf(file)?.originalPosition(frame.line - 1, Math.max(0, frame.column - 1));
  if (!pos || pos.source === "") return frame;
  return { ...frame, file: path.resolve(path.dirname(file), pos.source), line: pos.line + 1, column: pos.column + 1 };
}
