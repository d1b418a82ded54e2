/**
 * Parity with the reference consumer (diff_expr.py, see reference-outputs/NOTE.md): memento-de on the reference
 * builder's cubes and on cubes cube-builder builds from the same experiments gives the reference's coef, z and p
 * per gene within the estimators' DE tolerances, and leaves out the same genes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRoot, buildCube, mementoDe, readDelimited, referenceCubes, repoRoot, restoredFixture, runPython, tempDir } from "./helpers.js";

const outputs = join(appRoot, "test/reference-outputs");
const queries = readFileSync(join(outputs, "queries.psv"), "utf8")
  .trimEnd()
  .split("\n")
  .map((l) => {
    const [cube, name, treatment, filter, covariates] = l.split("|");
    return { cube, name, treatment, filter, covariates };
  });

const tmp = tempDir("memento-de-parity-");
const ours: Record<string, string> = {};

beforeAll(() => {
  const exps = join(tmp.path, "exps");
  runPython(join(repoRoot, "tools/python/make_test_experiments.py"), [exps, "--seed", "1", "--only", "dense-strings", "categorical-mixed", "sparse-many-groups"]);
  const experiments: Record<string, string> = { "census-homo-sapiens-small": restoredFixture(join(tmp.path, "fixture")) };
  for (const n of ["dense-strings", "categorical-mixed", "sparse-many-groups"]) experiments[n] = join(exps, n);
  for (const [name, exp] of Object.entries(experiments)) {
    ours[name] = join(tmp.path, "cubes", name);
    buildCube(exp, ours[name]);
  }
}, 600_000);
afterAll(() => tmp.remove());

/** The estimators package's DE tolerances (its golden test): coef and z to 1e-6 relative, p to 1e-9 or 1e-6 relative. */
function expectParity(got: Record<string, string>[], want: Record<string, string>[], what: string) {
  const byId = new Map(got.map((r) => [r.feature_id, r]));
  expect([...byId.keys()].sort(), `${what}: tested genes`).toEqual(want.map((r) => r.feature_id).sort());
  for (const w of want) {
    const g = byId.get(w.feature_id)!;
    for (const k of ["coef", "z"]) {
      const [a, e] = [Number(g[k]), Number(w[k])];
      if (!(Math.abs(a - e) <= 1e-6 * Math.abs(e))) expect.fail(`${what} ${w.feature_id} ${k}: ${a}, reference ${e}`);
    }
    const [a, e] = [Number(g.pval), Number(w.pval)];
    if (!(Math.abs(a - e) <= 1e-9 || Math.abs(a - e) <= 1e-6 * Math.abs(e))) expect.fail(`${what} ${w.feature_id} pval: ${a}, reference ${e}`);
    // the standard error is the one z was made from
    expect(Math.abs(Number(g.se) - Number(g.coef) / Number(g.z))).toBeLessThanOrEqual(1e-9 * Math.abs(Number(g.se)) + 1e-15);
  }
}

describe.each(queries)("$cube: $name", (q) => {
  for (const source of ["reference", "ours"] as const) {
    it(`on the ${source === "reference" ? "reference builder's cube" : "cube built by cube-builder"}`, () => {
      const cube = source === "reference" ? join(referenceCubes, q.cube, "cube") : ours[q.cube];
      const out = join(tmp.path, `${source}.${q.cube}.${q.name}.tsv`);
      const args = ["--cube-uri", cube, "--treatment", q.treatment, "--output", out];
      if (q.filter) args.push("--filter", q.filter);
      if (q.covariates) args.push("--covariates", q.covariates);
      // one worker runs in-process; the larger cube also goes through the worker pool
      args.push("--max-workers", q.cube === "sparse-many-groups" && source === "ours" ? "2" : "1");
      const r = mementoDe(args);
      expect(r.status, r.stderr).toBe(0);
      const want = readDelimited(join(outputs, source, `${q.cube}.${q.name}.csv`), ",");
      expect(want.length).toBeGreaterThan(0);
      expectParity(readDelimited(out, "\t"), want, `${source} ${q.cube} ${q.name}`);
    });
  }
});
