/**
 * Turns the values a caller passes for one attribute or dimension into the byte layout TileDB tiles hold:
 * fixed cells as packed little-endian bytes, var cells as bytes + byte offsets, nullable cells with a
 * validity byte per cell. Wrong types and lengths are rejected here, naming the field, before anything is written.
 */
import { compareByteArrays, textEncoder } from "../binary.js";
import { Datatype, datatypeName, datatypeSize, isStringType, type TypedArray, typedArrayOf } from "../datatype.js";
import { TileDBError } from "../errors.js";
import { VAR_NUM } from "../schema.js";

export type { TypedArray } from "../datatype.js";

/**
 * Values for one field, one entry per cell (fixed fields with cellValNum > 1 take cellValNum values per cell):
 * - a typed array of the field's type (BigInt64Array for int64 and datetimes), or a plain array of numbers/bigints/booleans;
 * - strings (var-sized or fixed char/ascii/utf8 fields) or Uint8Arrays (var-sized blobs), `null` for null cells;
 * - `{ data, offsets }`: var cells as packed bytes/values with one start offset (in bytes) per cell;
 * - `{ codes, dictionary }`: var cells as indices into a list of values (strings or byte arrays), as an Arrow
 *   dictionary vector holds them. With a dictionary in strictly ascending byte order, given as the same object
 *   on every call, the writer orders, tiles and dictionary-encodes cells by their codes and builds their bytes
 *   once per tile (see `CodeDictionary`); any other dictionary is expanded to bytes up front. A dictionary is
 *   checked and packed the first time it is seen and remembered by identity: do not change it afterwards;
 * - any of these wrapped as `{ values, validity }` for nullable fields (validity: 1 = valid, 0 = null).
 */
export type ColumnInput =
  | TypedArray
  | ArrayLike<number>
  | ArrayLike<bigint>
  | ArrayLike<boolean>
  | ArrayLike<string | null>
  | ArrayLike<Uint8Array | null>
  | ArrayLike<ArrayLike<number> | ArrayLike<bigint> | null>
  | { data: TypedArray; offsets: ArrayLike<number> | BigUint64Array; validity?: ArrayLike<number | boolean> }
  | { codes: Uint32Array | Int32Array; dictionary: ArrayLike<string> | ArrayLike<Uint8Array> | CodeDictionary }
  | { values: ColumnInput; validity: ArrayLike<number | boolean> };

/** A field's cells in TileDB byte layout. */
export interface Column {
  name: string;
  type: Datatype;
  cellValNum: number;
  isVar: boolean;
  nullable: boolean;
  /** Bytes per fixed cell; 8 (the offset size) for var fields. */
  cellSize: number;
  cellCount: number;
  /** Fixed fields: cellCount * cellSize bytes (in a buffer of its own, so typed views align). */
  fixed?: Uint8Array;
  /** Var fields: packed value bytes and cellCount + 1 byte offsets. */
  varData?: Uint8Array;
  varOffsets?: Float64Array;
  /** Nullable fields: one byte per cell, 0 = null. */
  validity?: Uint8Array;
  /**
   * Var fields given as codes into a strictly ascending dictionary: equal codes are equal values and code
   * order is byte order. `varData`/`varOffsets` are then built only if some step asks for them.
   */
  codes?: Uint32Array;
  dictionary?: CodeDictionary;
}

/** A dictionary's values as packed bytes, checked once: strictly ascending byte order (hence distinct). */
export interface CodeDictionary {
  readonly data: Uint8Array;
  /** size + 1 byte offsets. */
  readonly offsets: Float64Array;
  readonly size: number;
  readonly ascending: boolean;
}

/** Dictionaries seen before, by the object the caller passed (a writer called chunk by chunk checks each once). */
const preparedDictionaries = new WeakMap<object, CodeDictionary>();

function isCodeDictionary(x: unknown): x is CodeDictionary {
  return typeof x === "object" && x !== null && "ascending" in x && "offsets" in x && "data" in x && "size" in x;
}

