/**
 * A merge of many overlapping fragments takes turns over all their files: the read windows must cover every
 * file, or each window is evicted before its next use and every tile re-reads a window. Counted through the
 * VFS: a full read of 24 interleaved fragments reads about their bytes once. And the merge decodes tiles into
 * buffers handed back after each batch: batches of a few cells (many hand-backs) give the same cells.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openArray } from "../../src/array.js";
import { Datatype } from "../../src/datatype.js";
import { readBatches } from "../../src/read/index.js";
import { vfsFor } from "../../src/vfs/index.js";
import type { VFS } from "../../src/vfs/vfs.js";
import { createArray } from "../../src/write/create-array.js";
import { writeSparse } from "../../src/write/sparse.js";
import { tempDir } from "./helpers.js";

const FRAGMENTS = 24;
const ROWS = 2400;

/** A VFS that counts the bytes read through it. */
function counting(inner: VFS): { vfs: VFS; bytes: () => number } {
  let bytes = 0;
  const vfs: VFS = Object.create(inner);
  vfs.read = async (uri, offset, length) => {
    const out = await inner.read(uri, offset, length);
    bytes += out.byteLength;
    return out;
  };
  return { vfs, bytes: () => bytes };
}

function dataBytes(uri: string): number {
  let n = 0;
  for (const f of readdirSync(join(uri, "__fragments"))) {
    for (const file of readdirSync(join(uri, "__fragments", f))) if (file !== "__fragment_metadata.tdb") n += statSync(join(uri, "__fragments", f, file)).size;
  }
  return n;
}

describe("read windows", () => {
  it("a merge of 24 interleaved fragments reads each fragment's bytes about once, and every cell in global order", async () => {
    const uri = join(tempDir("tiledb-ts-windows-").path, "x");
    await createArray(uri, {
      arrayType: "sparse",
      capacity: 64,
      dimensions: [
        { name: "soma_dim_0", type: Datatype.INT64, domain: [0n, 1_000_000n], tileExtent: 2048n },
        { name: "soma_dim_1", type: Datatype.INT64, domain: [0n, 1_000n], tileExtent: 1001n },
      ],
      attributes: [{ name: "soma_data", type: Datatype.FLOAT32 }],
    });
    // fragment f holds rows f, f + 24, f + 48, …: every fragment spans the whole array, so the merge
    // visits all of them tile by tile
    for (let f = 0; f < FRAGMENTS; f++) {
      const rows: bigint[] = [];
      const cols: bigint[] = [];
      const vals: number[] = [];
      for (let r = f; r < ROWS; r += FRAGMENTS) {
        for (let c = 0; c < 10; c++) {
          rows.push(BigInt(r));
          cols.push(BigInt(c * 7));
          vals.push(r * 10 + c);
        }
      }
      await writeSparse(uri, { soma_dim_0: BigInt64Array.from(rows), soma_dim_1: BigInt64Array.from(cols), soma_data: Float32Array.from(vals) }, { timestamp: f + 1 });
    }
    const { vfs, bytes } = counting(vfsFor(uri));
    const arr = await openArray(uri, { vfs });
    const before = bytes();
    let cells = 0;
    let prev = -1;
    for await (const b of readBatches(arr, { columns: ["soma_dim_0", "soma_data"], memoryBudget: 64 << 20 })) {
      const r = new BigInt64Array(b.columns[0].data.slice().buffer);
      const v = new Float32Array(b.columns[1].data.slice().buffer);
      for (let i = 0; i < b.length; i++) {
        expect(Number(r[i]) * 10 <= v[i] && v[i] < Number(r[i]) * 10 + 10).toBe(true);
        expect(v[i]).toBeGreaterThan(prev);
        prev = v[i];
      }
      cells += b.length;
    }
    expect(cells).toBe(ROWS * 10);
    // every data file read about once (windows of several tiles may reach past the last tile used)
    expect(bytes() - before).toBeLessThan(1.5 * dataBytes(uri));

    // a small budget: a batch every round or two, tile buffers (a quarter of the budget) reused all along
    const all = async (memoryBudget: number) => {
      const out: number[] = [];
      for await (const b of readBatches(uri, { columns: ["soma_dim_1", "soma_data"], memoryBudget })) {
        const c = new BigInt64Array(b.columns[0].data.slice().buffer);
        const v = new Float32Array(b.columns[1].data.slice().buffer);
        for (let i = 0; i < b.length; i++) out.push(v[i] * 1000 + Number(c[i]));
      }
      return out;
    };
    const whole = await all(64 << 20);
    expect(whole.length).toBe(ROWS * 10);
    expect(await all(32 << 10)).toEqual(whole);
  });
});
