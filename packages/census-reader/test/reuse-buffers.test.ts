import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSparseNDArray } from "../src/index.js";
import { packageRoot, runPython, tempDir } from "./helpers/python.js";

/** `reuseBuffers` on a SparseNDArray written by tiledbsoma: the same cells, in fewer distinct buffers. */
describe("SparseNDArray reads with reuseBuffers", () => {
  const tmp = tempDir("census-reader-reuse-");
  let uri: string;
  let written: number;
  beforeAll(() => {
    uri = join(tmp.path, "X");
    written = Number(runPython(join(packageRoot, "test/python/write_sparse_nd_array.py"), [uri, "20000", "2000", "600000"]).trim());
  }, 180_000);
  afterAll(() => tmp.remove());

  const read = async (reuseBuffers: boolean) => {
    const X = await openSparseNDArray(uri);
    const cells: number[] = [];
    const buffers = new Set<ArrayBufferLike>();
    let batches = 0;
    for await (const b of X.read({ order: "unordered", memoryBudget: 1 << 20, reuseBuffers })) {
      const d0 = b.getChild("soma_dim_0")!.toArray() as BigInt64Array;
      const d1 = b.getChild("soma_dim_1")!.toArray() as BigInt64Array;
      const data = b.getChild("soma_data")!.toArray() as Float32Array;
      buffers.add(data.buffer);
      batches++;
      // copied before the next batch is asked for, as the option requires
      for (let i = 0; i < data.length; i++) cells.push(Number(d0[i]) * 2000 + Number(d1[i]), data[i]);
    }
    return { cells, batches, buffers: buffers.size };
  };

  it("returns the cells a read without it returns, decoding later batches into earlier batches' memory", async () => {
    const fresh = await read(false);
    const reused = await read(true);
    expect(fresh.cells.length).toBe(2 * written);
    expect(fresh.batches).toBeGreaterThan(3);
    expect(reused.cells).toEqual(fresh.cells);
    expect(fresh.buffers).toBe(fresh.batches);
    expect(reused.buffers).toBeLessThan(reused.batches);
  });
});
