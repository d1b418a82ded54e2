/**
 * The R-tree of a sparse fragment: the tiles' MBRs as leaves, grouped `RTREE_FANOUT` at a time up to one root,
 * stored root level first.
 */
import { ByteReader, ByteWriter } from "../binary.js";
import { decodeNDRectangle, encodeNDRectangle } from "../current-domain.js";
import type { ArraySchema } from "../schema.js";
import { corrupt } from "./corrupt.js";
import { type FragmentMetadata, type MBR, type Range1D, RTREE_FANOUT } from "./types.js";

/** Builds the R-tree levels bottom-up from the leaf MBRs, as TileDB does (root first). */
export function buildRtreeLevels(leaves: MBR[], schema: ArraySchema, fanout = RTREE_FANOUT): MBR[][] {
  if (leaves.length === 0) return [];
  const levels: MBR[][] = [leaves];
  if (leaves.length === 1) return levels;
  // The same floating-point formula as TileDB, so trees (and bytes) match even where log rounds up.
  const height = Math.ceil(Math.log(leaves.length) / Math.log(fanout)) + 1;
  for (let h = 0; h < height - 1; h++) {
    const prev = levels[levels.length - 1];
    const next: MBR[] = [];
    for (let i = 0; i < prev.length; i += fanout) {
      const group = prev.slice(i, i + fanout);
      next.push(
        schema.dimensions.map((_, d) => {
          let lo = group[0][d][0];
          let hi = group[0][d][1];
          for (const m of group) {
            if (m[d][0] < lo) lo = m[d][0];
            if (m[d][1] > hi) hi = m[d][1];
          }
          return [lo, hi] as Range1D;
        }),
      );
    }
    levels.push(next);
  }
  return levels.reverse();
}

/** The R-tree section's payload: fanout, level count, then each level's MBRs. */
export function encodeRtree(levels: MBR[][], schema: ArraySchema): Uint8Array {
  const w = new ByteWriter(64);
  w.u32(RTREE_FANOUT).u32(levels.length);
  for (const level of levels) {
    w.u64(level.length);
    for (const m of level) encodeNDRectangle(w, m, schema.dimensions);
  }
  return w.finish();
}

export function decodeRtree(data: Uint8Array, schema: ArraySchema, what: string): FragmentMetadata["rtree"] {
  const r = new ByteReader(data, what);
  const fanout = r.u32();
  const levelNum = r.u32();
  const levels: MBR[][] = [];
  for (let l = 0; l < levelNum; l++) {
    const n = r.u64n();
    if (n > r.remaining) throw corrupt(what, `R-tree level ${l} claims ${n} MBRs`);
    const level: MBR[] = new Array(n);
    for (let m = 0; m < n; m++) level[m] = decodeNDRectangle(r, schema.dimensions);
    levels.push(level);
  }
  return { fanout, levels };
}
