/**
 * The filtered tile (format spec tile.md, filter_pipeline.md): [chunk count u64] then per chunk
 * [original length u32][filtered length u32][metadata length u32][metadata][filtered data].
 * A tile is cut into chunks, each chunk runs through the filters in order on write and in reverse on read.
 */
import { ByteReader } from "../binary.js";
import { Datatype, datatypeSize } from "../datatype.js";
import { TileDBError } from "../errors.js";
import { FORMAT_VERSION as CURRENT_FORMAT_VERSION } from "../format-version.js";
import { type FilterContext, type FilterPipeline, type FilterStep, FilterType } from "./filter.js";
import { getFilterCodec } from "./registry.js";
import { concatParts, totalLength } from "./util.js";

/** TileDB's chunk size ceiling (constants::max_tile_chunk_size); the writer uses it whatever the schema says. */
export const MAX_TILE_CHUNK_SIZE = 65536;
const VAR_NUM = 0xffffffff;

/** A filtered tile with no chunks: what TileDB writes for offsets that the data tile already carries. */
export function emptyFilteredTile(): Uint8Array {
  return new Uint8Array(8);
}

function isVarString(ctx: FilterContext): boolean {
  return ctx.cellValNum === VAR_NUM && (ctx.datatype === Datatype.STRING_ASCII || ctx.datatype === Datatype.STRING_UTF8);
}

/**
 * True when a var-sized string field's offsets are folded into its data tile (RLE from version 12,
 * dictionary from 13; UTF-8 from 17): the offsets tile then holds no chunks and
 * `decodeVarStringTile` rebuilds the offsets.
 */
export function skipsOffsetsFiltering(pipeline: FilterPipeline, datatype: Datatype, version = CURRENT_FORMAT_VERSION): boolean {
  const has = (t: FilterType) => pipeline.filters.some((f) => f.type === t);
  if (((version >= 12 && datatype === Datatype.STRING_ASCII) || (version >= 17 && datatype === Datatype.STRING_UTF8)) && has(FilterType.RLE)) return true;
  if (((version >= 13 && datatype === Datatype.STRING_ASCII) || (version >= 17 && datatype === Datatype.STRING_UTF8)) && has(FilterType.DICTIONARY)) return true;
  return false;
}

function cellSizeOf(ctx: FilterContext): number {
  const t = ctx.datatype === Datatype.ANY ? 1 : datatypeSize(ctx.datatype);
  return ctx.cellValNum === VAR_NUM ? t : t * Math.max(1, ctx.cellValNum);
}

/** The step each filter sees: its input type is the previous filter's output type. */
function stepsFor(pipeline: FilterPipeline, ctx: FilterContext, varStrings: boolean): FilterStep[] {
  const version = ctx.version ?? CURRENT_FORMAT_VERSION;
  const cellSize = cellSizeOf(ctx);
  const steps: FilterStep[] = [];
  let type = ctx.datatype;
  for (const spec of pipeline.filters) {
    const codec = getFilterCodec(spec.type, ctx.what);
    steps.push({ type, cellSize, version, what: ctx.what, varStrings });
    type = codec.outputType ? codec.outputType(type, spec) : type;
  }
  return steps;
}

interface Chunk {
  origSize: number;
  metadata: Uint8Array;
  data: Uint8Array;
}

function readChunks(filtered: Uint8Array, what: string): { chunks: Chunk[]; total: number } {
  const r = new ByteReader(filtered, what);
  if (filtered.byteLength < 8) throw new TileDBError("E_CORRUPT", `${what}: filtered tile of ${filtered.byteLength} bytes is shorter than its chunk count`);
  const n = r.u64();
  // Each chunk needs at least its 12-byte header: a larger count is corruption, not a reason to allocate.
  if (n > BigInt(Math.floor(r.remaining / 12))) throw new TileDBError("E_CORRUPT", `${what}: chunk count ${n} does not fit in ${filtered.byteLength} bytes`);
  const chunks: Chunk[] = [];
  let total = 0;
  try {
    for (let i = 0; i < Number(n); i++) {
      const origSize = r.u32();
      const dataSize = r.u32();
      const mdSize = r.u32();
      const metadata = r.bytesView(mdSize);
      const data = r.bytesView(dataSize);
      chunks.push({ origSize, metadata, data });
      total += origSize;
    }
  } catch (e) {
    throw new TileDBError("E_CORRUPT", `${what}: truncated filtered tile (${(e as Error).message})`, { cause: e });
  }
  return { chunks, total };
}

