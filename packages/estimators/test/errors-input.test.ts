import { describe, expect, it } from "vitest";
import { approxSizeFactors, assignObsGroups, EstimatorsError, meanSemFromStats, relativeSizeFactors } from "../src/index.js";

function codeOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EstimatorsError);
    return { code: (e as EstimatorsError).code, message: (e as Error).message };
  }
  throw new Error("expected an EstimatorsError");
}

describe("bad input gets a clear error", () => {
  it("size factors", () => {
    const neg = codeOf(() => relativeSizeFactors([3, -1, 2]));
    expect(neg.code).toBe("E_INVALID_COUNT");
    expect(neg.message).toContain("raw_sum[1]");
    expect(codeOf(() => relativeSizeFactors([3, Number.NaN])).code).toBe("E_INVALID_COUNT");
    expect(codeOf(() => approxSizeFactors([])).code).toBe("E_EMPTY_INPUT");
    expect(codeOf(() => relativeSizeFactors([0, 0])).code).toBe("E_ZERO_MEAN");
  });

  it("obs groups", () => {
    const cols = Object.fromEntries(
      ["cell_type_ontology_term_id", "dataset_id", "tissue_general_ontology_term_id", "assay_ontology_term_id", "donor_id",
        "disease_ontology_term_id", "sex_ontology_term_id", "development_stage_ontology_term_id",
        "self_reported_ethnicity_ontology_term_id", "suspension_type"].map((k) => [k, ["a", "b"]]),
    );
    const short = codeOf(() => assignObsGroups({ ...cols, donor_id: ["a"] }));
    expect(short.code).toBe("E_LENGTH_MISMATCH");
    expect(short.message).toContain("donor_id");
    const { dataset_id: _, ...missing } = cols;
    expect(codeOf(() => assignObsGroups(missing)).message).toContain("dataset_id");
    // plain strings group in code-point order; a missing value drops the cell
    const g = assignObsGroups({ ...cols, cell_type_ontology_term_id: ["b", null], donor_id: ["z", "a"] });
    expect(Array.from(g.groupIds)).toEqual([0, -1]);
  });

  it("mean/sem from statistics", () => {
    expect(
      codeOf(() => meanSemFromStats({ sum: Float32Array.of(1), sumsq: Float32Array.of(1, 2), sizeFactor: Float32Array.of(1), nObs: Float32Array.of(1) })).code,
    ).toBe("E_LENGTH_MISMATCH");
    const r = meanSemFromStats({ sum: Float32Array.of(3), sumsq: Float32Array.of(5), sizeFactor: Float32Array.of(2), nObs: Float32Array.of(2) });
    expect(r.mean[0]).toBeCloseTo(4 / 3, 6);
    expect(r.sem[0]).toBeCloseTo((Math.sqrt(5 / 2 - 2.25) * Math.sqrt(2)) / 2, 6);
  });
});
