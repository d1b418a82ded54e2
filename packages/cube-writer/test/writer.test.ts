/** CubeWriter on small synthetic cubes: bad input gets a CubeWriterError with a code naming the fault; resume. */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { vfsFor, writeSparse } from "@census-cube/tiledb-ts";
import { afterAll, describe, expect, it } from "vitest";
import { OBS_GROUP_COLUMNS } from "@census-cube/estimators";
import { CubeWriter, CubeWriterError, checkEstimatorRows, cubeStatus, type EstimatorRows, type RowCheckTask, readCubeState, readStagedSummary, STAGING_DIR, validateCube } from "../src/index.js";
import { dumpCube, python, tempDir } from "./helpers/python.js";

const tmp = tempDir("cube-writer-unit-");
afterAll(() => tmp.remove());
let seq = 0;
const fresh = () => join(tmp.path, `cube-${seq++}`);

/** 3 obs groups over 6 cells, 3 genes. */
function input() {
  const groupLabels = (g: number) => OBS_GROUP_COLUMNS.map((c, k) => (k === 0 ? `CL:${g % 2}` : k === 4 ? `donor${g}` : `${c}-x`));
  const columns: Record<string, string[]> = {};
  OBS_GROUP_COLUMNS.forEach((c, k) => {
    columns[c] = [0, 1, 2].map((g) => groupLabels(g)[k]);
  });
  const cellGroup = [0, 0, 1, 1, 1, 2];
  const cellColumns: Record<string, string[]> = {};
  OBS_GROUP_COLUMNS.forEach((c, k) => {
    cellColumns[c] = cellGroup.map((g) => groupLabels(g)[k]);
  });
  return {
    featureIds: ["ENSG0003", "ENSG0001", "ENSG0002"],
    obsGroups: { columns, nObs: [2, 3, 1] },
    sizeFactors: { soma_joinid: [10, 11, 12, 13, 14, 15], columns: cellColumns, approx_size_factor: [0.5, 1, 1, 1.5, 2, 0.25] },
  };
}

function rows(groups: number[], over: Partial<EstimatorRows> = {}): EstimatorRows {
  const obsGroup: number[] = [];
  const gene: number[] = [];
  const nObsOf = [2, 3, 1];
  for (const g of groups) for (const f of [0, 1, 2]) {
    obsGroup.push(g);
    gene.push(f);
  }
  const n = obsGroup.length;
  return {
    obsGroup,
    feature: gene,
    sum: Array.from({ length: n }, (_, i) => i + 1),
    sumsq: Array.from({ length: n }, (_, i) => (i + 1) * 3),
    sizeFactor: obsGroup.map((g) => g + 0.5),
    nObs: obsGroup.map((g) => nObsOf[g]),
    ...over,
  };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CubeWriterError);
    return (e as CubeWriterError).code;
  }
  return "no error";
}

