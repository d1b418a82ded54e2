/**
 * Dimension types and orders: string (ascii) dimensions such as `feature_id`, float, negative and > 2^53 int64
 * coordinates, col-major orders, datetime dimensions — written unordered by tiledb-ts and returned by Python
 * `tiledb` in global order exactly as the order we compute here. And streaming: SparseWriter keeps to its memory
 * budget by writing several fragments, all visible in both libraries.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Datatype } from "../../src/datatype.js";
import { readAll } from "../../src/read/index.js";
import { createArray } from "../../src/write/create-array.js";
import { writeDense } from "../../src/write/dense.js";
import { SparseWriter, writeSparse } from "../../src/write/sparse.js";
import { encodeColumn } from "../read/helpers.js";
import { type PyArray, pythonScript, pythonView, rng, runPython, tempDir } from "./helpers.js";

const dir = tempDir("tiledb-ts-dims-").path;
const r = rng(99);
const shuffle = <T>(a: T[]): T[] => {
  for (let k = a.length - 1; k > 0; k--) {
    const j = Math.floor(r() * (k + 1));
    [a[k], a[j]] = [a[j], a[k]];
  }
  return a;
};
const cmp = (a: string | number | bigint, b: string | number | bigint) => (a < b ? -1 : a > b ? 1 : 0);
const bytesCmp = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

interface Case {
  uri: string;
  /** Expected columns in global order. */
  expected: Record<string, string[]>;
}
const cases: Record<string, Case> = {};
let py: Record<string, PyArray>;

