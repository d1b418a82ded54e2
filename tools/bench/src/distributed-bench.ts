/**
 * Distributed-build benchmark: on one experiment, in one run, with a Redis started here on loopback, every build
 * planned with the same flags (so every run computes the same batches):
 *   - one machine: `cube-builder build` (one command, `--max-workers 2`),
 *   - shards: `plan`, then `build --shard 0/2` and `--shard 1/2` at once (one worker process each), `finalize`,
 *   - the queue (`build --queue`) with 1, 2 and 3 workers of one worker process each,
 *   - the coordinator's overhead: its CPU time while the workers compute (it plans and finalizes besides), and
 *     each worker's idle gap between a job staged and its next job started,
 *   - the time from a worker's SIGKILL (holding jobs) to the first of them restarting on another worker, at the
 *     default lock (10 s) and stalled-check (5 s) durations and at 2 s / 1 s.
 * Wall time per command; CPU time of each command's process group (it and its worker processes), sampled from
 * /proc every 250 ms (a process's last quarter second is missed).
 *
 *   pnpm --filter @census-cube/bench bench:distributed -- --experiment DIR --work DIR [--workers 1,2,3]
 *        [--memory-budget 3GiB] [--min-batch-size 8192] [--runs one,shards,queue,takeover]
 *
 * `--runs` picks the runs, in that order (a large experiment on a shared machine may not have time for all).
 * Every step and worker gets `--watchdog 900`: on a heavily shared machine a worker can be silent past the default 120 s.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startRedis } from "@census-cube/s3-test-servers";
import { benchArgs, experimentAndWork } from "./lib/args.js";

const here = dirname(fileURLToPath(import.meta.url));
const cli = resolve(here, "..", "..", "..", "apps/cube-builder/dist/cli.js");
const values = benchArgs({
  experiment: { type: "string" },
  work: { type: "string" },
  workers: { type: "string", default: "1,2,3" },
  "memory-budget": { type: "string", default: "3GiB" },
  "min-batch-size": { type: "string", default: "8192" },
  runs: { type: "string", default: "one,shards,queue,takeover" },
});
const { experiment, work } = experimentAndWork("distributed-bench", values);
const budget = values["memory-budget"]!;
// the batches are sized for two worker processes (this machine's cores) in every run
const planFlags = ["--experiment-uri", experiment, "--max-workers", "2", "--memory-budget", budget, "--min-batch-size", values["min-batch-size"]!];
const TICKS_PER_SECOND = 100;
const runs = new Set(values.runs!.split(","));
const watchdog = ["--watchdog", "900"];

/** CPU seconds of a process group: the largest utime + stime seen of each of its processes, summed. */
class GroupCpu {
  private readonly seen = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly pgid: number) {
    this.timer = setInterval(() => this.sample(), 250);
    this.timer.unref();
  }
  sample(): void {
    for (const name of readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${name}/stat`, "utf8");
      } catch {
        continue; // exited meanwhile
      }
      // fields after the command name (which may hold spaces): state ppid pgrp ... utime(14) stime(15)
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(f[2]) !== this.pgid) continue;
      const ticks = Number(f[11]) + Number(f[12]);
      this.seen.set(Number(name), Math.max(this.seen.get(Number(name)) ?? 0, ticks));
    }
  }
  /** CPU seconds so far. */
  total(): number {
    let t = 0;
    for (const v of this.seen.values()) t += v;
    return t / TICKS_PER_SECOND;
  }
  stop(): number {
    clearInterval(this.timer);
    return this.total();
  }
}

interface Run {
  child: ChildProcess;
  log: string;
  cpu: GroupCpu;
  started: number;
  /** Exit code and wall seconds. */
  done: Promise<{ code: number | null; seconds: number }>;
}

function start(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const log = join(work, `${name}.log`);
  const fd = openSync(log, "w");
  const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", fd, fd], detached: true, env: { ...process.env, ...env } });
  const cpu = new GroupCpu(child.pid!);
  const started = performance.now();
  const done = new Promise<{ code: number | null; seconds: number }>((ok) =>
    child.on("exit", (code) => {
      cpu.sample();
      ok({ code, seconds: (performance.now() - started) / 1000 });
    }),
  );
  return { child, log, cpu, started, done };
}

/** Runs commands at once; wall seconds until the last exits, and CPU seconds of them all. */
async function runAll(runs: Array<[string, string[]]>): Promise<{ seconds: number; cpuSeconds: number }> {
  const t = performance.now();
  const rs = runs.map(([name, args]) => start(name, args));
  const ends = await Promise.all(rs.map((r) => r.done));
  let cpuSeconds = 0;
  for (const r of rs) cpuSeconds += r.cpu.stop();
  ends.forEach((e, i) => {
    if (e.code !== 0) throw new Error(`${runs[i][0]} exited ${e.code}: see ${rs[i].log}`);
  });
  return { seconds: (performance.now() - t) / 1000, cpuSeconds };
}

type Line = Record<string, unknown> & { time: number; msg?: string; batch?: number };
const lines = (log: string): Line[] =>
  readFileSync(log, "utf8")
    .split("\n")
    .filter((l) => l.startsWith('{"level"'))
    .map((l) => JSON.parse(l));

function killTree(r: Run): void {
  r.cpu.stop();
  try {
    if (r.child.pid) process.kill(-r.child.pid, "SIGKILL");
  } catch {
    // gone
  }
}

/** Stops a queue worker as its users do (SIGTERM: it finishes the jobs in hand) and waits for it. */
async function stopWorker(r: Run): Promise<number> {
  r.child.kill("SIGTERM");
  await r.done;
  return r.cpu.stop();
}

/** Idle time of a worker between a job staged and its next job started, per job. */
function gaps(log: string): number[] {
  const ls = lines(log).filter((l) => /: (started|staged)$/.test(l.msg ?? ""));
  const out: number[] = [];
  for (let i = 1; i < ls.length; i++) if (/started$/.test(ls[i].msg!) && /staged$/.test(ls[i - 1].msg!)) out.push((ls[i].time - ls[i - 1].time) / 1000);
  return out;
}

const round = (x: number) => Number(x.toFixed(2));
const redis = await startRedis();
const url = redis.url;
const worker = (name: string, queue: string, opts: { env?: NodeJS.ProcessEnv; lock?: string[]; maxWorkers?: number } = {}) =>
  start(
    name,
    ["worker", "--queue", url, "--queue-name", queue, "--max-workers", String(opts.maxWorkers ?? 1), "--memory-budget", budget, ...watchdog, "--log-format", "json", ...(opts.lock ?? ["--lock-duration", "10000", "--stalled-interval", "5000"])],
    opts.env,
  );

const results: Record<string, unknown> = {};
try {
  // the plan every run computes: its batches are the jobs
  const planCube = join(work, "cube-plan");
  rmSync(planCube, { recursive: true, force: true });
  await runAll([["plan", ["plan", "--cube-uri", planCube, ...planFlags, "--log-format", "json"]]]);
  const jobs = JSON.parse(readFileSync(join(work, "plan.log"), "utf8").split("\n").find((l) => l.startsWith('{"cubeUri"'))!).batches as number;
  rmSync(planCube, { recursive: true, force: true });

  if (runs.has("one")) {
    rmSync(join(work, "cube-one"), { recursive: true, force: true });
    const one = await runAll([["one-build", ["build", "--cube-uri", join(work, "cube-one"), ...planFlags, ...watchdog, "--log-format", "json"]]]);
    results.oneMachine = { seconds: round(one.seconds), cpuSeconds: round(one.cpuSeconds) };
    console.log("one machine, build --max-workers 2:", results.oneMachine);
  }

  // shards: plan, two shards at once, finalize
  const shardCube = join(work, "cube-shards");
  const shardArgs = (i: number): [string, string[]] => [`shards-${i}`, ["build", "--cube-uri", shardCube, "--shard", `${i}/2`, "--max-workers", "1", "--memory-budget", budget, ...watchdog, "--log-format", "json"]];
  if (runs.has("shards")) {
    rmSync(shardCube, { recursive: true, force: true });
    const shardPlan = await runAll([["shards-plan", ["plan", "--cube-uri", shardCube, ...planFlags, "--log-format", "json"]]]);
    const shards = await runAll([shardArgs(0), shardArgs(1)]);
    const fin = await runAll([["shards-finalize", ["finalize", "--cube-uri", shardCube, "--max-workers", "2", "--memory-budget", budget, ...watchdog, "--log-format", "json"]]]);
    results.shards = {
      seconds: round(shardPlan.seconds + shards.seconds + fin.seconds),
      cpuSeconds: round(shardPlan.cpuSeconds + shards.cpuSeconds + fin.cpuSeconds),
      planSeconds: round(shardPlan.seconds),
      shardsSeconds: round(shards.seconds),
      finalizeSeconds: round(fin.seconds),
      batches: jobs,
    };
    console.log("plan + 2 shards at once + finalize:", results.shards);
  }

  for (const n of runs.has("queue") ? values.workers!.split(",").map(Number) : []) {
    const queue = `bench-${n}`;
    const cube = join(work, `cube-queue-${n}`);
    rmSync(cube, { recursive: true, force: true });
    const ws = Array.from({ length: n }, (_, i) => worker(`queue-${n}-worker-${i}`, queue));
    await new Promise((r) => setTimeout(r, 3000)); // workers up and connected before the clock starts
    const co = start(`queue-${n}-coordinator`, ["build", "--cube-uri", cube, ...planFlags, ...watchdog, "--queue", url, "--queue-name", queue, "--log-format", "json"]);
    // the coordinator's CPU while the workers compute (between these two log lines): its cost of following the queue
    const marks: number[] = [];
    const watch = setInterval(() => {
      const ls = lines(co.log);
      const at = [/batch jobs on queue/, /every batch is computed/][marks.length];
      if (at && ls.some((l) => at.test(l.msg ?? ""))) {
        co.cpu.sample();
        marks.push(co.cpu.total());
      }
    }, 100);
    const end = await co.done;
    clearInterval(watch);
    const coCpu = co.cpu.stop();
    if (end.code !== 0) throw new Error(`queue build with ${n} workers failed: see ${co.log}`);
    let workersCpu = 0;
    for (const w of ws) workersCpu += await stopWorker(w);
    const cl = lines(co.log);
    const enqueued = cl.find((l) => /batch jobs on queue/.test(l.msg ?? ""))!.time;
    const computed = cl.find((l) => /every batch is computed/.test(l.msg ?? ""))!.time;
    const g = ws.flatMap((w) => gaps(w.log));
    results[`queue-${n}`] = {
      seconds: round(end.seconds),
      cpuSeconds: round(coCpu + workersCpu),
      coordinatorCpuSeconds: round(coCpu),
      coordinatorBatchPhaseCpuSeconds: marks.length === 2 ? round(marks[1] - marks[0]) : null,
      batchesSeconds: round((computed - enqueued) / 1000),
      meanIdleGapSeconds: g.length ? Number((g.reduce((a, b) => a + b, 0) / g.length).toFixed(3)) : null,
      maxIdleGapSeconds: g.length ? Number(Math.max(...g).toFixed(3)) : null,
      jobsPerWorker: ws.map((w) => lines(w.log).filter((l) => /staged$/.test(l.msg ?? "")).length),
    };
    console.log(`queue, ${n} workers:`, results[`queue-${n}`]);
  }

  // A worker's death to its jobs' restart: the doomed worker takes every job and holds them; once it is
  // killed, the other worker (idle until then) restarts the first job whose lock ran out. The run ends there.
  const takeovers = [
    ["defaults (lock 10 s, stalled check 5 s)", ["--lock-duration", "10000", "--stalled-interval", "5000"]],
    ["lock 2 s, stalled check 1 s", ["--lock-duration", "2000", "--stalled-interval", "1000"]],
  ] as const;
  for (const [label, lock] of runs.has("takeover") ? takeovers : []) {
    const queue = `bench-kill-${lock[1]}`;
    const cube = join(work, `cube-kill-${lock[1]}`);
    rmSync(cube, { recursive: true, force: true });
    const doomed = worker(`kill-${lock[1]}-doomed`, queue, { env: { CUBE_BUILDER_HOLD_JOB_MS: "600000" }, lock: [...lock], maxWorkers: jobs + 8 }); // room for a few more jobs than the first plan had
    const co = start(`kill-${lock[1]}-coordinator`, ["build", "--cube-uri", cube, ...planFlags, ...watchdog, "--queue", url, "--queue-name", queue, "--log-format", "json"]);
    // every job the coordinator enqueued is held (its own count: a plan made now may differ from the first one)
    const enqueued = () => lines(co.log).find((l) => /batch jobs on queue/.test(l.msg ?? ""))?.jobs as number | undefined;
    while (enqueued() === undefined || lines(doomed.log).filter((l) => l.holdMs).length < enqueued()!) await new Promise((r) => setTimeout(r, 100));
    const held = new Set(lines(doomed.log).filter((l) => l.holdMs).map((l) => l.batch));
    const other = worker(`kill-${lock[1]}-other`, queue, { lock: [...lock] });
    await new Promise((r) => setTimeout(r, 3000));
    killTree(doomed);
    const killedAt = Date.now();
    const restarted = () => lines(other.log).find((l) => held.has(l.batch) && /started$/.test(l.msg ?? ""));
    while (!restarted()) await new Promise((r) => setTimeout(r, 50));
    const restart = restarted()!;
    killTree(other);
    killTree(co);
    results[`takeover ${label}`] = { secondsFromKillToRestart: round((restart.time - killedAt) / 1000) };
    console.log(`worker killed, ${label}:`, results[`takeover ${label}`]);
  }
} finally {
  await redis.stop();
}
console.log(JSON.stringify(results));
