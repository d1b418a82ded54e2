/**
 * Single-bit flips in the coordinate files (d0, d1) of the demo experiment's X, which has no checksum filters:
 * each flip must either be reported as corruption (E_CORRUPT naming the flipped file) or leave the read X
 * unchanged, except flips that turn a coordinate into another one inside its tile's MBR and still in global
 * order, which nothing but a checksum could tell apart: those are counted, and checked to be such.
 */
import { copyFileSync, cpSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TileDBError } from "../../src/errors.js";
import { type ReadBatch, readAll } from "../../src/read/index.js";
import { xorshift32 } from "@census-cube/test-support";
import { repoRoot, tempDir } from "./helpers.js";

const DEMO_X = join(repoRoot, "apps/cube-builder/demo/experiment/ms/RNA/X/raw");
const FLIPS = 100;

function cells(b: ReadBatch): { d0: BigInt64Array; d1: BigInt64Array; data: Uint8Array } {
  return {
    d0: new BigInt64Array(b.columns[0].data.slice().buffer),
    d1: new BigInt64Array(b.columns[1].data.slice().buffer),
    data: b.columns[2].data,
  };
}

describe("bit flips in X coordinates", () => {
  it(`${FLIPS} random single-bit flips in d0/d1 are reported as corruption or leave X unchanged`, async () => {
    const dir = tempDir("tiledb-ts-bitflip-").path;
    const uri = join(dir, "raw");
    cpSync(DEMO_X, uri, { recursive: true });
    const frag = join(uri, "__fragments", readdirSync(join(uri, "__fragments"))[0]);
    const columns = ["soma_dim_0", "soma_dim_1", "soma_data"];
    const original = await readAll(uri, { columns });
    const want = cells(original);
    const files = ["d0.tdb", "d1.tdb"].map((f) => join(frag, f));
    const pristine = files.map((f) => readFileSync(f));
    const next = xorshift32(22); // the flips are the same on every run
    const counts = { corrupt: 0, unchanged: 0, undetectable: 0 };
    const codes = new Map<string, number>();
    for (let k = 0; k < FLIPS; k++) {
      const which = next() < 0.5 ? 0 : 1;
      const bytes = Buffer.from(pristine[which]);
      const bit = Math.floor(next() * bytes.length * 8);
      bytes[bit >> 3] ^= 1 << (bit & 7);
      writeFileSync(files[which], bytes);
      let got: ReadBatch | null = null;
      try {
        got = await readAll(uri, { columns });
      } catch (err) {
        expect(err, `flip ${k} (${files[which]} bit ${bit})`).toBeInstanceOf(TileDBError);
        const e = err as TileDBError;
        codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
        expect(e.code, `flip ${k}: ${e.message}`).toBe("E_CORRUPT");
        expect(e.message, `flip ${k}`).toContain(files[which]);
        counts.corrupt++;
      }
      if (got !== null) {
        const c = cells(got);
        const same = got.length === original.length && c.d0.every((v, i) => v === want.d0[i]) && c.d1.every((v, i) => v === want.d1[i]) && Buffer.compare(Buffer.from(c.data), Buffer.from(want.data)) === 0;
        if (same) counts.unchanged++;
        else {
          // a coordinate moved to another valid place: same cell count, still row-major inside 2048 x 2048 tiles
          expect(got.length, `flip ${k}`).toBe(original.length);
          const d0 = Float64Array.from(c.d0, Number);
          const d1 = Float64Array.from(c.d1, Number);
          const key = (i: number) => [Math.floor(d0[i] / 2048), Math.floor(d1[i] / 2048), d0[i], d1[i]];
          for (let i = 1; i < got.length; i++) {
            const a = key(i - 1);
            const b = key(i);
            const j = a.findIndex((x, n) => x !== b[n]);
            if (!(j < 0 || a[j] < b[j])) expect.fail(`flip ${k}: cells ${i - 1}, ${i} out of order`);
          }
          counts.undetectable++;
        }
      }
      copyFileSync(join(DEMO_X, "__fragments", readdirSync(join(DEMO_X, "__fragments"))[0], which === 0 ? "d0.tdb" : "d1.tdb"), files[which]);
    }
    console.log(`bit flips: ${JSON.stringify(counts)}; error codes ${JSON.stringify(Object.fromEntries(codes))}`);
    expect(counts.corrupt + counts.unchanged + counts.undetectable).toBe(FLIPS);
    // most flips land in compressed coordinates: decoding or the MBR/order checks must catch them
    expect(counts.corrupt).toBeGreaterThan(FLIPS / 2);
  }, 300_000);
});
