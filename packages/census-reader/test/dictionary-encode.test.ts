import { Field, LargeUtf8, makeData, RecordBatch, Schema, Struct, Table, Utf8, vectorFromArray } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { DictionaryEncoder, encodeColumns } from "../src/arrow/dictionary-encode.js";

function batch(values: Array<string | null>, large = false): RecordBatch {
  const type = large ? new LargeUtf8() : new Utf8();
  const v = vectorFromArray(values, type as never);
  const fields = [new Field("s", type, true)];
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: values.length, nullCount: 0, children: [v.data[0]] }));
}

describe("DictionaryEncoder", () => {
  it("gives codes that stay the same across batches and labels equal to the strings", () => {
    const enc = new Map([["s", new DictionaryEncoder("s")]]);
    const a = encodeColumns(batch(["lung", "lung", "tongue", "lung", "", "é"]), enc);
    const b = encodeColumns(batch(["tongue", "blood", "blood", "lung", null], true), enc);
    const codes = (r: RecordBatch) => Array.from(r.getChild("s")!.data[0].values as Int32Array).slice(0, r.numRows);
    expect(codes(a)).toEqual([0, 0, 1, 0, 2, 3]);
    expect(codes(b).slice(0, 4)).toEqual([1, 4, 4, 0]);
    expect(Array.from(a.getChild("s")!)).toEqual(["lung", "lung", "tongue", "lung", "", "é"]);
    expect(Array.from(b.getChild("s")!)).toEqual(["tongue", "blood", "blood", "lung", null]);
    const t = new Table([a, b]);
    expect(t.numRows).toBe(11);
    expect(Array.from(t.getChild("s")!)).toEqual(["lung", "lung", "tongue", "lung", "", "é", "tongue", "blood", "blood", "lung", null]);
  });
});
