import { Datatype } from "../../src/datatype.js";
import type { ResultColumn } from "../../src/read/index.js";
import { columnValues } from "../../src/read/index.js";
import { VAR_NUM } from "../../src/schema.js";

export { runPython, tempDir } from "@census-cube/test-support";
export { fixtureRoot, packageRoot, pythonScript, repoRoot } from "../paths.js";

const textDecoder = new TextDecoder();

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

function encFloat(v: number): number | string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  return v;
}

function stripTrailingNuls(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0) end--;
  return s.slice(0, end);
}

/** Encodes a column the way test/python/read_corpus.py writes expected values. */
export function encodeColumn(col: ResultColumn): unknown[] {
  const out: unknown[] = new Array(col.length);
  const isText = col.type === Datatype.STRING_ASCII || col.type === Datatype.STRING_UTF8;
  const isBytes = col.type === Datatype.CHAR || col.type === Datatype.BLOB;
  const isFloat = col.type === Datatype.FLOAT32 || col.type === Datatype.FLOAT64;
  if (col.cellValNum === VAR_NUM) {
    const o = col.offsets as Int32Array;
    for (let i = 0; i < col.length; i++) {
      const b = col.data.subarray(o[i], o[i + 1]);
      // Python `tiledb` returns text through numpy, which drops trailing NUL bytes (e.g. of fill values)
      if (isText) out[i] = stripTrailingNuls(textDecoder.decode(b));
      else if (col.type === Datatype.CHAR) out[i] = hex(b).replace(/(00)+$/, "");
      else if (isBytes) out[i] = hex(b);
      else {
        const copy = b.slice();
        const ctor = columnValues({ ...col, data: copy, cellValNum: 1, length: 0 }).constructor as new (buf: ArrayBuffer) => ArrayLike<number | bigint>;
        out[i] = Array.from(new ctor(copy.buffer), (x) => String(x));
      }
    }
  } else {
    const v = columnValues(col);
    for (let i = 0; i < col.length; i++) {
      const x = v[i];
      if (col.type === Datatype.BOOL) out[i] = x !== 0;
      else if (isFloat) out[i] = encFloat(x as number);
      else if (isText) out[i] = String.fromCharCode(x as number);
      else out[i] = String(x);
    }
  }
  if (col.validity) for (let i = 0; i < col.length; i++) if (!col.validity[i]) out[i] = null;
  return out;
}

/** Rows of named columns, each row a JSON string, sorted: for comparing results whose order is not defined. */
export function sortedRows(cols: Record<string, unknown[]>, names: string[]): string[] {
  const n = cols[names[0]]?.length ?? 0;
  const rows: string[] = [];
  for (let i = 0; i < n; i++) rows.push(JSON.stringify(names.map((k) => cols[k][i])));
  return rows.sort();
}
