/**
 * Queue mode over Redis (BullMQ): a coordinator plans the cube, puts one job per batch on the queue, follows
 * progress and finalizes; workers on any machine take jobs and run each in their local executor. A batch's job
 * is idempotent (its staged file is named by the batch id), so a job taken over from a dead worker, retried
 * after a failure, or put back after Redis lost it, never adds a group twice.
 */
import { readStagedSummary, stagedBatchIds } from "@census-cube/cube-writer";
import { vfsFor } from "@census-cube/tiledb-ts";
import { type Job, Queue, Worker } from "bullmq";
import { type BatchExecutor, type LocalResources, startWorkers } from "./build-batches.js";
import { CubeBuilderError } from "./errors.js";
import type { Logger } from "./logger.js";
import type { BuildOptions } from "./options.js";
import { Progress } from "./progress.js";
import { readTask, type StoredPlan } from "./stored-plan.js";
import { finalizeCube, planCube, planOf, withCubeLock, workerInit } from "./steps.js";
import type { BatchResult } from "./worker-tasks.js";

export const DEFAULT_QUEUE_NAME = "cube-builder";

/** A Redis queue: `redis://host:port/db` (or rediss://) and the queue's name. */
export interface QueueAddress {
  url: string;
  name: string;
}

export interface BatchJobData {
  cubeUri: string;
  /** The plan the batch belongs to (a job of an older plan of the cube is dropped). */
  planId: string;
  batch: number;
}

export interface CoordinatorOptions {
  /** Tries of a batch before the build fails. */
  attempts: number;
  /** First retry delay; doubled on each further one. */
  backoffMs: number;
  /** How often the coordinator looks at the cube and the queue. */
  pollMs?: number;
}

export interface QueueWorkerOptions extends LocalResources {
  /** How long a job's lock lasts without renewal: a dead worker's jobs are taken over after about this long. */
  lockMs: number;
  /** How often a worker looks for jobs whose lock has expired. */
  stalledCheckMs: number;
}

export function checkQueueUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CubeBuilderError("E_BAD_FLAG", `--queue: "${url}" is not a URL; expected redis://host:port/db`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new CubeBuilderError("E_BAD_FLAG", `--queue: "${url}" must be a redis:// or rediss:// URL`);
  return url;
}

/** Connection settings: commands wait for Redis to come back rather than fail (BullMQ workers need this). */
function connection(url: string) {
  return { url, maxRetriesPerRequest: null };
}

function jobId(planId: string, batch: number): string {
  return `${planId}-${batch}`;
}

/**
 * Plans the cube, puts a job per batch not yet staged on the queue and waits until every batch is staged:
 * progress and ETA from the batches staged so far; a batch whose job failed every attempt fails the build with
 * its error; jobs Redis lost (restarted without its data) are put back. Then finalizes on this machine.
 */
export interface QueueBuildSummary {
  cubeUri: string;
  queue: string;
  cells: number;
  groups: number;
  features: number;
  batches: number;
  /** Jobs put on the queue (batches not computed by an earlier run), and put back after Redis lost them. */
  jobs: number;
  requeued: number;
  /** Cells whose batches an earlier, interrupted run had already computed. */
  resumedCells: number;
  /** Queried cells left out for a null value in an obs grouping column. */
  cellsWithoutGroup: number;
  /** X rows whose soma_dim_0 is not a soma_joinid of obs: no cell has them, the cube leaves them out. */
  xRowsWithoutObs: number;
  /**
   * Estimator rows staged, X values read and X values of the cube's cells the estimators took in, by this build's
   * jobs (each batch counted once, from its staged file).
   */
  rows: number;
  nnz: number;
  valuesUsed: number;
  seconds: number;
}

export function buildOnQueue(opts: BuildOptions, address: QueueAddress, co: CoordinatorOptions, log: Logger): Promise<QueueBuildSummary> {
  return withCubeLock(opts.cubeUri, "queue build", opts.mode === "resume", () => coordinate(opts, address, co, log));
}

