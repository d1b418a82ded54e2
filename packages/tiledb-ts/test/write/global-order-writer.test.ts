/**
 * GlobalOrderWriter: one fragment from many chunks of cells already in global order (chunk sizes unrelated to
 * the tile capacity). Python `tiledb` reads it as one fragment with exactly the cells a single writeSparse
 * gives; out-of-order chunks (within or across chunks) and duplicates the array forbids are refused, and
 * nothing becomes visible unless close() commits.
 */
import { readdirSync, readFileSync, rmSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Datatype } from "../../src/datatype.js";
import { FilterType } from "../../src/filters/filter.js";
import { VAR_NUM } from "../../src/schema.js";
import { toColumn } from "../../src/write/columns.js";
import { createArray } from "../../src/write/create-array.js";
import { vfsFor } from "../../src/vfs/index.js";
import { concatFragmentContents, type FragmentContent } from "../../src/write/fragment-builder.js";
import { commitFragmentPieces, storeFragmentPiece } from "../../src/write/fragment-pieces.js";
import { commitFragment } from "../../src/write/fragment-writer.js";
import { GlobalOrderWriter } from "../../src/write/global-order-writer.js";
import { writeSparse } from "../../src/write/sparse.js";
import { openArray } from "../../src/array.js";
import { readAll } from "../../src/read/index.js";
import { encodeColumn } from "../read/helpers.js";
import { pythonView, rng, tempDir } from "./helpers.js";

const dir = tempDir("tiledb-ts-gow-").path;
let seq = 0;

/** An estimators-like array: ascii feature_id (dictionary + zstd) x uint32 group, float32 values; capacity 7. */
async function makeArray(allowsDuplicates = true): Promise<string> {
  const uri = join(dir, `a${seq++}`);
  await createArray(uri, {
    arrayType: "sparse",
    capacity: 7,
    allowsDuplicates,
    dimensions: [
      { name: "feature_id", type: Datatype.STRING_ASCII, filters: [{ type: FilterType.DICTIONARY, options: {} }, { type: FilterType.ZSTD, options: { level: 3 } }] },
      { name: "g", type: Datatype.UINT32, domain: [0, 99], tileExtent: 100 },
    ],
    attributes: [{ name: "v", type: Datatype.FLOAT32, filters: [{ type: FilterType.BYTESHUFFLE, options: {} }, { type: FilterType.ZSTD, options: { level: 3 } }] }],
  });
  return uri;
}

/** Sorted cells: 30 features x some groups each. */
function sortedCells() {
  const f: string[] = [];
  const g: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < 30; i++) {
    for (let k = 0; k < 100; k += 1 + ((i * 7 + k) % 9)) {
      f.push(`ENSG${String(i).padStart(11, "0")}`);
      g.push(k);
      v.push(i + k / 128);
    }
  }
  return { f, g, v };
}

const chunk = (c: ReturnType<typeof sortedCells>, a: number, b: number) => ({
  feature_id: c.f.slice(a, b),
  g: Uint32Array.from(c.g.slice(a, b)),
  v: Float32Array.from(c.v.slice(a, b)),
});

/** Python tiledb sees one fragment holding exactly the cells one writeSparse of them gives. */
async function expectOneFragmentLikeOneWrite(uri: string, c: ReturnType<typeof sortedCells>): Promise<void> {
  const one = await makeArray();
  await writeSparse(one, chunk(c, 0, c.f.length));
  const py = pythonView({ arrays: [uri, one] }).arrays;
  expect(py[uri].error).toBeUndefined();
  expect(py[uri].fragments).toBe(1);
  expect(py[uri].cells).toEqual(py[one].cells);
  expect(py[uri].nonempty_domain).toEqual(py[one].nonempty_domain);
  expect((py[uri].cells.feature_id as string[]).length).toBe(c.f.length);
}

