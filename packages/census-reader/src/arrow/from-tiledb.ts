/**
 * tiledb-ts read results as Arrow record batches with a schema known before any read (filters are checked
 * against it). Plain columns use tiledb-ts's own conversion; enumerated attributes become dictionary vectors
 * that share one dictionary per enumeration for the whole read (so a filter's per-label table is computed once)
 * and keep the enumeration's `ordered` flag.
 */

import { type ArraySchema, columnValues, type Enumeration, enumerationValues, type ReadBatch, type ResultColumn } from "@census-cube/tiledb-ts";
import { arrowType, arrowValueType, columnToArrow } from "@census-cube/tiledb-ts/arrow";
import { type Data, type DataType, Dictionary, Field, type Int8, makeData, type RecordBatch, Schema, type Vector, vectorFromArray } from "apache-arrow";
import { CensusReaderError } from "../errors.js";
import { batchFromChildren } from "./select-rows.js";

export interface ArrowLayout {
  schema: Schema;
  /** Labels of each enumerated attribute, by attribute name. */
  dictionaries: Map<string, Vector>;
}

function typeOf(where: string, f: () => DataType): DataType {
  try {
    return f();
  } catch (e) {
    throw new CensusReaderError("E_UNSUPPORTED_TYPE", `${where}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** The Arrow schema of an array's dimensions and attributes (enumerated attributes as dictionaries). */
export function arrowLayout(schema: ArraySchema, enumerations: Map<string, Enumeration>, where: string): ArrowLayout {
  const dictionaries = new Map<string, Vector>();
  const fields: Field[] = [];
  for (const d of schema.dimensions) fields.push(new Field(d.name, typeOf(`${where} dimension "${d.name}"`, () => arrowType(d)), false));
  for (const a of schema.attributes) {
    const what = `${where} attribute "${a.name}"`;
    if (a.enumerationName === undefined) {
      fields.push(new Field(a.name, typeOf(what, () => arrowType(a)), a.nullable));
      continue;
    }
    const e = enumerations.get(a.enumerationName);
    if (!e) throw new CensusReaderError("E_TILEDB", `${what} names enumeration "${a.enumerationName}", which was not loaded`);
    const labelType = typeOf(`${what} enumeration "${e.name}"`, () => arrowType(e));
    const labels = vectorFromArray(enumerationValues(e) as unknown[], labelType as never) as Vector;
    dictionaries.set(a.name, labels);
    const indexType = typeOf(what, () => arrowValueType(a.type)) as Int8;
    fields.push(new Field(a.name, new Dictionary(labels.type, indexType, null, e.ordered), a.nullable));
  }
  return { schema: new Schema(fields), dictionaries };
}

/** TileDB validity (a byte per cell) as Arrow's LSB-first bitmap. */
function packBits(bytes: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (bytes[i]) out[i >> 3] |= 1 << (i & 7);
  return out;
}

function dictionaryData(col: ResultColumn, type: DataType, dictionary: Vector): Data {
  let nullBitmap: Uint8Array | undefined;
  let nullCount = 0;
  if (col.validity) {
    for (let i = 0; i < col.length; i++) if (col.validity[i] === 0) nullCount++;
    if (nullCount > 0) nullBitmap = packBits(col.validity, col.length);
  }
  return makeData({ type, length: col.length, nullCount, nullBitmap, data: columnValues(col), dictionary } as never);
}

/** One read batch as an Arrow record batch whose fields are those of `layout`. */
export function toRecordBatch(batch: ReadBatch, layout: ArrowLayout): RecordBatch {
  const fields = batch.columns.map((c) => {
    const f = layout.schema.fields.find((x) => x.name === c.name);
    if (!f) throw new CensusReaderError("E_TILEDB", `read returned column "${c.name}", which the schema does not have`);
    return f;
  });
  const children = batch.columns.map((c, i) => {
    const dict = layout.dictionaries.get(c.name);
    return dict ? dictionaryData(c, fields[i].type, dict) : columnToArrow(c);
  });
  return batchFromChildren(new Schema(fields), children, batch.length);
}
