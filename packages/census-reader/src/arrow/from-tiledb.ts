/**
 * tiledb-ts read results (flat typed buffers per column) as Arrow record batches, zero-copy where the layouts
 * agree: fixed-width values and UTF-8 strings with int32 offsets are wrapped as they are; booleans and validity
 * (one byte per cell in TileDB) are bit-packed; enumerated attributes become dictionary vectors sharing one
 * dictionary per enumeration, so filters on labels run once per label, not per row.
 */
import {
  Binary,
  Bool,
  type Data,
  type DataType,
  Dictionary,
  Field,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  type RecordBatch,
  Schema,
  TimeUnit,
  Timestamp,
  Uint8,
  Uint16,
  Uint32,
  Uint64,
  Utf8,
  type Vector,
  makeData,
  vectorFromArray,
} from "apache-arrow";
import { Datatype, type ReadBatch, type ResultColumn, columnValues, enumerationValues } from "@census-cube/tiledb-ts";
import type { ArraySchema, Enumeration } from "@census-cube/tiledb-ts";
import { CensusReaderError } from "../errors.js";
import { batchFromChildren } from "./select-rows.js";

const VAR_NUM = 0xffffffff;

export function arrowTypeOf(type: Datatype, cellValNum: number, where: string): DataType {
  switch (type) {
    case Datatype.INT8:
      return new Int8();
    case Datatype.UINT8:
      return new Uint8();
    case Datatype.INT16:
      return new Int16();
    case Datatype.UINT16:
      return new Uint16();
    case Datatype.INT32:
      return new Int32();
    case Datatype.UINT32:
      return new Uint32();
    case Datatype.INT64:
      return new Int64();
    case Datatype.UINT64:
      return new Uint64();
    case Datatype.FLOAT32:
      return new Float32();
    case Datatype.FLOAT64:
      return new Float64();
    case Datatype.BOOL:
      return new Bool();
    case Datatype.STRING_ASCII:
    case Datatype.STRING_UTF8:
    case Datatype.CHAR:
      if (cellValNum !== VAR_NUM) break;
      return new Utf8();
    case Datatype.BLOB:
    case Datatype.GEOM_WKB:
    case Datatype.GEOM_WKT:
      if (cellValNum !== VAR_NUM) break;
      return new Binary();
    case Datatype.DATETIME_SEC:
      return new Timestamp(TimeUnit.SECOND);
    case Datatype.DATETIME_MS:
      return new Timestamp(TimeUnit.MILLISECOND);
    case Datatype.DATETIME_US:
      return new Timestamp(TimeUnit.MICROSECOND);
    case Datatype.DATETIME_NS:
      return new Timestamp(TimeUnit.NANOSECOND);
    default:
      // Other datetime units are int64 ticks.
      if (type >= Datatype.DATETIME_YEAR && type <= Datatype.TIME_AS) return new Int64();
  }
  throw new CensusReaderError("E_UNSUPPORTED_TYPE", `${where}: TileDB type ${Datatype[type] ?? type} with ${cellValNum === VAR_NUM ? "var" : cellValNum} values per cell has no Arrow mapping here`);
}

/** An enumeration's labels as one Arrow vector, built once per array and shared by every batch. */
export function enumerationDictionary(e: Enumeration, where: string): Vector {
  const values = enumerationValues(e);
  const type = arrowTypeOf(e.type, e.cellValNum, `${where} enumeration "${e.name}"`);
  return vectorFromArray(values as unknown[], type as never) as Vector;
}

export interface ArrowLayout {
  schema: Schema;
  dictionaries: Map<string, Vector>;
}

/** The Arrow schema of an array's dimensions and attributes (enumerated attributes as dictionaries). */
export function arrowLayout(schema: ArraySchema, enumerations: Map<string, Enumeration>, where: string): ArrowLayout {
  const dictionaries = new Map<string, Vector>();
  const fields: Field[] = [];
  for (const d of schema.dimensions) fields.push(new Field(d.name, arrowTypeOf(d.type, d.cellValNum, `${where} dimension "${d.name}"`), false));
  for (const a of schema.attributes) {
    const base = arrowTypeOf(a.type, a.cellValNum, `${where} attribute "${a.name}"`);
    if (a.enumerationName !== undefined) {
      const e = enumerations.get(a.enumerationName);
      if (!e) throw new CensusReaderError("E_TILEDB", `${where}: attribute "${a.name}" names enumeration "${a.enumerationName}", which was not loaded`);
      const dict = enumerationDictionary(e, where);
      dictionaries.set(a.name, dict);
      fields.push(new Field(a.name, new Dictionary(dict.type, base as Int8 | Int16 | Int32 | Uint8 | Uint16 | Uint32, null, e.ordered), a.nullable));
    } else fields.push(new Field(a.name, base, a.nullable));
  }
  return { schema: new Schema(fields), dictionaries };
}

function packBits(bytes: Uint8Array, n: number): { bitmap: Uint8Array; zeros: number } {
  const bitmap = new Uint8Array((n + 7) >> 3);
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    if (bytes[i] !== 0) bitmap[i >> 3] |= 1 << (i & 7);
    else zeros++;
  }
  return { bitmap, zeros };
}

function columnData(col: ResultColumn, field: Field, dictionary: Vector | undefined): Data {
  const n = col.length;
  let nullBitmap: Uint8Array | undefined;
  let nullCount = 0;
  if (col.validity) {
    const v = packBits(col.validity, n);
    if (v.zeros > 0) {
      nullBitmap = v.bitmap;
      nullCount = v.zeros;
    }
  }
  const type = field.type as DataType;
  if (dictionary) {
    return makeData({ type, length: n, nullCount, nullBitmap, data: columnValues(col), dictionary } as never);
  }
  if (type instanceof Bool) {
    return makeData({ type, length: n, nullCount, nullBitmap, data: packBits(col.data, n).bitmap } as never);
  }
  if (type instanceof Utf8 || type instanceof Binary) {
    return makeData({ type, length: n, nullCount, nullBitmap, valueOffsets: col.offsets ?? new Int32Array(n + 1), data: col.data } as never);
  }
  return makeData({ type, length: n, nullCount, nullBitmap, data: columnValues(col) } as never);
}

/** One read batch as an Arrow record batch with the fields of `layout` named by the batch's columns. */
export function toRecordBatch(batch: ReadBatch, layout: ArrowLayout): RecordBatch {
  const fields = batch.columns.map((c) => {
    const f = layout.schema.fields.find((x) => x.name === c.name);
    if (!f) throw new CensusReaderError("E_TILEDB", `read returned column "${c.name}", which the schema does not have`);
    return f;
  });
  const children = batch.columns.map((c, i) => columnData(c, fields[i], layout.dictionaries.get(c.name)));
  return batchFromChildren(new Schema(fields), children, batch.length);
}
