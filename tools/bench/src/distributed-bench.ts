/**
 * Queue-mode benchmark: on one experiment, in one run, with a Redis started here on loopback:
 *   - the same plan built on one machine (`build --shard 0/1 --max-workers 1`, then `finalize`): the baseline,
 *   - the queue (`build --queue`) with 1, 2 and 3 workers of one worker process each,
 *   - the coordinator's overhead per job: (queue with 1 worker - baseline) / jobs, and each worker's idle gap
 *     between a job staged and its next job started,
 *   - the time from a worker's SIGKILL (holding a job) to the job's restart on another worker, at the default
 *     lock (10 s) and stalled-check (5 s) durations and at 2 s / 1 s.
 *
 *   pnpm --filter @census-cube/bench bench:distributed -- --experiment DIR --work DIR [--workers 1,2,3]
 *        [--memory-budget 3GiB] [--min-batch-size 8192] [--skip-takeover]
 *
 * Every run plans with the same flags (--max-workers 3), so every run computes the same batches.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const cli = resolve(here, "..", "..", "..", "apps/cube-builder/dist/cli.js");
const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    experiment: { type: "string" },
    work: { type: "string" },
    workers: { type: "string", default: "1,2,3" },
    "memory-budget": { type: "string", default: "3GiB" },
    "min-batch-size": { type: "string", default: "8192" },
    "skip-takeover": { type: "boolean", default: false },
  },
});
if (!values.experiment || !values.work) {
  console.error("distributed-bench: --experiment DIR and --work DIR are required");
  process.exit(2);
}
const experiment = resolve(values.experiment);
const work = resolve(values.work);
mkdirSync(work, { recursive: true });
const planFlags = ["--experiment-uri", experiment, "--max-workers", "3", "--memory-budget", values["memory-budget"]!, "--min-batch-size", values["min-batch-size"]!];

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => ok(p));
    });
  });
}

interface Run {
  child: ChildProcess;
  log: string;
  done: Promise<number | null>;
}

function start(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const log = join(work, `${name}.log`);
  const fd = openSync(log, "w");
  const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", fd, fd], detached: true, env: { ...process.env, ...env } });
  return { child, log, done: new Promise((ok) => child.on("exit", (code) => ok(code))) };
}

async function run(name: string, args: string[]): Promise<number> {
  const t = performance.now();
  const code = await start(name, args).done;
  if (code !== 0) throw new Error(`${name} exited ${code}: see ${join(work, `${name}.log`)}`);
  return (performance.now() - t) / 1000;
}

type Line = Record<string, unknown> & { time: number; msg?: string; batch?: number };
const lines = (log: string): Line[] =>
  readFileSync(log, "utf8")
    .split("\n")
    .filter((l) => l.startsWith('{"level"'))
    .map((l) => JSON.parse(l));

function killTree(r: Run): void {
  try {
    if (r.child.pid) process.kill(-r.child.pid, "SIGKILL");
  } catch {
    // gone
  }
}

const port = await freePort();
const url = `redis://127.0.0.1:${port}/0`;
const redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
await new Promise((r) => setTimeout(r, 500));

const worker = (name: string, queue: string, env: NodeJS.ProcessEnv = {}, lock = ["--lock-duration", "10000", "--stalled-interval", "5000"]) =>
  start(name, ["worker", "--queue", url, "--queue-name", queue, "--max-workers", "1", "--memory-budget", values["memory-budget"]!, "--log-format", "json", ...lock], env);

/** Idle time of a worker between a job staged and its next job started, per job. */
function gaps(log: string): number[] {
  const ls = lines(log).filter((l) => /: (started|staged)$/.test(l.msg ?? ""));
  const out: number[] = [];
  for (let i = 1; i < ls.length; i++) if (/started$/.test(ls[i].msg!) && /staged$/.test(ls[i - 1].msg!)) out.push((ls[i].time - ls[i - 1].time) / 1000);
  return out;
}

