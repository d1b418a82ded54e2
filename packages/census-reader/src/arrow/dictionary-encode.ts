import { type Data, Dictionary, Field, Int32, makeData, type RecordBatch, Schema, Type, Utf8, type Vector, vectorFromArray } from "apache-arrow";
import { batchFromChildren } from "./select-rows.js";

const decoder = new TextDecoder();

/**
 * Turns plain string columns (the 2023 Census layout stores categorical obs columns that way) into Arrow
 * dictionary vectors, with codes that stay the same across every batch of one read: the dictionary only grows,
 * each batch referencing it as it stood then. Rows equal to the previous row (Census obs are sorted by dataset,
 * so long runs are common) reuse its code with a byte comparison; other rows decode once and look up a map.
 */
export class DictionaryEncoder {
  private readonly codes = new Map<string, number>();
  private readonly labels: string[] = [];
  readonly type: Dictionary;

  constructor(readonly column: string) {
    this.type = new Dictionary(new Utf8(), new Int32());
  }

  encode(data: Data): Data {
    const n = data.length;
    const bytes = data.values as Uint8Array;
    const offs = data.valueOffsets as Int32Array | BigInt64Array;
    const big = offs instanceof BigInt64Array;
    const at = (i: number) => (big ? Number((offs as BigInt64Array)[i]) : (offs as Int32Array)[i]);
    const out = new Int32Array(n);
    let prevS = -1;
    let prevE = -1;
    let prevCode = -1;
    for (let i = 0; i < n; i++) {
      const s = at(i);
      const e = at(i + 1);
      if (prevCode >= 0 && e - s === prevE - prevS && sameBytes(bytes, s, prevS, e - s)) {
        out[i] = prevCode;
        continue;
      }
      const label = decoder.decode(bytes.subarray(s, e));
      let code = this.codes.get(label);
      if (code === undefined) {
        code = this.labels.length;
        this.labels.push(label);
        this.codes.set(label, code);
      }
      out[i] = code;
      prevS = s;
      prevE = e;
      prevCode = code;
    }
    const dictionary = vectorFromArray(this.labels, new Utf8()) as Vector;
    return makeData({ type: this.type, length: n, nullCount: data.nullCount, nullBitmap: data.nullBitmap, data: out, dictionary } as never);
  }
}

function sameBytes(b: Uint8Array, a: number, c: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (b[a + k] !== b[c + k]) return false;
  return true;
}

/** Applies the encoders to their columns of `batch` (other columns pass through untouched). */
export function encodeColumns(batch: RecordBatch, encoders: Map<string, DictionaryEncoder>): RecordBatch {
  if (encoders.size === 0) return batch;
  const fields: Field[] = [];
  const children: Data[] = [];
  batch.schema.fields.forEach((f, i) => {
    const d = batch.getChildAt(i)!.data[0];
    const enc = encoders.get(f.name);
    if (enc && (f.type.typeId === Type.Utf8 || f.type.typeId === Type.LargeUtf8)) {
      fields.push(new Field(f.name, enc.type, f.nullable));
      children.push(enc.encode(d));
    } else {
      fields.push(f);
      children.push(d);
    }
  });
  return batchFromChildren(new Schema(fields, batch.schema.metadata), children, batch.numRows);
}
