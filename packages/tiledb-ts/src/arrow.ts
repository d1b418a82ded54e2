/**
 * Read results as Apache Arrow record batches. Types stay faithful: every integer width, float32/64, bool,
 * UTF-8 text, binary for CHAR/blob, timestamps for datetimes Arrow has units for, lists for var-sized and
 * multi-value numeric cells, dictionary vectors for attributes with an enumeration, validity bitmaps for
 * nullable attributes. Fixed-size values are handed over without a copy.
 */
import {
  Binary, Bool, type Data,type DataType, DateDay, Dictionary, Field, FixedSizeBinary, FixedSizeList, Float32, Float64,Int8, 
  Int16, Int32, Int64, List, makeData, makeVector, RecordBatch, Schema, Struct, Timestamp, TimeUnit, Uint8,Uint16, Uint32, Uint64, 
  Utf8, 
} from "apache-arrow";
import { openArray, type TileDBArray } from "./array.js";
import { Datatype, datatypeName, datatypeSize } from "./datatype.js";
import { loadEnumeration } from "./enumeration.js";
import { TileDBError } from "./errors.js";
import { type ReadOptions, readBatches } from "./read/index.js";
import type { ReadBatch, ResultColumn } from "./read/result.js";
import { typedView } from "./read/result.js";
import type { Enumeration } from "./schema.js";
import { VAR_NUM } from "./schema.js";

/** The Arrow type of one value of a TileDB datatype. */
export function arrowValueType(type: Datatype): DataType {
  switch (type) {
    case Datatype.INT8: return new Int8();
    case Datatype.INT16: return new Int16();
    case Datatype.INT32: return new Int32();
    case Datatype.INT64: return new Int64();
    case Datatype.UINT8: return new Uint8();
    case Datatype.UINT16: return new Uint16();
    case Datatype.UINT32: return new Uint32();
    case Datatype.UINT64: return new Uint64();
    case Datatype.FLOAT32: return new Float32();
    case Datatype.FLOAT64: return new Float64();
    case Datatype.BOOL: return new Bool();
    case Datatype.DATETIME_SEC: return new Timestamp(TimeUnit.SECOND);
    case Datatype.DATETIME_MS: return new Timestamp(TimeUnit.MILLISECOND);
    case Datatype.DATETIME_US: return new Timestamp(TimeUnit.MICROSECOND);
    case Datatype.DATETIME_NS: return new Timestamp(TimeUnit.NANOSECOND);
    case Datatype.DATETIME_DAY: return new DateDay();
    default:
      // other datetime/time units have no Arrow type: their int64 ticks are kept
      if (datatypeSize(type) === 8) return new Int64();
      throw new TileDBError("E_UNSUPPORTED", `no Arrow type for TileDB ${datatypeName(type)} values`);
  }
}

function isText(type: Datatype): boolean {
  return type === Datatype.STRING_ASCII || type === Datatype.STRING_UTF8;
}
function isBytes(type: Datatype): boolean {
  return type === Datatype.CHAR || type === Datatype.BLOB || type === Datatype.GEOM_WKB || type === Datatype.GEOM_WKT;
}

/** The Arrow type of a result column (before dictionary encoding). */
export function arrowType(col: Pick<ResultColumn, "type" | "cellValNum">): DataType {
  if (isText(col.type) || isBytes(col.type)) {
    if (col.cellValNum === VAR_NUM) return isText(col.type) ? new Utf8() : new Binary();
    return new FixedSizeBinary(col.cellValNum);
  }
  const value = arrowValueType(col.type);
  if (col.cellValNum === VAR_NUM) return new List(new Field("item", value, false));
  if (col.cellValNum > 1) return new FixedSizeList(col.cellValNum, new Field("item", value, false));
  return value;
}

/** Bytes (0 = false/null) → Arrow's LSB-first bitmap. */
export function packBits(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array((bytes.length + 7) >> 3);
  for (let i = 0; i < bytes.length; i++) if (bytes[i]) out[i >> 3] |= 1 << (i & 7);
  return out;
}

function nullsOf(col: ResultColumn): { nullBitmap?: Uint8Array; nullCount: number } {
  if (!col.validity) return { nullCount: 0 };
  let nulls = 0;
  for (let i = 0; i < col.length; i++) if (!col.validity[i]) nulls++;
  return nulls === 0 ? { nullCount: 0 } : { nullBitmap: packBits(col.validity), nullCount: nulls };
}

