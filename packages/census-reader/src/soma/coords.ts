import { CensusReaderError } from "../errors.js";
import { normalize, type RangeSet } from "../value-filter/pushdown.js";

/**
 * A selection on one index dimension: a list of joinids (any order, duplicates allowed), or inclusive ranges.
 * Lists become ranges of consecutive values, which is what a TileDB subarray takes.
 */
export type Coords = ArrayLike<number | bigint> | { ranges: Array<[number | bigint, number | bigint]> };

export function coordsToRanges(c: Coords, what: string): RangeSet {
  if ("ranges" in c) {
    const out: RangeSet = [];
    for (const [a, b] of c.ranges) {
      const lo = toBig(a, what);
      const hi = toBig(b, what);
      if (lo > hi) throw new CensusReaderError("E_COORDS", `${what}: range [${lo}, ${hi}] is empty (low > high)`);
      out.push([lo, hi]);
    }
    return normalize(out);
  }
  return joinidsToRanges(c, what);
}

/** Sorted, merged ranges of the given joinids. Sorting is skipped when the input is already ascending. */
export function joinidsToRanges(ids: ArrayLike<number | bigint>, what = "joinids"): RangeSet {
  const n = ids.length;
  if (n === 0) return [];
  let sorted: BigInt64Array;
  if (ids instanceof BigInt64Array) sorted = ids;
  else {
    sorted = new BigInt64Array(n);
    for (let i = 0; i < n; i++) sorted[i] = toBig(ids[i], what);
  }
  let ascending = true;
  for (let i = 1; i < n; i++) {
    if (sorted[i] < sorted[i - 1]) {
      ascending = false;
      break;
    }
  }
  if (!ascending) sorted = sorted.slice().sort();
  const out: RangeSet = [];
  let lo = sorted[0];
  let hi = lo;
  for (let i = 1; i < n; i++) {
    const v = sorted[i];
    if (v <= hi + 1n) {
      if (v > hi) hi = v;
    } else {
      out.push([lo, hi]);
      lo = v;
      hi = v;
    }
  }
  out.push([lo, hi]);
  return out;
}

function toBig(v: number | bigint, what: string): bigint {
  if (typeof v === "bigint") return v;
  if (!Number.isSafeInteger(v)) throw new CensusReaderError("E_COORDS", `${what}: ${v} is not an integer joinid`);
  return BigInt(v);
}

/** Number of values in a range set. */
export function rangeCount(rs: RangeSet): bigint {
  let n = 0n;
  for (const [a, b] of rs) n += b - a + 1n;
  return n;
}
