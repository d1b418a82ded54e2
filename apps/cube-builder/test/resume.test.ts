import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, compareCubes, cubeBuilder, repoRoot, runPython, tempDir } from "./helpers/env.js";

// kill -9 at random moments of a build; `--resume` must finish a cube equal to an uninterrupted build.
const tmp = tempDir("cube-resume-");
let experiment = "";
let reference = "";
let uninterruptedMs = 0;
const args = (cube: string) => ["build", "--experiment-uri", experiment, "--cube-uri", cube, "--max-workers", "2", "--min-batch-size", "300", "--log-format", "json"];

function descendants(pid: number): number[] {
  const out: number[] = [];
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop()!;
    let kids: number[] = [];
    try {
      kids = readFileSync(`/proc/${p}/task/${p}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      /* gone */
    }
    out.push(...kids);
    stack.push(...kids);
  }
  return out;
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/State:\s+Z/.test(safeRead(`/proc/${pid}/status`));
function safeRead(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** Starts a build and SIGKILLs it after `delayMs`; resolves once it and every worker it started are gone. */
function buildAndKill(cube: string, delayMs: number): Promise<{ killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args(cube)], { stdio: "ignore" });
    let workers: number[] = [];
    const watch = setInterval(() => {
      if (child.pid) workers = [...new Set([...workers, ...descendants(child.pid)])];
    }, 20);
    const timer = setTimeout(() => child.kill("SIGKILL"), delayMs);
    child.on("error", reject);
    child.on("exit", (_code, signal) => {
      clearTimeout(timer);
      clearInterval(watch);
      // Workers notice the parent's death through their IPC channel and exit; wait for them.
      const deadline = Date.now() + 60_000;
      const poll = setInterval(() => {
        if (workers.every((p) => !alive(p))) {
          clearInterval(poll);
          resolve({ killed: signal === "SIGKILL" });
        } else if (Date.now() > deadline) {
          clearInterval(poll);
          reject(new Error(`workers ${workers.filter(alive).join(",")} outlived their killed parent`));
        }
      }, 20);
    });
  });
}

beforeAll(() => {
  runPython(join(repoRoot, "tools/python/make_test_experiments.py"), [join(tmp.path, "exps"), "--seed", "1", "--only", "sparse-many-groups"]);
  experiment = join(tmp.path, "exps", "sparse-many-groups");
  reference = join(tmp.path, "uninterrupted");
  const t = Date.now();
  const r = cubeBuilder(args(reference));
  uninterruptedMs = Date.now() - t;
  expect(r.status, r.stderr).toBe(0);
}, 300_000);

afterAll(() => tmp.remove());

describe("crash and resume", () => {
  it("finishes the same cube after SIGKILL at random points (10 trials, at least 5 of them killed mid-build)", async () => {
    // Deterministic pseudo-random delays spread over the whole build, start-up to consolidation.
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    // A kill that lands after the build has finished kills nothing; on a loaded machine the build's pace varies, so
    // trials go on (up to 20) until at least 5 builds were really killed mid-way.
    let killedRuns = 0;
    for (let trial = 0; trial < 10 || (killedRuns < 5 && trial < 20); trial++) {
      const cube = join(tmp.path, `trial-${trial}`);
      const { killed } = await buildAndKill(cube, Math.round(100 + rand() * uninterruptedMs));
      if (killed) killedRuns++;
      // the killed build left its lock behind (its pid is dead): taken over explicitly
      const r = cubeBuilder([...args(cube), "--resume", "--take-over-lock"]);
      expect(r.status, `trial ${trial}: ${r.stderr}`).toBe(0);
      const cmp = compareCubes(cube, reference);
      expect(cmp.status, `trial ${trial}: ${cmp.out}`).toBe(0);
    }
    expect(killedRuns).toBeGreaterThanOrEqual(5);
  }, 1_500_000);
});
