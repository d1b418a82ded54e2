/**
 * The write corpus: the reader corpus's combinations (every type x every filter, sparse and dense, one and several
 * fragments, consolidated or not, with and without duplicates, nullable and var-sized), written by tiledb-ts.
 * Each type knows how to make its input cells and how Python `tiledb` prints them (test/python/write_check.py).
 */
import { Datatype } from "../../src/datatype.js";
import { type FilterSpec, FilterType } from "../../src/filters/filter.js";
import type { ColumnInput } from "../../src/write/columns.js";

export type Kind = "int" | "float" | "bool" | "str" | "bytes" | "list";

export interface TypeDef {
  type: Datatype;
  var?: boolean;
  nullable?: boolean;
  kind: Kind;
  /** numpy dtype string Python reports for the attribute. */
  dtype: string;
}

export const TYPES: Record<string, TypeDef> = {
  i8: { type: Datatype.INT8, kind: "int", dtype: "int8" },
  i16: { type: Datatype.INT16, kind: "int", dtype: "int16" },
  i32: { type: Datatype.INT32, kind: "int", dtype: "int32" },
  i64: { type: Datatype.INT64, kind: "int", dtype: "int64" },
  u8: { type: Datatype.UINT8, kind: "int", dtype: "uint8" },
  u16: { type: Datatype.UINT16, kind: "int", dtype: "uint16" },
  u32: { type: Datatype.UINT32, kind: "int", dtype: "uint32" },
  u64: { type: Datatype.UINT64, kind: "int", dtype: "uint64" },
  f32: { type: Datatype.FLOAT32, kind: "float", dtype: "float32" },
  f64: { type: Datatype.FLOAT64, kind: "float", dtype: "float64" },
  bool: { type: Datatype.BOOL, kind: "bool", dtype: "bool" },
  dt_ns: { type: Datatype.DATETIME_NS, kind: "int", dtype: "datetime64[ns]" },
  dt_day: { type: Datatype.DATETIME_DAY, kind: "int", dtype: "datetime64[D]" },
  ascii: { type: Datatype.STRING_ASCII, var: true, kind: "str", dtype: "|S0" },
  utf8: { type: Datatype.STRING_UTF8, var: true, kind: "str", dtype: "<U0" },
  char: { type: Datatype.CHAR, var: true, kind: "bytes", dtype: "|S0" },
  blob: { type: Datatype.BLOB, var: true, kind: "bytes", dtype: "blob" },
  i32_null: { type: Datatype.INT32, nullable: true, kind: "int", dtype: "int32" },
  f64_null: { type: Datatype.FLOAT64, nullable: true, kind: "float", dtype: "float64" },
  utf8_null: { type: Datatype.STRING_UTF8, var: true, nullable: true, kind: "str", dtype: "<U0" },
  i32_var: { type: Datatype.INT32, var: true, kind: "list", dtype: "int32" },
};

