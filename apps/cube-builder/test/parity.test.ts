import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareCubes, cubeBuilder, referenceCubes, repoRoot, restoredFixture, runPython, tempDir } from "./helpers/env.js";

// Cubes built by cube-builder must read in Python tiledb as equal to the reference builder's (see
// test/reference-cubes/NOTE.md): same schemas, obs_groups and feature ids, estimators within float32 rounding.
// The schemas' zstd levels are the reference's capped at --zstd-level-cap (3 by default; "none": uncapped).
const tmp = tempDir("cube-parity-");
const experiments: Record<string, string> = {};

beforeAll(() => {
  const make = join(repoRoot, "tools/python/make_test_experiments.py");
  runPython(make, [join(tmp.path, "exps"), "--seed", "1"]);
  runPython(make, [join(tmp.path, "exps-strings"), "--seed", "1", "--plain-strings", "--only", "categorical-mixed"]);
  experiments["census-homo-sapiens-small"] = restoredFixture(join(tmp.path, "fixture"));
  for (const name of ["dense-strings", "sparse-many-groups", "single-group", "categorical-mixed"]) experiments[name] = join(tmp.path, "exps", name);
  experiments["categorical-mixed (plain strings)"] = join(tmp.path, "exps-strings", "categorical-mixed");
  experiments["single-group (reference zstd levels)"] = experiments["single-group"];
}, 300_000);

afterAll(() => tmp.remove());

const cases: Array<[string, string, string[]]> = [
  ["census-homo-sapiens-small", "census-homo-sapiens-small", []],
  ["dense-strings", "dense-strings", []],
  // More cells than one minimum batch, so it is built from several batches and fragments.
  ["sparse-many-groups", "sparse-many-groups", ["--min-batch-size", "1000"]],
  ["single-group", "single-group", []],
  // Uncapped, the schemas are the reference's to the last filter level.
  ["single-group (reference zstd levels)", "single-group", ["--zstd-level-cap", "none"]],
  // A categorical obs gives the cube of its labels, as the plain-string twin does.
  ["categorical-mixed", "categorical-mixed", []],
  ["categorical-mixed (plain strings)", "categorical-mixed", []],
];

describe("cube-builder parity with the reference builder", () => {
  it.each(cases)("%s", (name, reference, extra) => {
    const cube = join(tmp.path, "cubes", name.replace(/\W+/g, "-"));
    const r = cubeBuilder(["build", "--experiment-uri", experiments[name], "--cube-uri", cube, "--max-workers", "2", "--log-format", "json", ...extra]);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.cells).toBeGreaterThan(0);
    const uncapped = extra.join(" ").includes("--zstd-level-cap none");
    const cmp = compareCubes(cube, join(referenceCubes, reference, "cube"), { maxZstdLevel: uncapped ? undefined : 3 });
    expect(cmp.status, cmp.out).toBe(0);
  });
});
