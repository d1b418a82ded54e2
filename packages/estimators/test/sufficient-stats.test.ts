import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CubeRows,
  DEFAULT_PENDING_VALUES,
  EstimatorsError,
  mergeSufficientStats,
  type SufficientStats,
  SufficientStatsAccumulator,
  toCubeRows,
} from "../src/index.js";

interface Data {
  nFeatures: number;
  cellGroup: Int32Array;
  sizeFactor: Float64Array;
  /** Stored values of each cell: [gene, value] with distinct genes. */
  cells: [number, number][][];
}

const data: fc.Arbitrary<Data> = fc
  .record({ nFeatures: fc.integer({ min: 1, max: 12 }), nCells: fc.integer({ min: 1, max: 40 }), nGroups: fc.integer({ min: 1, max: 5 }) })
  .chain(({ nFeatures, nCells, nGroups }) =>
    fc.record({
      nFeatures: fc.constant(nFeatures),
      cellGroup: fc.array(fc.integer({ min: -1, max: nGroups - 1 }), { minLength: nCells, maxLength: nCells }).map((a) => Int32Array.from(a)),
      sizeFactor: fc.array(fc.integer({ min: 1, max: 1000 }).map((x) => x / 64), { minLength: nCells, maxLength: nCells }).map((a) => Float64Array.from(a)),
      cells: fc.array(
        fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: nFeatures - 1 }), fc.integer({ min: 1, max: 5000 })), {
          selector: (t) => t[0],
          maxLength: nFeatures,
        }),
        { minLength: nCells, maxLength: nCells },
      ),
    }),
  );

/** Feed the given cells (in the given order), one batch per `batchSize` stored values. */
function stats(d: Data, cellIds: number[], batchSize = 7, order?: "group" | "feature", pendingValues?: number): SufficientStats {
  return filled(d, cellIds, batchSize, pendingValues).take(undefined, { order });
}

/**
 * An accumulator fed the cells' values `batchSize` at a time. `pendingValues: 1` gives the smallest buffer of held
 * values (4 chunks): values are then added to the rows mid-batch and mid-cell whenever a fifth group comes.
 */
function filled(d: Data, cellIds: number[], batchSize = 7, pendingValues?: number): SufficientStatsAccumulator {
  const acc = new SufficientStatsAccumulator({ nFeatures: d.nFeatures, cellGroup: d.cellGroup, cellSizeFactor: d.sizeFactor, pendingValues });
  const cells: number[] = [];
  const genes: number[] = [];
  const values: number[] = [];
  for (const c of cellIds) {
    for (const [g, v] of d.cells[c]) {
      cells.push(c);
      genes.push(g);
      values.push(v);
    }
  }
  for (let s = 0; s < cells.length; s += batchSize) {
    acc.add(
      Uint32Array.from(cells.slice(s, s + batchSize)),
      Int32Array.from(genes.slice(s, s + batchSize)),
      Float32Array.from(values.slice(s, s + batchSize)),
    );
  }
  return acc;
}

/** Typed arrays as plain arrays, for deep equality. */
const asArrays = (_: string, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v);
const plain = (s: SufficientStats) => JSON.parse(JSON.stringify({ g: s.groups, p: s.pairs }, asArrays));
const plainRows = (r: CubeRows) => JSON.parse(JSON.stringify(r, asArrays));

