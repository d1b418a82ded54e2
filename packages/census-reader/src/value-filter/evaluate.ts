import type { Data, RecordBatch, Vector } from "apache-arrow";
import { CensusReaderError } from "../errors.js";
import type { CompareOp } from "./ast.js";
import type { BoundExpr, BoundValue } from "./bind.js";

/**
 * Evaluates a bound filter over one batch of Arrow columns into a byte mask (1 = row passes).
 * Each leaf runs one tight loop over the column's typed array with the operator chosen outside the loop;
 * strings compare as UTF-8 bytes without decoding; dictionary (categorical) columns evaluate the leaf once per
 * dictionary entry and then map row indices through that table, so no per-row string is ever built.
 * Null cells satisfy no comparison (only `== None`).
 */

/** The columns of one batch, by name. */
export interface FilterInput {
  readonly length: number;
  column(name: string): Data;
}

export function recordBatchInput(batch: RecordBatch): FilterInput {
  return {
    length: batch.numRows,
    column(name) {
      const v = batch.getChild(name);
      if (v === null) throw new CensusReaderError("E_FILTER_COLUMN", `value filter: column '${name}' is not in the batch`);
      return singleChunk(v, name);
    },
  };
}

export function columnsInput(length: number, columns: Record<string, Data | Vector>): FilterInput {
  return {
    length,
    column(name) {
      const c = columns[name];
      if (c === undefined) throw new CensusReaderError("E_FILTER_COLUMN", `value filter: column '${name}' is not in the batch`);
      return "data" in c && Array.isArray(c.data) ? singleChunk(c as Vector, name) : (c as Data);
    },
  };
}

function singleChunk(v: Vector, name: string): Data {
  if (v.data.length !== 1) {
    throw new CensusReaderError("E_FILTER_COLUMN", `value filter: column '${name}' has ${v.data.length} chunks; evaluate one record batch at a time`);
  }
  return v.data[0];
}

export function evaluateFilter(expr: BoundExpr, input: FilterInput): Uint8Array {
  const out = new Uint8Array(input.length);
  evalInto(expr, input, out);
  return out;
}

function evalInto(e: BoundExpr, input: FilterInput, out: Uint8Array): void {
  const n = out.length;
  switch (e.type) {
    case "const":
      out.fill(e.value ? 1 : 0);
      return;
    case "and":
    case "or": {
      evalInto(e.operands[0], input, out);
      if (e.operands.length === 1) return;
      const tmp = new Uint8Array(n);
      for (let k = 1; k < e.operands.length; k++) {
        evalInto(e.operands[k], input, tmp);
        if (e.type === "and") for (let i = 0; i < n; i++) out[i] &= tmp[i];
        else for (let i = 0; i < n; i++) out[i] |= tmp[i];
      }
      return;
    }
    case "null": {
      const data = input.column(e.column);
      const want = e.negated ? 1 : 0;
      for (let i = 0; i < n; i++) out[i] = isValid(data, i) === want ? 1 : 0;
      return;
    }
    case "compare":
    case "in": {
      const data = input.column(e.column);
      if (data.length !== n) throw new CensusReaderError("E_FILTER_COLUMN", `value filter: column '${e.column}' has ${data.length} rows, expected ${n}`);
      if (e.kind.dictionary) evalDictionary(e, data, out);
      else evalLeaf(e, data, out);
      // Null cells fail every comparison, whatever the operator.
      if (data.nullCount > 0 && data.nullBitmap) for (let i = 0; i < n; i++) if (!isValid(data, i)) out[i] = 0;
      return;
    }
  }
}

function isValid(data: Data, i: number): number {
  const bm = data.nullBitmap;
  if (!bm || bm.length === 0 || data.nullCount === 0) return 1;
  const j = data.offset + i;
  return (bm[j >> 3] >> (j & 7)) & 1;
}

type Leaf = Extract<BoundExpr, { type: "compare" | "in" }>;

