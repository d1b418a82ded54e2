/**
 * The script every worker process runs. It serves two workerpool methods: start (report the pid, import
 * the user's task module (argv[2], a file URL), run the start-up hook) and run (call one exported function). Errors it raises itself carry ENTRY_MARK so the parent can tell them from task errors.
 */
import workerpool from "workerpool";
import { ENTRY_MARK, HEARTBEAT_MARK, RUN_METHOD, START_METHOD, type StartReply, WORKER_ERROR } from "./protocol.js";

type TaskFn = (...args: unknown[]) => unknown;

function entryError(code: string, message: string, cause?: unknown): Error {
  const err = new Error(message) as Error & Record<string, unknown>;
  err.code = code;
  err[ENTRY_MARK] = true;
  if (cause instanceof Error && cause.stack) err.stack = `${err.stack}\ncaused by: ${cause.stack}`;
  return err;
}

const moduleUrl = process.argv[2] ?? "";
let tasks: Record<string, unknown> | null = null;
let loadError: Error | null = null;

/** Imports the task module (once); a failure is kept and reported to the caller rather than exiting. */
async function loadTasks(): Promise<void> {
  if (tasks || loadError) return;
  try {
    tasks = (await import(moduleUrl)) as Record<string, unknown>;
  } catch (err) {
    loadError = entryError(
      WORKER_ERROR.moduleLoad,
      `cannot import task module ${moduleUrl}: ${err instanceof Error ? err.message : String(err)}`,
      err,
    );
  }
}

function lookup(name: string): TaskFn {
  if (loadError) throw loadError;
  const fn = tasks?.[name];
  if (typeof fn !== "function") {
    throw entryError(WORKER_ERROR.unknownTask, `task module ${moduleUrl} exports no function named "${name}"`);
  }
  return fn as TaskFn;
}

// An exception that escapes the running task (a timer callback, an unhandled rejection) fails that task
// and poisons the worker: the parent retires it. With no task running, the worker exits and the
// parent notices the exit.
let failCurrent: ((err: unknown) => void) | null = null;
let poisoned: Error | null = null;
process.on("uncaughtException", (err) => {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  poisoned = entryError(WORKER_ERROR.uncaught, `uncaught exception in worker process ${process.pid}: ${message}`, err);
  if (failCurrent) {
    failCurrent(poisoned);
    return;
  }
  process.stderr.write(`${poisoned.stack ?? poisoned.message}\n`);
  process.exit(70);
});

/**
 * Imports the task module and runs the start-up hook. The pid goes to the parent first, and heartbeats follow
 * (with `heartbeatMs`), so the parent's watchdog can kill a worker that hangs in the import or the hook.
 */
async function start(hook: string | null, args: unknown[], heartbeatMs?: number | null): Promise<StartReply> {
  workerpool.workerEmit({ [HEARTBEAT_MARK]: true, pid: process.pid });
  const beat = heartbeatMs ? setInterval(() => workerpool.workerEmit({ [HEARTBEAT_MARK]: true }), heartbeatMs) : null;
  try {
    await loadTasks();
    if (loadError) throw loadError;
    // Loaded: from here the worker beats, and the parent holds it to the watchdog's own time.
    workerpool.workerEmit({ [HEARTBEAT_MARK]: true, loaded: true });
    if (hook !== null) await lookup(hook)(...args);
    return { pid: process.pid };
  } finally {
    if (beat) clearInterval(beat);
  }
}

/**
 * workerpool sends only an error's own properties; `name` lives on the prototype, so copy it onto the
 * error. Thrown non-errors become errors so the parent gets a message rather than a bag of characters.
 */
function transportable(err: unknown): Error {
  if (!(err instanceof Error)) return new Error(`non-Error value thrown: ${String(err)}`);
  if (!Object.hasOwn(err, "name")) Object.defineProperty(err, "name", { value: err.name, enumerable: true });
  return err;
}

/**
 * Runs one task. With `heartbeatMs`, the worker's main thread tells the parent it is alive that often: a worker
 * stopped, or stuck in a system call, goes quiet and the parent's watchdog acts. (A task that computes for long
 * stretches without yielding calls `heartbeat()` itself.)
 */
function run(name: string, args: unknown[], heartbeatMs?: number | null): Promise<unknown> {
  if (poisoned) return Promise.reject(poisoned);
  const beat = heartbeatMs ? setInterval(() => workerpool.workerEmit({ [HEARTBEAT_MARK]: true }), heartbeatMs) : null;
  return new Promise((resolve, reject) => {
    const fail = (err: unknown) => reject(transportable(err));
    failCurrent = fail;
    try {
      Promise.resolve(lookup(name)(...args)).then(resolve, fail);
    } catch (err) {
      fail(err);
    }
  }).finally(() => {
    failCurrent = null;
    if (beat) clearInterval(beat);
  });
}

workerpool.worker({ [START_METHOD]: start, [RUN_METHOD]: run });
