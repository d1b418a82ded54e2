/**
 * The reference cubes were built from experiments made by tools/python/make_test_experiments.py; if the generator
 * changes, they no longer match what parity tests generate, and this says so before any parity test does.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { referenceCubes, repoRoot, runPython } from "./helpers/python.js";

describe("reference cube provenance", () => {
  it("make_test_experiments.py still generates the values the reference cubes were built from", () => {
    const want = JSON.parse(readFileSync(join(referenceCubes, "experiments.sha256.json"), "utf8")) as { seed: number; digests: Record<string, string> };
    const out = runPython(join(repoRoot, "tools/python/make_test_experiments.py"), ["--digest", "--seed", String(want.seed)]);
    const got = Object.fromEntries(out.trim().split("\n").map((l) => l.split("\t")));
    expect(got).toEqual(want.digests);
  });
});