/** Packs a dictionary's values and checks their order (cached per dictionary object). */
export function prepareDictionary(f: FieldInfo, dictionary: ArrayLike<string> | ArrayLike<Uint8Array> | CodeDictionary): CodeDictionary {
  if (isCodeDictionary(dictionary)) return dictionary;
  const known = preparedDictionaries.get(dictionary as object);
  if (known) return known;
  if (typeof dictionary !== "object" || dictionary === null || typeof dictionary.length !== "number") fail(f, "dictionary must be a list of strings or byte arrays");
  const size = dictionary.length;
  const parts: Uint8Array[] = new Array(size);
  let total = 0;
  for (let i = 0; i < size; i++) {
    const x = dictionary[i];
    if (typeof x === "string") {
      if (!isStringType(f.type) && f.type !== Datatype.BLOB) fail(f, `dictionary value ${i} is a string but the field holds ${datatypeName(f.type)}`);
      parts[i] = textEncoder.encode(x);
    } else if (x instanceof Uint8Array) {
      if (datatypeSize(f.type) !== 1) fail(f, `dictionary value ${i} is a Uint8Array but the field holds ${datatypeName(f.type)}`);
      parts[i] = x;
    } else {
      fail(f, `dictionary value ${i} (${String(x)}) is not a string or Uint8Array`);
    }
    total += parts[i].byteLength;
  }
  const data = new Uint8Array(total);
  const offsets = new Float64Array(size + 1);
  let ascending = true;
  for (let i = 0, o = 0; i < size; i++) {
    offsets[i] = o;
    data.set(parts[i], o);
    o += parts[i].byteLength;
    if (i > 0 && compareByteArrays(parts[i - 1], parts[i]) >= 0) ascending = false;
  }
  offsets[size] = total;
  const prepared: CodeDictionary = { data, offsets, size, ascending };
  preparedDictionaries.set(dictionary as object, prepared);
  return prepared;
}

/** The packed bytes and offsets of coded cells (runs of one code are written once and doubled). */
export function expandCodes(codes: ArrayLike<number>, dict: CodeDictionary): { data: Uint8Array; offsets: Float64Array } {
  const n = codes.length;
  const d = dict.offsets;
  let total = 0;
  for (let i = 0; i < n; i++) total += d[codes[i] + 1] - d[codes[i]];
  const data = new Uint8Array(total);
  const offsets = new Float64Array(n + 1);
  let pos = 0;
  for (let i = 0; i < n; ) {
    const c = codes[i];
    const len = d[c + 1] - d[c];
    let end = i + 1;
    while (end < n && codes[end] === c) end++;
    const start = pos;
    for (let r = i; r < end; r++, pos += len) offsets[r] = pos;
    data.set(dict.data.subarray(d[c], d[c + 1]), start);
    for (let done = len, run = pos - start; done > 0 && done < run; done *= 2) data.copyWithin(start + done, start, start + Math.min(done, run - done));
    i = end;
  }
  offsets[n] = pos;
  return { data, offsets };
}

/** A var column held as codes: its bytes are expanded on first use only. */
function codedColumn(base: Omit<Column, "cellCount">, codes: Uint32Array, dict: CodeDictionary): Column {
  let expanded: { data: Uint8Array; offsets: Float64Array } | undefined;
  const expand = () => {
    expanded ??= expandCodes(codes, dict);
    return expanded;
  };
  return {
    ...base,
    cellCount: codes.length,
    codes,
    dictionary: dict,
    get varData() {
      return expand().data;
    },
    get varOffsets() {
      return expand().offsets;
    },
  };
}

export interface FieldInfo {
  name: string;
  type: Datatype;
  cellValNum: number;
  nullable: boolean;
  /** "attribute" or "dimension", for messages. */
  kind: string;
}

function fail(f: FieldInfo, msg: string): never {
  throw new TileDBError("E_WRITE_INPUT", `${f.kind} "${f.name}" (${datatypeName(f.type)}): ${msg}`);
}

