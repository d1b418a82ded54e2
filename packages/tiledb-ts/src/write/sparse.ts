/**
 * Sparse writes: cells in any order → global order → data tiles of `capacity` cells → one fragment per call,
 * committed atomically. `SparseWriter` streams large inputs: it buffers cells up to a memory budget and writes
 * each full buffer as its own fragment, so memory stays bounded however many cells arrive.
 */

import { ByteRanges } from "../binary.js";
import { type TypedArray, typedArrayOf } from "../datatype.js";
import { TileDBError } from "../errors.js";
import type { ArraySchema } from "../schema.js";
import { vfsFor } from "../vfs/index.js";
import type { VFS } from "../vfs/vfs.js";
import { type CodeDictionary, type Column, type ColumnInput, toColumn } from "./columns.js";
import { appendTile, type FieldFiles, type FragmentContent, newFieldFiles, pipelinesFor, type RawRange, unionRanges } from "./fragment-builder.js";
import { type CommittedFragment, commitFragment } from "./fragment-writer.js";
import { buildDimKeys, type DimKey, globalOrderPermutation } from "./global-order.js";
import { loadWriteSchema, nextFragmentTimestamp } from "./schema-loader.js";
import { gatherTile, isRun } from "./tile-builder.js";

export type Cells = Record<string, ColumnInput>;

export interface WriteOptions {
  vfs?: VFS;
  /** Fragment timestamp in ms (default now). */
  timestamp?: number;
  /** Write against this schema instead of loading the array's latest one. */
  schema?: ArraySchema;
}

/** Validates and normalizes the input columns of a sparse write: every dimension and attribute, same cell count. */
export function sparseColumns(schema: ArraySchema, cells: Cells): { dims: Column[]; attrs: Column[]; n: number } {
  if (!cells || typeof cells !== "object") throw new TileDBError("E_WRITE_INPUT", "cells must be an object of columns keyed by field name");
  const known = new Set([...schema.dimensions.map((d) => d.name), ...schema.attributes.map((a) => a.name)]);
  for (const k of Object.keys(cells)) {
    if (!known.has(k)) throw new TileDBError("E_WRITE_INPUT", `"${k}" is not a dimension or attribute of the array`);
  }
  let n: number | undefined;
  const dims = schema.dimensions.map((d) => {
    if (!(d.name in cells)) throw new TileDBError("E_WRITE_INPUT", `dimension "${d.name}": no coordinates given`);
    const c = toColumn({ name: d.name, type: d.type, cellValNum: d.cellValNum, nullable: false, kind: "dimension" }, cells[d.name], n);
    n = c.cellCount;
    return c;
  });
  const attrs = schema.attributes.map((a) => {
    if (!(a.name in cells)) throw new TileDBError("E_WRITE_INPUT", `attribute "${a.name}": no values given`);
    return toColumn({ name: a.name, type: a.type, cellValNum: a.cellValNum, nullable: a.nullable, kind: "attribute" }, cells[a.name], n);
  });
  return { dims, attrs, n: n ?? 0 };
}

/**
 * The dimension that leads the global order when no dimension spans several space tiles (the first in row-major
 * cell order, the last in col-major): cells in global order are sorted by it, so its range in a tile is
 * (first, last).
 * -1 when there is none (Hilbert order, or tile indices lead).
 */
export function leadingDimension(schema: ArraySchema, keys: DimKey[]): number {
  if (keys.some((k) => k.tile)) return -1;
  if (schema.cellOrder === "row-major") return 0;
  if (schema.cellOrder === "col-major") return keys.length - 1;
  return -1;
}