beforeAll(async () => {
  // feature_id (ascii, no tile extent) x k (int32, tile 2): global order = tile of k, then feature_id, then k.
  {
    const uri = join(dir, "string_dim");
    await createArray(uri, {
      arrayType: "sparse",
      capacity: 7,
      dimensions: [
        { name: "feature_id", type: Datatype.STRING_ASCII },
        { name: "k", type: Datatype.INT32, domain: [0, 9], tileExtent: 2 },
      ],
      attributes: [{ name: "v", type: Datatype.INT64 }],
    });
    const rows: Array<[string, number, bigint]> = [];
    const ids = ["ENSG00000002330", "ENSG00000000419", "", "a", "ab", "b", "ENSG00000000419x", "Z"];
    let n = 0n;
    for (const id of ids) for (const k of [0, 3, 4, 9]) rows.push([id, k, n++]);
    shuffle(rows);
    await writeSparse(uri, { feature_id: rows.map((x) => x[0]), k: rows.map((x) => x[1]), v: BigInt64Array.from(rows.map((x) => x[2])) });
    const sorted = [...rows].sort((a, b) => Math.floor(a[1] / 2) - Math.floor(b[1] / 2) || bytesCmp(a[0], b[0]) || a[1] - b[1]);
    cases.string_dim = { uri, expected: { feature_id: sorted.map((x) => x[0]), k: sorted.map((x) => String(x[1])), v: sorted.map((x) => String(x[2])) } };
  }
  // float64 with negative coordinates
  {
    const uri = join(dir, "float_dim");
    await createArray(uri, {
      arrayType: "sparse",
      capacity: 5,
      dimensions: [{ name: "x", type: Datatype.FLOAT64, domain: [-100, 100], tileExtent: 10 }],
      attributes: [{ name: "v", type: Datatype.INT32 }],
    });
    const xs = shuffle(Array.from({ length: 40 }, (_, i) => Math.round((i - 20) * 4.9 * 1000) / 1000));
    await writeSparse(uri, { x: Float64Array.from(xs), v: Int32Array.from(xs.map((x) => Math.round(x * 10))) });
    const sorted = [...xs].sort((a, b) => a - b);
    cases.float_dim = { uri, expected: { x: sorted.map((x) => x as unknown as string), v: sorted.map((x) => String(Math.round(x * 10))) } };
  }
  // int64 beyond 2^53 and negative
  {
    const uri = join(dir, "int64_big");
    const lo = -(1n << 62n);
    const hi = 1n << 62n;
    await createArray(uri, {
      arrayType: "sparse",
      capacity: 4,
      dimensions: [{ name: "x", type: Datatype.INT64, domain: [lo, hi], tileExtent: 1n << 40n }],
      attributes: [{ name: "v", type: Datatype.UINT8 }],
    });
    const xs = shuffle([-(1n << 60n) - 3n, -(1n << 60n) - 1n, -5n, 0n, 7n, (1n << 53n) + 1n, (1n << 53n) + 2n, (1n << 60n) + 1n, 1n << 61n]);
    await writeSparse(uri, { x: BigInt64Array.from(xs), v: Uint8Array.from(xs.map((_, i) => i)) });
    const order = xs.map((x, i) => [x, i] as const).sort((a, b) => cmp(a[0], b[0]));
    cases.int64_big = { uri, expected: { x: order.map(([x]) => String(x)), v: order.map(([, i]) => String(i)) } };
  }
  // col-major tile and cell order, datetime x uint8
  {
    const uri = join(dir, "colmajor");
    await createArray(uri, {
      arrayType: "sparse",
      capacity: 6,
      cellOrder: "col-major",
      tileOrder: "col-major",
      dimensions: [
        { name: "t", type: Datatype.DATETIME_MS, domain: [0n, 1000000n], tileExtent: 1000n },
        { name: "u", type: Datatype.UINT8, domain: [0, 200], tileExtent: 50 },
      ],
      attributes: [{ name: "s", type: Datatype.STRING_UTF8, nullable: true }],
    });
    const cells: Array<[bigint, number, string | null]> = [];
    const seen = new Set<string>();
    while (cells.length < 60) {
      const t = BigInt(Math.floor(r() * 5000));
      const u = Math.floor(r() * 200);
      if (seen.has(`${t},${u}`)) continue;
      seen.add(`${t},${u}`);
      cells.push([t, u, r() < 0.2 ? null : `s${cells.length}`]);
    }
    await writeSparse(uri, { t: BigInt64Array.from(cells.map((c) => c[0])), u: Uint8Array.from(cells.map((c) => c[1])), s: cells.map((c) => c[2]) });
    const key = (c: [bigint, number, string | null]) => [Math.floor(c[1] / 50), Number(c[0] / 1000n), c[1], Number(c[0])];
    const sorted = [...cells].sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] - kb[i];
      return 0;
    });
    cases.colmajor = { uri, expected: { t: sorted.map((c) => String(c[0])), u: sorted.map((c) => String(c[1])), s: sorted.map((c) => c[2]) as string[] } };
  }
  // streaming: 10 batches of 1000 cells, a budget of ~2.5 batches
  {
    const uri = join(dir, "streamed");
    await createArray(uri, {
      arrayType: "sparse",
      capacity: 300,
      dimensions: [
        { name: "soma_dim_0", type: Datatype.INT64, domain: [0n, 1n << 40n], tileExtent: 2048n },
        { name: "soma_dim_1", type: Datatype.INT64, domain: [0n, 1n << 40n], tileExtent: 2048n },
      ],
      attributes: [{ name: "soma_data", type: Datatype.FLOAT32 }],
    });
    const w = new SparseWriter(uri, { memoryBudget: 50_000 });
    const all: Array<[number, number, number]> = [];
    for (let b = 0; b < 10; b++) {
      const rows = shuffle(Array.from({ length: 1000 }, (_, i) => b * 1000 + i));
      const cells = rows.map((k) => [Math.floor(k / 10), (k % 10) * 7, k] as [number, number, number]);
      all.push(...cells);
      await w.write({
        soma_dim_0: BigInt64Array.from(cells.map((c) => BigInt(c[0]))),
        soma_dim_1: BigInt64Array.from(cells.map((c) => BigInt(c[1]))),
        soma_data: Float32Array.from(cells.map((c) => c[2])),
      });
    }
    const frags = await w.close();
    expect(frags.length).toBe(4);
    all.sort((a, b) => Math.floor(a[1] / 2048) - Math.floor(b[1] / 2048) || a[0] - b[0] || a[1] - b[1]);
    cases.streamed = { uri, expected: { soma_dim_0: all.map((c) => String(c[0])), soma_dim_1: all.map((c) => String(c[1])), soma_data: all.map((c) => c[2] as unknown as string) } };
  }
  py = pythonView({ arrays: Object.values(cases).map((c) => c.uri) }).arrays;
}, 120_000);

