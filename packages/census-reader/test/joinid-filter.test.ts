import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { coarsenRanges } from "../src/query/joinid-filter.js";
import { joinidsToRanges } from "../src/soma/coords.js";

describe("coarsenRanges", () => {
  it("returns at most the limit, covers every original range, and merges only across the smallest gaps", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 2000 }), { maxLength: 300 }), fc.integer({ min: 1, max: 50 }), (ids, limit) => {
        const exact = joinidsToRanges(ids);
        const coarse = coarsenRanges(exact, limit);
        expect(coarse.length).toBeLessThanOrEqual(Math.max(limit, 0) || exact.length);
        if (exact.length <= limit) expect(coarse).toEqual(exact);
        for (const [a, b] of exact) expect(coarse.some(([c, d]) => c <= a && b <= d)).toBe(true);
        for (let i = 1; i < coarse.length; i++) expect(coarse[i][0]).toBeGreaterThan(coarse[i - 1][1] + 1n);
      }),
    );
  });
});
