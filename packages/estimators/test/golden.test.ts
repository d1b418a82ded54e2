import { Dictionary, Int32, makeData, makeVector, Utf8, vectorFromArray } from "apache-arrow";
import { describe, expect, it } from "vitest";
import {
  approxSizeFactors,
  assignObsGroups,
  differentialExpression,
  EstimatorsError,
  mementoEstimatorsForGroup,
  OBS_GROUP_COLUMNS,
  relativeSizeFactors,
  SufficientStatsAccumulator,
  toCubeRows,
} from "../src/index.js";
import { golden, type Inputs } from "./golden/load.js";

const inputs = golden<Inputs>("inputs.json");
const f = Math.fround;

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, abs: number, what: string) {
  expect(actual.length, `${what} length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e)) {
      expect(Number.isNaN(a), `${what}[${i}] should be NaN, got ${a}`).toBe(true);
      continue;
    }
    const ok = Math.abs(a - e) <= Math.max(abs, rel * Math.abs(e));
    if (!ok) expect.fail(`${what}[${i}]: got ${a}, expected ${e} (rel ${rel}, abs ${abs})`);
  }
}

describe("size factors match the reference", () => {
  const expected = golden<{ size_factors: { name: string; relative: number[]; approx: number[] }[] }>(
    "size-factors.expected.json",
  ).size_factors;
  for (const c of inputs.size_factors) {
    it(c.name, () => {
      const e = expected.find((x) => x.name === c.name);
      if (!e) throw new Error(`no expected values for ${c.name}`);
      // Same operations in the same order: equal in float64, not just float32.
      expect(Array.from(relativeSizeFactors(c.raw_sum))).toEqual(e.relative);
      expect(Array.from(approxSizeFactors(c.raw_sum))).toEqual(e.approx);
    });
  }
});

interface PipelineExpected {
  approx_size_factor: number[];
  obs_group_joinid: number[];
  group_n_obs: number[];
  rows: Record<"obs_group" | "gene" | "sum" | "sumsq" | "size_factor" | "n_obs", number[]>;
}

function dictionaryVector(categories: string[], codes: number[]) {
  const dictionary = vectorFromArray(categories, new Utf8());
  const type = new Dictionary(new Utf8(), new Int32());
  return makeVector(makeData({ type, length: codes.length, nullCount: 0, data: Int32Array.from(codes), dictionary }));
}

describe("the cube pipeline matches the reference builder", () => {
  const p = inputs.pipeline;
  const expected = golden<PipelineExpected>("pipeline.expected.json");

  it("obs groups from coded categoricals and from Arrow dictionary vectors", () => {
    const coded = Object.fromEntries(
      Object.entries(p.obs).map(([k, v]) => [k, { codes: Int32Array.from(v.codes), categories: v.categories }]),
    );
    const groups = assignObsGroups(coded);
    expect(Array.from(groups.groupIds)).toEqual(expected.obs_group_joinid);
    expect(Array.from(groups.nObs)).toEqual(expected.group_n_obs);
    const arrow = Object.fromEntries(
      Object.entries(p.obs).map(([k, v]) => [k, dictionaryVector(v.categories, v.codes)]),
    );
    expect(Array.from(assignObsGroups(arrow).groupIds)).toEqual(expected.obs_group_joinid);
    // key codes name each group's values
    const g = groups.groupIds[17];
    expect(groups.columns[0].categories[groups.keyCodes[0][g]]).toBe("CL:single");
    expect(groups.columns.map((c) => c.name)).toEqual([...OBS_GROUP_COLUMNS]);
  });

  it("sufficient statistics, streamed in batches that split cells", () => {
    const sf = approxSizeFactors(p.raw_sum);
    expect(Array.from(sf)).toEqual(expected.approx_size_factor);
    const groups = Int32Array.from(expected.obs_group_joinid);
    const acc = new SufficientStatsAccumulator({ nFeatures: p.n_genes, cellGroup: groups, cellSizeFactor: sf });
    const n = p.x.cell.length;
    const cuts = [0, 1000, 1001, Math.floor(n / 2) + 3, n];
    for (let b = 0; b + 1 < cuts.length; b++) {
      const [s, e] = [cuts[b], cuts[b + 1]];
      acc.add(
        BigInt64Array.from(p.x.cell.slice(s, e), BigInt),
        BigInt64Array.from(p.x.gene.slice(s, e), BigInt),
        Float32Array.from(p.x.value.slice(s, e)),
      );
    }
    const rows = toCubeRows(acc.take());
    const r = expected.rows;
    expect(Array.from(rows.obsGroup)).toEqual(r.obs_group);
    expect(Array.from(rows.feature)).toEqual(r.gene);
    expect(Array.from(rows.nObs)).toEqual(r.n_obs);
    // The reference sums float32 values pairwise in float32; we sum in float64. Equal up to float32 rounding.
    expectClose(rows.sum, r.sum, 2 ** -23, 0, "sum");
    expectClose(rows.sumsq, r.sumsq, 2 ** -21, 0, "sumsq");
    expectClose(rows.sizeFactor, r.size_factor, 2 ** -23, 0, "size_factor");
    expect(acc.openGroups()).toEqual([]);
  });
});

interface DeExpected {
  runs: { treatment: string; covariates: string[]; gene: number[]; coef: number[]; z: number[]; pval: number[] }[];
  three_valued_treatment: string;
}

describe("differential expression matches the reference consumer", () => {
  const d = inputs.de;
  const expected = golden<DeExpected>("de.expected.json");
  const obsGroups = {
    obsGroupJoinid: Uint32Array.from(d.obs_groups.n_obs.keys()),
    nObs: Int32Array.from(d.obs_groups.n_obs),
    columns: Object.fromEntries(
      Object.entries(d.obs_groups.columns).map(([k, v]) => [k, { codes: Int32Array.from(v.codes), categories: v.categories }]),
    ),
  };
  const cube = {
    obsGroup: Uint32Array.from(d.cube.obs_group),
    feature: Uint32Array.from(d.cube.gene),
    sum: Float32Array.from(d.cube.sum),
    sumsq: Float32Array.from(d.cube.sumsq),
    sizeFactor: Float32Array.from(d.cube.size_factor),
    nObs: Float32Array.from(d.cube.n_obs),
  };
  for (const run of expected.runs) {
    it(`${run.treatment} with covariates [${run.covariates.join(", ")}]`, () => {
      const res = differentialExpression({ obsGroups, cube, treatment: run.treatment, covariates: run.covariates });
      expect(Array.from(res.feature)).toEqual(run.gene);
      expectClose(res.coef, run.coef, 1e-6, 0, "coef");
      expectClose(res.z, run.z, 1e-6, 0, "z");
      for (let i = 0; i < run.pval.length; i++) {
        const [a, e] = [res.pval[i], run.pval[i]];
        if (!(Math.abs(a - e) <= 1e-9 || Math.abs(a - e) <= 1e-6 * Math.abs(e))) {
          expect.fail(`pval[${i}]: got ${a}, expected ${e}`);
        }
      }
    });
  }
  it("refuses a treatment without exactly two values, as the reference does", () => {
    expect(expected.three_valued_treatment).toMatch(/AssertionError/);
    expect(() => differentialExpression({ obsGroups, cube, treatment: "donor_id" })).toThrow(
      expect.objectContaining({ code: "E_TREATMENT_NOT_BINARY" }),
    );
    expect(() => differentialExpression({ obsGroups, cube, treatment: "donor_id" })).toThrow(EstimatorsError);
  });
});

void f;
void mementoEstimatorsForGroup;
