/**
 * openCube reads back the reference builder's cubes and ours: features, obs groups and every estimator row equal
 * the canonical dumps Python tiledb made of the reference cubes (`reference-cubes/<name>/dump`), and selections by
 * feature and by value filter return exactly the rows the dump has for them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RecordBatch } from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import { type Cube, CubeWriter, type EstimatorRows, openCube } from "../src/index.js";
import { cubeValues, referenceCubes, runPython, tempDir } from "./helpers/python.js";

const CUBES = ["census-homo-sapiens-small", "dense-strings", "categorical-mixed", "sparse-many-groups", "single-group"];
const tmp = tempDir("cube-writer-open-");
afterAll(() => tmp.remove());

type Row = Record<string, string>;

function csv(path: string): Row[] {
  const [head, ...lines] = readFileSync(path, "utf8").trimEnd().split("\n");
  const names = head.split(",");
  return lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [names[i], v])));
}

interface EstimatorRow {
  feature: string;
  group: number;
  values: number[];
}

async function readRows(cube: Cube, options: Parameters<Cube["estimators"]>[0] = {}): Promise<EstimatorRow[]> {
  const rows: EstimatorRow[] = [];
  const names = options.estimators ?? cube.estimatorNames;
  for await (const b of cube.estimators(options)) {
    const f = b.getChild("feature_id")!;
    const idx = f.data[0].values as Uint32Array;
    const g = b.getChild("obs_group_joinid")!.toArray() as Uint32Array;
    const cols = names.map((n) => b.getChild(n)!.toArray() as Float32Array);
    for (let i = 0; i < b.numRows; i++) {
      // the dictionary index is the var position, and the vector decodes to the same id
      expect(f.get(i)).toBe(cube.features[idx[i]]);
      rows.push({ feature: cube.features[idx[i]], group: g[i], values: cols.map((c) => c[i]) });
    }
  }
  return rows;
}

function dumpRows(name: string, keep: (r: Row) => boolean = () => true): EstimatorRow[] {
  return csv(join(referenceCubes, name, "dump/estimators.csv"))
    .filter(keep)
    .map((r) => ({ feature: r.feature_id, group: Number(r.obs_group_joinid), values: ["sum", "sumsq", "size_factor", "n_obs"].map((k) => Number(r[k])) }));
}

/** The estimators array's global order: feature id bytes, then obs group. */
function byKey(a: EstimatorRow, b: EstimatorRow): number {
  return a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : a.group - b.group;
}

function labels(batch: RecordBatch): Row[] {
  const names = batch.schema.fields.map((f) => f.name);
  return Array.from({ length: batch.numRows }, (_, i) => Object.fromEntries(names.map((n) => [n, String(batch.getChild(n)!.get(i))])));
}

function expectGroupsEqualDump(batch: RecordBatch, name: string, keep: (r: Row) => boolean = () => true) {
  const want = csv(join(referenceCubes, name, "dump/obs_groups.csv"))
    .filter(keep)
    .map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.endsWith("#code"))));
  expect(labels(batch)).toEqual(want);
}

describe.each(CUBES)("reference cube %s", (name) => {
  const uri = join(referenceCubes, name, "cube");

  it("opens with its features, obs groups and every estimator row as Python tiledb reads them", async () => {
    const cube = await openCube(uri);
    expect(cube.features).toEqual(JSON.parse(readFileSync(join(uri, "feature_ids.json"), "utf8")));
    expect(cube.status).toBeUndefined();
    expect(cube.build).toBeUndefined();
    expect(cube.estimatorNames).toEqual(["sum", "sumsq", "size_factor", "n_obs"]);
    const groups = cube.obsGroups();
    expect(cube.nObsGroups).toBe(groups.numRows);
    expectGroupsEqualDump(groups, name);
    expectGroupsEqualDump(cube.obsGroups({ labels: "string" }), name);
    expect(String(cube.obsGroups({ labels: "string" }).schema.fields[1].type)).toBe("Utf8");
    expect(String(groups.schema.fields[1].type)).toMatch(/^Dictionary/);
    const rows = await readRows(cube);
    expect(rows).toEqual(dumpRows(name).sort(byKey));
  });
});

