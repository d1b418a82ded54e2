/**
 * Parity with the reference builder's cubes: a cube written by CubeWriter from a reference cube's own values
 * is read by Python tiledb as equal to it (schemas, enumerations, metadata, every cell).
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CubeWriter, type EstimatorRows, readBuildRecord, readCubeState } from "../src/index.js";
import { compareCubes, cubeValues, referenceCubes, runPython, tempDir } from "./helpers/python.js";

interface CubeValues {
  featureIds: string[];
  estimatorNames: string[];
  obsGroups: { columns: Record<string, string[]>; nObs: number[] };
  sizeFactors: { soma_joinid: number[]; columns: Record<string, string[]>; approx_size_factor: number[] };
  estimators: { obsGroup: number[]; feature: number[]; sum: number[]; sumsq: number[]; sizeFactor: number[]; nObs: number[]; extra: Record<string, number[]> };
}

const CUBES = ["census-homo-sapiens-small", "dense-strings", "categorical-mixed", "sparse-many-groups", "single-group"];
const tmp = tempDir("cube-writer-parity-");
afterAll(() => tmp.remove());

/** Splits estimator rows (sorted by group) into `parts` batches of whole groups. */
function batches(e: CubeValues["estimators"], parts: number): EstimatorRows[] {
  const n = e.obsGroup.length;
  const out: EstimatorRows[] = [];
  let start = 0;
  for (let p = 0; p < parts && start < n; p++) {
    let end = p === parts - 1 ? n : Math.max(start + 1, Math.round(((p + 1) * n) / parts));
    while (end < n && e.obsGroup[end] === e.obsGroup[end - 1]) end++;
    const pick = (a: number[]) => a.slice(start, end);
    out.push({
      obsGroup: Uint32Array.from(pick(e.obsGroup)),
      feature: Uint32Array.from(pick(e.feature)),
      sum: Float32Array.from(pick(e.sum)),
      sumsq: Float32Array.from(pick(e.sumsq)),
      sizeFactor: Float32Array.from(pick(e.sizeFactor)),
      nObs: Float32Array.from(pick(e.nObs)),
    });
    start = end;
  }
  return out;
}

/** The rows of a batch in a scrambled (deterministic) order: the writer must not rely on input order. */
function shuffle(b: EstimatorRows): EstimatorRows {
  const n = b.obsGroup.length;
  const perm = Array.from({ length: n }, (_, i) => (i * 7919 + 13) % n);
  if (new Set(perm).size !== n) return b; // 7919 shares a factor with n: keep the order
  const p = <T extends ArrayLike<number>>(a: T) => Float64Array.from(perm, (i) => a[i]);
  return { obsGroup: p(b.obsGroup), feature: p(b.feature), sum: p(b.sum), sumsq: p(b.sumsq), sizeFactor: p(b.sizeFactor), nObs: p(b.nObs) };
}

describe.each(CUBES)("reference cube %s", (name) => {
  const reference = join(referenceCubes, name, "cube");

  it("written again by CubeWriter, reads in Python tiledb equal to the reference", async () => {
    const v = JSON.parse(runPython(cubeValues, [reference])) as CubeValues;
    const cube = join(tmp.path, name);
    const writer = await CubeWriter.create(cube, {
      featureIds: v.featureIds,
      obsGroups: v.obsGroups,
      sizeFactors: v.sizeFactors,
      build: { experiment_uri: `reference:${name}` },
    });
    let rows = 0;
    for (const b of batches(v.estimators, 3)) rows += await writer.writeBatch(shuffle(b));
    expect(rows).toBe(v.estimators.obsGroup.length);
    const nObs = v.obsGroups.nObs.reduce((a, b) => a + b, 0);
    // small chunks: the staged batches are written in many appends, across tile boundaries (capacity 10000)
    const report = await writer.finish({ expectedNObs: nObs, expectedGroups: v.obsGroups, chunkRows: 97 });
    expect(report).toMatchObject({ nObsGroups: v.obsGroups.nObs.length, nObs, nFeatures: v.featureIds.length, nEstimatorRows: rows });

    const r = compareCubes(cube, reference);
    expect(r.out).toContain('"equal": true');
    expect(r.status).toBe(0);

    const record = await readBuildRecord(cube);
    expect(record).toMatchObject({ experiment_uri: `reference:${name}`, n_obs: nObs, validated: true, consolidated: true });
    const state = await readCubeState(cube);
    expect(state.status).toBe("complete");
    expect([...state.groupWritten].filter((x) => x).length).toBe(new Set(v.estimators.obsGroup).size);
  });
});
