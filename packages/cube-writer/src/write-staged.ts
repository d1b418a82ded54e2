/**
 * Staged batches → the estimators array: chunks of consecutive feature ranks are read from every batch
 * (each batch is sorted by feature rank, then group, and indexes where each rank starts), put in global order
 * (feature bytes, then group) and appended to one GlobalOrderWriter, so memory is bounded by the chunk, not
 * by the cube.
 */
import { type Cells, type FragmentContent, GlobalOrderWriter, uriBaseName, type VFS } from "@census-cube/tiledb-ts";
import { CubeWriterError } from "./errors.js";
import { gather } from "./estimators.js";
import { type RankedRows, readStagedRows, type StagedBatch } from "./staging.js";

/** Rows per appended chunk by default (~30 bytes each in memory, twice over while sorting and tiling). */
export const CHUNK_ROWS = 1 << 21;

export interface StagedWriteContext {
  /** Where the fragment goes. */
  vfs: VFS;
  /** Where the staged batches are read from (see CubeWriter's scratch). */
  scratch: VFS;
  estimatorNames: readonly string[];
  featureRank: Uint32Array;
  /** The feature ids in byte order (rank r at index r). */
  featureIdsByRank: Uint8Array[];
  nGroups: number;
  /** Rows per chunk (default CHUNK_ROWS); a chunk always holds whole features. */
  chunkRows?: number;
}

/** A piece of the staged write: rows [rowFrom, rowTo) of the batches' rows in global order. */
export interface StagedPart {
  batches: StagedBatch[];
  rowFrom: number;
  rowTo: number;
}

/** Splits the batches' rows, in global order, into up to `parts` pieces that end on full tiles. */
export function planStagedParts(batches: StagedBatch[], parts: number, capacity: number): StagedPart[] {
  let total = 0;
  for (const b of batches) total += b.n;
  const tiles = Math.ceil(total / capacity);
  const perPart = Math.max(1, Math.ceil(tiles / Math.max(1, parts))) * capacity;
  const out: StagedPart[] = [];
  for (let from = 0; from < total; from += perPart) out.push({ batches, rowFrom: from, rowTo: Math.min(total, from + perPart) });
  return out;
}

/** Writes the batches' rows as one fragment in global order; nothing when they hold no rows. */
export async function writeStagedFragment(estUri: string, batches: StagedBatch[], ctx: StagedWriteContext): Promise<void> {
  let total = 0;
  for (const b of batches) total += b.n;
  if (total === 0) return;
  const writer = await GlobalOrderWriter.open(estUri, { vfs: ctx.vfs });
  await appendStagedRows(writer, { batches, rowFrom: 0, rowTo: total }, ctx);
  await writer.close();
}

/** One piece of the fragment, encoded but not committed (see concatFragmentContents). */
export async function encodeStagedPart(estUri: string, part: StagedPart, ctx: StagedWriteContext): Promise<FragmentContent> {
  const writer = await GlobalOrderWriter.open(estUri, { vfs: ctx.vfs });
  await appendStagedRows(writer, part, ctx);
  return writer.content();
}

/**
 * Appends the part's rows: chunks of whole features, read from every batch at once, put in global order
 * (feature bytes, then group) and cut to the part's rows. The chunk's columns are allocated once per part and
 * reused: fresh chunk-sized arrays would be faulted in and zeroed by the kernel page by page, chunk after chunk.
 */
