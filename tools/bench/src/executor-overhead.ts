/**
 * Per-task overhead of @census-cube/resource-pool-executor: many tiny tasks (the task returns its argument),
 * measured side by side with plain workerpool on the same number of worker processes.
 *
 *   pnpm --filter @census-cube/bench bench:executor [-- --tasks 10000 --workers 2]
 *
 * Workers are started before timing, so the figures are scheduling + IPC per task, not process start-up;
 * a separate line measures recycling (a fresh process every 10 tasks, the default).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ResourcePoolExecutor } from "@census-cube/resource-pool-executor";
import { benchArgs } from "./lib/args.js";

const values = benchArgs({
  tasks: { type: "string", default: "10000" },
  workers: { type: "string", default: "2" },
  "recycle-tasks": { type: "string", default: "1000" },
});
let N = Number(values.tasks);
const W = Number(values.workers);
const RECYCLE_N = Number(values["recycle-tasks"]);

// Task and worker scripts are plain JavaScript written at run time, so workers need no TypeScript loader.
const dir = mkdtempSync(join(tmpdir(), "executor-bench-"));
const tasksPath = join(dir, "tiny-tasks.mjs");
writeFileSync(tasksPath, "export function echo(x) { return x; }\n");
// The plain-workerpool baseline needs its own worker script; it imports workerpool by absolute path.
const executorEntry = fileURLToPath(import.meta.resolve("@census-cube/resource-pool-executor"));
const workerpoolPath = createRequire(executorEntry).resolve("workerpool");
// Structural type of the little of workerpool the baseline uses (the bench does not depend on it directly).
interface RawPool {
  exec(method: string, params: unknown[]): Promise<unknown>;
  terminate(): Promise<unknown>;
}
const workerpool = createRequire(executorEntry)("workerpool") as {
  pool(script: string, options: { maxWorkers: number; workerType: "process" }): RawPool;
};
const rawWorkerPath = join(dir, "raw-worker.mjs");
writeFileSync(
  rawWorkerPath,
  `import workerpool from ${JSON.stringify(pathToFileURL(workerpoolPath).href)};\nworkerpool.worker({ echo: (x) => x });\n`,
);

interface Row {
  label: string;
  tasks: number;
  seconds: number;
}

const now = () => performance.now() / 1000;

async function rawWorkerpool(): Promise<Row> {
  const pool = workerpool.pool(rawWorkerPath, { maxWorkers: W, workerType: "process" });
  await Promise.all(Array.from({ length: W }, (_, i) => pool.exec("echo", [i]))); // start the workers
  const t0 = now();
  await Promise.all(Array.from({ length: N }, (_, i) => pool.exec("echo", [i])));
  const seconds = now() - t0;
  await pool.terminate();
  return { label: `workerpool exec, ${W} processes (baseline)`, tasks: N, seconds };
}

function executor(maxTasksPerWorker: number): ResourcePoolExecutor<{ echo: (x: number) => number }> {
  return new ResourcePoolExecutor<{ echo: (x: number) => number }>({
    taskModule: tasksPath,
    maxResources: N,
    maxWorkers: W,
    maxTasksPerWorker,
  });
}

async function executorBatch(): Promise<Row> {
  const ex = executor(Number.POSITIVE_INFINITY);
  await Promise.all(Array.from({ length: W }, (_, i) => ex.submit(1, "echo", [i])));
  const t0 = now();
  // Varied sizes so the best-fit queue does real work: sizes 1..16, budget N.
  await Promise.all(Array.from({ length: N }, (_, i) => ex.submit(1 + (i % 16), "echo", [i])));
  const seconds = now() - t0;
  await ex.shutdown();
  return { label: `ResourcePoolExecutor, ${W} workers, no recycling`, tasks: N, seconds };
}

async function executorTight(): Promise<Row> {
  // A budget that admits one task at a time: every admission waits for a completion.
  const ex = new ResourcePoolExecutor<{ echo: (x: number) => number }>({
    taskModule: tasksPath,
    maxResources: 1,
    maxWorkers: W,
    maxTasksPerWorker: Number.POSITIVE_INFINITY,
  });
  await ex.submit(1, "echo", [0]);
  const t0 = now();
  await Promise.all(Array.from({ length: N }, (_, i) => ex.submit(1, "echo", [i])));
  const seconds = now() - t0;
  await ex.shutdown();
  return { label: "ResourcePoolExecutor, budget of one task (serial)", tasks: N, seconds };
}

async function executorRecycling(): Promise<Row> {
  const ex = executor(10);
  await Promise.all(Array.from({ length: W }, (_, i) => ex.submit(1, "echo", [i])));
  const t0 = now();
  await Promise.all(Array.from({ length: RECYCLE_N }, (_, i) => ex.submit(1, "echo", [i])));
  const seconds = now() - t0;
  await ex.shutdown();
  return { label: `ResourcePoolExecutor, ${W} workers, new worker every 10 tasks`, tasks: RECYCLE_N, seconds };
}

try {
  // One untimed round of each first, so neither side is measured cold (JIT, module caches).
  const full = N;
  N = Math.max(100, Math.floor(full / 10));
  await rawWorkerpool();
  await executorBatch();
  await executorTight();
  N = full;
  const rows = [await rawWorkerpool(), await executorBatch(), await executorTight(), await executorRecycling()];
  const base = rows[0].seconds / rows[0].tasks;
  console.log(`per-task overhead of tiny tasks (node ${process.version}, ${W} worker processes)`);
  for (const r of rows) {
    const per = r.seconds / r.tasks;
    console.log(
      `${r.label.padEnd(60)} ${String(r.tasks).padStart(6)} tasks ${r.seconds.toFixed(2).padStart(7)} s ` +
        `${(per * 1e6).toFixed(0).padStart(7)} us/task  ${(per / base).toFixed(2)}x baseline`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
