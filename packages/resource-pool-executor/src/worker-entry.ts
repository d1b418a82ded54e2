/**
 * The script every worker process runs. It serves two workerpool methods: start (import the user's task module
 * (argv[2], a file URL), run the start-up hook) and run (call one exported function). Errors it raises itself
 * carry ENTRY_MARK so the parent can tell them from task errors. With a watchdog, argv[3] is the heartbeat file
 * and argv[4] the beat period in ms.
 */
import workerpool from "workerpool";
import { HeartbeatWriter } from "./heartbeat.js";
import { ENTRY_MARK, LOADED_MARK, RUN_METHOD, START_METHOD, type StartReply, WORKER_ERROR } from "./protocol.js";

type TaskFn = (...args: unknown[]) => unknown;

function entryError(code: string, message: string, cause?: unknown): Error {
  const err = new Error(message) as Error & Record<string, unknown>;
  err.code = code;
  err[ENTRY_MARK] = true;
  if (cause instanceof Error && cause.stack) err.stack = `${err.stack}\ncaused by: ${cause.stack}`;
  return err;
}

const moduleUrl = process.argv[2] ?? "";
// A timer on the main thread: a worker that is stopped, stuck in a system call or computing without calling
// heartbeat() goes quiet. Unref'd, so it keeps no idle worker alive.
if (process.argv[3]) {
  const intervalMs = Number(process.argv[4]);
  const writer = HeartbeatWriter.install(process.argv[3], intervalMs);
  setInterval(() => writer.beat(), intervalMs).unref();
}
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
 * Imports the task module and runs the start-up hook, telling the parent when the import is done: from then on
 * the parent holds the worker to the watchdog's own time rather than the longer start-up bound.
 */
async function start(hook: string | null, args: unknown[]): Promise<StartReply> {
  await loadTasks();
  if (loadError) throw loadError;
  workerpool.workerEmit({ [LOADED_MARK]: true });
  if (hook !== null) await lookup(hook)(...args);
  return { pid: process.pid };
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

/** Runs one task. */
function run(name: string, args: unknown[]): Promise<unknown> {
  if (poisoned) return Promise.reject(poisoned);
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
  });
}

workerpool.worker({ [START_METHOD]: start, [RUN_METHOD]: run });
