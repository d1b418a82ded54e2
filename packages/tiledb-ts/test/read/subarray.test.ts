/**
 * Subarray handling: range normalisation, per-cell filtering (one range, many points), MBR tests, the Hilbert
 * value, and the errors bad selections give. Property checks compare against a plain reference filter.
 */
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Datatype } from "../../src/datatype.js";
import { hilbertValue } from "../../src/hilbert.js";
import { type DimColumn, dimRanges, filterCells, mbrRelation } from "../../src/read/coords.js";
import { readAll } from "../../src/read/index.js";
import type { Dimension } from "../../src/schema.js";
import { VAR_NUM } from "../../src/schema.js";
import { fixtureRoot } from "./helpers.js";

const pipeline = { maxChunkSize: 65536, filters: [] };
const int64: Dimension = { name: "d", type: Datatype.INT64, cellValNum: 1, filters: pipeline, domain: [-(2n ** 62n), 2n ** 62n], tileExtent: 10n };
const int32: Dimension = { name: "k", type: Datatype.INT32, cellValNum: 1, filters: pipeline, domain: [-1000, 1000], tileExtent: 10 };
const str: Dimension = { name: "s", type: Datatype.STRING_ASCII, cellValNum: VAR_NUM, filters: pipeline, domain: null, tileExtent: null };

function i64Column(values: bigint[]): DimColumn {
  const b = new BigInt64Array(values);
  return { kind: "i64", words: new Int32Array(b.buffer) };
}

