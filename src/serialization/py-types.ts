/**
 * What a Python value was, where JavaScript has no way to say it: a tuple
 * (an array here), a dict whose keys are ints (string keys here), an
 * `OrderedDict`. The unpickler marks the values it builds, the pickler reads
 * the marks, so a checkpoint read and written again says the same thing to
 * Python. Plain values without a mark are a list, a dict with str keys.
 *
 * @example
 * const state = markIntKeys({ 0: { momentum_buffer: buf } });   // pickled as {0: {...}}
 */

const tuples = new WeakSet<object>();
const intKeys = new WeakSet<object>();
const ordered = new WeakSet<object>();

/** Marks an array as a Python tuple. */
export function markTuple<T extends object>(a: T): T {
  tuples.add(a);
  return a;
}

/** Marks an object whose keys are Python ints (an optimizer's `state`). */
export function markIntKeys<T extends object>(o: T): T {
  intKeys.add(o);
  return o;
}

/** Marks an object as a `collections.OrderedDict`. */
export function markOrdered<T extends object>(o: T): T {
  ordered.add(o);
  return o;
}

export function isTuple(a: object): boolean {
  return tuples.has(a);
}

export function hasIntKeys(o: object): boolean {
  return intKeys.has(o);
}

export function isOrdered(o: object): boolean {
  return ordered.has(o);
}

/** Sets a key on a plain object, safely for `__proto__` (a key like any other in Python). */
export function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}