function wrap(e: unknown, what: string, filterName: string): TileDBError {
  if (e instanceof TileDBError) return e;
  return new TileDBError("E_CORRUPT", `${what}: ${filterName} filter failed: ${(e as Error).message}`, { cause: e });
}

/**
 * Two reusable buffers for intermediate filter outputs: each filter writes into the one its input is not in,
 * so a chunk decodes without allocating (decoding is synchronous, so one pair serves every call).
 */
const scratchSlots: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0)];
function scratch(slot: number, size: number): Uint8Array {
  if (scratchSlots[slot].byteLength < size) scratchSlots[slot] = new Uint8Array(Math.max(size, 65536));
  return scratchSlots[slot].subarray(0, size);
}
const scratchers = [(n: number) => scratch(0, n), (n: number) => scratch(1, n)];

function reverseChunk(chunk: Chunk, pipeline: FilterPipeline, steps: FilterStep[], out: Uint8Array, what: string): void {
  let data = chunk.data;
  let metadata = chunk.metadata;
  let slot = -1; // which scratch slot holds `data`, if any
  for (let i = pipeline.filters.length - 1; i >= 0; i--) {
    const spec = pipeline.filters[i];
    const codec = getFilterCodec(spec.type, what);
    const use = slot === 0 ? 1 : 0;
    const step = steps[i];
    step.scratch = scratchers[use];
    try {
      const r = codec.reverse(data, metadata, spec, step, i === 0 ? out : undefined);
      if (r.data.buffer === scratchSlots[use].buffer) slot = use;
      else if (slot < 0 || r.data.buffer !== scratchSlots[slot].buffer) slot = -1;
      data = r.data;
      metadata = r.metadata;
    } catch (e) {
      throw wrap(e, what, codec.name);
    } finally {
      step.scratch = undefined;
    }
  }
  if (data.byteLength !== chunk.origSize) {
    throw new TileDBError("E_CORRUPT", `${what}: chunk decoded to ${data.byteLength} bytes, its header says ${chunk.origSize}`);
  }
  if (data !== out) out.set(data);
}

/**
 * Undoes the pipeline on one filtered tile. `expectedSize` (from the fragment metadata) is checked against
 * the chunks' original lengths. Returns the tile bytes (fixed values, uint64 offsets or validity bytes).
 */
export function decodeTile(filtered: Uint8Array, pipeline: FilterPipeline, ctx: FilterContext, expectedSize?: number): Uint8Array {
  return decodeChunks(readChunks(filtered, ctx.what), pipeline, ctx, expectedSize);
}

/**
 * `decodeTile` into a caller's buffer (e.g. one reused across tiles: fresh memory costs page faults on
 * first write). `out` must hold at least the tile; returns the view of it that holds the tile.
 */
export function decodeTileInto(filtered: Uint8Array, pipeline: FilterPipeline, ctx: FilterContext, out: Uint8Array, expectedSize?: number): Uint8Array {
  return decodeChunks(readChunks(filtered, ctx.what), pipeline, ctx, expectedSize, out);
}

/** The unfiltered size of a filtered tile, from its chunk headers. */
export function unfilteredSize(filtered: Uint8Array, what: string): number {
  return readChunks(filtered, what).total;
}

function decodeChunks(
  { chunks, total }: { chunks: Chunk[]; total: number },
  pipeline: FilterPipeline,
  ctx: FilterContext,
  expectedSize?: number,
  into?: Uint8Array,
): Uint8Array {
  if (expectedSize !== undefined && total !== expectedSize) {
    throw new TileDBError("E_CORRUPT", `${ctx.what}: tile unfilters to ${total} bytes, expected ${expectedSize}`);
  }
  if (into && into.byteLength < total) throw new TileDBError("E_INTERNAL", `${ctx.what}: output buffer of ${into.byteLength} bytes is smaller than the tile (${total})`);
  const out = into ? into.subarray(0, total) : new Uint8Array(total);
  const steps = stepsFor(pipeline, ctx, false);
  let o = 0;
  for (const chunk of chunks) {
    reverseChunk(chunk, pipeline, steps, out.subarray(o, o + chunk.origSize), ctx.what);
    o += chunk.origSize;
  }
  return out;
}