describe("GlobalOrderWriter", () => {
  it("writes one fragment from uneven chunks, read by Python tiledb like one writeSparse", async () => {
    const c = sortedCells();
    const n = c.f.length;
    const uri = await makeArray();
    const w = await GlobalOrderWriter.open(uri);
    const cuts = [0, 1, 8, 9, 30, 31, 77, 140, n];
    for (let k = 1; k < cuts.length; k++) w.append(chunk(c, cuts[k - 1], cuts[k]));
    expect(readdirSync(join(uri, "__fragments"))).toEqual([]); // nothing visible before close
    await w.close();
    await expectOneFragmentLikeOneWrite(uri, c);
  });

  it("gives the same cells and tiles for any chunking (chunks ending exactly on, before and after tile ends)", async () => {
    const c = sortedCells();
    const n = c.f.length;
    const one = await makeArray();
    await writeSparse(one, chunk(c, 0, n));
    const expected = await readAll(await openArray(one));
    const rand = rng(5);
    const patterns = [[1, 6, 3], [7, 7, 7], [6, 1, 13, 1], [2, 5, 7, 14, 1, 6], Array.from({ length: 40 }, () => 1 + Math.floor(rand() * 20))];
    for (const sizes of patterns) {
      const uri = await makeArray();
      const w = await GlobalOrderWriter.open(uri);
      let at = 0;
      for (let k = 0; at < n; k++) {
        const next = Math.min(n, at + sizes[k % sizes.length]);
        w.append(chunk(c, at, next));
        at = next;
      }
      const frag = await w.close();
      const arr = await openArray(uri);
      expect(arr.fragments).toHaveLength(1);
      expect(frag.name).toBeTruthy();
      const got = await readAll(arr);
      got.columns.forEach((col, i) => {
        expect(encodeColumn(col), `${col.name} for chunks ${sizes}`).toEqual(encodeColumn(expected.columns[i]));
      });
    }
  });

  it("gives every tile the MBR of its cells (the leading string dimension from its first and last cell)", async () => {
    const c = sortedCells();
    const uri = await makeArray();
    const w = await GlobalOrderWriter.open(uri);
    w.append(chunk(c, 0, 100));
    w.append(chunk(c, 100, c.f.length));
    await w.close();
    const [frag] = (await openArray(uri)).fragments;
    const mbrs = (await frag.metadata()).mbrs;
    expect(mbrs).toHaveLength(Math.ceil(c.f.length / 7));
    mbrs.forEach(([fr, gr], t) => {
      const f = c.f.slice(t * 7, t * 7 + 7).sort();
      const g = c.g.slice(t * 7, t * 7 + 7);
      expect(fr).toEqual([f[0], f[f.length - 1]]);
      expect(gr.map(Number)).toEqual([Math.min(...g), Math.max(...g)]);
    });
  });

  it("refuses cells out of order, within a chunk or across chunks, and commits nothing", async () => {
    const c = sortedCells();
    const uri = await makeArray();
    const w = await GlobalOrderWriter.open(uri);
    w.append(chunk(c, 0, 20));
    expect(() => w.append(chunk(c, 10, 30))).toThrow(/not in global order: \(feature_id="ENSG\d+", g=\d+\) comes after \(feature_id="ENSG\d+", g=\d+\)/);
    const swapped = chunk(c, 40, 50);
    swapped.feature_id.reverse();
    const w2 = await GlobalOrderWriter.open(uri);
    expect(() => w2.append(swapped)).toThrow(/not in global order/);
    expect(readdirSync(join(uri, "__fragments"))).toEqual([]);
  });

  it("refuses duplicates where the array forbids them, accepts them where allowed", async () => {
    const c = sortedCells();
    const strict = await makeArray(false);
    const w = await GlobalOrderWriter.open(strict);
    w.append(chunk(c, 0, 5));
    expect(() => w.append(chunk(c, 4, 9))).toThrow(/duplicate coordinates/);
    const loose = await makeArray(true);
    const w2 = await GlobalOrderWriter.open(loose);
    w2.append(chunk(c, 0, 5));
    w2.append(chunk(c, 4, 9));
    await w2.close();
    expect(pythonView({ arrays: [loose] }).arrays[loose].cells.feature_id).toHaveLength(10);
  });

  it("pieces built apart join into one fragment (concatFragmentContents), read like one writeSparse", async () => {
    const c = sortedCells();
    const n = c.f.length;
    const uri = await makeArray();
    const cut = 7 * 9; // a piece may only end on a full tile
    const pieces: FragmentContent[] = [];
    for (const [a, b] of [[0, cut], [cut, 2 * cut], [2 * cut, n]]) {
      const w = await GlobalOrderWriter.open(uri);
      w.append(chunk(c, a, b));
      pieces.push(w.content());
    }
    await commitFragment(uri, (await openArray(uri)).schema, concatFragmentContents(pieces, 7, "test"), { vfs: vfsFor(uri), timestamp: Date.now() });
    await expectOneFragmentLikeOneWrite(uri, c);
    const w = await GlobalOrderWriter.open(uri);
    w.append(chunk(c, 0, 10));
    const partial = w.content();
    expect(() => concatFragmentContents([partial, pieces[1]], 7, "test")).toThrow(/piece 0 holds 10 cells in 2 tiles; every piece but the last must hold full tiles of 7/);
  });

  it("takes a string dimension as dictionary codes: the same fragment as from its strings, read by Python tiledb", async () => {
    const c = sortedCells();
    const n = c.f.length;
    const ascending = [...new Set(c.f)].sort();
    const shuffled = [...ascending].reverse(); // not ascending: expanded to bytes up front, same result
    const coded = (dict: string[], a: number, b: number) => {
      const { g, v } = chunk(c, a, b);
      return { feature_id: { codes: Uint32Array.from(c.f.slice(a, b), (f) => dict.indexOf(f)), dictionary: dict }, g, v };
    };
    const cuts = [0, 3, 7, 20, 21, 90, n];
    const build = async (cells: (a: number, b: number) => Record<string, unknown>) => {
      const w = await GlobalOrderWriter.open(await makeArray());
      for (let k = 1; k < cuts.length; k++) w.append(cells(cuts[k - 1], cuts[k]) as never);
      return w.content();
    };
    // only an ascending dictionary keeps the cells as codes
    const field = { name: "feature_id", type: Datatype.STRING_ASCII, cellValNum: VAR_NUM, nullable: false, kind: "dimension" };
    expect(toColumn(field, coded(ascending, 0, n).feature_id).codes).toHaveLength(n);
    expect(toColumn(field, coded(shuffled, 0, n).feature_id).codes).toBeUndefined();
    const fromStrings = await build((a, b) => chunk(c, a, b));
    expect(await build((a, b) => coded(ascending, a, b))).toEqual(fromStrings);
    expect(await build((a, b) => coded(shuffled, a, b))).toEqual(fromStrings);
    // committed, it reads in Python like one writeSparse of the strings
    const uri = await makeArray();
    const w = await GlobalOrderWriter.open(uri);
    w.append(coded(ascending, 0, 50));
    w.append(coded(ascending, 50, n));
    await w.close();
    await expectOneFragmentLikeOneWrite(uri, c);
    // unsorted coded cells through writeSparse: sorted by code (the rank of each string)
    const perm = Array.from({ length: n }, (_, i) => (i * 37) % n);
    const one = await makeArray();
    await writeSparse(one, {
      feature_id: { codes: Uint32Array.from(perm, (i) => ascending.indexOf(c.f[i])), dictionary: ascending },
      g: Uint32Array.from(perm, (i) => c.g[i]),
      v: Float32Array.from(perm, (i) => c.v[i]),
    });
    expect(pythonView({ arrays: [one] }).arrays[one].cells).toEqual(pythonView({ arrays: [uri] }).arrays[uri].cells);
  });

  it("refuses codes outside their dictionary and out-of-order codes, naming the dimension", async () => {
    const w = await GlobalOrderWriter.open(await makeArray());
    const g = Uint32Array.of(0, 1);
    const v = Float32Array.of(1, 2);
    expect(() => w.append({ feature_id: { codes: Uint32Array.of(0, 2), dictionary: ["A", "B"] }, g, v })).toThrow(/dimension "feature_id" \(string_ascii\): code 1 \(2\) is not an index into the dictionary of 2 values/);
    expect(() => w.append({ feature_id: { codes: Uint32Array.of(1, 0), dictionary: ["A", "B"] }, g, v })).toThrow(/not in global order: \(feature_id="A", g=1\) comes after \(feature_id="B", g=0\)/);
  });

  it("pieces stored apart (storeFragmentPiece) commit as the fragment their joined content gives, file for file", async () => {
    const c = sortedCells();
    const n = c.f.length;
    const cut = 7 * 9;
    const ranges = [[0, cut], [cut, 2 * cut], [2 * cut, n]];
    const contents: FragmentContent[] = [];
    const stored: string[] = [];
    for (const [k, [a, b]] of ranges.entries()) {
      const w = await GlobalOrderWriter.open(await makeArray());
      w.append(chunk(c, a, b));
      const content = w.content();
      contents.push(content);
      stored.push(join(dir, `piece-${seq}-${k}`));
      await storeFragmentPiece(stored[k], content, vfsFor(dir));
    }
    const joined = await makeArray();
    const schema = (await openArray(joined)).schema;
    const a = await commitFragment(joined, schema, concatFragmentContents(contents, 7, "test"), { vfs: vfsFor(joined), timestamp: 5 });
    const piecesUri = await makeArray();
    const b = await commitFragmentPieces(piecesUri, (await openArray(piecesUri)).schema, stored, { vfs: vfsFor(piecesUri), timestamp: 5 });
    const files = readdirSync(a.uri).sort();
    expect(readdirSync(b.uri).sort()).toEqual(files);
    // the metadata names the array's schema; the data files must be identical
    for (const f of files.filter((x) => x !== "__fragment_metadata.tdb")) expect(readFileSync(join(b.uri, f)).equals(readFileSync(join(a.uri, f))), f).toBe(true);
    await expectOneFragmentLikeOneWrite(piecesUri, c);
  });

  it("refuses stored pieces whose files are missing or cut short, naming the file, and commits nothing", async () => {
    const c = sortedCells();
    const w = await GlobalOrderWriter.open(await makeArray());
    w.append(chunk(c, 0, 20));
    const piece = join(dir, `piece-bad-${seq}`);
    await storeFragmentPiece(piece, w.content(), vfsFor(dir));
    const uri = await makeArray();
    const schema = (await openArray(uri)).schema;
    truncateSync(join(piece, "0.fixed"), 10);
    await expect(commitFragmentPieces(uri, schema, [piece], { vfs: vfsFor(uri) })).rejects.toThrow(/fragment piece file .*piece-bad-\d+\/0\.fixed: 10 bytes, its description says \d+/);
    rmSync(join(piece, "0.fixed"));
    await expect(commitFragmentPieces(uri, schema, [piece], { vfs: vfsFor(uri) })).rejects.toThrow(/piece-bad-\d+\/0\.fixed: missing/);
    expect(readdirSync(join(uri, "__fragments"))).toEqual([]);
  });

  it("refuses to commit an empty fragment or to write after close", async () => {
    const uri = await makeArray();
    const w = await GlobalOrderWriter.open(uri);
    await expect(w.close()).rejects.toThrow(/no cells to write/);
    expect(() => w.append(chunk(sortedCells(), 0, 3))).toThrow(/closed/);
  });
});
