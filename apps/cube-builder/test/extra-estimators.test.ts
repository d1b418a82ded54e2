import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRoot, cubeBuilder, python, restoredFixture, tempDir } from "./helpers/env.js";

const tmp = tempDir("cube-extras-");
let experiment = "";
beforeAll(() => {
  experiment = restoredFixture(join(tmp.path, "fixture"));
}, 120_000);
afterAll(() => tmp.remove());

describe("--estimators with the optional Memento estimators", () => {
  it("adds them as attributes; nnz/min/max equal what X holds, read with tiledbsoma", () => {
    const cube = join(tmp.path, "cube");
    const r = cubeBuilder(["build", "--experiment-uri", experiment, "--cube-uri", cube, "--estimators", "nnz,min,max,mean,sem,var,sev,selv", "--max-workers", "2"]);
    expect(r.status, r.stderr).toBe(0);
    const check = spawnSync(python, [join(appRoot, "test/python/check_extra_estimators.py"), cube, experiment], { encoding: "utf8" });
    expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
    expect(JSON.parse(check.stdout).rows).toBe(58);
  });
});