describe("sufficient statistics are mergeable", () => {
  it("merge(stats(A), stats(B)) equals stats(A ∪ B) for any split of the cells", () => {
    fc.assert(
      fc.property(data, fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }), fc.integer({ min: 1, max: 20 }), (d, side, batch) => {
        const all = d.cells.map((_, i) => i);
        const a = all.filter((i) => side[i]);
        const b = all.filter((i) => !side[i]);
        const whole = stats(d, all, batch);
        const merged = mergeSufficientStats([stats(d, a, batch), stats(d, b, 3)]);
        // Integer counts and size factors on a 1/64 grid: sums are exact in any order.
        expect(plain(merged)).toEqual(plain(whole));
        expect(plain(mergeSufficientStats([stats(d, b), stats(d, a)]))).toEqual(plain(whole));
      }),
      { numRuns: 200 },
    );
  });

  it('take({ order: "feature" }) emits the same pairs and totals, by (gene, group)', () => {
    fc.assert(
      fc.property(data, (d) => {
        const all = d.cells.map((_, i) => i);
        const byGroup = stats(d, all);
        const byGene = stats(d, all, 5, "feature");
        expect(plain({ ...byGene, pairs: byGroup.pairs })).toEqual(plain(byGroup));
        const p = byGene.pairs;
        for (let i = 1; i < p.feature.length; i++) {
          expect(p.feature[i] > p.feature[i - 1] || (p.feature[i] === p.feature[i - 1] && p.obsGroup[i] > p.obsGroup[i - 1])).toBe(true);
        }
        // the same pairs, each with the same values
        const key = (q: SufficientStats["pairs"], i: number) => `${q.obsGroup[i]}/${q.feature[i]}:${q.sum[i]},${q.sumsq[i]},${q.nnz[i]}`;
        const set = (q: SufficientStats["pairs"]) => Array.from(q.feature, (_, i) => key(q, i)).sort();
        expect(set(p)).toEqual(set(byGroup.pairs));
        // and leaves the rows zeroed for the next groups
        // (cells n.. repeat cells 0..n-1: a cell is counted once in an accumulator's life)
        const n = d.cells.length;
        const twice = (a: Int32Array | Float64Array) => [...a, ...a];
        const acc = new SufficientStatsAccumulator({ nFeatures: d.nFeatures, cellGroup: Int32Array.from(twice(d.cellGroup)), cellSizeFactor: Float64Array.from(twice(d.sizeFactor)) });
        const feed = (offset: number) => {
          for (const [i, c] of d.cells.entries()) acc.add(Uint32Array.from(c, () => i + offset), Uint32Array.from(c, (t) => t[0]), Float32Array.from(c, (t) => t[1]));
        };
        feed(0);
        acc.take(undefined, { order: "feature" });
        feed(n);
        expect(plain(acc.take())).toEqual(plain(byGroup));
      }),
      { numRuns: 200 },
    );
  });

  it("adds each pair's values in arrival order, whatever the groups' interleaving (the same float sums)", () => {
    fc.assert(
      fc.property(
        data,
        // Magnitudes 2^53 apart: adding 1 to 2^53 is lost, adding it to 1 first is not.
        fc.array(fc.constantFrom(2 ** 53, 2 ** 52, 1, 3, 0.5, 1.5), { minLength: 400, maxLength: 400 }),
        fc.integer({ min: 1, max: 30 }),
        (d, noise, batch) => {
          // Values whose sums depend on their order: only arrival order per pair gives these sums.
          let k = 0;
          const real = d.cells.map((c) => c.map(([g]): [number, number] => [g, noise[k++ % noise.length]]));
          const rd = { ...d, cells: real };
          const sum = new Map<string, number>();
          const sumsq = new Map<string, number>();
          for (const [c, vals] of real.entries()) {
            const g = d.cellGroup[c];
            if (g < 0) continue;
            for (const [gene, v] of vals) {
              const key = `${g}/${gene}`;
              sum.set(key, (sum.get(key) ?? 0) + v);
              sumsq.set(key, (sumsq.get(key) ?? 0) + v * v);
            }
          }
          // held back whole, or added to the rows whenever the smallest buffer runs out of chunks
          for (const pendingValues of [undefined, 1]) {
            const got = stats(rd, real.map((_, i) => i), batch, undefined, pendingValues).pairs;
            expect(got.feature.length).toBe(sum.size);
            for (let i = 0; i < got.feature.length; i++) {
              const key = `${got.obsGroup[i]}/${got.feature[i]}`;
              expect(got.sum[i]).toBe(sum.get(key));
              expect(got.sumsq[i]).toBe(sumsq.get(key));
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("values held back in a buffer far smaller than the batch (cells straddling its chunks) equal many small adds", () => {
    // 150 cells of 1,500 values each in 7 groups: 225,000 values in one add; the smallest buffer holds 4 chunks of
    // 2,048 values, so it is added to the rows mid-cell, and whenever a fifth group comes
    const nFeatures = 3000;
    const nCells = 150;
    const d: Data = {
      nFeatures,
      cellGroup: Int32Array.from({ length: nCells }, (_, c) => (c % 11 === 10 ? -1 : c % 7)),
      sizeFactor: Float64Array.from({ length: nCells }, (_, c) => 1 + c / 64),
      cells: Array.from({ length: nCells }, (_, c) => Array.from({ length: 1500 }, (_, j): [number, number] => [(j * 2 + c) % nFeatures, 1 + ((c * 31 + j) % 97) / 4])),
    };
    const all = Array.from({ length: nCells }, (_, c) => c);
    expect(plain(stats(d, all, 1_000_000, undefined, 1))).toEqual(plain(stats(d, all, 7)));
    expect(plain(stats(d, all, 1_000_000))).toEqual(plain(stats(d, all, 7)));
    expect(stats(d, all, 1_000_000).pairs.feature.length).toBeGreaterThan(0);
  });

  it('take({ order: "feature" }) over genes in several read-ahead blocks emits every pair once, by (gene, group)', () => {
    // 40,000 genes in 3 groups: emission reads the rows ahead in blocks of ~7,300 genes
    const nFeatures = 40_000;
    const nCells = 30;
    const d: Data = {
      nFeatures,
      cellGroup: Int32Array.from({ length: nCells }, (_, c) => c % 3),
      sizeFactor: Float64Array.from({ length: nCells }, () => 1),
      cells: Array.from({ length: nCells }, (_, c) => {
        const genes = [...new Set(Array.from({ length: 700 }, (_, t) => (c * 7919 + t * 104_729) % nFeatures))].sort((a, b) => a - b);
        return genes.map((g): [number, number] => [g, 1 + ((g + c) % 9)]);
      }),
    };
    const all = Array.from({ length: nCells }, (_, c) => c);
    const byGene = stats(d, all, 1000, "feature").pairs;
    const byGroup = stats(d, all, 1000).pairs;
    expect(byGene.feature.length).toBe(byGroup.feature.length);
    const rows = (q: SufficientStats["pairs"]) => Array.from(q.feature, (g, i) => [g, q.obsGroup[i], q.sum[i], q.sumsq[i], q.nnz[i]]);
    const got = rows(byGene);
    for (let i = 1; i < got.length; i++) expect(got[i][0] > got[i - 1][0] || (got[i][0] === got[i - 1][0] && got[i][1] > got[i - 1][1])).toBe(true);
    expect(got.slice().sort((a, b) => a[1] - b[1] || a[0] - b[0])).toEqual(rows(byGroup));
    expect(new Set(got.map((r) => r[0])).size).toBeGreaterThan(15_000);
  });

  it("float64 values after float32 ones are held as float64 (counts float32 cannot hold are summed exactly)", () => {
    const acc = new SufficientStatsAccumulator({ nFeatures: 2, cellGroup: Int32Array.of(0, 0), cellSizeFactor: Float64Array.of(1, 1) });
    acc.add(Uint32Array.of(0), Uint32Array.of(1), Float32Array.of(3));
    acc.add(Uint32Array.of(1), Uint32Array.of(1), Float64Array.of(2 ** 24 + 1));
    const { pairs } = acc.take();
    expect(Array.from(pairs.sum)).toEqual([2 ** 24 + 4]);
    expect(Array.from(pairs.sumsq)).toEqual([9 + (2 ** 24 + 1) ** 2]);
  });

  it("take and toCubeRows with reuse write into an earlier result's arrays and give the same values", () => {
    fc.assert(
      fc.property(data, data, (a, b) => {
        const first = stats(a, a.cells.map((_, i) => i), 5, "feature");
        const firstRows = toCubeRows(first);
        const firstValues = plain(first); // first's arrays are overwritten below
        const accB = new SufficientStatsAccumulator({ nFeatures: b.nFeatures, cellGroup: b.cellGroup, cellSizeFactor: b.sizeFactor });
        const cells: number[] = [];
        const genes: number[] = [];
        const values: number[] = [];
        b.cells.forEach((vals, c) => {
          for (const [g, v] of vals) {
            cells.push(c);
            genes.push(g);
            values.push(v);
          }
        });
        accB.add(Uint32Array.from(cells), Uint32Array.from(genes), Float32Array.from(values));
        const reused = accB.take(undefined, { order: "feature", reuse: first });
        const expected = stats(b, b.cells.map((_, i) => i), 5, "feature");
        expect(plain(reused)).toEqual(plain(expected));
        expect(plainRows(toCubeRows(reused, firstRows))).toEqual(plainRows(toCubeRows(expected)));
        // the same data again needs the same room: the arrays are the earlier ones
        const again = stats(a, a.cells.map((_, i) => i), 5, "feature");
        const accA = new SufficientStatsAccumulator({ nFeatures: a.nFeatures, cellGroup: a.cellGroup, cellSizeFactor: a.sizeFactor });
        a.cells.forEach((vals, c) => {
          accA.add(Uint32Array.from(vals, () => c), Uint32Array.from(vals, ([g]) => g), Float32Array.from(vals, ([, v]) => v));
        });
        const into = accA.take(undefined, { order: "feature", reuse: again });
        expect(plain(into)).toEqual(firstValues);
        if (first.pairs.sum.length > 0) {
          expect(into.pairs.sum.buffer).toBe(again.pairs.sum.buffer);
          expect(toCubeRows(into, firstRows).sum.buffer).toBe(firstRows.sum.buffer);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("takeCubeRows equals toCubeRows(take()) for any groups and order, and writes into earlier rows' arrays", () => {
    fc.assert(
      fc.property(data, fc.constantFrom<"group" | "feature">("group", "feature"), fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 4 }), (d, order, some) => {
        const all = d.cells.map((_, i) => i);
        const [viaPairs, direct] = [filled(d, all), filled(d, all)];
        // a subset of the groups first, then the rest
        expect(plainRows(direct.takeCubeRows(some, { order }))).toEqual(plainRows(toCubeRows(viaPairs.take(some, { order }))));
        const rest = direct.takeCubeRows(undefined, { order });
        const expected = plainRows(toCubeRows(viaPairs.take(undefined, { order })));
        expect(plainRows(rest)).toEqual(expected);
        expect(direct.openGroups()).toEqual([]);
        // the same groups again need the same room: the rows are written into the earlier arrays
        const again = filled(d, all);
        again.takeCubeRows(some, { order });
        const into = again.takeCubeRows(undefined, { order, reuse: rest });
        expect(plainRows(into)).toEqual(expected);
        if (into.sum.length > 0) expect(into.nObs.buffer).toBe(rest.nObs.buffer);
      }),
      { numRuns: 300 },
    );
  });

  it("recycle: a new accumulator reuses the zeroed rows of one whose groups were all taken, never of one with open groups", () => {
    fc.assert(
      fc.property(data, data, (d1, d2) => {
        const all = (d: Data) => d.cells.map((_, i) => i);
        const feed = (acc: SufficientStatsAccumulator, d: Data) => {
          for (const [i, c] of d.cells.entries()) acc.add(Uint32Array.from(c, () => i), Uint32Array.from(c, (t) => t[0]), Float32Array.from(c, (t) => t[1]));
        };
        const options = (d: Data) => ({ nFeatures: d.nFeatures, cellGroup: d.cellGroup, cellSizeFactor: d.sizeFactor, initialGroups: 1 });
        const first = new SufficientStatsAccumulator(options(d1));
        feed(first, d1);
        const open = first.openGroups().length;
        const firstBytes = first.memory().bytes;
        // With its groups still open, `first` keeps its rows and its figures.
        const beside = new SufficientStatsAccumulator({ ...options(d2), recycle: first });
        feed(beside, d2);
        expect(plain(beside.take())).toEqual(plain(stats(d2, all(d2))));
        expect(plain(first.take())).toEqual(plain(stats(d1, all(d1))));
        // Once taken, its rows move to the next accumulator over as many genes, which computes the same.
        const next = new SufficientStatsAccumulator({ ...options(d2), recycle: first });
        if (d2.nFeatures === d1.nFeatures && open > 0) {
          const countedBytes = (d: Data) => Math.ceil(d.cellGroup.length / 32) * 4;
          expect(next.memory().bytes).toBe(firstBytes - countedBytes(d1) + countedBytes(d2));
        }
        feed(next, d2);
        expect(plain(next.take())).toEqual(plain(stats(d2, all(d2))));
      }),
      { numRuns: 200 },
    );
  });

  it("emits only pairs with a stored value, and counts each cell once", () => {
    const acc = new SufficientStatsAccumulator({
      nFeatures: 4,
      cellGroup: Int32Array.from([0, 0, 1, -1]),
      cellSizeFactor: Float64Array.from([0.5, 1.5, 2, 9]),
      initialGroups: 1,
    });
    acc.add(Float64Array.from([0, 0]), Uint32Array.from([1, 3]), Float32Array.from([2, 3]));
    acc.add(Float64Array.from([0, 2, 3]), Uint32Array.from([2, 1, 1]), Float32Array.from([4, 5, 6]));
    expect(acc.memory().openGroups).toBe(2);
    const g0 = acc.take([0]);
    expect(Array.from(g0.groups.nObs)).toEqual([1]); // cell 1 has no stored value
    expect(Array.from(g0.groups.sizeFactor)).toEqual([0.5]);
    expect(Array.from(g0.pairs.feature)).toEqual([1, 2, 3]);
    expect(Array.from(g0.pairs.sumsq)).toEqual([4, 16, 9]);
    expect(acc.openGroups()).toEqual([1]);
    const rows = toCubeRows(acc.take());
    expect(Array.from(rows.obsGroup)).toEqual([1]);
    expect(Array.from(rows.sum)).toEqual([5]);
    expect(Array.from(rows.nObs)).toEqual([1]);
    expect(acc.memory().maxOpenGroups).toBe(2);
    // two rows of 4 genes, one word of counted-cell bits, the pending buffer (uint16 genes, float32 values)
    expect(acc.memory().bytes).toBe(2 * 4 * 24 + 4 + DEFAULT_PENDING_VALUES * 6);
  });

  it("rejects bad input with a clear error", () => {
    const make = () =>
      new SufficientStatsAccumulator({ nFeatures: 3, cellGroup: Int32Array.from([0, 1]), cellSizeFactor: Float64Array.from([1, 1]) });
    const code = (fn: () => void) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(EstimatorsError);
        return { code: (e as EstimatorsError).code, message: (e as Error).message };
      }
      throw new Error("expected an error");
    };
    expect(code(() => make().add(Uint32Array.of(0, 1), Uint32Array.of(0), Float32Array.of(1, 2))).code).toBe("E_LENGTH_MISMATCH");
    const neg = code(() => make().add(Uint32Array.of(0, 1), Uint32Array.of(0, 2), Float32Array.of(1, -2)));
    expect(neg.code).toBe("E_INVALID_COUNT");
    expect(neg.message).toContain("values[1]");
    expect(code(() => make().add(Uint32Array.of(1), Uint32Array.of(0), Float32Array.of(Number.NaN))).code).toBe("E_INVALID_COUNT");
    expect(code(() => make().add(Uint32Array.of(5), Uint32Array.of(0), Float32Array.of(1))).code).toBe("E_INDEX_OUT_OF_RANGE");
    expect(code(() => make().add(Uint32Array.of(0), Uint32Array.of(3), Float32Array.of(1))).code).toBe("E_INDEX_OUT_OF_RANGE");
    expect(code(() => make().add(BigInt64Array.of(2n ** 40n), Uint32Array.of(0), Float32Array.of(1))).code).toBe("E_INDEX_OUT_OF_RANGE");
    // 64-bit indices whose low words look valid: a high word set is still refused, by the add's own passes
    const wideGene = code(() => make().add(BigInt64Array.of(0n, 1n), BigInt64Array.of(0n, 2n ** 32n + 1n), Float32Array.of(1, 1)));
    expect([wideGene.code, wideGene.message]).toEqual(["E_INDEX_OUT_OF_RANGE", `genes[1] is ${2n ** 32n + 1n}: must be in [0, 3)`]);
    const wideCell = code(() => make().add(BigInt64Array.of(0n, 2n ** 32n), BigInt64Array.of(0n, 1n), Float32Array.of(1, 1)));
    expect(wideCell.code).toBe("E_INDEX_OUT_OF_RANGE");
    expect(wideCell.message).toContain(`cells[1] is ${2n ** 32n}`);
    expect(code(() => make().add(BigInt64Array.of(-1n), BigInt64Array.of(0n), Float32Array.of(1))).code).toBe("E_INDEX_OUT_OF_RANGE");
    expect(
      code(() => new SufficientStatsAccumulator({ nFeatures: 3, cellGroup: Int32Array.of(0), cellSizeFactor: Float64Array.of(1, 2) })).code,
    ).toBe("E_LENGTH_MISMATCH");
  });
});