describe("dimension types and orders", () => {
  for (const name of ["string_dim", "float_dim", "int64_big", "colmajor"]) {
    it(`${name}: Python tiledb returns our global order; tiledb-ts reads it back`, async () => {
      const c = cases[name];
      const got = py[c.uri];
      expect(got.error, got.error).toBeUndefined();
      for (const [k, v] of Object.entries(c.expected)) expect(got.cells[k], `column ${k}`).toEqual(v);
      const batch = await readAll(c.uri);
      for (const col of batch.columns) expect(encodeColumn(col), `tiledb-ts column ${col.name}`).toEqual(c.expected[col.name]);
    });
  }
});

describe("streaming within a memory budget", () => {
  it("several fragments, all cells visible in both libraries", async () => {
    const c = cases.streamed;
    const got = py[c.uri];
    expect(got.error, got.error).toBeUndefined();
    expect(got.fragments).toBe(4);
    // Fragments overlap in space, so the global order interleaves them.
    for (const [k, v] of Object.entries(c.expected)) expect(got.cells[k], `column ${k}`).toEqual(v);
    const batch = await readAll(c.uri);
    expect(batch.length).toBe(10000);
  });
});

describe("dense writes with fill values", () => {
  it("cells never written read as the fill value in Python tiledb and tiledb-ts alike", async () => {
    const uri = join(dir, "dense_fill");
    await createArray(uri, {
      arrayType: "dense",
      dimensions: [{ name: "d", type: Datatype.UINT64, domain: [0n, 99n], tileExtent: 16n }],
      attributes: [
        { name: "s", type: Datatype.STRING_UTF8, nullable: true },
        { name: "f", type: Datatype.FLOAT32, fillValue: -7.5 },
        { name: "i", type: Datatype.INT32 },
      ],
    });
    await writeDense(uri, { subarray: [[5n, 40n]], cells: { s: Array.from({ length: 36 }, (_, k) => (k % 4 ? `v${k}` : null)), f: Float32Array.from({ length: 36 }, (_, k) => k / 2), i: Int32Array.from({ length: 36 }, (_, k) => k * 3) } }, { timestamp: 10 });
    await writeDense(uri, { subarray: [[30n, 60n]], cells: { s: Array.from({ length: 31 }, (_, k) => `w${k}`), f: new Float32Array(31).fill(1), i: new Int32Array(31).fill(-1) } }, { timestamp: 20 });
    const got = pythonView({ arrays: [uri] }).arrays[uri];
    expect(got.error, got.error).toBeUndefined();
    expect(got.nonempty_domain).toEqual([["5", "60"]]);
    const f = got.cells.f as number[];
    const i = got.cells.i as string[];
    const s = got.cells.s as Array<string | null>;
    expect(f.length).toBe(100);
    for (let d = 0; d < 100; d++) {
      if (d < 5 || d > 60) {
        expect([f[d], i[d], s[d]], `cell ${d}`).toEqual([-7.5, String(-(2 ** 31)), null]);
      } else if (d >= 30) {
        expect([f[d], i[d], s[d]], `cell ${d}`).toEqual([1, "-1", `w${d - 30}`]);
      } else {
        const k = d - 5;
        expect([f[d], i[d], s[d]], `cell ${d}`).toEqual([k / 2, String(k * 3), k % 4 ? `v${k}` : null]);
      }
    }
    const batch = await readAll(uri);
    for (const col of batch.columns) expect(encodeColumn(col), `tiledb-ts column ${col.name}`).toEqual(got.cells[col.name]);
  });
});