describe("CubeWriter.create", () => {
  it("writes a group that Python tiledb opens, status building until finish", async () => {
    const uri = fresh();
    const w = await CubeWriter.create(uri, { ...input(), build: { experiment_uri: "/x" } });
    expect(await cubeStatus(uri)).toBe("building");
    await w.writeBatch(rows([0, 2]));
    await w.writeBatch(rows([1]));
    const report = await w.finish({ expectedNObs: 6 });
    expect(report).toEqual({ nObsGroups: 3, nObs: 6, nFeatures: 3, nEstimatorRows: 9, groupsWithoutRows: 0 });
    expect(await cubeStatus(uri)).toBe("complete");
    const out = execFileSync(
      python,
      ["-c", "import sys,json,tiledb; g=tiledb.Group(sys.argv[1]); print(json.dumps({'members':sorted(m.name for m in g),'status':g.meta['cube_status'],'build':json.loads(g.meta['cube_build'])}))", uri],
      { encoding: "utf8" },
    );
    const info = JSON.parse(out);
    expect(info.members).toEqual(["estimators", "obs_groups", "size_factors"]);
    expect(info.status).toBe("complete");
    expect(info.build).toMatchObject({ experiment_uri: "/x", n_obs: 6, n_vars: 3, n_obs_groups: 3, estimators: ["sum", "sumsq", "size_factor", "n_obs"] });
  });

  it("refuses an existing cube or a non-empty directory", async () => {
    const uri = fresh();
    await CubeWriter.create(uri, input());
    expect(await code(CubeWriter.create(uri, input()))).toBe("E_EXISTS");
    const dir = fresh();
    mkdirSync(dir);
    writeFileSync(join(dir, "x"), "");
    expect(await code(CubeWriter.create(dir, input()))).toBe("E_EXISTS");
  });

  it("rejects bad input before writing anything", async () => {
    const cases: Array<[string, (i: ReturnType<typeof input>) => void]> = [
      ["E_EMPTY", (i) => { i.featureIds = []; }],
      ["E_BAD_FEATURE_ID", (i) => { i.featureIds = ["A", "A", "B"]; }],
      ["E_BAD_FEATURE_ID", (i) => { i.featureIds = ["A", "B", "é"]; }],
      ["E_BAD_N_OBS", (i) => { i.obsGroups.nObs = [2, 0, 4]; }],
      ["E_N_OBS_TOTAL", (i) => { i.obsGroups.nObs = [2, 3, 2]; }],
      ["E_MISSING_COLUMN", (i) => { delete (i.obsGroups.columns as Record<string, unknown>).donor_id; }],
      ["E_DUPLICATE_GROUP", (i) => { i.obsGroups.columns.donor_id = ["a", "a", "b"]; i.obsGroups.columns.cell_type_ontology_term_id = ["c", "c", "d"]; }],
      ["E_LENGTH", (i) => { i.sizeFactors.approx_size_factor = [1]; }],
      ["E_BAD_VALUE", (i) => { i.sizeFactors.approx_size_factor = [1, 1, Number.NaN, 1, 1, 1]; }],
      ["E_BAD_JOINID", (i) => { i.sizeFactors.soma_joinid = [1, 2, 3, -4, 5, 6]; }],
    ];
    for (const [expected, mutate] of cases) {
      const i = input();
      mutate(i);
      const uri = fresh();
      expect(await code(CubeWriter.create(uri, i)), expected).toBe(expected);
      expect(await cubeStatus(uri)).toBeUndefined();
    }
  });
});

