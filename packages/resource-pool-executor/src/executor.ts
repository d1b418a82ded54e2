import { EventEmitter } from "node:events";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import workerpool from "workerpool";
import { BestFitQueue } from "./best-fit-queue.js";
import { ExecutorError } from "./errors.js";
import { HeartbeatFile } from "./heartbeat.js";
import { LOADED_MARK, RUN_METHOD, START_METHOD, type StartReply } from "./protocol.js";
import { canReadRss, readRssBytes } from "./rss.js";
import { defaultMaxWorkers } from "./worker-count.js";
import { classifyFailure, exitSeen, type Failure } from "./worker-failure.js";

/** A task module as seen by the parent: its exported functions are the tasks. */
export type TaskModule = Record<string, unknown>;
type AnyTasks = Record<string, (...args: unknown[]) => unknown>;
/** Names of the module's exported functions. */
export type TaskName<M> = {
  [K in keyof M]: M[K] extends (...args: never[]) => unknown ? K : never;
}[keyof M] &
  string;
export type TaskArgs<M, K extends keyof M> = M[K] extends (...args: infer A) => unknown ? A : never;
export type TaskResult<M, K extends keyof M> = M[K] extends (...args: never[]) => infer R ? Awaited<R> : never;

export interface ExecutorOptions {
  /** Path or file URL of the module whose exported functions are the tasks; every worker imports it. */
  taskModule: string | URL;
  /** Budget: the sum of `resources` of running tasks stays <= this (except a lone oversize task). */
  maxResources: number;
  /** Worker processes at most; default defaultMaxWorkers() (CPU count + 2, capped). */
  maxWorkers?: number;
  /** Replace a worker after this many tasks (bounds leaks and fragmentation); default 10, Infinity = never. */
  maxTasksPerWorker?: number;
  /** Exported function of the task module each new worker runs once, with these arguments, before its first task. */
  workerStartup?: { task: string; args?: readonly unknown[] };
  /** V8 heap limit of each worker (`--max-old-space-size`); typed-array memory is not counted by it. */
  maxOldGenerationSizeMb?: number;
  /** Kill a worker whose resident memory exceeds this (checked from the parent via /proc; Linux only). */
  maxWorkerRssBytes?: number;
  /** How often to check worker memory when maxWorkerRssBytes is set; default 100 ms. */
  memoryCheckIntervalMs?: number;
  /** Extra Node flags for workers (e.g. `["--import", "tsx"]` to run a TypeScript task module). */
  execArgv?: readonly string[];
  /** Environment of the workers; default: this process's. */
  env?: NodeJS.ProcessEnv;
  /**
   * The watchdog: a running task whose worker sends no heartbeat for `timeoutMs` (workers beat every
   * `timeoutMs / 8` from a timer, and whenever the task calls `heartbeat()`) has its worker killed (SIGKILL); the task fails with E_WORKER_HUNG, or is queued again up to `retries` times (default 0). A worker
   * silent for `startupTimeoutMs` while loading (Node's start, importing the task module), or for `timeoutMs` while
   * running `workerStartup`, is killed the same way and the task it was started for fails or is retried; the
   * default, max(timeoutMs, 60 s), allows for a loaded machine compiling the modules. Off when not given.
   */
  watchdog?: { timeoutMs: number; retries?: number; startupTimeoutMs?: number };
}

export interface SubmitOptions {
  /** Aborting it removes the task from the queue, or kills the worker running it; the task rejects with E_ABORTED. */
  signal?: AbortSignal;
  /** Receives what the task sends with `workerpool.workerEmit(payload)` while it runs. */
  onEvent?: (payload: unknown) => void;
}

export interface ExecutorStats {
  queued: number;
  running: number;
  resourcesInUse: number;
  completed: number;
  failed: number;
  /** Aborted or removed by shutdown. */
  cancelled: number;
  /** Live worker processes (started and not yet retired). */
  workers: number;
}

export interface TaskInfo {
  /** Submission number, from 1. */
  id: number;
  task: string;
  resources: number;
}

