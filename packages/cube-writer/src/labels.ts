/**
 * Grouping-column labels as integer codes into a category list. Callers hand either plain strings or
 * pre-coded columns (`{ codes, categories }`, e.g. from the estimators package or an Arrow dictionary).
 */
import { DataType, type Vector } from "apache-arrow";
import { compareCodePoints } from "@census-cube/estimators";
import { CubeWriterError } from "./errors.js";

/** Plain strings, pre-coded labels, or an Arrow vector of Utf8 / Dictionary<Utf8> (as census-reader returns). */
export type LabelColumn = ReadonlyArray<string> | { codes: ArrayLike<number>; categories: ReadonlyArray<string> } | Vector;

function isVector(x: unknown): x is Vector {
  return typeof x === "object" && x !== null && "type" in x && "data" in x && "nullCount" in x;
}

function fromVector(name: string, v: Vector, what: string): LabelColumn {
  if (v.nullCount > 0) throw new CubeWriterError("E_BAD_LABEL", `${what}: column "${name}" has ${v.nullCount} missing values`);
  if (DataType.isDictionary(v.type)) {
    // one dictionary per column is what census-reader produces; several chunks may share it
    const dict = v.data[0]?.dictionary;
    if (!dict) return [];
    for (const d of v.data) {
      if (d.dictionary !== dict) throw new CubeWriterError("E_BAD_LABEL", `${what}: column "${name}" has chunks with different dictionaries`);
    }
    const categories = dict.toArray() as string[];
    const codes = new Int32Array(v.length);
    let pos = 0;
    for (const d of v.data) {
      // Arrow JS keeps `values` already sliced to the chunk's offset
      const idx = d.values as ArrayLike<number>;
      for (let i = 0; i < d.length; i++) codes[pos++] = Number(idx[i]);
    }
    return { codes, categories: [...categories] };
  }
  if (DataType.isUtf8(v.type) || DataType.isLargeUtf8(v.type)) return v.toArray() as string[];
  throw new CubeWriterError("E_BAD_LABEL", `${what}: column "${name}" is an Arrow ${v.type}, not strings or a dictionary of strings`);
}

/** Codes and categories of a label column, checked: every code must index a category. */
export function coded(name: string, col: LabelColumn | undefined, length: number, what: string): { codes: Int32Array; categories: string[] } {
  if (col === undefined) throw new CubeWriterError("E_MISSING_COLUMN", `${what}: grouping column "${name}" is missing`);
  if (isVector(col)) col = fromVector(name, col, what);
  if (Array.isArray(col) || (typeof col === "object" && "length" in col && !("codes" in col))) {
    const values = col as ReadonlyArray<string>;
    if (values.length !== length) throw new CubeWriterError("E_LENGTH", `${what}: column "${name}" has ${values.length} values, expected ${length}`);
    const index = new Map<string, number>();
    const categories: string[] = [];
    const codes = new Int32Array(length);
    for (let i = 0; i < length; i++) {
      const v = values[i];
      if (typeof v !== "string") throw new CubeWriterError("E_BAD_LABEL", `${what}: column "${name}" row ${i} is ${String(v)}, not a string`);
      let c = index.get(v);
      if (c === undefined) {
        c = categories.length;
        index.set(v, c);
        categories.push(v);
      }
      codes[i] = c;
    }
    return { codes, categories };
  }
  const { codes, categories } = col as { codes: ArrayLike<number>; categories: ReadonlyArray<string> };
  if (codes.length !== length) throw new CubeWriterError("E_LENGTH", `${what}: column "${name}" has ${codes.length} codes, expected ${length}`);
  const out = Int32Array.from(codes);
  for (let i = 0; i < length; i++) {
    const c = out[i];
    if (!(c >= 0 && c < categories.length)) {
      throw new CubeWriterError("E_BAD_LABEL", `${what}: column "${name}" row ${i} has code ${c}, outside its ${categories.length} categories (missing values are not allowed)`);
    }
  }
  return { codes: out, categories: [...categories] };
}

/**
 * Re-codes a column against a new category list made of the labels in use, either in order of first use
 * (`"appearance"`, as `Series.unique()`) or sorted by code point (`"sorted"`, as `astype("category")`).
 */
export function recode(col: { codes: Int32Array; categories: string[] }, order: "appearance" | "sorted"): { codes: Int32Array; values: string[] } {
  const used: number[] = [];
  const seen = new Uint8Array(col.categories.length);
  for (let i = 0; i < col.codes.length; i++) {
    const c = col.codes[i];
    if (!seen[c]) {
      seen[c] = 1;
      used.push(c);
    }
  }
  if (order === "sorted") used.sort((x, y) => compareCodePoints(col.categories[x], col.categories[y]));
  const map = new Int32Array(col.categories.length).fill(-1);
  used.forEach((c, i) => {
    map[c] = i;
  });
  const codes = new Int32Array(col.codes.length);
  for (let i = 0; i < codes.length; i++) codes[i] = map[col.codes[i]];
  return { codes, values: used.map((c) => col.categories[c]) };
}
