/**
 * Global-order permutation by LSD radix sort, for the common case where every sort key is an integer: space
 * tile indices, integer coordinates, and string coordinates replaced by their rank among the distinct strings.
 * A comparison sort costs a JS comparator call per comparison (~n log n of them); this costs a few linear,
 * stable counting passes. Float coordinates and Hilbert order are left to the comparison sort.
 */
import { ByteRanges } from "../binary.js";
import type { ArraySchema } from "../schema.js";
import { type DimKey, identityPermutation, type NumericKey } from "./global-order.js";

/** Most buckets of one counting pass (a 64 KiB-entry count table stays cache-friendly). */
const DIGIT_BITS = 16;

/** The sort keys, most significant first, as arrays of integers, or null when some key is not an integer. */
function integerKeys(schema: ArraySchema, keys: DimKey[], n: number): NumericKey[] | null {
  if (schema.cellOrder === "hilbert" && keys.length > 1) return null;
  const out: NumericKey[] = [];
  const tiled = (schema.tileOrder === "col-major" ? [...keys].reverse() : keys).filter((k) => k.tile);
  for (const k of tiled) out.push(k.tile as Float64Array);
  for (const k of schema.cellOrder === "col-major" ? [...keys].reverse() : keys) {
    if (k.codes) out.push(k.codes); // ranks already: codes of an ascending dictionary
    else if (k.bytes) out.push(stringRanks(k.bytes, k.offsets as Float64Array, n));
    else if (k.num) {
      const a = k.num;
      for (let i = 0; i < n; i++) if (!Number.isInteger(a[i])) return null;
      out.push(a);
    } else return null; // coordinates beyond 2^53: the comparison sort handles bigints
  }
  return out;
}

/** Each cell's string replaced by its rank in byte order among the distinct strings (equal strings, equal rank). */
export function stringRanks(bytes: Uint8Array, offsets: Float64Array, n: number): Float64Array {
  const ids = new Float64Array(n);
  const idOf = new Map<string, number>();
  const distinct: string[] = [];
  const ranges = new ByteRanges(bytes);
  for (let i = 0; i < n; i++) {
    const s = offsets[i];
    const e = offsets[i + 1];
    // sorted or grouped input repeats the previous string: no decode, no lookup
    if (i > 0 && ranges.equal(offsets[i - 1], s, s, e)) {
      ids[i] = ids[i - 1];
      continue;
    }
    const str = latin1(bytes, s, e);
    let id = idOf.get(str);
    if (id === undefined) {
      id = distinct.length;
      idOf.set(str, id);
      distinct.push(str);
    }
    ids[i] = id;
  }
  // One char per byte, so comparing the strings by UTF-16 code unit is comparing the bytes.
  const order = distinct.map((_, i) => i).sort((a, b) => (distinct[a] < distinct[b] ? -1 : distinct[a] > distinct[b] ? 1 : 0));
  const rank = new Float64Array(distinct.length);
  for (let r = 0; r < order.length; r++) rank[order[r]] = r;
  for (let i = 0; i < n; i++) ids[i] = rank[ids[i]];
  return ids;
}

function latin1(b: Uint8Array, s: number, e: number): string {
  let out = "";
  for (let k = s; k < e; k++) out += String.fromCharCode(b[k]);
  return out;
}

/**
 * The stable permutation that sorts `n` cells into global order, or null when the keys are not all integers.
 * Equal cells keep their input order (so later writes of a coordinate stay after earlier ones).
 */
export function radixGlobalOrder(schema: ArraySchema, keys: DimKey[], n: number): Uint32Array | null {
  const sortKeys = integerKeys(schema, keys, n);
  if (!sortKeys) return null;
  let perm = identityPermutation(n);
  let tmp: Uint32Array = new Uint32Array(n);
  // least significant key first; each pass is stable, so earlier passes order the ties of later ones
  for (let k = sortKeys.length - 1; k >= 0; k--) {
    const key = sortKeys[k];
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const v = key[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!(hi > lo)) continue;
    const bits = Math.ceil(Math.log2(hi - lo + 1));
    const passes = Math.ceil(bits / DIGIT_BITS);
    const width = Math.ceil(bits / passes);
    const buckets = 2 ** width;
    const count = new Uint32Array(buckets);
    for (let p = 0; p < passes; p++) {
      const div = 2 ** (width * p);
      count.fill(0);
      for (let i = 0; i < n; i++) count[Math.floor((key[i] - lo) / div) % buckets]++;
      let sum = 0;
      for (let b = 0; b < buckets; b++) {
        const c = count[b];
        count[b] = sum;
        sum += c;
      }
      for (let j = 0; j < n; j++) {
        const i = perm[j];
        tmp[count[Math.floor((key[i] - lo) / div) % buckets]++] = i;
      }
      const t = perm;
      perm = tmp;
      tmp = t;
    }
  }
  return perm;
}