function mbrOf(keys: DimKey[], dimCols: Column[], perm: Uint32Array, start: number, end: number, leading: number): RawRange[] {
  return keys.map((k, d) => {
    const col = dimCols[d];
    if (col.codes) {
      // codes of an ascending dictionary: the smallest and largest code are the range
      const codes = col.codes;
      let lo = codes[perm[start]];
      let hi = lo;
      if (d !== leading) {
        for (let p = start + 1; p < end; p++) {
          const c = codes[perm[p]];
          if (c < lo) lo = c;
          else if (c > hi) hi = c;
        }
      } else hi = codes[perm[end - 1]];
      const { data, offsets } = col.dictionary as CodeDictionary;
      return [data.slice(offsets[lo], offsets[lo + 1]), data.slice(offsets[hi], offsets[hi + 1])];
    }
    if (d === leading && col.isVar) {
      // strings: no scan (a numeric dimension's scan is cheap, and keeps -0/+0 ties as TileDB picks them)
      const [first, last] = [perm[start], perm[end - 1]];
      const o = col.varOffsets as Float64Array;
      const bytes = col.varData as Uint8Array;
      return [bytes.slice(o[first], o[first + 1]), bytes.slice(o[last], o[last + 1])];
    }
    if (col.isVar) {
      const bytes = col.varData as Uint8Array;
      const r = new ByteRanges(bytes);
      const o = col.varOffsets as Float64Array;
      // compared in place (no view per cell); a cell equal to the previous one changes nothing
      let lo = perm[start];
      let hi = lo;
      for (let p = start + 1; p < end; p++) {
        const i = perm[p];
        const prev = perm[p - 1];
        if (r.equal(o[i], o[i + 1], o[prev], o[prev + 1])) continue;
        if (r.compare(o[i], o[i + 1], o[lo], o[lo + 1]) < 0) lo = i;
        if (r.compare(o[i], o[i + 1], o[hi], o[hi + 1]) > 0) hi = i;
      }
      return [bytes.slice(o[lo], o[lo + 1]), bytes.slice(o[hi], o[hi + 1])];
    }
    const cs = col.cellSize;
    const src = col.fixed as Uint8Array;
    let loI = perm[start];
    let hiI = loI;
    if (k.num) {
      const a = k.num;
      let lo = a[loI];
      let hi = lo;
      for (let p = start + 1; p < end; p++) {
        const i = perm[p];
        const v = a[i];
        if (v < lo) { lo = v; loI = i; }
        if (v > hi) { hi = v; hiI = i; }
      }
    } else {
      const a = k.big as BigInt64Array;
      let lo = a[loI];
      let hi = lo;
      for (let p = start + 1; p < end; p++) {
        const i = perm[p];
        const v = a[i];
        if (v < lo) { lo = v; loI = i; }
        if (v > hi) { hi = v; hiI = i; }
      }
    }
    return [src.slice(loI * cs, loI * cs + cs), src.slice(hiI * cs, hiI * cs + cs)];
  });
}

/**
 * Cuts cells into data tiles of `capacity`, filters them into the fields' files and records MBRs: the body of
 * a sparse fragment, fed once (buildSparseFragment) or chunk by chunk (GlobalOrderWriter).
 */
export class SparseTiler {
  private fields: Array<{ files: FieldFiles; pipes: ReturnType<typeof pipelinesFor> }> | null = null;
  private readonly mbrs: RawRange[][] = [];
  private nonEmpty: RawRange[] | null = null;
  private tiles = 0;
  private cells = 0;
  readonly capacity: number;

  constructor(
    private readonly schema: ArraySchema,
    private readonly what: string,
  ) {
    this.capacity = Number(schema.capacity);
  }

  /** Tiles cells perm[start..end) of the columns (a multiple of capacity, except for the last call). */
  add(dims: Column[], attrs: Column[], keys: DimKey[], perm: Uint32Array, start: number, end: number): void {
    this.fields ??= [...attrs.map((c) => ({ c, isDim: false })), ...dims.map((c) => ({ c, isDim: true }))].map(({ c, isDim }) => ({
      files: newFieldFiles(c.name, isDim, c),
      pipes: pipelinesFor(this.schema, c.name),
    }));
    const cols = [...attrs, ...dims];
    // cells come in global order (sorted by the caller, or checked by the global-order writer)
    const leading = leadingDimension(this.schema, keys);
    for (let lo = start; lo < end; lo += this.capacity) {
      const hi = Math.min(end, lo + this.capacity);
      const inOrder = isRun(perm, lo, hi);
      cols.forEach((col, k) => {
        const f = (this.fields as NonNullable<typeof this.fields>)[k];
        const tile = gatherTile(col, perm, lo, hi, inOrder);
        appendTile(f.files, col, tile, f.pipes, `${this.what}: ${f.files.isDim ? "dimension" : "attribute"} "${col.name}" tile ${this.tiles}`, this.schema.version);
      });
      const mbr = mbrOf(keys, dims, perm, lo, hi, leading);
      this.mbrs.push(mbr);
      this.nonEmpty = this.nonEmpty ? unionRanges(dims, this.nonEmpty, mbr) : mbr;
      this.tiles++;
      this.cells += hi - lo;
    }
  }

