import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, compareCubes, cubeBuilder, repoRoot, runPython, tempDir } from "./helpers/env.js";
import type { BuildCounts } from "./helpers/hosts.js";

// plan / build --shard I/N / finalize, as an array job runs them: the cube must equal a one-machine build.
const tmp = tempDir("cube-shards-");
let experiment = "";
let reference = "";
const planArgs = (cube: string) => ["plan", "--experiment-uri", experiment, "--cube-uri", cube, "--max-workers", "2", "--min-batch-size", "100", "--log-format", "json"];

/** Runs the CLI in its own process; resolves with its exit status and stderr. */
function start(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("exit", (status) => resolve({ status, stderr }));
  });
}

/** A command's summary: its last stdout line. */
const lastJson = (stdout: string): BuildCounts => JSON.parse(stdout.trim().split("\n").pop()!);
let oneMachine: BuildCounts;

const shard = (cube: string, s: string) => ["build", "--cube-uri", cube, "--shard", s, "--max-workers", "1", "--log-format", "json"];

beforeAll(() => {
  runPython(join(repoRoot, "tools/python/make_test_experiments.py"), [join(tmp.path, "exps"), "--seed", "1", "--only", "sparse-many-groups"]);
  experiment = join(tmp.path, "exps", "sparse-many-groups");
  reference = join(tmp.path, "one-machine");
  const r = cubeBuilder(["build", "--experiment-uri", experiment, "--cube-uri", reference, "--max-workers", "2", "--log-format", "json"]);
  expect(r.status, r.stderr).toBe(0);
  oneMachine = lastJson(r.stdout);
  expect(oneMachine.valuesUsed).toBeGreaterThan(0);
}, 300_000);

afterAll(() => tmp.remove());