describe("CubeWriter.writeBatch", () => {
  it("rejects bad rows with a code, writing nothing", async () => {
    const w = await CubeWriter.create(fresh(), input());
    const nan = rows([0]);
    (nan.sum as number[])[1] = Number.NaN;
    const neg = rows([0]);
    (neg.sumsq as number[])[0] = -1;
    const sq = rows([0]);
    (sq.sumsq as number[])[2] = 0.5;
    const mixed = rows([1]);
    (mixed.nObs as number[])[1] = 2;
    expect(await code(w.writeBatch(nan))).toBe("E_BAD_VALUE");
    expect(await code(w.writeBatch(neg))).toBe("E_BAD_VALUE");
    expect(await code(w.writeBatch(sq))).toBe("E_BAD_VALUE");
    expect(await code(w.writeBatch(rows([0], { nObs: [3, 3, 3] })))).toBe("E_BAD_N_OBS");
    expect(await code(w.writeBatch(mixed))).toBe("E_BAD_N_OBS");
    expect(await code(w.writeBatch(rows([3])))).toBe("E_UNKNOWN_GROUP");
    expect(await code(w.writeBatch(rows([0], { feature: [0, 1, 5] })))).toBe("E_UNKNOWN_FEATURE");
    expect(await code(w.writeBatch(rows([0], { feature: [0, 1, 1] })))).toBe("E_DUPLICATE_ROW");
    expect(await code(w.writeBatch(rows([0], { extra: { sev: [1, 2, 3] } })))).toBe("E_UNKNOWN_ESTIMATOR");
    expect(await code(w.writeBatch(rows([0], { sum: [1, 2] })))).toBe("E_LENGTH");
    expect(w.stats()).toEqual({ batches: 0, rows: 0 });
    await w.writeBatch(rows([0]));
    expect(await code(w.writeBatch(rows([0])))).toBe("E_GROUP_WRITTEN");
  });

  it("rows already in the array's order (feature, then group) are written as they come, equal to any other order", async () => {
    const [a, b] = [fresh(), fresh()];
    const wa = await CubeWriter.create(a, input());
    const wb = await CubeWriter.create(b, input());
    expect(Array.from(wa.featureRanks)).toEqual([2, 0, 1]); // ENSG0003, ENSG0001, ENSG0002
    const byGroup = rows([0, 1, 2]);
    // rows() lists (group, gene) group by group; by feature rank, then group:
    const order = [1, 4, 7, 2, 5, 8, 0, 3, 6];
    const pick = <T>(v: ArrayLike<T>) => order.map((i) => v[i]);
    const byFeature: EstimatorRows = {
      obsGroup: pick(byGroup.obsGroup),
      feature: pick(byGroup.feature),
      sum: pick(byGroup.sum),
      sumsq: pick(byGroup.sumsq),
      sizeFactor: pick(byGroup.sizeFactor),
      nObs: pick(byGroup.nObs),
    };
    const repeated = { ...byFeature, obsGroup: [0, 0, 2, 0, 1, 2, 0, 1, 2], nObs: [2, 2, 1, 2, 3, 1, 2, 3, 1], sizeFactor: [0.5, 0.5, 2.5, 0.5, 1.5, 2.5, 0.5, 1.5, 2.5] };
    expect(await code(wa.writeBatch(repeated))).toBe("E_DUPLICATE_ROW");
    await wa.writeBatch(byFeature);
    await wb.writeBatch(byGroup);
    await wa.finish({ expectedNObs: 6 });
    await wb.finish({ expectedNObs: 6 });
    const r = spawnSync(python, [dumpCube, a, "--compare", b], { encoding: "utf8" });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('"estimators": 9');
  });

  it("counts=false allows sumsq < sum (non-count layers)", async () => {
    const w = await CubeWriter.create(fresh(), { ...input(), counts: false });
    const r = rows([0]);
    r.sumsq = [0.5, 0.5, 0.5];
    expect(await w.writeBatch(r)).toBe(3);
  });

  it("writes extra estimators after the four", async () => {
    const uri = fresh();
    const w = await CubeWriter.create(uri, { ...input(), estimators: ["sum", "sumsq", "size_factor", "n_obs", "sev"] });
    await w.writeBatch(rows([0, 1, 2], { extra: { sev: Array.from({ length: 9 }, (_, i) => i / 10) } }));
    await w.finish({ expectedNObs: 6 });
    expect((await readCubeState(uri)).estimatorNames).toEqual(["sum", "sumsq", "size_factor", "n_obs", "sev"]);
    // an extra estimator may be NaN (an estimate Memento cannot make); the four sufficient statistics may not
    const w2 = await CubeWriter.create(fresh(), { ...input(), estimators: ["sum", "sumsq", "size_factor", "n_obs", "sev"] });
    expect(await w2.writeBatch(rows([0], { extra: { sev: [Number.NaN, 1, 2] } }))).toBe(3);
    expect(await code(w2.writeBatch(rows([1], { extra: { sev: [1, 2, 3] }, sum: [Number.NaN, 1, 1] })))).toBe("E_BAD_VALUE");
    expect(await code(CubeWriter.create(fresh(), { ...input(), estimators: ["sum", "n_obs"] }))).toBe("E_INVALID_ARGUMENT");
  });
});