  content(): FragmentContent {
    return {
      dense: false,
      fields: (this.fields ?? []).map((f) => f.files),
      tileCount: this.tiles,
      cellCount: this.cells,
      lastTileCellNum: this.cells === 0 ? 0 : this.cells - (this.tiles - 1) * this.capacity,
      mbrs: this.mbrs,
      nonEmptyDomain: this.nonEmpty ?? [],
    };
  }
}

/** Sorts, tiles and filters the cells of one sparse write into a fragment (nothing is written yet). */
export function buildSparseFragment(schema: ArraySchema, cells: Cells, what = "sparse write"): FragmentContent {
  if (schema.arrayType !== "sparse") throw new TileDBError("E_WRITE_INPUT", `${what}: the array is dense; use writeDense`);
  const { dims, attrs, n } = sparseColumns(schema, cells);
  const keys = buildDimKeys(schema, dims);
  const perm = globalOrderPermutation(schema, keys, n);
  const tiler = new SparseTiler(schema, what);
  tiler.add(dims, attrs, keys, perm, 0, n); // sets up every field's files, also for no cells
  return tiler.content();
}

/**
 * Writes cells (any order) to a sparse array as one fragment, committed atomically.
 * All validation (fields, types, lengths, domain, duplicates) happens before any file is written.
 */
export async function writeSparse(arrayUri: string, cells: Cells, options: WriteOptions = {}): Promise<CommittedFragment> {
  const vfs = options.vfs ?? vfsFor(arrayUri);
  const schema = options.schema ?? (await loadWriteSchema(arrayUri, vfs));
  const content = buildSparseFragment(schema, cells, `write to ${arrayUri}`);
  if (content.cellCount === 0) throw new TileDBError("E_WRITE_INPUT", `write to ${arrayUri}: no cells to write`);
  const timestamp = options.timestamp ?? (await nextFragmentTimestamp(arrayUri, vfs));
  return commitFragment(arrayUri, schema, content, { vfs, timestamp });
}

export interface SparseWriterOptions extends WriteOptions {
  /** Bytes of buffered input that trigger writing a fragment (default 256 MiB). */
  memoryBudget?: number;
}

/**
 * Streams many batches into a sparse array within a memory budget: batches are buffered until they reach the
 * budget, then written as one fragment. Each fragment is committed on its own, so a crash keeps every fragment
 * already written. Call `close()` to write the rest.
 */
export class SparseWriter {
  private batches: Cells[] = [];
  private buffered = 0;
  readonly fragments: CommittedFragment[] = [];
  private schema?: ArraySchema;
  private readonly vfs: VFS;

  constructor(
    readonly arrayUri: string,
    private readonly options: SparseWriterOptions = {},
  ) {
    this.vfs = options.vfs ?? vfsFor(arrayUri);
    this.schema = options.schema;
  }

  private async getSchema(): Promise<ArraySchema> {
    this.schema ??= await loadWriteSchema(this.arrayUri, this.vfs);
    return this.schema;
  }

  /** Adds a batch (validated now, so bad input fails at once). */
  async write(cells: Cells): Promise<void> {
    const schema = await this.getSchema();
    const { n } = sparseColumns(schema, cells); // validates
    if (n === 0) return;
    this.batches.push(cells);
    this.buffered += estimateBytes(cells);
    if (this.buffered >= (this.options.memoryBudget ?? 256 * 2 ** 20)) await this.flush();
  }

