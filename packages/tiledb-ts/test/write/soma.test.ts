/**
 * A TileDB-SOMA experiment written by tiledb-ts (groups, SOMA metadata keys, an `obs` DataFrame with a
 * `soma_joinid` dimension and categorical columns as enumerations, `ms/RNA/var`, `ms/RNA/X/raw` SparseNDArray)
 * opens in Python `tiledbsoma`, and an axis query returns the obs, var and X we wrote. The SOMA layout is built
 * here, in the test: tiledb-ts itself knows nothing of SOMA.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Datatype } from "../../src/datatype.js";
import { type FilterSpec, FilterType } from "../../src/filters/filter.js";
import { addGroupMembers, createGroup, writeGroupMetadata } from "../../src/group.js";
import { writeMetadata } from "../../src/metadata.js";
import { createArray } from "../../src/write/create-array.js";
import { writeSparse } from "../../src/write/sparse.js";
import { pythonScript, rng, runPython, tempDir } from "./helpers.js";

const N_OBS = 60;
const N_VAR = 7;
const CELL_TYPES = ["B cell", "T cell", "neuron", "naïve T cell"];
const TISSUES = ["tongue", "lung"];
const zstd = [{ type: FilterType.ZSTD, options: { level: 3 } }];
const MAX_JOINID = (1n << 62n) - 1n;

const dir = tempDir("tiledb-ts-soma-").path;
const root = join(dir, "exp");
const r = rng(7);
const obs = {
  joinid: Array.from({ length: N_OBS }, (_, i) => BigInt(i)),
  obsId: Array.from({ length: N_OBS }, (_, i) => `cell_${i}`),
  cellType: Int32Array.from({ length: N_OBS }, () => Math.floor(r() * CELL_TYPES.length)),
  tissue: Int8Array.from({ length: N_OBS }, () => Math.floor(r() * TISSUES.length)),
  nCounts: BigInt64Array.from({ length: N_OBS }, () => BigInt(Math.floor(r() * 5000))),
};
const featureIds = Array.from({ length: N_VAR }, (_, j) => `ENSG${String(1000 + j * 7).padStart(11, "0")}`);
const x: { i: bigint[]; j: bigint[]; v: number[] } = { i: [], j: [], v: [] };
for (let i = 0; i < N_OBS; i++) {
  for (let j = 0; j < N_VAR; j++) {
    if (r() < 0.35) {
      x.i.push(BigInt(i));
      x.j.push(BigInt(j));
      x.v.push(Math.fround(1 + Math.floor(r() * 40)));
    }
  }
}

const soma = (type: string) => ({ soma_object_type: type, soma_encoding_version: "1.1.0" });

beforeAll(async () => {
  await createGroup(root);
  await writeGroupMetadata(root, { put: { dataset_type: "soma", ...soma("SOMAExperiment") } });
  await createArray(join(root, "obs"), {
    arrayType: "sparse",
    capacity: 100000,
    dimensions: [{ name: "soma_joinid", type: Datatype.INT64, domain: [0n, MAX_JOINID], tileExtent: 2048n, filters: zstd }],
    enumerations: [
      { name: "cell_type", values: CELL_TYPES },
      { name: "tissue_general", values: TISSUES },
    ],
    attributes: [
      { name: "obs_id", type: Datatype.STRING_UTF8, filters: zstd },
      { name: "cell_type", type: Datatype.INT32, enumeration: "cell_type", filters: zstd },
      { name: "tissue_general", type: Datatype.INT8, enumeration: "tissue_general", filters: zstd },
      { name: "n_counts", type: Datatype.INT64, filters: zstd },
    ],
    currentDomain: [[0n, BigInt(N_OBS - 1)]],
  });
  await writeSparse(join(root, "obs"), {
    soma_joinid: BigInt64Array.from(obs.joinid),
    obs_id: obs.obsId,
    cell_type: obs.cellType,
    tissue_general: obs.tissue,
    n_counts: obs.nCounts,
  });
  await writeMetadata(join(root, "obs"), { put: { ...soma("SOMADataFrame"), soma_dataframe_original_index_name: "obs_id" } });

  await createGroup(join(root, "ms"));
  await writeGroupMetadata(join(root, "ms"), { put: soma("SOMACollection") });
  await createGroup(join(root, "ms", "RNA"));
  await writeGroupMetadata(join(root, "ms", "RNA"), { put: soma("SOMAMeasurement") });
  const varUri = join(root, "ms", "RNA", "var");
  await createArray(varUri, {
    arrayType: "sparse",
    capacity: 100000,
    dimensions: [{ name: "soma_joinid", type: Datatype.INT64, domain: [0n, MAX_JOINID], tileExtent: 2048n, filters: zstd }],
    attributes: [{ name: "feature_id", type: Datatype.STRING_UTF8, filters: zstd }],
    currentDomain: [[0n, BigInt(N_VAR - 1)]],
  });
  // Written in reverse: the writer sorts into global order.
  await writeSparse(varUri, { soma_joinid: BigInt64Array.from({ length: N_VAR }, (_, k) => BigInt(N_VAR - 1 - k)), feature_id: [...featureIds].reverse() });
  await writeMetadata(varUri, { put: soma("SOMADataFrame") });
  await createGroup(join(root, "ms", "RNA", "X"));
  await writeGroupMetadata(join(root, "ms", "RNA", "X"), { put: soma("SOMACollection") });
  const xUri = join(root, "ms", "RNA", "X", "raw");
  const xf: FilterSpec[] = [{ type: FilterType.BYTESHUFFLE, options: {} }, { type: FilterType.ZSTD, options: { level: 9 } }];
  await createArray(xUri, {
    arrayType: "sparse",
    capacity: 100000,
    dimensions: [
      { name: "soma_dim_0", type: Datatype.INT64, domain: [0n, MAX_JOINID], tileExtent: 2048n, filters: xf },
      { name: "soma_dim_1", type: Datatype.INT64, domain: [0n, MAX_JOINID], tileExtent: 2048n, filters: xf },
    ],
    attributes: [{ name: "soma_data", type: Datatype.FLOAT32, filters: xf }],
    currentDomain: [[0n, BigInt(N_OBS - 1)], [0n, BigInt(N_VAR - 1)]],
  });
  await writeSparse(xUri, { soma_dim_0: BigInt64Array.from(x.i), soma_dim_1: BigInt64Array.from(x.j), soma_data: Float32Array.from(x.v) });
  await writeMetadata(xUri, { put: soma("SOMASparseNDArray") });

  await addGroupMembers(root, [
    { uri: "obs", name: "obs", relative: true },
    { uri: "ms", name: "ms", relative: true },
  ]);
  await addGroupMembers(join(root, "ms"), [{ uri: "RNA", name: "RNA", relative: true }]);
  await addGroupMembers(join(root, "ms", "RNA"), [
    { uri: "var", name: "var", relative: true },
    { uri: "X", name: "X", relative: true },
  ]);
  await addGroupMembers(join(root, "ms", "RNA", "X"), [{ uri: "raw", name: "raw", relative: true }]);
}, 60_000);

describe("a TileDB-SOMA experiment written by tiledb-ts", () => {
  it("opens in tiledbsoma and an axis query returns the obs, var and X written", () => {
    const out = join(dir, "soma.json");
    runPython(pythonScript("write_soma_check.py"), [root, `cell_type in ["B cell", "naïve T cell"] and tissue_general == "tongue"`, out]);
    const got = JSON.parse(readFileSync(out, "utf8"));
    expect(got).toMatchObject({ experiment: "Experiment", obs_type: "DataFrame", var_type: "DataFrame", x_type: "SparseNDArray", obs_count: N_OBS });
    const keep = obs.joinid.filter((_, i) => (obs.cellType[i] === 0 || obs.cellType[i] === 3) && obs.tissue[i] === 0).map(Number);
    expect(keep.length).toBeGreaterThan(3);
    expect(got.obs.soma_joinid).toEqual(keep.map(String));
    expect(got.obs.obs_id).toEqual(keep.map((i) => obs.obsId[i]));
    expect(got.obs.cell_type).toEqual(keep.map((i) => CELL_TYPES[obs.cellType[i]]));
    expect(got.obs.tissue_general).toEqual(keep.map(() => "tongue"));
    expect(got.obs.n_counts).toEqual(keep.map((i) => String(obs.nCounts[i])));
    expect(got.var.soma_joinid).toEqual(featureIds.map((_, j) => String(j)));
    expect(got.var.feature_id).toEqual(featureIds);
    const want: string[] = [];
    const kept = new Set(keep);
    x.i.forEach((i, k) => {
      if (kept.has(Number(i))) want.push(`${i} ${x.j[k]} ${x.v[k]}`);
    });
    const have = got.X.soma_dim_0.map((i: string, k: number) => `${i} ${got.X.soma_dim_1[k]} ${got.X.soma_data[k]}`);
    expect(have.sort()).toEqual(want.sort());
    expect(want.length).toBeGreaterThan(0);
  });
});
