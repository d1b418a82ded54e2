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
  /** The feature ids in byte order (see featureIdsByRank). */
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
      for (const b of batches) {
        const from = b.rankStart[r];
        const to = b.rankStart[r1];
        if (to > from) parts.push(await readStagedRows(ctx.vfs, b, from, to, ctx.estimatorNames));
      }
      const chunk = concatRows(parts, ctx.estimatorNames);
      const rank = new Uint32Array(chunk.n);
      for (let i = 0; i < chunk.n; i++) rank[i] = ctx.featureRank[chunk.gene[i]] - r;
      let perm = globalRowOrder(chunk.group, rank, ctx.nGroups, r1 - r);
      if (at < rowFrom || at + rows > rowTo) perm = perm.subarray(Math.max(0, rowFrom - at), Math.min(rows, rowTo - at));
      writer.append(estimatorCells(permuteRows({ ...chunk, n: perm.length }, perm, ctx.estimatorNames), ctx.featureRank, ctx.featureIdsByRank));
    }
    at += rows;
    r = r1;
  }
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
