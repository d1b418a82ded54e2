import { DataType, type Vector } from "apache-arrow";
import { EstimatorsError } from "./errors.js";
import { compareCodePoints } from "./numeric.js";

/**
 * One categorical column as integer codes into `categories`. `ordered` is the order pandas would group by:
 * the categories' own order for a categorical (Arrow dictionary) column, code-point order for plain strings.
 * Code -1 is a missing value.
 */
export interface CodedColumn {
  name: string;
  codes: Int32Array;
  categories: string[];
  /** rank[code] = position of that category in pandas' sort order. */
  rank: Int32Array;
}

/**
 * A grouping column: plain strings (null = missing), pre-coded categories, or an Arrow vector of
 * Utf8 or Dictionary<Utf8>.
 */
export type ColumnInput =
  | ReadonlyArray<string | null>
  | { codes: Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array; categories: readonly string[] }
  | Vector;

function isVector(x: unknown): x is Vector {
  return typeof x === "object" && x !== null && "type" in x && "data" in x && "nullCount" in x;
}

function fromStrings(name: string, values: ReadonlyArray<string | null | undefined>): CodedColumn {
  const index = new Map<string, number>();
  const categories: string[] = [];
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      codes[i] = -1;
      continue;
    }
    if (typeof v !== "string") {
      throw new EstimatorsError("E_INVALID_COLUMN", `column ${name}[${i}] is ${typeof v}: expected a string`);
    }
    let c = index.get(v);
    if (c === undefined) {
      c = categories.length;
      categories.push(v);
      index.set(v, c);
    }
    codes[i] = c;
  }
  return { name, codes, categories, rank: labelRank(categories) };
}

/** One char per byte (WHATWG latin1 maps every byte to its own code unit): a byte-exact key for a string's bytes. */
const byteKeys = new TextDecoder("latin1");
const utf8 = new TextDecoder();
/** Longest value buffer decoded as one key string (V8 strings stop short of 2^29 chars). */
const MAX_KEY_BUFFER = 2 ** 28;

/**
 * Codes of a Utf8 vector read from its bytes: each chunk's value buffer becomes one key string and a cell's key
 * is a slice of it, so no cell is decoded as UTF-8 (only each category, once). Same codes as fromStrings.
 */
function fromUtf8Vector(name: string, vector: Vector): CodedColumn {
  const index = new Map<string, number>();
  const categories: string[] = [];
  const codes = new Int32Array(vector.length);
  let at = 0;
  // LargeUtf8 offsets and huge buffers take the plain path (strings decoded one by one)
  if (vector.data.some((d) => d.valueOffsets instanceof BigInt64Array || (d.values as Uint8Array).byteLength > MAX_KEY_BUFFER)) {
    return fromStrings(name, vector.toArray() as (string | null)[]);
  }
  for (const data of vector.data) {
    const values = data.values as Uint8Array;
    const offsets = data.valueOffsets as Int32Array;
    const n = data.length;
    const keys = byteKeys.decode(values);
    const nulls = data.nullCount > 0;
    let prevKey = "";
    let prevCode = -1;
    for (let i = 0; i < n; i++, at++) {
      if (nulls && !data.getValid(i)) {
        codes[at] = -1;
        continue;
      }
      const key = keys.substring(offsets[i], offsets[i + 1]);
      // obs comes in dataset runs: the previous cell's value is the likeliest
      if (key === prevKey && prevCode >= 0) {
        codes[at] = prevCode;
        continue;
      }
      let c = index.get(key);
      if (c === undefined) {
        c = categories.length;
        categories.push(utf8.decode(values.subarray(offsets[i], offsets[i + 1])));
        index.set(key, c);
      }
      codes[at] = c;
      prevKey = key;
      prevCode = c;
    }
  }
  // keys are byte strings, categories real strings: two keys never share a category, but check (invalid UTF-8)
  if (new Set(categories).size !== categories.length) return fromStrings(name, vector.toArray() as (string | null)[]);
  return { name, codes, categories, rank: labelRank(categories) };
}