/**
 * Decodes the data tile of a var-sized string field whose offsets are folded into it (see
 * `skipsOffsetsFiltering`). Returns the string bytes and the cell offsets (uint64 little-endian bytes,
 * the same form `decodeTile` gives for an offsets tile).
 */
export function decodeVarStringTile(
  filtered: Uint8Array,
  pipeline: FilterPipeline,
  ctx: FilterContext,
  expectedSize?: number,
): { data: Uint8Array; offsets: Uint8Array } {
  const { chunks, total } = readChunks(filtered, ctx.what);
  if (expectedSize !== undefined && total !== expectedSize) {
    throw new TileDBError("E_CORRUPT", `${ctx.what}: tile unfilters to ${total} bytes, expected ${expectedSize}`);
  }
  const out = new Uint8Array(total);
  const steps = stepsFor(pipeline, ctx, true);
  const offsets: Uint8Array[] = [];
  let o = 0;
  for (const chunk of chunks) {
    reverseChunk(chunk, pipeline, steps, out.subarray(o, o + chunk.origSize), ctx.what);
    const first = steps[0]?.decodedOffsets;
    if (!first) throw new TileDBError("E_CORRUPT", `${ctx.what}: var-sized string tile carries no offsets`);
    if (o !== 0) {
      // Several chunks (not written by TileDB, which keeps these tiles whole): shift offsets by the chunk start.
      const v = new BigUint64Array(first.buffer, first.byteOffset, first.byteLength / 8);
      for (let i = 0; i < v.length; i++) v[i] += BigInt(o);
    }
    offsets.push(first);
    steps[0].decodedOffsets = undefined;
    o += chunk.origSize;
  }
  return { data: out, offsets: concatParts(offsets.length ? offsets : [new Uint8Array(0)]) };
}

/** TileDB's chunk size for a tile: the ceiling, cut to whole cells, at least one cell. */
export function computeChunkSize(tileSize: number, cellSize: number, maxChunk = MAX_TILE_CHUNK_SIZE): number {
  let c = Math.min(maxChunk, tileSize);
  c = Math.floor(c / cellSize) * cellSize;
  return Math.max(c, cellSize);
}

/** Chunk start offsets for var-sized data: whole cells per chunk, by TileDB's 50%/150% rule. */
export function varChunkOffsets(tileSize: number, cellOffsets: ArrayLike<number>, chunkSize: number): number[] {
  const out = [0];
  const n = cellOffsets.length;
  const minSize = Math.floor(chunkSize / 2);
  const maxSize = chunkSize + Math.floor(chunkSize / 2);
  let current = 0;
  for (let c = 0; c < n; c++) {
    const cellSize = c === n - 1 ? tileSize - cellOffsets[c] : cellOffsets[c + 1] - cellOffsets[c];
    const next = current + cellSize;
    if (next > chunkSize) {
      if (current <= minSize || next <= maxSize) {
        out.push(cellOffsets[c] + cellSize);
        current = 0;
      } else {
        out.push(cellOffsets[c]);
        if (cellSize > chunkSize) {
          if (c !== n - 1) out.push(cellOffsets[c] + cellSize);
          current = 0;
        } else {
          current = cellSize;
        }
      }
    } else {
      current += cellSize;
    }
  }
  return out;
}

function toNumbers(offsets: ArrayLike<number> | BigUint64Array | BigInt64Array): ArrayLike<number> {
  if (offsets instanceof BigUint64Array || offsets instanceof BigInt64Array) {
    // from the two 32-bit words: no BigInt per cell (offsets within a tile are far below 2^53)
    const w = new Uint32Array(offsets.buffer, offsets.byteOffset, offsets.length * 2);
    const out = new Float64Array(offsets.length);
    for (let i = 0; i < out.length; i++) out[i] = w[2 * i + 1] * 4294967296 + w[2 * i];
    return out;
  }
  return offsets as ArrayLike<number>;
}

