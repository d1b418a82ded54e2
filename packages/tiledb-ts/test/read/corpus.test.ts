/**
 * Conformance: Python `tiledb` writes the corpus (test/python/read_corpus.py) and records what it reads;
 * tiledb-ts must read the same values, cell for cell.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { openArray } from "../../src/array.js";
import { readArrow } from "../../src/arrow.js";
import { Datatype, datatypeSize } from "../../src/datatype.js";
import { concatBatches, type ReadBatch, readAll, readBatches, type Subarray } from "../../src/read/index.js";
import { VAR_NUM } from "../../src/schema.js";
import { encodeColumn, pythonScript, runPython, sortedRows, tempDir } from "./helpers.js";

interface Query {
  order?: "G" | "U";
  timestamp?: number;
  ranges?: string[][][];
  result: Record<string, unknown[]>;
}
interface Entry {
  name: string;
  sparse: boolean;
  allowsDuplicates: boolean;
  dims: string[];
  attrs: string[];
  queries: Query[];
  enumerations?: Record<string, string[]>;
}

const dir = tempDir("tiledb-ts-corpus-").path;
let corpus: Entry[] = [];

beforeAll(() => {
  runPython(pythonScript("read_corpus.py"), [dir]);
  corpus = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")).arrays;
}, 240_000);

// The corpus array names are fixed by the generator; listing them here makes each its own test.
const NAMES = [
  "none", "zstd", "gzip", "lz4", "bzip2", "rle", "bitwidth", "posdelta", "delta", "doubledelta", "byteshuffle", "bitshuffle",
  "xor", "dictionary", "md5", "sha256", "floatscale", "byteshuffle_zstd", "delta_zstd", "bitwidth_gzip_md5", "dict_zstd",
].flatMap((f) => [`${f}_sparse`, `${f}_dense`]).concat([
  "dims_string_int32", "dims_float64", "dims_datetime_uint8_colmajor", "dims_int64_hilbert", "dims_hilbert_string_float", "census_x", "dense_1d_var_nullable",
  "enumeration_sparse", "versions_consolidated", "schema_evolution",
]);


async function subarrayOf(uri: string, ranges: string[][][]): Promise<Subarray> {
  const arr = await openArray(uri);
  const out: Subarray = {};
  arr.schema.dimensions.forEach((d, i) => {
    const r = ranges[i];
    if (!r) return;
    const conv = (s: string) => {
      if (d.cellValNum === VAR_NUM) return s;
      if (d.type === Datatype.FLOAT32 || d.type === Datatype.FLOAT64) return Number(s);
      return datatypeSize(d.type) === 8 ? BigInt(s) : Number(s);
    };
    out[d.name] = r.map(([lo, hi]) => [conv(lo), conv(hi)] as [string | number | bigint, string | number | bigint]);
  });
  return out;
}

describe("conformance corpus (Python tiledb writes, tiledb-ts reads)", () => {
  it("covers every array the generator wrote", () => {
    expect(corpus.map((e) => e.name).sort()).toEqual([...NAMES].sort());
  });

  it("batches stay within the memory budget and join up to the full read (scan and merge paths)", async () => {
    for (const [name, capacity] of [["census_x", 1000], ["zstd_sparse", 16], ["dims_string_int32", 8], ["zstd_dense", 30]] as const) {
      const uri = join(dir, name);
      const full = await readAll(uri);
      const tileBytes = full.columns.reduce((s, c) => s + c.data.byteLength, 0) / full.length * capacity;
      const batches: ReadBatch[] = [];
      // a budget of about two tiles: a batch may not hold much more than that
      for await (const b of readBatches(uri, { memoryBudget: 2 * tileBytes })) batches.push(b);
      expect(batches.length, name).toBeGreaterThan(1);
      for (const b of batches) expect(b.length, name).toBeLessThanOrEqual(4 * capacity);
      const joined = concatBatches(batches, batches[0].columns);
      expect(joined.length).toBe(full.length);
      for (let c = 0; c < full.columns.length; c++) expect(encodeColumn(joined.columns[c]), `${name} ${full.columns[c].name}`).toEqual(encodeColumn(full.columns[c]));
    }
  });

  it("Arrow batches: dictionary vectors with the enumeration's labels, validity bitmaps, faithful types", async () => {
    const entry = corpus.find((e) => e.name === "enumeration_sparse") as Entry;
    const labels = entry.enumerations?.cell_type as string[];
    const codes = entry.queries[0].result.cell_type as string[];
    for await (const rb of readArrow(join(dir, "enumeration_sparse"))) {
      const ct = rb.getChild("cell_type");
      expect(String(ct?.type)).toBe("Dictionary<Int8, Utf8>");
      expect(ct?.toArray().length).toBe(codes.length);
      for (let i = 0; i < codes.length; i++) expect(ct?.get(i)).toBe(labels[Number(codes[i])]);
    }
    const none = corpus.find((e) => e.name === "none_sparse") as Entry;
    const want = none.queries[0].result;
    for await (const rb of readArrow(join(dir, "none_sparse"))) {
      expect(rb.schema.fields.map((f) => `${f.name}:${f.type}`)).toContain("dt_ns:Timestamp<NANOSECOND>");
      expect(String(rb.getChild("i32_var")?.type)).toBe("List<Int32>");
      for (const name of ["i32_null", "f64_null", "utf8_null"]) {
        const v = rb.getChild(name);
        const nulls = (want[name] as unknown[]).filter((x) => x === null).length;
        expect(v?.nullCount, name).toBe(nulls);
        (want[name] as unknown[]).forEach((x, i) => {
          if (x === null) expect(v?.get(i), `${name}[${i}]`).toBeNull();
        });
      }
      expect(rb.getChild("utf8")?.toArray()).toEqual(want.utf8);
      expect(Array.from(rb.getChild("bool")?.toArray() ?? [])).toEqual(want.bool);
    }
  });

  for (const name of NAMES) {
    it(name, async () => {
      const entry = corpus.find((e) => e.name === name) as Entry;
      expect(entry).toBeDefined();
      const uri = join(dir, name);
      for (const q of entry.queries) {
        // Dense arrays opened at a timestamp inside a consolidated fragment's range: TileDB ignores vacuum
        // files that are not fully inside the open range (full-overlap rule for dense arrays), which the array
        // directory listing does not do yet; these reads are compared once it does.
        const subarray = q.ranges ? await subarrayOf(uri, q.ranges) : undefined;
        const arr = await openArray(uri, q.timestamp === undefined ? {} : { timestamp: q.timestamp });
        const columns = entry.sparse ? undefined : [...entry.dims, ...entry.attrs].filter((c) => c in q.result);
        const batch = await readAll(arr, { subarray, columns, order: q.order === "U" ? "unordered" : "global" });
        const got: Record<string, unknown[]> = {};
        for (const c of batch.columns) got[c.name] = encodeColumn(c);
        const names = Object.keys(q.result);
        expect(Object.keys(got).sort()).toEqual([...names].sort());
        const exact = !entry.sparse || (q.order === "G" && !entry.allowsDuplicates);
        if (exact) {
          for (const k of names) {
            const want = q.result[k];
            const i = want.findIndex((v, j) => JSON.stringify(v) !== JSON.stringify(got[k][j]));
            const where = `${name} column ${k}${q.ranges ? " (subarray)" : ""}${q.timestamp ? ` (at ${q.timestamp})` : ""}: first difference at cell ${i}: got ${JSON.stringify(got[k][i])}, want ${JSON.stringify(want[i])}`;
            expect(got[k].length, where).toBe(want.length);
            expect(i, where).toBe(-1);
          }
        } else {
          expect(sortedRows(got, names), `${name} rows${q.ranges ? " (subarray)" : ""}`).toEqual(sortedRows(q.result, names));
        }
      }
    });
  }
});
