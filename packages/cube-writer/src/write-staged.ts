/**
 * Staged batches → the estimators array: chunks of consecutive feature ranks are read from every batch
 * (each batch is sorted by feature rank, then group, and indexes where each rank starts), put in global order
 * (feature bytes, then group) and appended to one GlobalOrderWriter, so memory is bounded by the chunk, not
 * by the cube.
 */
import { type Cells, type FragmentContent, GlobalOrderWriter, type VFS } from "@census-cube/tiledb-ts";
import { gather, globalRowOrder } from "./estimators.js";
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
  const scratch: [Uint32Array, Uint32Array] = [new Uint32Array(capacity), new Uint32Array(capacity)];
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
    const perm = (
      runStarts.length <= MERGE_MAX_PARTS
        ? mergedOrder(group, runStarts, r1 - r0, scratch[0])
        : globalRowOrder(group, read.rank.subarray(0, rows), ctx.nGroups, r1 - r0, r0, scratch)
    ).subarray(lo, hi);
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

/** Up to this many batches in a chunk, their rows are merged rank by rank; more take two counting sorts. */
const MERGE_MAX_PARTS = 8;

/**
 * The order of a chunk whose parts each hold their rows by (rank, group), groups differing between parts: rank by
 * rank, the parts' runs merged by group (a scan of the parts' heads per row, cheaper than counting sorts for a few
 * parts). `runStarts[p][q]` is where part p's rows of rank q start in the chunk. Written to the start of `out`.
 */
function mergedOrder(group: Uint32Array, runStarts: Uint32Array[], nRanks: number, out: Uint32Array): Uint32Array {
  const k = runStarts.length;
  const pos = new Uint32Array(k);
  const end = new Uint32Array(k);
  let o = 0;
  for (let q = 0; q < nRanks; q++) {
    let live = 0;
    for (let p = 0; p < k; p++) {
      pos[p] = runStarts[p][q];
      end[p] = runStarts[p][q + 1];
      if (pos[p] < end[p]) live++;
    }
    while (live > 1) {
      let best = -1;
      let bestGroup = 0;
      for (let p = 0; p < k; p++) {
        if (pos[p] < end[p] && (best < 0 || group[pos[p]] < bestGroup)) {
          best = p;
          bestGroup = group[pos[p]];
        }
      }
      out[o++] = pos[best]++;
      if (pos[best] === end[best]) live--;
    }
    for (let p = 0; p < k; p++) while (pos[p] < end[p]) out[o++] = pos[p]++;
  }
  return out.subarray(0, group.length);
}
