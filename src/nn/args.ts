/**
 * Python's calling convention for layer constructors: positional arguments
 * in PyTorch's order, and keyword arguments as one trailing options object.
 * `new nn.Conv2d(3, 64, 3, 1, 1)` and `new nn.Conv2d(3, 64, 3, { padding: 1 })`
 * mean the same; giving a value both ways, or an unknown keyword, is
 * Python's TypeError.
 *
 * @example
 * const o = parseArgs("Conv2d", ["stride", "padding"], [1, { padding: 1 }]);   // { stride: 1, padding: 1 }
 */
import { ArgumentError } from "../errors.js";
import { isOptionsObject } from "../ops/signature.js";

/**
 * The argument lists a function with optional positional parameters `P` and
 * keyword options `O` accepts: any prefix of `P`, optionally followed by `O`.
 */
export type ArgsWithOptions<P extends unknown[], O> =
  P extends [...infer Init, unknown] ? ArgsWithOptions<Init, O> | P | [...P, O] : [] | [O];

export { isOptionsObject } from "../ops/signature.js";

/**
 * Merges positional `args` (named by `names`, in order) with a trailing
 * options object. Keys not in `names` nor in `extraKeys` are refused.
 */
export function parseArgs<O extends object>(
  fn: string,
  names: readonly string[],
  args: readonly unknown[],
  extraKeys: readonly string[] = [],
): Partial<O> {
  let positional = args;
  let options: Record<string, unknown> = {};
  if (args.length > 0 && isOptionsObject(args[args.length - 1])) {
    options = args[args.length - 1] as Record<string, unknown>;
    positional = args.slice(0, -1);
  }
  if (positional.length > names.length) {
    throw new ArgumentError(
      `${fn}() takes at most ${names.length} optional positional arguments but ${positional.length} were given`,
      "args", "TypeError");
  }
  const out: Record<string, unknown> = {};
  positional.forEach((v, i) => {
    if (v !== undefined) out[names[i]!] = v;
  });
  for (const [k, v] of Object.entries(options)) {
    if (!names.includes(k) && !extraKeys.includes(k)) {
      throw new ArgumentError(`${fn}() got an unexpected keyword argument '${k}'`, k, "TypeError");
    }
    if (k in out) throw new ArgumentError(`${fn}() got multiple values for argument '${k}'`, k, "TypeError");
    if (v !== undefined) out[k] = v;
  }
  return out as Partial<O>;
}

/**
 * Python takes a constructor's required parameters by keyword too: `nn.LSTM(input_size=2, hidden_size=3)`
 * is `new nn.LSTM({ input_size: 2, hidden_size: 3 })` here. Given the call's arguments (`args`, trailing
 * undefined ones ignored) and the names of the leading required parameters, moves those given in the
 * trailing options object to their positions; the other keys stay in the options object. A required
 * parameter given neither way is Python's `TypeError`.
 *
 * @example
 * requiredByKeyword("Embedding", ["num_embeddings", "embedding_dim"], [{ num_embeddings: 4, embedding_dim: 3, padding_idx: 0 }])
 * // [4, 3, { padding_idx: 0 }]
 */
export function requiredByKeyword(cls: string, names: readonly string[], args: readonly unknown[]): unknown[] {
  let n = args.length;
  while (n > 0 && args[n - 1] === undefined) n--;
  const last = args[n - 1];
  const positional = args.slice(0, n - 1);
  if (n === 0 || positional.length >= names.length || !isOptionsObject(last)) return [...args];
  const options: Record<string, unknown> = { ...last };
  const missing = names.slice(positional.length).filter((k) => !(k in options));
  if (missing.length > 0) {
    const quoted = missing.map((k) => `'${k}'`);
    const list = quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} and ${quoted[quoted.length - 1]}`;
    throw new ArgumentError(
      `${cls}.__init__() missing ${missing.length} required positional argument${missing.length === 1 ? "" : "s"}: ${list}`, missing[0]!, "TypeError");
  }
  const out = [...positional];
  for (const k of names.slice(positional.length)) {
    out.push(options[k]);
    delete options[k];
  }
  return Object.keys(options).length > 0 ? [...out, options] : out;
}