function identityRank(n: number): Int32Array {
  const rank = new Int32Array(n);
  for (let i = 0; i < n; i++) rank[i] = i;
  return rank;
}

function fromDictionaryVector(name: string, vector: Vector): CodedColumn {
  // Chunks may carry different dictionaries: map each onto one category list, in order of first appearance.
  const index = new Map<string, number>();
  const categories: string[] = [];
  const codes = new Int32Array(vector.length);
  let offset = 0;
  for (const data of vector.data) {
    const dict = data.dictionary;
    if (!dict) throw new EstimatorsError("E_INVALID_COLUMN", `column ${name} is a dictionary vector without a dictionary`);
    const map = new Int32Array(dict.length);
    for (let j = 0; j < dict.length; j++) {
      const s = dict.get(j);
      if (typeof s !== "string") {
        throw new EstimatorsError("E_INVALID_COLUMN", `column ${name} has a non-string dictionary value ${String(s)}`);
      }
      let c = index.get(s);
      if (c === undefined) {
        c = categories.length;
        categories.push(s);
        index.set(s, c);
      }
      map[j] = c;
    }
    const keys = data.values as ArrayLike<number | bigint>;
    const nullable = data.nullCount > 0;
    for (let i = 0; i < data.length; i++) {
      if (nullable && !data.getValid(i)) {
        codes[offset + i] = -1;
        continue;
      }
      codes[offset + i] = map[Number(keys[i])];
    }
    offset += data.length;
  }
  return { name, codes, categories, rank: identityRank(categories.length) };
}

/** How groups are ordered by a column: pandas' order (categories' own order for categoricals) or by label. */
export type GroupOrder = "pandas" | "labels";

function labelRank(categories: readonly string[]): Int32Array {
  const rank = new Int32Array(categories.length);
  categories
    .map((_, i) => i)
    .sort((a, b) => compareCodePoints(categories[a], categories[b]))
    .forEach((code, r) => {
      rank[code] = r;
    });
  return rank;
}

/**
 * Normalise one grouping column; `expectedLength` guards against mismatched columns. With `order: "labels"`
 * categorical columns rank by label code points like plain strings, so numbering does not depend on storage.
 */
export function codeColumn(name: string, input: ColumnInput, expectedLength?: number, order: GroupOrder = "pandas"): CodedColumn {
  let col: CodedColumn;
  if (isVector(input)) {
    if (DataType.isDictionary(input.type)) col = fromDictionaryVector(name, input);
    else if (DataType.isUtf8(input.type) || DataType.isLargeUtf8(input.type)) {
      col = fromUtf8Vector(name, input);
    } else {
      throw new EstimatorsError("E_INVALID_COLUMN", `column ${name} has Arrow type ${String(input.type)}: expected Utf8 or Dictionary<Utf8>`);
    }
  } else if (Array.isArray(input)) {
    col = fromStrings(name, input as ReadonlyArray<string | null>);
  } else {
    const { codes, categories } = input as { codes: ArrayLike<number>; categories: readonly string[] };
    const out = new Int32Array(codes.length);
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      if (c >= categories.length || (c < 0 && c !== -1)) {
        throw new EstimatorsError("E_INVALID_COLUMN", `column ${name}[${i}] has code ${c}, outside its ${categories.length} categories`);
      }
      out[i] = c;
    }
    col = { name, codes: out, categories: [...categories], rank: identityRank(categories.length) };
  }
  if (order === "labels") col.rank = labelRank(col.categories);
  if (expectedLength !== undefined && col.codes.length !== expectedLength) {
    throw new EstimatorsError(
      "E_LENGTH_MISMATCH",
      `column ${name} has ${col.codes.length} values, expected ${expectedLength} like the other inputs`,
    );
  }
  return col;
}
