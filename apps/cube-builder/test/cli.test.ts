import { execFileSync } from "node:child_process";
import { cpSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cubeBuilder, demoExperiment, python, restoredFixture, tempDir } from "./helpers/env.js";

/** Every file under `dir` with its size and modification time. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const p = join(e.parentPath, e.name);
    const st = statSync(p);
    out[p] = `${st.size} ${st.mtimeMs}`;
  }
  return out;
}

const tmp = tempDir("cube-cli-");
const cube = join(tmp.path, "demo-cube");
afterAll(() => tmp.remove());

describe("cube-builder CLI", () => {
  beforeAll(() => {
    // `demo`: the bundled demo experiment.
    const r = cubeBuilder(["demo", "--cube-uri", cube, "--max-workers", "2"]);
    expect(r.status, r.stderr).toBe(0);
  }, 300_000);

  it("documents every build flag in --help", () => {
    const r = cubeBuilder(["build", "--help"]);
    expect(r.status).toBe(0);
    for (const flag of [
      "--experiment-uri", "--cube-uri", "--measurement-name", "--layer", "--obs-value-filter", "--estimators",
      "--validate", "--no-validate", "--consolidate", "--no-consolidate", "--resume", "--overwrite",
      "--max-workers", "--memory-budget", "--min-batch-size", "--log-format", "--log-level", "--take-over-lock", "--watchdog",
    ]) expect(r.stdout).toContain(flag);
  });

  it("prints its version; build without --experiment-uri is refused, pointing at demo", () => {
    const v = cubeBuilder(["--version"]);
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const r = cubeBuilder(["build", "--cube-uri", join(tmp.path, "no-exp")]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--experiment-uri is required .*cube-builder demo/);
  });

  it("--resume on a complete cube says so and changes nothing", () => {
    const before = snapshot(cube);
    const r = cubeBuilder(["demo", "--cube-uri", cube, "--resume", "--max-workers", "2"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/is complete already: nothing to resume, nothing changed/);
    expect(JSON.parse(r.stdout)).toMatchObject({ batches: 0, rows: 0 });
    expect(snapshot(cube)).toEqual(before);
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

  it("validate rejects a half-built cube and one with a group's rows deleted, naming each problem (exit 2)", () => {
    const half = join(tmp.path, "half");
    const planned = cubeBuilder(["plan", "--experiment-uri", demoExperiment, "--cube-uri", half]);
    expect(planned.status, planned.stderr).toBe(0);
    const r1 = cubeBuilder(["validate", "--cube-uri", half]);
    expect(r1.status, r1.stderr).toBe(2);
    expect(r1.stderr).toMatch(/status is "building", not "complete"/);
    expect(r1.stderr).toMatch(/obs group \d+ has no estimator rows although X holds \d+ values for its cells/);
    const cut = join(tmp.path, "cut");
    cpSync(cube, cut, { recursive: true });
    // the estimators array rewritten by Python tiledb without obs group 7's rows
    const drop = [
      "import shutil, sys, tiledb",
      "u = sys.argv[1]",
      "with tiledb.open(u) as A: d = A[:]; schema = A.schema",
      "keep = d['obs_group_joinid'] != 7",
      "shutil.rmtree(u); tiledb.Array.create(u, schema)",
      "with tiledb.open(u, 'w') as A: A[d['feature_id'][keep], d['obs_group_joinid'][keep]] = {k: v[keep] for k, v in d.items() if k not in ('feature_id', 'obs_group_joinid')}",
    ].join("\n");
    execFileSync(python, ["-c", drop, join(cut, "estimators")]);
    const r2 = cubeBuilder(["validate", "--cube-uri", cut]);
    expect(r2.status, r2.stderr).toBe(2);
    expect(r2.stderr).toMatch(/obs group 7 has no estimator rows although X holds \d+ values for its cells/);
    expect(r2.stderr).not.toMatch(/status is/);
  });

  it("info on a directory that is not a cube names it", () => {
    const r = cubeBuilder(["info", "--cube-uri", tmp.path]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(tmp.path);
  });
});
