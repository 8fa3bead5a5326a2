/**
 * The element types of the float kernels that serve both precisions: one implementation typed over
 * `FloatArray` runs float32 and float64 tensors alike.
 *
 * @example
 * const y = new (floatArrayType(x))(x.length); // a Float64Array when x is one, else a Float32Array
 */
export type FloatArray = Float32Array | Float64Array;

/**
 * The constructor of `like`'s element type, chosen by element width rather than `like.constructor`
 * so that an array made in another realm (a notebook cell's vm context) still yields this realm's
 * type, and kernels see only the two array types they were written for.
 */
export function floatArrayType<A extends FloatArray>(like: A): new (length: number) => A {
  return (like.BYTES_PER_ELEMENT === 8 ? Float64Array : Float32Array) as unknown as new (length: number) => A;
}
