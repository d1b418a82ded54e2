/**
 * `reuseBuffers`: a caller that is done with each batch before asking for the next lets the read decode later
 * tiles into the buffers of earlier batches. The cells are the same as a read without it, and the batches'
 * buffers really are recycled (a handful of distinct buffers over dozens of batches).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Datatype } from "../../src/datatype.js";
import { readBatches } from "../../src/read/index.js";
import { createArray } from "../../src/write/create-array.js";
import { writeSparse } from "../../src/write/sparse.js";
import { tempDir } from "./helpers.js";

const CAPACITY = 4096;
const TILES = 40;

async function makeArray(allowsDuplicates: boolean, fragments: number): Promise<string> {
  const uri = join(tempDir("tiledb-ts-reuse-").path, "x");
  await createArray(uri, {
    arrayType: "sparse",
    capacity: CAPACITY,
    allowsDuplicates,
    dimensions: [
      { name: "soma_dim_0", type: Datatype.INT64, domain: [0n, 1_000_000n], tileExtent: 2048n },
      { name: "soma_dim_1", type: Datatype.INT64, domain: [0n, 1_000n], tileExtent: 1001n },
    ],
    attributes: [{ name: "soma_data", type: Datatype.FLOAT32 }],
  });
  const cells = (CAPACITY * TILES) / fragments;
  for (let f = 0; f < fragments; f++) {
    // fragments take turns over the rows (a merge), each later one rewriting a few cells of the earlier ones
    const rows = new BigInt64Array(cells);
    const cols = new BigInt64Array(cells);
    const vals = new Float32Array(cells);
    for (let i = 0; i < cells; i++) {
      rows[i] = BigInt(Math.floor(i / 8) * fragments + (i % 5 === 0 ? 0 : f));
      cols[i] = BigInt(i % 8);
      vals[i] = f * 1e6 + i;
    }
    await writeSparse(uri, { soma_dim_0: rows, soma_dim_1: cols, soma_data: vals }, { timestamp: f + 1 });
  }
  return uri;
}

/** Every cell as "row col value", and the distinct value buffers the batches came in. */
async function read(uri: string, reuseBuffers: boolean, memoryBudget: number, subarray?: Record<string, Array<[bigint, bigint]>>) {
  const cells: string[] = [];
  const buffers = new Set<ArrayBuffer>();
  let batches = 0;
  for await (const b of readBatches(uri, { columns: ["soma_dim_0", "soma_dim_1", "soma_data"], memoryBudget, reuseBuffers, subarray })) {
    batches++;
    buffers.add(b.columns[2].data.buffer as ArrayBuffer);
    const r = new BigInt64Array(b.columns[0].data.slice().buffer);
    const c = new BigInt64Array(b.columns[1].data.slice().buffer);
    const v = new Float32Array(b.columns[2].data.slice().buffer);
    for (let i = 0; i < b.length; i++) cells.push(`${r[i]} ${c[i]} ${v[i]}`);
  }
  return { cells, buffers: buffers.size, batches };
}

describe("reuseBuffers", () => {
  it("one fragment: the same cells, one-tile batches in a few recycled buffers", async () => {
    const uri = await makeArray(true, 1);
    // a budget under two tiles: every batch is one whole tile, handed over without a copy
    const budget = CAPACITY * 20;
    const plain = await read(uri, false, budget);
    const reused = await read(uri, true, budget);
    expect(plain.cells.length).toBe(CAPACITY * TILES);
    expect(reused.cells).toEqual(plain.cells);
    expect(plain.batches).toBe(TILES);
    expect(plain.buffers).toBe(TILES);
    expect(reused.buffers).toBeLessThanOrEqual(4);
    // partial tiles (cells copied out) and large budgets give the same cells too
    const sub = { soma_dim_0: [[100n, 9_000n], [20_000n, 20_010n]] as Array<[bigint, bigint]> };
    expect((await read(uri, true, budget, sub)).cells).toEqual((await read(uri, false, budget, sub)).cells);
    expect((await read(uri, true, 64 << 20)).cells).toEqual(plain.cells);
  });

  it("merged fragments without duplicates: the same cells with and without reuse", async () => {
    const uri = await makeArray(false, 4);
    for (const budget of [CAPACITY * 20, 64 << 20]) {
      const plain = await read(uri, false, budget);
      expect(plain.cells.length).toBeGreaterThan(CAPACITY * 8);
      expect((await read(uri, true, budget)).cells).toEqual(plain.cells);
    }
  });
});