function isTypedArray(x: unknown): x is TypedArray {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

/** Converts plain JS values to the field's typed array, checking each fits. */
function toTyped(f: FieldInfo, values: ArrayLike<unknown>, what = "value"): TypedArray {
  const Ctor = typedArrayOf(f.type);
  const out = new Ctor(values.length);
  const isFloat = f.type === Datatype.FLOAT32 || f.type === Datatype.FLOAT64;
  const isBig = out instanceof BigInt64Array || out instanceof BigUint64Array;
  const [lo, hi] = intRange(f.type);
  for (let i = 0; i < values.length; i++) {
    let v = values[i];
    if (typeof v === "boolean") v = v ? 1 : 0;
    if (isBig) {
      let b: bigint;
      if (typeof v === "bigint") b = v;
      else if (typeof v === "number" && Number.isSafeInteger(v)) b = BigInt(v);
      else fail(f, `${what} ${i} (${String(v)}) is not a 64-bit integer`);
      if (out instanceof BigUint64Array ? b < 0n || b >= 1n << 64n : b < -(1n << 63n) || b >= 1n << 63n) {
        fail(f, `${what} ${i} (${b}) is out of range`);
      }
      (out as BigInt64Array)[i] = b;
    } else {
      const n = typeof v === "bigint" ? Number(v) : v;
      if (typeof n !== "number") fail(f, `${what} ${i} (${String(v)}) is not a number`);
      if (!isFloat && (!Number.isInteger(n) || n < lo || n > hi)) fail(f, `${what} ${i} (${n}) does not fit ${datatypeName(f.type)}`);
      (out as Float64Array)[i] = n;
    }
  }
  return out;
}

function intRange(type: Datatype): [number, number] {
  switch (type) {
    case Datatype.INT8: return [-128, 127];
    case Datatype.UINT8: case Datatype.BOOL: case Datatype.CHAR: case Datatype.STRING_ASCII: case Datatype.STRING_UTF8: case Datatype.BLOB:
      return [0, 255];
    case Datatype.INT16: return [-32768, 32767];
    case Datatype.UINT16: return [0, 65535];
    case Datatype.INT32: return [-2147483648, 2147483647];
    case Datatype.UINT32: return [0, 4294967295];
    default: return [-Infinity, Infinity];
  }
}

/** Own, aligned copy of a typed array's bytes. */
function bytesOf(a: TypedArray): Uint8Array {
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

function checkTypedKind(f: FieldInfo, a: TypedArray): void {
  const Ctor = typedArrayOf(f.type);
  const ok = a instanceof Ctor || (Ctor === Uint8Array && a instanceof Uint8Array) ||
    // Signedness is only a view: accept the twin of the right width for raw bytes of 1-byte types.
    (datatypeSize(f.type) === 1 && a instanceof Int8Array && Ctor === Uint8Array);
  if (!ok) fail(f, `expected ${Ctor.name} (or plain values), got ${a.constructor.name}`);
}

function validityOf(f: FieldInfo, v: ArrayLike<number | boolean>, n: number): Uint8Array {
  if (!f.nullable) fail(f, "validity given but the field is not nullable");
  if (v.length !== n) fail(f, `validity has ${v.length} entries for ${n} cells`);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = v[i] ? 1 : 0;
  return out;
}

type ColumnBase = Omit<Column, "cellCount">;

/** `{ codes, dictionary }`: codes into a dictionary of values, kept coded when the dictionary is ascending. */
function codesColumn(f: FieldInfo, base: ColumnBase, isVar: boolean, values: object): Column {
  if (!isVar) fail(f, "{ codes, dictionary } input is only for var-sized fields");
  const { codes, dictionary } = values as { codes: Uint32Array | Int32Array; dictionary: ArrayLike<string> | ArrayLike<Uint8Array> | CodeDictionary };
  if (!(codes instanceof Uint32Array || codes instanceof Int32Array)) fail(f, "codes must be a Uint32Array or Int32Array");
  const dict = prepareDictionary(f, dictionary);
  const n = codes.length;
  const size = dict.size;
  for (let i = 0; i < n; i++) {
    const c = codes[i];
    if (!(c >= 0 && c < size)) fail(f, `code ${i} (${c}) is not an index into the dictionary of ${size} values`);
  }
  const u32 = codes instanceof Uint32Array ? codes : new Uint32Array(codes.buffer, codes.byteOffset, n);
  if (dict.ascending) return codedColumn(base, u32, dict);
  const { data, offsets } = expandCodes(u32, dict);
  return { ...base, cellCount: n, varData: data, varOffsets: offsets };
}

/** `{ data, offsets, validity? }`: var-sized cells as one buffer and each cell's start. */
function dataOffsetsColumn(f: FieldInfo, base: ColumnBase, isVar: boolean, elemSize: number, values: object): { col: Column; validity?: Uint8Array } {
  if (!isVar) fail(f, "{ data, offsets } input is only for var-sized fields");
  const { data, offsets } = values as { data: TypedArray; offsets: ArrayLike<number> | BigUint64Array };
  // Raw bytes are accepted for any type here: the offsets are byte offsets either way.
  if (!isTypedArray(data)) fail(f, "data must be a typed array");
  if (!(data instanceof Uint8Array)) checkTypedKind(f, data);
  const bytes = bytesOf(data);
  const n = offsets.length;
  const offs = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) offs[i] = Number(offsets[i]);
  offs[n] = bytes.byteLength;
  for (let i = 0; i < n; i++) {
    if (offs[i] > offs[i + 1] || offs[i] < 0) fail(f, `offset ${i} (${offs[i]}) is out of order or beyond the data (${bytes.byteLength} bytes)`);
    if (elemSize > 1 && offs[i] % elemSize !== 0) fail(f, `offset ${i} (${offs[i]}) is not a multiple of the value size ${elemSize}`);
  }
  const v = (values as { validity?: ArrayLike<number | boolean> }).validity;
  return { col: { ...base, cellCount: n, varData: bytes, varOffsets: offs }, validity: v ? validityOf(f, v, n) : undefined };
}

/** Fixed-size values: a typed array of the field's type, or plain numbers, bigints or booleans. */
function fixedValuesColumn(f: FieldInfo, base: ColumnBase, isVar: boolean, values: ArrayLike<unknown>): Column {
  if (isVar) {
    fail(f, isTypedArray(values) ? "a var-sized field needs strings, byte arrays, nested arrays or { data, offsets }" : "a var-sized field needs one string, byte array or value list per cell");
  }
  let typed: TypedArray;
  if (isTypedArray(values)) {
    checkTypedKind(f, values);
    typed = values;
  } else typed = toTyped(f, values);
  if (typed.length % f.cellValNum !== 0) fail(f, `${typed.length} values is not a multiple of cellValNum ${f.cellValNum}`);
  return { ...base, cellCount: typed.length / f.cellValNum, fixed: bytesOf(typed) };
}

/** One cell's bytes: a string, a byte array or a list of values (a null cell: no bytes). */
function cellBytes(f: FieldInfo, isVar: boolean, elemSize: number, x: unknown, i: number): Uint8Array {
  if (x === null || x === undefined) {
    if (!f.nullable) fail(f, `cell ${i} is null but the field is not nullable`);
    return new Uint8Array(0);
  }
  if (typeof x === "string") {
    if (!isStringType(f.type) && f.type !== Datatype.BLOB) fail(f, `cell ${i} is a string but the field holds ${datatypeName(f.type)}`);
    return textEncoder.encode(x);
  }
  if (x instanceof Uint8Array) {
    if (elemSize !== 1) fail(f, `cell ${i} is a Uint8Array but the field holds ${datatypeName(f.type)}`);
    return x;
  }
  if (typeof x === "object" && "length" in (x as object)) {
    if (isTypedArray(x)) checkTypedKind(f, x);
    return bytesOf(isTypedArray(x) ? x : toTyped(f, x as ArrayLike<unknown>, `cell ${i} value`));
  }
  fail(f, `cell ${i} (${String(x)}) is not a ${isVar ? "var-sized value" : "value"}`);
}

/** One entry per cell (strings, byte arrays or nested value lists); nulls for nullable fields. */
function perCellColumn(f: FieldInfo, base: ColumnBase, isVar: boolean, elemSize: number, arr: ArrayLike<unknown>): { col: Column; nulls: Uint8Array } {
  const n = arr.length;
  const parts: Uint8Array[] = new Array(n);
  const nulls = new Uint8Array(n).fill(1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const x = arr[i];
    if (x === null || x === undefined) nulls[i] = 0;
    let b = cellBytes(f, isVar, elemSize, x, i);
    if (!isVar && b.byteLength !== base.cellSize) {
      if (typeof x === "string" && b.byteLength < base.cellSize) {
        // Fixed-size text cells shorter than the cell are zero-padded, as TileDB stores them.
        const p = new Uint8Array(base.cellSize);
        p.set(b);
        b = p;
      } else if (nulls[i] === 0) {
        b = new Uint8Array(base.cellSize);
      } else {
        fail(f, `cell ${i} has ${b.byteLength} bytes, the field's cells have ${base.cellSize}`);
      }
    }
    if (b.byteLength % elemSize !== 0) fail(f, `cell ${i} has ${b.byteLength} bytes, not a multiple of ${elemSize}`);
    parts[i] = b;
    total += b.byteLength;
  }
  const data = new Uint8Array(total);
  const offs = new Float64Array(n + 1);
  let o = 0;
  for (let i = 0; i < n; i++) {
    offs[i] = o;
    data.set(parts[i], o);
    o += parts[i].byteLength;
  }
  offs[n] = o;
  const col = isVar ? { ...base, cellCount: n, varData: data, varOffsets: offs } : { ...base, cellCount: n, fixed: data };
  return { col, nulls };
}

/** Whether a plain array holds one entry per cell (strings, byte arrays, lists) rather than the values themselves. */
function isPerCell(arr: ArrayLike<unknown>): boolean {
  let first: unknown;
  for (let i = 0; i < arr.length && first === undefined; i++) if (arr[i] !== null && arr[i] !== undefined) first = arr[i];
  return typeof first === "string" || first instanceof Uint8Array || (first !== undefined && typeof first === "object");
}

const hasKeys = (x: unknown, a: string, b: string): x is object => typeof x === "object" && x !== null && a in x && b in x;

/** Normalizes `input` for field `f`; `cellCount` is checked when given. */
export function toColumn(f: FieldInfo, input: ColumnInput, cellCount?: number): Column {
  const isVar = f.cellValNum === VAR_NUM;
  const elemSize = datatypeSize(f.type);
  const base = { name: f.name, type: f.type, cellValNum: f.cellValNum, isVar, nullable: f.nullable, cellSize: isVar ? 8 : elemSize * f.cellValNum };
  if (input === null || input === undefined) fail(f, "no values given");
  const withValidity = hasKeys(input, "values", "validity");
  const values: unknown = withValidity ? (input as { values: unknown }).values : input;
  let validity: Uint8Array | undefined;
  let col: Column;
  if (hasKeys(values, "codes", "dictionary")) col = codesColumn(f, base, isVar, values);
  else if (hasKeys(values, "data", "offsets")) ({ col, validity } = dataOffsetsColumn(f, base, isVar, elemSize, values));
  else if (isTypedArray(values)) col = fixedValuesColumn(f, base, isVar, values);
  else if (typeof values === "object" && values !== null && "length" in values) {
    const arr = values as ArrayLike<unknown>;
    if (isPerCell(arr)) {
      const cells = perCellColumn(f, base, isVar, elemSize, arr);
      col = cells.col;
      if (f.nullable && !withValidity) validity = cells.nulls;
    } else col = fixedValuesColumn(f, base, isVar, arr);
  } else {
    fail(f, `unsupported input ${Object.prototype.toString.call(values)}`);
  }
  if (withValidity) validity = validityOf(f, (input as { validity: ArrayLike<number | boolean> }).validity, col.cellCount);
  if (f.nullable && !validity) validity = new Uint8Array(col.cellCount).fill(1);
  if (validity) col.validity = validity;
  if (cellCount !== undefined && col.cellCount !== cellCount) fail(f, `has ${col.cellCount} cells, expected ${cellCount}`);
  return col;
}