describe("size_factors in several fragments", () => {
  it("reads in Python exactly like one fragment", async () => {
    const n = 25_000;
    const base = input();
    const cellColumns: Record<string, string[]> = {};
    for (const c of OBS_GROUP_COLUMNS) cellColumns[c] = Array.from({ length: n }, (_, i) => base.sizeFactors.columns[c][i % 6]);
    const nObs = [0, 0, 0];
    for (let i = 0; i < n; i++) nObs[[0, 0, 1, 1, 1, 2][i % 6]]++;
    const opts = {
      featureIds: base.featureIds,
      obsGroups: { columns: base.obsGroups.columns, nObs },
      sizeFactors: { soma_joinid: Array.from({ length: n }, (_, i) => 3 * i), columns: cellColumns, approx_size_factor: Array.from({ length: n }, (_, i) => (i % 97) / 7) },
    };
    const one = fresh();
    const three = fresh();
    await CubeWriter.create(one, opts);
    await CubeWriter.create(three, { ...opts, sizeFactorsFragmentRows: 10_000 });
    for (const uri of [one, three]) {
      const w = await CubeWriter.open(uri);
      await w.writeBatch(rows([0, 1, 2], { nObs: [0, 0, 0, 1, 1, 1, 2, 2, 2].map((g) => nObs[g]) }));
    }
    const r = spawnSync(python, [dumpCube, three, "--compare", one], { encoding: "utf8" });
    expect(`${r.stdout}${r.stderr}`).toContain('"size_factors": 25000');
    expect(r.status).toBe(0);
    const frags = execFileSync(python, ["-c", "import sys,tiledb; print(len(tiledb.array_fragments(sys.argv[1])))", join(three, "size_factors")], { encoding: "utf8" });
    expect(frags.trim()).toBe("3");
    expect(await code(CubeWriter.create(fresh(), { ...opts, sizeFactorsFragmentRows: 5000 }))).toBe("E_INVALID_ARGUMENT");
  });
});

describe("resume and validation", () => {
  it("a reopened cube knows the groups already written and refuses them again", async () => {
    const uri = fresh();
    const w = await CubeWriter.create(uri, input());
    await w.writeBatch(rows([1]));
    const again = await CubeWriter.open(uri);
    expect([...again.writtenGroups()]).toEqual([0, 1, 0]);
    expect(await code(again.writeBatch(rows([1])))).toBe("E_GROUP_WRITTEN");
    await again.writeBatch(rows([0, 2]));
    await again.finish({ expectedNObs: 6 });
    expect(await cubeStatus(uri)).toBe("complete");
  });

  it("validation reports a wrong n_obs total and missing pieces", async () => {
    const uri = fresh();
    const w = await CubeWriter.create(uri, input());
    await w.writeBatch(rows([0, 1, 2]));
    expect(await code(w.finish({ expectedNObs: 7 }))).toBe("E_INVALID_CUBE");
    expect(await cubeStatus(uri)).toBe("building");
    await expect(validateCube(uri, { expectedNObs: 7 })).rejects.toThrow(/hold 6 cells in total, the query returned 7/);
    const other = input().obsGroups;
    other.columns.donor_id = ["donor0", "donor1", "donorX"];
    await expect(validateCube(uri, { expectedGroups: other })).rejects.toThrow(/obs group 2: donor_id is "donor2", the source has "donorX"/);
    await expect(validateCube(uri, { expectedGroups: input().obsGroups, expectedNObs: 6 })).resolves.toMatchObject({ nObsGroups: 3 });
    expect(await code(CubeWriter.open(join(tmp.path, "nowhere")))).toBe("E_NOT_CUBE");
  });

  it("validation finds a (group, feature) row written twice by another fragment", async () => {
    const uri = fresh();
    const w = await CubeWriter.create(uri, input());
    await w.writeBatch(rows([0, 1, 2]));
    await w.finish({ expectedNObs: 6, validate: false, consolidate: false });
    await writeSparse(join(uri, "estimators"), ONE_ROW);
    await expect(validateCube(uri)).rejects.toThrow(/\(obs group 1, feature ENSG0001\) appears more than once/);
  });
});

