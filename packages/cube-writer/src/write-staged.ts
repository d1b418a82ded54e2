/**
 * Staged batches → the estimators array: chunks of consecutive feature ranks are read from every batch
 * (each batch is sorted by feature rank, then group, and indexes where each rank starts), put in global order
 * (feature bytes, then group) and appended to one GlobalOrderWriter, so memory is bounded by the chunk, not
 * by the cube.
 */
import { GlobalOrderWriter, type VFS } from "@census-cube/tiledb-ts";
import { estimatorCells, globalRowOrder, permuteRows } from "./estimators.js";
import { readStagedRows, type StagedBatch, type StagedRows } from "./staging.js";

/** Rows per appended chunk by default (~30 bytes each in memory, twice over while sorting and tiling). */
export const CHUNK_ROWS = 1 << 21;

export interface StagedWriteContext {
  vfs: VFS;
  estimatorNames: readonly string[];
  featureRank: Uint32Array;
  featureBytes: Uint8Array[];
  nGroups: number;
  /** Rows per chunk (default CHUNK_ROWS); a chunk always holds whole features. */
  chunkRows?: number;
}

/** Writes the batches' rows as one fragment in global order; nothing when they hold no rows. */
export async function writeStagedFragment(estUri: string, batches: StagedBatch[], ctx: StagedWriteContext): Promise<void> {
  const nF = ctx.featureRank.length;
  const chunkRows = ctx.chunkRows ?? CHUNK_ROWS;
  const rowsOfRank = (r: number) => {
    let s = 0;
    for (const b of batches) s += b.rankStart[r + 1] - b.rankStart[r];
    return s;
  };
  let writer: GlobalOrderWriter | null = null;
  const geneOfRank = new Uint32Array(nF);
  for (let g = 0; g < nF; g++) geneOfRank[ctx.featureRank[g]] = g;
  for (let r = 0; r < nF; ) {
    let r1 = r;
    let rows = 0;
    while (r1 < nF && (rows === 0 || rows + rowsOfRank(r1) <= chunkRows)) rows += rowsOfRank(r1++);
    if (rows > 0) {
      const parts: StagedRows[] = [];
      for (const b of batches) {
        const from = b.rankStart[r];
        const to = b.rankStart[r1];
        if (to > from) parts.push(await readStagedRows(ctx.vfs, b, from, to, ctx.estimatorNames));
      }
      const chunk = concatRows(parts, ctx.estimatorNames);
      const rank = new Uint32Array(chunk.n);
      for (let i = 0; i < chunk.n; i++) rank[i] = ctx.featureRank[chunk.gene[i]] - r;
      const perm = globalRowOrder(chunk.group, rank, ctx.nGroups, r1 - r);
      writer ??= await GlobalOrderWriter.open(estUri, { vfs: ctx.vfs });
      writer.append(estimatorCells(permuteRows(chunk, perm, ctx.estimatorNames), ctx.featureBytes));
    }
    r = r1;
  }
  if (writer) await writer.close();
}

function concatRows(parts: StagedRows[], estimatorNames: readonly string[]): StagedRows {
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