export interface WorkerInfo {
  slot: number;
  pid: number | null;
}

export interface ExecutorEvents {
  queued: [TaskInfo];
  start: [TaskInfo];
  settle: [TaskInfo & { error?: ExecutorError }];
  workerStart: [WorkerInfo];
  workerExit: [WorkerInfo & { reason: string }];
  idle: [];
}

interface Job extends TaskInfo {
  readonly seq: number;
  readonly args: readonly unknown[];
  readonly options: SubmitOptions;
  state: "queued" | "running" | "settled";
  slot: Slot | null;
  resolve: (value: unknown) => void;
  reject: (error: ExecutorError) => void;
  onAbort: (() => void) | null;
  /** Times the watchdog killed this task's worker and queued it again. */
  hangRetries: number;
}

interface Slot {
  readonly id: number;
  pool: workerpool.Pool | null;
  pid: number | null;
  tasksRun: number;
  /** Running a job, starting or being retired: not available for scheduling. */
  busy: boolean;
  job: Job | null;
  /** Set when the executor kills the worker on purpose (abort, shutdown, memory); becomes the job's error. */
  killReason: ExecutorError | null;
  /** The process is known to have exited (workerpool saw it go). */
  dead: boolean;
  /** When the running task's worker last showed it was alive (the watchdog's clock). */
  lastBeat: number;
  /** The worker's heartbeat file (with a watchdog) and the count last read from it. */
  beats: HeartbeatFile | null;
  beatCount: number;
  /** The worker is starting (importing the task module, running the start-up hook). */
  starting: boolean;
  /**
   * Node's start and the task module's import: module code runs without yielding, so no beats come, and only this
   * stretch gets the longer start-up bound; the start-up hook beats and is held to the watchdog's time.
   */
  loading: boolean;
}

/** Bound on waiting for a worker to exit after asking it to; then it is killed. */
const TERMINATE_TIMEOUT_MS = 2000;
/** The least a starting worker is given by default before the watchdog takes it for hung. */
const STARTUP_TIMEOUT_MS = 60_000;

/**
 * Runs exported functions of a task module in worker processes, never letting the summed `resources`
 * of running tasks exceed `maxResources` (a task larger than the whole budget runs alone). Waiting tasks
 * are admitted best-fit: the largest that fits goes first. Worker crashes fail only the task that was
 * running there; the worker is replaced and the queue goes on.
 */
export class ResourcePoolExecutor<M extends TaskModule = AnyTasks> extends EventEmitter<ExecutorEvents> {
  readonly maxResources: number;
  readonly maxWorkers: number;
  readonly maxTasksPerWorker: number;

  private readonly moduleUrl: string;
  private readonly options: ExecutorOptions;
  private readonly entry: { script: string; execArgv: string[] };
  private readonly queue = new BestFitQueue<Job>();
  private readonly slots: Slot[];
  private readonly inFlight = new Set<Promise<void>>();
  private seq = 0;
  private inUse = 0;
  private running = 0;
  private completed = 0;
  private failed = 0;
  private cancelled = 0;
  private closed = false;
  private scheduling = false;
  private memoryTimer: NodeJS.Timeout | null = null;
  private watchdogTimer: NodeJS.Timeout | null = null;
  private idleWaiters: Array<() => void> = [];