describe("validation in shares by feature range (rowChecks)", () => {
  // 12 groups of one cell, 30 features, each group with its own subset of them, written as 3 fragments
  const G = 12;
  const F = 30;
  const has = (g: number, f: number) => (f * 7 + g * 13) % 5 < 3;
  function cubeInput() {
    const labels = (g: number) => OBS_GROUP_COLUMNS.map((c, k) => (k === 4 ? `donor${g}` : `${c}-${g % 3}`));
    const columns: Record<string, string[]> = {};
    OBS_GROUP_COLUMNS.forEach((c, k) => {
      columns[c] = Array.from({ length: G }, (_, g) => labels(g)[k]);
    });
    return {
      featureIds: Array.from({ length: F }, (_, f) => `ENSG${String((f * 17) % F).padStart(5, "0")}`),
      obsGroups: { columns, nObs: new Array(G).fill(1) },
      sizeFactors: { soma_joinid: Array.from({ length: G }, (_, g) => g), columns, approx_size_factor: Array.from({ length: G }, (_, g) => 1 + g / 8) },
    };
  }
  function groupRows(groups: number[]): EstimatorRows {
    const obsGroup: number[] = [];
    const feature: number[] = [];
    for (const g of groups) for (let f = 0; f < F; f++) if (has(g, f)) {
      obsGroup.push(g);
      feature.push(f);
    }
    return { obsGroup, feature, sum: feature.map((f) => f + 1), sumsq: feature.map((f) => (f + 1) * 2), sizeFactor: obsGroup.map((g) => 1 + g / 8), nObs: obsGroup.map(() => 1) };
  }
  async function build(): Promise<string> {
    const uri = fresh();
    const w = await CubeWriter.create(uri, cubeInput());
    for (const groups of [[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8, 11]]) await w.writeBatch(groupRows(groups));
    await w.finish({ expectedNObs: G, validate: false, consolidate: false });
    return uri;
  }
  /** validateCube with its rows checked in `shares` shares, in this process; the tasks it ran. */
  async function inShares(uri: string, shares: number): Promise<{ result: unknown; tasks: RowCheckTask[] }> {
    const tasks: RowCheckTask[] = [];
    const run = (t: RowCheckTask) => {
      tasks.push(t);
      return checkEstimatorRows(t);
    };
    const result = await validateCube(uri, { expectedNObs: G, rowChecks: { shares, run } }).catch((e: Error) => e.message);
    return { result, tasks };
  }
  const problemsOf = (message: unknown) => String(message).split("\n").slice(1).sort();

  it("every row is checked once, whatever the number of shares: the report equals one pass's", async () => {
    const uri = await build();
    const one = await validateCube(uri, { expectedNObs: G });
    expect(one.nEstimatorRows).toBe(groupRows(Array.from({ length: G }, (_, g) => g)).obsGroup.length);
    for (const shares of [2, 3, 7, F, 2 * F]) {
      const { result, tasks } = await inShares(uri, shares);
      expect(result).toEqual(one);
      expect(tasks.length).toBe(Math.min(shares, F));
    }
  });

  it("finds the problems one pass finds, at share boundaries and outside the cube's features too", async () => {
    const uri = await build();
    const ids = cubeInput().featureIds;
    // a feature not in the cube before and after every other, a row twice, and a group whose rows disagree
    const g = 5;
    const f = [...Array(F).keys()].find((k) => !has(g, k) && ids[k] > "ENSG00020")!;
    const extra = {
      feature_id: ["AAA", "ENSG00010", ids[f], "ZZZ"],
      obs_group_joinid: new Uint32Array([0, 0, g, 1]),
      sum: new Float32Array([1, 1, 1, 1]),
      sumsq: new Float32Array([2, 2, 2, 2]),
      size_factor: new Float32Array([1, 1, 2 + g / 8, 1 + 1 / 8]),
      n_obs: new Float32Array([1, 1, 1, 1]),
    };
    await writeSparse(join(uri, "estimators"), extra);
    const one = await validateCube(uri, { expectedNObs: G }).catch((e: Error) => e.message);
    expect(one).toMatch(/\(4 problems\)/);
    for (const shares of [2, 3, 4, 30]) {
      const { result } = await inShares(uri, shares);
      expect(String(result)).toMatch(/\(4 problems\)/);
      expect(problemsOf(result)).toEqual(problemsOf(one));
    }
  });
});

