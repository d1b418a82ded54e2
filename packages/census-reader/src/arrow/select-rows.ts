import { type Data, type DataType, makeData, RecordBatch, Schema, Struct, Type } from "apache-arrow";

/**
 * Keeps the rows of a record batch whose mask byte is 1 (Arrow JS has no compute kernels).
 * One pass per column over its typed buffers: fixed-width values, bit-packed booleans and validity,
 * var-sized strings (offsets rebuilt, bytes copied in runs), dictionary indices (the dictionary is shared).
 */
export function selectRows(batch: RecordBatch, mask: Uint8Array): RecordBatch {
  const rows = maskToIndices(mask);
  if (rows.length === batch.numRows) return batch;
  const children = batch.schema.fields.map((_f, i) => takeData(batch.getChildAt(i)!.data[0], rows));
  return batchFromChildren(batch.schema, children, rows.length);
}

/** Keeps only the named columns, in the order given. */
export function selectColumns(batch: RecordBatch, names: string[]): RecordBatch {
  const fields = names.map((n) => {
    const f = batch.schema.fields.find((x) => x.name === n);
    if (!f) throw new Error(`column '${n}' is not in the batch`);
    return f;
  });
  const schema = new Schema(fields, batch.schema.metadata);
  return batchFromChildren(
    schema,
    names.map((n) => batch.getChild(n)!.data[0]),
    batch.numRows,
  );
}

export function batchFromChildren(schema: Schema, children: Data[], length: number): RecordBatch {
  const data = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children });
  return new RecordBatch(schema, data);
}

export function maskToIndices(mask: Uint8Array): Int32Array {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i];
  const out = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) out[k++] = i;
  return out;
}

function takeValidity(data: Data, rows: Int32Array): { nullBitmap: Uint8Array | undefined; nullCount: number } {
  const bm = data.nullBitmap;
  if (!bm || data.nullCount === 0 || bm.length === 0) return { nullBitmap: undefined, nullCount: 0 };
  const out = new Uint8Array((rows.length + 7) >> 3);
  let nulls = 0;
  for (let k = 0; k < rows.length; k++) {
    const j = data.offset + rows[k];
    if ((bm[j >> 3] >> (j & 7)) & 1) out[k >> 3] |= 1 << (k & 7);
    else nulls++;
  }
  return { nullBitmap: out, nullCount: nulls };
}

type Ctor = { new (n: number): ArrayLike<number | bigint> & { [i: number]: number | bigint } };

function takeData(data: Data, rows: Int32Array): Data {
  const type = data.type as DataType;
  const n = rows.length;
  const { nullBitmap, nullCount } = takeValidity(data, rows);
  // Arrow JS slices value and offset buffers with the data; only bitmaps (validity, booleans) keep `offset`.
  const bitOffset = data.offset;
  switch (type.typeId) {
    case Type.Bool: {
      const src = data.values as Uint8Array;
      const out = new Uint8Array((n + 7) >> 3);
      for (let k = 0; k < n; k++) {
        const j = bitOffset + rows[k];
        if ((src[j >> 3] >> (j & 7)) & 1) out[k >> 3] |= 1 << (k & 7);
      }
      return makeData({ type, length: n, nullCount, nullBitmap, data: out } as never);
    }
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Binary:
    case Type.LargeBinary: {
      const src = data.values as Uint8Array;
      const offs = data.valueOffsets as Int32Array | BigInt64Array;
      const big = offs instanceof BigInt64Array;
      const at = (i: number) => (big ? Number((offs as BigInt64Array)[i]) : (offs as Int32Array)[i]);
      let total = 0;
      for (let k = 0; k < n; k++) total += at(rows[k] + 1) - at(rows[k]);
      const bytes = new Uint8Array(total);
      const outOffs = big ? new BigInt64Array(n + 1) : new Int32Array(n + 1);
      let pos = 0;
      for (let k = 0; k < n; k++) {
        const s = at(rows[k]);
        const e = at(rows[k] + 1);
        bytes.set(src.subarray(s, e), pos);
        pos += e - s;
        if (big) (outOffs as BigInt64Array)[k + 1] = BigInt(pos);
        else (outOffs as Int32Array)[k + 1] = pos;
      }
      return makeData({ type, length: n, nullCount, nullBitmap, valueOffsets: outOffs, data: bytes } as never);
    }
    case Type.Dictionary: {
      const src = data.values as unknown as ArrayLike<number | bigint>;
      const out = new (src.constructor as Ctor)(n);
      for (let k = 0; k < n; k++) out[k] = src[rows[k]];
      return makeData({ type, length: n, nullCount, nullBitmap, data: out, dictionary: data.dictionary } as never);
    }
    default: {
      const src = data.values as unknown as ArrayLike<number | bigint> & { constructor: unknown };
      // Fixed-width numeric types (ints, floats, datetimes): one typed-array element per row.
      const out = new (src.constructor as Ctor)(n);
      for (let k = 0; k < n; k++) out[k] = src[rows[k]];
      return makeData({ type, length: n, nullCount, nullBitmap, data: out } as never);
    }
  }
}
