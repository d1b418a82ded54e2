import { Utf8, vectorFromArray } from "apache-arrow";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assignGroups, codeColumn } from "../src/index.js";

/** Reference numbering: sort distinct key tuples by code point, number them in order. */
function naive(a: string[], b: string[]): number[] {
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  const keys = [...new Set(a.map((v, i) => JSON.stringify([v, b[i]])))]
    .map((k) => JSON.parse(k) as [string, string])
    .sort((x, y) => cmp(x[0], y[0]) || cmp(x[1], y[1]));
  const id = new Map(keys.map((k, i) => [JSON.stringify(k), i]));
  return a.map((v, i) => id.get(JSON.stringify([v, b[i]])) as number);
}

describe("group numbering", () => {
  it("sorted key tuples, for any ASCII strings", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ unit: "binary-ascii", maxLength: 3 }), fc.string({ unit: "binary-ascii", maxLength: 3 })), { minLength: 1, maxLength: 60 }),
        (rows) => {
          const a = rows.map((r) => r[0]);
          const b = rows.map((r) => r[1]);
          expect(Array.from(assignGroups({ a, b }).groupIds)).toEqual(naive(a, b));
        },
      ),
    );
  });

  it("Utf8 vectors (read from their bytes) code like the same strings, with nulls, chunks and any Unicode", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.option(fc.oneof(fc.constantFrom("T cell", "B cell", "é", "𝒳"), fc.string({ unit: "grapheme", maxLength: 4 })), { nil: null }), { maxLength: 30 }), { minLength: 1, maxLength: 4 }),
        (chunks) => {
          const flat = chunks.flat();
          const vector = chunks.map((c) => vectorFromArray(c, new Utf8())).reduce((a, b) => a.concat(b));
          const fromVector = codeColumn("x", vector);
          const fromArray = codeColumn("x", flat);
          expect(Array.from(fromVector.codes)).toEqual(Array.from(fromArray.codes));
          expect(fromVector.categories).toEqual(fromArray.categories);
          expect(Array.from(fromVector.rank)).toEqual(Array.from(fromArray.rank));
        },
      ),
    );
  });

  it("large key spaces (numbered by sorting) agree with small ones", () => {
    const n = 5000;
    const a = Array.from({ length: n }, (_, i) => `a${(i * 7919) % n}`);
    const b = Array.from({ length: n }, (_, i) => `b${(i * 104729) % n}`);
    // 5000 groups x 5000 categories exceeds the dense table, so the second column takes the sort path.
    const g = assignGroups({ a, b });
    expect(Array.from(g.groupIds)).toEqual(naive(a, b));
    expect(g.nGroups).toBe(n);
  });
});
