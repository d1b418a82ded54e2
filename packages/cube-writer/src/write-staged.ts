/**
 * Staged batches → the estimators array: chunks of consecutive feature ranks are read from every batch
 * (each batch is sorted by feature rank, then group, and indexes where each rank starts), put in global order
 * (feature bytes, then group) and appended to one GlobalOrderWriter, so memory is bounded by the chunk, not
 * by the cube.
 */
import { type FragmentContent, GlobalOrderWriter, type VFS } from "@census-cube/tiledb-ts";
import { estimatorCells, globalRowOrder, permuteRows, type RowColumns } from "./estimators.js";
import { readStagedRows, type StagedBatch } from "./staging.js";

/** Rows per appended chunk by default (~30 bytes each in memory, twice over while sorting and tiling). */
export const CHUNK_ROWS = 1 << 21;

export interface StagedWriteContext {
  vfs: VFS;
  estimatorNames: readonly string[];
  featureRank: Uint32Array;
  /** The var index of each feature rank (featureRank's inverse). */
  geneOfRank: Uint32Array;
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
 * (feature bytes, then group) and cut to the part's rows.
 */
async function appendStagedRows(writer: GlobalOrderWriter, part: StagedPart, ctx: StagedWriteContext): Promise<void> {
  const { batches, rowFrom, rowTo } = part;
  const nF = ctx.featureRank.length;
  const chunkRows = ctx.chunkRows ?? CHUNK_ROWS;
  const rowsOfRank = new Float64Array(nF);
  for (const b of batches) for (let r = 0; r < nF; r++) rowsOfRank[r] += b.rankStart[r + 1] - b.rankStart[r];
  let at = 0; // global row index of the first row of rank r
  let r = 0;
  while (r < nF && at + rowsOfRank[r] <= rowFrom) at += rowsOfRank[r++];
  while (r < nF && at < rowTo) {
    let r1 = r;
    let rows = 0;
    while (r1 < nF && (rows === 0 || rows + rowsOfRank[r1] <= chunkRows)) rows += rowsOfRank[r1++];
    if (rows > 0) {
      const parts: RowColumns[] = [];
      const runStarts: Uint32Array[] = []; // per part: where each rank's rows start in the chunk
      let base = 0;
      for (const b of batches) {
        const from = b.rankStart[r];
        const to = b.rankStart[r1];
        if (to === from) continue;
        parts.push(await readStagedRows(ctx.vfs, b, from, to, ctx.estimatorNames, ctx.geneOfRank));
        runStarts.push(Uint32Array.from(b.rankStart.subarray(r, r1 + 1), (x) => base + x - from));
        base += to - from;
      }
      const chunk = concatRows(parts, ctx.estimatorNames);
      let perm: Uint32Array | null;
      if (parts.length === 1) perm = null; // one batch's rows are in order already
      else if (parts.length <= MERGE_MAX_PARTS) perm = mergedOrder(chunk.group, runStarts, r1 - r);
      else {
        const rank = new Uint32Array(chunk.n);
        for (let i = 0; i < chunk.n; i++) rank[i] = ctx.featureRank[chunk.gene[i]] - r;
        perm = globalRowOrder(chunk.group, rank, ctx.nGroups, r1 - r);
      }
      const lo = Math.max(0, rowFrom - at);
      const hi = Math.min(rows, rowTo - at);
      let ordered: RowColumns;
      if (perm) ordered = permuteRows({ ...chunk, n: hi - lo }, perm.subarray(lo, hi), ctx.estimatorNames);
      else ordered = lo === 0 && hi === rows ? chunk : sliceRows(chunk, lo, hi, ctx.estimatorNames);
      writer.append(estimatorCells(ordered, ctx.featureRank, ctx.featureIdsByRank));
    }
    at += rows;
    r = r1;
  }
}

/** Up to this many batches in a chunk, their rows are merged rank by rank; more take two counting sorts. */
const MERGE_MAX_PARTS = 8;

/**
 * The order of a chunk whose parts each hold their rows by (rank, group), groups differing between parts: rank by
 * rank, the parts' runs merged by group (a scan of the parts' heads per row, cheaper than counting sorts for a few
 * parts). `runStarts[p][q]` is where part p's rows of rank q start in the chunk.
 */
function mergedOrder(group: Uint32Array, runStarts: Uint32Array[], nRanks: number): Uint32Array {
  const k = runStarts.length;
  const out = new Uint32Array(group.length);
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
  return out;
}

function sliceRows(rows: RowColumns, from: number, to: number, estimatorNames: readonly string[]): RowColumns {
  const values: Record<string, Float32Array> = {};
  for (const e of estimatorNames) values[e] = rows.values[e].subarray(from, to);
  return { n: to - from, gene: rows.gene.subarray(from, to), group: rows.group.subarray(from, to), values };
}

function concatRows(parts: RowColumns[], estimatorNames: readonly string[]): RowColumns {
  if (parts.length === 1) return parts[0];
  let n = 0;
  for (const p of parts) n += p.n;
  const gene = new Uint32Array(n);
  const group = new Uint32Array(n);
  const values: Record<string, Float32Array> = Object.fromEntries(estimatorNames.map((e) => [e, new Float32Array(n)]));
  let at = 0;
  for (const p of parts) {
    gene.set(p.gene, at);
    group.set(p.group, at);
    for (const e of estimatorNames) values[e].set(p.values[e], at);
    at += p.n;
  }
  return { n, gene, group, values };
}
