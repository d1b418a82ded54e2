import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { batchSizing } from "../src/build-batches.js";
import type { BuildOptions } from "../src/options.js";
import { planBatches } from "../src/plan.js";

function sample(groups: number[], gaps: number[]) {
  const joinids = new Float64Array(groups.length);
  let j = 0;
  groups.forEach((_, i) => {
    j += 1 + (gaps[i % gaps.length] ?? 0);
    joinids[i] = j;
  });
  return { joinids, groupOfCell: Uint32Array.from(groups) };
}

describe("planBatches", () => {
  it("keeps every group whole and closes batches past the minimum size where groups stop interleaving", () => {
    // groups: 0 0 1 1 1 2 0 3 3 — group 2 starts inside group 0's stretch, so it joins the first batch
    const { joinids, groupOfCell } = sample([0, 0, 1, 1, 1, 2, 0, 3, 3], [0]);
    const batches = planBatches(joinids, groupOfCell, 4, { minBatchCells: 4, maxBatchCells: 100 });
    expect(batches.map((b) => Array.from(b.groups))).toEqual([[0, 1, 2], [3]]);
    expect(Array.from(batches[0].cells)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(batches[0].ranges).toEqual([[1, 7]]);
    expect(batches[1].ranges).toEqual([[8, 9]]);
  });

  it("closes interleaved batches at four times the minimum or two batches per worker, whichever is larger", () => {
    // four groups interleaved cell by cell over 40 cells: no clean boundary
    const { joinids, groupOfCell } = sample(Array.from({ length: 40 }, (_, i) => i % 4), [0]);
    const sizes = (minBatchCells: number, workers?: number) =>
      planBatches(joinids, groupOfCell, 4, { minBatchCells, maxBatchCells: 100, workers }).map((b) => b.cells.length);
    // many workers: four times the minimum (8 cells) closes each batch after its first group
    expect(sizes(2, 10)).toEqual([10, 10, 10, 10]);
    // one worker (the default): half of the cells per batch, as each batch decodes the whole interleaved stretch
    expect(sizes(2)).toEqual([20, 20]);
    expect(sizes(2, 1)).toEqual([20, 20]);
    // below four times the minimum they stay together
    expect(sizes(20, 10)).toEqual([40]);
  });

  it("rejects unsorted joinids and out-of-range groups", () => {
    expect(() => planBatches(Float64Array.of(2, 1), Uint32Array.of(0, 0), 1, { minBatchCells: 1, maxBatchCells: 1 })).toThrow(/ascending/);
    expect(() => planBatches(Float64Array.of(1), Uint32Array.of(5), 2, { minBatchCells: 1, maxBatchCells: 1 })).toThrow(/group 5/);
  });

  it("partitions cells exactly, with ranges that hold only the batch's own cells", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }).chain((nGroups) =>
          fc.tuple(
            fc.constant(nGroups),
            fc.array(fc.integer({ min: 0, max: nGroups - 1 }), { minLength: 0, maxLength: 300 }),
            fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 10 }),
            fc.integer({ min: 1, max: 40 }),
            fc.integer({ min: 0, max: 60 }),
            fc.integer({ min: 1, max: 5 }),
          ),
        ),
        ([nGroups, groups, gaps, min, extra, maxGroups]) => {
          const { joinids, groupOfCell } = sample(groups, gaps);
          const max = min + extra;
          const batches = planBatches(joinids, groupOfCell, nGroups, { minBatchCells: min, maxBatchCells: max, maxBatchGroups: maxGroups });
          const seenGroup = new Map<number, number>();
          let total = 0;
          for (const b of batches) {
            total += b.cells.length;
            for (const g of b.groups) {
              expect(seenGroup.has(g)).toBe(false);
              seenGroup.set(g, b.id);
            }
            if (b.groups.length > 1) expect(b.cells.length).toBeLessThanOrEqual(max);
            if (b.groups.length > 1) expect(b.groups.length).toBeLessThanOrEqual(maxGroups);
            for (const i of b.cells) expect(seenGroup.get(groupOfCell[i])).toBe(b.id);
          }
          expect(total).toBe(joinids.length);
          expect(seenGroup.size).toBe(new Set(groups).size);
          // A range never covers another batch's cell.
          joinids.forEach((j, i) => {
            const owner = seenGroup.get(groupOfCell[i])!;
            for (const b of batches) {
              if (b.id === owner) continue;
              for (const [lo, hi] of b.ranges) expect(j >= lo && j <= hi).toBe(false);
            }
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("batchSizing", () => {
  it("follows from the flags, the features and the cells only, not from what this process holds at the moment", () => {
    const opts = { memoryBudget: 3 * 2 ** 30, maxWorkers: 2 } as BuildOptions;
    const before = batchSizing(opts, 60_000, 800_000);
    const held = Buffer.alloc(512 * 2 ** 20, 1); // this process grows by half a GiB
    expect(batchSizing(opts, 60_000, 800_000)).toEqual(before);
    expect(held.at(-1)).toBe(1);
    // more cells to hold leave less to the workers
    expect(batchSizing(opts, 60_000, 4_000_000).maxGroupsPerBatch).toBeLessThan(before.maxGroupsPerBatch);
  });
});
