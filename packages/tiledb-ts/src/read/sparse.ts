/**
 * Sparse reads. Tiles whose MBR misses the subarray are never loaded; tiles inside it are taken whole
 * (no per-cell test); the rest are filtered cell by cell on the dimension values. Each fragment's cells are
 * already in global order, so one fragment (or an unordered read of an array that keeps duplicates) is a
 * plain scan; several fragments are merged in global order, and for arrays without duplicates a coordinate
 * present in several fragments is taken from the newest one only. Results come in batches whose decoded
 * tiles stay within the memory budget.
 */

import { Datatype } from "../datatype.js";
import { TIMESTAMPS_FIELD } from "../fragment-metadata.js";
import type { ArraySchema } from "../schema.js";
import type { VFS } from "../vfs/vfs.js";
import { type DimColumn, type DimRanges, dimColumn, filterCells, globalOrder, mbrRelation, sameCoords } from "./coords.js";
import type { FragmentView } from "./fragment-view.js";
import { type FieldTileSet, gatherColumn, Runs } from "./gather.js";
import { type GlobalKey, globalKey } from "./global-key.js";
import { mergeByKey } from "./merge.js";
import type { ReadBatch } from "./result.js";
import { typedView } from "./result.js";
import { TilePool } from "./tile-pool.js";
import { type FieldInfo, type FieldTile, loadFieldTile, schemaFields } from "./tiles.js";

export interface SparsePlan {
  vfs: VFS;
  schema: ArraySchema;
  /** Oldest first. */
  fragments: FragmentView[];
  /** The columns to return, in order. */
  fields: FieldInfo[];
  /** Per dimension (schema order): ranges, or null for the whole dimension. */
  ranges: Array<DimRanges | null>;
  order: "global" | "unordered";
  /** Bytes of decoded tiles held before a batch is emitted. */
  memoryBudget: number;
  /** The caller drops each batch before asking for the next: its buffers may be reused for later tiles. */
  reuseBuffers?: boolean;
}

/** A batch is emitted once it holds this many cells, even under the memory budget. */
export const BATCH_CELLS = 1 << 16;

export interface TileWork {
  frag: number;
  tile: number;
  /** Cells must be tested against the ranges. */
  partial: boolean;
}

export function tileBytes(set: FieldTileSet): number {
  let n = 0;
  for (const t of set.values()) n += t.data.byteLength + (t.offsets ? t.offsets.byteLength : 0) + (t.validity ? t.validity.byteLength : 0);
  return n;
}

/** The tiles of a fragment that may hold selected cells, in storage order. */
export function candidateTiles(plan: SparsePlan, fi: number): TileWork[] {
  const frag = plan.fragments[fi];
  const out: TileWork[] = [];
  const ndims = plan.schema.dimensions.length;
  const anyRanges = plan.ranges.some((r) => r !== null);
  for (let t = 0; t < frag.tileCount; t++) {
    let partial = false;
    let skip = false;
    if (anyRanges) {
      for (let d = 0; d < ndims; d++) {
        const r = plan.ranges[d];
        if (!r) continue;
        const [lo, hi] = frag.mbr(t, d);
        const rel = mbrRelation(r, lo, hi);
        if (rel === "outside") {
          skip = true;
          break;
        }
        if (rel === "partial") partial = true;
      }
    }
    if (!skip) out.push({ frag: fi, tile: t, partial });
  }
  return out;
}

/** A loaded tile: its decoded fields, its dimension columns (when loaded) and its selected cells. */
export interface LoadedTile {
  set: FieldTileSet;
  dims: DimColumn[];
  /** Selected cells, or null for all of them. */
  keep: Int32Array | null;
  cells: number;
  /** With keys requested: the global-order keys of the selected cells. */
  keys: Float64Array | null;
}

export class TileLoader {
  private readonly dimFields: FieldInfo[];
  /**
   * `withDims`: always decode the dimensions; `key`: check each decoded tile's coordinates (in its MBR, in
   * global order); `wantKeys`: also return the selected cells' keys.
   */
  constructor(
    private readonly plan: SparsePlan,
    private readonly withDims: boolean,
    private readonly key: GlobalKey | null = null,
    private readonly wantKeys = false,
    private readonly pool?: TilePool,
  ) {
    const all = schemaFields(plan.schema);
    this.dimFields = plan.schema.dimensions.map((d) => all.get(d.name) as FieldInfo);
  }

