/**
 * Read results: one column per selected attribute/dimension, values in flat typed buffers (no per-cell
 * objects). Var-sized columns carry Arrow-style int32 offsets so they turn into Arrow vectors without copies.
 */
import { type Datatype, datatypeSize, type TypedArray, typedArrayOf } from "../datatype.js";
import { TileDBError } from "../errors.js";
import { VAR_NUM } from "../schema.js";

export interface ResultColumn {
  name: string;
  /** "dimension" or "attribute" */
  role: "dimension" | "attribute";
  type: Datatype;
  cellValNum: number;
  nullable: boolean;
  length: number;
  /** Fixed-size: `length * cellValNum` values; var-sized: the concatenated value bytes. */
  data: Uint8Array;
  /** Var-sized only: `length + 1` byte offsets into `data`. */
  offsets?: Int32Array;
  /** Nullable only: one byte per cell, 0 = null. */
  validity?: Uint8Array;
  /** Set for attributes labelled by an enumeration. */
  enumerationName?: string;
}

export interface ReadBatch {
  length: number;
  columns: ResultColumn[];
}

export type { TypedArray } from "../datatype.js";


/** A typed view of `bytes` as values of `type`; copies only when `bytes` is not aligned for the type. */
export function typedView(type: Datatype, bytes: Uint8Array): TypedArray {
  const C = typedArrayOf(type);
  const size = C.BYTES_PER_ELEMENT;
  if (bytes.byteLength % size !== 0) {
    throw new TileDBError("E_CORRUPT", `buffer of ${bytes.byteLength} bytes is not a whole number of ${size}-byte values`);
  }
  if (bytes.byteOffset % size !== 0) bytes = bytes.slice();
  return new C(bytes.buffer, bytes.byteOffset, bytes.byteLength / size);
}

/** The values of a fixed-size column as a typed array (no copy when aligned). */
export function columnValues(col: ResultColumn): TypedArray {
  return typedView(col.type, col.data);
}

/** Bytes of one cell of a fixed-size field. */
export function cellBytes(type: Datatype, cellValNum: number): number {
  return cellValNum === VAR_NUM ? 0 : datatypeSize(type) * cellValNum;
}

/** A column by name; a clear error when the batch has none. */
export function column(batch: ReadBatch, name: string): ResultColumn {
  const c = batch.columns.find((x) => x.name === name);
  if (!c) throw new TileDBError("E_NO_FIELD", `read result has no column "${name}" (has ${batch.columns.map((x) => x.name).join(", ")})`);
  return c;
}

/** Joins batches of the same read into one (one copy per column). */
export function concatBatches(batches: ReadBatch[], template: ResultColumn[]): ReadBatch {
  if (batches.length === 1) return batches[0];
  const length = batches.reduce((s, b) => s + b.length, 0);
  const columns = template.map((t, ci) => {
    const parts = batches.map((b) => b.columns[ci]);
    const dataLen = parts.reduce((s, p) => s + p.data.byteLength, 0);
    const data = new Uint8Array(dataLen);
    let pos = 0;
    for (const p of parts) {
      data.set(p.data, pos);
      pos += p.data.byteLength;
    }
    const out: ResultColumn = { ...t, length, data, offsets: undefined, validity: undefined };
    if (t.cellValNum === VAR_NUM) {
      if (dataLen > 0x7fffffff) throw new TileDBError("E_TOO_LARGE", `column "${t.name}": ${dataLen} bytes exceed one batch; read in batches`);
      const offsets = new Int32Array(length + 1);
      let cell = 0;
      let base = 0;
      for (const p of parts) {
        const o = p.offsets as Int32Array;
        for (let i = 0; i < p.length; i++) offsets[cell + i] = o[i] + base;
        cell += p.length;
        base += o[p.length];
      }
      offsets[length] = base;
      out.offsets = offsets;
    }
    if (t.nullable) {
      const v = new Uint8Array(length);
      let c = 0;
      for (const p of parts) {
        v.set(p.validity as Uint8Array, c);
        c += p.length;
      }
      out.validity = v;
    }
    return out;
  });
  return { length, columns };
}