const INTS = ["i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "dt_ns", "dt_day", "i32_null"];
const FLOATS = ["f32", "f64", "f64_null"];
const STRINGS = ["ascii", "utf8", "utf8_null"];
const ALL = Object.keys(TYPES);

const f = (type: FilterType, options: Record<string, number> = {}): FilterSpec => ({ type, options });

export interface FilterDef {
  specs: () => FilterSpec[];
  /** Python filter class names, with the options we set explicitly. */
  py: Array<[string, Record<string, unknown>]>;
  types: string[];
  /** The filter may also filter coordinates and offsets. */
  coords: boolean;
  /** Positive delta needs non-decreasing input: it filters coordinates and offsets only. */
  attrs?: boolean;
}

export const FILTERS: Record<string, FilterDef> = {
  none: { specs: () => [], py: [], types: ALL, coords: true },
  zstd: { specs: () => [f(FilterType.ZSTD, { level: 3 })], py: [["ZstdFilter", { level: 3 }]], types: ALL, coords: true },
  gzip: { specs: () => [f(FilterType.GZIP, { level: 6 })], py: [["GzipFilter", { level: 6 }]], types: ALL, coords: true },
  lz4: { specs: () => [f(FilterType.LZ4)], py: [["LZ4Filter", {}]], types: ALL, coords: true },
  bzip2: { specs: () => [f(FilterType.BZIP2)], py: [["Bzip2Filter", {}]], types: ALL, coords: true },
  rle: { specs: () => [f(FilterType.RLE)], py: [["RleFilter", {}]], types: ALL, coords: true },
  bitwidth: { specs: () => [f(FilterType.BIT_WIDTH_REDUCTION, { maxWindow: 16 })], py: [["BitWidthReductionFilter", { window: 16 }]], types: INTS, coords: true },
  posdelta: { specs: () => [f(FilterType.POSITIVE_DELTA, { maxWindow: 16 })], py: [["PositiveDeltaFilter", { window: 16 }]], types: ["utf8", "char", "i32_var"], coords: true, attrs: false },
  delta: { specs: () => [f(FilterType.DELTA)], py: [["DeltaFilter", {}]], types: INTS, coords: true },
  doubledelta: { specs: () => [f(FilterType.DOUBLE_DELTA)], py: [["DoubleDeltaFilter", {}]], types: INTS, coords: true },
  byteshuffle: { specs: () => [f(FilterType.BYTESHUFFLE)], py: [["ByteShuffleFilter", {}]], types: ALL, coords: true },
  bitshuffle: { specs: () => [f(FilterType.BITSHUFFLE)], py: [["BitShuffleFilter", {}]], types: ALL, coords: true },
  xor: { specs: () => [f(FilterType.XOR)], py: [["XORFilter", {}]], types: [...INTS, ...FLOATS], coords: true },
  dictionary: { specs: () => [f(FilterType.DICTIONARY)], py: [["DictionaryFilter", {}]], types: STRINGS, coords: false },
  md5: { specs: () => [f(FilterType.CHECKSUM_MD5)], py: [["ChecksumMD5Filter", {}]], types: ALL, coords: true },
  sha256: { specs: () => [f(FilterType.CHECKSUM_SHA256)], py: [["ChecksumSHA256Filter", {}]], types: ALL, coords: true },
  floatscale: {
    specs: () => [f(FilterType.SCALE_FLOAT, { scale: 0.25, offset: 1, byteWidth: 4 })],
    py: [["FloatScaleFilter", { factor: 0.25, offset: 1, bytewidth: 4 }]],
    types: FLOATS,
    coords: false,
  },
  byteshuffle_zstd: {
    specs: () => [f(FilterType.BYTESHUFFLE), f(FilterType.ZSTD, { level: 9 })],
    py: [["ByteShuffleFilter", {}], ["ZstdFilter", { level: 9 }]],
    types: ALL,
    coords: true,
  },
  delta_zstd: { specs: () => [f(FilterType.DELTA), f(FilterType.ZSTD)], py: [["DeltaFilter", {}], ["ZstdFilter", {}]], types: INTS, coords: true },
  bitwidth_gzip_md5: {
    specs: () => [f(FilterType.BIT_WIDTH_REDUCTION), f(FilterType.GZIP), f(FilterType.CHECKSUM_MD5)],
    py: [["BitWidthReductionFilter", {}], ["GzipFilter", {}], ["ChecksumMD5Filter", {}]],
    types: INTS,
    coords: true,
  },
  dict_zstd: { specs: () => [f(FilterType.DICTIONARY), f(FilterType.ZSTD)], py: [["DictionaryFilter", {}], ["ZstdFilter", {}]], types: STRINGS, coords: false },
};

/** (fragments, consolidate, vacuum, duplicates), rotated over the filters as the reader corpus does. */
export const SCENARIOS: Array<[number, boolean, boolean, boolean]> = [
  [1, false, false, false],
  [3, false, false, true],
  [3, true, false, false],
  [3, true, true, true],
  [2, false, false, false],
];

const WORDS = ["", "a", "tongue", "T cell", "naïve", "日本", "x".repeat(40), "b", "B cell", "zz"];
const ASCII_WORDS = ["e", "a", "tongue", "T cell", "x".repeat(40), "b", "B cell", "zz"];

const INT_RANGE: Record<string, [bigint, bigint]> = {
  i8: [-128n, 127n],
  i16: [-32768n, 32767n],
  i32: [-2147483648n, 2147483647n],
  i64: [-(1n << 63n), (1n << 63n) - 1n],
  u8: [0n, 255n],
  u16: [0n, 65535n],
  u32: [0n, 4294967295n],
  u64: [0n, (1n << 64n) - 1n],
  i32_null: [-2147483648n, 2147483647n],
};

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

function encFloat(v: number): number | string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  return v;
}