  /** Checks a tile's coordinates (in its MBR, in global order); `keys`: where the selected cells' keys go. */
  private check(w: TileWork, dims: DimColumn[], cells: number, keep: Int32Array | null, keys: Float64Array | null): void {
    const frag = this.plan.fragments[w.frag];
    if (keys === null && this.checked.length < cells) this.checked = new Float64Array(cells);
    const mbr = this.dimFields.map((_, d) => frag.mbr(w.tile, d).map(Number) as [number, number]);
    (this.key as GlobalKey).tile(dims, cells, mbr, keep, keys ?? this.checked, () => `fragment ${frag.uri}, tile ${w.tile} (${this.dimFields.map((f) => frag.tile(f, w.tile).uri).join(", ")})`);
  }

  /** Scratch keys of tiles that are only checked. */
  private checked = new Float64Array(0);

  /**
   * Loads the tile's dimensions (when needed), picks its selected cells, then loads the returned columns.
   * `keys`: a buffer the caller no longer needs, reused for the keys when large enough.
   */
  async load(w: TileWork, keys: Float64Array | null = null): Promise<LoadedTile> {
    const { vfs, schema } = this.plan;
    const frag = this.plan.fragments[w.frag];
    const set: FieldTileSet = new Map();
    const dims: DimColumn[] = [];
    const cells = frag.cellsInTile(w.tile);
    // a fragment consolidated with timestamps may hold older versions of a cell next to the newest
    const versions = frag.hasTimestamps && (!schema.allowsDuplicates || frag.openRange !== undefined);
    if (this.withDims || w.partial || versions) {
      const loaded = await Promise.all(this.dimFields.map((f) => loadFieldTile(vfs, schema, frag, f, w.tile, this.pool)));
      loaded.forEach((t, d) => {
        set.set(this.dimFields[d].name, t);
        dims.push(dimColumn(schema.dimensions[d], t));
      });
    }
    let keep: Int32Array | null = null;
    if (w.partial || versions) {
      const mask = new Uint8Array(cells).fill(1);
      this.plan.ranges.forEach((r, d) => {
        if (r) filterCells(dims[d], r, mask);
      });
      if (versions) {
        const tsTile = await loadFieldTile(vfs, schema, frag, timestampsField(schema), w.tile);
        set.set(TIMESTAMPS_FIELD, tsTile);
        const ts = typedView(Datatype.UINT64, tsTile.data) as BigUint64Array;
        if (frag.openRange) {
          // cells written outside the open range do not exist for this read
          const lo = BigInt(frag.openRange[0]);
          const hi = BigInt(frag.openRange[1]);
          for (let i = 0; i < cells; i++) if (ts[i] < lo || ts[i] > hi) mask[i] = 0;
        }
        if (!schema.allowsDuplicates) keepNewest(dims, ts, mask);
      }
      let n = 0;
      for (let i = 0; i < cells; i++) n += mask[i];
      keep = new Int32Array(n);
      let k = 0;
      for (let i = 0; i < cells; i++) if (mask[i]) keep[k++] = i;
    }
    if (this.key !== null && dims.length > 0) {
      keys = this.wantKeys ? (keys !== null && keys.length >= cells ? keys : new Float64Array(cells)) : null;
      this.check(w, dims, cells, keep, keys);
    } else keys = null;
    if (keep !== null && keep.length === 0) return { set, dims, keep, cells, keys };
    const missing = this.plan.fields.filter((f) => !set.has(f.name));
    const tiles: FieldTile[] = await Promise.all(missing.map((f) => loadFieldTile(vfs, schema, frag, f, w.tile, this.pool)));
    missing.forEach((f, i) => {
      set.set(f.name, tiles[i]);
    });
    // every coordinate decoded for the caller anyway: checked too (the pass costs a fraction of decoding them)
    if (this.key !== null && dims.length === 0 && this.dimFields.every((f) => set.has(f.name))) {
      this.dimFields.forEach((f, d) => {
        dims.push(dimColumn(schema.dimensions[d], set.get(f.name) as FieldTile));
      });
      this.check(w, dims, cells, null, null);
    }
    return { set, dims, keep, cells, keys };
  }
}

function timestampsField(schema: ArraySchema): FieldInfo {
  return { name: TIMESTAMPS_FIELD, role: "attribute", index: -1, type: Datatype.UINT64, cellValNum: 1, nullable: false, filters: schema.coordsFilters };
}

/** Among adjacent selected cells with equal coordinates keeps only the one with the latest timestamp. */
function keepNewest(dims: DimColumn[], ts: BigUint64Array, mask: Uint8Array): void {
  let i = 0;
  const n = mask.length;
  while (i < n) {
    let j = i + 1;
    while (j < n && sameCoords(dims, i, dims, j)) j++;
    if (j - i > 1) {
      let best = -1;
      for (let k = i; k < j; k++) if (mask[k] && (best < 0 || ts[k] >= ts[best])) best = k;
      for (let k = i; k < j; k++) if (k !== best) mask[k] = 0;
    }
    i = j;
  }
}

