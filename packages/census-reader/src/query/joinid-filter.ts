import type { RecordBatch } from "apache-arrow";
import { selectRows } from "../arrow/select-rows.js";
import type { RangeSet } from "../value-filter/pushdown.js";

/**
 * Many scattered joinids (e.g. every primary cell of the Census) make thousands of subarray ranges, and
 * testing every tile against every range costs more than reading the tiles. Past `maxRanges`, the read gets
 * coarse ranges (the exact ones with the smallest gaps merged) and the rows are then kept exactly through a
 * bitmap over the selection's span: one byte per joinid, one lookup per row.
 */
export const MAX_SUBARRAY_RANGES = 1024;

/** Merges the ranges separated by the smallest gaps until at most `maxRanges` remain (a superset). */
export function coarsenRanges(rs: RangeSet, maxRanges: number): RangeSet {
  if (rs.length <= maxRanges) return rs;
  const gaps = new Float64Array(rs.length - 1);
  for (let i = 1; i < rs.length; i++) gaps[i - 1] = Number(rs[i][0] - rs[i - 1][1]);
  const sorted = gaps.slice().sort();
  // Merging every gap <= threshold leaves at most maxRanges ranges.
  const threshold = sorted[rs.length - maxRanges - 1];
  const out: RangeSet = [[rs[0][0], rs[0][1]]];
  for (let i = 1; i < rs.length; i++) {
    if (gaps[i - 1] <= threshold) out[out.length - 1][1] = rs[i][1];
    else out.push([rs[i][0], rs[i][1]]);
  }
  return out;
}

export class JoinidBitmap {
  private readonly bits: Uint8Array;
  private readonly lo: number;
  constructor(rs: RangeSet) {
    this.lo = Number(rs[0][0]);
    const hi = Number(rs[rs.length - 1][1]);
    this.bits = new Uint8Array(hi - this.lo + 1);
    for (const [a, b] of rs) this.bits.fill(1, Number(a) - this.lo, Number(b) - this.lo + 1);
  }

  /** Keeps the rows of `batch` whose `column` (int64 joinids) is in the set. */
  filter(batch: RecordBatch, column: string): RecordBatch {
    const d = batch.getChild(column)!.data[0];
    const ids = d.values as BigInt64Array;
    const n = batch.numRows;
    const mask = new Uint8Array(n);
    const bits = this.bits;
    const lo = this.lo;
    const span = bits.length;
    for (let i = 0; i < n; i++) {
      const k = Number(ids[i]) - lo;
      mask[i] = k >= 0 && k < span ? bits[k] : 0;
    }
    return selectRows(batch, mask);
  }
}
