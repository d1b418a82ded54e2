/** The memory budget: one below what the build can keep is refused naming the minimum, and that minimum is kept. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { measure } from "../../../tools/bench/src/lib/measure.js";
import { cli, cubeBuilder, demoExperiment, tempDir } from "./helpers/env.js";

const tmp = tempDir("cube-memory-");
afterAll(() => tmp.remove());

describe("--memory-budget", () => {
  it("a budget below the minimum is refused naming it; a build at the minimum keeps its process tree within budget + 20%", async () => {
    const small = join(tmp.path, "too-small");
    const r = cubeBuilder(["build", "--experiment-uri", demoExperiment, "--cube-uri", small, "--memory-budget", "1MiB"]);
    expect(r.status, r.stderr).toBe(1);
    const m = /--memory-budget 1\.00 MiB is less than this build can keep: it needs at least ([\d.]+) MiB \(this process holds [\d.]+ MiB, one worker with one obs group of 2000 features [\d.]+ MiB\)/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(existsSync(small)).toBe(false);

    // the minimum named, plus a little for this process's own memory varying from run to run
    const budgetMiB = Math.ceil(Number(m![1])) + 16;
    const cube = join(tmp.path, "at-minimum");
    const run = await measure("build", [process.execPath, cli, "build", "--experiment-uri", demoExperiment, "--cube-uri", cube, "--memory-budget", `${budgetMiB}MiB`, "--max-workers", "2"], { sampleMs: 20 });
    expect(run.exitCode).toBe(0);
    expect(run.peakRssBytes).toBeGreaterThan(0);
    expect(run.peakRssBytes / 2 ** 20).toBeLessThanOrEqual(budgetMiB * 1.2);
  }, 300_000);
});
