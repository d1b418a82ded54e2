/**
 * The final estimators fragment written in parallel pieces by the workers (2 workers, more rows than one
 * 10,000-cell tile) equals the one a single process writes (1 worker), and is one fragment in Python tiledb.
 * The bundled demo experiment, in batches of >= 400 cells, has ~280,000 estimator rows: 28 tiles, two pieces.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compareCubes, cubeBuilder, demoExperiment, python, tempDir } from "./helpers/env.js";

const tmp = tempDir("cube-parallel-");
afterAll(() => tmp.remove());

describe("final write in parallel pieces", () => {
  it("gives the cube a single process writes", () => {
    const cubes: Record<string, string> = {};
    for (const workers of ["1", "2"]) {
      cubes[workers] = join(tmp.path, `demo-${workers}`);
      const r = cubeBuilder(["build", "--experiment-uri", demoExperiment, "--cube-uri", cubes[workers], "--max-workers", workers, "--min-batch-size", "400", "--log-format", "json"]);
      expect(r.status, r.stderr).toBe(0);
      // only the 2-worker build logs the pieces
      expect(r.stderr.includes("parallel pieces") || r.stdout.includes("parallel pieces")).toBe(workers === "2");
    }
    const cmp = compareCubes(cubes["2"], cubes["1"]);
    expect(cmp.status, cmp.out).toBe(0);
    // more rows than two tiles of 10,000, so the pieces are real
    expect(Number(/"estimators": (\d+)/.exec(cmp.out)?.[1])).toBeGreaterThan(20_000);
    const frags = execFileSync(python, ["-c", "import sys,tiledb; print(len(tiledb.array_fragments(sys.argv[1])))", join(cubes["2"], "estimators")], { encoding: "utf8" });
    expect(frags.trim()).toBe("1");
  });
});