const ONE_ROW = { feature_id: ["ENSG0001"], obs_group_joinid: new Uint32Array([1]), sum: new Float32Array([1]), sumsq: new Float32Array([1]), size_factor: new Float32Array([1.5]), n_obs: new Float32Array([3]) };

/** Estimator cells as Python tiledb counts them. */
function estimatorCells(uri: string): number {
  const code = "import sys, tiledb\nwith tiledb.open(sys.argv[1]) as a: print(len(a.query(attrs=['n_obs'])[:]['n_obs']))";
  return Number(execFileSync(python, ["-c", code, join(uri, "estimators")], { encoding: "utf8" }).trim());
}

describe("staged batches", () => {
  const fragments = (uri: string) => readdirSync(join(uri, "estimators", "__fragments"));
  const staged = (uri: string) => (existsSync(join(uri, STAGING_DIR)) ? readdirSync(join(uri, STAGING_DIR)) : []);

  it("stay out of the array until finish, which writes them as one fragment and drops them", async () => {
    const uri = fresh();
    const w = await CubeWriter.create(uri, input());
    await w.writeBatch(rows([2]));
    await w.writeBatch(rows([0, 1]));
    expect(fragments(uri)).toEqual([]);
    expect(staged(uri)).toHaveLength(2);
    expect([...(await readCubeState(uri)).groupWritten]).toEqual([1, 1, 1]);
    await w.finish({ expectedNObs: 6 });
    expect(fragments(uri)).toHaveLength(1);
    expect(staged(uri)).toEqual([]);
    expect(estimatorCells(uri)).toBe(9);
  });

  it("without consolidation, one fragment per batch", async () => {
    const uri = fresh();
    const w = await CubeWriter.create(uri, input());
    await w.writeBatch(rows([2]));
    await w.writeBatch(rows([0, 1]));
    await w.finish({ expectedNObs: 6, consolidate: false });
    expect(fragments(uri)).toHaveLength(2);
    expect(staged(uri)).toEqual([]);
  });

  it("a batch already in the array (a crash after writing, before dropping it) is not written twice", async () => {
    const uri = fresh();
    const w = await CubeWriter.create(uri, input());
    await w.writeBatch(rows([0, 1]));
    const [name] = staged(uri);
    const kept = readFileSync(join(uri, STAGING_DIR, name));
    await w.finish({ expectedNObs: 6, validate: false });
    // put the batch back, as if finish had stopped right after writing the fragment
    mkdirSync(join(uri, STAGING_DIR));
    writeFileSync(join(uri, STAGING_DIR, name), kept);
    writeFileSync(join(uri, STAGING_DIR, "half-written.tmp"), kept.subarray(0, 10));
    const again = await CubeWriter.open(uri);
    expect([...again.writtenGroups()]).toEqual([1, 1, 0]);
    await again.writeBatch(rows([2]));
    await again.finish({ expectedNObs: 6 });
    expect(staged(uri)).toEqual([]);
    expect(estimatorCells(uri)).toBe(9);
  });

  it("a staged batch that shares only some groups with the array is refused, not half-written", async () => {
    const uri = fresh();
    const w = await CubeWriter.create(uri, input());
    await w.writeBatch(rows([0, 1, 2]));
    await writeSparse(join(uri, "estimators"), ONE_ROW);
    await expect(w.finish()).rejects.toThrow(/staged estimators batch .* covers obs groups 0, 1, 2 but the estimators array already holds rows of 1/);
    expect(await cubeStatus(uri)).toBe("building");
  });

  it("encoded in parallel pieces (stagedParts, encodeStagedPart, commitStagedParts), the cube equals a one-process finish", async () => {
    // 3 groups x 9000 genes: 27,000 rows, three tiles of 10,000
    const nFeatures = 9000;
    const big = { ...input(), featureIds: Array.from({ length: nFeatures }, (_, i) => `ENSG${String((i * 7919) % nFeatures).padStart(11, "0")}`) };
    const bigRows = (groups: number[]): EstimatorRows => {
      const obsGroup: number[] = [];
      const gene: number[] = [];
      for (const g of groups) for (let f = 0; f < nFeatures; f++) {
        obsGroup.push(g);
        gene.push(f);
      }
      const nObsOf = [2, 3, 1];
      return {
        obsGroup,
        feature: gene,
        sum: gene.map((f, i) => (f % 17) + obsGroup[i]),
        sumsq: gene.map((f, i) => ((f % 17) + obsGroup[i]) * 3),
        sizeFactor: obsGroup.map((g) => g + 0.5),
        nObs: obsGroup.map((g) => nObsOf[g]),
      };
    };
    const cubes = [fresh(), fresh()];
    for (const uri of cubes) {
      const w = await CubeWriter.create(uri, big);
      await w.writeBatch(bigRows([1]));
      await w.writeBatch(bigRows([0, 2]));
      if (uri === cubes[1]) {
        const parts = await w.stagedParts(2);
        expect(parts.map((p) => [p.rowFrom, p.rowTo])).toEqual([[0, 20000], [20000, 27000]]);
        const files = parts.map((_, i) => join(tmp.path, `part-${seq}-${i}.bin`));
        // pieces may be encoded in any order (in parallel), with any chunk size
        for (const i of [1, 0]) await w.encodeStagedPart(parts[i], files[i], { chunkRows: 4999 });
        expect(fragments(uri)).toEqual([]);
        await w.commitStagedParts(files);
        expect(staged(uri)).toEqual([]);
      }
      await w.finish({ expectedNObs: 6 });
      expect(fragments(uri)).toHaveLength(1);
    }
    const r = spawnSync(python, [dumpCube, cubes[1], "--compare", cubes[0]], { encoding: "utf8" });
    expect(r.stdout).toContain('"equal": true');
    expect(estimatorCells(cubes[1])).toBe(27000);
  });

  it("any split of the groups into batches (1, 3 or 12 in a chunk) gives the same cube", async () => {
    // 20 groups of one cell, each with its own pseudo-random subset of 40 features
    const G = 20;
    const F = 40;
    const labels = (g: number) => OBS_GROUP_COLUMNS.map((c, k) => (k === 4 ? `donor${g}` : `${c}-${g % 3}`));
    const columns: Record<string, string[]> = {};
    OBS_GROUP_COLUMNS.forEach((c, k) => {
      columns[c] = Array.from({ length: G }, (_, g) => labels(g)[k]);
    });
    const cube = {
      featureIds: Array.from({ length: F }, (_, f) => `ENSG${String((f * 17) % F).padStart(5, "0")}`),
      obsGroups: { columns, nObs: new Array(G).fill(1) },
      sizeFactors: { soma_joinid: Array.from({ length: G }, (_, g) => g), columns, approx_size_factor: Array.from({ length: G }, (_, g) => 1 + g / 8) },
    };
    const groupRows = (groups: number[]): EstimatorRows => {
      const obsGroup: number[] = [];
      const gene: number[] = [];
      for (const g of groups) for (let f = 0; f < F; f++) if ((f * 7 + g * 13) % 5 < 3) {
        obsGroup.push(g);
        gene.push(f);
      }
      return {
        obsGroup,
        feature: gene,
        sum: gene.map((f, i) => f + obsGroup[i]),
        sumsq: gene.map((f, i) => (f + obsGroup[i]) * 2),
        sizeFactor: obsGroup.map((g) => 1 + g / 8),
        nObs: obsGroup.map(() => 1),
      };
    };
    const splits = [
      [Array.from({ length: G }, (_, g) => g)],
      [[0, 5, 10, 15], [1, 2, 3, 19], [4, 6, 7, 8, 9, 11, 12, 13, 14, 16, 17, 18]],
      Array.from({ length: 12 }, (_, b) => Array.from({ length: G }, (_, g) => g).filter((g) => (g * 7) % 12 === b)),
    ];
    const cubes: string[] = [];
    for (const split of splits) {
      const uri = fresh();
      const w = await CubeWriter.create(uri, cube);
      for (const groups of split) if (groups.length > 0) await w.writeBatch(groupRows(groups));
      await w.finish({ expectedNObs: G, chunkRows: 37 });
      cubes.push(uri);
    }
    for (const other of cubes.slice(1)) {
      const r = spawnSync(python, [dumpCube, other, "--compare", cubes[0]], { encoding: "utf8" });
      expect(r.stdout, r.stderr).toContain('"equal": true');
    }
  });

  it("two staged batches holding the same rows (a batch file copied) are refused, not written twice", async () => {
    const uri = fresh();
    const w = await CubeWriter.create(uri, input());
    await w.writeBatch(rows([0, 1]));
    // the batch of groups 0 and 1, named before the next is staged: two batches staged within a millisecond
    // are ordered by the random part of their names
    const [name] = staged(uri);
    await w.writeBatch(rows([2]));
    writeFileSync(join(uri, STAGING_DIR, `0-copy-${name}`), readFileSync(join(uri, STAGING_DIR, name)));
    const again = await CubeWriter.open(uri);
    const err = await again.finish({ expectedNObs: 6 }).catch((e) => e);
    expect(err.code).toBe("E_CORRUPT_STAGING");
    expect(err.message).toMatch(new RegExp(`staged estimators batches .*0-copy-${name}.* hold 6 \\(feature, obs group\\) rows twice`));
    expect(fragments(uri)).toEqual([]);
    expect(await cubeStatus(uri)).toBe("building");
  });

  it("a planned batch keeps its writer's record with its rows (readStagedSummary); one staged without has an empty record", async () => {
    const uri = fresh();
    const w = await CubeWriter.create(uri, input());
    await w.writeBatch(rows([0, 1]), { batchId: 4, record: { cells: 5, nnz: 17 } });
    await w.writeBatch(rows([2]), { batchId: 7 });
    const vfs = vfsFor(uri);
    expect(await readStagedSummary(vfs, uri, 4)).toEqual({ rows: 6, groups: 2, record: { cells: 5, nnz: 17 } });
    expect(await readStagedSummary(vfs, uri, 7)).toEqual({ rows: 3, groups: 1, record: {} });
    expect(await readStagedSummary(vfs, uri, 5)).toBeUndefined();
    // the record does not change what is written
    await w.finish({ expectedNObs: 6 });
    expect(estimatorCells(uri)).toBe(9);
    expect(await readStagedSummary(vfs, uri, 4)).toBeUndefined();
  });

  it("a corrupt staged batch is named in the error", async () => {
    const uri = fresh();
    const w = await CubeWriter.create(uri, input());
    await w.writeBatch(rows([0, 1, 2]));
    const [name] = staged(uri);
    const path = join(uri, STAGING_DIR, name);
    writeFileSync(path, readFileSync(path).subarray(0, 200));
    await expect(CubeWriter.open(uri)).rejects.toThrow(new RegExp(`staged estimators batch .*${name} is unreadable: \\d+ bytes do not hold`));
    expect(await code(w.finish())).toBe("E_CORRUPT_STAGING");
    // a batch staged by an earlier layout is named as such
    const old = readFileSync(path);
    old.set(new TextEncoder().encode("CUBESTG2"));
    writeFileSync(path, old);
    await expect(CubeWriter.open(uri)).rejects.toThrow(/staged by another version of cube-writer \(CUBESTG2, this one reads CUBESTG3\)/);
    writeFileSync(path, "garbage");
    await expect(CubeWriter.open(uri)).rejects.toThrow(/is unreadable: not a staged batch file/);
  });
});
