import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Table } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CensusReaderError, type Coords, ExperimentAxisQuery, openDataFrame, openDenseNDArray, openExperiment, openSoma } from "../src/index.js";
import { packageRoot, runPython, tempDir } from "./helpers/python.js";

/**
 * Experiments written by Python tiledbsoma at test time (test/python/write_experiments.py), which also records
 * what tiledbsoma returns for every filter; the reader must return the same joinids.
 */
interface FilterResult {
  filter: string;
  joinids?: number[];
  error?: string;
}
interface Expected {
  obs: FilterResult[];
  var: FilterResult[];
  query: {
    obs_filter: string;
    var_filter: string;
    n_obs: number;
    n_vars: number;
    obs_joinids: number[];
    var_joinids: number[];
    x: [number[], number[], number[]];
  };
}

const tmp = tempDir("census-reader-interop-");
let expected: Record<string, Expected>;

beforeAll(() => {
  runPython(join(packageRoot, "test/python/write_experiments.py"), [tmp.path]);
  expected = JSON.parse(readFileSync(join(tmp.path, "expected.json"), "utf8"));
}, 180_000);
afterAll(() => tmp.remove());

const NAMES = ["categorical", "plain", "fragmented", "empty-x"];

function numbers(ids: BigInt64Array): number[] {
  return Array.from(ids, (v) => Number(v));
}

describe.each(NAMES)("experiment %s written by tiledbsoma", (name) => {
  const uri = () => join(tmp.path, name);

  it("opens as an Experiment with obs, ms/RNA, var and X/raw", async () => {
    const exp = await openExperiment(uri());
    expect(exp.somaType).toBe("SOMAExperiment");
    expect(exp.keys()).toEqual(["ms", "obs"]);
    const ms = await exp.measurement("RNA");
    expect(ms.somaType).toBe("SOMAMeasurement");
    const x = await ms.xLayer("raw");
    expect(x.somaType).toBe("SOMASparseNDArray");
    expect(x.ndim).toBe(2);
    const obs = await exp.obs();
    expect(obs.indexColumnNames).toEqual(["soma_joinid"]);
  });

  it("returns the same obs joinids as tiledbsoma for every filter form", async () => {
    const obs = await openDataFrame(join(uri(), "obs"));
    for (const f of expected[name].obs) {
      if (f.error !== undefined) {
        await expect(obs.joinids({ valueFilter: f.filter }), f.filter).rejects.toBeInstanceOf(CensusReaderError);
        continue;
      }
      expect(numbers(await obs.joinids({ valueFilter: f.filter })), f.filter).toEqual(f.joinids);
    }
  });

  it("returns the same var joinids as tiledbsoma", async () => {
    const v = await openDataFrame(join(uri(), "ms/RNA/var"));
    for (const f of expected[name].var) {
      expect(numbers(await v.joinids({ valueFilter: f.filter })), f.filter).toEqual(f.joinids);
    }
  });

  it("answers an axis query like tiledbsoma: counts, joinids and X triples", async () => {
    const e = expected[name].query;
    const q = await ExperimentAxisQuery.create(await openExperiment(uri()), "RNA", {
      obsQuery: { valueFilter: e.obs_filter },
      varQuery: { valueFilter: e.var_filter },
    });
    expect(await q.nObs()).toBe(e.n_obs);
    expect(await q.nVars()).toBe(e.n_vars);
    expect(numbers(await q.obsJoinids())).toEqual(e.obs_joinids);
    expect(numbers(await q.varJoinids())).toEqual(e.var_joinids);
    const got: [number[], number[], number[]] = [[], [], []];
    // A small budget forces several batches.
    for await (const b of q.X("raw", { memoryBudget: 64 * 1024 })) {
      expect(b.schema.fields.map((f) => f.name)).toEqual(["soma_dim_0", "soma_dim_1", "soma_data"]);
      for (let i = 0; i < 3; i++) got[i].push(...Array.from(b.getChildAt(i)!.toArray() as ArrayLike<number | bigint>, Number));
    }
    // Storage order is row-major within space tiles; compare sorted by (row, column) like the expected triples.
    const order = Array.from(got[0].keys()).sort((a, b) => got[0][a] - got[0][b] || got[1][a] - got[1][b]);
    expect(got.map((col) => order.map((i) => col[i]))).toEqual(e.x);
    const obsTable: Table = await q.obs();
    expect(obsTable.numRows).toBe(e.n_obs);
  });
});