/** Evaluates a leaf on plain values (numbers, bigints, bits or strings) of `data`. */
function evalLeaf(e: Leaf, data: Data, out: Uint8Array): void {
  switch (e.kind.value) {
    case "number":
    case "bigint":
      // Arrow JS slices value and offset buffers along with the data; only bitmaps (validity, booleans) keep `offset`.
      evalNumeric(e, data.values as ArrayLike<number | bigint>, 0, out);
      return;
    case "bool":
      evalBool(e, data.values as Uint8Array, data.offset, out);
      return;
    case "string":
      evalString(e, data, out);
      return;
  }
}

/** Numeric comparison loops, one per operator so the branch stays out of the loop. */
function evalNumeric(e: Leaf, values: ArrayLike<number | bigint>, offset: number, out: Uint8Array): void {
  const n = out.length;
  if (e.type === "in") {
    const set = new Set<number | bigint>(e.values as Array<number | bigint>);
    const hit = e.negated ? 0 : 1;
    for (let i = 0; i < n; i++) out[i] = set.has(values[offset + i]) ? hit : 1 - hit;
    return;
  }
  compareLoop(values, offset, e.op, e.value as number | bigint, out);
}

function compareLoop<T extends number | bigint>(values: ArrayLike<T>, offset: number, op: CompareOp, v: T, out: Uint8Array): void {
  const n = out.length;
  switch (op) {
    case "==":
      for (let i = 0; i < n; i++) out[i] = values[offset + i] === v ? 1 : 0;
      return;
    case "!=":
      for (let i = 0; i < n; i++) out[i] = values[offset + i] !== v ? 1 : 0;
      return;
    case "<":
      for (let i = 0; i < n; i++) out[i] = values[offset + i] < v ? 1 : 0;
      return;
    case "<=":
      for (let i = 0; i < n; i++) out[i] = values[offset + i] <= v ? 1 : 0;
      return;
    case ">":
      for (let i = 0; i < n; i++) out[i] = values[offset + i] > v ? 1 : 0;
      return;
    case ">=":
      for (let i = 0; i < n; i++) out[i] = values[offset + i] >= v ? 1 : 0;
      return;
  }
}

function evalBool(e: Leaf, bits: Uint8Array, offset: number, out: Uint8Array): void {
  // Booleans order as False < True; compare them as 0/1.
  if (e.type === "in") {
    const want = new Uint8Array(2);
    for (const v of e.values) want[v ? 1 : 0] = 1;
    if (e.negated) {
      want[0] ^= 1;
      want[1] ^= 1;
    }
    expandBits(bits, offset, want, out);
    return;
  }
  const table = new Uint8Array(2);
  const v = e.value ? 1 : 0;
  for (let b = 0; b < 2; b++) table[b] = cmpNumbers(b, e.op, v) ? 1 : 0;
  expandBits(bits, offset, table, out);
}

/** out[i] = table[bit i]; whole bytes at a time when the bits start on a byte boundary. */
function expandBits(bits: Uint8Array, offset: number, table: Uint8Array, out: Uint8Array): void {
  const n = out.length;
  if (table[0] === table[1]) {
    out.fill(table[0]);
    return;
  }
  let i = 0;
  if ((offset & 7) === 0) {
    // The result is either the bit or its inverse.
    const flip = table[1] === 1 ? 0 : 0xff;
    const base = offset >> 3;
    const whole = n >> 3;
    for (let k = 0; k < whole; k++) {
      const x = bits[base + k] ^ flip;
      const o = k << 3;
      out[o] = x & 1;
      out[o + 1] = (x >> 1) & 1;
      out[o + 2] = (x >> 2) & 1;
      out[o + 3] = (x >> 3) & 1;
      out[o + 4] = (x >> 4) & 1;
      out[o + 5] = (x >> 5) & 1;
      out[o + 6] = (x >> 6) & 1;
      out[o + 7] = (x >> 7) & 1;
    }
    i = whole << 3;
  }
  for (; i < n; i++) {
    const j = offset + i;
    out[i] = table[(bits[j >> 3] >> (j & 7)) & 1];
  }
}

function cmpNumbers(a: number, op: CompareOp, b: number): boolean {
  switch (op) {
    case "==":
      return a === b;
    case "!=":
      return a !== b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    case ">=":
      return a >= b;
  }
}

const utf8 = new TextEncoder();
const encodedCache = new WeakMap<Leaf, Uint8Array[]>();

