/**
 * The radix global-order sort against the comparison sort it replaces: for random cells (string and integer
 * dimensions, ties, tile extents, both cell and tile orders) both give the same stable permutation; float and
 * > 2^53 coordinates and Hilbert order are declined (the comparison sort handles them).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Datatype } from "../../src/datatype.js";
import { toColumn } from "../../src/write/columns.js";
import { buildDimKeys, globalOrderCompare } from "../../src/write/global-order.js";
import { radixGlobalOrder, stringRanks } from "../../src/write/radix-order.js";
import { buildArraySchema } from "../../src/write/schema-builder.js";

type Order = "row-major" | "col-major";

function setup(cellOrder: Order | "hilbert", tileOrder: Order, feature: string[], k: number[], extent: number | null, hi = 1000) {
  const schema = buildArraySchema({
    arrayType: "sparse",
    cellOrder,
    tileOrder,
    capacity: 5,
    allowsDuplicates: true,
    dimensions: [
      { name: "feature_id", type: Datatype.STRING_ASCII },
      { name: "k", type: Datatype.INT32, domain: [-50, hi], ...(extent === null ? {} : { tileExtent: extent }) },
    ],
    attributes: [{ name: "v", type: Datatype.INT32 }],
  });
  const dims = [
    toColumn({ name: "feature_id", type: Datatype.STRING_ASCII, cellValNum: 0xffffffff, nullable: false, kind: "dimension" }, feature),
    toColumn({ name: "k", type: Datatype.INT32, cellValNum: 1, nullable: false, kind: "dimension" }, Int32Array.from(k)),
  ];
  return { schema, keys: buildDimKeys(schema, dims) };
}

describe("radixGlobalOrder", () => {
  it("gives the comparison sort's stable permutation for string x int32 cells", () => {
    const cell = fc.record({ f: fc.constantFrom("ENSG00000000419", "ENSG00000002330", "", "a", "ab", "b", "Z", "ENSG0000000041"), k: fc.integer({ min: -50, max: 1000 }) });
    fc.assert(
      fc.property(
        fc.array(cell, { minLength: 1, maxLength: 200 }),
        fc.constantFrom<Order>("row-major", "col-major"),
        fc.constantFrom<Order>("row-major", "col-major"),
        fc.constantFrom(null, 1, 7, 1051),
        (cells, cellOrder, tileOrder, extent) => {
          const { schema, keys } = setup(cellOrder, tileOrder, cells.map((c) => c.f), cells.map((c) => c.k), extent);
          const n = cells.length;
          const cmp = globalOrderCompare(schema, keys, n);
          const expected = Array.from({ length: n }, (_, i) => i).sort(cmp);
          expect(Array.from(radixGlobalOrder(schema, keys, n) as Uint32Array)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("sorts a large wide-range key over several passes", () => {
    const n = 50_000;
    // k spans ~2^30: two counting passes over it
    const k = Array.from({ length: n }, (_, i) => ((i * 7919 * 65537) % 1_000_000_000) - 50);
    const f = Array.from({ length: n }, (_, i) => `ENSG${String((i * 104729) % 600).padStart(11, "0")}`);
    const { schema, keys } = setup("row-major", "row-major", f, k, null, 1_000_000_000);
    const perm = radixGlobalOrder(schema, keys, n) as Uint32Array;
    const cmp = globalOrderCompare(schema, keys, n);
    for (let p = 1; p < n; p++) expect(cmp(perm[p - 1], perm[p]) <= 0 && (cmp(perm[p - 1], perm[p]) < 0 || perm[p - 1] < perm[p])).toBe(true);
  });

  it("declines Hilbert order (the comparison sort handles it)", () => {
    const { schema, keys } = setup("hilbert", "row-major", ["b", "a"], [1, 2], null);
    expect(radixGlobalOrder(schema, keys, 2)).toBeNull();
  });

  it("ranks strings by their bytes, equal strings equally", () => {
    const strs = ["b", "a", "b", "", "ab", "a", "\u00e9", "z"];
    const enc = strs.map((s) => Buffer.from(s, "utf8"));
    const bytes = new Uint8Array(Buffer.concat(enc));
    const offsets = new Float64Array(strs.length + 1);
    enc.forEach((b, i) => {
      offsets[i + 1] = offsets[i] + b.length;
    });
    // "" < "a" < "ab" < "b" < "z" < "é" (0xc3 0xa9 sorts after every ascii byte)
    expect(Array.from(stringRanks(bytes, offsets, strs.length))).toEqual([3, 1, 3, 0, 2, 1, 5, 4]);
  });
});