describe("selections", () => {
  const name = "sparse-many-groups";
  const uri = join(referenceCubes, name, "cube");
  const dumpGroups = csv(join(referenceCubes, name, "dump/obs_groups.csv"));

  it("by value filter over obs_groups columns (labels and n_obs)", async () => {
    const cube = await openCube(uri);
    const sex = dumpGroups[0].sex_ontology_term_id;
    const filter = `sex_ontology_term_id == '${sex}' and n_obs >= 40`;
    const keep = (r: Row) => r.sex_ontology_term_id === sex && Number(r.n_obs) >= 40;
    const selected = new Set(dumpGroups.filter(keep).map((r) => Number(r.obs_group_joinid)));
    expect(selected.size).toBeGreaterThan(3);
    expect(selected.size).toBeLessThan(dumpGroups.length);
    expectGroupsEqualDump(cube.obsGroups({ filter }), name, keep);
    expect(await readRows(cube, { filter })).toEqual(dumpRows(name, (r) => selected.has(Number(r.obs_group_joinid))).sort(byKey));
  });

  it("by feature list (any order), by joinids scattered over many ranges, and both with a filter", async () => {
    const cube = await openCube(uri);
    const features = [cube.features[17], cube.features[3], cube.features[60], cube.features[4]];
    const fset = new Set(features);
    expect(await readRows(cube, { features })).toEqual(dumpRows(name, (r) => fset.has(r.feature_id)).sort(byKey));
    // every other group: more ranges than one subarray takes, read as a covering range and filtered per batch
    const even = Array.from({ length: 100 }, (_, i) => 2 * i);
    expect(await readRows(cube, { obsGroups: even })).toEqual(dumpRows(name, (r) => Number(r.obs_group_joinid) % 2 === 0).sort(byKey));
    // every other feature in byte order: many ranges of feature ids
    const sorted = [...cube.features].sort();
    const alternate = sorted.filter((_, i) => i % 2 === 1);
    const aset = new Set(alternate);
    expect(await readRows(cube, { features: alternate, obsGroups: even, estimators: ["n_obs", "sum"] })).toEqual(
      dumpRows(name, (r) => aset.has(r.feature_id) && Number(r.obs_group_joinid) % 2 === 0)
        .map((r) => ({ ...r, values: [r.values[3], r.values[0]] }))
        .sort(byKey),
    );
    const filter = "n_obs < 30";
    const small = new Set(dumpGroups.filter((r) => Number(r.n_obs) < 30).map((r) => Number(r.obs_group_joinid)));
    expect(await readRows(cube, { features, filter, obsGroups: even })).toEqual(
      dumpRows(name, (r) => fset.has(r.feature_id) && small.has(Number(r.obs_group_joinid)) && Number(r.obs_group_joinid) % 2 === 0).sort(byKey),
    );
    // nothing selected: no batches
    expect(await readRows(cube, { filter: "n_obs < 0" })).toEqual([]);
    expect(await readRows(cube, { features: [] })).toEqual([]);
  });

  it("names what is wrong: unknown feature, estimator, group, a bad filter, not a cube", async () => {
    const cube = await openCube(uri);
    const read = (o: Parameters<Cube["estimators"]>[0]) => readRows(cube, o);
    await expect(read({ features: ["ENSG_NOPE"] })).rejects.toMatchObject({ code: "E_UNKNOWN_FEATURE", message: expect.stringContaining("ENSG_NOPE") });
    await expect(read({ estimators: ["sev"] })).rejects.toMatchObject({ code: "E_UNKNOWN_ESTIMATOR", message: expect.stringContaining("sev") });
    await expect(read({ obsGroups: [100000] })).rejects.toMatchObject({ code: "E_UNKNOWN_GROUP" });
    expect(() => cube.obsGroups({ filter: "tissue == 'lung'" })).toThrow(expect.objectContaining({ code: "E_BAD_FILTER", message: expect.stringContaining("tissue") }));
    expect(() => cube.obsGroups({ filter: "n_obs >" })).toThrow(expect.objectContaining({ code: "E_BAD_FILTER" }));
    await expect(read({ filter: "n_obs == 'x'" })).rejects.toMatchObject({ code: "E_BAD_FILTER" });
    await expect(openCube(join(referenceCubes, name))).rejects.toMatchObject({ code: "E_NOT_CUBE" });
    await expect(openCube(join(uri, "obs_groups"))).rejects.toMatchObject({ code: "E_NOT_CUBE" });
  });
});

describe("cubes written by CubeWriter", () => {
  interface CubeValues {
    featureIds: string[];
    obsGroups: { columns: Record<string, string[]>; nObs: number[] };
    sizeFactors: { soma_joinid: number[]; columns: Record<string, string[]>; approx_size_factor: number[] };
    estimators: { obsGroup: number[]; feature: number[]; sum: number[]; sumsq: number[]; sizeFactor: number[]; nObs: number[] };
  }

  it("read the same as the reference cube they were written from; a cube still building is refused", async () => {
    const name = "categorical-mixed";
    const v = JSON.parse(runPython(cubeValues, [join(referenceCubes, name, "cube")])) as CubeValues;
    const uri = join(tmp.path, name);
    const create = (at: string) =>
      CubeWriter.create(at, { featureIds: v.featureIds, obsGroups: v.obsGroups, sizeFactors: v.sizeFactors, build: { experiment_uri: `reference:${name}` } });
    const writer = await create(uri);
    const e = v.estimators;
    const rows: EstimatorRows = {
      obsGroup: Uint32Array.from(e.obsGroup),
      feature: Uint32Array.from(e.feature),
      sum: Float32Array.from(e.sum),
      sumsq: Float32Array.from(e.sumsq),
      sizeFactor: Float32Array.from(e.sizeFactor),
      nObs: Float32Array.from(e.nObs),
    };
    await writer.writeBatch(rows);
    await writer.finish({ expectedNObs: v.obsGroups.nObs.reduce((a, b) => a + b, 0) });
    const cube = await openCube(uri);
    expect(cube.status).toBe("complete");
    expect(cube.build).toMatchObject({ experiment_uri: `reference:${name}`, validated: true });
    expectGroupsEqualDump(cube.obsGroups(), name);
    expect(await readRows(cube)).toEqual(dumpRows(name).sort(byKey));

    const building = join(tmp.path, `${name}-building`);
    await create(building);
    await expect(openCube(building)).rejects.toMatchObject({ code: "E_INCOMPLETE", message: expect.stringContaining("being built") });
  });
});
