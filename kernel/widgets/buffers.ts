/**
 * Binary values in widget state (an Image's bytes) travel as message buffers, not JSON: the state
 * keeps `null` in their place and `buffer_paths` says where each buffer goes, as ipywidgets'
 * `_remove_buffers` / `_put_buffers` do.
 *
 * @example
 * const { state, buffer_paths, buffers } = removeBuffers({ value: new Uint8Array([1, 2]), format: "png" });
 * // state = { value: null, format: "png" }, buffer_paths = [["value"]], buffers = [Uint8Array [1, 2]]
 * putBuffers(state, buffer_paths, buffers);   // state.value is the bytes again
 */

export type BufferPath = (string | number)[];

export function isBinary(value: unknown): value is Uint8Array | ArrayBuffer | DataView {
  return value instanceof Uint8Array || value instanceof ArrayBuffer || value instanceof DataView;
}

export function toBytes(value: Uint8Array | ArrayBuffer | DataView): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

/** A copy of `state` with every binary value replaced by null, and the values with their paths. */
export function removeBuffers(state: Record<string, unknown>): { state: Record<string, unknown>; buffer_paths: BufferPath[]; buffers: Uint8Array[] } {
  const buffer_paths: BufferPath[] = [];
  const buffers: Uint8Array[] = [];
  const walk = (value: unknown, path: BufferPath): unknown => {
    if (isBinary(value)) {
      buffer_paths.push(path);
      buffers.push(toBytes(value));
      return null;
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i]));
    if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = walk(v, [...path, k]);
      return out;
    }
    return value;
  };
  return { state: walk(state, []) as Record<string, unknown>, buffer_paths, buffers };
}

/** Puts `buffers` back into `state` (in place) at `paths`. Paths that do not fit are ignored. */
export function putBuffers(state: Record<string, unknown>, paths: unknown, buffers: Uint8Array[]): void {
  if (!Array.isArray(paths)) return;
  paths.forEach((path, i) => {
    if (!Array.isArray(path) || path.length === 0 || buffers[i] === undefined) return;
    let target: unknown = state;
    for (const key of path.slice(0, -1)) {
      if (typeof target !== "object" || target === null) return;
      target = (target as Record<string | number, unknown>)[key as string];
    }
    if (typeof target === "object" && target !== null) (target as Record<string | number, unknown>)[path[path.length - 1] as string] = buffers[i];
  });
}
