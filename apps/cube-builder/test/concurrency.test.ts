/**
 * One builder per cube, with real processes: builds racing for one cube (a second build, a resume, an overwrite),
 * a stale lock taken over, a stopped worker caught by the watchdog. Every race must leave the loser refused and
 * the cube equal to an uninterrupted build. tools/scripts/race-builds.sh runs the same races many more times.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { cli, compareCubes, cubeBuilder, demoExperiment, repoRoot, tempDir } from "./helpers/env.js";

const tmp = tempDir("cube-race-");
afterAll(() => tmp.remove());
let reference = "";
let seq = 0;
const fresh = () => join(tmp.path, `cube-${seq++}`);

interface Run {
  proc: ChildProcess;
  done: Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string; ms: number }>;
}

function start(args: string[]): Run {
  const t0 = Date.now();
  const proc = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  proc.stderr!.on("data", (d) => {
    stderr += d;
  });
  proc.stdout!.resume();
  const done = new Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string; ms: number }>((resolve) =>
    proc.on("close", (status, signal) => resolve({ status, signal, stderr, ms: Date.now() - t0 })),
  );
  return { proc, done };
}

const buildArgs = (cube: string, ...extra: string[]) => ["build", "--experiment-uri", demoExperiment, "--cube-uri", cube, "--max-workers", "1", ...extra];

/** Two commands started `offsetMs` apart on one cube: exactly one succeeds, the other is refused; the cube is right. */
async function race(first: string[], second: string[], cube: string, offsetMs: number): Promise<void> {
  const a = start(first);
  await delay(offsetMs);
  const b = start(second);
  const [ra, rb] = await Promise.all([a.done, b.done]);
  const outcomes = [ra, rb].map((r) => r.status);
  const loser = ra.status === 0 ? rb : ra;
  // both may succeed only when the second starts after the first finished and is allowed to act on a complete cube
  // (a resume that finds it complete, an overwrite that replaces it); a second plain build is always refused
  if (outcomes.every((s) => s === 0)) {
    expect(second.includes("--resume") || second.includes("--overwrite"), `${ra.stderr}\n${rb.stderr}`).toBe(true);
  } else {
    expect(outcomes.sort(), `${ra.stderr}\n---\n${rb.stderr}`).toEqual([0, 1]);
    expect(loser.stderr).toMatch(/is being written by .* pid \d+ \((build|resume|overwrite)|already exists: pass --resume/);
  }
  const cmp = compareCubes(cube, reference);
  expect(cmp.status, cmp.out).toBe(0);
  expect(existsSync(`${cube}.lock`)).toBe(false);
  expect(readdirSync(tmp.path).filter((n) => n.includes(".cube-builder-staging-"))).toEqual([]);
}

/** The build's worker processes (children of `pid`). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** CPU seconds a process has used (user + system). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

describe("one builder per cube", () => {
  beforeAll(() => {
    reference = join(tmp.path, "reference");
    const r = cubeBuilder(buildArgs(reference));
    expect(r.status, r.stderr).toBe(0);
  }, 300_000);

  it("two builds racing: one builds, the other is refused (a random offset 0-2 s; tools/scripts/race-builds.sh runs 20)", async () => {
    const cube = fresh();
    await race(buildArgs(cube), buildArgs(cube), cube, Math.floor(Math.random() * 2000));
  }, 300_000);

  it("a resume racing a build, and an overwrite racing a build", async () => {
    const c1 = fresh();
    await race(buildArgs(c1), buildArgs(c1, "--resume"), c1, 500 + Math.floor(Math.random() * 1000));
    const c2 = fresh();
    await race(buildArgs(c2), buildArgs(c2, "--overwrite"), c2, 500 + Math.floor(Math.random() * 1000));
  }, 300_000);

  it("a killed build's lock is stale: --resume is refused until --take-over-lock, then finishes the cube", async () => {
    const cube = fresh();
    const a = start(buildArgs(cube));
    while (!existsSync(`${cube}.lock`)) await delay(20);
    a.proc.kill("SIGKILL");
    await a.done;
    const refused = cubeBuilder(buildArgs(cube, "--resume"));
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/looks stale: process \d+ on .* is no longer running.*pass --take-over-lock/);
    const resumed = cubeBuilder(buildArgs(cube, "--resume", "--take-over-lock"));
    expect(resumed.status, resumed.stderr).toBe(0);
    const cmp = compareCubes(cube, reference);
    expect(cmp.status, cmp.out).toBe(0);
  }, 300_000);

  it("a stopped worker: the watchdog kills it and the build exits 3 naming the batch, within the watchdog time + 5 s", async () => {
    // an experiment whose one batch takes a few CPU seconds, so the worker can be stopped in the middle of it
    const experiment = join(tmp.path, "synth");
    execFileSync(process.execPath, [join(repoRoot, "tools/synth-census/dist/cli.js"), "--out", experiment, "--cells", "3000", "--genes", "20000"], { stdio: "ignore" });
    const cube = fresh();
    const watchdogSeconds = 3;
    const a = start(["build", "--experiment-uri", experiment, "--cube-uri", cube, "--max-workers", "1", "--watchdog", String(watchdogSeconds)]);
    // stopped once well into its batch (or, on a slow machine, in its start-up hook, held to the same watchdog time)
    let worker: number | undefined;
    let exited = false;
    void a.done.then(() => {
      exited = true;
    });
    while (worker === undefined) {
      expect(exited, "the build ended before its worker could be stopped").toBe(false);
      await delay(20);
      worker = childrenOf(a.proc.pid!).find((p) => {
        try {
          return cpuSeconds(p) >= 1;
        } catch {
          return false;
        }
      });
    }
    const stoppedAt = Date.now();
    process.kill(worker, "SIGSTOP");
    const r = await a.done;
    const seconds = (Date.now() - stoppedAt) / 1000;
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`batch \\d+ \\(\\d+ cells, \\d+ obs groups\\) failed: worker process ${worker} (running task|starting \\(for task) "buildBatch" .* sent no heartbeat`));
    expect(seconds).toBeLessThan(watchdogSeconds + 5);
    expect(existsSync(`/proc/${worker}`)).toBe(false);
    expect(existsSync(`${cube}.lock`)).toBe(false); // released: a --resume needs no take-over
  }, 300_000);

  it("a worker that hangs while starting (stopped in a preload): the build exits 3 naming the hang, within the start-up bound + 15 s, and the worker is gone", async () => {
    const cube = fresh();
    const marker = join(tmp.path, "stopped-on-load");
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [cli, ...buildArgs(cube, "--watchdog", "3")], {
      encoding: "utf8",
      env: { ...process.env, CUBE_BUILDER_WORKER_NODE_ARGS: `--import ${pathToFileURL(join(repoRoot, "apps/cube-builder/test/fixtures/stop-on-load.mjs")).href}`, STOP_ON_LOAD_MARKER: marker },
    });
    const seconds = (Date.now() - t0) / 1000;
    const worker = Number(readFileSync(marker, "utf8"));
    expect(r.status, r.stderr).toBe(3);
    // the import is held to the start-up bound, max(--watchdog, 60 s): compiling the modules on a loaded machine is silent
    expect(r.stderr).toMatch(new RegExp(`batch \\d+ \\(\\d+ cells, \\d+ obs groups\\) failed: worker process ${worker} starting \\(for task "buildBatch" .* sent no heartbeat for [\\d.]+ s \\(watchdog 60 s`));
    expect(seconds).toBeLessThan(60 + 15);
    expect(existsSync(`/proc/${worker}`)).toBe(false);
    expect(existsSync(`${cube}.lock`)).toBe(false);
  }, 300_000);
});