function encodedLiterals(e: Leaf): Uint8Array[] {
  let enc = encodedCache.get(e);
  if (!enc) {
    const vals = (e.type === "in" ? e.values : [e.value]) as BoundValue[];
    enc = vals.map((v) => utf8.encode(String(v)));
    encodedCache.set(e, enc);
  }
  return enc;
}

/** Lexicographic comparison of bytes[start, end) with `lit` (the order TileDB uses for strings). */
function compareBytes(bytes: Uint8Array, start: number, end: number, lit: Uint8Array): number {
  const len = end - start;
  const m = Math.min(len, lit.length);
  for (let k = 0; k < m; k++) {
    const d = bytes[start + k] - lit[k];
    if (d !== 0) return d;
  }
  return len - lit.length;
}

function evalString(e: Leaf, data: Data, out: Uint8Array): void {
  const n = out.length;
  const bytes = data.values as Uint8Array;
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  const big = offsets instanceof BigInt64Array;
  const o = 0; // value offsets are already sliced
  const lits = encodedLiterals(e);
  const op: CompareOp = e.type === "in" ? "==" : e.op;
  const hit = e.type === "in" && e.negated ? 0 : 1;
  for (let i = 0; i < n; i++) {
    const s = big ? Number(offsets[o + i]) : (offsets[o + i] as number);
    const t = big ? Number(offsets[o + i + 1]) : (offsets[o + i + 1] as number);
    if (op === "==" || op === "!=") {
      let eq = 0;
      for (let k = 0; k < lits.length; k++) {
        const lit = lits[k];
        if (lit.length === t - s && compareBytes(bytes, s, t, lit) === 0) {
          eq = 1;
          break;
        }
      }
      out[i] = op === "==" ? (eq === 1 ? hit : 1 - hit) : 1 - eq;
    } else {
      out[i] = cmpNumbers(compareBytes(bytes, s, t, lits[0]), op, 0) ? 1 : 0;
    }
  }
}

const dictionaryCache = new WeakMap<Leaf, WeakMap<Data, Uint8Array>>();

/**
 * Categorical columns: equality and membership compare labels; ordering operators compare positions in the
 * dictionary (a TileDB enumeration orders its labels by position), with a label that is absent from the
 * enumeration matching nothing. The per-entry table is cached per dictionary, which is shared across batches.
 */
function dictionaryTable(e: Leaf, dict: Data): Uint8Array {
  let byDict = dictionaryCache.get(e);
  if (!byDict) {
    byDict = new WeakMap();
    dictionaryCache.set(e, byDict);
  }
  let table = byDict.get(dict);
  if (table) return table;
  table = new Uint8Array(dict.length);
  if (e.type === "compare" && e.op !== "==" && e.op !== "!=") {
    const eq = new Uint8Array(dict.length);
    evalLeaf({ ...e, op: "==" }, dict, eq);
    const pos = eq.indexOf(1);
    if (pos >= 0) for (let j = 0; j < dict.length; j++) table[j] = cmpNumbers(j, e.op, pos) ? 1 : 0;
  } else {
    evalLeaf(e, dict, table);
  }
  byDict.set(dict, table);
  return table;
}

function evalDictionary(e: Leaf, data: Data, out: Uint8Array): void {
  const dictVec = data.dictionary;
  if (!dictVec) throw new CensusReaderError("E_FILTER_COLUMN", `value filter: dictionary column '${e.column}' has no dictionary`);
  const dict = singleChunk(dictVec, e.column);
  const table = dictionaryTable(e, dict);
  const idx = data.values as ArrayLike<number | bigint>;
  const o = 0; // indices are already sliced
  const n = out.length;
  const size = table.length;
  if (typeof idx[0] === "bigint") {
    for (let i = 0; i < n; i++) {
      const k = Number(idx[o + i]);
      out[i] = k >= 0 && k < size ? table[k] : 0;
    }
    return;
  }
  const nidx = idx as ArrayLike<number>;
  for (let i = 0; i < n; i++) {
    const k = nidx[o + i];
    out[i] = k >= 0 && k < size ? table[k] : 0;
  }
}
