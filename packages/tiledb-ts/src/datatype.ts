/**
 * TileDB datatypes (format spec: array_schema.md, "Datatype" values; C API `tiledb_datatype_t`).
 * The numeric ids are what the format stores on disk.
 */
export enum Datatype {
  INT32 = 0,
  INT64 = 1,
  FLOAT32 = 2,
  FLOAT64 = 3,
  CHAR = 4,
  INT8 = 5,
  UINT8 = 6,
  INT16 = 7,
  UINT16 = 8,
  UINT32 = 9,
  UINT64 = 10,
  STRING_ASCII = 11,
  STRING_UTF8 = 12,
  STRING_UTF16 = 13,
  STRING_UTF32 = 14,
  STRING_UCS2 = 15,
  STRING_UCS4 = 16,
  ANY = 17,
  DATETIME_YEAR = 18,
  DATETIME_MONTH = 19,
  DATETIME_WEEK = 20,
  DATETIME_DAY = 21,
  DATETIME_HR = 22,
  DATETIME_MIN = 23,
  DATETIME_SEC = 24,
  DATETIME_MS = 25,
  DATETIME_US = 26,
  DATETIME_NS = 27,
  DATETIME_PS = 28,
  DATETIME_FS = 29,
  DATETIME_AS = 30,
  TIME_HR = 31,
  TIME_MIN = 32,
  TIME_SEC = 33,
  TIME_MS = 34,
  TIME_US = 35,
  TIME_NS = 36,
  TIME_PS = 37,
  TIME_FS = 38,
  TIME_AS = 39,
  BLOB = 40,
  BOOL = 41,
  GEOM_WKB = 42,
  GEOM_WKT = 43,
}

/** How the values of a datatype are held in memory and on disk: one little-endian number type. */
export type Storage = "int8" | "uint8" | "int16" | "uint16" | "int32" | "uint32" | "int64" | "uint64" | "float32" | "float64";

export type TypedArray =
  | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | BigInt64Array | BigUint64Array | Float32Array | Float64Array;

/** A typed-array class: built from a length or over a buffer. */
export interface TypedArrayClass {
  new (length: number): TypedArray;
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): TypedArray;
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
}

/**
 * The storage of every datatype: strings and bytes as their code units (unsigned), CHAR as bytes, booleans as
 * uint8, every DATETIME_* / TIME_* as int64 ticks. The one table the size, typed array and value codecs derive from.
 */
const STORAGE: { readonly [T in Datatype]: Storage } = {
  [Datatype.INT32]: "int32",
  [Datatype.INT64]: "int64",
  [Datatype.FLOAT32]: "float32",
  [Datatype.FLOAT64]: "float64",
  [Datatype.CHAR]: "uint8",
  [Datatype.INT8]: "int8",
  [Datatype.UINT8]: "uint8",
  [Datatype.INT16]: "int16",
  [Datatype.UINT16]: "uint16",
  [Datatype.UINT32]: "uint32",
  [Datatype.UINT64]: "uint64",
  [Datatype.STRING_ASCII]: "uint8",
  [Datatype.STRING_UTF8]: "uint8",
  [Datatype.STRING_UTF16]: "uint16",
  [Datatype.STRING_UTF32]: "uint32",
  [Datatype.STRING_UCS2]: "uint16",
  [Datatype.STRING_UCS4]: "uint32",
  [Datatype.ANY]: "uint8",
  [Datatype.DATETIME_YEAR]: "int64",
  [Datatype.DATETIME_MONTH]: "int64",
  [Datatype.DATETIME_WEEK]: "int64",
  [Datatype.DATETIME_DAY]: "int64",
  [Datatype.DATETIME_HR]: "int64",
  [Datatype.DATETIME_MIN]: "int64",
  [Datatype.DATETIME_SEC]: "int64",
  [Datatype.DATETIME_MS]: "int64",
  [Datatype.DATETIME_US]: "int64",
  [Datatype.DATETIME_NS]: "int64",
  [Datatype.DATETIME_PS]: "int64",
  [Datatype.DATETIME_FS]: "int64",
  [Datatype.DATETIME_AS]: "int64",
  [Datatype.TIME_HR]: "int64",
  [Datatype.TIME_MIN]: "int64",
  [Datatype.TIME_SEC]: "int64",
  [Datatype.TIME_MS]: "int64",
  [Datatype.TIME_US]: "int64",
  [Datatype.TIME_NS]: "int64",
  [Datatype.TIME_PS]: "int64",
  [Datatype.TIME_FS]: "int64",
  [Datatype.TIME_AS]: "int64",
  [Datatype.BLOB]: "uint8",
  [Datatype.BOOL]: "uint8",
  [Datatype.GEOM_WKB]: "uint8",
  [Datatype.GEOM_WKT]: "uint8",
};

const TYPED_ARRAY: { readonly [S in Storage]: TypedArrayClass } = {
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  float32: Float32Array,
  float64: Float64Array,
};

/** The storage of `type`; a RangeError for an id that is no TileDB datatype. */
export function storageOf(type: Datatype): Storage {
  const storage = STORAGE[type];
  if (storage === undefined) throw new RangeError(`unknown TileDB datatype id ${type}`);
  return storage;
}

/** Size in bytes of one value of `type`. */
export function datatypeSize(type: Datatype): number {
  return TYPED_ARRAY[storageOf(type)].BYTES_PER_ELEMENT;
}

/** The typed-array class that holds values of `type` without conversion (strings and bytes as code units). */
export function typedArrayOf(type: Datatype): TypedArrayClass {
  return TYPED_ARRAY[storageOf(type)];
}

/** Lower-case name as TileDB prints it (e.g. "uint32", "string_ascii", "datetime_ms"). */
export function datatypeName(type: Datatype): string {
  const name = Datatype[type];
  if (name === undefined) throw new RangeError(`unknown TileDB datatype id ${type}`);
  return name.toLowerCase();
}

export function isStringType(type: Datatype): boolean {
  return type >= Datatype.STRING_ASCII && type <= Datatype.STRING_UCS4 || type === Datatype.CHAR;
}

/** Whether values of `type` are numbers (integers, floats, booleans, datetimes): not text, bytes or geometry. */
export function isNumericType(type: Datatype): boolean {
  return !isStringType(type) && type !== Datatype.BLOB && type !== Datatype.ANY && type !== Datatype.GEOM_WKB && type !== Datatype.GEOM_WKT;
}

export function isDatetimeType(type: Datatype): boolean {
  return type >= Datatype.DATETIME_YEAR && type <= Datatype.TIME_AS;
}
