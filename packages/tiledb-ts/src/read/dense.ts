/**
 * Dense reads of one rectangle, results in row-major order over it. A dense fragment stores every cell of
 * the space tiles that cover its non-empty domain, tiles in tile order, cells in cell order within a tile
 * (format spec: array_schema.md, fragment.md). Newer fragments overwrite older ones inside their non-empty
 * domain only; cells no fragment wrote get the attribute's fill value.
 */
import { datatypeSize, typedArrayOf } from "../datatype.js";
import { TileDBError } from "../errors.js";
import type { ArraySchema } from "../schema.js";
import type { VFS } from "../vfs/vfs.js";
import type { FragmentView } from "./fragment-view.js";
import { type FieldTileSet, type Fill, gatherColumn, Runs } from "./gather.js";
import type { ReadBatch, ResultColumn } from "./result.js";
import { type FieldInfo, loadFieldTile } from "./tiles.js";

export interface DensePlan {
  vfs: VFS;
  schema: ArraySchema;
  fragments: FragmentView[];
  fields: FieldInfo[];
  /** Per dimension, the inclusive [low, high] ranges to read, in output order. */
  ranges: Array<Array<[number, number]>>;
}

/** Visits the cross product of per-dimension lists in row-major order: `fn(index per dimension)`. */
function forEachIndex(sizes: number[], fn: (idx: number[]) => void): void {
  const n = sizes.length;
  if (sizes.some((s) => s === 0)) return;
  const idx = new Array<number>(n).fill(0);
  for (;;) {
    fn(idx);
    let d = n - 1;
    while (d >= 0) {
      if (idx[d] + 1 < sizes[d]) {
        idx[d]++;
        break;
      }
      idx[d] = 0;
      d--;
    }
    if (d < 0) return;
  }
}

export async function readDense(plan: DensePlan): Promise<ReadBatch> {
  const { schema } = plan;
  const n = schema.dimensions.length;
  const domLo = schema.dimensions.map((d) => Number((d.domain as [bigint | number, bigint | number])[0]));
  const ext = schema.dimensions.map((d) => Number(d.tileExtent));
  // the output is row-major over each dimension's coordinates, ranges concatenated in the order given
  const coords = plan.ranges.map((rs) => {
    const total = rs.reduce((s, [lo, hi]) => s + (hi - lo + 1), 0);
    const c = new Float64Array(total);
    let k = 0;
    for (const [lo, hi] of rs) for (let v = lo; v <= hi; v++) c[k++] = v;
    return c;
  });
  const outShape = coords.map((c) => c.length);
  const outStride = new Array<number>(n).fill(1);
  for (let d = n - 2; d >= 0; d--) outStride[d] = outStride[d + 1] * outShape[d + 1];
  const total = outShape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(total) || total > 2 ** 31) throw new TileDBError("E_TOO_LARGE", `dense subarray of ${total} cells is too large for one read`);
  const cellMajor = schema.cellOrder === "col-major";
  const tileMajor = schema.tileOrder === "col-major";
  const inTileStride = new Array<number>(n).fill(1);
  if (cellMajor) for (let d = 1; d < n; d++) inTileStride[d] = inTileStride[d - 1] * ext[d - 1];
  else for (let d = n - 2; d >= 0; d--) inTileStride[d] = inTileStride[d + 1] * ext[d + 1];

  const srcTile = new Int32Array(total).fill(-1);
  const srcCell = new Int32Array(total);
  const tiles: Array<{ frag: FragmentView; tile: number }> = [];
  for (const frag of plan.fragments) {
    const ned = frag.nonEmptyDomain.map(([lo, hi]) => [Number(lo), Number(hi)]);
    const tlo = ned.map(([lo], d) => Math.floor((lo - domLo[d]) / ext[d]));
    const tcount = ned.map(([, hi], d) => Math.floor((hi - domLo[d]) / ext[d]) - tlo[d] + 1);
    const expect = tcount.reduce((a, b) => a * b, 1);
    if (expect !== frag.tileCount) {
      throw new TileDBError("E_CORRUPT", `${frag.uri}: dense fragment has ${frag.tileCount} tiles, its non-empty domain covers ${expect}`);
    }
    for (let t = 0; t < frag.tileCount; t++) {
      // tile coordinates of tile t in tile order
      const tc = new Array<number>(n);
      let rest = t;
      if (tileMajor) for (let d = 0; d < n; d++) { tc[d] = rest % tcount[d]; rest = Math.floor(rest / tcount[d]); }
      else for (let d = n - 1; d >= 0; d--) { tc[d] = rest % tcount[d]; rest = Math.floor(rest / tcount[d]); }
      const tileLo = tc.map((v, d) => domLo[d] + (tlo[d] + v) * ext[d]);
      // per dimension: output indexes whose coordinate is in this tile and in the fragment's non-empty domain
      const hits = coords.map((c, d) => {
        const lo = Math.max(tileLo[d], ned[d][0]);
        const hi = Math.min(tileLo[d] + ext[d] - 1, ned[d][1]);
        const out: number[] = [];
        for (let i = 0; i < c.length; i++) if (c[i] >= lo && c[i] <= hi) out.push(i);
        return out;
      });
      if (hits.some((h) => h.length === 0)) continue;
      const id = tiles.push({ frag, tile: t }) - 1;
      forEachIndex(hits.map((h) => h.length), (idx) => {
        let out = 0;
        let cell = 0;
        for (let d = 0; d < n; d++) {
          const i = hits[d][idx[d]];
          out += i * outStride[d];
          cell += (coords[d][i] - tileLo[d]) * inTileStride[d];
        }
        srcTile[out] = id;
        srcCell[out] = cell;
      });
    }
  }
  const used = new Set<number>();
  for (let i = 0; i < total; i++) if (srcTile[i] >= 0) used.add(srcTile[i]);
  const attrFields = plan.fields.filter((f) => f.role === "attribute");
  const sets = new Map<number, FieldTileSet>();
  await Promise.all(
    [...used].map(async (id) => {
      const { frag, tile } = tiles[id];
      const set: FieldTileSet = new Map();
      for (const f of attrFields) set.set(f.name, await loadFieldTile(plan.vfs, schema, frag, f, tile));
      sets.set(id, set);
    }),
  );
  const runs = new Runs();
  for (let i = 0; i < total; i++) runs.push(srcTile[i] < 0 ? null : (sets.get(srcTile[i]) as FieldTileSet), srcCell[i], 1);
  const columns: ResultColumn[] = plan.fields.map((f) => {
    if (f.role === "dimension") return coordColumn(f, coords, outShape, total);
    const a = schema.attributes[f.index];
    const fill: Fill = { bytes: a.fillValue, valid: a.fillValueValidity };
    return gatherColumn(f, runs, fill, a.enumerationName);
  });
  return { length: total, columns };
}

/** The coordinates of a dimension over the selection, row-major. */
function coordColumn(f: FieldInfo, coords: Float64Array[], shape: number[], total: number): ResultColumn {
  const C = typedArrayOf(f.type);
  const size = datatypeSize(f.type);
  const data = new Uint8Array(total * size);
  const view = new C(data.buffer, 0, total) as unknown as { [i: number]: number | bigint };
  const big = C === BigInt64Array || C === BigUint64Array;
  const mine = coords[f.index];
  let i = 0;
  forEachIndex(shape, (idx) => {
    const v = mine[idx[f.index]];
    view[i++] = big ? BigInt(v) : v;
  });
  return { name: f.name, role: "dimension", type: f.type, cellValNum: 1, nullable: false, length: total, data };
}