/** `n` cells of type `name`: the writer input and the values Python should print. */
export function genValues(
  name: string,
  n: number,
  rnd: () => number,
  extremes = true,
  quantize?: (v: number) => number,
): { input: ColumnInput; expected: unknown[] } {
  const t = TYPES[name];
  const ri = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo));
  if (name === "bool") {
    const v = Uint8Array.from({ length: n }, () => ri(0, 2));
    return { input: v, expected: Array.from(v, (x) => x === 1) };
  }
  if (name === "dt_ns" || name === "dt_day") {
    const v = BigInt64Array.from({ length: n }, () => BigInt(ri(-1e6, 1e9)));
    return { input: v, expected: Array.from(v, String) };
  }
  if (t.kind === "int" && !t.var) {
    // Small runs (so RLE, delta and bit-width filters have work) plus the type's extremes.
    let acc = 0;
    const big = Array.from({ length: n }, () => {
      acc += ri(0, 5);
      return BigInt(acc % 50);
    });
    const [lo, hi] = INT_RANGE[name];
    if (n > 4 && extremes) {
      big[1] = lo;
      big[3] = hi;
    }
    const expected = big.map(String);
    const input =
      t.type === Datatype.INT64 ? BigInt64Array.from(big) : t.type === Datatype.UINT64 ? BigUint64Array.from(big) : (big.map(Number) as number[]);
    return withNulls(t, input, expected, n, rnd);
  }
  if (t.kind === "float") {
    const arr = Array.from({ length: n }, () => (rnd() - 0.5) * 2000);
    if (n > 6) {
      arr[2] = 0;
      arr[5] = -1.5;
    }
    const typed = t.type === Datatype.FLOAT32 ? Float32Array.from(arr) : Float64Array.from(arr);
    const stored = quantize ? Array.from(typed, (v) => (t.type === Datatype.FLOAT32 ? Math.fround(quantize(v)) : quantize(v))) : Array.from(typed);
    return withNulls(t, typed, stored.map(encFloat), n, rnd);
  }
  if (name === "i32_var") {
    const cells = Array.from({ length: n }, () => Int32Array.from({ length: ri(1, 4) }, () => ri(-100, 100)));
    return { input: cells, expected: cells.map((c) => Array.from(c, String)) };
  }
  if (t.kind === "str") {
    const words = name === "ascii" ? ASCII_WORDS : WORDS;
    const cells = Array.from({ length: n }, () => words[ri(0, words.length)]);
    return withNulls(t, cells, [...cells], n, rnd);
  }
  // char / blob: random bytes
  const cells = Array.from({ length: n }, () => Uint8Array.from({ length: ri(1, 6) }, () => ri(1, 256)));
  return { input: cells, expected: cells.map(hex) };
}

function withNulls(t: TypeDef, input: ColumnInput, expected: unknown[], n: number, rnd: () => number): { input: ColumnInput; expected: unknown[] } {
  if (!t.nullable) return { input, expected };
  const validity = Uint8Array.from({ length: n }, () => (Math.floor(rnd() * 4) === 0 ? 0 : 1));
  const exp = expected.map((v, i) => (validity[i] ? v : null));
  if (Array.isArray(input) && typeof input[0] === "string") {
    return { input: (input as string[]).map((s, i) => (validity[i] ? s : null)), expected: exp };
  }
  return { input: { values: input, validity }, expected: exp };
}

/** What the float scale filter (scale 0.25, offset 1, 4-byte ints) stores: round half away from zero, as C's round. */
export function floatScaleQuantize(v: number): number {
  const x = (v - 1) / 0.25;
  const q = Math.sign(x) * Math.round(Math.abs(x));
  return q * 0.25 + 1;
}