describe("subarray ranges", () => {
  it("merges overlapping ranges and rejects low > high, wrong types", () => {
    const r = dimRanges(int32, [[5, 9], [1, 3], [8, 12], [3, 4]]);
    expect(Array.from(r.num as Float64Array)).toEqual([1, 4, 5, 12]);
    expect(() => dimRanges(int32, [[3, 1]])).toThrow(/"k": range \[3, 1\] has low > high/);
    expect(() => dimRanges(int32, [["a", "b"]])).toThrow(/"k": ranges must be numbers/);
    expect(() => dimRanges(str, [[1, 2]])).toThrow(/"s" is a string dimension/);
    expect(() => dimRanges(int64, [[1.5, 2]])).toThrow(/"d": 1.5 is not an integer/);
  });

  it("filters int64 cells exactly like a reference, for one range and for many points (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }), { minLength: 1, maxLength: 60 }),
        fc.array(fc.tuple(fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }), fc.bigInt({ min: 0n, max: 2n ** 40n })), { minLength: 1, maxLength: 8 }),
        (values, raw) => {
          const ranges = raw.map(([lo, len]) => [lo, lo + len] as [bigint, bigint]);
          const col = i64Column(values);
          const keep = new Uint8Array(values.length).fill(1);
          filterCells(col, dimRanges(int64, ranges), keep);
          const want = values.map((v) => (ranges.some(([lo, hi]) => v >= lo && v <= hi) ? 1 : 0));
          expect(Array.from(keep)).toEqual(want);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("filters with many points through the binary search, and string ranges byte-wise", () => {
    const values = Array.from({ length: 1000 }, (_, i) => BigInt(i * 3 - 1500));
    const points = Array.from({ length: 200 }, (_, i) => BigInt(i * 7 - 700));
    const keep = new Uint8Array(values.length).fill(1);
    filterCells(i64Column(values), dimRanges(int64, points.map((p) => [p, p])), keep);
    expect(Array.from(keep)).toEqual(values.map((v) => (points.includes(v) ? 1 : 0)));

    const words = ["", "a", "ab", "b", "ENSG1", "ENSG2", "z"];
    const bytes = new TextEncoder().encode(words.join(""));
    const offsets = new Float64Array(words.length + 1);
    words.forEach((w, i) => {
      offsets[i + 1] = offsets[i] + w.length;
    });
    const sk = new Uint8Array(words.length).fill(1);
    filterCells({ kind: "str", bytes, offsets }, dimRanges(str, [["a", "ab"], ["ENSG2", "ENSG2"]]), sk);
    expect(words.filter((_, i) => sk[i])).toEqual(["a", "ab", "ENSG2"]);
  });

  it("filters runs of repeated, mostly rising values (sparse matrix rows) against many ranges like a reference (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -3, max: 40 }), fc.integer({ min: 1, max: 6 })), { minLength: 1, maxLength: 80 }),
        fc.array(fc.tuple(fc.integer({ min: -2000, max: 2000 }), fc.integer({ min: 0, max: 30 })), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: -2000, max: 2000 }),
        (steps, raw, start) => {
          // values rise by small steps (sometimes fall back, as a data tile crossing into the next space tile does)
          const values: bigint[] = [];
          let v = start;
          for (const [step, repeat] of steps) {
            v += step;
            for (let k = 0; k < repeat; k++) values.push(BigInt(v));
          }
          const ranges = raw.map(([lo, len]) => [BigInt(lo), BigInt(lo + len)] as [bigint, bigint]);
          const keep = new Uint8Array(values.length).fill(1);
          keep[0] = values.length > 1 ? 0 : 1; // cells already dropped stay dropped
          const r = dimRanges(int64, ranges);
          filterCells(i64Column(values), r, keep);
          const inRanges = (x: bigint) => ranges.some(([lo, hi]) => x >= lo && x <= hi);
          expect(Array.from(keep)).toEqual(values.map((x, i) => (i === 0 && values.length > 1 ? 0 : inRanges(x) ? 1 : 0)));
          // and tile MBRs against the same ranges
          for (const [lo, hi] of [[values[0], values[values.length - 1]], [BigInt(start), BigInt(start + 25)]]) {
            const [a, b] = lo <= hi ? [lo, hi] : [hi, lo];
            const covered = [];
            for (let x = a; x <= b; x++) covered.push(inRanges(x));
            // inside: within one range after overlapping ranges merge (partial is the safe answer otherwise)
            const merged = r.num as Float64Array;
            let inOne = false;
            for (let k = 0; k < merged.length; k += 2) if (Number(a) >= merged[k] && Number(b) <= merged[k + 1]) inOne = true;
            const want = inOne ? "inside" : covered.some(Boolean) ? "partial" : "outside";
            expect(mbrRelation(r, a, b)).toBe(want);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("classifies tile MBRs as inside, outside or partly covered", () => {
    const r = dimRanges(int64, [[10n, 20n], [40n, 50n]]);
    expect(mbrRelation(r, 11n, 19n)).toBe("inside");
    expect(mbrRelation(r, 21n, 39n)).toBe("outside");
    expect(mbrRelation(r, 15n, 45n)).toBe("partial");
    expect(mbrRelation(dimRanges(str, [["b", "d"]]), "c", "cz")).toBe("inside");
    expect(mbrRelation(dimRanges(str, [["b", "d"]]), "e", "f")).toBe("outside");
  });

  it("computes Hilbert values as TileDB's 2-D curve (2 bits: the 4x4 order of hilbert.h)", () => {
    // hilbert.h draws the curve: (0,0)=0, (1,0)=1, (1,1)=2, (0,1)=3, (0,2)=4, (0,3)=5, (1,3)=6, (1,2)=7, (2,2)=8, (2,3)=9
    const order = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 2], [0, 3], [1, 3], [1, 2], [2, 2], [2, 3]];
    for (const [h, [x, y]] of order.entries()) expect(hilbertValue([BigInt(x), BigInt(y)], 2), `(${x},${y})`).toBe(BigInt(h));
  });
});

describe("bad selections give clear errors", () => {
  const X = join(fixtureRoot, "ms/RNA/X/raw");
  it("names the unknown column and the unknown dimension", async () => {
    await expect(readAll(X, { columns: ["soma_data", "nope"] })).rejects.toThrow(/no attribute or dimension named "nope" \(has soma_dim_0, soma_dim_1, soma_data\)/);
    await expect(readAll(X, { subarray: { soma_dim_9: [[0, 1]] } })).rejects.toThrow(/subarray names "soma_dim_9", which is not a dimension/);
    await expect(readAll(X, { subarray: { soma_dim_0: [[5n, 1n]] } })).rejects.toThrow(/"soma_dim_0": range \[5, 1\] has low > high/);
  });

  it("an empty selection gives an empty batch with every column", async () => {
    const b = await readAll(X, { subarray: { soma_dim_0: [[0n, 10n]] } });
    expect(b.length).toBe(0);
    expect(b.columns.map((c) => c.name)).toEqual(["soma_dim_0", "soma_dim_1", "soma_data"]);
  });
});