/**
 * Runs the pipeline over a tile and lays out the filtered tile. For var-sized data pass the cell offsets
 * (relative to the tile start): chunks then hold whole cells, and RLE/dictionary on strings fold the
 * offsets into the data (write `emptyFilteredTile()` as that field's offsets tile; see `skipsOffsetsFiltering`).
 */
export function encodeTile(
  data: Uint8Array,
  pipeline: FilterPipeline,
  ctx: FilterContext,
  varCellOffsets?: ArrayLike<number> | BigUint64Array | BigInt64Array,
): Uint8Array {
  const version = ctx.version ?? CURRENT_FORMAT_VERSION;
  const offsets = varCellOffsets ? toNumbers(varCellOffsets) : undefined;
  const varStrings = offsets !== undefined && isVarString(ctx) && skipsOffsetsFiltering(pipeline, ctx.datatype, version);
  const cellSize = cellSizeOf(ctx);
  const useChunking = pipeline.maxChunkSize !== 0 && !varStrings && !pipeline.filters.some((f) => f.type === FilterType.WEBP);
  const chunkSize = useChunking ? computeChunkSize(data.byteLength, cellSize) : data.byteLength;

  // Chunk boundaries, as FilterPipeline::filter_chunks_forward computes them.
  const starts: number[] = [];
  const ends: number[] = [];
  if (data.byteLength === chunkSize) {
    starts.push(0);
    ends.push(data.byteLength);
  } else if (offsets) {
    const cs = varChunkOffsets(data.byteLength, offsets, chunkSize);
    for (let i = 0; i < cs.length; i++) {
      starts.push(cs[i]);
      ends.push(i + 1 < cs.length ? cs[i + 1] : data.byteLength);
    }
  } else {
    for (let o = 0; o < data.byteLength; o += chunkSize) {
      starts.push(o);
      ends.push(Math.min(o + chunkSize, data.byteLength));
    }
  }

  const steps = stepsFor(pipeline, ctx, varStrings);
  if (varStrings && steps.length > 0) {
    steps[0].varOffsets = offsets;
    if (ctx.varCellCodes && ctx.varCellCodes.length === offsets.length) steps[0].varCodes = ctx.varCellCodes;
  }
  const outChunks: { orig: number; md: Uint8Array[]; data: Uint8Array[] }[] = [];
  let total = 8;
  for (let c = 0; c < starts.length; c++) {
    let parts: Uint8Array[] = [data.subarray(starts[c], ends[c])];
    let md: Uint8Array[] = [];
    pipeline.filters.forEach((spec, i) => {
      const codec = getFilterCodec(spec.type, ctx.what);
      try {
        const r = codec.forward(parts, md, spec, steps[i]);
        parts = r.data;
        md = r.metadata;
      } catch (e) {
        if (e instanceof TileDBError) throw e;
        throw new TileDBError("E_WRITE_INPUT", `${ctx.what}: ${codec.name} filter failed: ${(e as Error).message}`, { cause: e });
      }
    });
    const dataLen = totalLength(parts);
    const mdLen = totalLength(md);
    if (dataLen > 0xffffffff || mdLen > 0xffffffff) throw new TileDBError("E_TOO_LARGE", `${ctx.what}: filtered chunk exceeds 4 GiB`);
    outChunks.push({ orig: ends[c] - starts[c], md, data: parts });
    total += 12 + dataLen + mdLen;
  }

  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(outChunks.length), true);
  let o = 8;
  for (const ch of outChunks) {
    dv.setUint32(o, ch.orig, true);
    dv.setUint32(o + 4, totalLength(ch.data), true);
    dv.setUint32(o + 8, totalLength(ch.md), true);
    o += 12;
    for (const p of ch.md) {
      out.set(p, o);
      o += p.byteLength;
    }
    for (const p of ch.data) {
      out.set(p, o);
      o += p.byteLength;
    }
  }
  return out;
}