async function appendStagedRows(writer: GlobalOrderWriter, part: StagedPart, ctx: StagedWriteContext): Promise<void> {
  const { batches, rowFrom, rowTo } = part;
  const names = ctx.estimatorNames;
  const nF = ctx.featureRank.length;
  const chunkRows = ctx.chunkRows ?? CHUNK_ROWS;
  const rowsOfRank = new Float64Array(nF);
  for (const b of batches) for (let r = 0; r < nF; r++) rowsOfRank[r] += b.rankStart[r + 1] - b.rankStart[r];
  // The part's chunks: [first rank, end rank, global row of the first rank's first row, rows].
  const chunks: Array<[number, number, number, number]> = [];
  let at = 0;
  let r = 0;
  while (r < nF && at + rowsOfRank[r] <= rowFrom) at += rowsOfRank[r++];
  while (r < nF && at < rowTo) {
    let r1 = r;
    let rows = 0;
    while (r1 < nF && (rows === 0 || rows + rowsOfRank[r1] <= chunkRows)) rows += rowsOfRank[r1++];
    if (rows > 0) chunks.push([r, r1, at, rows]);
    at += rows;
    r = r1;
  }
  const capacity = chunks.reduce((m, c) => Math.max(m, c[3]), 0);
  const read = rankedRows(capacity, names);
  const ordered = batches.length > 1 ? rankedRows(capacity, names) : read;
  const order = new Uint32Array(capacity);
  for (const [r0, r1, first, rows] of chunks) {
    const runStarts: Uint32Array[] = []; // per batch with rows here: where each rank's rows start in the chunk
    let base = 0;
    for (const b of batches) {
      const from = b.rankStart[r0];
      const to = b.rankStart[r1];
      if (to === from) continue;
      await readStagedRows(ctx.scratch, b, from, to, names, read, base);
      runStarts.push(Uint32Array.from(b.rankStart.subarray(r0, r1 + 1), (x) => base + x - from));
      base += to - from;
    }
    const lo = Math.max(0, rowFrom - first);
    const hi = Math.min(rows, rowTo - first);
    if (runStarts.length === 1) {
      writer.append(estimatorCells(read, lo, hi, ctx.featureIdsByRank)); // one batch's rows are in order already
      continue;
    }
    const group = read.group.subarray(0, rows);
    const merged = rankGroupOrder(group, runStarts, r1 - r0, ctx.nGroups, order);
    if (merged.length !== rows) {
      const files = batches.map((b) => uriBaseName(b.uri)).join(", ");
      throw new CubeWriterError("E_CORRUPT_STAGING", `staged estimators batches ${files} hold ${rows - merged.length} (feature, obs group) rows twice`);
    }
    const perm = merged.subarray(lo, hi);
    gather(read.rank, perm, ordered.rank);
    gather(read.group, perm, ordered.group);
    for (const e of names) gather(read.values[e], perm, ordered.values[e]);
    writer.append(estimatorCells(ordered, 0, hi - lo, ctx.featureIdsByRank));
  }
}

/** Columns for `n` rows. */
function rankedRows(n: number, estimatorNames: readonly string[]): RankedRows {
  return { rank: new Uint32Array(n), group: new Uint32Array(n), values: Object.fromEntries(estimatorNames.map((e) => [e, new Float32Array(n)])) };
}

/**
 * Rows [from, to) as the cells of a sparse write of the estimators array: `feature_id` as codes into the feature
 * ids in byte order (`byRank`, the same array on every call), so the writer orders, tiles and dictionary-encodes
 * rows by code and builds each tile's strings once.
 */
function estimatorCells(rows: RankedRows, from: number, to: number, byRank: readonly Uint8Array[]): Cells {
  const values = Object.fromEntries(Object.entries(rows.values).map(([e, v]) => [e, v.subarray(from, to)]));
  return { feature_id: { codes: rows.rank.subarray(from, to), dictionary: byRank as Uint8Array[] }, obs_group_joinid: rows.group.subarray(from, to), ...values };
}

/**
 * The order of a chunk whose parts each hold their rows by (rank, group), groups differing between parts
 * (`runStarts[p][q]` is where part p's rows of rank q start in the chunk): rank by rank, every part's rows are
 * marked in a bitmap over the obs groups, a few kB that stay in cache, and read back in group order. Written to
 * the start of `out`.
 */
function rankGroupOrder(group: Uint32Array, runStarts: Uint32Array[], nRanks: number, nGroups: number, out: Uint32Array): Uint32Array {
  const rowOf = new Uint32Array(nGroups);
  const bits = new Int32Array((nGroups + 31) >>> 5);
  let o = 0;
  for (let q = 0; q < nRanks; q++) {
    let lo = bits.length;
    let hi = -1;
    for (const starts of runStarts) {
      const from = starts[q];
      const to = starts[q + 1];
      if (from === to) continue;
      // a run is sorted by group: its first and last rows bound the words it marks
      lo = Math.min(lo, group[from] >>> 5);
      hi = Math.max(hi, group[to - 1] >>> 5);
      for (let i = from; i < to; i++) {
        const g = group[i];
        rowOf[g] = i;
        bits[g >>> 5] |= 1 << (g & 31);
      }
    }
    for (let w = lo; w <= hi; w++) {
      let x = bits[w];
      if (x === 0) continue;
      bits[w] = 0;
      const base = w << 5;
      while (x !== 0) {
        const low = x & -x;
        out[o++] = rowOf[base + 31 - Math.clz32(low)];
        x ^= low;
      }
    }
  }
  return out.subarray(0, o);
}