function valuesData(type: DataType, col: ResultColumn, bytes: Uint8Array, length: number): Data {
  if (col.type === Datatype.BOOL) return makeData({ type: type as Bool, length, data: packBits(bytes) });
  if (col.type === Datatype.DATETIME_DAY) {
    const days = typedView(col.type, bytes) as BigInt64Array;
    return makeData({ type: type as DateDay, length, data: Int32Array.from(days, (d) => Number(d)) });
  }
  return makeData({ type: type as Int32, length, data: typedView(col.type, bytes) as Int32Array });
}

/** One result column as Arrow data. */
export function columnToArrow(col: ResultColumn, enumeration?: Enumeration): Data {
  const { nullBitmap, nullCount } = nullsOf(col);
  const length = col.length;
  if (enumeration) {
    const labels = enumerationLabels(enumeration);
    const indexType = arrowValueType(col.type) as Int8;
    const type = new Dictionary(labels.type, indexType);
    return makeData({ type, length, data: typedView(col.type, col.data) as Int8Array, nullBitmap, nullCount, dictionary: labels });
  }
  const type = arrowType(col);
  if (type instanceof Utf8 || type instanceof Binary) {
    return makeData({ type: type as Utf8, length, data: col.data, valueOffsets: col.offsets as Int32Array, nullBitmap, nullCount });
  }
  if (type instanceof FixedSizeBinary) return makeData({ type, length, data: col.data, nullBitmap, nullCount });
  if (type instanceof List) {
    const size = datatypeSize(col.type);
    const o = col.offsets as Int32Array;
    const valueOffsets = Int32Array.from(o, (x) => x / size);
    const child = valuesData(type.children[0].type, col, col.data, col.data.byteLength / size);
    return makeData({ type, length, valueOffsets, child, nullBitmap, nullCount });
  }
  if (type instanceof FixedSizeList) {
    const child = valuesData(type.children[0].type, col, col.data, length * col.cellValNum);
    return makeData({ type, length, child, nullBitmap, nullCount });
  }
  const d = valuesData(type, col, col.data, length);
  return nullCount === 0 ? d : makeData({ type: d.type as Int32, length, data: d.values as Int32Array, nullBitmap, nullCount });
}

/** The labels of an enumeration as an Arrow vector (text, or the values' own type). */
function enumerationLabels(e: Enumeration) {
  const count = e.offsets ? e.offsets.length : e.data.byteLength / (datatypeSize(e.type) * e.cellValNum);
  const col: ResultColumn = {
    name: e.name, role: "attribute", type: e.type, cellValNum: e.cellValNum, nullable: false, length: count, data: e.data,
  };
  if (e.cellValNum === VAR_NUM) {
    const offsets = new Int32Array(count + 1);
    for (let i = 0; i < count; i++) offsets[i] = Number((e.offsets as BigUint64Array)[i]);
    offsets[count] = e.data.byteLength;
    col.offsets = offsets;
  }
  return makeVector(columnToArrow(col));
}

/** A read batch as an Arrow record batch; `enumerations` by name for dictionary-encoded attributes. */
export function batchToArrow(batch: ReadBatch, enumerations: Map<string, Enumeration> = new Map()): RecordBatch {
  const datas = batch.columns.map((c) => columnToArrow(c, c.enumerationName ? enumerations.get(c.enumerationName) : undefined));
  const fields = batch.columns.map((c, i) => new Field(c.name, datas[i].type, c.nullable));
  const schema = new Schema(fields);
  const struct = makeData({ type: new Struct(fields), length: batch.length, nullCount: 0, children: datas });
  return new RecordBatch(schema, struct);
}

/** Reads an array as Arrow record batches (see `readBatches` for the options). */
export async function* readArrow(array: TileDBArray | string, options: ReadOptions = {}): AsyncGenerator<RecordBatch> {
  const arr = typeof array === "string" ? await openArray(array) : array;
  const enumerations = new Map<string, Enumeration>();
  for (const a of arr.schema.attributes) {
    if (a.enumerationName && !enumerations.has(a.enumerationName)) {
      enumerations.set(a.enumerationName, await loadEnumeration(arr.uri, arr.schema, a.enumerationName, arr.vfs));
    }
  }
  for await (const b of readBatches(arr, options)) yield batchToArrow(b, enumerations);
}
