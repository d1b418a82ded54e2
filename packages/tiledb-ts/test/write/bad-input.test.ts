/**
 * Bad input is rejected before anything is written, with a message naming the field at fault:
 * schema errors leave no array folder; write errors leave the array's fragment and commit folders untouched.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Datatype } from "../../src/datatype.js";
import { TileDBError } from "../../src/errors.js";
import { FilterType } from "../../src/filters/filter.js";
import { VAR_NUM } from "../../src/schema.js";
import { createArray } from "../../src/write/create-array.js";
import { writeDense } from "../../src/write/dense.js";
import type { ArraySchemaInput } from "../../src/write/schema-builder.js";
import { writeSparse } from "../../src/write/sparse.js";
import { tempDir } from "./helpers.js";

const dir = tempDir("tiledb-ts-bad-").path;
const good: ArraySchemaInput = {
  arrayType: "sparse",
  dimensions: [
    { name: "x", type: Datatype.INT64, domain: [0n, 99n], tileExtent: 10n },
    { name: "s", type: Datatype.STRING_ASCII },
  ],
  attributes: [
    { name: "v", type: Datatype.FLOAT32 },
    { name: "label", type: Datatype.STRING_UTF8, nullable: true },
  ],
};

const schemaCases: Array<[string, ArraySchemaInput, RegExp]> = [
  ["duplicate names", { ...good, attributes: [...good.attributes, { name: "x", type: Datatype.INT8 }] }, /attribute "x": duplicate name \(also a dimension\)/],
  ["duplicate attributes", { ...good, attributes: [{ name: "v", type: Datatype.INT8 }, { name: "v", type: Datatype.INT8 }] }, /attribute "v": duplicate name/],
  ["no dimensions", { ...good, dimensions: [] }, /needs at least one dimension/],
  ["empty domain", { ...good, dimensions: [{ name: "x", type: Datatype.INT32, domain: [5, 1] }] }, /dimension "x": domain \[5, 1\] is empty/],
  ["missing domain", { ...good, dimensions: [{ name: "x", type: Datatype.INT32 }] }, /dimension "x": needs a domain/],
  ["domain beyond the type", { ...good, dimensions: [{ name: "x", type: Datatype.INT8, domain: [0, 300] }] }, /dimension "x" domain high: 300 does not fit int8/],
  ["tile extent beyond the domain", { ...good, dimensions: [{ name: "x", type: Datatype.INT32, domain: [0, 9], tileExtent: 11 }] }, /dimension "x": tile extent 11 exceeds the domain range/],
  ["zero tile extent", { ...good, dimensions: [{ name: "x", type: Datatype.INT32, domain: [0, 9], tileExtent: 0 }] }, /dimension "x": tile extent 0 must be positive/],
  ["wrong dimension type", { ...good, dimensions: [{ name: "x", type: Datatype.STRING_UTF8 }] }, /dimension "x": type string_utf8 cannot be a dimension type/],
  ["string dimension in a dense array", { arrayType: "dense", dimensions: [{ name: "s", type: Datatype.STRING_ASCII }], attributes: [{ name: "v", type: Datatype.INT8 }] }, /dimension "s": dense arrays cannot have string dimensions/],
  ["reserved name", { ...good, attributes: [{ name: "__coords", type: Datatype.INT8 }] }, /attribute "__coords": names starting with "__" are reserved/],
  ["empty name", { ...good, attributes: [{ name: "", type: Datatype.INT8 }] }, /attribute: name "" must be a non-empty string/],
  ["bad cell val num", { ...good, attributes: [{ name: "a", type: Datatype.INT8, cellValNum: 0 }] }, /attribute "a": cellValNum 0 must be a positive integer/],
  ["fill value of the wrong length", { ...good, attributes: [{ name: "a", type: Datatype.INT32, fillValue: new Uint8Array(3) }] }, /attribute "a" fill value: has 3 bytes, a cell has 4/],
  ["unknown enumeration", { ...good, attributes: [{ name: "a", type: Datatype.INT8, enumeration: "nope" }] }, /attribute "a": refers to enumeration "nope", which the schema does not define/],
  [
    "enumeration on a float",
    { ...good, enumerations: [{ name: "e", values: ["a"] }], attributes: [{ name: "a", type: Datatype.FLOAT32, enumeration: "e" }] },
    /attribute "a": an enumerated attribute needs a single-value integer type/,
  ],
  ["duplicate enumeration labels", { ...good, enumerations: [{ name: "e", values: ["a", "a"] }] }, /enumeration "e": label "a" appears twice/],
  ["bad zstd level", { ...good, attributes: [{ name: "a", type: Datatype.INT8, filters: [{ type: FilterType.ZSTD, options: { level: 99 } }] }] }, /attribute "a" filters: zstd level 99 is outside/],
  ["zero capacity", { ...good, capacity: 0 }, /capacity 0 must be positive/],
  ["duplicates in a dense array", { arrayType: "dense", allowsDuplicates: true, dimensions: [{ name: "x", type: Datatype.INT32, domain: [0, 9] }], attributes: [{ name: "v", type: Datatype.INT8 }] }, /dense arrays cannot allow duplicates/],
  ["current domain outside the domain", { ...good, currentDomain: [[0n, 200n], ["a", "z"]] }, /current domain of dimension "x": \[0, 200\] is outside the domain/],
];

describe("schema errors: nothing is created", () => {
  for (const [what, schema, message] of schemaCases) {
    it(what, async () => {
      const uri = join(dir, `schema-${what.replace(/\W+/g, "_")}`);
      const err = await createArray(uri, schema).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TileDBError);
      expect((err as Error).message).toMatch(message);
      expect(existsSync(uri)).toBe(false);
    });
  }
});

describe("write errors: no fragment, no commit", () => {
  const uri = join(dir, "sparse");
  const dense = join(dir, "dense");
  beforeAll(async () => {
    await createArray(uri, good);
    await createArray(dense, { arrayType: "dense", dimensions: [{ name: "r", type: Datatype.INT32, domain: [0, 9], tileExtent: 5 }], attributes: [{ name: "v", type: Datatype.FLOAT64 }] });
  });
  const cells = () => ({ x: [1n, 2n], s: ["a", "b"], v: new Float32Array([1, 2]), label: ["p", null] as Array<string | null> });
  const sparseCases: Array<[string, () => Record<string, unknown>, RegExp]> = [
    ["cells outside the domain", () => ({ ...cells(), x: [1n, 100n] }), /dimension "x": cell 1 coordinate 100 is outside the domain \[0, 99\]/],
    ["wrong typed array", () => ({ ...cells(), v: new Float64Array([1, 2]) }), /attribute "v" \(float32\): expected Float32Array .*got Float64Array/],
    ["wrong length", () => ({ ...cells(), v: new Float32Array([1, 2, 3]) }), /attribute "v" \(float32\): has 3 cells, expected 2/],
    ["missing attribute", () => ({ x: [1n], s: ["a"], v: new Float32Array([1]) }), /attribute "label": no values given/],
    ["unknown field", () => ({ ...cells(), extra: [1, 2] }), /"extra" is not a dimension or attribute of the array/],
    ["null in a non-nullable field", () => ({ ...cells(), s: ["a", null] }), /dimension "s" .*cell 1 is null but the field is not nullable/],
    ["not a number", () => ({ ...cells(), x: [1n, "q"] }), /dimension "x" \(int64\): value 1 \(q\) is not a 64-bit integer/],
    ["duplicate coordinates", () => ({ ...cells(), x: [1n, 1n], s: ["a", "a"] }), /duplicate coordinates at cells 0 and 1 \(x=1, s="a"\)/],
  ];
  for (const [what, make, message] of sparseCases) {
    it(what, async () => {
      const err = await writeSparse(uri, make() as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TileDBError);
      expect((err as Error).message).toMatch(message);
      expect(readdirSync(join(uri, "__fragments"))).toEqual([]);
      expect(readdirSync(join(uri, "__commits"))).toEqual([]);
    });
  }
  it("dense: subarray outside the domain, wrong cell count", async () => {
    await expect(writeDense(dense, { subarray: [[5, 12]], cells: { v: new Float64Array(8) } })).rejects.toThrow(/dimension "r" range \[5, 12\] is outside the domain \[0, 9\]/);
    await expect(writeDense(dense, { subarray: [[0, 3]], cells: { v: new Float64Array(3) } })).rejects.toThrow(/attribute "v" \(float64\): has 3 cells, expected 4/);
    expect(readdirSync(join(dense, "__fragments"))).toEqual([]);
  });
  it("the valid write after all that works", async () => {
    await writeSparse(uri, cells() as never);
    expect(readdirSync(join(uri, "__commits")).length).toBe(1);
    expect(VAR_NUM).toBe(0xffffffff);
  });
});