const results: Record<string, unknown> = {};
try {
  // baseline: the same plan on one machine, one worker process
  rmSync(join(work, "cube-local"), { recursive: true, force: true });
  const plan = await run("local-plan", ["plan", "--cube-uri", join(work, "cube-local"), ...planFlags, "--log-format", "json"]);
  const batches = await run("local-batches", ["build", "--cube-uri", join(work, "cube-local"), "--shard", "0/1", "--max-workers", "1", "--memory-budget", values["memory-budget"]!, "--log-format", "json"]);
  const fin = await run("local-finalize", ["finalize", "--cube-uri", join(work, "cube-local"), "--max-workers", "2", "--log-format", "json"]);
  const jobs = JSON.parse(readFileSync(join(work, "local-batches.log"), "utf8").split("\n").find((l) => l.startsWith('{"cubeUri"'))!).batches as number;
  results.local = { planSeconds: plan, batchesSeconds: batches, finalizeSeconds: fin, totalSeconds: plan + batches + fin, jobs };
  console.log("one machine, 1 worker process:", results.local);

  for (const n of values.workers!.split(",").map(Number)) {
    const queue = `bench-${n}`;
    const cube = join(work, `cube-queue-${n}`);
    rmSync(cube, { recursive: true, force: true });
    const ws = Array.from({ length: n }, (_, i) => worker(`queue-${n}-worker-${i}`, queue));
    await new Promise((r) => setTimeout(r, 3000)); // workers up and connected before the clock starts
    const co = start(`queue-${n}-coordinator`, ["build", "--cube-uri", cube, ...planFlags, "--queue", url, "--queue-name", queue, "--log-format", "json"]);
    const t = performance.now();
    if ((await co.done) !== 0) throw new Error(`queue build with ${n} workers failed: see ${co.log}`);
    const total = (performance.now() - t) / 1000;
    const cl = lines(co.log);
    const enqueued = cl.find((l) => /batch jobs on queue/.test(l.msg ?? ""))!.time;
    const computed = cl.find((l) => /every batch is computed/.test(l.msg ?? ""))!.time;
    for (const w of ws) killTree(w);
    const g = ws.flatMap((w) => gaps(w.log));
    results[`queue-${n}`] = {
      totalSeconds: total,
      batchesSeconds: (computed - enqueued) / 1000,
      meanIdleGapSeconds: g.length ? g.reduce((a, b) => a + b, 0) / g.length : null,
      jobsPerWorker: ws.map((w) => lines(w.log).filter((l) => /staged$/.test(l.msg ?? "")).length),
    };
    console.log(`queue, ${n} workers:`, results[`queue-${n}`]);
  }

  // a worker's death to its job's restart on another worker
  const takeovers = [
    ["defaults (lock 10 s, stalled check 5 s)", ["--lock-duration", "10000", "--stalled-interval", "5000"]],
    ["lock 2 s, stalled check 1 s", ["--lock-duration", "2000", "--stalled-interval", "1000"]],
  ] as const;
  for (const [label, lock] of values["skip-takeover"] ? [] : takeovers) {
    const queue = `bench-kill-${lock[1]}`;
    const cube = join(work, `cube-kill-${lock[1]}`);
    rmSync(cube, { recursive: true, force: true });
    const doomed = worker(`kill-${lock[1]}-doomed`, queue, { CUBE_BUILDER_HOLD_JOB_MS: "600000" }, [...lock]);
    const co = start(`kill-${lock[1]}-coordinator`, ["build", "--cube-uri", cube, ...planFlags, "--queue", url, "--queue-name", queue, "--log-format", "json"]);
    while (!lines(doomed.log).some((l) => l.holdMs)) await new Promise((r) => setTimeout(r, 50));
    const held = lines(doomed.log).find((l) => l.holdMs)!.batch;
    const other = worker(`kill-${lock[1]}-other`, queue, {}, [...lock]);
    await new Promise((r) => setTimeout(r, 3000));
    killTree(doomed);
    const killedAt = Date.now();
    if ((await co.done) !== 0) throw new Error(`kill run failed: see ${co.log}`);
    const restart = lines(other.log).find((l) => l.batch === held && /started$/.test(l.msg ?? ""))!.time;
    killTree(other);
    results[`takeover ${label}`] = { secondsFromKillToRestart: (restart - killedAt) / 1000 };
    console.log(`worker killed, ${label}:`, results[`takeover ${label}`]);
  }
} finally {
  redis.kill("SIGKILL");
}
console.log(JSON.stringify(results));
