import { cpSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cubeBuilder, restoredFixture, tempDir } from "./helpers/env.js";

const tmp = tempDir("cube-cli-");
const cube = join(tmp.path, "demo-cube");
afterAll(() => tmp.remove());

describe("cube-builder CLI", () => {
  beforeAll(() => {
    // No --experiment-uri: the bundled demo experiment.
    const r = cubeBuilder(["build", "--cube-uri", cube, "--max-workers", "2"]);
    expect(r.status, r.stderr).toBe(0);
  }, 300_000);

  it("documents every build flag in --help", () => {
    const r = cubeBuilder(["build", "--help"]);
    expect(r.status).toBe(0);
    for (const flag of [
      "--experiment-uri", "--cube-uri", "--measurement-name", "--layer", "--obs-value-filter", "--estimators",
      "--validate", "--no-validate", "--consolidate", "--no-consolidate", "--resume", "--overwrite",
      "--max-workers", "--memory-budget", "--min-batch-size", "--log-format",
    ]) expect(r.stdout).toContain(flag);
  });

  it("builds the demo cube and describes it with info", () => {
    const r = cubeBuilder(["info", "--cube-uri", cube, "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.status).toBe("complete");
    expect(info.features).toBe(2000);
    expect(info.obs_groups).toBeGreaterThan(0);
    expect(info.cells).toBeGreaterThan(0);
    expect(info.build.experiment_uri).toMatch(/demo\/experiment$/);
    expect(info.build.validated).toBe(true);
  });

  it("validates a good cube and rejects one that does not match its experiment", () => {
    expect(cubeBuilder(["validate", "--cube-uri", cube]).status).toBe(0);
    // The same cube checked against a query with fewer cells: the n_obs total no longer matches.
    const copy = join(tmp.path, "copy");
    cpSync(cube, copy, { recursive: true });
    const missing = cubeBuilder(["validate", "--cube-uri", copy, "--experiment-uri", join(tmp.path, "nope")]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/nope/);
    const other = restoredFixture(join(tmp.path, "fixture"));
    const r = cubeBuilder(["validate", "--cube-uri", copy, "--experiment-uri", other]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/n_obs|cells/);
  });

  it("info on a directory that is not a cube names it", () => {
    const r = cubeBuilder(["info", "--cube-uri", tmp.path]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(tmp.path);
  });
});
