/**
 * Arrays written by Python tiledbsoma in several unsorted, overlapping appends (as ingestion writes them),
 * with and without duplicates, and consolidated: every read (full, scattered points, many small ranges,
 * ranges on both dimensions; several memory budgets) returns what libtiledb returns. Without duplicates the
 * later appends' rewrites must win.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type ReadBatch, readBatches, type Subarray } from "../../src/read/index.js";
import { pythonScript, runPython, tempDir } from "./helpers.js";

interface Cells {
  d0: BigInt64Array;
  d1: BigInt64Array;
  data: Float32Array;
}

let dir = "";
let queries: Record<string, { d0?: Array<[number, number]>; d1?: Array<[number, number]> }> = {};

function expected(array: string, query: string): Cells {
  const load = (k: string) => readFileSync(join(dir, `${array}.${query}.${k}.bin`));
  const buf = (k: string) => {
    const b = load(k);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  };
  return { d0: new BigInt64Array(buf("d0")), d1: new BigInt64Array(buf("d1")), data: new Float32Array(buf("data")) };
}

async function ours(array: string, subarray: Subarray, order: "global" | "unordered", memoryBudget: number): Promise<Cells> {
  const d0: bigint[] = [];
  const d1: bigint[] = [];
  const data: number[] = [];
  const take = (b: ReadBatch) => {
    const [c0, c1, cv] = b.columns;
    d0.push(...new BigInt64Array(c0.data.slice().buffer));
    d1.push(...new BigInt64Array(c1.data.slice().buffer));
    data.push(...new Float32Array(cv.data.slice().buffer));
  };
  for await (const b of readBatches(join(dir, array), { columns: ["soma_dim_0", "soma_dim_1", "soma_data"], subarray, order, memoryBudget })) take(b);
  return { d0: BigInt64Array.from(d0), d1: BigInt64Array.from(d1), data: Float32Array.from(data) };
}

/** Cells sorted by (d0, d1, value): the order libtiledb gives several ranges (row-major), and a multiset key. */
function rowMajor(c: Cells): Cells {
  const idx = [...c.d0.keys()].sort((a, b) => (c.d0[a] !== c.d0[b] ? (c.d0[a] < c.d0[b] ? -1 : 1) : c.d1[a] !== c.d1[b] ? (c.d1[a] < c.d1[b] ? -1 : 1) : c.data[a] - c.data[b]));
  return { d0: BigInt64Array.from(idx, (i) => c.d0[i]), d1: BigInt64Array.from(idx, (i) => c.d1[i]), data: Float32Array.from(idx, (i) => c.data[i]) };
}

function subarrayOf(q: { d0?: Array<[number, number]>; d1?: Array<[number, number]> }): Subarray {
  const s: Subarray = {};
  if (q.d0) s.soma_dim_0 = q.d0.map(([a, b]) => [BigInt(a), BigInt(b)] as [bigint, bigint]);
  if (q.d1) s.soma_dim_1 = q.d1.map(([a, b]) => [BigInt(a), BigInt(b)] as [bigint, bigint]);
  return s;
}

describe("arrays written by tiledbsoma in overlapping appends", () => {
  beforeAll(() => {
    dir = tempDir("tiledb-ts-appends-").path;
    runPython(pythonScript("write_appends.py"), [dir], { timeout: 600_000 });
    queries = JSON.parse(readFileSync(join(dir, "queries.json"), "utf8"));
  }, 600_000);

  for (const array of ["nodup", "dup", "consolidated"]) {
    it(`${array}: full reads in global order equal libtiledb's, at several memory budgets`, async () => {
      const want = expected(array, "full");
      expect(want.d0.length).toBeGreaterThan(10_000);
      for (const budget of [1 << 30, 16 << 10]) {
        const got = await ours(array, {}, "global", budget);
        if (array === "dup") {
          // duplicates may come in any order among themselves; the cells are the same
          expect(rowMajor(got)).toEqual(rowMajor(want));
        } else expect(got).toEqual(want);
        const unordered = await ours(array, {}, "unordered", budget);
        expect(rowMajor(unordered)).toEqual(rowMajor(want));
      }
    });

    it(`${array}: scattered points, many small ranges and ranges on both dimensions equal libtiledb's`, async () => {
      for (const q of ["points", "ranges", "both"]) {
        const want = expected(array, q);
        expect(want.d0.length).toBeGreaterThan(100);
        for (const order of ["global", "unordered"] as const) {
          const got = await ours(array, subarrayOf(queries[q]), order, 32 << 10);
          expect(rowMajor(got)).toEqual(rowMajor(want));
        }
      }
    });
  }

  it("without duplicates the newest append's value wins where appends overlap", async () => {
    const full = expected("nodup", "full");
    const dup = expected("dup", "full");
    // the rewrites exist (dup keeps both versions) and nodup holds one cell per coordinate
    expect(dup.d0.length).toBeGreaterThan(full.d0.length);
    const seen = new Set<string>();
    for (let i = 0; i < full.d0.length; i++) seen.add(`${full.d0[i]},${full.d1[i]}`);
    expect(seen.size).toBe(full.d0.length);
  });
});