describe("categorical and plain string columns", () => {
  it("reads enumerated columns as Arrow dictionary vectors and plain ones as strings, same labels", async () => {
    const cat = await openDataFrame(join(tmp.path, "categorical/obs"));
    const plain = await openDataFrame(join(tmp.path, "plain/obs"));
    expect(String(cat.schema.fields.find((f) => f.name === "cell_type")!.type)).toMatch(/^Dictionary/);
    expect(String(plain.schema.fields.find((f) => f.name === "cell_type")!.type)).toMatch(/Utf8/);
    const t = await cat.readAll({ columnNames: ["soma_joinid", "cell_type"], valueFilter: "cell_type in ['B cell', 'épithélial']" });
    const labels = new Set(Array.from(t.getChild("cell_type")!) as string[]);
    expect([...labels].sort()).toEqual(["B cell", "épithélial"]);
    expect(t.schema.fields.map((f) => f.name)).toEqual(["soma_joinid", "cell_type"]);
  });

  it("dictionary-encodes plain string columns on request, with the same labels", async () => {
    const plain = await openDataFrame(join(tmp.path, "plain/obs"));
    const strings = await plain.readAll({ columnNames: ["cell_type", "donor_id", "nnz"], valueFilter: "nnz > 10" });
    const coded = await plain.readAll({ columnNames: ["cell_type", "donor_id", "nnz"], valueFilter: "nnz > 10", dictionaryEncode: true });
    expect(coded.schema.fields.map((f) => String(f.type))).toEqual(["Dictionary<Int32, Utf8>", "Dictionary<Int32, Utf8>", "Int64"]);
    for (const c of ["cell_type", "donor_id"]) expect(Array.from(coded.getChild(c)!)).toEqual(Array.from(strings.getChild(c)!));
    await expect(plain.readAll({ dictionaryEncode: ["nnz"] })).rejects.toMatchObject({ code: "E_NO_COLUMN" });
  });

  it("reads X for a given list of obs joinids, intersected with the query's obs", async () => {
    const exp = await openExperiment(join(tmp.path, "categorical"));
    const triples = async (q: ExperimentAxisQuery, obsCoords?: Coords) => {
      const out: string[] = [];
      for await (const b of q.X("raw", { obsCoords })) {
        const [r, c, v] = [0, 1, 2].map((i) => Array.from(b.getChildAt(i)!, Number));
        for (let i = 0; i < r.length; i++) out.push(`${r[i]},${c[i]},${v[i]}`);
      }
      return out;
    };
    const all = await triples(await ExperimentAxisQuery.create(exp, "RNA"));
    const ids = [100, 7, 3, 5, 5];
    const want = all.filter((t) => ids.includes(Number(t.split(",")[0])));
    expect(want.length).toBeGreaterThan(0);
    expect(await triples(await ExperimentAxisQuery.create(exp, "RNA"), ids)).toEqual(want);
    expect(await triples(await ExperimentAxisQuery.create(exp, "RNA"), { ranges: [[3, 7], [100, 100]] })).toEqual(
      all.filter((t) => [3, 4, 5, 6, 7, 100].includes(Number(t.split(",")[0]))),
    );
    // Intersected with an obs filter: only those of the ids that pass it.
    const q = await ExperimentAxisQuery.create(exp, "RNA", { obsQuery: { valueFilter: "soma_joinid >= 6" } });
    expect(await triples(q, ids)).toEqual(all.filter((t) => [7, 100].includes(Number(t.split(",")[0]))));
  });
});

describe("URIs and empty results", () => {
  it("opens file:// URIs like paths", async () => {
    const exp = await openExperiment(pathToFileURL(join(tmp.path, "plain")).href);
    expect(numbers(await (await exp.obs()).joinids({ valueFilter: "soma_joinid < 3" }))).toEqual([0, 1, 2]);
  });
  it("returns empty tables with the selected schema and no X batches when nothing matches", async () => {
    const exp = await openExperiment(join(tmp.path, "categorical"));
    const q = await ExperimentAxisQuery.create(exp, "RNA", { obsQuery: { valueFilter: "nnz > 1000000" } });
    expect(await q.nObs()).toBe(0);
    const t = await q.obs(["soma_joinid", "cell_type"]);
    expect(t.numRows).toBe(0);
    expect(t.schema.fields.map((f) => String(f.type))).toEqual(["Int64", "Dictionary<Int8, Utf8>"]);
    let batches = 0;
    for await (const _ of q.X("raw")) batches++;
    expect(batches).toBe(0);
  });
});

