import { EstimatorsError } from "./errors.js";

/** Index arrays as the readers hand them out: SOMA dims are int64, but 32-bit and float64 arrays work too. */
export type IndexArray = BigInt64Array | BigUint64Array | Int32Array | Uint32Array | Float64Array;

/** A uint32 view of an index array: element i is `view[i * stride]` (one array type keeps hot loops monomorphic). */
export interface IndexView {
  view: Uint32Array;
  stride: number;
}

/**
 * View 64-bit integer indices through their low 32-bit words (little-endian), after checking every
 * high word is 0 — so the hot loop reads plain numbers with no BigInt conversion. With `checkHigh: false` the
 * caller checks the high words (`view[i * 2 + 1]`) itself, in a pass it makes anyway.
 */
export function indexView(name: string, a: IndexArray, options: { checkHigh?: boolean } = {}): IndexView {
  if ((a instanceof BigInt64Array || a instanceof BigUint64Array) && options.checkHigh === false) {
    return { view: new Uint32Array(a.buffer, a.byteOffset, a.length * 2), stride: 2 };
  }
  if (a instanceof BigInt64Array || a instanceof BigUint64Array) {
    const words = new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
    // OR the high words together (no branch per value); look for the culprit only when one is set
    let high = 0;
    for (let i = 1; i < words.length; i += 2) high |= words[i];
    if (high !== 0) {
      for (let i = 0; i < a.length; i++) {
        if (words[2 * i + 1] !== 0) {
          throw new EstimatorsError("E_INDEX_OUT_OF_RANGE", `${name}[${i}] is ${a[i]}: indices must be in [0, 2^32)`);
        }
      }
    }
    return { view: words, stride: 2 };
  }
  if (a instanceof Uint32Array) return { view: a, stride: 1 };
  if (a instanceof Int32Array) {
    for (let i = 0; i < a.length; i++) {
      if (a[i] < 0) throw new EstimatorsError("E_INDEX_OUT_OF_RANGE", `${name}[${i}] is ${a[i]}: indices must be >= 0`);
    }
    return { view: new Uint32Array(a.buffer, a.byteOffset, a.length), stride: 1 };
  }
  if (a instanceof Float64Array) {
    const out = new Uint32Array(a.length);
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (!(v >= 0 && v < 2 ** 32) || v !== Math.floor(v)) {
        throw new EstimatorsError("E_INDEX_OUT_OF_RANGE", `${name}[${i}] is ${v}: indices must be integers in [0, 2^32)`);
      }
      out[i] = v;
    }
    return { view: out, stride: 1 };
  }
  throw new EstimatorsError("E_INVALID_ARGUMENT", `${name} must be a BigInt64Array, Int32Array, Uint32Array or Float64Array`);
}
