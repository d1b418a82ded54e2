import { Bool, Dictionary, Field, Float32, Int8, Int64, LargeUtf8, makeData, RecordBatch, Schema, Struct, Utf8, type Vector, vectorFromArray } from "apache-arrow";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bindFilter, columnsInput, evaluateFilter, parseFilter, selectColumns, selectRows } from "../src/index.js";

type Row = { b: boolean | null; i: bigint; f: number | null; s: string | null; ls: string; d: string | null; n: number | null };

const rowArb = fc.record({
  b: fc.option(fc.boolean()),
  i: fc.bigInt({ min: -5n, max: 5n }),
  f: fc.option(fc.float({ noNaN: true, noDefaultInfinity: true }).map(Math.fround)),
  s: fc.option(fc.constantFrom("", "a", "bb", "é", "ccc")),
  ls: fc.constantFrom("", "x", "yy"),
  d: fc.option(fc.constantFrom("p", "q", "r")),
  n: fc.option(fc.integer({ min: -128, max: 127 })),
});

function makeBatch(rows: Row[], skip: number) {
  const types = {
    b: new Bool(),
    i: new Int64(),
    f: new Float32(),
    s: new Utf8(),
    ls: new LargeUtf8(),
    d: new Dictionary(new Utf8(), new Int8()),
    n: new Int8(),
  } as const;
  // Slicing gives every column a nonzero offset, as batches cut from larger ones have.
  const vecs = Object.fromEntries(Object.entries(types).map(([k, t]) => [k, (vectorFromArray(rows.map((r) => r[k as keyof Row]), t as never) as Vector).slice(skip)]));
  const fields = Object.entries(types).map(([k, t]) => new Field(k, t, true));
  const schema = new Schema(fields);
  const n = rows.length - skip;
  const data = makeData({ type: new Struct(fields), length: n, nullCount: 0, children: fields.map((f) => vecs[f.name].data[0]) });
  return { batch: new RecordBatch(schema, data), vecs, n };
}

describe("selectRows", () => {
  it("keeps exactly the masked rows of every column type, nulls and offsets included", () => {
    fc.assert(
      fc.property(fc.array(rowArb, { minLength: 1, maxLength: 70 }), fc.nat(5), fc.array(fc.boolean(), { minLength: 70, maxLength: 70 }), (rows, skipRaw, maskBits) => {
        const skip = Math.min(skipRaw, rows.length - 1);
        const { batch, n } = makeBatch(rows, skip);
        const mask = Uint8Array.from(maskBits.slice(0, n), (x) => (x ? 1 : 0));
        const out = selectRows(batch, mask);
        const want = rows.slice(skip).filter((_, i) => mask[i] === 1);
        expect(out.numRows).toBe(want.length);
        for (const f of batch.schema.fields) {
          const got = Array.from(out.getChild(f.name)!);
          expect(got, f.name).toEqual(want.map((r) => r[f.name as keyof Row]));
        }
      }),
      { numRuns: 200 },
    );
  });
  it("selects and orders columns", () => {
    const { batch } = makeBatch([{ b: true, i: 1n, f: 1, s: "a", ls: "x", d: "p", n: 1 }], 0);
    const out = selectColumns(batch, ["s", "i"]);
    expect(out.schema.fields.map((f) => f.name)).toEqual(["s", "i"]);
    expect(Array.from(out.getChild("i")!)).toEqual([1n]);
  });
});

describe("boolean leaves", () => {
  it("agree with a row-by-row reference at any offset and length", () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 80 }), fc.nat(9), fc.constantFrom("p == True", "p != True", "p == False", "p in [False]", "p not in [False]", "p >= False", "p < True"), (vals, skipRaw, filter) => {
        const skip = Math.min(skipRaw, vals.length - 1);
        const v = vectorFromArray(vals, new Bool()).slice(skip);
        const schema = new Schema([new Field("p", new Bool())]);
        const mask = evaluateFilter(bindFilter(parseFilter(filter), schema), columnsInput(v.length, { p: v }));
        const ref: Record<string, (x: boolean) => boolean> = {
          "p == True": (x) => x,
          "p != True": (x) => !x,
          "p == False": (x) => !x,
          "p in [False]": (x) => !x,
          "p not in [False]": (x) => x,
          "p >= False": () => true,
          "p < True": (x) => !x,
        };
        expect(Array.from(mask, (m) => m === 1)).toEqual(vals.slice(skip).map(ref[filter]));
      }),
      { numRuns: 300 },
    );
  });
});