  constructor(options: ExecutorOptions) {
    super();
    this.options = options;
    this.moduleUrl = resolveTaskModule(options.taskModule);
    this.maxResources = positive("maxResources", options.maxResources);
    this.maxWorkers = options.maxWorkers === undefined ? defaultMaxWorkers() : integer("maxWorkers", options.maxWorkers);
    const perWorker = options.maxTasksPerWorker ?? 10;
    this.maxTasksPerWorker = perWorker === Number.POSITIVE_INFINITY ? perWorker : integer("maxTasksPerWorker", perWorker);
    if (options.maxOldGenerationSizeMb !== undefined) {
      integer("maxOldGenerationSizeMb", options.maxOldGenerationSizeMb);
      // workerpool appends the parent's --max-old-space-size after ours, and the last one wins.
      const inherited = process.execArgv.find((a) => a.startsWith("--max-old-space-size"));
      if (inherited) {
        throw new ExecutorError(
          "E_INVALID_ARGUMENT",
          `maxOldGenerationSizeMb cannot take effect: this process runs with ${inherited}, which workers inherit and which overrides it`,
        );
      }
    }
    if (options.maxWorkerRssBytes !== undefined) {
      positive("maxWorkerRssBytes", options.maxWorkerRssBytes);
      if (!canReadRss) {
        throw new ExecutorError("E_UNSUPPORTED", `maxWorkerRssBytes needs /proc to read worker memory; not available on ${process.platform}`);
      }
    }
    if (options.watchdog) {
      positive("watchdog.timeoutMs", options.watchdog.timeoutMs);
      if (options.watchdog.startupTimeoutMs !== undefined) positive("watchdog.startupTimeoutMs", options.watchdog.startupTimeoutMs);
      const retries = options.watchdog.retries ?? 0;
      if (!(Number.isInteger(retries) && retries >= 0)) throw new ExecutorError("E_INVALID_ARGUMENT", `watchdog.retries must be an integer >= 0, got ${retries}`);
    }
    if (options.workerStartup && typeof options.workerStartup.task !== "string") {
      throw new ExecutorError("E_INVALID_ARGUMENT", "workerStartup.task must be the name of an exported function");
    }
    this.entry = workerEntry();
    this.slots = Array.from({ length: this.maxWorkers }, (_, id) => ({
      id,
      pool: null,
      pid: null,
      tasksRun: 0,
      busy: false,
      job: null,
      killReason: null,
      dead: false,
      lastBeat: 0,
      beats: null,
      beatCount: 0,
      starting: false,
      loading: false,
    }));
  }

  /** Counters for progress displays; a fresh object each call. */
  get stats(): ExecutorStats {
    return {
      queued: this.queue.size,
      running: this.running,
      resourcesInUse: this.inUse,
      completed: this.completed,
      failed: this.failed,
      cancelled: this.cancelled,
      workers: this.slots.filter((s) => s.pool !== null).length,
    };
  }

  /**
   * Queue `task(...args)` (an exported function of the task module) needing `resources` of the budget.
   * Resolves with its result; rejects with an ExecutorError (E_TASK_FAILED with the task's error as
   * cause, E_WORKER_* when its worker died, E_ABORTED, E_SHUTDOWN).
   */
  submit<K extends TaskName<M>>(
    resources: number,
    task: K,
    args: TaskArgs<M, K>,
    options: SubmitOptions = {},
  ): Promise<TaskResult<M, K>> {
    if (this.closed) {
      return Promise.reject(new ExecutorError("E_SHUTDOWN", `cannot submit task "${task}": the executor is shut down`));
    }
    if (typeof resources !== "number" || !Number.isFinite(resources) || resources < 0) {
      return Promise.reject(
        new ExecutorError("E_INVALID_ARGUMENT", `task "${task}": resources must be a finite number >= 0, got ${resources}`),
      );
    }
    if (typeof task !== "string" || task.length === 0) {
      return Promise.reject(new ExecutorError("E_INVALID_ARGUMENT", `task must be a function name, got ${String(task)}`));
    }
    if (!Array.isArray(args)) {
      return Promise.reject(new ExecutorError("E_INVALID_ARGUMENT", `task "${task}": args must be an array`));
    }
    const { signal } = options;
    const id = ++this.seq;
    if (signal?.aborted) return Promise.reject(abortError(task, id, signal.reason));
    return new Promise((resolve, reject) => {
      const job: Job = {
        id,
        seq: id,
        task,
        resources,
        args,
        options,
        state: "queued",
        slot: null,
        resolve: resolve as (value: unknown) => void,
        reject,
        onAbort: null,
        hangRetries: 0,
      };
      if (signal) {
        job.onAbort = () => this.abort(job, signal.reason);
        signal.addEventListener("abort", job.onAbort, { once: true });
      }
      this.queue.push(job);
      this.emit("queued", info(job));
      this.schedule();
    });
  }