async function coordinate(opts: BuildOptions, address: QueueAddress, co: CoordinatorOptions, log: Logger): Promise<QueueBuildSummary> {
  const started = Date.now();
  const cubeUri = opts.cubeUri;
  const { plan } = await planCube(opts, log);
  const summary: QueueBuildSummary = { cubeUri, queue: address.name, cells: 0, groups: 0, features: 0, batches: 0, jobs: 0, requeued: 0, resumedCells: 0, cellsWithoutGroup: 0, xRowsWithoutObs: 0, rows: 0, nnz: 0, valuesUsed: 0, seconds: 0 };
  if (!plan) return { ...summary, seconds: (Date.now() - started) / 1000 };
  const vfs = vfsFor(cubeUri);
  const queue = new Queue<BatchJobData>(address.name, { connection: connection(address.url) });
  queue.on("error", (e) => log.warn({ error: e.message }, `queue ${address.url}: ${e.message}`));
  try {
    const already = await stagedBatchIds(vfs, cubeUri);
    const todo = plan.batches.filter((b) => !already.has(b.id));
    const resumedCells = plan.cells - todo.reduce((s, b) => s + b.cells, 0);
    const retried = await dropFailedJobs(queue, plan, todo.map((b) => b.id));
    if (retried.length > 0) log.info({ batches: retried }, `trying again ${retried.length} batches whose jobs failed in an earlier run`);
    await enqueue(queue, plan, cubeUri, todo.map((b) => b.id), co);
    log.info({ queue: address.url, name: address.name, jobs: todo.length }, `${todo.length} batch jobs on queue ${address.name} at ${address.url}`);
    const progress = new Progress(log, todo.reduce((s, b) => s + b.cells, 0), todo.length);
    const counted = new Set<number>();
    const pollMs = co.pollMs ?? 1000;
    for (;;) {
      const staged = await stagedBatchIds(vfs, cubeUri);
      for (const b of todo) {
        if (staged.has(b.id) && !counted.has(b.id)) {
          counted.add(b.id);
          // the worker's counts are in the staged file's header: right after a worker death or a Redis restart too
          const done = await readStagedSummary(vfs, cubeUri, b.id);
          summary.rows += done?.rows ?? 0;
          summary.nnz += done?.record.nnz ?? 0;
          summary.valuesUsed += done?.record.valuesUsed ?? 0;
          progress.batchDone(b.cells, done?.record.nnz ?? 0, done?.record.bytesFetched ?? 0);
        }
      }
      if (counted.size === todo.length) break;
      try {
        summary.requeued += await checkJobs(queue, plan, cubeUri, todo.map((b) => b.id).filter((id) => !staged.has(id)), co, log);
      } catch (e) {
        if (e instanceof CubeBuilderError) throw e;
        log.warn({ error: (e as Error).message }, `queue ${address.url} unreachable (${(e as Error).message}); retrying`);
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
    progress.stop();
    log.info({ seconds: (Date.now() - started) / 1000 }, "every batch is computed; finalizing");
    const fin = await finalizeCube(cubeUri, { ...opts, build: { seconds: (Date.now() - started) / 1000, queue: address.name } }, log);
    const seconds = (Date.now() - started) / 1000;
    log.info({ seconds, rows: summary.rows, nnz: summary.nnz, valuesUsed: summary.valuesUsed }, `cube complete: ${cubeUri}`);
    return {
      ...summary,
      cells: fin.cells,
      groups: fin.groups,
      features: plan.features,
      batches: plan.batches.length,
      jobs: todo.length,
      resumedCells,
      cellsWithoutGroup: plan.cellsWithoutGroup ?? 0,
      xRowsWithoutObs: plan.xRowsWithoutObs ?? 0,
      seconds,
    };
  } finally {
    await queue.close();
  }
}

async function enqueue(queue: Queue<BatchJobData>, plan: StoredPlan, cubeUri: string, batches: number[], co: CoordinatorOptions): Promise<void> {
  // a job id per (plan, batch): adding it again while it is queued is a no-op
  await queue.addBulk(
    batches.map((batch) => ({
      name: "batch",
      data: { cubeUri, planId: plan.id, batch },
      opts: { jobId: jobId(plan.id, batch), attempts: co.attempts, backoff: { type: "exponential", delay: co.backoffMs }, removeOnComplete: true, removeOnFail: false },
    })),
  );
}

/**
 * Removes the failed jobs of these batches, so that enqueueing them again runs them with this run's attempts
 * (a job id already in Redis, failed ones included, makes adding it a no-op). Returns their batches.
 */
async function dropFailedJobs(queue: Queue<BatchJobData>, plan: StoredPlan, batches: number[]): Promise<number[]> {
  const ids = new Set(batches.map((b) => jobId(plan.id, b)));
  const dropped: number[] = [];
  // one listing of the failed jobs, not a look-up per batch: a Census-sized plan has thousands
  for (const job of await queue.getFailed()) {
    if (job.id === undefined || !ids.has(job.id)) continue;
    await job.remove();
    dropped.push(job.data.batch);
  }
  return dropped.sort((a, b) => a - b);
}

/** Fails the build on a batch that failed every attempt; puts back jobs of unstaged batches the queue lost. */
async function checkJobs(queue: Queue<BatchJobData>, plan: StoredPlan, cubeUri: string, unstaged: number[], co: CoordinatorOptions, log: Logger): Promise<number> {
  const missing: number[] = [];
  for (const batch of unstaged) {
    const job = await queue.getJob(jobId(plan.id, batch));
    if (!job) {
      missing.push(batch);
      continue;
    }
    if (job.failedReason && (await job.getState()) === "failed") {
      throw new CubeBuilderError("E_BATCH_FAILED", `batch ${batch} of ${cubeUri} failed ${job.attemptsMade} times; last error: ${job.failedReason}; once its cause is fixed, run the same command with --resume to try it again`);
    }
  }
  // A completed job is removed after its batch is staged, so a job that is gone while its batch is not staged
  // was lost (Redis restarted without its data), or completed since the cube was looked at: put back, it then
  // finds its batch staged and ends at once.
  if (missing.length > 0) {
    log.warn({ batches: missing }, `${missing.length} batch jobs are not on the queue; putting them back`);
    await enqueue(queue, plan, cubeUri, missing, co);
  }
  return missing.length;
}

/** A machine's executor per plan, started with that plan's worker settings. */
interface PlanWorkers {
  plan: StoredPlan;
  executor: BatchExecutor;
}

/**
 * Test hooks, to exercise a real queue: `CUBE_BUILDER_FAIL_BATCH=<batch>:<n>` makes the first n attempts of that
 * batch's job fail (the error names the attempt); `CUBE_BUILDER_HOLD_JOB_MS=<ms>` makes this worker hold each
 * job that long before computing it (a job in hand when the worker is killed, or Redis restarted).
 */
async function testHooks(job: Job<BatchJobData>, log: Logger): Promise<void> {
  const spec = process.env.CUBE_BUILDER_FAIL_BATCH;
  if (spec) {
    const [batch, times] = spec.split(":").map(Number);
    if (job.data.batch === batch && job.attemptsMade < times) throw new Error(`injected failure of batch ${batch}, attempt ${job.attemptsMade + 1} (CUBE_BUILDER_FAIL_BATCH)`);
  }
  const hold = Number(process.env.CUBE_BUILDER_HOLD_JOB_MS ?? 0);
  if (hold > 0) {
    log.info({ batch: job.data.batch, holdMs: hold }, `batch ${job.data.batch}: held ${hold} ms (CUBE_BUILDER_HOLD_JOB_MS)`);
    await new Promise((r) => setTimeout(r, hold));
  }
}

/**
 * Takes batch jobs from the queue until `signal` aborts, each run in this machine's executor (at most
 * `maxWorkers` at once, within `memoryBudget`). A job whose batch is staged already, or whose cube was
 * finalized or planned again, finishes at once.
 */
export async function runQueueWorker(address: QueueAddress, options: QueueWorkerOptions, log: Logger, signal: AbortSignal): Promise<void> {
  const perPlan = new Map<string, Promise<PlanWorkers>>();
  const workersFor = (cubeUri: string, plan: StoredPlan): Promise<PlanWorkers> => {
    let w = perPlan.get(plan.id);
    if (!w) {
      w = workerInit(cubeUri, plan).then((init) => ({ plan, executor: startWorkers(init, options, options.maxWorkers) }));
      perPlan.set(plan.id, w);
    }
    return w;
  };
  const process = async (job: Job<BatchJobData>): Promise<BatchResult | { skipped: string }> => {
    const { cubeUri, planId, batch } = job.data;
    await testHooks(job, log);
    const plan = await planOf(cubeUri);
    if (!plan || plan.id !== planId) return { skipped: plan ? "the cube was planned again" : "the cube is complete" };
    if ((await stagedBatchIds(vfsFor(cubeUri), cubeUri)).has(batch)) return { skipped: "staged already" };
    const { executor } = await workersFor(cubeUri, plan);
    const t0 = Date.now();
    log.info({ cubeUri, batch, attempt: job.attemptsMade + 1 }, `batch ${batch} of ${cubeUri}: started`);
    const r: BatchResult = await executor.submit(plan.taskBytes, "buildBatch", [await readTask(cubeUri, batch)]);
    log.info({ cubeUri, batch, seconds: (Date.now() - t0) / 1000, rows: r.rows, bytesFetched: r.bytesFetched }, `batch ${batch} of ${cubeUri}: staged`);
    return r;
  };
  const worker = new Worker<BatchJobData>(address.name, process, {
    connection: connection(address.url),
    concurrency: options.maxWorkers,
    lockDuration: options.lockMs,
    stalledInterval: options.stalledCheckMs,
    // a job is put back after each worker death; a batch that kills its workers fails on its attempts instead
    maxStalledCount: 5,
  });
  worker.on("failed", (job, err) => log.warn({ batch: job?.data.batch, error: err.message }, `batch ${job?.data.batch}: ${err.message}`));
  worker.on("error", (e) => log.warn({ error: e.message }, `queue ${address.url}: ${e.message}`));
  log.info({ queue: address.url, name: address.name, maxWorkers: options.maxWorkers }, `taking batch jobs from ${address.name} at ${address.url}`);
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
  log.info("stopping: finishing the jobs in hand");
  await worker.close();
  for (const w of perPlan.values()) await (await w).executor.shutdown();
}