describe("DenseNDArray written by tiledbsoma", () => {
  it("reads the whole shape and a box with the values tiledbsoma reads", async () => {
    const e = (expected as unknown as { dense: { shape: number[]; full: number[]; part: number[] } }).dense;
    const d = await openDenseNDArray(join(tmp.path, "dense"));
    expect(d.shape.map(Number)).toEqual(e.shape);
    const values = async (coords?: Array<Coords | null>) => {
      const out: number[] = [];
      for await (const b of d.read({ coords })) out.push(...(Array.from(b.getChild("soma_data")!) as number[]));
      return out;
    };
    expect(await values()).toEqual(e.full);
    expect(await values([{ ranges: [[2, 4]] }, { ranges: [[1, 3]] }])).toEqual(e.part);
    await expect(values([[0, 2]])).rejects.toMatchObject({ code: "E_COORDS" });
    await expect(values([{ ranges: [[0, 7]] }])).rejects.toThrow(/outside the shape \[0, 6\]/);
  });
});

describe("SOMA type errors", () => {
  it("names the URI and the type when an object is not what was asked for", async () => {
    const obsUri = join(tmp.path, "categorical/obs");
    await expect(openExperiment(obsUri)).rejects.toThrow(/obs is a SOMADataFrame, not a SOMAExperiment/);
    await expect(openSoma(join(tmp.path, "nothing-here"))).rejects.toMatchObject({ code: "E_NOT_FOUND" });
    await expect(openSoma(join(tmp.path, "categorical/obs/__meta"))).rejects.toMatchObject({ code: "E_NOT_SOMA" });
    const exp = await openExperiment(join(tmp.path, "categorical"));
    await expect(exp.get("nope")).rejects.toThrow(/has no member "nope" \(members: ms, obs\)/);
    const ms = await exp.measurement("RNA");
    await expect(ms.xLayer("normalized")).rejects.toMatchObject({ code: "E_NO_MEMBER" });
  });
  it("rejects a bad filter with the position of the fault", async () => {
    const obs = await openDataFrame(join(tmp.path, "categorical/obs"));
    await expect(obs.joinids({ valueFilter: "nnz >> 3" })).rejects.toMatchObject({ code: "E_FILTER_SYNTAX", position: 5 });
    await expect(obs.joinids({ valueFilter: "no_such_col == 3" })).rejects.toMatchObject({ code: "E_FILTER_COLUMN" });
  });
});

describe("scattered obs selections", () => {
  it("in DataFrame reads (long joinid lists, in coords or in the filter) give exactly the selected rows", async () => {
    const obs = await openDataFrame(join(tmp.path, "fragmented/obs"));
    const nnzOf = new Map<number, number>();
    const t = await obs.readAll({ columnNames: ["soma_joinid", "nnz"] });
    const ids0 = Array.from(t.getChild("soma_joinid")!, Number);
    const nnz0 = Array.from(t.getChild("nnz")!, Number);
    for (let i = 0; i < ids0.length; i++) nnzOf.set(ids0[i], nnz0[i]);
    const ids = ids0.filter((i) => i % 3 === 0 || i % 7 === 1);
    const got = numbers(await obs.joinids({ coords: { soma_joinid: ids }, valueFilter: "nnz > 20" }));
    expect(got).toEqual(ids.filter((i) => nnzOf.get(i)! > 20));
    const listed = ids.slice(0, 1500);
    const viaFilter = numbers(await obs.joinids({ valueFilter: `soma_joinid in [${listed.join(", ")}] and nnz <= 20` }));
    expect(viaFilter).toEqual(listed.filter((i) => nnzOf.get(i)! <= 20));
  });

  it("with thousands of ranges in one subarray give exactly the selected cells", async () => {
    const exp = await openExperiment(join(tmp.path, "fragmented"));
    const all = await ExperimentAxisQuery.create(exp, "RNA");
    const full: string[] = [];
    for await (const b of all.X("raw")) {
      const [r, c, v] = [0, 1, 2].map((i) => Array.from(b.getChildAt(i)!, Number));
      for (let i = 0; i < r.length; i++) full.push(`${r[i]},${c[i]},${v[i]}`);
    }
    // Every third cell, plus the odd ones of a block: well over a thousand ranges.
    const ids = Array.from({ length: 5000 }, (_, i) => i).filter((i) => i % 3 === 0 || (i > 4000 && i % 2 === 1));
    const want = new Set(ids);
    const got: string[] = [];
    for await (const b of all.X("raw", { obsCoords: ids })) {
      const [r, c, v] = [0, 1, 2].map((i) => Array.from(b.getChildAt(i)!, Number));
      for (let i = 0; i < r.length; i++) got.push(`${r[i]},${c[i]},${v[i]}`);
    }
    expect(got).toEqual(full.filter((t) => want.has(Number(t.split(",")[0]))));
  });
});