  /** Resolves when nothing is queued or running. */
  onIdle(): Promise<void> {
    if (this.queue.size === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Reject every queued task with E_SHUTDOWN, stop running ones (their tasks reject with E_SHUTDOWN; with
   * `waitForRunning` they finish instead) and terminate all workers. Resolves when every worker has exited.
   */
  async shutdown(options: { waitForRunning?: boolean } = {}): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      for (const job of this.queue.drain()) {
        this.settle(job, undefined, new ExecutorError("E_SHUTDOWN", `task "${job.task}" (#${job.id}) cancelled: the executor shut down`));
      }
      if (!options.waitForRunning) {
        for (const slot of this.slots) {
          if (slot.job) {
            const job = slot.job;
            this.kill(slot, new ExecutorError("E_SHUTDOWN", `task "${job.task}" (#${job.id}) stopped: the executor shut down`));
          }
        }
      }
    }
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.stopMemoryWatch();
    if (this.watchdogTimer) clearInterval(this.watchdogTimer);
    this.watchdogTimer = null;
    await Promise.all(this.slots.map((s) => this.retire(s, "shutdown")));
    this.notifyIdle();
  }

  private schedule(): void {
    // Event listeners may submit from inside; the outer loop picks their tasks up.
    if (this.scheduling) return;
    this.scheduling = true;
    try {
      while (!this.closed && this.queue.size > 0) {
        const slot = this.slots.find((s) => !s.busy);
        if (!slot) break;
        const job =
          this.queue.takeBestFit(this.maxResources - this.inUse) ??
          (this.running === 0 ? this.queue.takeOldest() : undefined);
        if (!job) break;
        this.startJob(slot, job);
      }
    } finally {
      this.scheduling = false;
    }
  }

