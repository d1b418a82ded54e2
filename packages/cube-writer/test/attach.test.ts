import { afterAll, describe, expect, it } from "vitest";
import { CubeWriter } from "../src/index.js";
import { tempDir } from "./helpers/python.js";

const tmp = tempDir("cube-attach-");
afterAll(() => tmp.remove());

describe("CubeWriter.attach", () => {
  it("writes batches from a state handed over by another writer, with the same checks", async () => {
    const cube = `${tmp.path}/cube`;
    const featureIds = ["ENSG1", "ENSG2"];
    const labels = (v: string[]) => Object.fromEntries(
      ["cell_type_ontology_term_id", "dataset_id", "tissue_general_ontology_term_id", "assay_ontology_term_id", "donor_id",
        "disease_ontology_term_id", "sex_ontology_term_id", "development_stage_ontology_term_id",
        "self_reported_ethnicity_ontology_term_id", "suspension_type"].map((c) => [c, v]),
    );
    const parent = await CubeWriter.create(cube, {
      featureIds,
      obsGroups: { columns: labels(["a", "b"]), nObs: [2, 1] },
      sizeFactors: { soma_joinid: [0, 1, 2], columns: labels(["a", "a", "b"]), approx_size_factor: [1, 1, 1] },
    });
    const worker = CubeWriter.attach(cube, parent.state());
    const rows = { obsGroup: [0, 0], feature: [0, 1], sum: [3, 1], sumsq: [5, 1], sizeFactor: [2, 2], nObs: [2, 2] };
    expect(await worker.writeBatch(rows)).toBe(2);
    await expect(worker.writeBatch(rows)).rejects.toThrow(/already written/);
    const reopened = await CubeWriter.open(cube);
    expect(Array.from(reopened.writtenGroups())).toEqual([1, 0]);
  });
});