  /** Writes the buffered batches as one fragment. */
  async flush(): Promise<void> {
    if (this.batches.length === 0) return;
    const schema = await this.getSchema();
    const merged = mergeBatches(schema, this.batches);
    this.batches = [];
    this.buffered = 0;
    const content = buildSparseFragment(schema, merged, `write to ${this.arrayUri}`);
    // Later fragments must sort after earlier ones even within one millisecond (newest wins on overlap).
    const ts = this.options.timestamp ?? (await nextFragmentTimestamp(this.arrayUri, this.vfs));
    this.fragments.push(await commitFragment(this.arrayUri, schema, content, { vfs: this.vfs, timestamp: ts }));
  }

  async close(): Promise<CommittedFragment[]> {
    await this.flush();
    return this.fragments;
  }
}

function estimateBytes(cells: Cells): number {
  let total = 0;
  for (const v of Object.values(cells)) {
    if (ArrayBuffer.isView(v)) total += v.byteLength;
    else if (v && typeof v === "object" && "length" in v) total += (v as ArrayLike<unknown>).length * 16;
    else if (v && typeof v === "object" && "codes" in v) total += v.codes.byteLength;
    else if (v && typeof v === "object" && "data" in v) total += (v.data as ArrayBufferView).byteLength + (v.offsets as ArrayLike<number>).length * 8;
    else if (v && typeof v === "object" && "values" in v) total += estimateBytes({ x: v.values });
  }
  return total;
}

/** Concatenates batches field by field into one `{ data, offsets, validity }` column each. */
export function mergeBatches(schema: ArraySchema, batches: Cells[]): Cells {
  if (batches.length === 1) return batches[0];
  const out: Cells = {};
  const fields = [
    ...schema.dimensions.map((d) => ({ name: d.name, type: d.type, cellValNum: d.cellValNum, nullable: false, kind: "dimension" })),
    ...schema.attributes.map((a) => ({ name: a.name, type: a.type, cellValNum: a.cellValNum, nullable: a.nullable, kind: "attribute" })),
  ];
  for (const f of fields) {
    const cols = batches.map((b) => toColumn(f, b[f.name]));
    const n = cols.reduce((s, c) => s + c.cellCount, 0);
    let validity: Uint8Array | undefined;
    if (f.nullable) {
      validity = new Uint8Array(n);
      let o = 0;
      for (const c of cols) {
        validity.set(c.validity as Uint8Array, o);
        o += c.cellCount;
      }
    }
    const first = cols[0];
    if (first.codes && cols.every((c) => c.codes && c.dictionary === first.dictionary)) {
      // coded cells of one dictionary stay codes
      const codes = new Uint32Array(n);
      let o = 0;
      for (const c of cols) {
        codes.set(c.codes as Uint32Array, o);
        o += c.cellCount;
      }
      const coded = { codes, dictionary: first.dictionary as CodeDictionary };
      out[f.name] = validity ? { values: coded, validity } : coded;
    } else if (first.isVar) {
      const total = cols.reduce((s, c) => s + (c.varData as Uint8Array).byteLength, 0);
      const data = new Uint8Array(total);
      const offsets = new Float64Array(n);
      let o = 0;
      let k = 0;
      for (const c of cols) {
        for (let i = 0; i < c.cellCount; i++) offsets[k++] = o + (c.varOffsets as Float64Array)[i];
        data.set(c.varData as Uint8Array, o);
        o += (c.varData as Uint8Array).byteLength;
      }
      out[f.name] = { data: asTyped(f.type, data), offsets, ...(validity ? { validity } : {}) };
    } else {
      const total = cols.reduce((s, c) => s + (c.fixed as Uint8Array).byteLength, 0);
      const data = new Uint8Array(total);
      let o = 0;
      for (const c of cols) {
        data.set(c.fixed as Uint8Array, o);
        o += (c.fixed as Uint8Array).byteLength;
      }
      const typed = asTyped(f.type, data);
      out[f.name] = validity ? { values: typed, validity } : typed;
    }
  }
  return out;
}

/** A typed view of `bytes` (not a copy) as the field type's own array. */
export function asTyped(type: number, bytes: Uint8Array): TypedArray {
  const Ctor = typedArrayOf(type);
  return new Ctor(bytes.buffer, bytes.byteOffset, bytes.byteLength / Ctor.BYTES_PER_ELEMENT);
}