  private startJob(slot: Slot, job: Job): void {
    slot.busy = true;
    slot.job = job;
    job.slot = slot;
    job.state = "running";
    this.inUse += job.resources;
    this.running++;
    this.emit("start", info(job));
    const done = this.runJob(slot, job);
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  private async runJob(slot: Slot, job: Job): Promise<void> {
    let value: unknown;
    let error: ExecutorError | undefined;
    let requeue = false;
    let retireReason: string | null = null;
    try {
      if (!slot.pool) await this.startWorker(slot);
      if (slot.killReason) throw slot.killReason;
      const pool = slot.pool as workerpool.Pool;
      const watchdog = this.options.watchdog;
      slot.lastBeat = Date.now();
      if (watchdog) this.startWatchdog(watchdog);
      const onEvent = job.options.onEvent;
      const on = (payload: unknown) => {
        slot.lastBeat = Date.now();
        onEvent?.(payload);
      };
      value = await pool.exec(RUN_METHOD, [job.task, job.args], { on });
      slot.tasksRun++;
      // An abort that raced with completion still wins: the caller was told the task is cancelled.
      if (slot.killReason) throw slot.killReason;
    } catch (err) {
      const failure: Failure =
        err instanceof ExecutorError
          ? { kind: "worker", error: err }
          : classifyFailure(err, { task: job.task, pid: slot.pid, heapLimitMb: this.options.maxOldGenerationSizeMb });
      if (failure.kind === "task") slot.tasksRun++;
      if (exitSeen(err)) slot.dead = true;
      if (slot.killReason?.code === "E_WORKER_HUNG" && job.hangRetries < (this.options.watchdog?.retries ?? 0)) {
        job.hangRetries++;
        requeue = true;
        retireReason = slot.killReason.code;
      } else if (slot.killReason) {
        // Killed on purpose (abort, shutdown, memory): that is the task's outcome, whatever else was reported.
        error = slot.killReason;
        retireReason = error.code;
      } else if (failure.kind === "not-started") {
        requeue = true;
        retireReason = "exited while idle";
      } else {
        error = failure.error;
        if (failure.kind === "worker") retireReason = error.code;
      }
    }
    // A failed worker is gone (or made to go) before its resources count as free again.
    if (retireReason !== null) await this.retire(slot, retireReason, "kill");
    slot.job = null;
    job.slot = null;
    this.running--;
    this.inUse -= job.resources;
    if (requeue && this.closed) {
      this.settle(job, undefined, new ExecutorError("E_SHUTDOWN", `task "${job.task}" (#${job.id}) cancelled: the executor shut down`));
    } else if (requeue) {
      job.state = "queued";
      this.queue.push(job);
    } else {
      this.settle(job, value, error);
    }
    if (retireReason === null && slot.tasksRun >= this.maxTasksPerWorker) await this.retire(slot, "recycled");
    slot.busy = false;
    this.schedule();
    if (this.queue.size === 0 && this.running === 0) this.notifyIdle();
  }

  private async startWorker(slot: Slot): Promise<void> {
    const execArgv = [...this.entry.execArgv, ...(this.options.execArgv ?? [])];
    if (this.options.maxOldGenerationSizeMb !== undefined) {
      execArgv.push(`--max-old-space-size=${this.options.maxOldGenerationSizeMb}`);
    }
    const forkOpts: Record<string, unknown> = { execArgv, serialization: "advanced" };
    if (this.options.env) forkOpts.env = this.options.env;
    const watchdog = this.options.watchdog;
    const forkArgs = [this.moduleUrl];
    if (watchdog) {
      slot.beats = new HeartbeatFile();
      slot.beatCount = 0;
      forkArgs.push(slot.beats.path, String(beatInterval(watchdog.timeoutMs)));
    }
    const pool = workerpool.pool(this.entry.script, {
      maxWorkers: 1,
      workerType: "process",
      forkArgs,
      forkOpts,
      workerTerminateTimeout: TERMINATE_TIMEOUT_MS,
    });
    slot.pool = pool;
    slot.dead = false;
    slot.tasksRun = 0;
    const startup = this.options.workerStartup;
    const on = (payload: unknown) => {
      slot.lastBeat = Date.now();
      if ((payload as Record<string, unknown> | null)?.[LOADED_MARK] === true) slot.loading = false;
    };
    slot.starting = true;
    slot.loading = true;
    slot.lastBeat = Date.now();
    if (watchdog) this.startWatchdog(watchdog);
    try {
      const started = pool.exec(START_METHOD, [startup?.task ?? null, startup?.args ?? []], { on });
      // The process exists now: from here the watchdog (or an abort) can kill it, however early it hangs.
      slot.pid = forkedPid(pool);
      const reply = (await started) as StartReply;
      slot.pid = reply.pid;
    } catch (err) {
      const failure = classifyFailure(err, {
        task: startup ? startup.task : "(start-up)",
        pid: null,
        heapLimitMb: this.options.maxOldGenerationSizeMb,
      });
      slot.dead = exitSeen(err);
      const reason = failure.kind === "not-started" ? "worker exited during start-up" : failure.error.message;
      throw new ExecutorError("E_WORKER_STARTUP", `worker in slot ${slot.id} could not start: ${reason}`, { cause: err });
    } finally {
      slot.starting = false;
      slot.loading = false;
    }
    this.emit("workerStart", { slot: slot.id, pid: slot.pid });
    if (this.options.maxWorkerRssBytes !== undefined) this.startMemoryWatch();
  }

  /**
   * Stop the worker process of `slot` (if any) and forget it; the slot starts a fresh one when next used.
   * A worker retired after a failure is killed outright (it may still be running the failed task's code);
   * one retired for recycling or shutdown is asked to exit.
   */
  private async retire(slot: Slot, reason: string, how: "kill" | "ask" = "ask"): Promise<void> {
    const { pool, pid, dead } = slot;
    slot.beats?.close();
    slot.beats = null;
    slot.pool = null;
    slot.pid = null;
    slot.killReason = null;
    slot.dead = false;
    slot.tasksRun = 0;
    if (!pool) return;
    if (!dead) {
      // Killed in the same turn as terminate() starts listening, so the exit cannot slip past it.
      if (how === "kill" && pid !== null) killQuietly(pid);
      try {
        await pool.terminate(true, TERMINATE_TIMEOUT_MS);
      } catch {
        // It did not exit in time (or was already gone): make sure.
        if (pid !== null) killQuietly(pid);
      }
    }
    this.emit("workerExit", { slot: slot.id, pid, reason });
  }

  private abort(job: Job, reason: unknown): void {
    const error = abortError(job.task, job.id, reason);
    if (job.state === "queued") {
      if (this.queue.remove(job)) this.settle(job, undefined, error);
      if (this.queue.size === 0 && this.running === 0) this.notifyIdle();
    } else if (job.state === "running" && job.slot) {
      this.kill(job.slot, error);
    }
  }

  /** Kill the worker of a running job; the job then fails with `reason`. */
  private kill(slot: Slot, reason: ExecutorError): void {
    if (slot.killReason) return;
    slot.killReason = reason;
    // Without a pid no worker process exists yet; runJob checks killReason once it has started one.
    if (slot.pid !== null) killQuietly(slot.pid);
  }

  private settle(job: Job, value: unknown, error: ExecutorError | undefined): void {
    job.state = "settled";
    if (job.onAbort) job.options.signal?.removeEventListener("abort", job.onAbort);
    if (error === undefined) this.completed++;
    else if (error.code === "E_ABORTED" || error.code === "E_SHUTDOWN") this.cancelled++;
    else this.failed++;
    this.emit("settle", error === undefined ? info(job) : { ...info(job), error });
    if (error === undefined) job.resolve(value);
    else job.reject(error);
  }

  /**
   * Listeners run inside the scheduler: one that throws must not leave a task unsettled or a slot busy,
   * so its error is rethrown on its own turn (an uncaught exception the application sees) instead.
   */
  override emit<E extends keyof ExecutorEvents>(event: E, ...args: ExecutorEvents[E]): boolean {
    try {
      return super.emit(event, ...(args as never));
    } catch (err) {
      queueMicrotask(() => {
        throw err;
      });
      return true;
    }
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
    this.emit("idle");
  }

  private startMemoryWatch(): void {
    if (this.memoryTimer) return;
    const limit = this.options.maxWorkerRssBytes as number;
    this.memoryTimer = setInterval(() => {
      for (const slot of this.slots) {
        if (slot.job === null || slot.pid === null || slot.killReason) continue;
        const rss = readRssBytes(slot.pid);
        if (rss !== null && rss > limit) {
          this.kill(
            slot,
            new ExecutorError(
              "E_WORKER_OUT_OF_MEMORY",
              `worker process ${slot.pid} running task "${slot.job.task}" (#${slot.job.id}) used ${mb(rss)} MB of resident memory, over the limit of ${mb(limit)} MB; it was killed`,
            ),
          );
        }
      }
    }, this.options.memoryCheckIntervalMs ?? 100);
    this.memoryTimer.unref();
  }

  /** Kills the worker of any running task, or any starting worker, that has been silent too long. */
  private startWatchdog(watchdog: { timeoutMs: number; startupTimeoutMs?: number }): void {
    if (this.watchdogTimer) return;
    const { timeoutMs } = watchdog;
    const startupMs = watchdog.startupTimeoutMs ?? Math.max(timeoutMs, STARTUP_TIMEOUT_MS);
    this.watchdogTimer = setInterval(() => {
      const now = Date.now();
      for (const slot of this.slots) {
        const count = slot.job !== null && slot.beats ? slot.beats.read() : slot.beatCount;
        if (count !== slot.beatCount) {
          slot.beatCount = count;
          slot.lastBeat = now;
        }
        const limit = slot.loading ? startupMs : timeoutMs;
        if (slot.job === null || slot.killReason || now - slot.lastBeat <= limit) continue;
        const quiet = ((now - slot.lastBeat) / 1000).toFixed(1);
        const doing = slot.starting
          ? `starting (for task "${slot.job.task}" (#${slot.job.id}))`
          : `running task "${slot.job.task}" (#${slot.job.id})`;
        const reason = new ExecutorError(
          "E_WORKER_HUNG",
          `worker process ${slot.pid} ${doing} sent no heartbeat for ${quiet} s (watchdog ${limit / 1000} s; stopped, or stuck in a system call); it was killed`,
        );
        this.kill(slot, reason);
      }
    }, beatInterval(timeoutMs));
    this.watchdogTimer.unref();
  }

  private stopMemoryWatch(): void {
    if (this.memoryTimer) clearInterval(this.memoryTimer);
    this.memoryTimer = null;
  }
}

/** How often workers beat and the watchdog looks: eight times per timeout. */
function beatInterval(timeoutMs: number): number {
  return Math.max(10, Math.floor(timeoutMs / 8));
}

/**
 * The pid of the process workerpool forked for a one-worker pool. workerpool keeps its child process to itself
 * (`Pool.workers[i].worker`); reading it lets a worker that hangs before it runs any code of ours (Node's start, a
 * `--import` preload) be SIGKILLed like any other, where workerpool's own terminate only sends SIGTERM, which a
 * stopped process never acts on. The watchdog tests fail if a workerpool upgrade moves it.
 */
function forkedPid(pool: workerpool.Pool): number {
  const handlers = (pool as unknown as { workers?: Array<{ worker?: { pid?: unknown } }> }).workers;
  const pid = handlers?.[0]?.worker?.pid;
  if (typeof pid !== "number") {
    throw new ExecutorError("E_UNSUPPORTED", "cannot find the worker's process in workerpool's pool (has its internal layout changed?)");
  }
  return pid;
}

function info(job: Job): TaskInfo {
  return { id: job.id, task: job.task, resources: job.resources };
}

function abortError(task: string, id: number, reason: unknown): ExecutorError {
  return new ExecutorError("E_ABORTED", `task "${task}" (#${id}) was aborted`, { cause: reason });
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

function mb(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

function positive(name: string, value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new ExecutorError("E_INVALID_ARGUMENT", `${name} must be a positive number, got ${value}`);
  }
  return value;
}

function integer(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ExecutorError("E_INVALID_ARGUMENT", `${name} must be an integer >= 1, got ${value}`);
  }
  return value;
}

/** File URL of the task module; a missing file is reported now rather than by every worker. */
function resolveTaskModule(spec: string | URL): string {
  const isUrl = spec instanceof URL || /^[a-z][a-z0-9+.-]*:\/\//i.test(spec);
  let url: URL | null = null;
  try {
    url = spec instanceof URL ? spec : isUrl ? new URL(spec) : pathToFileURL(spec);
  } catch {
    url = null;
  }
  if (url === null || url.protocol !== "file:") {
    throw new ExecutorError("E_INVALID_ARGUMENT", `taskModule must be a local path or a file: URL, got ${String(spec)}`);
  }
  if (!existsSync(fileURLToPath(url))) {
    throw new ExecutorError("E_INVALID_ARGUMENT", `taskModule not found: ${fileURLToPath(url)}`);
  }
  return url.href;
}

/**
 * The worker script: dist/worker-entry.js next to this file once built. When this module runs from its
 * TypeScript source (the package's own tests), the entry is TypeScript too and workers load it through tsx.
 */
function workerEntry(): { script: string; execArgv: string[] } {
  const here = import.meta.url;
  if (here.endsWith(".ts")) {
    const tsx = createRequire(here).resolve("tsx");
    return { script: fileURLToPath(new URL("./worker-entry.ts", here)), execArgv: ["--import", pathToFileURL(tsx).href] };
  }
  return { script: fileURLToPath(new URL("./worker-entry.js", here)), execArgv: [] };
}
