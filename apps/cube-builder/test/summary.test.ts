/** The build summary's counts: values used do not depend on the batching; values read may. */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cubeBuilder, restoredFixture, tempDir } from "./helpers/env.js";

const tmp = tempDir("cube-summary-");
afterAll(() => tmp.remove());

describe("build summary", () => {
  it("values used are the same with one batch on one worker and many small batches on two", () => {
    const experiment = restoredFixture(join(tmp.path, "fixture"));
    const summaries = [
      ["--max-workers", "1", "--min-batch-size", "100000"],
      ["--max-workers", "2", "--min-batch-size", "256"],
    ].map((flags, i) => {
      const r = cubeBuilder(["build", "--experiment-uri", experiment, "--cube-uri", join(tmp.path, `cube-${i}`), ...flags]);
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim().split("\n").pop()!) as { batches: number; nnz: number; valuesUsed: number; rows: number; cellsWithoutGroup: number };
    });
    const [one, many] = summaries;
    expect(one.batches).toBe(1);
    expect(many.batches).toBeGreaterThan(1);
    expect(one.valuesUsed).toBeGreaterThan(0);
    expect(many.valuesUsed).toBe(one.valuesUsed);
    // one batch reads exactly its cells' values; span reads of small batches may read other batches' cells too
    expect(one.nnz).toBe(one.valuesUsed);
    expect(many.nnz).toBeGreaterThanOrEqual(many.valuesUsed);
    expect(many.rows).toBe(one.rows);
    expect(many.cellsWithoutGroup).toBe(one.cellsWithoutGroup);
  }, 300_000);
});
