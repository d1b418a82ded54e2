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

/** Size in bytes of one value of `type`. */
export function datatypeSize(type: Datatype): number {
  switch (type) {
    case Datatype.INT8:
    case Datatype.UINT8:
    case Datatype.CHAR:
    case Datatype.STRING_ASCII:
    case Datatype.STRING_UTF8:
    case Datatype.BLOB:
    case Datatype.BOOL:
    case Datatype.GEOM_WKB:
    case Datatype.GEOM_WKT:
    case Datatype.ANY:
      return 1;
    case Datatype.INT16:
    case Datatype.UINT16:
    case Datatype.STRING_UTF16:
    case Datatype.STRING_UCS2:
      return 2;
    case Datatype.INT32:
    case Datatype.UINT32:
    case Datatype.FLOAT32:
    case Datatype.STRING_UTF32:
    case Datatype.STRING_UCS4:
      return 4;
    default:
      if (type in Datatype) return 8; // INT64, UINT64, FLOAT64 and every DATETIME_* / TIME_* (int64 ticks)
      throw new RangeError(`unknown TileDB datatype id ${type}`);
  }
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

export function isDatetimeType(type: Datatype): boolean {
  return type >= Datatype.DATETIME_YEAR && type <= Datatype.TIME_AS;
}