/**
 * How many cells of `w`'s current tile, from its position on, sort strictly before the next cell of every
 * other live cursor (binary search; those cells cannot meet a duplicate elsewhere). 0 when the first one ties.
 */
function runAhead(w: Cursor, live: Cursor[], cmp: (a: DimColumn[], i: number, b: DimColumn[], j: number) => number): number {
  const at = (c: Cursor, p: number): number => (c.cells ? c.cells[p] : p);
  let end = w.count;
  for (const o of live) {
    if (o === w) continue;
    const oc = at(o, o.pos);
    if (cmp(w.dims, at(w, end - 1), o.dims, oc) < 0) continue;
    // first position in [w.pos, end) not before o's head
    let lo = w.pos;
    let hi = end - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(w.dims, at(w, mid), o.dims, oc) < 0) lo = mid + 1;
      else hi = mid;
    }
    end = lo;
    if (end === w.pos) return 0;
  }
  return end - w.pos;
}

/** The write time of a cell of a fragment consolidated with timestamps, else -1. */
function timestampOf(set: FieldTileSet, cell: number): bigint {
  const t = set.get(TIMESTAMPS_FIELD);
  if (!t) return -1n;
  const dv = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return dv.getBigUint64(cell * 8, true);
}

/**
 * Hands the fixed-size value buffers of tiles whose cells are all copied out back to the pool; `kept`: the set
 * an emitted batch may hold without a copy (a batch of one whole tile).
 */
export function release(pool: TilePool, sets: FieldTileSet[], kept: FieldTileSet | null): void {
  for (const set of sets) {
    if (set === kept) continue;
    for (const t of set.values()) if (t.offsets === undefined) pool.give(t.data);
  }
  sets.length = 0;
}

export function emit(plan: SparsePlan, runs: Runs): ReadBatch {
  const columns = plan.fields.map((f) => gatherColumn(f, runs, null, f.role === "attribute" ? plan.schema.attributes[f.index].enumerationName : undefined));
  return { length: runs.length, columns };
}

export async function* readSparse(plan: SparsePlan): AsyncGenerator<ReadBatch> {
  const nfrag = plan.fragments.length;
  // versions of one cell may straddle tiles of a fragment consolidated with timestamps: merge resolves them
  const versions = !plan.schema.allowsDuplicates && plan.fragments.some((f) => f.hasTimestamps);
  const merge = versions || (nfrag > 1 && (plan.order === "global" || !plan.schema.allowsDuplicates));
  const key = globalKey(plan.schema, plan.fragments);
  // at least a few tiles' worth, so a small budget still recycles the buffers of one-tile batches
  const pool = new TilePool(Math.min(Math.max(plan.memoryBudget / 4, 8 << 20), 256 << 20));
  if (!merge) yield* scan(plan, key, pool);
  else if (key !== null && !versions) yield* mergeByKey(plan, new TileLoader(plan, true, key, true, pool), pool);
  else yield* mergeFragments(plan);
}

/**
 * One fragment after another, tiles in storage order. Tiles whose cells were copied into a batch go back to
 * the pool once it is emitted; a batch that is one whole tile holds its buffers, so they go back only when
 * the caller lets them be reused.
 */
async function* scan(plan: SparsePlan, key: GlobalKey | null, pool: TilePool): AsyncGenerator<ReadBatch> {
  const loader = new TileLoader(plan, false, key, false, pool);
  let runs = new Runs();
  let held = 0;
  let emitted = false;
  // tiles loaded since the last batch was emitted
  const done: FieldTileSet[] = [];
  for (let fi = 0; fi < plan.fragments.length; fi++) {
    const work = candidateTiles(plan, fi);
    // read ahead one tile so I/O and decoding of the next tile overlap with gathering this one
    let next = work.length > 0 ? loader.load(work[0]) : null;
    for (let k = 0; k < work.length; k++) {
      const cur = await (next as ReturnType<TileLoader["load"]>);
      next = k + 1 < work.length ? loader.load(work[k + 1]) : null;
      done.push(cur.set);
      if (cur.keep === null) runs.push(cur.set, 0, cur.cells);
      else {
        const keep = cur.keep;
        for (let i = 0; i < keep.length; i++) runs.push(cur.set, keep[i], 1);
      }
      held += tileBytes(cur.set);
      // Batches of about one tile or more: a batch that is exactly one whole tile hands the decoded
      // buffers over without a copy, and small batches keep the memory in use low.
      if ((held >= plan.memoryBudget || runs.length >= BATCH_CELLS) && runs.length > 0) {
        const batch = emit(plan, runs);
        const kept = runs.tiles.length === 1 ? runs.tiles[0] : null;
        release(pool, done, kept);
        yield batch;
        if (plan.reuseBuffers && kept !== null) release(pool, [kept], null);
        emitted = true;
        runs = new Runs();
        held = 0;
      }
    }
  }
  if (runs.length > 0 || !emitted) yield emit(plan, runs);
}