describe("plan / build --shard / finalize", () => {
  it("N = 1 and N = 3 in any order, one shard run twice, plan run twice: the one-machine cube", () => {
    for (const [n, order] of [
      [1, [0, 0]],
      [3, [2, 0, 2, 1]],
    ] as const) {
      const cube = join(tmp.path, `n${n}`);
      for (let k = 0; k < 2; k++) {
        const p = cubeBuilder(planArgs(cube));
        expect(p.status, p.stderr).toBe(0);
        expect(JSON.parse(p.stdout).reused).toBe(k === 1);
      }
      const summaries = order.map((i) => {
        const r = cubeBuilder(shard(cube, `${i}/${n}`));
        expect(r.status, r.stderr).toBe(0);
        return lastJson(r.stdout);
      });
      // the shares' rows and values used add up to the one-machine build's (a shard run again computes nothing);
      // what the input left out is the whole plan's, in every share's summary
      const total = (k: "rows" | "valuesUsed") => summaries.reduce((sum, x) => sum + x[k], 0);
      expect({ rows: total("rows"), valuesUsed: total("valuesUsed") }).toEqual({ rows: oneMachine.rows, valuesUsed: oneMachine.valuesUsed });
      for (const x of summaries) {
        expect({ cellsWithoutGroup: x.cellsWithoutGroup, xRowsWithoutObs: x.xRowsWithoutObs }).toEqual({ cellsWithoutGroup: oneMachine.cellsWithoutGroup, xRowsWithoutObs: oneMachine.xRowsWithoutObs });
      }
      const f = cubeBuilder(["finalize", "--cube-uri", cube, "--max-workers", "2"]);
      expect(f.status, f.stderr).toBe(0);
      const cmp = compareCubes(cube, reference);
      expect(cmp.status, cmp.out).toBe(0);
      expect(readdirSync(cube).sort()).toEqual(readdirSync(reference).sort());
      // finished: the steps have nothing left to do
      expect(cubeBuilder(shard(cube, `0/${n}`)).status).toBe(0);
      expect(cubeBuilder(["finalize", "--cube-uri", cube]).status).toBe(0);
    }
  }, 300_000);

  it("N = 7 shards at once, one of them twice at the same time (racing on its batches): the one-machine cube", async () => {
    const cube = join(tmp.path, "n7");
    const p = cubeBuilder(planArgs(cube));
    expect(p.status, p.stderr).toBe(0);
    expect(JSON.parse(p.stdout).batches).toBeGreaterThanOrEqual(7);
    const runs = await Promise.all([6, 3, 0, 5, 1, 4, 2, 3].map((i) => start(shard(cube, `${i}/7`))));
    for (const r of runs) expect(r.status, r.stderr).toBe(0);
    const f = cubeBuilder(["finalize", "--cube-uri", cube, "--max-workers", "2"]);
    expect(f.status, f.stderr).toBe(0);
    const cmp = compareCubes(cube, reference);
    expect(cmp.status, cmp.out).toBe(0);
  }, 300_000);

  it("a missing shard: finalize fails naming its batches and the command that computes them; that command completes the cube", () => {
    const cube = join(tmp.path, "missing");
    expect(cubeBuilder(planArgs(cube)).status).toBe(0);
    for (const i of [0, 2]) expect(cubeBuilder(shard(cube, `${i}/3`)).status).toBe(0);
    const f = cubeBuilder(["finalize", "--cube-uri", cube]);
    expect(f.status).toBe(1);
    const m = /batches ([\d,]+)\); compute them with `cube-builder build --cube-uri (\S+) --batches ([\d,]+)`/.exec(f.stderr);
    expect(m, f.stderr).not.toBeNull();
    expect(m![2]).toBe(cube);
    expect(m![3]).toBe(m![1]);
    const plan = JSON.parse(cubeBuilder(planArgs(cube)).stdout);
    // shard 1 of 3 gets every third batch, largest first: as many as the named ones
    expect(m![1].split(",").length).toBe(Math.floor((plan.batches + 1) / 3));
    expect(cubeBuilder(["build", "--cube-uri", cube, "--batches", m![3]]).status).toBe(0);
    const again = cubeBuilder(["finalize", "--cube-uri", cube]);
    expect(again.status, again.stderr).toBe(0);
    const cmp = compareCubes(cube, reference);
    expect(cmp.status, cmp.out).toBe(0);
  }, 300_000);

  it("plan and build with the same flags make the same batches (a budget small enough to bound them)", () => {
    const flags = ["--experiment-uri", experiment, "--max-workers", "2", "--min-batch-size", "100", "--memory-budget", "597MiB", "--log-format", "json"];
    const sizing = (stderr: string) => {
      const l = stderr.split("\n").find((x) => x.includes('"maxGroupsPerBatch"'));
      expect(l, stderr).toBeDefined();
      const { batches, workers, maxGroupsPerBatch, readBudget } = JSON.parse(l!);
      return { batches, workers, maxGroupsPerBatch, readBudget };
    };
    const p = cubeBuilder(["plan", "--cube-uri", join(tmp.path, "same-plan"), ...flags]);
    expect(p.status, p.stderr).toBe(0);
    const b = cubeBuilder(["build", "--cube-uri", join(tmp.path, "same-build"), ...flags]);
    expect(b.status, b.stderr).toBe(0);
    expect(sizing(b.stderr)).toEqual(sizing(p.stderr));
    expect(JSON.parse(b.stdout.trim().split("\n").pop()!).batches).toBe(JSON.parse(p.stdout).batches);
  }, 300_000);

  it("bad --shard and --batches values get clear errors", () => {
    const cube = join(tmp.path, "bad");
    expect(cubeBuilder(planArgs(cube)).status).toBe(0);
    const cases: Array<[string[], RegExp]> = [
      [["--shard", "3/3"], /--shard: "3\/3": INDEX must be 0..2/],
      [["--shard", "1/0"], /--shard: "1\/0": COUNT must be at least 1/],
      [["--shard", "one/3"], /--shard: "one\/3" must be INDEX\/COUNT/],
      [["--shard", "-1/3"], /--shard: "-1\/3" must be INDEX\/COUNT/],
      [["--shard", "0/3", "--batches", "1"], /--shard and --batches cannot be used together/],
      [["--shard", "0/3", "--experiment-uri", experiment], /--experiment-uri does not go with --shard/],
      [["--batches", "1,x"], /--batches: "1,x" must be comma-separated batch ids/],
      [["--batches", "0,999"], /--batches: 999 not in the plan/],
    ];
    for (const [flags, message] of cases) {
      const r = cubeBuilder(["build", "--cube-uri", cube, ...flags]);
      expect(r.status, flags.join(" ")).toBe(1);
      expect(r.stderr).toMatch(message);
    }
    const unplanned = cubeBuilder(["build", "--cube-uri", join(tmp.path, "never-planned"), "--shard", "0/2"]);
    expect(unplanned.status).toBe(1);
    expect(unplanned.stderr).toMatch(/has no batch plan: run `cube-builder plan/);
  }, 300_000);
});