describe("writes in quick succession", () => {
  it("the later of two overlapping writes wins, even within one millisecond", async () => {
    const uri = join(dir, "quick_writes");
    await createArray(uri, { arrayType: "sparse", dimensions: [{ name: "d", type: Datatype.INT32, domain: [0, 99] }], attributes: [{ name: "v", type: Datatype.INT32 }] });
    for (let k = 0; k < 10; k++) await writeSparse(uri, { d: Int32Array.of(1, 2, k + 3), v: Int32Array.of(k, k, k) });
    const got = pythonView({ arrays: [uri] }).arrays[uri];
    expect(got.error, got.error).toBeUndefined();
    expect(got.cells.d.slice(0, 2)).toEqual(["1", "2"]);
    expect(got.cells.v.slice(0, 2)).toEqual(["9", "9"]);
    const batch = await readAll(uri);
    expect(encodeColumn(batch.columns[1]).slice(0, 2)).toEqual(["9", "9"]);
  });
});

describe("hilbert cell order", () => {
  for (const kind of ["int64", "string"] as const) {
    it(`${kind} dimensions: the same cells in the same global order as Python tiledb writes them`, async () => {
      const ours = join(dir, `hilbert_${kind}`);
      const theirs = join(dir, `hilbert_${kind}_python`);
      const n = 60;
      const cells: Record<string, Array<number | string>> = { v: Array.from({ length: n }, (_, i) => i) };
      const seen = new Set<string>();
      const a: Array<number | string> = [];
      const b: number[] = [];
      while (a.length < n) {
        const x = kind === "int64" ? Math.floor(r() * 1001) : ["ENSG0001", "ENSG0002", "a", "b", "zz", "TP53", "ENSG0001x"][Math.floor(r() * 7)];
        const y = Math.floor(r() * (kind === "int64" ? 1001 : 100));
        if (seen.has(`${x}/${y}`)) continue;
        seen.add(`${x}/${y}`);
        a.push(x);
        b.push(y);
      }
      const [da, db] = kind === "int64" ? ["a", "b"] : ["s", "k"];
      cells[da] = a;
      cells[db] = b;
      await createArray(ours, {
        arrayType: "sparse",
        capacity: 8,
        cellOrder: "hilbert",
        dimensions:
          kind === "int64"
            ? [
                { name: "a", type: Datatype.INT64, domain: [0n, 1000n], tileExtent: 100n },
                { name: "b", type: Datatype.INT64, domain: [0n, 1000n], tileExtent: 100n },
              ]
            : [
                { name: "s", type: Datatype.STRING_ASCII },
                { name: "k", type: Datatype.INT32, domain: [0, 99], tileExtent: 10 },
              ],
        attributes: [{ name: "v", type: Datatype.INT32 }],
      });
      await writeSparse(ours, {
        [da]: kind === "int64" ? BigInt64Array.from(a.map((x) => BigInt(x))) : (a as string[]),
        [db]: kind === "int64" ? BigInt64Array.from(b.map((x) => BigInt(x))) : Int32Array.from(b),
        v: Int32Array.from(cells.v as number[]),
      });
      const json = join(dir, `hilbert_${kind}.json`);
      writeFileSync(json, JSON.stringify(cells));
      runPython(pythonScript("write_hilbert_reference.py"), [kind, theirs, json]);
      const view = pythonView({ arrays: [ours, theirs] }).arrays;
      expect(view[ours].error, view[ours].error).toBeUndefined();
      // Same global order (fragments store cells in it) ...
      expect(view[ours].cells).toEqual(view[theirs].cells);
      // ... and tiledb-ts reads its own array in that order too.
      const batch = await readAll(ours);
      for (const col of batch.columns) expect(encodeColumn(col), `tiledb-ts column ${col.name}`).toEqual(view[theirs].cells[col.name]);
    });
  }
});