interface Cursor {
  work: TileWork[];
  next: number;
  set: FieldTileSet | null;
  dims: DimColumn[];
  /** Selected cells of the current tile. */
  cells: Int32Array | null;
  count: number;
  pos: number;
}

/**
 * K-way merge of the fragments in global order, cell by cell through the schema's comparator (string or
 * float dimensions, Hilbert order, fragments consolidated with timestamps; `merge.ts` handles the rest);
 * newest wins on equal coordinates unless duplicates are allowed.
 */
async function* mergeFragments(plan: SparsePlan): AsyncGenerator<ReadBatch> {
  const loader = new TileLoader(plan, true);
  const cmp = globalOrder(plan.schema);
  const dedupe = !plan.schema.allowsDuplicates;
  const cursors: Cursor[] = plan.fragments.map((_, fi) => ({ work: candidateTiles(plan, fi), next: 0, set: null, dims: [], cells: null, count: 0, pos: 0 }));
  let held = 0;
  // Advances a cursor to its next tile with selected cells; false when the fragment is exhausted.
  const advance = async (c: Cursor): Promise<boolean> => {
    while (c.next < c.work.length) {
      const r = await loader.load(c.work[c.next++]);
      c.set = r.set;
      c.dims = r.dims;
      c.cells = r.keep;
      c.count = r.keep ? r.keep.length : r.cells;
      c.pos = 0;
      if (c.count > 0) {
        held += tileBytes(r.set);
        return true;
      }
    }
    c.set = null;
    return false;
  };
  const live: Cursor[] = [];
  for (const c of cursors) if (await advance(c)) live.push(c);
  let runs = new Runs();
  let emitted = false;
  const cellOf = (c: Cursor): number => (c.cells ? c.cells[c.pos] : c.pos);
  while (live.length > 0) {
    // the smallest cell; on ties the newest fragment (highest index) is chosen
    let best = 0;
    for (let k = 1; k < live.length; k++) {
      const a = live[k];
      const b = live[best];
      const c = cmp(a.dims, cellOf(a), b.dims, cellOf(b));
      if (c < 0 || (c === 0 && cursors.indexOf(a) > cursors.indexOf(b))) best = k;
    }
    const w = live[best];
    const wc = cellOf(w);
    // Fast path: the winner's cells that sort strictly before every other fragment's next cell go out as one
    // run (fragments that cover separate blocks, as batched writes do, merge at scan speed). Fragments with
    // per-cell versions go cell by cell, their versions may straddle tiles.
    const stretch = !(dedupe && plan.fragments[cursors.indexOf(w)].hasTimestamps) ? runAhead(w, live, cmp) : 0;
    if (stretch > 0) {
      if (w.cells === null) runs.push(w.set, w.pos, stretch);
      else for (let k = 0; k < stretch; k++) runs.push(w.set, w.cells[w.pos + k], 1);
      w.pos += stretch;
      if (w.pos >= w.count && !(await advance(w))) live.splice(live.indexOf(w), 1);
    } else if (!dedupe) {
      runs.push(w.set, wc, 1);
      w.pos++;
      if (w.pos >= w.count && !(await advance(w))) live.splice(live.indexOf(w), 1);
    } else {
      // Every version of this coordinate: across fragments and, in fragments consolidated with timestamps,
      // next to each other (possibly across a tile boundary). The newest fragment, then the latest time, wins.
      const xDims = w.dims;
      let win = { set: w.set as FieldTileSet, cell: wc, frag: cursors.indexOf(w), ts: timestampOf(w.set as FieldTileSet, wc) };
      for (const c of [...live]) {
        const fi = cursors.indexOf(c);
        while (live.includes(c) && sameCoords(c.dims, cellOf(c), xDims, wc)) {
          const cell = cellOf(c);
          const ts = timestampOf(c.set as FieldTileSet, cell);
          if (fi > win.frag || (fi === win.frag && ts >= win.ts)) win = { set: c.set as FieldTileSet, cell, frag: fi, ts };
          c.pos++;
          if (c.pos >= c.count && !(await advance(c))) live.splice(live.indexOf(c), 1);
        }
      }
      runs.push(win.set, win.cell, 1);
    }
    if (held >= plan.memoryBudget) {
      yield emit(plan, runs);
      emitted = true;
      runs = new Runs();
      held = 0;
      for (const c of live) held += c.set ? tileBytes(c.set) : 0;
    }
  }
  if (runs.length > 0 || !emitted) yield emit(plan, runs);
}
