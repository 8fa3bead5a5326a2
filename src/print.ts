/**
 * `print(...)`, Python's way: the arguments' string forms joined by a space,
 * then a newline, on standard output. Tensors, modules and sizes print as
 * PyTorch prints them; `true`/`false`/`null` as `True`/`False`/`None`; arrays
 * as Python lists. In a notebook the kernel turns standard output into the
 * cell's output.
 *
 * @example
 * print(net)                       // Net(\n  (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))\n ...
 * print("out:", out.shape)         // out: torch.Size([1, 10])
 * print([1, 2.5, true, null])      // [1, 2.5, True, None]
 */
import { inspect } from "node:util";

/** Python's `str(x)` for the values a tutorial prints. */
export function pyStr(x: unknown, nested = false): string {
  if (typeof x === "string") return nested ? `'${x.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'` : x;
  if (x === null || x === undefined) return "None";
  if (typeof x === "boolean") return x ? "True" : "False";
  if (typeof x === "number") return Number.isNaN(x) ? "nan" : x === Infinity ? "inf" : x === -Infinity ? "-inf" : String(x);
  if (typeof x === "bigint") return String(x);
  if (Array.isArray(x) && Object.getPrototypeOf(x) === Array.prototype) return `[${x.map((v) => pyStr(v, true)).join(", ")}]`;
  if (typeof x === "object" || typeof x === "function") {
    // Objects that print themselves (tensors, modules, sizes, errors) say so by overriding toString.
    const own = (x as { toString?: unknown }).toString;
    if (typeof own === "function" && own !== Object.prototype.toString && own !== Function.prototype.toString) {
      return String(x);
    }
  }
  return inspect(x, { depth: 4 });
}

/** Writes the arguments like Python's `print`. */
export function print(...args: unknown[]): void {
  process.stdout.write(args.map((a) => pyStr(a)).join(" ") + "\n");
}
